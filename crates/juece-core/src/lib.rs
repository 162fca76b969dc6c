//! The major administrative decision procedure (重大行政决策程序, State Council Decree No. 713)
//! as data and one rule evaluator.
//!
//! A case *is* its event history. Its status, step states and audit findings are a pure function
//! of (profile, calendar, history, as-of date): [`evaluate::evaluate`] replays a history for the
//! audit, and [`check::check_event`] runs the same evaluator on a history with a proposed event
//! appended, for live use. This crate does no I/O and reads no clock or environment: callers pass
//! file contents and dates in.
//!
//! ```
//! use juece_core::{builtin, casefile, evaluate::evaluate};
//! let profiles = builtin::profiles().unwrap();
//! let calendar = builtin::calendar().unwrap();
//! let cases = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
//! let case = &cases[0];
//! let profile = profiles.resolve(&case.header.workflow).unwrap();
//! let as_of = "2024-01-31".parse().unwrap();
//! let eval = evaluate(profile, &calendar, case, as_of).unwrap();
//! assert!(eval.findings.is_empty());
//! ```

pub mod builtin;
pub mod calendar;
pub mod casefile;
pub mod catalogue;
pub mod check;
pub mod evaluate;
pub mod event;
pub mod finding;
pub mod fuzzy;
pub mod ids;
pub mod json;
pub mod log;
pub mod next;
pub mod profile;
pub mod registry;
pub mod report;
pub mod statutory;
pub mod text;
pub mod zh;

use serde::{Deserialize, Serialize};

/// The language of labels and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

/// A text in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}
