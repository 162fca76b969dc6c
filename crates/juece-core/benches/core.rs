//! Benchmarks of the in-process parts of juece: evaluating one case, loading the shipped
//! profiles and calendar, parsing a case file, and a calendar query over a year.
//!
//! `cargo bench -p juece-core --bench core`. The whole-process measurements against the
//! physical limit are in `crates/juece-bench` (docs/performance.md).

#![allow(
    clippy::expect_used,
    reason = "a benchmark of the shipped data stops at once if that data does not load"
)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use juece_core::builtin;
use juece_core::casefile::parse_cases;
use juece_core::evaluate::evaluate;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn evaluate_one_case(c: &mut Criterion) {
    let profiles = builtin::profiles().expect("shipped profiles");
    let calendar = builtin::calendar().expect("shipped calendar");
    let cases = parse_cases(builtin::EXAMPLE_CASES).expect("example cases");
    let as_of = day("2026-12-31");
    let mut group = c.benchmark_group("evaluate");
    for case in &cases {
        let profile = profiles
            .resolve(&case.header.workflow)
            .expect("known profile");
        let name = format!("{}_events_{}", case.events.len(), case.header.workflow);
        group.bench_function(name, |b| {
            b.iter(|| evaluate(profile, &calendar, black_box(case), as_of))
        });
    }
    group.finish();
}

fn load_shipped_data(c: &mut Criterion) {
    c.bench_function("builtin/profiles", |b| b.iter(builtin::profiles));
    c.bench_function("builtin/calendar", |b| b.iter(builtin::calendar));
    c.bench_function("casefile/parse_example_cases", |b| {
        b.iter(|| parse_cases(black_box(builtin::EXAMPLE_CASES)))
    });
}

fn calendar_queries(c: &mut Criterion) {
    let calendar = builtin::calendar().expect("shipped calendar");
    let (from, to) = (day("2023-01-01"), day("2023-12-31"));
    c.bench_function("calendar/working_days_between_a_year", |b| {
        b.iter(|| calendar.working_days_between(black_box(from), black_box(to)))
    });
    c.bench_function("calendar/add_20_working_days", |b| {
        b.iter(|| calendar.add_working_days(black_box(day("2023-09-25")), 20))
    });
}

criterion_group!(
    benches,
    evaluate_one_case,
    load_shipped_data,
    calendar_queries
);
criterion_main!(benches);
