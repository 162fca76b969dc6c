use chrono::Duration;
use clap::Args;
use juece_core::evaluate::evaluate;
use juece_core::next::key_dates;
use juece_core::Lang;

use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::{emit, table};
use crate::CmdResult;

/// List what falls due soon across all cases (and what is already overdue), for the weekly check
#[derive(Args)]
pub struct DueArgs {
    /// How many days ahead to look
    #[arg(long, default_value_t = 14, value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    within: u32,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::commands::audit::Format::Table)]
    format: crate::commands::audit::Format,
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

pub fn run(global: &GlobalArgs, a: &DueArgs) -> CmdResult {
    let lang = global.lang();
    let zh = lang == Lang::Zh;
    let store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let today = global.today();
    let horizon = today
        .checked_add_signed(Duration::days(i64::from(a.within)))
        .unwrap_or(chrono::NaiveDate::MAX);
    let mut estimated = std::collections::BTreeSet::new();
    let mut items: Vec<Item> = Vec::new();
    // Every case, a chunk at a time, evaluated on two worker threads while the next chunk is
    // read: a province's histories are never in memory at once, only the dates that are due.
    // (Read in the order of the file, as the audit is: the items are sorted below.)
    a.reader.scope(&store)?.map_cases_gathered(
        &store,
        |stored| -> Result<Option<Vec<Item>>, crate::error::CliError> {
            let mut due = Vec::new();
            let profile = profiles.resolve(&stored.pinned())?;
            let as_of = juece_engine::view::live_as_of(&stored.case, today);
            let Some(eval) = evaluate(profile, &calendar, &stored.case, as_of) else {
                return Ok(None);
            };
            for d in key_dates(profile, &calendar, &stored.case, &eval) {
                let Some(date) = d.date else {
                    due.push((None, stored.case.header.case_ref.clone(), d));
                    continue;
                };
                // Deadlines stay listed once overdue; milestones only while ahead.
                if date <= horizon && (d.kind.is_deadline() || date >= today) {
                    due.push((Some(date), stored.case.header.case_ref.clone(), d));
                }
            }
            Ok((!due.is_empty()).then_some(due))
        },
        |due| {
            for (date, _, d) in due.iter().flatten() {
                if date.is_some() {
                    estimated.extend(&d.estimated);
                }
            }
            items.extend(due.into_iter().flatten());
            Ok(())
        },
    )?;
    items.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|(date, case_ref, d)| {
            let (when, left) = match date {
                Some(date) => {
                    let days = (*date - today).num_days();
                    let left = match (days, zh) {
                        (n, true) if n < 0 => format!("已逾期 {} 日", -n),
                        (0, true) => "今天".to_owned(),
                        (n, true) => format!("{n} 日后"),
                        (n, false) if n < 0 => format!("overdue by {} days", -n),
                        (0, false) => "today".to_owned(),
                        (n, false) => format!("in {n} days"),
                    };
                    (date.to_string(), left)
                }
                None => (
                    "?".to_owned(),
                    d.unknown_because.clone().unwrap_or_default(),
                ),
            };
            let what = match (d.estimated.is_empty(), zh) {
                (true, _) => d.kind.label(lang).to_owned(),
                (false, true) => format!("{}（估算）", d.kind.label(lang)),
                (false, false) => format!("{} (estimated)", d.kind.label(lang)),
            };
            vec![when, left, case_ref.clone(), what]
        })
        .collect();
    if !matches!(a.format, crate::commands::audit::Format::Table) {
        return emit_data(&items, today, a, lang);
    }
    let header: [&str; 4] = if zh {
        ["日期", "剩余", "案号", "事项"]
    } else {
        ["date", "when", "ref", "what"]
    };
    let mut s = if zh {
        format!("到期事项（{today} 起 {} 日内，含已逾期）\n\n", a.within)
    } else {
        format!(
            "Falling due within {} days of {today} (overdue included)\n\n",
            a.within
        )
    };
    if rows.is_empty() {
        s.push_str(if zh { "（无）\n" } else { "(none)\n" });
    } else {
        s.push_str(&table(&header, &rows));
    }
    if let Some(note) = crate::commands::case_show::estimated_note(&estimated, lang) {
        s.push('\n');
        s.push_str(&note);
        s.push('\n');
    }
    emit(&s)?;
    Ok(Exit::Ok)
}

type Item = (Option<chrono::NaiveDate>, String, juece_core::next::KeyDate);

/// `--format json` / `csv`: one record per date, with ids as well as labels.
fn emit_data(items: &[Item], today: chrono::NaiveDate, a: &DueArgs, lang: Lang) -> CmdResult {
    use crate::commands::audit::Format;
    let days = |d: &Option<chrono::NaiveDate>| d.map(|d| (d - today).num_days());
    match a.format {
        Format::Json => {
            let list: Vec<serde_json::Value> = items
                .iter()
                .map(|(date, r, d)| {
                    serde_json::json!({
                        "ref": r, "kind": d.kind.as_str(), "label": d.kind.label(lang),
                        "step": d.step.as_str(), "date": date.map(|x| x.to_string()),
                        "days_left": days(date), "unknown_because": d.unknown_because,
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "as_of": today.to_string(), "within_days": a.within, "due": list,
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            emit(&s)?;
        }
        _ => {
            let mut s = String::from(crate::out::BOM);
            s.push_str(&crate::out::csv_line(&[
                "date",
                "days_left",
                "ref",
                "kind",
                "label",
                "step",
                "unknown_because",
            ]));
            for (date, r, d) in items {
                s.push_str(&crate::out::csv_line(&[
                    &date.map(|x| x.to_string()).unwrap_or_default(),
                    &days(date).map(|n| n.to_string()).unwrap_or_default(),
                    r,
                    d.kind.as_str(),
                    d.kind.label(lang),
                    d.step.as_str(),
                    d.unknown_because.as_deref().unwrap_or(""),
                ]));
            }
            emit(&s)?;
        }
    }
    Ok(Exit::Ok)
}
