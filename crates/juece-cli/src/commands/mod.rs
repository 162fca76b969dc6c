//! One file per command.

pub mod audit;
pub mod backup;
pub mod calendar;
pub mod case;
pub mod case_show;
pub mod catalogue;
pub mod checkpoint;
pub mod decide;
pub mod demo;
pub mod draft;
pub mod due;
pub mod evidence;
pub mod export;
pub mod extras;
pub mod gates;
pub mod import;
pub mod key;
pub mod record;
pub mod record_batch;
pub mod report;
pub mod review;
pub mod step;
pub mod user;
pub mod verify;
pub mod workflow;
