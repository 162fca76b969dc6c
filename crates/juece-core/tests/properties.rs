//! Property tests of the procedure (proptest; failing seeds are kept in `proptest-regressions/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use chrono::{Duration, NaiveDate};
use juece_core::builtin;
use juece_core::casefile::{case_to_json, parse_cases, CASES_FORMAT};
use juece_core::check::check_event;
use juece_core::evaluate::evaluate;
use juece_core::event::{parse_event, Case, CaseHeader, Event, EventBody, Supplied};
use juece_core::finding::Code;
use juece_core::ids::{Category, Severity};
use proptest::prelude::*;
use serde_json::{json, Value};

/// One proposed live write, before it is checked.
#[derive(Debug, Clone)]
enum Write {
    Draft,
    Participation {
        days: i64,
        reason: bool,
        hearing: bool,
    },
    Experts {
        signed: Vec<(bool, bool)>,
    },
    Risk {
        controllable: bool,
    },
    Waive {
        step: usize,
        reason: usize,
    },
    Submit,
    Sign {
        conclusion: usize,
        by_submitter: bool,
    },
    Decide {
        kind: usize,
        present: u32,
        majority: usize,
        head: usize,
        reason: bool,
    },
    PartyReport,
    Publish,
    Archive,
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        Just(Write::Draft),
        (18i64..40, any::<bool>(), any::<bool>()).prop_map(|(days, reason, hearing)| {
            Write::Participation {
                days,
                reason,
                hearing,
            }
        }),
        prop::collection::vec((prop::bool::weighted(0.9), prop::bool::weighted(0.1)), 1..5)
            .prop_map(|signed| Write::Experts { signed }),
        prop::bool::weighted(0.8).prop_map(|controllable| Write::Risk { controllable }),
        (0usize..8, 0usize..4).prop_map(|(step, reason)| Write::Waive { step, reason }),
        Just(Write::Submit),
        (0usize..4, prop::bool::weighted(0.1)).prop_map(|(conclusion, by_submitter)| Write::Sign {
            conclusion,
            by_submitter
        }),
        (0usize..5, 1u32..10, 0usize..5, 0usize..5, any::<bool>()).prop_map(
            |(kind, present, majority, head, reason)| Write::Decide {
                kind,
                present,
                majority,
                head,
                reason
            }
        ),
        Just(Write::PartyReport),
        Just(Write::Publish),
        Just(Write::Archive),
    ]
}

const STEPS: [&str; 8] = [
    "public_participation",
    "expert_review",
    "risk_assessment",
    "legality_review",
    "collective_decision",
    "party_report",
    "publication",
    "archiving",
];
const REASONS: [&str; 4] = [
    "not_applicable",
    "confidential",
    "covered_elsewhere",
    "other",
];
const CONCLUSIONS: [&str; 4] = ["lawful", "lawful_with_changes", "unlawful", "exploratory"];
const KINDS: [&str; 5] = ["executive", "plenary", "circulation", "individual", "other"];
const OUTCOMES: [&str; 5] = ["approve", "reject", "modify", "defer", "rediscuss"];

fn event_json(w: &Write, case: &Case, date: NaiveDate) -> Value {
    let drafts = case
        .events
        .iter()
        .filter(|e| matches!(e.body, EventBody::Draft(_)))
        .count();
    let current = format!("v{drafts}");
    let (actor, role) = ("李强", "undertaking_unit");
    let mut v = match w {
        Write::Draft => {
            json!({ "type": "draft", "version": format!("v{}", drafts + 1), "sha256": "c".repeat(64) })
        }
        Write::Participation {
            days,
            reason,
            hearing,
        } => {
            let end = date - Duration::days(1);
            let start = end - Duration::days(days - 1);
            json!({ "type": "public_participation", "methods": ["public_comment"],
                    "comment_period": { "start": start.to_string(), "end": end.to_string() },
                    "shortened_reason": if *reason { json!("依法缩短") } else { Value::Null },
                    "hearing": if *hearing { json!({ "date": end.to_string() }) } else { Value::Null } })
        }
        Write::Experts { signed } => {
            json!({ "type": "expert_review", "experts": signed.iter().enumerate()
            .map(|(i, (s, c))| json!({ "name": format!("专家{i}"), "signed": s, "conflict_of_interest": c })).collect::<Vec<_>>() })
        }
        Write::Risk { controllable } => {
            json!({ "type": "risk_assessment", "level": "medium", "controllable": controllable })
        }
        Write::Waive { step, reason } => {
            json!({ "type": "waived", "step": STEPS[*step], "reason": REASONS[*reason], "basis": "依据" })
        }
        Write::Submit => json!({ "type": "legality_review_submitted", "draft": current }),
        Write::Sign {
            conclusion,
            by_submitter,
        } => {
            let mut v = json!({ "type": "legality_review_signed", "draft": current, "conclusion": CONCLUSIONS[*conclusion] });
            v["actor"] = json!(if *by_submitter { "李强" } else { "陈律师" });
            v["role"] = json!("public_lawyer");
            v
        }
        Write::Decide {
            kind,
            present,
            majority,
            head,
            reason,
        } => json!({ "type": "collective_decision",
            "meeting": { "kind": KINDS[*kind], "date": date.to_string(), "members_total": 9, "members_present": present },
            "majority": OUTCOMES[*majority], "head_decision": OUTCOMES[*head],
            "reason": if *reason { json!("理由") } else { Value::Null } }),
        Write::PartyReport => json!({ "type": "party_report" }),
        Write::Publish => json!({ "type": "published", "channel": "政府网站" }),
        Write::Archive => json!({ "type": "archived" }),
    };
    v["at"] = json!(format!("{date}T10:00:00+08:00"));
    if v.get("actor").is_none() {
        v["actor"] = json!(actor);
        v["role"] = json!(role);
    }
    v
}

fn opened(attrs: [bool; 5], strict: bool) -> Case {
    let header = CaseHeader {
        case_ref: "测试〔2024〕1号".into(),
        title: "t".into(),
        organ: "o".into(),
        undertaking_unit: "u".into(),
        category: Category::Other,
        workflow: if strict {
            "local-strict@1"
        } else {
            "decree-713@1"
        }
        .into(),
        attributes: serde_json::from_value(
            json!({ "technical": attrs[0], "stability_risk": attrs[1],
            "hearing_required": attrs[2], "confidential": attrs[3], "market_entities": attrs[4] }),
        )
        .unwrap(),
        catalogue: None,
    };
    let open = parse_event(&json!({ "type": "opened", "at": "2024-01-02T09:00:00+08:00", "actor": "王敏", "role": "legal_office" }), &Supplied::default()).unwrap();
    Case {
        header,
        events: vec![open],
    }
}

/// Runs the writes through the live check: accepted ones are appended, refused gates dropped or
/// (when `force`) appended with an override, as a head would. Returns the history, the findings
/// the live checks reported, and the codes that were overridden.
fn live(case: Case, writes: &[(Write, u8, bool)]) -> (Case, Vec<(Code, String)>, Vec<String>) {
    let profiles = builtin::profiles().unwrap();
    let calendar = builtin::calendar().unwrap();
    let profile = profiles.resolve(&case.header.workflow).unwrap().clone();
    let mut case = case;
    let mut date = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let mut reported = Vec::new();
    let mut overridden = Vec::new();
    for (w, gap, force) in writes {
        date += Duration::days(i64::from(*gap));
        let Ok(event) = parse_event(&event_json(w, &case, date), &Supplied::default()) else {
            continue;
        };
        let mut extended = case.clone();
        extended.events.push(event.clone());
        if juece_core::casefile::check_case(&extended, &profile, None).is_err() {
            continue; // bad input (an unknown draft), refused before any guard
        }
        let outcome = check_event(&profile, &calendar, &case, &event, event.date()).unwrap();
        if outcome.refused() {
            if !force {
                continue;
            }
            let codes: Vec<String> = outcome.unmet.iter().map(|u| u.code.clone()).collect();
            overridden.extend(codes.iter().cloned());
            case.events.push(event.clone());
            case.events.push(Event {
                at: event.at,
                actor: "赵县长".into(),
                role: juece_core::ids::Role::Head,
                body: EventBody::Override(juece_core::event::Override {
                    unmet: codes,
                    justification: "紧急".into(),
                }),
            });
        } else {
            case.events.push(event);
        }
        reported.extend(
            outcome
                .new_findings
                .iter()
                .map(|f| (f.code, f.message_en.clone())),
        );
    }
    (case, reported, overridden)
}

/// Replaces the value reached by following `path` (indices modulo each container's size) as
/// deep as it goes.
fn replace_at(v: &mut Value, path: &[usize], replacement: Value) {
    let Some((step, rest)) = path.split_first() else {
        *v = replacement;
        return;
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let k = m.keys().nth(step % m.len()).unwrap().clone();
            replace_at(m.get_mut(&k).unwrap(), rest, replacement);
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            replace_at(&mut a[step % n], rest, replacement);
        }
        _ => *v = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random sequences of live writes never produce a history whose audit has a violation that
    /// no live check reported and no override covers (the audit and the live check agree); the
    /// only violation that can appear later on its own is a deadline passing (`NOT_PUBLISHED`).
    #[test]
    fn live_writes_and_replay_agree(
        attrs in prop::array::uniform5(prop::bool::weighted(0.3)),
        strict in any::<bool>(),
        writes in prop::collection::vec((write(), 0u8..12, prop::bool::weighted(0.15)), 1..40),
    ) {
        let (case, reported, overridden) = live(opened(attrs, strict), &writes);
        let profiles = builtin::profiles().unwrap();
        let calendar = builtin::calendar().unwrap();
        let profile = profiles.resolve(&case.header.workflow).unwrap();
        let last = case.events.iter().map(Event::date).max().unwrap();
        let audit = evaluate(profile, &calendar, &case, last).unwrap().unwrap();
        for f in audit.findings.iter().filter(|f| f.severity() == Severity::Violation) {
            let seen = reported.iter().any(|(c, m)| *c == f.code && *m == f.message_en);
            let forced = overridden.iter().any(|c| c == f.code.as_str());
            prop_assert!(seen || forced || f.code == Code::NotPublished,
                "{:?} {} was neither reported live nor overridden; history: {:#?}", f.code, f.message_en, case.events);
        }
        // Every override is in the audit.
        let overrides = case.events.iter().filter(|e| matches!(e.body, EventBody::Override(_))).count();
        let listed = audit.findings.iter().filter(|f| f.code == Code::GuardOverridden).count();
        prop_assert_eq!(overrides, listed);
    }

    /// Export → import → export gives the identical document, for any history live use produces.
    #[test]
    fn export_import_export_is_identical(
        attrs in prop::array::uniform5(any::<bool>()),
        strict in any::<bool>(),
        writes in prop::collection::vec((write(), 0u8..12, any::<bool>()), 1..30),
    ) {
        let (case, _, _) = live(opened(attrs, strict), &writes);
        let pinned = case.header.workflow.clone();
        let doc = json!({ "format": CASES_FORMAT, "cases": [case_to_json(&case, &pinned)] });
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let back = parse_cases(&text).unwrap();
        prop_assert_eq!(&back[0], &case);
        let again = json!({ "format": CASES_FORMAT, "cases": [case_to_json(&back[0], &pinned)] });
        prop_assert_eq!(text, serde_json::to_string_pretty(&again).unwrap());
    }

    /// The case-file parser never panics, whatever one value of a valid document is replaced by.
    #[test]
    fn case_parser_never_panics_on_a_mutated_document(
        path in prop::collection::vec(0usize..16, 1..5),
        replacement in prop_oneof![
            Just(Value::Null), any::<bool>().prop_map(Value::from), any::<i64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::from), Just(json!([])), Just(json!({})), Just(json!({"x": 1})),
        ],
    ) {
        let mut doc: Value = serde_json::from_str(builtin::EXAMPLE_CASES).unwrap();
        replace_at(&mut doc, &path, replacement);
        let _ = parse_cases(&doc.to_string());
    }

    /// The profile parser never panics on a mutated profile, and any profile it accepts keeps the
    /// statutory invariants.
    #[test]
    fn profile_parser_never_panics_and_accepts_only_lawful_profiles(
        path in prop::collection::vec(0usize..16, 1..5),
        replacement in prop_oneof![
            Just(Value::Null), any::<bool>().prop_map(Value::from), (0i64..60).prop_map(Value::from),
            prop::sample::select(vec!["always", "legality_review", "public_participation", "other", "head"]).prop_map(Value::from),
            Just(json!([])), Just(json!({})), Just(json!(["legality_review"])),
        ],
    ) {
        use juece_core::ids::Step;
        use juece_core::profile::Profile;
        let mut doc: Value = serde_json::from_str(builtin::DECREE_713).unwrap();
        replace_at(&mut doc, &path, replacement);
        if let Ok(p) = Profile::parse("mutated.json", &doc.to_string()) {
            prop_assert!(p.parameters().min_comment_days >= 30);
            prop_assert!(p.parameters().min_review_working_days >= 7);
            prop_assert!(p.precedes(Step::LegalityReview, Step::CollectiveDecision));
            for ff in Step::FACT_FINDING {
                prop_assert!(p.precedes(ff, Step::LegalityReview));
            }
            prop_assert!(p.step(Step::LegalityReview).waivers().is_empty());
            prop_assert!(p.step(Step::CollectiveDecision).waivers().is_empty());
        }
    }
}
