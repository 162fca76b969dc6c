//! `juece`: the command line for the legal office, public lawyers and auditors.
//!
//! Parsing, formatting and messages live here; every rule lives in `juece-core`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod context;
mod error;
mod out;
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
    Serve(commands::serve::ServeArgs),
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::BadInput
            } else {
                Exit::Ok
            };
            // Printing help or a usage error; a closed stream is not worth a panic.
            let _ = e.print();
            return code.into();
        }
    };
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
        Command::Serve(args) => commands::serve::run(&cli.global, args),
        Command::Token(cmd) => commands::token::run(&cli.global, cmd),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            e.print();
            e.exit.into()
        }
    }
}

/// What every command returns: the exit code on success, or an error to print.
pub type CmdResult = Result<Exit, CliError>;
