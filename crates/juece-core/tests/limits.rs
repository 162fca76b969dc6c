//! Absurd numbers where data enters (issue 10): what the `numbers` and `calendar` fuzz targets
//! exercise, on the inputs that once panicked or ran unbounded.

use juece_core::builtin;
use juece_core::calendar::Calendar;
use juece_core::profile::Profile;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn decree_with(name: &str, value: serde_json::Value) -> Result<String, serde_json::Error> {
    let mut doc: serde_json::Value = serde_json::from_str(builtin::DECREE_713)?;
    doc["parameters"][name] = value;
    doc["id"] = serde_json::json!("limits");
    Ok(doc.to_string())
}

#[test]
fn profile_parameters_have_upper_limits() -> TestResult {
    for name in [
        "deferral_lapse_days",
        "archiving_deadline_days",
        "publication_deadline_working_days",
        "min_comment_days",
        "min_review_working_days",
        "min_experts",
    ] {
        let err = Profile::parse(
            "x.json",
            &decree_with(name, serde_json::json!(4_294_967_295u64))?,
        )
        .err()
        .ok_or("an absurd parameter was accepted")?;
        assert!(err.to_string().contains(name), "{err}");
        assert!(err.to_string().contains("limit"), "{err}");
    }
    // Near miss: the limit itself is accepted.
    assert!(Profile::parse(
        "x.json",
        &decree_with("deferral_lapse_days", serde_json::json!(3650))?
    )
    .is_ok());
    assert!(Profile::parse(
        "x.json",
        &decree_with("deferral_lapse_days", serde_json::json!(3651))?
    )
    .is_err());
    Ok(())
}

#[test]
fn profiles_at_the_limits_evaluate_the_examples_without_panicking() -> TestResult {
    let text = {
        let mut doc: serde_json::Value = serde_json::from_str(builtin::DECREE_713)?;
        for (k, v) in [
            ("min_comment_days", 3650),
            ("min_review_working_days", 2500),
            ("publication_deadline_working_days", 2500),
            ("archiving_deadline_days", 3650),
            ("deferral_lapse_days", 3650),
        ] {
            doc["parameters"][k] = serde_json::json!(v);
        }
        doc["id"] = serde_json::json!("limits");
        doc.to_string()
    };
    let profile = Profile::parse("x.json", &text)?;
    let calendar = builtin::calendar()?;
    for mut case in juece_core::casefile::parse_cases(builtin::EXAMPLE_CASES)? {
        case.header.workflow = profile.pinned();
        for (y, m, d) in [(2019, 1, 1), (2026, 12, 31), (2200, 12, 31)] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).ok_or("date")?;
            let _ = juece_core::evaluate::evaluate(&profile, &calendar, &case, date);
        }
    }
    Ok(())
}

#[test]
fn calendar_files_with_absurd_ranges_are_refused() {
    let mut c = Calendar::default();
    let huge = r#"{"format":"juece-calendar/1","years":[{"year":2027,"days_off":[{"name":"x","from":"2027-01-01","to":"+200000-01-01"}],"working_weekends":[]}]}"#;
    let err = c
        .add_json("huge.json", huge)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("31 days"), "{err}");
    let far = r#"{"year":30000,"days":[]}"#;
    let err = c
        .add_json("far.json", far)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("1900"), "{err}");
    // Near miss: a 31-day range in a covered year loads.
    let month = r#"{"format":"juece-calendar/1","years":[{"year":2027,"days_off":[{"name":"x","from":"2027-01-01","to":"2027-01-31"}],"working_weekends":[]}]}"#;
    assert!(c.add_json("month.json", month).is_ok());
}
