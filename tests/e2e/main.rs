//! End-to-end tests: the real `juece` binary on real files, in a hermetic environment
//! (cleared environment, temporary database, fixed clock).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "test helpers fail loudly; tests may read their own settings from the environment"
)]

mod common;

mod audit;
mod first_hour;
mod history;
mod import_export;
mod live;
mod malformed;
mod messages;
mod organs;
mod postgres;
mod report;
mod rules_v2;
mod server;
mod terminal;
mod trust;
mod workflow;
