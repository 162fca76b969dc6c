//! TEMPORARY stand-in (fixed-date holidays only) until the lunar estimate lands.

use chrono::NaiveDate;

/// One estimated statutory day off.
pub struct StatutoryDay {
    /// The day.
    pub date: NaiveDate,
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
}

/// The statutory days off of `year`.
pub fn statutory_days_off(_year: i32) -> Option<Vec<StatutoryDay>> {
    None
}
