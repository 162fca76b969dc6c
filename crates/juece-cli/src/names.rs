//! Unknown names and case references, with the existing one a person most likely meant: the
//! engine's answer (crates/juece-engine/src/names.rs), in the language of this run; and who is
//! reading (`--as NAME` on the read commands: that user's organs only).

use clap::Args;
use juece_engine::Scope;
use juece_store::{Store, StoredCase};

use crate::error::CliError;

/// The error for a case reference that is not in `scope` (or anywhere), suggesting the nearest
/// one in scope (brackets typed as `()`, a trailing space, a one-character slip).
pub fn no_case(store: &Store, scope: &Scope, case_ref: &str) -> CliError {
    juece_engine::names::no_case(store, scope, case_ref, crate::i18n::lang()).into()
}

/// The error for a user that is not known, suggesting the nearest existing name.
pub fn unknown_user(store: &Store, name: &str) -> CliError {
    juece_engine::names::unknown_user(store, name, crate::i18n::lang()).into()
}

/// Who is reading: without `--as`, the holder of the database file, who reads every organ's
/// cases; with it, the user's organs only (every organ for a user without organs or a
/// `province_inspector`).
#[derive(Args, Clone, Default)]
pub struct ReadAs {
    /// Read as this user: only the cases of their organs (default: every case)
    #[arg(long = "as", value_name = "NAME")]
    pub as_user: Option<String>,
}

impl ReadAs {
    /// The scope of the reader (exit 2 for an unknown user).
    pub fn scope(&self, store: &Store) -> Result<Scope, CliError> {
        Ok(Scope::of_user(
            store,
            self.as_user.as_deref(),
            crate::i18n::lang(),
        )?)
    }
}

/// The case a writing command reads before it hands the event to the write path, as its writer
/// may see it: `None` when it is not in the writer's organs (or does not exist), so that the
/// write path gives its one answer. Without a known writer, the file holder's view (the write
/// path then refuses for want of a writer); an inspector sees nothing here (the write path
/// refuses them).
pub fn case_for_writer(
    store: &Store,
    as_user: Option<&str>,
    case_ref: &str,
) -> Result<Option<StoredCase>, CliError> {
    let user = match as_user.map(|n| juece_core::text::identifier("user name", n)) {
        Some(Ok(name)) => store.user(&name).ok().flatten(),
        _ => None,
    };
    let scope = match &user {
        Some(u) if u.roles.contains(&juece_core::ids::Role::ProvinceInspector) => return Ok(None),
        Some(u) => Scope::write_scope(&u.organs),
        None => Scope::all(),
    };
    Ok(scope.find_case(store, case_ref)?)
}
