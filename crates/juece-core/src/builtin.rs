//! The profiles, calendar and example cases shipped in `workflows/`, compiled in so the binary
//! works from any folder. The files stay the source: users read and copy them.

use crate::calendar::{Calendar, CalendarError};
use crate::profile::{Profile, ProfileError};
use crate::registry::Profiles;

/// `workflows/decree-713.json`.
pub const DECREE_713: &str = include_str!("../../../workflows/decree-713.json");
/// `workflows/local-strict.json`.
pub const LOCAL_STRICT: &str = include_str!("../../../workflows/local-strict.json");
/// `workflows/calendars/cn-mainland.json`.
pub const CN_CALENDAR: &str = include_str!("../../../workflows/calendars/cn-mainland.json");
/// `workflows/examples/cases.json`.
pub const EXAMPLE_CASES: &str = include_str!("../../../workflows/examples/cases.json");

/// The shipped profiles.
pub fn profiles() -> Result<Profiles, ProfileError> {
    let mut p = Profiles::default();
    p.add(Profile::parse("workflows/decree-713.json", DECREE_713)?);
    p.add(Profile::parse("workflows/local-strict.json", LOCAL_STRICT)?);
    Ok(p)
}

/// The shipped calendar (mainland China, 2019–2026).
pub fn calendar() -> Result<Calendar, CalendarError> {
    let mut c = Calendar::default();
    c.add_json("workflows/calendars/cn-mainland.json", CN_CALENDAR)?;
    Ok(c)
}
