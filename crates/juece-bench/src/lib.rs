//! Performance work for juece at provincial scale: a deterministic generator of realistic case
//! files ([`generate`]) and a harness that measures the `juece` binary against the physical
//! limit of the same work done by bare SQLite and SHA-256 ([`harness`]).
//!
//! The binary `juece-bench` has two commands: `generate` writes a `juece-cases/2` file, and
//! `run` measures. See `docs/performance.md` for the results and how to reproduce them.

pub mod generate;
pub mod harness;
mod pg_baseline;
pub mod serve_load;
pub mod stats;
