//! Turns the environment, the clock and global options into plain values for the commands.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use clap::{Args, ValueEnum};
use juece_core::builtin;
use juece_core::calendar::Calendar;
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::{Location, Store};

use crate::error::CliError;
use crate::t;

#[derive(Args)]
pub struct GlobalArgs {
    /// Database: an SQLite file, or a PostgreSQL URL (postgres://ROLE@HOST:PORT/DB)
    #[arg(
        long,
        global = true,
        env = "JUECE_DB",
        default_value = "juece.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,

    /// The PostgreSQL password when the `--db` URL carries none (libpq's variable, read here)
    #[arg(
        long = "pg-password",
        env = "PGPASSWORD",
        hide = true,
        hide_env_values = true
    )]
    pub pg_password: Option<String>,

    /// Whether `--db` or JUECE_DB named the database (not the default, nor the config file).
    #[arg(skip)]
    pub db_explicit: bool,

    /// Extra holiday calendar: juece-calendar/1 or a holiday-cn year file (can be repeated)
    #[arg(long = "calendar", global = true, value_name = "FILE")]
    pub calendars: Vec<PathBuf>,

    /// Language of labels and messages
    #[arg(long, global = true, env = "JUECE_LANG", value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,

    /// No progress line on long passes (import, audit, verify, export, report, backup)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

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
    parse_time(s)
}

/// A case reference given on the command line, as references are stored and compared (the
/// identifier rule of `juece_core::text`: trimmed, full-width ASCII folded, NFC, hidden
/// characters refused): `ＸＸ〔２０２４〕１号` finds `XX〔2024〕1号`.
#[derive(Clone, Copy)]
pub struct RefParser;

impl clap::builder::TypedValueParser for RefParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        // The error is ours alone: clap's own would echo the whole value (30 000 characters of
        // a reference pasted by mistake).
        let refuse = |m: String| {
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{m}\n"))
                .format(&mut cmd.clone())
        };
        let text = value.to_str().ok_or_else(|| {
            refuse(t!(
                "案号不是有效的 UTF-8 文本".to_owned(),
                "the case reference is not valid UTF-8 text".to_owned()
            ))
        })?;
        juece_core::text::identifier("case reference", text)
            .map_err(|m| refuse(t!(format!("案号有误：{m}"), m)))
    }
}

/// Parses a date as people type it: `2024-03-01`, `2024-3-1`, `2024/03/01`, `20240301`,
/// `2024年3月1日` (surrounding spaces ignored).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let cleaned = t.replace(['/', '.', '年', '月'], "-").replace('日', "");
    NaiveDate::parse_from_str(&cleaned, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&cleaned, "%Y%m%d"))
        .map_err(|_| {
            t!(
                format!("`{s}` 不是日期，应写作 2024-01-31"),
                format!("`{s}` is not a date like 2024-01-31")
            )
        })
}

/// The hour an event given only by its date is recorded at: the start of the office day.
pub const OFFICE_DAY_START: u32 = 9;

/// Parses a time as people type it. With an offset (RFC 3339, `2024-03-01T10:00:00+08:00`) it is
/// taken as it is; without one (`2024-03-01T10:00`, `2024-03-01 10:00[:00]`) it is a time in the
/// office zone (+08:00 unless the configuration file says otherwise); a date alone
/// (`2024-03-01`) means the start of the office day, 09:00 in the office zone.
pub fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = s.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(&t.replacen(' ', "T", 1)) {
        return Ok(at);
    }
    let zone = crate::i18n::zone();
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        parse_date(t)
            .ok()
            .and_then(|d| d.and_hms_opt(OFFICE_DAY_START, 0, 0))
    });
    match naive.and_then(|n| n.and_local_timezone(zone).single()) {
        Some(at) => Ok(at),
        None => Err(t!(
            format!("`{s}` 不是时间；可写作 2024-03-01（当日 09:00）、2024-03-01 10:00（办公时区 {zone}）或 2024-03-01T10:00:00+08:00"),
            format!("`{s}` is not a time; write 2024-03-01 (09:00 that day), 2024-03-01 10:00 (office zone {zone}) or 2024-03-01T10:00:00+08:00")
        )),
    }
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

    /// The time set by the test hook `--now` / `JUECE_NOW`, for a server to pass on.
    #[cfg(any(debug_assertions, feature = "test-clock"))]
    pub fn set_now(&self) -> Option<DateTime<FixedOffset>> {
        self.now
    }

    /// An office's release build has no test hook for the time: always `None`.
    #[cfg(not(any(debug_assertions, feature = "test-clock")))]
    pub fn set_now(&self) -> Option<DateTime<FixedOffset>> {
        None
    }

    /// The language chosen.
    pub fn lang(&self) -> Lang {
        // Chosen before parsing (`--lang`, JUECE_LANG, the configuration file), so that help,
        // argument errors and the commands agree; `self.lang` is the same choice as parsed.
        let _ = Lang::from(self.lang);
        crate::i18n::lang()
    }

    /// Today's date.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The shipped calendar, the calendars stored in the database (`juece calendar add`) and
    /// `--calendar` files. Opens the database to read them when it exists; a command that has it
    /// open already calls [`GlobalArgs::calendar_with`].
    pub fn calendar(&self) -> Result<Calendar, CliError> {
        if self.location().exists() {
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
        Ok(juece_engine::load_calendar(
            stored,
            &self.calendar_files()?,
        )?)
    }

    /// The `--calendar` files (and the configuration file's), read: `(origin, JSON text)`.
    pub fn calendar_files(&self) -> Result<Vec<(String, String)>, CliError> {
        self.calendars
            .iter()
            .map(|path| Ok((path.display().to_string(), read_text(path)?)))
            .collect()
    }

    /// Where the database is: `--db` read as a PostgreSQL URL or a file path.
    pub fn location(&self) -> Location {
        Location::parse(&self.db).with_password(self.pg_password.clone())
    }

    /// Opens the database (the one opener of every command and of `juece serve`).
    pub fn store(&self) -> Result<Store, CliError> {
        Ok(Store::open_location(&self.location())?)
    }

    /// Adds the configuration file's calendars to `--calendar`.
    pub fn apply_config(&mut self, config: &crate::config::Config) {
        for c in &config.calendars {
            if !self.calendars.contains(c) {
                self.calendars.insert(0, c.clone());
            }
        }
    }

    /// For commands that only read: the database must exist (opening would create it).
    pub fn require_db(&self) -> Result<(), CliError> {
        let location = self.location();
        if location.exists() {
            return Ok(());
        }
        let shown = location.shown();
        Err(CliError::bad_input(t!(
            format!("数据库文件 `{shown}` 不存在；本命令只读取数据库，不会新建，未写入任何内容"),
            format!("the database file `{shown}` does not exist; this command only reads, it creates no database and wrote nothing")
        ))
        .with_hint(t!(
            "新建数据库：`juece import 案卷.json`（导入案卷）、`juece case open 案号 …`（立项）或 `juece demo`（演示库 juece-demo.db）",
            "create one: `juece import CASES.json`, `juece case open REF …`, or `juece demo` (a demo database, juece-demo.db)"
        ))
        .with_hint(t!(
            "或指向已有数据库：`--db 路径`、环境变量 JUECE_DB，或配置文件中的 database（`juece config` 显示）",
            "or point to an existing one: `--db PATH`, the JUECE_DB variable, or `database` in the configuration file (see `juece config`)"
        )))
    }

    /// The profiles for commands that only show them: with no database, the shipped ones
    /// (and no database is created).
    pub fn profiles_read(&self) -> Result<Profiles, CliError> {
        if self.location().exists() {
            let store = self.store()?;
            self.profiles(&store)
        } else {
            Ok(builtin::profiles()?)
        }
    }

    /// The profiles stored in the database plus the shipped ones. A shipped `id@version` is
    /// authoritative (it can never be registered with other content); every other stored
    /// profile is audited under the exact text it was imported under.
    pub fn profiles(&self, store: &Store) -> Result<Profiles, CliError> {
        Ok(juece_engine::load_profiles(store)?)
    }
}

/// The largest file `read_text` reads (an event, a profile, a calendar, a checkpoint: a few
/// kilobytes each).
pub const MAX_TEXT_FILE: u64 = 16 << 20;

/// Reads a UTF-8 file, or stdin for `-`, of at most `MAX_TEXT_FILE` bytes: a byte-order mark
/// is dropped; an empty file or one that is not UTF-8 (a GBK file saved by an older editor) is
/// refused in plain words.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                CliError::bad_input(t!(
                    format!("无法读取标准输入：{}", crate::i18n::io_error(&e)),
                    format!("cannot read standard input: {e}")
                ))
            })?;
    } else {
        std::fs::File::open(path)
            .map_err(|e| read_error(path, &e))?
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(path, &e))?;
    }
    if bytes.len() as u64 > MAX_TEXT_FILE {
        return Err(CliError::bad_input(t!(
            format!(
                "`{}` 超过 {} MiB，超出此类文件的上限",
                path.display(),
                MAX_TEXT_FILE >> 20
            ),
            format!(
                "`{}` is larger than {} MiB, the limit for this kind of file",
                path.display(),
                MAX_TEXT_FILE >> 20
            )
        )));
    }
    let text = text_of(path, &bytes)?;
    Ok(text.to_owned())
}

/// The message for a file that cannot be read.
pub fn read_error(path: &Path, e: &std::io::Error) -> CliError {
    let shown = path.display();
    match e.kind() {
        std::io::ErrorKind::NotFound => CliError::bad_input(t!(
            format!("文件 `{shown}` 不存在"),
            format!("the file `{shown}` does not exist")
        )),
        _ => CliError::bad_input(t!(
            format!("无法读取文件 `{shown}`：{}", crate::i18n::io_error(e)),
            format!("cannot read `{shown}`: {e}")
        )),
    }
}

/// The text of a file's bytes: UTF-8 without its byte-order mark, or a plain refusal.
pub fn text_of<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, CliError> {
    let shown = if path == Path::new("-") {
        t!("标准输入", "standard input")
    } else {
        format!("`{}`", path.display())
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CliError::bad_input(t!(
            format!("{shown} 是空的，没有可读的内容"),
            format!("{shown} is empty: there is nothing to read")
        ))
        .with_hint(t!(
            "请检查文件是否保存完整；未写入任何内容",
            "check that the file was saved completely; nothing was written"
        )));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let gbk = looks_like_gbk(bytes);
        CliError::bad_input(if gbk {
            t!(
                format!("{shown} 不是 UTF-8 编码，看起来是 GBK（在第 {} 个字节处）", e.valid_up_to()),
                format!("{shown} is not UTF-8: it looks like GBK (at byte {})", e.valid_up_to())
            )
        } else {
            t!(
                format!("{shown} 不是 UTF-8 编码的文本（在第 {} 个字节处）", e.valid_up_to()),
                format!("{shown} is not UTF-8 text (at byte {})", e.valid_up_to())
            )
        })
        .with_hint(t!(
            "请另存为 UTF-8 编码（记事本：另存为 → 编码选 UTF-8；或 `iconv -f GBK -t UTF-8 原文件 > 新文件`）；未写入任何内容",
            "save it as UTF-8 (Notepad: Save as → Encoding UTF-8; or `iconv -f GBK -t UTF-8 OLD > NEW`); nothing was written"
        ))
    })
}

/// True when the bytes read as GBK double-byte characters (lead 0x81–0xFE, trail 0x40–0xFE).
fn looks_like_gbk(bytes: &[u8]) -> bool {
    let mut i = 0;
    let mut pairs = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
        } else if (0x81..=0xFE).contains(&b)
            && bytes
                .get(i + 1)
                .is_some_and(|t| (0x40..=0xFE).contains(t) && *t != 0x7F)
        {
            pairs += 1;
            i += 2;
        } else {
            return false;
        }
    }
    pairs > 0
}
