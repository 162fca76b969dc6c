// The body of the `numbers` fuzz target, shared with its corpus replay in
// crates/juece-core/tests/fuzz_corpus.rs (included in both: one copy of the code).
// Absurd numbers where data enters (issue 10): a profile whose parameters come from the input
// (any u32, `null` too) and a calendar file from the rest, then the shipped example cases
// evaluated under both, as of dates near the ends of the calendar. Nothing may panic, overflow
// a date or run unbounded: either the profile or calendar is refused with its limit, or the
// evaluation answers.

const PARAMS: [&str; 6] = [
    "min_comment_days",
    "min_review_working_days",
    "min_experts",
    "publication_deadline_working_days",
    "archiving_deadline_days",
    "deferral_lapse_days",
];

pub fn run_numbers(data: &[u8]) {
    if data.len() < 4 * PARAMS.len() + 2 {
        return;
    }
    let (numbers, rest) = data.split_at(4 * PARAMS.len());
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(juece_core::builtin::DECREE_713) else {
        return;
    };
    for (i, name) in PARAMS.iter().enumerate() {
        let b = &numbers[4 * i..4 * i + 4];
        let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        // The top value stands for `null` where a parameter is optional.
        doc["parameters"][*name] = if n == u32::MAX && i >= 2 {
            serde_json::Value::Null
        } else {
            serde_json::json!(n)
        };
    }
    doc["id"] = serde_json::json!("fuzz");
    let Ok(profile) = juece_core::profile::Profile::parse("fuzz.json", &doc.to_string()) else {
        return;
    };
    let Ok(mut calendar) = juece_core::builtin::calendar() else { return };
    let text = String::from_utf8_lossy(rest);
    let _ = calendar.add_json("fuzz-calendar.json", &text);
    let Ok(cases) = juece_core::casefile::parse_cases(juece_core::builtin::EXAMPLE_CASES) else {
        return;
    };
    for mut case in cases {
        case.header.workflow = profile.pinned();
        for as_of in [(2019, 1, 1), (2026, 12, 31), (2200, 12, 31)] {
            let Some(date) = chrono::NaiveDate::from_ymd_opt(as_of.0, as_of.1, as_of.2) else {
                continue;
            };
            let _ = juece_core::evaluate::evaluate(&profile, &calendar, &case, date);
        }
    }
}
