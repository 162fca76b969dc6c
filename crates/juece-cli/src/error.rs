//! One error type for the command line, sorted into the contract's exit codes.

use std::fmt::Display;
use std::process::ExitCode;

use juece_core::calendar::CalendarError;
use juece_core::casefile::CaseFileError;
use juece_core::evaluate::EvalError;
use juece_core::profile::ProfileError;
use juece_core::registry::UnknownProfileError;
use juece_store::StoreError;

/// The contract's exit codes (interchange.md, "Command-line contract").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: a check ran and found problems.
    Problems = 1,
    /// 2: bad usage or input; nothing was written.
    BadInput = 2,
    /// 3: refused by a procedural guard or a role rule; nothing was written.
    Refused = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// An error to print as `error:` and `hint:` lines before exiting.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn bad_input(message: impl Display) -> CliError {
        CliError {
            exit: Exit::BadInput,
            message: message.to_string(),
            hints: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Display) -> CliError {
        self.hints.push(hint.to_string());
        self
    }

    pub fn print(&self) {
        eprintln!("error: {}", self.message);
        for h in &self.hints {
            eprintln!("hint: {h}");
        }
    }
}

impl From<CaseFileError> for CliError {
    fn from(e: CaseFileError) -> CliError {
        let help = e.help.clone();
        let mut err = CliError::bad_input(e);
        err.hints.extend(help);
        err.with_hint("nothing was written")
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        let hint = match &e {
            StoreError::CaseExists(_) => {
                Some("a case reference is imported once; nothing was written")
            }
            StoreError::Open { .. } => Some("check the `--db` path or `JUECE_DB`"),
            _ => None,
        };
        let mut err = CliError::bad_input(e);
        err.hints.extend(hint.map(str::to_owned));
        err
    }
}

impl From<ProfileError> for CliError {
    fn from(e: ProfileError) -> CliError {
        CliError::bad_input(e)
    }
}

impl From<CalendarError> for CliError {
    fn from(e: CalendarError) -> CliError {
        CliError::bad_input(e)
    }
}

impl From<UnknownProfileError> for CliError {
    fn from(e: UnknownProfileError) -> CliError {
        CliError::bad_input(e)
            .with_hint("`juece workflow list` shows the known profiles; `juece workflow add FILE` registers one")
    }
}

impl From<EvalError> for CliError {
    fn from(e: EvalError) -> CliError {
        CliError::bad_input(e).with_hint(
            "add the missing year's holiday calendar with `--calendar FILE` (juece-calendar/1 or a holiday-cn year file)",
        )
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::bad_input(format!("cannot write output: {e}"))
    }
}

impl From<juece_engine::EngineError> for CliError {
    fn from(e: juece_engine::EngineError) -> CliError {
        let exit = match e.kind {
            juece_engine::ErrorKind::Refused => Exit::Refused,
            _ => Exit::BadInput,
        };
        CliError {
            exit,
            message: e.message,
            hints: e.hints,
        }
    }
}
