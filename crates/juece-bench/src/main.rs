//! `juece-bench`: generate realistic case files and measure `juece` against the physical limit.
//!
//! ```sh
//! cargo build --release -p juece-cli -p juece-bench
//! target/release/juece-bench generate --cases 1000 --seed 713 --out cases.json
//! target/release/juece-bench run --sizes 1000,10000,100000
//! target/release/juece-bench run --smoke        # CI: tiny, well under a minute
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use juece_bench::generate::{write_cases, GeneratedCase};
use juece_bench::harness::{self, RunOptions};

/// Generate realistic juece case files and measure juece against the physical limit
#[derive(Parser)]
#[command(name = "juece-bench", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Generate(GenerateArgs),
    Run(RunArgs),
    ServeLoad(ServeLoadArgs),
}

/// Load `juece serve` on loopback: many clients writing and reading through the JSON API over a
/// generated database, beside the bare durable commit; `verify --replay` afterwards
#[derive(Args)]
struct ServeLoadArgs {
    /// Cases in the database
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    cases: usize,
    /// Concurrent clients
    #[arg(long, value_name = "N", default_value_t = 64)]
    clients: usize,
    /// How long the clients run, seconds
    #[arg(long, value_name = "S", default_value_t = 20)]
    seconds: u64,
    /// The loopback port
    #[arg(long, default_value_t = 18_713)]
    port: u16,
    /// The juece binary (default: `juece` beside this binary)
    #[arg(long, value_name = "PATH")]
    juece: Option<PathBuf>,
    /// Where to put the case file and databases (default: target/juece-bench)
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// The seed of the generated cases
    #[arg(long, value_name = "S", default_value_t = harness::DEFAULT_SEED)]
    seed: u64,
    /// Load a PostgreSQL database instead of an SQLite file: the URL of an EMPTY database
    /// (postgres://ROLE@HOST:PORT/DB), into which the cases are imported
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// How many `juece serve` processes share the database (ports PORT, PORT+1, …); the
    /// clients are spread over them
    #[arg(long, value_name = "N", default_value_t = 1)]
    servers: usize,
}

/// Write a juece-cases/2 file of N cases, the same bytes for the same seed
#[derive(Args)]
struct GenerateArgs {
    /// How many cases
    #[arg(long, value_name = "N")]
    cases: usize,
    /// The seed
    #[arg(long, value_name = "S", default_value_t = harness::DEFAULT_SEED)]
    seed: u64,
    /// The file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write `ref<TAB>defect` for every case that carries a defect
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
}

/// Measure juece on generated data and print a Markdown table
#[derive(Args)]
struct RunArgs {
    /// Case counts to measure, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    sizes: Vec<usize>,
    /// The juece binary (default: `juece` beside this binary, i.e. target/release/juece)
    #[arg(long, value_name = "PATH")]
    juece: Option<PathBuf>,
    /// Where to put case files and databases (default: target/juece-bench beside this binary)
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// CI mode: 200 cases, one run of each step, 3 live writes
    #[arg(long, conflicts_with = "sizes")]
    smoke: bool,
    /// The seed of the generated cases
    #[arg(long, value_name = "S", default_value_t = harness::DEFAULT_SEED)]
    seed: u64,
    /// Live writes to time per size
    #[arg(long, value_name = "N")]
    writes: Option<usize>,
    /// Also write the Markdown report to this file
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Also measure every size on PostgreSQL: the admin URL of a test server
    /// (postgres://ROLE@HOST:PORT/DB); the harness makes and drops its own databases there
    /// (juece_bench_N, juece_bench_baseline_N)
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// With --pg: measure on PostgreSQL only (the SQLite sizes in a run of their own)
    #[arg(long, requires = "pg")]
    only_pg: bool,
    /// Runs of each timed whole-database step (import, audit, verify) at every size, instead
    /// of 3 (2 for imports from 100 000 cases)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    runs: Option<u64>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(a) => generate(&a),
        Command::Run(a) => run(a),
        Command::ServeLoad(a) => serve_load(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn generate(a: &GenerateArgs) -> Result<ExitCode, Error> {
    let file =
        File::create(&a.out).map_err(|e| format!("cannot create `{}`: {e}", a.out.display()))?;
    let mut manifest = match &a.manifest {
        Some(p) => {
            Some(BufWriter::new(File::create(p).map_err(|e| {
                format!("cannot create `{}`: {e}", p.display())
            })?))
        }
        None => None,
    };
    let mut manifest_error: Option<std::io::Error> = None;
    let summary = write_cases(
        BufWriter::new(file),
        a.seed,
        a.cases,
        |c: &GeneratedCase| {
            if let (Some(m), Some(d)) = (manifest.as_mut(), c.defect) {
                if let Err(e) = writeln!(m, "{}\t{}", c.case.header.case_ref, d.code()) {
                    manifest_error.get_or_insert(e);
                }
            }
            Ok(())
        },
    )?;
    if let Some(e) = manifest_error {
        return Err(format!("cannot write the manifest: {e}").into());
    }
    if let Some(mut m) = manifest {
        m.flush()?;
    }
    eprintln!(
        "wrote {} cases, {} events ({:.1} per case), {} with a defect, {} bytes to {}",
        summary.cases,
        summary.events,
        summary.events as f64 / summary.cases.max(1) as f64,
        summary.defective,
        summary.bytes,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn serve_load(a: ServeLoadArgs) -> Result<ExitCode, Error> {
    let exe = std::env::current_exe()?;
    let bin_dir = exe
        .parent()
        .ok_or("the juece-bench binary has no folder")?
        .to_path_buf();
    let options = juece_bench::serve_load::LoadOptions {
        juece: a
            .juece
            .unwrap_or_else(|| bin_dir.join(format!("juece{}", std::env::consts::EXE_SUFFIX))),
        work: a.work.unwrap_or_else(|| {
            bin_dir
                .parent()
                .map(|target| target.join("juece-bench"))
                .unwrap_or_else(|| PathBuf::from("juece-bench-work"))
        }),
        cases: a.cases,
        clients: a.clients,
        seconds: a.seconds,
        port: a.port,
        pg_url: a.db,
        servers: a.servers.max(1),
        seed: a.seed,
    };
    let report = juece_bench::serve_load::run(&options)?;
    print!("{}", report.markdown);
    if report.failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &report.failures {
            eprintln!("failed: {f}");
        }
        Ok(ExitCode::from(1))
    }
}

fn run(a: RunArgs) -> Result<ExitCode, Error> {
    let exe = std::env::current_exe()?;
    let bin_dir = exe
        .parent()
        .ok_or("the juece-bench binary has no folder")?
        .to_path_buf();
    let juece = a
        .juece
        .unwrap_or_else(|| bin_dir.join(format!("juece{}", std::env::consts::EXE_SUFFIX)));
    let work = a.work.unwrap_or_else(|| {
        bin_dir
            .parent()
            .map(|target| target.join("juece-bench"))
            .unwrap_or_else(|| PathBuf::from("juece-bench-work"))
    });
    let mut options = if a.smoke {
        RunOptions::smoke(juece, work)
    } else {
        RunOptions::full(a.sizes, juece, work)
    };
    options.seed = a.seed;
    options.pg = a.pg;
    options.only_pg = a.only_pg;
    if let Some(runs) = a.runs {
        options.runs = runs as usize;
        options.big_import_runs = runs as usize;
    }
    if let Some(w) = a.writes {
        options.writes = w;
    }
    let report = harness::run(&options)?;
    print!("{}", report.markdown);
    if let Some(path) = &a.report {
        std::fs::write(path, &report.markdown)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    if report.failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &report.failures {
            eprintln!("failed: {f}");
        }
        Ok(ExitCode::from(1))
    }
}
