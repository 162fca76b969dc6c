//! End-to-end tests: the real `juece` binary on real files, in a hermetic environment
//! (cleared environment, temporary database, fixed clock).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

mod common;

mod audit;
mod import_export;
mod live;
mod malformed;
mod workflow;
