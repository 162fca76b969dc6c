//! Who may record what: every role × event type of the shipped profiles matches the table in
//! docs/permissions.md (live use refuses the others with exit 3).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test"
)]

use juece_core::builtin;
use juece_core::event::{parse_event, EventBody, Supplied};
use juece_core::ids::Role;
use serde_json::json;

/// A sample event body of each type (`waived` for each waivable step).
fn samples() -> Vec<(String, EventBody)> {
    let at = "2024-01-02T09:00:00+08:00";
    let mut events = vec![
        json!({ "type": "opened" }),
        json!({ "type": "draft", "version": "v1", "sha256": "a".repeat(64) }),
        json!({ "type": "public_participation", "methods": ["symposium"] }),
        json!({ "type": "expert_review", "experts": [{ "name": "x", "signed": true, "conflict_of_interest": false }] }),
        json!({ "type": "risk_assessment", "level": "low", "controllable": true }),
    ];
    for step in [
        "public_participation",
        "expert_review",
        "risk_assessment",
        "publication",
    ] {
        events.push(json!({ "type": "waived", "step": step, "reason": "other" }));
    }
    events.extend([
        json!({ "type": "legality_review_submitted", "draft": "v1" }),
        json!({ "type": "legality_review_signed", "draft": "v1", "conclusion": "lawful" }),
        json!({ "type": "collective_decision", "meeting": { "kind": "executive", "date": "2024-01-02", "members_total": 9, "members_present": 9 }, "majority": "approve", "head_decision": "approve" }),
        json!({ "type": "party_report" }),
        json!({ "type": "published" }),
        json!({ "type": "archived" }),
        json!({ "type": "override", "unmet": ["SHORT_REVIEW_WINDOW"], "justification": "x" }),
    ]);
    events
        .into_iter()
        .map(|mut v| {
            v["at"] = json!(at);
            let event = parse_event(
                &v,
                &Supplied {
                    actor: Some(("x".into(), Role::Admin)),
                    default_at: None,
                    recorded_at: None,
                },
            )
            .unwrap();
            let name = match &event.body {
                EventBody::Waived(w) => format!("waived ({})", w.step),
                b => b.type_name().to_owned(),
            };
            (name, event.body)
        })
        .collect()
}

/// The table of docs/permissions.md: event type → the roles marked ✓, in column order.
fn documented() -> Vec<(String, Vec<Role>)> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md"),
    )
    .unwrap();
    let mut rows = text.lines().filter(|l| l.starts_with("| `"));
    let header = text
        .lines()
        .find(|l| l.starts_with("| event |"))
        .expect("table header");
    let roles: Vec<Role> = header
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .skip(1)
        .map(|c| Role::parse(c.trim_matches('`')).unwrap())
        .collect();
    let mut out = Vec::new();
    for row in rows.by_ref() {
        let cells: Vec<&str> = row
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let name = cells[0].trim_matches('`').to_owned();
        let allowed = roles
            .iter()
            .zip(&cells[1..])
            .filter(|(_, c)| **c == "✓")
            .map(|(r, _)| *r)
            .collect();
        out.push((name, allowed));
    }
    out
}

#[test]
fn every_role_and_event_type_matches_the_documented_table() {
    let profiles = builtin::profiles().unwrap();
    let table = documented();
    let samples = samples();
    assert_eq!(table.len(), samples.len(), "one row per event type");
    for p in profiles.all() {
        for (name, body) in &samples {
            let (_, documented) = table
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("`{name}` is not in docs/permissions.md"));
            for role in Role::ALL {
                let allowed = p.roles_for(body).contains(role);
                assert_eq!(
                    allowed,
                    documented.contains(role),
                    "{}: {role} × {name}",
                    p.pinned()
                );
            }
        }
    }
}
