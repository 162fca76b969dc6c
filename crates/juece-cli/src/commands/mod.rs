//! One file per command.

pub mod audit;
pub mod case;
pub mod case_show;
pub mod checkpoint;
pub mod decide;
pub mod demo;
pub mod draft;
pub mod due;
pub mod evidence;
pub mod export;
pub mod gates;
pub mod import;
pub mod key;
pub mod record;
pub mod record_batch;
pub mod review;
pub mod serve;
pub mod step;
pub mod token;
pub mod user;
pub mod verify;
pub mod workflow;
