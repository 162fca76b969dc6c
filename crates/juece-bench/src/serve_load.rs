//! The server under load (issue 11): `juece serve` on loopback over a generated database, many
//! clients at once writing evidence and reading case views through the JSON API, each request
//! timed from connect to the last byte; beside it, the bare durable commit of one event row into
//! the same rows (the physical limit of a guarded write). Bounded in time; only 127.0.0.1.
//!
//! Afterwards `juece verify --replay` must pass: the concurrent writes left one chain per case
//! and projections that match the events.
//!
//! On PostgreSQL (`--db postgres://…`, issue 14) the same load runs against one database shared
//! by `--servers N` processes, beside PostgreSQL's own bare durable commit of the same rows.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::generate::write_cases;
use crate::harness::{fixed_environment, progress, remove_db, Error, Rows, WRITER};
use crate::stats::{percentile, time};

/// What to run.
pub struct LoadOptions {
    /// The juece binary (built with `--features juece-cli/test-clock`).
    pub juece: PathBuf,
    /// Where the case file and the databases go.
    pub work: PathBuf,
    /// Cases in the database.
    pub cases: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// How long the clients run.
    pub seconds: u64,
    /// The loopback port.
    pub port: u16,
    /// The generator's seed.
    pub seed: u64,
    /// A PostgreSQL database (empty) to load instead of an SQLite file.
    pub pg_url: Option<String>,
    /// How many `juece serve` processes share the database.
    pub servers: usize,
}

/// The outcome: a Markdown section, and whether every check held.
pub struct LoadReport {
    pub markdown: String,
    pub failures: Vec<String>,
}

/// The server process, ended when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn juece(bin: &Path, db: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    let mut cmd = Command::new(bin);
    cmd.arg("--db").arg(db).args(args);
    Ok(fixed_environment(&mut cmd).stdin(Stdio::null()).output()?)
}

/// One HTTP/1.1 request over a fresh loopback connection: (status, body, time to last byte).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Result<(u16, String, Duration), Error> {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    Ok((status, body.unwrap_or_default(), took))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Peak resident set of a process, KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

#[derive(Default)]
struct Tally {
    writes: Vec<Duration>,
    reads: Vec<Duration>,
    conflicts: usize,
    errors: Vec<String>,
}

/// Runs the load and measures the bare commit beside it.
pub fn run(o: &LoadOptions) -> Result<LoadReport, Error> {
    std::fs::create_dir_all(&o.work)?;
    let n = o.cases;
    let file = o.work.join(format!("cases-{n}.json"));
    if !file.is_file() {
        progress(format_args!("[serve {n}] generate {}", file.display()));
        let out = File::create(&file)?;
        write_cases(std::io::BufWriter::new(out), o.seed, n, |_| Ok(()))?;
    }
    let db = match &o.pg_url {
        Some(url) => {
            pg_must_be_empty(url)?;
            PathBuf::from(url)
        }
        None => {
            let db = o.work.join(format!("serve-{n}.db"));
            remove_db(&db)?;
            db
        }
    };
    progress(format_args!("[serve {n}] import"));
    let file_arg = file.to_string_lossy().into_owned();
    let out = juece(&o.juece, &db, &["import", &file_arg])?;
    if !out.status.success() {
        return Err(format!("import failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    juece(
        &o.juece,
        &db,
        &["user", "add", WRITER, "--role", "undertaking_unit"],
    )?;
    let out = juece(&o.juece, &db, &["token", "create", WRITER])?;
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = printed
        .split_whitespace()
        .find(|w| w.starts_with("jt_"))
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_'))
        .ok_or_else(|| format!("no token in `juece token create`: {printed}"))?
        .to_owned();

    // The cases the clients touch, spread over the database.
    let refs: Vec<String> = if let Some(url) = &o.pg_url {
        let mut c = postgres::Client::connect(url, postgres::NoTls)?;
        let step = (n / 1000).max(1) as i64;
        c.query(
            "SELECT ref FROM cases WHERE case_id % $1 = 0 ORDER BY case_id LIMIT 1000",
            &[&step],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect()
    } else {
        let conn = rusqlite::Connection::open(&db)?;
        let step = (n / 1000).max(1);
        let mut stmt = conn.prepare("SELECT ref FROM cases WHERE case_id % ?1 = 0 LIMIT 1000")?;
        let rows = stmt.query_map([step as i64], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if refs.is_empty() {
        return Err("no cases to load".into());
    }

    // The physical limit: durable single-row commits into the same rows, bare.
    progress(format_args!("[serve {n}] baseline commits"));
    // The same commits from as many writers at once as the load has writing clients.
    let writers = (o.clients / 2).max(1);
    let (bare, bare_concurrent) = match &o.pg_url {
        Some(url) => pg_bare_commits(url, 200, writers, Duration::from_secs(5))?,
        None => {
            let rows = Rows::read(&db)?;
            let base_db = o.work.join(format!("serve-baseline-{n}.db"));
            remove_db(&base_db)?;
            rows.insert_all(&base_db)?;
            let bare = rows.single_commits(&base_db, 200)?;
            let concurrent = rows.concurrent_commits(&base_db, writers, Duration::from_secs(5))?;
            (bare, concurrent)
        }
    };

    // The servers, all on the one database.
    let mut servers = Vec::new();
    let mut addrs = Vec::new();
    for i in 0..o.servers {
        let port = o
            .port
            .checked_add(i as u16)
            .ok_or("no port left above --port")?;
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(&o.juece);
        cmd.arg("--db").arg(&db).args(["serve", "--listen", &addr]);
        let child = fixed_environment(&mut cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        servers.push(Server(child));
        let ready = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            if ready.elapsed() > Duration::from_secs(30) {
                return Err(format!("the server on {addr} did not start within 30 s").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        addrs.push(addr);
    }
    let addrs = Arc::new(addrs);

    progress(format_args!(
        "[serve {n}] {} clients for {} s",
        o.clients, o.seconds
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let refs = Arc::new(refs);
    let workers: Vec<_> = (0..o.clients)
        .map(|k| {
            let addr = addrs[k % addrs.len()].clone();
            let (token, refs, stop) = (token.clone(), refs.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut t = Tally::default();
                let mut rng = fastrand::Rng::with_seed(k as u64);
                while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                    let r = &refs[rng.usize(..refs.len())];
                    let path = format!("/api/v1/cases/{}", percent_encode(r));
                    if rng.bool() {
                        let body = r#"{"type":"risk_assessment","level":"low","controllable":true,"measures":"load"}"#;
                        match request(&addr, "POST", &format!("{path}/events"), &token, Some(body)) {
                            Ok((201, _, d)) => t.writes.push(d),
                            Ok((409, _, _)) => t.conflicts += 1,
                            Ok((s, b, _)) => t.errors.push(format!("POST {s}: {}", b.chars().take(200).collect::<String>())),
                            Err(e) => t.errors.push(format!("POST: {e}")),
                        }
                    } else {
                        match request(&addr, "GET", &path, &token, None) {
                            Ok((200, _, d)) => t.reads.push(d),
                            Ok((s, b, _)) => t.errors.push(format!("GET {s}: {}", b.chars().take(200).collect::<String>())),
                            Err(e) => t.errors.push(format!("GET: {e}")),
                        }
                    }
                    if t.errors.len() > 20 {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                t
            })
        })
        .collect();
    let mut all = Tally::default();
    for w in workers {
        let t = w.join().map_err(|_| "a client thread panicked")?;
        all.writes.extend(t.writes);
        all.reads.extend(t.reads);
        all.conflicts += t.conflicts;
        all.errors.extend(t.errors);
    }
    // The largest server's peak.
    let rss = servers.iter().filter_map(|s| peak_rss_kib(s.0.id())).max();
    drop(servers);

    progress(format_args!("[serve {n}] verify --replay"));
    let verify = juece(&o.juece, &db, &["verify", "--replay"])?;

    let mut failures = Vec::new();
    if !all.errors.is_empty() {
        failures.push(format!(
            "{} requests failed with something other than 409: {}",
            all.errors.len(),
            all.errors.first().cloned().unwrap_or_default()
        ));
    }
    if !verify.status.success() {
        failures.push(format!(
            "verify --replay exited {:?}: {}",
            verify.status.code(),
            String::from_utf8_lossy(&verify.stdout)
                .lines()
                .last()
                .unwrap_or_default()
        ));
    }
    let p = |v: &[Duration], q: f64| {
        if v.is_empty() {
            Duration::ZERO
        } else {
            percentile(v, q)
        }
    };
    let (w50, w99, r50, r99, b99) = (
        p(&all.writes, 50.0),
        p(&all.writes, 99.0),
        p(&all.reads, 50.0),
        p(&all.reads, 99.0),
        p(&bare, 99.0),
    );
    let ratio = if b99.is_zero() {
        0.0
    } else {
        w99.as_secs_f64() / b99.as_secs_f64()
    };
    let mut md = String::new();
    let backend = if o.pg_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let _ = writeln!(
        md,
        "### `juece serve` under load: {n} cases on {backend}, {} server(s), {} clients, {} s (loopback)\n",
        o.servers, o.clients, o.seconds
    );
    let _ = writeln!(md, "| measure | result | target |\n| --- | --- | --- |");
    let _ = writeln!(
        md,
        "| guarded write (`POST …/events`, 201) | {} writes, p50 {}, p99 {} | p99 ≤ 2× bare commit p99: {:.1}× ({}) |",
        all.writes.len(),
        time(w50),
        time(w99),
        ratio,
        if ratio <= 2.0 { "met" } else { "not met" }
    );
    let _ = writeln!(
        md,
        "| bare durable commit (same rows) | p99 {} over {} commits | — |",
        time(b99),
        bare.len()
    );
    let _ = writeln!(
        md,
        "| bare durable commit, {writers} writers at once (same rows, 5 s) | {} commits, p50 {}, p99 {} | — (guarded write p99 / this p99: {:.1}×) |",
        bare_concurrent.len(),
        time(p(&bare_concurrent, 50.0)),
        time(p(&bare_concurrent, 99.0)),
        if p(&bare_concurrent, 99.0).is_zero() {
            0.0
        } else {
            w99.as_secs_f64() / p(&bare_concurrent, 99.0).as_secs_f64()
        }
    );
    let _ = writeln!(
        md,
        "| case view (`GET /api/v1/cases/{{ref}}`, 200) | {} reads, p50 {}, p99 {} | p99 ≤ 20 ms: {} |",
        all.reads.len(),
        time(r50),
        time(r99),
        if r99 <= Duration::from_millis(20) { "met" } else { "not met" }
    );
    let _ = writeln!(
        md,
        "| \"case changed, retry\" (409) | {} | the only error allowed |",
        all.conflicts
    );
    let _ = writeln!(md, "| other errors | {} | 0 |", all.errors.len());
    let _ = writeln!(
        md,
        "| server peak memory | {} | bounded |",
        rss.map(|k| format!("{} MiB", k / 1024))
            .unwrap_or_else(|| "—".into())
    );
    let _ = writeln!(
        md,
        "| `verify --replay` afterwards | {} | passes |",
        if verify.status.success() {
            "passes"
        } else {
            "FAILS"
        }
    );
    Ok(LoadReport {
        markdown: md,
        failures,
    })
}

/// Refuses a PostgreSQL database that already holds juece's tables: the load imports its own
/// cases and must not mix them with anything (create a new database for each run).
fn pg_must_be_empty(url: &str) -> Result<(), Error> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    let used: bool = c
        .query_one("SELECT to_regclass('events') IS NOT NULL", &[])?
        .get(0);
    if used {
        return Err(format!(
            "the database {url} is not empty: give serve-load a new, empty database (CREATE DATABASE …)"
        )
        .into());
    }
    Ok(())
}

/// PostgreSQL's physical limit for one guarded write: single event-sized rows committed one at
/// a time (`count` of them), then by `writers` connections at once for `run`, into a table of
/// the same shape as `events` (made for this and dropped after), with the server's own
/// durability settings. The rows are copies of the last event juece stored.
fn pg_bare_commits(
    url: &str,
    count: usize,
    writers: usize,
    run: Duration,
) -> Result<(Vec<Duration>, Vec<Duration>), Error> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    let row = c.query_one(
        "SELECT case_id, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id DESC LIMIT 1",
        &[],
    )?;
    let (case_id, canonical, leaf, chain): (i64, Vec<u8>, Vec<u8>, Vec<u8>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    c.batch_execute(
        "DROP TABLE IF EXISTS bench_commits;
         CREATE TABLE bench_commits (
             event_id BIGSERIAL PRIMARY KEY, case_id BIGINT NOT NULL, seq BIGINT NOT NULL,
             canonical BYTEA NOT NULL, leaf_hash BYTEA NOT NULL, chain_hash BYTEA NOT NULL,
             UNIQUE (case_id, seq))",
    )?;
    let insert = "INSERT INTO bench_commits (case_id, seq, canonical, leaf_hash, chain_hash) VALUES ($1, $2, $3, $4, $5)";
    let mut single = Vec::with_capacity(count);
    for seq in 0..count as i64 {
        let start = Instant::now();
        c.execute(insert, &[&case_id, &seq, &canonical, &leaf, &chain])?;
        single.push(start.elapsed());
    }
    let deadline = Instant::now() + run;
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let (url, canonical, leaf, chain) = (
                url.to_owned(),
                canonical.clone(),
                leaf.clone(),
                chain.clone(),
            );
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut c =
                    postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
                let mut times = Vec::new();
                let mut seq = 0i64;
                let writer_case = 1_000_000_000 + w as i64;
                while Instant::now() < deadline {
                    let start = Instant::now();
                    c.execute(insert, &[&writer_case, &seq, &canonical, &leaf, &chain])
                        .map_err(|e| e.to_string())?;
                    times.push(start.elapsed());
                    seq += 1;
                }
                Ok(times)
            })
        })
        .collect();
    let mut concurrent = Vec::new();
    for t in threads {
        concurrent.extend(t.join().map_err(|_| "a commit thread panicked")??);
    }
    c.batch_execute("DROP TABLE bench_commits")?;
    Ok((single, concurrent))
}
