//! The harness on PostgreSQL (issue 14): the databases it makes, and the physical limit of the
//! same work on the same server — the event rows juece wrote, copied in bare in one transaction,
//! read back bare, and committed one at a time, through the same driver and connection kind as
//! juece's, with the server's own durability settings.
//!
//! Each database is made for the run (`CREATE DATABASE`) through the admin URL given with
//! `juece-bench run --pg URL` and dropped before it is made again.

use std::time::{Duration, Instant};

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};

use crate::harness::Error;

/// The server's own words for a failure (the driver's `Display` says only "db error").
fn said(e: postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {}", db.message()).into(),
        None => format!("PostgreSQL: {e}").into(),
    }
}

/// A database on the test server, named for the run.
pub(crate) struct PgTarget {
    admin: String,
    /// `postgres://…/NAME` of juece's database.
    pub(crate) url: String,
    name: String,
}

impl PgTarget {
    /// The database `name` on the server of `admin` (not made yet).
    pub(crate) fn new(admin: &str, name: &str) -> PgTarget {
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        PgTarget {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name: name.to_owned(),
        }
    }

    /// Drops the database if it exists and makes it again, empty.
    pub(crate) fn reset(&self) -> Result<(), Error> {
        let mut c = Client::connect(&self.admin, NoTls).map_err(said)?;
        // Two statements: CREATE DATABASE cannot run in the implicit transaction of a batch.
        c.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .map_err(said)?;
        c.batch_execute(&format!("CREATE DATABASE {}", self.name))
            .map_err(said)?;
        Ok(())
    }

    /// Drops the database.
    pub(crate) fn drop_database(&self) -> Result<(), Error> {
        let mut c = Client::connect(&self.admin, NoTls)?;
        c.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))?;
        Ok(())
    }

    fn connect(&self) -> Result<Client, Error> {
        Client::connect(&self.url, NoTls).map_err(said)
    }

    /// `VACUUM (ANALYZE)` of the whole database: what autovacuum does to freshly loaded tables
    /// on its own a minute or two later, reading and rewriting every page — measured beside a
    /// read, it measured the vacuum (an audit at a million cases took 217 s during it, 59 s
    /// after). The time it took.
    pub(crate) fn vacuum(&self) -> Result<Duration, Error> {
        let mut c = self.connect()?;
        let start = Instant::now();
        c.batch_execute("VACUUM (ANALYZE)").map_err(said)?;
        Ok(start.elapsed())
    }

    /// The database's size on disk (`pg_database_size`).
    pub(crate) fn size(&self) -> Result<u64, Error> {
        let bytes: i64 = self
            .connect()?
            .query_one("SELECT pg_database_size(current_database())", &[])?
            .get(0);
        Ok(bytes.max(0) as u64)
    }

    /// `count` case references spread evenly over the database (as the SQLite harness picks
    /// them).
    pub(crate) fn spread_refs(&self, count: usize) -> Result<Vec<String>, Error> {
        let mut c = self.connect()?;
        let cases: i64 = c.query_one("SELECT count(*) FROM cases", &[])?.get(0);
        let step = (cases / count.max(1) as i64).max(1);
        Ok(c.query(
            "SELECT ref FROM cases WHERE (case_id - 1) % $1 = 0 ORDER BY case_id LIMIT $2",
            &[&step, &(count as i64)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
    }
}

/// One event row as juece stored it.
struct Row {
    case_id: i64,
    seq: i64,
    canonical: Vec<u8>,
    leaf: Vec<u8>,
    chain: Vec<u8>,
}

/// The event rows juece wrote on PostgreSQL.
pub(crate) struct PgRows {
    rows: Vec<Row>,
}

const BARE_TABLE: &str = "CREATE TABLE events (
    event_id   BIGSERIAL PRIMARY KEY,
    case_id    BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    canonical  BYTEA NOT NULL,
    leaf_hash  BYTEA NOT NULL,
    chain_hash BYTEA NOT NULL,
    UNIQUE (case_id, seq)
)";

const BARE_COPY: &str =
    "COPY events (case_id, seq, canonical, leaf_hash, chain_hash) FROM STDIN (FORMAT binary)";

const BARE_INSERT: &str =
    "INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash) VALUES ($1, $2, $3, $4, $5)";

impl PgRows {
    /// Reads every event row of juece's database, in the global order (streamed: at a million
    /// cases the driver's rows and their copies would be twice the 4 GB of events).
    pub(crate) fn read(db: &PgTarget) -> Result<PgRows, Error> {
        let mut c = db.connect()?;
        let no_params: [&str; 0] = [];
        let mut stream = c.query_raw(
            "SELECT case_id, seq, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id",
            no_params,
        )?;
        let mut rows = Vec::new();
        while let Some(r) = stream.next()? {
            rows.push(Row {
                case_id: r.try_get(0)?,
                seq: r.try_get(1)?,
                canonical: r.try_get(2)?,
                leaf: r.try_get(3)?,
                chain: r.try_get(4)?,
            });
        }
        Ok(PgRows { rows })
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The bytes a hash chain covers, summed.
    pub(crate) fn event_bytes(&self) -> u64 {
        self.rows.iter().map(|r| r.canonical.len() as u64).sum()
    }

    /// Every row into a fresh baseline database in one transaction by binary `COPY`, the
    /// fastest way the server takes rows (juece's import sends a thousand cases to a statement,
    /// so a row-at-a-time baseline would be slower than juece); the time from connecting to
    /// the commit.
    pub(crate) fn insert_all(&self, base: &PgTarget) -> Result<Duration, Error> {
        base.reset()?;
        let start = Instant::now();
        let mut c = base.connect()?;
        c.batch_execute(BARE_TABLE)?;
        let mut tx = c.transaction()?;
        let sink = tx.copy_in(BARE_COPY)?;
        let mut writer = BinaryCopyInWriter::new(
            sink,
            &[
                Type::INT8,
                Type::INT8,
                Type::BYTEA,
                Type::BYTEA,
                Type::BYTEA,
            ],
        );
        for r in &self.rows {
            writer.write(&[&r.case_id, &r.seq, &r.canonical, &r.leaf, &r.chain])?;
        }
        writer.finish()?;
        tx.commit()?;
        Ok(start.elapsed())
    }

    /// `count` single-row commits into the baseline database (which holds every row).
    pub(crate) fn single_commits(
        &self,
        base: &PgTarget,
        count: usize,
    ) -> Result<Vec<Duration>, Error> {
        let Some(t) = self.rows.last() else {
            return Ok(Vec::new());
        };
        let mut c = base.connect()?;
        let stmt = c.prepare(BARE_INSERT)?;
        let mut times = Vec::with_capacity(count);
        for i in 0..count {
            let seq = 1_000_000_000 + i as i64;
            let start = Instant::now();
            c.execute(&stmt, &[&t.case_id, &seq, &t.canonical, &t.leaf, &t.chain])?;
            times.push(start.elapsed());
        }
        Ok(times)
    }

    /// A bare `SELECT` of every column of every event row of juece's database, touching each
    /// value's bytes.
    pub(crate) fn read_all(db: &PgTarget) -> Result<Duration, Error> {
        let start = Instant::now();
        let mut c = db.connect()?;
        let mut total = 0u64;
        let no_params: [&str; 0] = [];
        // Streamed, as juece's own reads are: a million cases' rows at once would not fit.
        let mut stream = c.query_raw(
            "SELECT event_id, case_id, seq, canonical, leaf_hash, chain_hash FROM events",
            no_params,
        )?;
        while let Some(r) = stream.next()? {
            let (a, b, s): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
            total += ((a ^ b ^ s) & 1) as u64;
            for i in 3..6 {
                let bytes: &[u8] = r.get(i);
                total += bytes.iter().map(|&x| u64::from(x)).sum::<u64>() & 1;
            }
        }
        std::hint::black_box(total);
        Ok(start.elapsed())
    }

    /// SHA-256 over every row's canonical bytes as a chain, as `juece verify` recomputes it.
    pub(crate) fn hash_chain(&self) -> (Duration, u64) {
        let start = Instant::now();
        let mut chain = [0u8; 32];
        let mut total = 0u64;
        for r in &self.rows {
            total += r.canonical.len() as u64;
            let leaf = Sha256::new()
                .chain_update([0u8])
                .chain_update(&r.canonical)
                .finalize();
            chain = Sha256::new()
                .chain_update([1u8])
                .chain_update(chain)
                .chain_update(leaf)
                .finalize()
                .into();
        }
        std::hint::black_box(chain);
        (start.elapsed(), total)
    }
}
