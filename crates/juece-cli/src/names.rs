//! Unknown names and case references, with the existing one a person most likely meant: the
//! engine's answer (crates/juece-engine/src/names.rs), in the language of this run.

use juece_store::Store;

use crate::error::CliError;

/// The error for a case reference that is not in the database, suggesting the nearest one
/// (brackets typed as `()`, a trailing space, a one-character slip).
pub fn no_case(store: &Store, case_ref: &str) -> CliError {
    juece_engine::names::no_case(store, case_ref, crate::i18n::lang()).into()
}

/// The error for a user that is not known, suggesting the nearest existing name.
pub fn unknown_user(store: &Store, name: &str) -> CliError {
    juece_engine::names::unknown_user(store, name, crate::i18n::lang()).into()
}
