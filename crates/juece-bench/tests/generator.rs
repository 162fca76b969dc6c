//! The generator's promises, checked with juece-core directly (no binary, no database): the
//! same seed gives the same bytes; every injected defect is found with its code; clean cases
//! have no finding; dates stay inside the calendar; the mix is realistic. No timing here.

use std::collections::{BTreeMap, BTreeSet};

use juece_bench::generate::{
    audit_as_of, defect_for, write_cases, Defect, GeneratedCase, LAST_EVENT, LAST_MEETING,
};
use juece_core::builtin;
use juece_core::casefile::{check_case, parse_cases};
use juece_core::evaluate::evaluate;
use juece_core::event::{Case, EventBody};
use juece_core::finding::Code;
use juece_core::ids::Outcome;

const SEED: u64 = 20_190_901;
const N: usize = 400;

/// The file text and, per case, the defect the generator says it injected.
fn generate(seed: u64, n: usize) -> (String, Vec<Option<Defect>>) {
    let mut bytes = Vec::new();
    let mut defects = Vec::new();
    let summary = write_cases(&mut bytes, seed, n, |c: &GeneratedCase| {
        defects.push(c.defect);
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.cases, n);
    assert_eq!(summary.bytes, bytes.len() as u64);
    (String::from_utf8(bytes).unwrap(), defects)
}

fn parsed() -> (Vec<Case>, Vec<Option<Defect>>) {
    let (text, defects) = generate(SEED, N);
    (parse_cases(&text).unwrap(), defects)
}

fn ymd(t: (i32, u32, u32)) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(t.0, t.1, t.2).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, _) = generate(SEED, 60);
    let (b, _) = generate(SEED, 60);
    assert!(a == b, "two runs of one seed differ");
    let (c, _) = generate(SEED + 1, 60);
    assert!(a != c, "another seed gives another file");
}

#[test]
fn a_smaller_file_holds_the_first_cases_of_a_larger_one() {
    let (small, _) = generate(SEED, 30);
    let (large, _) = generate(SEED, 90);
    let small = parse_cases(&small).unwrap();
    let large = parse_cases(&large).unwrap();
    assert_eq!(small[..], large[..30]);
}

#[test]
fn every_injected_defect_is_found_with_its_code_and_clean_cases_have_no_finding() {
    let (cases, defects) = parsed();
    let profiles = builtin::profiles().unwrap();
    let calendar = builtin::calendar().unwrap();
    let as_of = audit_as_of().unwrap();
    let mut failures = Vec::new();
    let mut found: BTreeMap<Defect, usize> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        let profile = profiles.resolve(&case.header.workflow).unwrap();
        // What `juece import` checks: opened first, time order, drafts recorded before use.
        check_case(case, profile, Some(i)).unwrap();
        let eval = evaluate(profile, &calendar, case, as_of)
            .expect("every case is opened before the audit date");
        let codes: BTreeSet<Code> = eval.findings.iter().map(|f| f.code).collect();
        let codes: Vec<Code> = codes.into_iter().collect();
        assert_eq!(
            defects[i],
            defect_for(i),
            "the side record follows the rule"
        );
        let expected = defects[i].map(Defect::expected_codes).unwrap_or_default();
        if codes != expected {
            failures.push(format!(
                "case {i} `{}` ({}, defect {:?}): expected {expected:?}, found {:?}",
                case.header.case_ref,
                case.header.workflow,
                defects[i],
                eval.findings
                    .iter()
                    .map(|f| format!("{} {}", f.code, f.message_en))
                    .collect::<Vec<_>>()
            ));
        }
        if let Some(d) = defects[i] {
            assert!(expected.contains(&d.code()));
            *found.entry(d).or_default() += 1;
        }
        // Only the CALENDAR_ESTIMATED case rests on estimated days, and only on 2027's.
        let estimated: Vec<i32> = eval.estimated_years.iter().copied().collect();
        if defects[i] == Some(Defect::CalendarEstimated) {
            assert_eq!(estimated, vec![2027], "case {i}");
        } else {
            assert!(estimated.is_empty(), "case {i}: {estimated:?}");
        }
        // Exactly one event is voided, and only in the VOIDED_EVENT case.
        let voided = if defects[i] == Some(Defect::VoidedEvent) {
            1
        } else {
            0
        };
        assert_eq!(eval.voided.len(), voided, "case {i}");
        // A case concerning market entities that reaches a meeting has its fair-competition
        // review first, unless that is the defect.
        if case.header.attributes.market_entities
            && defects[i] != Some(Defect::FairCompetitionReviewMissing)
        {
            let first_meeting = case
                .events
                .iter()
                .position(|e| matches!(e.body, EventBody::CollectiveDecision(_)));
            let review = case
                .events
                .iter()
                .position(|e| matches!(e.body, EventBody::FairCompetitionReview(_)));
            if let Some(m) = first_meeting {
                assert!(review.is_some_and(|r| r < m), "case {i}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {N} cases audit differently from what was injected:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    // Every defect kind was injected, and together they cover every finding code.
    for d in Defect::ALL {
        assert!(found.contains_key(d), "{d:?} never injected in {N} cases");
    }
    let covered: BTreeSet<Code> = Defect::ALL
        .iter()
        .flat_map(|d| d.expected_codes())
        .collect();
    // The catalogue codes need a catalogue beside the cases (tests/e2e/report.rs covers them).
    for code in Code::ALL.iter().filter(|c| !Code::CATALOGUE.contains(c)) {
        assert!(covered.contains(code), "no defect causes {code}");
    }
    let rate = defects.iter().filter(|d| d.is_some()).count() as f64 / N as f64;
    assert!((0.05..=0.15).contains(&rate), "defect rate {rate}");
}

#[test]
fn every_date_stays_inside_the_calendar_and_before_the_live_writes() {
    let (cases, defects) = parsed();
    let (first, last_event) = (ymd((2019, 1, 1)), ymd(LAST_EVENT));
    let mut december_meetings = 0;
    for (case, defect) in cases.iter().zip(&defects) {
        // The CALENDAR_ESTIMATED case approves in December, still before the last event day.
        let last_meeting = if *defect == Some(Defect::CalendarEstimated) {
            december_meetings += 1;
            last_event
        } else {
            ymd(LAST_MEETING)
        };
        for e in &case.events {
            let r = &case.header.case_ref;
            assert!(
                e.at.date_naive() >= first && e.at.date_naive() <= last_event,
                "{r}: {}",
                e.at
            );
            // Entered when or after it happened, and before the live writes too.
            if let Some(recorded) = e.recorded_at {
                assert!(recorded >= e.at, "{r}: recorded {recorded} before {}", e.at);
                assert!(
                    recorded.date_naive() <= last_event,
                    "{r}: recorded {recorded}"
                );
            }
            match &e.body {
                EventBody::CollectiveDecision(d) => {
                    assert!(
                        d.meeting.date <= last_meeting,
                        "{r}: meeting {}",
                        d.meeting.date
                    );
                    assert!(
                        d.meeting.date <= e.at.date_naive(),
                        "{r}: meeting after its record"
                    );
                }
                EventBody::PublicParticipation(p) => {
                    if let Some(period) = p.comment_period {
                        assert!(period.start >= first && period.end <= last_event, "{r}");
                    }
                    if let Some(h) = p.hearing {
                        assert!(h.date >= first && h.date <= last_event, "{r}");
                    }
                }
                _ => {}
            }
        }
    }
    assert!(december_meetings > 0, "no CALENDAR_ESTIMATED case in {N}");
}

#[test]
fn some_cases_were_entered_live_in_order_and_within_the_grace() {
    let (cases, defects) = parsed();
    let mut live = 0;
    for (case, defect) in cases.iter().zip(&defects) {
        let r = &case.header.case_ref;
        let stamped: Vec<_> = case.events.iter().filter_map(|e| e.recorded_at).collect();
        if *defect == Some(Defect::Backfilled) {
            assert_eq!(stamped.len(), 1, "{r}: one event entered after the fact");
            continue;
        }
        if stamped.is_empty() {
            continue;
        }
        live += 1;
        // Live use from some event on: every later event stamped too, the clock never going
        // back, each entry within 3 calendar days of the day it happened.
        let from = case
            .events
            .iter()
            .position(|e| e.recorded_at.is_some())
            .unwrap();
        assert!(
            case.events[from..].iter().all(|e| e.recorded_at.is_some()),
            "{r}"
        );
        assert!(stamped.windows(2).all(|w| w[0] <= w[1]), "{r}: {stamped:?}");
        for e in &case.events[from..] {
            let recorded = e.recorded_at.unwrap();
            let late = (recorded.date_naive() - e.at.date_naive()).num_days();
            assert!((0..=3).contains(&late), "{r}: {} entered {recorded}", e.at);
        }
    }
    let share = live as f64 / N as f64;
    assert!((0.15..=0.45).contains(&share), "live share {share}");
}

#[test]
fn the_mix_is_realistic() {
    let (cases, _) = parsed();
    let n = cases.len() as f64;
    let share = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count() as f64 / n;
    let categories: BTreeSet<&str> = cases.iter().map(|c| c.header.category.as_str()).collect();
    assert_eq!(categories.len(), 5, "{categories:?}");
    let technical = share(&|c| c.header.attributes.technical);
    let risk = share(&|c| c.header.attributes.stability_risk);
    assert!((0.25..=0.45).contains(&technical), "technical {technical}");
    assert!((0.25..=0.45).contains(&risk), "stability_risk {risk}");
    assert!(share(&|c| c.header.attributes.hearing_required) > 0.02);
    assert!(share(&|c| c.header.attributes.confidential) > 0.01);
    assert!(share(&|c| c.header.attributes.market_entities) > 0.1);
    let strict = share(&|c| c.header.workflow == "local-strict");
    assert!((0.3..=0.6).contains(&strict), "local-strict {strict}");
    let years: BTreeSet<i32> = cases
        .iter()
        .map(|c| chrono::Datelike::year(&c.events[0].at.date_naive()))
        .collect();
    assert_eq!(
        years.into_iter().collect::<Vec<_>>(),
        (2019..=2026).collect::<Vec<_>>()
    );
    let outcomes: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| &c.events)
        .filter_map(|e| match &e.body {
            EventBody::CollectiveDecision(d) => Some(d.head_decision.as_str()),
            _ => None,
        })
        .collect();
    for o in [
        Outcome::Approve,
        Outcome::Modify,
        Outcome::Defer,
        Outcome::Rediscuss,
        Outcome::Reject,
    ] {
        assert!(
            outcomes.contains(o.as_str()),
            "no `{o}` meeting in {outcomes:?}"
        );
    }
    let events: usize = cases.iter().map(|c| c.events.len()).sum();
    let mean = events as f64 / n;
    assert!((12.0..=20.0).contains(&mean), "{mean} events per case");
}

#[test]
fn every_generated_event_takes_the_fast_parser_and_reads_back_the_same() {
    use juece_core::event::{parse_event_fast, Supplied};
    let (cases, _) = parsed();
    let mut events = 0;
    for case in &cases {
        for e in &case.events {
            let text = e.to_json().to_string();
            assert_eq!(
                parse_event_fast(&text, &Supplied::default()).as_ref(),
                Some(e),
                "{}: {text}",
                case.header.case_ref
            );
            events += 1;
        }
    }
    assert!(events > 4_000, "{events}");
}
