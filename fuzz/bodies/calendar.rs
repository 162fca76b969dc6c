// The body of the `calendar` fuzz target, shared with its corpus replay in
// crates/juece-core/tests/fuzz_corpus.rs (included in both: one copy of the code).
// The calendar loader (juece-calendar/1 and holiday-cn year files) and the working-day
// arithmetic on what it loaded may not panic, overflow a date or allocate without bound
// (a 150-byte file once asked for 10 GB: issue 10).

pub fn run_calendar(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut calendar = juece_core::calendar::Calendar::default();
    if calendar.add_json("fuzz.json", text).is_err() {
        return;
    }
    let _ = calendar.covered();
    for (y, m, d) in [(1900, 1, 1), (2024, 2, 29), (2200, 12, 31)] {
        let Some(date) = chrono::NaiveDate::from_ymd_opt(y, m, d) else { continue };
        let _ = calendar.is_working_day(date);
        let _ = calendar.add_working_days(date, 3650);
        let _ = calendar.working_days_between(date, date);
    }
}
