//! The integration tests of juece-bench, in one binary: the generator's promises, checked with
//! juece-core directly, and a smoke run of the harness against the real `juece` binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

mod generator;
mod smoke;
