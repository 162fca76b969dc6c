use clap::{Args, ValueEnum};
use juece_core::evaluate::Evaluation;
use juece_core::finding::article_in;
use juece_core::ids::Attribute;
use juece_core::next::{KeyDate, NextAction};
use juece_core::Lang;
use juece_engine::view::{case_json, case_view, summary, CaseView};
use juece_store::StoredCase;

use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::{emit, table};
use crate::CmdResult;

#[derive(Args)]
pub struct ShowArgs {
    /// The case reference
    case_ref: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    format: ShowFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

pub fn run(global: &GlobalArgs, a: &ShowArgs) -> CmdResult {
    let lang = global.lang();
    let store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let view = case_view(&store, &profiles, &calendar, &a.case_ref, global.now())?;
    let CaseView {
        stored,
        eval,
        dates,
        next,
        as_of,
    } = &view;
    let text = match a.format {
        ShowFormat::Json => case_json(&view, lang),
        ShowFormat::Table => render_text(stored, eval, dates, next, *as_of, lang),
    };
    emit(&text)?;
    Ok(Exit::Ok)
}

fn attributes(stored: &StoredCase, lang: Lang) -> Vec<String> {
    Attribute::ALL
        .iter()
        .filter(|a| stored.case.header.attributes.get(**a))
        .map(|a| format!("{} ({})", a.label(lang), a.as_str()))
        .collect()
}

fn render_text(
    stored: &StoredCase,
    eval: &Evaluation,
    dates: &[KeyDate],
    next: &[NextAction],
    as_of: chrono::NaiveDate,
    lang: Lang,
) -> String {
    let zh = lang == Lang::Zh;
    let h = &stored.case.header;
    let mut s = String::new();
    let attrs = attributes(stored, lang);
    let facts: Vec<(&str, String)> = vec![
        (if zh { "案号" } else { "ref" }, h.case_ref.clone()),
        (if zh { "标题" } else { "title" }, h.title.clone()),
        (if zh { "决策机关" } else { "organ" }, h.organ.clone()),
        (
            if zh {
                "承办单位"
            } else {
                "undertaking unit"
            },
            h.undertaking_unit.clone(),
        ),
        (
            if zh { "类别" } else { "category" },
            h.category.label(lang).to_owned(),
        ),
        (if zh { "流程" } else { "workflow" }, stored.pinned()),
        (
            if zh { "属性" } else { "attributes" },
            if attrs.is_empty() {
                "—".into()
            } else {
                attrs.join(", ")
            },
        ),
        (
            if zh { "状态" } else { "status" },
            format!("{} ({})", eval.status.label(lang), eval.status.as_str()),
        ),
        (
            if zh { "现行草案" } else { "current draft" },
            eval.current_draft.clone().unwrap_or_else(|| "—".into()),
        ),
    ];
    for (k, v) in facts {
        s.push_str(&format!("{k}: {v}\n"));
    }

    s.push_str(if zh { "\n时间线\n" } else { "\nTimeline\n" });
    let rows: Vec<Vec<String>> = stored
        .case
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                i.to_string(),
                e.at.format("%Y-%m-%d %H:%M").to_string(),
                e.actor.clone(),
                e.role.label(lang).to_owned(),
                summary(e, lang),
            ]
        })
        .collect();
    let header: [&str; 5] = if zh {
        ["#", "时间", "记录人", "角色", "内容"]
    } else {
        ["#", "time", "who", "role", "what"]
    };
    s.push_str(&table(&header, &rows));

    s.push_str(if zh { "\n程序\n" } else { "\nSteps\n" });
    let rows: Vec<Vec<String>> = eval
        .steps
        .iter()
        .map(|r| {
            vec![
                r.step.label(lang).to_owned(),
                r.state.label(lang).to_owned(),
                r.problems
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let header: [&str; 3] = if zh {
        ["程序", "状态", "问题"]
    } else {
        ["step", "state", "problems"]
    };
    s.push_str(&table(&header, &rows));

    s.push_str(&if zh {
        format!("\n审计发现（截至 {as_of}）\n")
    } else {
        format!("\nFindings (as of {as_of})\n")
    });
    if eval.findings.is_empty() {
        s.push_str(if zh { "未发现问题\n" } else { "none\n" });
    }
    for f in &eval.findings {
        s.push_str(&format!(
            "  {} {} [{}] {}（{}）\n",
            f.severity().label(lang),
            f.code,
            f.step.map(|x| x.label(lang)).unwrap_or("—"),
            f.message(lang),
            f.article_in(lang)
        ));
    }

    s.push_str(if zh { "\n下一步\n" } else { "\nNext\n" });
    if next.is_empty() {
        s.push_str(if zh {
            "  无待办程序\n"
        } else {
            "  nothing left to do\n"
        });
    }
    for n in next {
        let roles = n
            .roles
            .iter()
            .map(|r| r.label(lang))
            .collect::<Vec<_>>()
            .join(if zh { "、" } else { ", " });
        if n.unmet.is_empty() {
            s.push_str(&if zh {
                format!("  可以办理：{}（{}）\n", n.event_type, roles)
            } else {
                format!("  may be done now: {} (by {roles})\n", n.event_type)
            });
        } else {
            s.push_str(&if zh {
                format!("  暂不能办理：{}\n", n.event_type)
            } else {
                format!("  blocked: {}\n", n.event_type)
            });
            for u in &n.unmet {
                s.push_str(&format!(
                    "    - {} {}（{}）：{}\n",
                    u.code,
                    u.message(lang),
                    article_in(&u.article, lang),
                    u.fix(lang)
                ));
            }
        }
    }

    s.push_str(if zh {
        "\n重要日期\n"
    } else {
        "\nDates that matter\n"
    });
    if dates.is_empty() {
        s.push_str("  —\n");
    }
    for d in dates {
        let when = match (d.date, &d.unknown_because) {
            (Some(date), _) => date.to_string(),
            (None, Some(why)) => format!("{} ({why})", if zh { "无法计算" } else { "unknown" }),
            (None, None) => "—".into(),
        };
        s.push_str(&format!("  {}: {when}\n", d.kind.label(lang)));
    }
    s
}
