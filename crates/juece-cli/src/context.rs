//! Turns the environment, the clock and global options into plain values for the commands.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use clap::{Args, ValueEnum};
use juece_core::builtin;
use juece_core::calendar::Calendar;
use juece_core::profile::Profile;
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::Store;

use crate::error::CliError;

#[derive(Args)]
pub struct GlobalArgs {
    /// Database file
    #[arg(
        long,
        global = true,
        env = "JUECE_DB",
        default_value = "juece.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,

    /// Extra holiday calendar: juece-calendar/1 or a holiday-cn year file (can be repeated)
    #[arg(long = "calendar", global = true, value_name = "FILE")]
    pub calendars: Vec<PathBuf>,

    /// Language of labels and messages
    #[arg(long, global = true, env = "JUECE_LANG", value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,

    /// Test hook: wait this long between checking a write and appending it, so that tests can
    /// make two processes race deterministically
    #[arg(
        long,
        global = true,
        env = "JUECE_TEST_WRITE_DELAY_MS",
        hide = true,
        value_name = "MS"
    )]
    pub test_write_delay_ms: Option<u64>,

    /// Test hook: the current time, RFC 3339. Compiled only into test builds (debug builds, or
    /// release builds made with `--features test-clock` for the performance harness and the
    /// guide): a release build for an office has no way to set its clock, so no event can be
    /// dated by anyone but the clock (procedure.md: `recorded_at` is never set by the user).
    #[cfg(any(debug_assertions, feature = "test-clock"))]
    #[arg(long, global = true, env = "JUECE_NOW", hide = true, value_parser = parse_now)]
    pub now: Option<DateTime<FixedOffset>>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[cfg(any(debug_assertions, feature = "test-clock"))]
fn parse_now(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
}

/// Parses `--as-of`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date like 2024-01-31"))
}

impl GlobalArgs {
    /// The current time: the clock in the local offset (in test builds, `--now`/`JUECE_NOW`
    /// when given).
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the clock and turns it into a value"
    )]
    pub fn now(&self) -> DateTime<FixedOffset> {
        #[cfg(any(debug_assertions, feature = "test-clock"))]
        if let Some(now) = self.now {
            return now;
        }
        chrono::Local::now().fixed_offset()
    }

    /// The language chosen.
    pub fn lang(&self) -> Lang {
        self.lang.into()
    }

    /// Today's date.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The shipped calendar, the calendars stored in the database (`juece calendar add`) and
    /// `--calendar` files. Opens the database to read them when it exists; a command that has it
    /// open already calls [`GlobalArgs::calendar_with`].
    pub fn calendar(&self) -> Result<Calendar, CliError> {
        if self.db.exists() {
            let store = self.store()?;
            return self.calendar_with(&store);
        }
        self.calendar_from(&[])
    }

    /// The shipped calendar, the calendars stored in `store` and `--calendar` files.
    pub fn calendar_with(&self, store: &Store) -> Result<Calendar, CliError> {
        self.calendar_from(&store.calendars()?)
    }

    fn calendar_from(&self, stored: &[juece_store::StoredCalendar]) -> Result<Calendar, CliError> {
        let mut c = builtin::calendar()?;
        for s in stored {
            c.add_json(&format!("{} (stored)", s.name), &s.text)?;
        }
        for path in &self.calendars {
            let text = read_text(path)?;
            c.add_json(&path.display().to_string(), &text)?;
        }
        Ok(c)
    }

    /// Opens the database.
    pub fn store(&self) -> Result<Store, CliError> {
        Ok(Store::open(&self.db)?)
    }

    /// The profiles stored in the database plus the shipped ones. A shipped `id@version` is
    /// authoritative (it can never be registered with other content); every other stored
    /// profile is audited under the exact text it was imported under.
    pub fn profiles(&self, store: &Store) -> Result<Profiles, CliError> {
        let mut profiles = Profiles::default();
        for (origin, text) in store.profile_texts()? {
            profiles.add(Profile::parse(&origin, &text)?);
        }
        for shipped in builtin::profiles()?.all() {
            profiles.add(shipped.clone());
        }
        Ok(profiles)
    }
}

/// The largest file `read_text` reads (an event, a profile, a calendar, a checkpoint: a few
/// kilobytes each).
pub const MAX_TEXT_FILE: u64 = 16 << 20;

/// Reads a UTF-8 file, or stdin for `-`, of at most `MAX_TEXT_FILE` bytes.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let name = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        format!("`{}`", path.display())
    };
    let cannot = |e: std::io::Error| CliError::bad_input(format!("cannot read {name}: {e}"));
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    } else {
        std::fs::File::open(path)
            .map_err(cannot)?
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    }
    if bytes.len() as u64 > MAX_TEXT_FILE {
        return Err(CliError::bad_input(format!(
            "{name} is larger than {} MiB, the limit for this kind of file",
            MAX_TEXT_FILE >> 20
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| CliError::bad_input(format!("cannot read {name}: not UTF-8 text ({e})")))
}
