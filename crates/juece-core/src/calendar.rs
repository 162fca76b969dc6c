//! The working-day calendar: official holidays and adjusted working weekends, as data, and an
//! estimate for the years no official notice covers.
//!
//! Working days are Monday–Friday, minus the official days off, plus the weekend days declared
//! working days (调休上班). The State Council publishes each year's arrangement in November, and
//! the user adds it as a file (`juece calendar add`). Until then, a day of an uncovered year is
//! *estimated* (procedure.md, "Deadlines are dates"): weekends off, plus the statutory holidays of
//! 《全国年节及纪念日放假办法》 for that year ([`crate::statutory`]), no adjusted weekends. The
//! calendar never fails: every count says which years it estimated, so a finding can be marked
//! `"estimated": true` and become exact once the notice is loaded.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// A calendar file that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The text is not a calendar in either accepted shape.
    #[error("calendar `{origin}` is not valid: {message}")]
    Invalid {
        /// File name or other origin of the text.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Which days are working days: official for the years its notices cover (and the days they
/// name), estimated for every other day.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeSet<i32>,
    days_off: BTreeMap<NaiveDate, String>,
    working_weekends: BTreeSet<NaiveDate>,
}

/// A count of working days, or a date computed from one, with the years it had to estimate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counted<T> {
    /// The count or date.
    pub value: T,
    /// The years of the days that were estimated (no official notice loaded); empty when exact.
    pub estimated: BTreeSet<i32>,
}

impl<T> Counted<T> {
    /// Whether any day behind the value was estimated.
    pub fn is_estimated(&self) -> bool {
        !self.estimated.is_empty()
    }
}

/// Estimated statutory days off per year, computed once per year for the whole process (the
/// lunar computation is the slow part, and the answer never changes).
fn estimated_days_off(year: i32) -> Arc<BTreeMap<NaiveDate, &'static str>> {
    type Cache = RwLock<HashMap<i32, Arc<BTreeMap<NaiveDate, &'static str>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    if let Ok(read) = cache.read() {
        if let Some(days) = read.get(&year) {
            return Arc::clone(days);
        }
    }
    let days: BTreeMap<NaiveDate, &'static str> = match crate::statutory::statutory_days_off(year) {
        Some(days) => days.into_iter().map(|d| (d.date, d.name)).collect(),
        None => fixed_date_holidays(year),
    };
    let days = Arc::new(days);
    if let Ok(mut write) = cache.write() {
        // Years far outside any real case's dates are not worth keeping without bound.
        if write.len() < 4096 {
            write.insert(year, Arc::clone(&days));
        }
    }
    days
}

/// The holidays on fixed Gregorian dates, for a year the lunar computation does not reach.
fn fixed_date_holidays(year: i32) -> BTreeMap<NaiveDate, &'static str> {
    let mut out = BTreeMap::new();
    let mut put = |m: u32, d: u32, name: &'static str| {
        if let Some(date) = NaiveDate::from_ymd_opt(year, m, d) {
            out.insert(date, name);
        }
    };
    put(1, 1, "元旦");
    put(5, 1, "劳动节");
    if year >= 2025 {
        put(5, 2, "劳动节");
    }
    for d in 1..=3 {
        put(10, d, "国庆节");
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JueceCalendarFile {
    format: String,
    #[serde(default)]
    #[expect(dead_code, reason = "descriptive field of the file format")]
    name: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "descriptive field of the file format")]
    source: Option<String>,
    years: Vec<JueceCalendarYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JueceCalendarYear {
    year: i32,
    days_off: Vec<DayRange>,
    working_weekends: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayRange {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

/// The per-year shape of the open "holiday-cn" data set.
#[derive(Deserialize)]
struct HolidayCnFile {
    year: i32,
    days: Vec<HolidayCnDay>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HolidayCnDay {
    name: String,
    date: NaiveDate,
    is_off_day: bool,
}

/// The longest holiday range a calendar file may hold, in days.
pub const MAX_RANGE_DAYS: i64 = 31;
/// The years a calendar file may cover.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn check_year(year: i32) -> Result<(), String> {
    if CALENDAR_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "year {year} is outside {}–{}, the years a calendar may cover",
            CALENDAR_YEARS.start(),
            CALENDAR_YEARS.end()
        ))
    }
}

/// The calendar format this version writes and reads.
pub const CALENDAR_FORMAT: &str = "juece-calendar/1";

impl Calendar {
    /// Adds the contents of a calendar file: either `juece-calendar/1` or one year of holiday-cn.
    /// A year given again replaces nothing: its days are added to what is there.
    pub fn add_json(&mut self, origin: &str, text: &str) -> Result<(), CalendarError> {
        let invalid = |message: String| CalendarError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let value: serde_json::Value =
            crate::json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if value.get("format").is_some() {
            let file: JueceCalendarFile =
                serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
            if file.format != CALENDAR_FORMAT {
                return Err(invalid(format!(
                    "unsupported format `{}`, expected `{CALENDAR_FORMAT}`",
                    file.format
                )));
            }
            for year in file.years {
                check_year(year.year).map_err(&invalid)?;
                self.years.insert(year.year);
                for range in year.days_off {
                    if range.to < range.from {
                        return Err(invalid(format!(
                            "{}: `to` {} is before `from` {}",
                            range.name, range.to, range.from
                        )));
                    }
                    let span = (range.to - range.from).num_days() + 1;
                    if span > MAX_RANGE_DAYS {
                        return Err(invalid(format!(
                            "{}: {} to {} spans {span} days; a holiday range is at most {MAX_RANGE_DAYS} days",
                            range.name, range.from, range.to
                        )));
                    }
                    check_year(range.from.year()).map_err(&invalid)?;
                    let mut d = range.from;
                    while d <= range.to {
                        self.days_off.insert(d, range.name.clone());
                        d = d
                            .succ_opt()
                            .ok_or_else(|| invalid("date overflow".into()))?;
                    }
                }
                self.working_weekends.extend(year.working_weekends);
            }
        } else if value.get("days").is_some() {
            let file: HolidayCnFile = serde_json::from_value(value)
                .map_err(|e| invalid(format!("holiday-cn shape: {e}")))?;
            check_year(file.year).map_err(&invalid)?;
            self.years.insert(file.year);
            for day in file.days {
                if day.is_off_day {
                    self.days_off.insert(day.date, day.name);
                } else {
                    self.working_weekends.insert(day.date);
                }
            }
        } else {
            return Err(invalid(format!(
                "expected a `{CALENDAR_FORMAT}` document or a holiday-cn year file (`year`, `days`)"
            )));
        }
        Ok(())
    }

    /// The years an official notice covers, as text such as `2019–2026`.
    pub fn covered(&self) -> String {
        match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) if (b - a) as usize + 1 == self.years.len() => format!("{a}–{b}"),
            (Some(_), Some(_)) => self
                .years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            _ => "no years".to_owned(),
        }
    }

    /// The years an official notice covers.
    pub fn official_years(&self) -> &BTreeSet<i32> {
        &self.years
    }

    /// Whether `date` is classified by estimate: not named by any loaded notice, in a year no
    /// notice covers.
    pub fn is_estimated(&self, date: NaiveDate) -> bool {
        !self.years.contains(&date.year())
            && !self.working_weekends.contains(&date)
            && !self.days_off.contains_key(&date)
    }

    /// Whether `date` is a working day (officially where a notice covers it, else estimated).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.working_weekends.contains(&date) {
            return true;
        }
        if self.days_off.contains_key(&date) {
            return false;
        }
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        if self.years.contains(&date.year()) {
            return true;
        }
        !estimated_days_off(date.year()).contains_key(&date)
    }

    /// The holiday name when `date` is a day off: official, else estimated.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<String> {
        if let Some(name) = self.days_off.get(&date) {
            return Some(name.clone());
        }
        if self.is_estimated(date) {
            return estimated_days_off(date.year())
                .get(&date)
                .map(|n| (*n).to_owned());
        }
        None
    }

    fn note(&self, date: NaiveDate, estimated: &mut BTreeSet<i32>) {
        if self.is_estimated(date) {
            estimated.insert(date.year());
        }
    }

    /// Counts the working days strictly after `from` and strictly before `to` (0 when `to <= from + 1`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Counted<u32> {
        self.working_days_between_capped(from, to, u32::MAX)
    }

    /// Like [`Calendar::working_days_between`], but stops counting at `cap`: a rule that only
    /// asks "fewer than N?" never walks a span of centuries that a hostile file may give it.
    pub fn working_days_between_capped(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        cap: u32,
    ) -> Counted<u32> {
        let mut out = Counted::default();
        let mut d = from.succ_opt();
        while let Some(day) = d {
            if day >= to || out.value >= cap {
                break;
            }
            self.note(day, &mut out.estimated);
            if self.is_working_day(day) {
                out.value += 1;
            }
            d = day.succ_opt();
        }
        out
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0): a deadline is a date,
    /// computed from its start. `None` only past the last date chrono can represent.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<Counted<NaiveDate>> {
        let mut estimated = BTreeSet::new();
        let mut left = n;
        let mut d = from;
        while left > 0 {
            d = d.succ_opt()?;
            self.note(d, &mut estimated);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Some(Counted {
            value: d,
            estimated,
        })
    }
}

/// The estimated years in a message: `2027` or `2027、2028` (zh), `2027, 2028` (en).
pub fn years_text(years: &BTreeSet<i32>, lang: crate::Lang) -> String {
    let sep = if lang == crate::Lang::Zh { "、" } else { ", " };
    years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn shipped() -> Calendar {
        let mut c = Calendar::default();
        c.add_json(
            "cn-mainland.json",
            include_str!("../../../workflows/calendars/cn-mainland.json"),
        )
        .unwrap();
        c
    }

    #[test]
    fn weekdays_holidays_and_adjusted_weekends() {
        let c = shipped();
        assert!(c.is_working_day(d("2023-04-12")));
        assert!(!c.is_working_day(d("2023-04-15")), "Saturday");
        assert!(!c.is_working_day(d("2023-10-02")), "国庆节 Monday");
        assert!(c.is_working_day(d("2023-10-07")), "调休 Saturday");
        assert!(c.is_working_day(d("2026-02-28")), "调休 Saturday 2026");
        assert_eq!(c.holiday_name(d("2026-02-17")).as_deref(), Some("春节"));
        assert!(!c.is_estimated(d("2026-02-17")));
    }

    #[test]
    fn counts_strictly_between() {
        let c = shipped();
        // 2023-03-27 (Mon) .. 2023-04-05 (清明, Wed): 28,29,30,31, 3, 4 = 6 working days.
        let n = c.working_days_between(d("2023-03-27"), d("2023-04-05"));
        assert_eq!(n.value, 6);
        assert!(!n.is_estimated());
        assert_eq!(
            c.working_days_between(d("2023-03-27"), d("2023-03-28"))
                .value,
            0
        );
        assert_eq!(
            c.working_days_between(d("2023-03-28"), d("2023-03-27"))
                .value,
            0
        );
        let deadline = c.add_working_days(d("2023-03-27"), 7).unwrap();
        assert_eq!(deadline.value, d("2023-04-06"));
        assert!(deadline.estimated.is_empty());
        assert_eq!(
            c.working_days_between_capped(d("2023-01-01"), d("2023-12-31"), 7)
                .value,
            7,
            "the capped count stops at the cap"
        );
    }

    #[test]
    fn an_uncovered_year_is_estimated_never_an_error() {
        let c = shipped();
        // 2027-01-01 (Fri) is 元旦 by statute; 2027-01-04 (Mon) a working day; weekends off.
        assert!(c.is_estimated(d("2027-01-04")));
        assert!(c.is_working_day(d("2027-01-04")));
        assert!(!c.is_working_day(d("2027-01-01")));
        assert!(!c.is_working_day(d("2027-01-02")), "Saturday");
        assert!(!c.is_working_day(d("2027-10-01")), "国庆节");
        // A count that crosses into 2027 names the year.
        let n = c.working_days_between(d("2026-12-28"), d("2027-01-06"));
        assert_eq!(n.value, 5, "12-29, 30, 31, 2027-01-04, 05");
        assert_eq!(n.estimated.iter().copied().collect::<Vec<_>>(), vec![2027]);
        // A day a loaded notice names is official whatever its year (the 2019 notice names
        // 2018-12-29 as an adjusted working Saturday and 2018-12-30..31 as days off).
        assert!(!c.is_estimated(d("2018-12-29")));
        assert!(c.is_working_day(d("2018-12-29")));
        assert!(!c.is_working_day(d("2018-12-31")));
        assert!(c.is_estimated(d("2018-12-28")));
        // Years far away still answer.
        assert!(c.is_working_day(d("2200-01-02")) || !c.is_working_day(d("2200-01-02")));
        assert!(c.add_working_days(d("2040-06-01"), 20).is_some());
        assert!(c.add_working_days(NaiveDate::MAX, 1).is_none());
    }

    #[test]
    fn accepts_holiday_cn_year_files() {
        let mut c = shipped();
        c.add_json(
            "2027.json",
            r#"{"year": 2027, "papers": [], "days": [
                {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
                {"name": "春节", "date": "2027-02-07", "isOffDay": false}]}"#,
        )
        .unwrap();
        assert!(!c.is_working_day(d("2027-01-01")));
        assert!(c.is_working_day(d("2027-02-07")), "adjusted Sunday");
        assert!(c.is_working_day(d("2027-01-04")));
        assert!(!c.is_estimated(d("2027-01-04")), "2027 is official now");
        assert_eq!(c.covered(), "2019–2027");
    }

    #[test]
    fn rejects_other_shapes() {
        let mut c = Calendar::default();
        let err = c.add_json("x.json", r#"{"holidays": []}"#).unwrap_err();
        assert!(err
            .to_string()
            .contains("expected a `juece-calendar/1` document"));
    }
}
