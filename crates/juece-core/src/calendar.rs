//! The working-day calendar: official holidays and adjusted working weekends, as data.
//!
//! Working days are Monday–Friday, minus the official days off, plus the weekend days declared
//! working days (调休上班). A date in a year the calendar does not cover is an error, never a guess:
//! the State Council publishes each year's arrangement in November, and the user adds it as a file.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// A date outside the years the calendar covers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{date} is outside the working-day calendar, which covers {covered}")]
pub struct OutsideCalendarError {
    /// The date that could not be classified.
    pub date: NaiveDate,
    /// The covered years, e.g. `2019–2026`.
    pub covered: String,
}

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

/// Which days are working days, for the years it covers.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeSet<i32>,
    days_off: BTreeMap<NaiveDate, String>,
    working_weekends: BTreeSet<NaiveDate>,
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

    /// The years covered, as text such as `2019–2026`.
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

    fn ensure_covered(&self, date: NaiveDate) -> Result<(), OutsideCalendarError> {
        if self.years.contains(&date.year()) {
            Ok(())
        } else {
            Err(OutsideCalendarError {
                date,
                covered: self.covered(),
            })
        }
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, OutsideCalendarError> {
        self.ensure_covered(date)?;
        if self.working_weekends.contains(&date) {
            return Ok(true);
        }
        if self.days_off.contains_key(&date) {
            return Ok(false);
        }
        Ok(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The holiday name when `date` is an official day off.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.days_off.get(&date).map(String::as_str)
    }

    /// Counts the working days strictly after `from` and strictly before `to` (0 when `to <= from + 1`).
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, OutsideCalendarError> {
        self.ensure_covered(from)?;
        self.ensure_covered(to)?;
        let mut count = 0;
        let mut d = from.succ_opt();
        while let Some(day) = d {
            if day >= to {
                break;
            }
            if self.is_working_day(day)? {
                count += 1;
            }
            d = day.succ_opt();
        }
        Ok(count)
    }

    /// The `n`-th working day after `from` (`n` ≥ 1), or an error when it falls outside the calendar.
    pub fn add_working_days(
        &self,
        from: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, OutsideCalendarError> {
        self.ensure_covered(from)?;
        let mut left = n;
        let mut d = from;
        while left > 0 {
            d = d.succ_opt().ok_or(OutsideCalendarError {
                date: d,
                covered: self.covered(),
            })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }
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
        assert!(c.is_working_day(d("2023-04-12")).unwrap());
        assert!(!c.is_working_day(d("2023-04-15")).unwrap(), "Saturday");
        assert!(!c.is_working_day(d("2023-10-02")).unwrap(), "国庆节 Monday");
        assert!(c.is_working_day(d("2023-10-07")).unwrap(), "调休 Saturday");
        assert!(
            c.is_working_day(d("2026-02-28")).unwrap(),
            "调休 Saturday 2026"
        );
        assert_eq!(c.holiday_name(d("2026-02-17")), Some("春节"));
    }

    #[test]
    fn counts_strictly_between() {
        let c = shipped();
        // 2023-03-27 (Mon) .. 2023-04-05 (清明, Wed): 28,29,30,31, 3, 4 = 6 working days.
        assert_eq!(
            c.working_days_between(d("2023-03-27"), d("2023-04-05"))
                .unwrap(),
            6
        );
        assert_eq!(
            c.working_days_between(d("2023-03-27"), d("2023-03-28"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(d("2023-03-28"), d("2023-03-27"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.add_working_days(d("2023-03-27"), 7).unwrap(),
            d("2023-04-06")
        );
    }

    #[test]
    fn outside_years_is_an_error() {
        let c = shipped();
        let err = c.is_working_day(d("2027-01-04")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2027-01-04 is outside the working-day calendar, which covers 2019–2026"
        );
        assert!(c
            .working_days_between(d("2018-12-20"), d("2019-01-10"))
            .is_err());
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
        assert!(!c.is_working_day(d("2027-01-01")).unwrap());
        assert!(
            c.is_working_day(d("2027-02-07")).unwrap(),
            "adjusted Sunday"
        );
        assert!(c.is_working_day(d("2027-01-04")).unwrap());
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
