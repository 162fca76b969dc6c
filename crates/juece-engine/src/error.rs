//! One typed error for the engine: what kind of failure it is, and the message and hints the
//! command line has always printed. The command line maps the kind to an exit code, the server
//! to an HTTP status; neither re-words the message.

use std::fmt::Display;

use juece_core::calendar::CalendarError;
use juece_core::casefile::CaseFileError;
use juece_core::check::Unmet;
use juece_core::profile::ProfileError;
use juece_core::registry::UnknownProfileError;
use juece_store::StoreError;

/// What went wrong, for the adapter to map (exit code, HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad usage or input; nothing was written (exit 2, HTTP 400).
    BadInput,
    /// The case named does not exist (exit 2, HTTP 404).
    NotFound,
    /// The case changed between the check and the append; nothing was written (exit 2, HTTP 409).
    Conflict,
    /// The case reference is already taken (exit 2, HTTP 409).
    Exists,
    /// Refused by a procedural guard or a role rule; nothing was written (exit 3, HTTP 422).
    Refused,
    /// The database or another part of the machine failed (exit 2, HTTP 500).
    Internal,
}

/// An engine failure: its kind, the message and hints, and for a refusal every unmet guard.
#[derive(Debug)]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
    /// Every unmet prerequisite and guard of a refused event (empty otherwise).
    pub guards: Vec<Unmet>,
}

impl EngineError {
    pub fn bad_input(message: impl Display) -> EngineError {
        EngineError::new(ErrorKind::BadInput, message)
    }

    pub fn new(kind: ErrorKind, message: impl Display) -> EngineError {
        EngineError {
            kind,
            message: message.to_string(),
            hints: Vec::new(),
            guards: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Display) -> EngineError {
        self.hints.push(hint.to_string());
        self
    }
}

impl Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<CaseFileError> for EngineError {
    fn from(e: CaseFileError) -> EngineError {
        let help = e.help.clone();
        let mut err = EngineError::bad_input(e);
        err.hints.extend(help);
        err.with_hint("nothing was written")
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> EngineError {
        let (kind, hint) = match &e {
            StoreError::CaseExists(_) => (
                ErrorKind::Exists,
                Some("a case reference is imported once; nothing was written"),
            ),
            StoreError::Open { .. } => (
                ErrorKind::BadInput,
                Some("check the `--db` path or `JUECE_DB`"),
            ),
            StoreError::Conflict { .. } => (ErrorKind::Conflict, None),
            StoreError::Sqlite(_) => (ErrorKind::Internal, None),
            _ => (ErrorKind::BadInput, None),
        };
        let mut err = EngineError::new(kind, e);
        err.hints.extend(hint.map(str::to_owned));
        err
    }
}

impl From<ProfileError> for EngineError {
    fn from(e: ProfileError) -> EngineError {
        EngineError::bad_input(e)
    }
}

impl From<CalendarError> for EngineError {
    fn from(e: CalendarError) -> EngineError {
        EngineError::bad_input(e)
    }
}

impl From<UnknownProfileError> for EngineError {
    fn from(e: UnknownProfileError) -> EngineError {
        EngineError::bad_input(e)
            .with_hint("`juece workflow list` shows the known profiles; `juece workflow add FILE` registers one")
    }
}
