//! The command line's side of the one write path: `--as`, `--override`, `--at` and
//! `--command-id` turned into a write of `juece-engine` (crates/juece-engine/src/write.rs), and
//! its answer printed or turned into an exit code.

use chrono::{DateTime, FixedOffset};
use clap::Args;
use juece_core::event::EventBody;
use juece_core::ids::Role;
use juece_core::profile::Profile;
use juece_core::Lang;
use juece_engine::{Ctx, WriteSession};
use juece_store::Store;
use serde_json::Value;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

pub use juece_engine::write::voidable_latest;
pub use juece_engine::Actor;

/// Options every writing command takes.
#[derive(Args, Clone)]
pub struct WriteArgs {
    /// Who is recording (a user added with `juece user add`)
    #[arg(long = "as", env = "JUECE_USER", value_name = "NAME")]
    pub as_user: Option<String>,
    /// Record a refused gate event anyway, with this written justification (heads only)
    #[arg(long = "override", value_name = "JUSTIFICATION")]
    pub override_justification: Option<String>,
    /// When it happened (default: now): 2024-03-01, 2024-03-01 09:30 or RFC 3339; without an
    /// offset, the office's zone (+08:00 unless configured); not earlier than the case's last event
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// An id for this write, so that a script can retry it safely: a retry with the same id
    /// writes nothing and says so
    #[arg(long, value_name = "ID")]
    pub command_id: Option<String>,
}

impl WriteArgs {
    /// The engine's form of these options: `--at` as people type it (a date, a time without an
    /// offset) turned into the RFC 3339 time the engine takes.
    pub fn engine(&self) -> Result<juece_engine::WriteArgs, CliError> {
        let at = match &self.at {
            Some(s) => Some(
                crate::context::parse_time(s)
                    .map_err(|e| {
                        CliError::bad_input(format!("--at: {e}"))
                            .with_hint(crate::t!("未写入任何内容", "nothing was written"))
                    })?
                    .to_rfc3339(),
            ),
            None => None,
        };
        Ok(juece_engine::WriteArgs {
            as_user: self.as_user.clone(),
            override_justification: self.override_justification.clone(),
            at,
            command_id: self.command_id.clone(),
            expected_seq: None,
        })
    }
}

/// The moment a command runs in, for the engine.
pub fn ctx(global: &GlobalArgs) -> Ctx {
    Ctx {
        now: global.now(),
        lang: global.lang(),
        test_write_delay_ms: global.test_write_delay_ms,
    }
}

/// Resolves `--as` to a known user (exit 2 when missing or unknown).
pub fn actor(store: &Store, args: &WriteArgs) -> Result<Actor, CliError> {
    Ok(juece_engine::actor(
        store,
        &args.engine()?,
        crate::i18n::lang(),
    )?)
}

/// The time of a new event: `--at`, else now.
pub fn event_time(
    global: &GlobalArgs,
    args: &WriteArgs,
) -> Result<DateTime<FixedOffset>, CliError> {
    Ok(juece_engine::event_time(&ctx(global), &args.engine()?)?)
}

/// Picks the role the actor records `body` in, or refuses (exit 3) naming the roles that may.
pub fn role_for(
    profile: &Profile,
    actor: &Actor,
    body: &EventBody,
    overriding: bool,
    lang: Lang,
) -> Result<(Role, bool), CliError> {
    Ok(juece_engine::role_for(
        profile, actor, body, overriding, lang,
    )?)
}

/// Opens the database and loads the profiles and the calendar, for one write or many.
pub fn session(global: &GlobalArgs) -> Result<WriteSession, CliError> {
    let store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar_with(&store)?;
    Ok(WriteSession::new(store, profiles, calendar))
}

/// One write through `session`: the text to print, or the error with its exit code.
pub fn write_in(
    session: &mut WriteSession,
    global: &GlobalArgs,
    case_ref: &str,
    event_json: &Value,
    args: &WriteArgs,
) -> Result<String, CliError> {
    Ok(session
        .write(&ctx(global), case_ref, event_json, &args.engine()?)?
        .text)
}

/// Checks `event_json` (no `actor`/`role`) against case `case_ref` and appends it, or refuses.
pub fn write_event(
    global: &GlobalArgs,
    case_ref: &str,
    event_json: &Value,
    args: &WriteArgs,
) -> CmdResult {
    let mut session = session(global)?;
    let text = write_in(&mut session, global, case_ref, event_json, args)?;
    emit(&text)?;
    Ok(Exit::Ok)
}
