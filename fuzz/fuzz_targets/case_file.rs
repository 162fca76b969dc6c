//! The case-file parser and everything an import does with a parsed case: resolve its profile,
//! check its history, evaluate it. None of it may panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (Ok(profiles), Ok(calendar)) = (juece_core::builtin::profiles(), juece_core::builtin::calendar()) else {
        return;
    };
    let Ok(cases) = juece_core::casefile::parse_cases(text) else { return };
    for (i, case) in cases.iter().enumerate() {
        let Ok(profile) = profiles.resolve(&case.header.workflow) else { continue };
        if juece_core::casefile::check_case(case, profile, Some(i)).is_err() {
            continue;
        }
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
        let _ = juece_core::evaluate::evaluate(profile, &calendar, case, as_of);
    }
});
