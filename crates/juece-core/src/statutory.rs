//! Estimated statutory days off, for a year no State Council holiday notice covers.
//!
//! The official calendar is data (one notice a year, see [`crate::calendar`]). For a year it does
//! not cover, working days are *estimated* (procedure.md): weekends off, plus the statutory
//! holidays of 《全国年节及纪念日放假办法》 for that year, with no adjusted working weekends and no
//! compensatory day when a holiday falls on a weekend. This module gives those statutory days:
//!
//! | holiday | from 2025 | before 2025 |
//! | --- | --- | --- |
//! | 元旦 New Year's Day | 1 Jan | 1 Jan |
//! | 春节 Spring Festival | 4 days from 除夕 (the last day of the 12th lunar month, 29th or 30th) | 3 days from 初一 (lunar 1/1) |
//! | 清明节 Qingming | the day of the 清明 solar term | the same |
//! | 劳动节 Labour Day | 1–2 May | 1 May |
//! | 端午节 Dragon Boat Festival | lunar 5/5 | the same |
//! | 中秋节 Mid-Autumn Festival | lunar 8/15 | the same |
//! | 国庆节 National Day | 1–3 Oct | 1–3 Oct |
//!
//! "Before 2025" is the rule procedure.md states: the 2014–2024 text of the 办法. The estimate
//! applies it to every earlier year alike, though the 2008–2013 text gave 春节 as 除夕–初二 and the
//! 1999–2007 text had 劳动节 1–3 May and no 清明, 端午 or 中秋.
//!
//! The lunar dates and the 清明 term come from [`tyme4rs`] (6tail's Tyme, MIT), chosen because one
//! small, pure crate (no I/O, clock or environment; its only dependencies are `regex` and
//! `lazy_static`) computes both the lunisolar calendar and the 24 solar terms, astronomically
//! (许剑伟's 寿星天文历 algorithms, Beijing time, from 1960; before 1960 as the calendars were
//! issued, from its table of their new moons). `chinese-lunisolar-calendar` (a table of
//! 1901–2100) has no solar terms, and `lunar_rust` is an older port of the same author's library;
//! the former is the tests' independent check, which agrees on all but four of the 600 lunar
//! dates 1901–2100, each a new moon within minutes of midnight (1909, 1942 and 1954 before 1960,
//! and 2089).

use chrono::{Datelike, Days, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// The first year [`statutory_days_off`] estimates.
pub const FIRST_YEAR: i32 = 1901;
/// The last year [`statutory_days_off`] estimates.
pub const LAST_YEAR: i32 = 2100;
/// The first year of the 2024 revision of the 办法 (除夕 and 2 May added).
pub const NEW_RULE_FROM: i32 = 2025;

/// One estimated statutory day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatutoryDay {
    /// The day.
    pub date: NaiveDate,
    /// The holiday's name in Chinese, as the notices write it, e.g. `春节`; a day on which two
    /// holidays fall (中秋 on 1–3 Oct) is one day named `国庆节、中秋节`.
    pub name: &'static str,
    /// The holiday's name in English, e.g. `Spring Festival`.
    pub name_en: &'static str,
}

const NEW_YEAR: (&str, &str) = ("元旦", "New Year's Day");
const SPRING: (&str, &str) = ("春节", "Spring Festival");
const QINGMING: (&str, &str) = ("清明节", "Qingming Festival");
const LABOUR: (&str, &str) = ("劳动节", "Labour Day");
const DRAGON_BOAT: (&str, &str) = ("端午节", "Dragon Boat Festival");
const MID_AUTUMN: (&str, &str) = ("中秋节", "Mid-Autumn Festival");
const NATIONAL: (&str, &str) = ("国庆节", "National Day");
const NATIONAL_AND_MID_AUTUMN: (&str, &str) =
    ("国庆节、中秋节", "National Day, Mid-Autumn Festival");

/// The statutory days off of `year`, in date order and each date once, or `None` when `year` is
/// outside [`FIRST_YEAR`]..=[`LAST_YEAR`] (1901..=2100, the years the lunar computation is checked
/// for). Never panics.
///
/// 除夕 of year Y's 春节 is the day before lunar new year of Y, so in January or February of Y.
pub fn statutory_days_off(year: i32) -> Option<Vec<StatutoryDay>> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return None;
    }
    let new_rule = year >= NEW_RULE_FROM;
    let mut days: Vec<StatutoryDay> = Vec::with_capacity(13);
    let mut add = |date: NaiveDate, (name, name_en): (&'static str, &'static str)| {
        days.push(StatutoryDay {
            date,
            name,
            name_en,
        });
    };

    add(NaiveDate::from_ymd_opt(year, 1, 1)?, NEW_YEAR);

    let new_year_day = lunar_date(year, 1, 1)?;
    let (spring_start, spring_len) = if new_rule {
        (new_year_day.checked_sub_days(Days::new(1))?, 4)
    } else {
        (new_year_day, 3)
    };
    for i in 0..spring_len {
        add(spring_start.checked_add_days(Days::new(i))?, SPRING);
    }

    add(qingming(year)?, QINGMING);

    add(NaiveDate::from_ymd_opt(year, 5, 1)?, LABOUR);
    if new_rule {
        add(NaiveDate::from_ymd_opt(year, 5, 2)?, LABOUR);
    }

    add(lunar_date(year, 5, 5)?, DRAGON_BOAT);

    let mid_autumn = lunar_date(year, 8, 15)?;
    let mut mid_autumn_merged = false;
    for day in 1..=3 {
        let date = NaiveDate::from_ymd_opt(year, 10, day)?;
        if date == mid_autumn {
            mid_autumn_merged = true;
            add(date, NATIONAL_AND_MID_AUTUMN);
        } else {
            add(date, NATIONAL);
        }
    }
    if !mid_autumn_merged {
        add(mid_autumn, MID_AUTUMN);
    }

    days.sort_by_key(|d| d.date);
    Some(days)
}

/// The Gregorian date of a (non-leap) lunar `month`/`day` of lunar year `year`.
fn lunar_date(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    let lunar = LunarDay::new(isize::try_from(year).ok()?, month, day).ok()?;
    naive(lunar.get_solar_day())
}

/// The day (Beijing time) of the 清明 solar term in `year`.
fn qingming(year: i32) -> Option<NaiveDate> {
    // Tyme numbers a year's terms from the 冬至 of the December before: 清明 is the 8th (index 7).
    const QINGMING_INDEX: isize = 7;
    let term = SolarTerm::from_index(isize::try_from(year).ok()?, QINGMING_INDEX);
    let date = naive(term.get_solar_day())?;
    // A guard against a change in Tyme's numbering: 清明 always falls on 4–6 April.
    (date.year() == year && date.month() == 4).then_some(date)
}

fn naive(day: SolarDay) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(day.get_year()).ok()?,
        u32::try_from(day.get_month()).ok()?,
        u32::try_from(day.get_day()).ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn old_and_new_rule_day_counts() {
        // 11 days before 2025 (1+3+1+1+1+1+3), 13 from 2025 (1+4+1+2+1+1+3), less one when 中秋
        // falls on 1–3 Oct (2020-10-01, 2028-10-03).
        assert_eq!(statutory_days_off(2024).unwrap().len(), 11);
        assert_eq!(statutory_days_off(2020).unwrap().len(), 10);
        assert_eq!(statutory_days_off(2025).unwrap().len(), 13);
        assert_eq!(statutory_days_off(2028).unwrap().len(), 12);
    }

    #[test]
    fn mid_autumn_on_national_day_is_one_day_with_both_names() {
        let days = statutory_days_off(2020).unwrap();
        let oct1: Vec<_> = days.iter().filter(|x| x.date == d("2020-10-01")).collect();
        assert_eq!(oct1.len(), 1);
        assert_eq!(oct1[0].name, "国庆节、中秋节");
        assert!(!days.iter().any(|x| x.name == "中秋节"));
        // 2025: 中秋 on 6 Oct stays its own day.
        let days = statutory_days_off(2025).unwrap();
        assert!(days
            .iter()
            .any(|x| x.date == d("2025-10-06") && x.name == "中秋节"));
    }

    #[test]
    fn sorted_and_distinct() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let days = statutory_days_off(year).unwrap();
            assert!(
                days.windows(2).all(|w| w[0].date < w[1].date),
                "{year}: {days:?}"
            );
            assert!(days.iter().all(|x| x.date.year() == year), "{year}");
        }
    }
}
