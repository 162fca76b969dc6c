//! The estimated statutory days off (`juece_core::statutory`), checked against
//! 1. the official notices 2019–2026 (shared/facts/cn-holidays.md, copied below);
//! 2. `chinese-lunisolar-calendar` (magiclen, a table of 1901–2100 independent of Tyme's
//!    astronomical computation) for every lunar date of every supported year;
//! 3. Meeus' low-accuracy solar longitude (Astronomical Algorithms, 2nd ed., ch. 25, ±0.01°)
//!    for every 清明 of every supported year;
//! 4. a hand table of 2027–2035 春节, 端午, 中秋 and 清明 dates, those of the Hong Kong
//!    Observatory's Gregorian–Lunar calendar conversion tables (typed in by hand, not fetched;
//!    2 agrees on every lunar date of it, 3 on every 清明 it can decide).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use chinese_lunisolar_calendar::{LunarDay, LunarMonth, LunisolarDate, LunisolarYear, SolarYear};
use chrono::{Datelike, Duration, NaiveDate};
use juece_core::statutory::{statutory_days_off, StatutoryDay, FIRST_YEAR, LAST_YEAR};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dates_named(days: &[StatutoryDay], name: &str) -> Vec<NaiveDate> {
    days.iter()
        .filter(|x| x.name.split('、').any(|n| n == name))
        .map(|x| x.date)
        .collect()
}

fn one_named(days: &[StatutoryDay], name: &str) -> NaiveDate {
    let found = dates_named(days, name);
    assert_eq!(found.len(), 1, "{name}: {days:?}");
    found[0]
}

/// Days off of the State Council General Office's notices 2019–2026, as inclusive ranges
/// (shared/facts/cn-holidays.md; workflows/calendars/cn-mainland.json holds the same).
const OFFICIAL_DAYS_OFF: &[(i32, &[(&str, &str)])] = &[
    (
        2019,
        &[
            ("2018-12-30", "2019-01-01"),
            ("2019-02-04", "2019-02-10"),
            ("2019-04-05", "2019-04-05"),
            ("2019-05-01", "2019-05-04"),
            ("2019-06-07", "2019-06-07"),
            ("2019-09-13", "2019-09-13"),
            ("2019-10-01", "2019-10-07"),
        ],
    ),
    (
        2020,
        &[
            ("2020-01-01", "2020-01-01"),
            ("2020-01-24", "2020-02-02"),
            ("2020-04-04", "2020-04-06"),
            ("2020-05-01", "2020-05-05"),
            ("2020-06-25", "2020-06-27"),
            ("2020-10-01", "2020-10-08"),
        ],
    ),
    (
        2021,
        &[
            ("2021-01-01", "2021-01-03"),
            ("2021-02-11", "2021-02-17"),
            ("2021-04-03", "2021-04-05"),
            ("2021-05-01", "2021-05-05"),
            ("2021-06-12", "2021-06-14"),
            ("2021-09-19", "2021-09-21"),
            ("2021-10-01", "2021-10-07"),
        ],
    ),
    (
        2022,
        &[
            ("2022-01-01", "2022-01-03"),
            ("2022-01-31", "2022-02-06"),
            ("2022-04-03", "2022-04-05"),
            ("2022-04-30", "2022-05-04"),
            ("2022-06-03", "2022-06-05"),
            ("2022-09-10", "2022-09-12"),
            ("2022-10-01", "2022-10-07"),
        ],
    ),
    (
        2023,
        &[
            ("2022-12-31", "2023-01-02"),
            ("2023-01-21", "2023-01-27"),
            ("2023-04-05", "2023-04-05"),
            ("2023-04-29", "2023-05-03"),
            ("2023-06-22", "2023-06-24"),
            ("2023-09-29", "2023-10-06"),
        ],
    ),
    (
        2024,
        &[
            ("2024-01-01", "2024-01-01"),
            ("2024-02-10", "2024-02-17"),
            ("2024-04-04", "2024-04-06"),
            ("2024-05-01", "2024-05-05"),
            ("2024-06-10", "2024-06-10"),
            ("2024-09-15", "2024-09-17"),
            ("2024-10-01", "2024-10-07"),
        ],
    ),
    (
        2025,
        &[
            ("2025-01-01", "2025-01-01"),
            ("2025-01-28", "2025-02-04"),
            ("2025-04-04", "2025-04-06"),
            ("2025-05-01", "2025-05-05"),
            ("2025-05-31", "2025-06-02"),
            ("2025-10-01", "2025-10-08"),
        ],
    ),
    (
        2026,
        &[
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ],
    ),
];

fn officially_off(ranges: &[(&str, &str)], date: NaiveDate) -> bool {
    ranges
        .iter()
        .any(|(from, to)| d(from) <= date && date <= d(to))
}

#[test]
fn every_estimated_day_2019_2026_is_an_official_day_off() {
    for (year, ranges) in OFFICIAL_DAYS_OFF {
        let days = statutory_days_off(*year).unwrap();
        // Old rule 2019–2024: 11 statutory days (10 when 中秋 falls on 1–3 Oct, as in 2020);
        // new rule 2025–2026: 13.
        let expected = match year {
            2020 => 10,
            2019..=2024 => 11,
            _ => 13,
        };
        assert_eq!(days.len(), expected, "{year}: {days:?}");
        for day in &days {
            assert!(
                officially_off(ranges, day.date),
                "{year}: estimated {} {} is not a day off in the notice",
                day.date,
                day.name
            );
        }
    }
}

#[test]
fn near_miss_the_official_ranges_discriminate() {
    // The check above can fail: a new-rule 除夕 in 2024 (2024-02-09) or a 端午 one day late
    // (2024-06-11) is not a day off of 2024's notice, while the right days are.
    let ranges = OFFICIAL_DAYS_OFF
        .iter()
        .find(|(y, _)| *y == 2024)
        .unwrap()
        .1;
    assert!(!officially_off(ranges, d("2024-02-09")));
    assert!(!officially_off(ranges, d("2024-06-11")));
    assert!(officially_off(ranges, d("2024-02-10")));
    assert!(officially_off(ranges, d("2024-06-10")));
    assert_eq!(
        dates_named(&statutory_days_off(2024).unwrap(), "春节")[0],
        d("2024-02-10")
    );
}

#[test]
fn spring_festival_and_chuxi_dates_2019_2026() {
    let first_days = [
        (2019, "2019-02-05"),
        (2020, "2020-01-25"),
        (2021, "2021-02-12"),
        (2022, "2022-02-01"),
        (2023, "2023-01-22"),
        (2024, "2024-02-10"),
        (2025, "2025-01-29"),
        (2026, "2026-02-17"),
    ];
    for (year, chuyi) in first_days {
        let days = statutory_days_off(year).unwrap();
        let spring = dates_named(&days, "春节");
        let chuyi = d(chuyi);
        if year >= 2025 {
            // 除夕, 初一, 初二, 初三.
            let chuxi = chuyi - Duration::days(1);
            let want: Vec<_> = (0..4).map(|i| chuxi + Duration::days(i)).collect();
            assert_eq!(spring, want, "{year}");
        } else {
            let want: Vec<_> = (0..3).map(|i| chuyi + Duration::days(i)).collect();
            assert_eq!(spring, want, "{year}");
        }
    }
    assert_eq!(
        dates_named(&statutory_days_off(2025).unwrap(), "春节")[0],
        d("2025-01-28")
    );
    assert_eq!(
        dates_named(&statutory_days_off(2026).unwrap(), "春节")[0],
        d("2026-02-16")
    );
}

#[test]
fn labour_day_and_fixed_days_follow_the_rule_of_the_year() {
    let old = statutory_days_off(2024).unwrap();
    assert_eq!(dates_named(&old, "劳动节"), vec![d("2024-05-01")]);
    assert_eq!(dates_named(&old, "元旦"), vec![d("2024-01-01")]);
    assert_eq!(
        dates_named(&old, "国庆节"),
        vec![d("2024-10-01"), d("2024-10-02"), d("2024-10-03")]
    );
    let new = statutory_days_off(2025).unwrap();
    assert_eq!(
        dates_named(&new, "劳动节"),
        vec![d("2025-05-01"), d("2025-05-02")]
    );
    assert_eq!(one_named(&new, "清明节"), d("2025-04-04"));
    assert_eq!(one_named(&new, "端午节"), d("2025-05-31"));
    assert_eq!(one_named(&new, "中秋节"), d("2025-10-06"));
    assert!(new.iter().all(|x| !x.name_en.is_empty()));
}

/// Hong Kong Observatory, Gregorian–Lunar calendar conversion tables, 2027–2035, typed in by hand:
/// (year, 春节 = lunar 1/1, 清明, 端午 = lunar 5/5, 中秋 = lunar 8/15).
const HKO_2027_2035: &[(i32, &str, &str, &str, &str)] = &[
    (2027, "2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"),
    (2028, "2028-01-26", "2028-04-04", "2028-05-28", "2028-10-03"),
    (2029, "2029-02-13", "2029-04-04", "2029-06-16", "2029-09-22"),
    (2030, "2030-02-03", "2030-04-05", "2030-06-05", "2030-09-12"),
    (2031, "2031-01-23", "2031-04-05", "2031-06-24", "2031-10-01"),
    (2032, "2032-02-11", "2032-04-04", "2032-06-12", "2032-09-19"),
    (2033, "2033-01-31", "2033-04-04", "2033-06-01", "2033-09-08"),
    (2034, "2034-02-19", "2034-04-05", "2034-06-20", "2034-09-27"),
    (2035, "2035-02-08", "2035-04-05", "2035-06-10", "2035-09-16"),
];

#[test]
fn years_2027_2035_match_the_hong_kong_observatory_tables() {
    for &(year, chuyi, qingming, duanwu, zhongqiu) in HKO_2027_2035 {
        let days = statutory_days_off(year).unwrap();
        let chuyi = d(chuyi);
        let chuxi = chuyi - Duration::days(1);
        let want: Vec<_> = (0..4).map(|i| chuxi + Duration::days(i)).collect();
        assert_eq!(dates_named(&days, "春节"), want, "{year} 春节");
        assert_eq!(one_named(&days, "清明节"), d(qingming), "{year} 清明");
        assert_eq!(one_named(&days, "端午节"), d(duanwu), "{year} 端午");
        assert_eq!(one_named(&days, "中秋节"), d(zhongqiu), "{year} 中秋");
        assert_eq!(
            days.len(),
            if year == 2028 || year == 2031 { 12 } else { 13 }
        );
    }
}

/// The Gregorian date of lunar `month`/`day` of lunar year `year` per `chinese-lunisolar-calendar`.
fn table_lunar(year: i32, month: u8, day: u8) -> NaiveDate {
    let year =
        LunisolarYear::from_solar_year(SolarYear::from_u16(u16::try_from(year).unwrap())).unwrap();
    let month = LunarMonth::from_u8_with_leap(month, false).unwrap();
    let day = LunarDay::from_u8(day).unwrap();
    LunisolarDate::from_lunisolar_year_lunar_month_day(year, month, day)
        .unwrap()
        .to_naive_date()
}

/// Where the two sources disagree, and why (each is a new moon within minutes of midnight,
/// Beijing time): Tyme follows the calendars as actually issued before 1960 (the 寿星天文历
/// correction table of historical new moons) where the table follows a modern computation, and in
/// 2089 the new moon of 4 September falls about two minutes before midnight, closer than the
/// uncertainty of ΔT that far ahead.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    // (holiday, Tyme, table)
    ("中秋节", "1909-09-29", "1909-09-28"),
    ("中秋节", "1942-09-25", "1942-09-24"),
    ("春节", "1954-02-04", "1954-02-03"),
    ("中秋节", "2089-09-18", "2089-09-19"),
];

#[test]
fn lunar_dates_1901_2100_match_an_independent_table() {
    let mut disagreements = Vec::new();
    for year in FIRST_YEAR..=LAST_YEAR {
        let days = statutory_days_off(year).unwrap();
        let spring = dates_named(&days, "春节");
        let chuyi = if year >= 2025 {
            // 除夕 is the day before 初一.
            assert_eq!(spring[0] + Duration::days(1), spring[1], "{year}");
            spring[1]
        } else {
            spring[0]
        };
        let ours = [
            ("春节", chuyi, table_lunar(year, 1, 1)),
            (
                "端午节",
                one_named(&days, "端午节"),
                table_lunar(year, 5, 5),
            ),
            (
                "中秋节",
                one_named(&days, "中秋节"),
                table_lunar(year, 8, 15),
            ),
        ];
        for (name, tyme, table) in ours {
            if tyme != table {
                disagreements.push((name, tyme, table));
            }
        }
    }
    let known: Vec<_> = KNOWN_DISAGREEMENTS
        .iter()
        .map(|&(name, tyme, table)| (name, d(tyme), d(table)))
        .collect();
    // 600 dates compared; every one but these four agrees.
    assert_eq!(disagreements, known);
}

/// The instant (Julian Day, TT ≈ UT within the margin used) at which the Sun's apparent ecliptic
/// longitude reaches 15° (清明) in `year`, by Meeus' low-accuracy solar coordinates.
fn qingming_jd(year: i32) -> f64 {
    fn apparent_longitude(jd: f64) -> f64 {
        let t = (jd - 2_451_545.0) / 36_525.0;
        let l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t;
        let m = (357.52911 + 35999.05029 * t - 0.0001537 * t * t).to_radians();
        let c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * m.sin()
            + (0.019993 - 0.000101 * t) * (2.0 * m).sin()
            + 0.000289 * (3.0 * m).sin();
        let omega = (125.04 - 1934.136 * t).to_radians();
        (l0 + c - 0.00569 - 0.00478 * omega.sin()).rem_euclid(360.0)
    }
    // Start at 1 April 00:00 UT and step by Newton on the ~0.9856°/day motion.
    let days_since_2000 = NaiveDate::from_ymd_opt(year, 4, 1)
        .unwrap()
        .signed_duration_since(d("2000-01-01"))
        .num_days();
    let mut jd = 2_451_544.5 + days_since_2000 as f64;
    for _ in 0..20 {
        let diff = (15.0 - apparent_longitude(jd) + 180.0).rem_euclid(360.0) - 180.0;
        jd += diff / 0.985_647;
    }
    jd
}

#[test]
fn qingming_1901_2100_matches_an_independent_solar_longitude() {
    let mut compared = 0;
    for year in FIRST_YEAR..=LAST_YEAR {
        // Beijing time is UT+8; Julian Days begin at noon.
        let beijing = qingming_jd(year) + 8.0 / 24.0 + 0.5;
        let fraction = beijing.fract();
        // Within an hour of midnight the approximation (±0.01° ≈ 15 min, ΔT ignored: under
        // 4 min in this range) cannot decide the day; the other 95%+ of years are compared.
        if !(1.0 / 24.0..=23.0 / 24.0).contains(&fraction) {
            continue;
        }
        let date = d("2000-01-01") + Duration::days((beijing.floor() - 2_451_545.0) as i64);
        let days = statutory_days_off(year).unwrap();
        assert_eq!(one_named(&days, "清明节"), date, "{year} 清明");
        compared += 1;
    }
    assert!(compared >= 180, "only {compared} years compared");
}

#[test]
fn years_outside_the_range_are_none_without_panic() {
    assert_eq!(FIRST_YEAR, 1901);
    assert_eq!(LAST_YEAR, 2100);
    for year in [
        i32::MIN,
        i32::MIN + 1,
        -1,
        0,
        1,
        1900,
        2101,
        9999,
        10_000,
        262_143,
        262_144,
        i32::MAX - 1,
        i32::MAX,
    ] {
        assert!(statutory_days_off(year).is_none(), "{year}");
    }
    assert!(statutory_days_off(1901).is_some());
    assert!(statutory_days_off(2100).is_some());
    assert_eq!(statutory_days_off(1901).unwrap()[0].date.year(), 1901);
}
