use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use juece_core::builtin;
use juece_core::calendar::Calendar;
use serde_json::{json, Value};

use crate::context::{read_text, GlobalArgs};
use crate::error::Exit;
use crate::out::{emit, table};
use crate::CmdResult;

/// Store and list the working-day calendars (official holidays and adjusted working weekends)
#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Store a calendar in the database (juece-calendar/1 or a holiday-cn year file); every
    /// command then uses it, chained as evidence like the events
    Add(AddArgs),
    /// List the years with official data (shipped and stored) and the years around today that
    /// are estimated from the statutory holidays until their notice is loaded
    List(ListArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The calendar file
    file: PathBuf,
}

#[derive(Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = CalendarFormat::Table)]
    format: CalendarFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CalendarFormat {
    Table,
    Json,
}

/// The years a calendar document covers (it has been checked to parse).
fn years_of(text: &str) -> Vec<i64> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    match v.get("years").and_then(Value::as_array) {
        Some(years) => years
            .iter()
            .filter_map(|y| y.get("year").and_then(Value::as_i64))
            .collect(),
        None => v.get("year").and_then(Value::as_i64).into_iter().collect(),
    }
}

pub fn run(global: &GlobalArgs, cmd: &CalendarCommand) -> CmdResult {
    let zh = global.lang() == juece_core::Lang::Zh;
    match cmd {
        CalendarCommand::Add(a) => {
            let text = read_text(&a.file)?;
            let name = a
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| a.file.display().to_string());
            // Checked exactly as every command will read it, before anything is written.
            let mut check = Calendar::default();
            check.add_json(&a.file.display().to_string(), &text)?;
            let mut store = global.store()?;
            // And together with what is there already, so that a stored calendar never breaks
            // every later command.
            let mut all = global.calendar_with(&store)?;
            all.add_json(&a.file.display().to_string(), &text)?;
            let added = store.add_calendar(&name, &text, &global.now().to_rfc3339())?;
            let years = years_of(&text)
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            emit(&match (added, zh) {
                (true, true) => format!("已存储日历 `{name}`（{years} 年），各命令将自动使用\n"),
                (true, false) => format!(
                    "stored calendar `{name}` ({years}); every command uses it from now on\n"
                ),
                (false, true) => format!("日历 `{name}` 已存储，内容相同\n"),
                (false, false) => format!("calendar `{name}` is already stored, identical\n"),
            })?;
            Ok(Exit::Ok)
        }
        CalendarCommand::List(a) => {
            let mut rows: Vec<(i64, String, String)> = years_of(builtin::CN_CALENDAR)
                .into_iter()
                .map(|y| {
                    (
                        y,
                        "official".to_owned(),
                        "workflows/calendars/cn-mainland.json (shipped)".to_owned(),
                    )
                })
                .collect();
            if global.location().exists() {
                let store = global.store()?;
                for c in store.calendars()? {
                    for y in years_of(&c.text) {
                        rows.push((
                            y,
                            "stored".to_owned(),
                            format!("{} ({})", c.name, c.added_at),
                        ));
                    }
                }
            }
            for path in &global.calendars {
                let text = read_text(path)?;
                for y in years_of(&text) {
                    rows.push((y, "file".to_owned(), path.display().to_string()));
                }
            }
            // The years around today that no notice covers: estimated (procedure.md v2) until
            // the State Council's notice is loaded with `juece calendar add`.
            let covered: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.0).collect();
            let this_year = i64::from(chrono::Datelike::year(&global.today()));
            for y in (this_year - 1)..=(this_year + 2) {
                if !covered.contains(&y) {
                    rows.push((
                        y,
                        "estimated".to_owned(),
                        if zh {
                            "按《全国年节及纪念日放假办法》的法定节假日估算，无调休；公布后请 juece calendar add".to_owned()
                        } else {
                            "estimated from the statutory holidays (no adjusted weekends); load the notice with juece calendar add".to_owned()
                        },
                    ));
                }
            }
            rows.sort();
            match a.format {
                CalendarFormat::Json => {
                    let list: Vec<Value> = rows
                        .iter()
                        .map(|(y, kind, from)| json!({"year": y, "source": kind, "from": from}))
                        .collect();
                    let mut text =
                        serde_json::to_string_pretty(&json!({ "years": list })).unwrap_or_default();
                    text.push('\n');
                    emit(&text)?;
                }
                CalendarFormat::Table => {
                    let header: [&str; 3] = if zh {
                        ["年份", "来源", "出处"]
                    } else {
                        ["year", "source", "from"]
                    };
                    // The JSON keeps the codes; the table says them in the reader's words.
                    let label = |kind: &str| -> String {
                        match (zh, kind) {
                            (true, "official") => "官方公布".into(),
                            (true, "stored") => "已存入数据库".into(),
                            (true, "file") => "--calendar 文件".into(),
                            (true, "estimated") => "估算".into(),
                            _ => kind.into(),
                        }
                    };
                    let rows: Vec<Vec<String>> = rows
                        .into_iter()
                        .map(|(y, kind, from)| {
                            let from = match zh {
                                true => from.replace(" (shipped)", "（随程序提供）"),
                                false => from,
                            };
                            vec![y.to_string(), label(&kind), from]
                        })
                        .collect();
                    let mut text = table(&header, &rows);
                    text.push_str(if zh {
                        "\n未列出的其他年份同样按法定节假日估算；依此得出的审计发现标注“估算”。\n"
                    } else {
                        "\nAny other year not listed is estimated the same way; findings that rest on it are marked \"estimated\".\n"
                    });
                    emit(&text)?;
                }
            }
            Ok(Exit::Ok)
        }
    }
}
