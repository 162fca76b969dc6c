//! One file per command.

pub mod audit;
pub mod demo;
pub mod export;
pub mod import;
pub mod workflow;
