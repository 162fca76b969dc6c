//! The calendar loader (juece-calendar/1 and holiday-cn year files) and the working-day
//! arithmetic on what it loaded may not panic, overflow a date or allocate without bound
//! (a 150-byte file once asked for 10 GB: issue 10).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../bodies/calendar.rs");

fuzz_target!(|data: &[u8]| run_calendar(data));
