//! Absurd numbers where data enters (issue 10): a profile whose parameters come from the input
//! (any u32, `null` too) and a calendar file from the rest, then the shipped example cases
//! evaluated under both, as of dates near the ends of the calendar. Nothing may panic, overflow
//! a date or run unbounded: either the profile or calendar is refused with its limit, or the
//! evaluation answers.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../bodies/numbers.rs");

fuzz_target!(|data: &[u8]| run_numbers(data));
