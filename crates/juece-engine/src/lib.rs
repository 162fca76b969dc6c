//! The engine of live use, shared by the command line (`juece`) and the server (`juece serve`):
//! the one write path (who is recording and in which role, the procedure's check, the append
//! with optimistic concurrency, the listing projection, command ids), the import of case files,
//! and the read models (a case as of now, the audit).
//!
//! It takes plain values (a database, profiles, a calendar, the time and the language) and
//! returns values or a typed [`EngineError`]; it parses no arguments, prints nothing and knows
//! no exit codes or HTTP statuses. Every rule lives in `juece-core`, every row in `juece-store`.

use chrono::{DateTime, FixedOffset};
use juece_core::builtin;
use juece_core::profile::Profile;
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::Store;

pub mod audit;
pub mod catalogue;
mod error;
pub mod import;
pub mod names;
pub mod report;
pub mod scope;
pub mod view;
pub mod write;

pub use error::{EngineError, ErrorKind};
pub use import::{import_bytes, import_bytes_reporting, import_cases, projection};
pub use scope::Scope;
pub use write::{
    actor, event_time, role_for, Actor, PendingWrite, Prepared, Recorded, Warning, WriteArgs,
    WriteSession,
};

/// What a write needs to know about the moment it runs in.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The current time (the clock, or the test clock).
    pub now: DateTime<FixedOffset>,
    /// The language of messages.
    pub lang: Lang,
    /// Test hook: wait this long between checking a write and appending it.
    pub test_write_delay_ms: Option<u64>,
}

/// The profiles stored in the database plus the shipped ones. A shipped `id@version` is
/// authoritative (it can never be registered with other content); every other stored profile
/// is audited under the exact text it was imported under.
pub fn load_profiles(store: &Store) -> Result<Profiles, EngineError> {
    let mut profiles = Profiles::default();
    for (origin, text) in store.profile_texts()? {
        profiles.add(Profile::parse(&origin, &text)?);
    }
    for shipped in builtin::profiles()?.all() {
        profiles.add(shipped.clone());
    }
    Ok(profiles)
}

/// The holiday calendar of live use: the shipped one, then the calendars stored in the
/// database, then `files` (`(origin, JSON text)`, the command line's `--calendar`), each later
/// one adding to or correcting the earlier.
pub fn load_calendar(
    stored: &[juece_store::StoredCalendar],
    files: &[(String, String)],
) -> Result<juece_core::calendar::Calendar, EngineError> {
    let mut c = builtin::calendar()?;
    for s in stored {
        c.add_json(&format!("{} (stored)", s.name), &s.text)?;
    }
    for (origin, text) in files {
        c.add_json(origin, text)?;
    }
    Ok(c)
}
