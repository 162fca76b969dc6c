//! `juece`: the command line for the legal office, public lawyers and auditors.
//!
//! Parsing, formatting and messages live here; every rule lives in `juece-core`.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cli_text;
mod commands;
mod config;
mod context;
mod error;
mod i18n;
mod names;
mod out;
mod progress;
mod write;

use context::GlobalArgs;

/// mimalloc: whole-database passes parse on two threads, and glibc's allocator spent a fifth of
/// an audit in lock contention when one thread freed what the other allocated. Built without
/// transparent huge pages (`no_thp`): zeroing a fresh 2 MB page on first touch cost a 100 000-case
/// audit 0.4–0.6 s of system time on the reference machine (2.41–2.50 s without, 2.66–2.80 s with).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use error::{CliError, Exit};

/// 重大行政决策程序引擎 — major administrative decision procedure engine (Decree 713)
#[derive(Parser)]
#[command(name = "juece", version, about, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Import(commands::import::ImportArgs),
    Export(commands::export::ExportArgs),
    Audit(commands::audit::AuditArgs),
    #[command(subcommand)]
    Workflow(commands::workflow::WorkflowCommand),
    Demo(commands::demo::DemoArgs),
    #[command(subcommand)]
    User(commands::user::UserCommand),
    #[command(subcommand)]
    Case(commands::case::CaseCommand),
    Record(commands::record::RecordArgs),
    RecordBatch(commands::record_batch::RecordBatchArgs),
    #[command(subcommand)]
    Draft(commands::draft::DraftCommand),
    #[command(subcommand)]
    Evidence(commands::evidence::EvidenceCommand),
    #[command(subcommand)]
    Step(commands::step::StepCommand),
    #[command(subcommand)]
    Review(commands::review::ReviewCommand),
    Decide(commands::decide::DecideArgs),
    PartyReport(commands::gates::PartyReportArgs),
    Publish(commands::gates::PublishArgs),
    Archive(commands::gates::ArchiveArgs),
    Due(commands::due::DueArgs),
    Verify(commands::verify::VerifyArgs),
    Checkpoint(commands::checkpoint::CheckpointArgs),
    #[command(subcommand)]
    Key(commands::key::KeyCommand),
    Backup(commands::backup::BackupArgs),
    Migrate(commands::migrate::MigrateArgs),
    #[command(subcommand)]
    Calendar(commands::calendar::CalendarCommand),
    #[command(subcommand)]
    Catalogue(commands::catalogue::CatalogueCommand),
    Report(commands::report::ReportArgs),
    Completions(commands::extras::CompletionsArgs),
    Man(commands::extras::ManArgs),
    Config(commands::extras::ConfigArgs),
    Serve(commands::serve::ServeArgs),
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
}

impl Command {
    /// Commands that only read the database: they never create it.
    fn reads_only(&self) -> bool {
        use commands::case::CaseCommand;
        use commands::user::UserCommand;
        match self {
            Command::Export(_)
            | Command::Audit(_)
            | Command::Due(_)
            | Command::Verify(_)
            | Command::Checkpoint(_)
            | Command::Backup(_) => true,
            Command::Report(r) => r.reads_db(),
            Command::Case(c) => matches!(c, CaseCommand::Show(_) | CaseCommand::List(_)),
            Command::Catalogue(c) => !matches!(c, commands::catalogue::CatalogueCommand::Import(_)),
            Command::User(c) => matches!(c, UserCommand::List),
            _ => false,
        }
    }
}

/// The command line, in the language of this run, with the configuration file's defaults.
pub fn command(config: &config::Config) -> clap::Command {
    let mut cmd = Cli::command();
    if let Some(db) = &config.database {
        let db: &'static str = Box::leak(db.display().to_string().into_boxed_str());
        cmd = cmd.mut_arg("db", |a| a.default_value(db));
    }
    if let Some(user) = &config.user {
        let user: &'static str = Box::leak(user.clone().into_boxed_str());
        cmd = with_default(cmd, "as_user", user);
    }
    // After the defaults: localizing builds the command (propagating the global options into
    // every subcommand), and a subcommand changed after that parsed `--lang zh` as another
    // global option's value.
    if i18n::zh() {
        cmd = cli_text::localize_zh(cmd);
    }
    cmd
}

/// Where `--db` came from: the deepest subcommand that saw it (globals propagate down).
fn db_source(m: &clap::ArgMatches) -> Option<clap::parser::ValueSource> {
    let own = m.value_source("db");
    match m.subcommand() {
        Some((_, sub)) => db_source(sub).or(own),
        None => own,
    }
}

/// Gives every argument `id`, in every subcommand, a default value.
fn with_default(mut cmd: clap::Command, id: &str, value: &'static str) -> clap::Command {
    if cmd.get_arguments().any(|a| a.get_id() == id) {
        cmd = cmd.mut_arg(id, |a| a.default_value(value));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(&name, |s| with_default(s, id, value));
    }
    cmd
}

fn main() -> ExitCode {
    let config = config::load();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    i18n::set_lang(i18n::detect(&argv, config.language.as_deref()));
    if let Some(zone) = config.zone {
        i18n::set_zone(zone);
    }
    let mut db_explicit = false;
    let parsed = command(&config).try_get_matches_from(&argv).and_then(|m| {
        db_explicit = matches!(
            db_source(&m),
            Some(clap::parser::ValueSource::CommandLine | clap::parser::ValueSource::EnvVariable)
        );
        Cli::from_arg_matches(&m)
    });
    let mut cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::BadInput
            } else {
                Exit::Ok
            };
            // Printing help or a usage error; a closed stream is not worth a panic.
            if i18n::zh()
                && e.use_stderr()
                && e.kind() != clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                eprint!("{}", cli_text::zh_error(&e));
            } else {
                let _ = e.print();
            }
            return code.into();
        }
    };
    // A line of the configuration file that is not used is said on every command (`juece
    // config` lists them itself): a mistyped `databse` must not go unnoticed.
    if !matches!(cli.command, Command::Config(_)) {
        warn_config(&config);
    }
    cli.global.apply_config(&config);
    cli.global.db_explicit = db_explicit;
    if cli.command.reads_only() {
        if let Err(e) = cli.global.require_db() {
            e.print();
            return e.exit.into();
        }
    }
    // A progress line on a terminal for the passes that may take a while.
    if let Some(what) = match &cli.command {
        Command::Import(_) => Some(t!("正在导入", "importing")),
        Command::Audit(_) => Some(t!("正在审计", "auditing")),
        Command::Verify(_) => Some(t!("正在校验", "verifying")),
        Command::Export(_) => Some(t!("正在导出", "exporting")),
        Command::Report(r) if r.reads_db() => Some(t!("正在统计", "counting")),
        Command::Backup(_) => Some(t!("正在备份", "backing up")),
        _ => None,
    } {
        out::start_progress(what, cli.global.quiet);
    }
    let result = match &cli.command {
        Command::Import(args) => commands::import::run(&cli.global, args),
        Command::Export(args) => commands::export::run(&cli.global, args),
        Command::Audit(args) => commands::audit::run(&cli.global, args),
        Command::Workflow(cmd) => commands::workflow::run(&cli.global, cmd),
        Command::Demo(args) => commands::demo::run(&cli.global, args),
        Command::User(cmd) => commands::user::run(&cli.global, cmd),
        Command::Case(cmd) => commands::case::run(&cli.global, cmd),
        Command::Record(args) => commands::record::run(&cli.global, args),
        Command::RecordBatch(args) => commands::record_batch::run(&cli.global, args),
        Command::Draft(cmd) => commands::draft::run(&cli.global, cmd),
        Command::Evidence(cmd) => commands::evidence::run(&cli.global, cmd),
        Command::Step(cmd) => commands::step::run(&cli.global, cmd),
        Command::Review(cmd) => commands::review::run(&cli.global, cmd),
        Command::Decide(args) => commands::decide::run(&cli.global, args),
        Command::PartyReport(args) => commands::gates::party_report(&cli.global, args),
        Command::Publish(args) => commands::gates::publish(&cli.global, args),
        Command::Archive(args) => commands::gates::archive(&cli.global, args),
        Command::Due(args) => commands::due::run(&cli.global, args),
        Command::Verify(args) => commands::verify::run(&cli.global, args),
        Command::Checkpoint(args) => commands::checkpoint::run(&cli.global, args),
        Command::Key(cmd) => commands::key::run(&cli.global, cmd),
        Command::Backup(args) => commands::backup::run(&cli.global, args),
        Command::Migrate(args) => commands::migrate::run(&cli.global, args),
        Command::Calendar(cmd) => commands::calendar::run(&cli.global, cmd),
        Command::Catalogue(cmd) => commands::catalogue::run(&cli.global, cmd),
        Command::Report(args) => commands::report::run(&cli.global, args),
        Command::Completions(a) => commands::extras::completions(&config, a),
        Command::Man(a) => commands::extras::man(&config, a),
        Command::Config(a) => commands::extras::show_config(&cli.global, &config, a),
        Command::Serve(args) => commands::serve::run(&cli.global, args),
        Command::Token(cmd) => commands::token::run(&cli.global, cmd),
    };
    out::stop_progress();
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            e.print();
            e.exit.into()
        }
    }
}

/// Warns on stderr of each line of the configuration file that is not used.
fn warn_config(config: &config::Config) {
    let file = config
        .path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for p in &config.problems {
        eprintln!(
            "{}",
            t!(
                format!("注意：配置文件 {file} 中此行未使用——{}", p.text()),
                format!(
                    "warning: not used from the configuration file {file}: {}",
                    p.text()
                )
            )
        );
    }
}

/// What every command returns: the exit code on success, or an error to print.
pub type CmdResult = Result<Exit, CliError>;
