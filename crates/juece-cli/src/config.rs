//! The configuration file: `./juece.toml`, else `$XDG_CONFIG_HOME/juece/config.toml`
//! (`~/.config/juece/config.toml`). Flat TOML keys, all optional:
//!
//! ```toml
//! database = "/srv/juece/juece.db"   # like --db / JUECE_DB
//! calendar = ["holidays-2027.json"]  # like --calendar (a string or a list of strings)
//! user = "王敏"                       # like --as / JUECE_USER
//! language = "zh"                    # zh or en, like --lang / JUECE_LANG
//! zone = "+08:00"                    # the office zone for times typed without an offset
//! ```
//!
//! A command-line option wins over an environment variable, which wins over the file.
//! Paths in the file are relative to the file's folder.

use std::path::{Path, PathBuf};

use chrono::FixedOffset;

/// The settings read from the configuration file.
#[derive(Default, Debug, Clone)]
pub struct Config {
    /// Where the file was found.
    pub path: Option<PathBuf>,
    pub database: Option<PathBuf>,
    pub calendars: Vec<PathBuf>,
    pub user: Option<String>,
    pub language: Option<String>,
    pub zone: Option<FixedOffset>,
    /// Lines that could not be read: reported by `juece config`, and warned of by every other
    /// command (a mistyped key would otherwise be ignored without a word).
    pub problems: Vec<Problem>,
}

/// A line of the configuration file that was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not `key = "value"` or `key = ["a", "b"]`.
    Unreadable { line: usize, text: String },
    /// A key the file does not have.
    UnknownKey { line: usize, key: String },
    /// A zone that is not an offset such as `+08:00`.
    BadZone { line: usize, value: String },
}

impl Problem {
    /// What is wrong with the line, in the language of this run.
    pub fn text(&self) -> String {
        match self {
            Problem::Unreadable { line, text } => crate::t!(
                format!("第 {line} 行 `{text}` 不是 键 = \"值\" 的形式（值要加引号）"),
                format!("line {line}: `{text}` is not key = \"value\" (values are quoted)")
            ),
            Problem::UnknownKey { line, key } => crate::t!(
                format!("第 {line} 行：没有设置项 `{key}`（可用：database、calendar、user、language、zone）"),
                format!("line {line}: unknown key `{key}` (known: database, calendar, user, language, zone)")
            ),
            Problem::BadZone { line, value } => crate::t!(
                format!("第 {line} 行：时区 `{value}` 无效（应写作 \"+08:00\"）"),
                format!("line {line}: zone `{value}` is not valid (e.g. \"+08:00\")")
            ),
        }
    }
}

/// The places looked at, in order.
pub fn candidates() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from("juece.toml")];
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        v.push(PathBuf::from(x).join("juece").join("config.toml"));
    } else if let Some(home) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        v.push(
            PathBuf::from(home)
                .join(".config")
                .join("juece")
                .join("config.toml"),
        );
    }
    v
}

/// Reads the first configuration file found; none found is an empty configuration.
pub fn load() -> Config {
    for path in candidates() {
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let mut c = parse(text, path.parent().unwrap_or(Path::new(".")));
            c.path = Some(path);
            return c;
        }
    }
    Config::default()
}

/// Parses an office zone: `+08:00`, `+0800`, `+8`, `UTC+8`, `Z`, `Asia/Shanghai` (China's zone).
pub fn parse_zone(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    match s {
        "Z" | "UTC" | "utc" => return FixedOffset::east_opt(0),
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC" => {
            return FixedOffset::east_opt(8 * 3600)
        }
        _ => {}
    }
    let s = s
        .strip_prefix("UTC")
        .or_else(|| s.strip_prefix("GMT"))
        .unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if rest.len() == 4 => (rest.get(..2)?.parse().ok()?, rest.get(2..)?.parse().ok()?),
        None => (rest.parse().ok()?, 0),
    };
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn unquote(v: &str) -> Option<String> {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        let inner = &v[1..v.len() - 1];
        if v.starts_with('"') {
            return Some(
                inner
                    .replace("\\\\", "\u{0}")
                    .replace("\\\"", "\"")
                    .replace('\u{0}', "\\"),
            );
        }
        return Some(inner.to_owned());
    }
    None
}

fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return &line[..i],
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// Parses the flat subset of TOML the file uses (string values, a list of strings).
pub fn parse(text: &str, base: &Path) -> Config {
    let mut c = Config::default();
    let resolve = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            base.join(p)
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() || line.starts_with('[') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            c.problems.push(Problem::Unreadable {
                line: n + 1,
                text: raw.trim().to_owned(),
            });
            continue;
        };
        let key = key.trim().trim_matches('"');
        let value = value.trim();
        let strings: Option<Vec<String>> = if value.starts_with('[') && value.ends_with(']') {
            value[1..value.len() - 1]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(unquote)
                .collect()
        } else {
            unquote(value).map(|s| vec![s])
        };
        let Some(strings) = strings else {
            c.problems.push(Problem::Unreadable {
                line: n + 1,
                text: raw.trim().to_owned(),
            });
            continue;
        };
        let first = strings.first().cloned().unwrap_or_default();
        match key {
            "database" | "db" => c.database = Some(resolve(first)),
            "calendar" | "calendars" => {
                c.calendars = strings.into_iter().map(resolve).collect();
            }
            "user" | "as" => c.user = Some(first),
            "language" | "lang" => c.language = Some(first),
            "zone" | "timezone" => match parse_zone(&first) {
                Some(z) => c.zone = Some(z),
                None => c.problems.push(Problem::BadZone {
                    line: n + 1,
                    value: first,
                }),
            },
            other => c.problems.push(Problem::UnknownKey {
                line: n + 1,
                key: other.to_owned(),
            }),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_keys() {
        let c = parse(
            "# office\ndatabase = \"data/j.db\"\ncalendar = [\"a.json\", 'b.json']\nuser = \"王敏\"\nlanguage = \"en\"\nzone = \"+09:00\"\nbogus = 1\n",
            Path::new("/etc"),
        );
        assert_eq!(c.database, Some(PathBuf::from("/etc/data/j.db")));
        assert_eq!(c.calendars.len(), 2);
        assert_eq!(c.user.as_deref(), Some("王敏"));
        assert_eq!(c.language.as_deref(), Some("en"));
        assert_eq!(c.zone, FixedOffset::east_opt(9 * 3600));
        assert_eq!(c.problems.len(), 1);
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("+0800"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_zone("UTC+8"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_zone("-05:30"), FixedOffset::west_opt(5 * 3600 + 1800));
        assert_eq!(parse_zone("8"), None);
        assert_eq!(parse_zone("+25:00"), None);
    }
}
