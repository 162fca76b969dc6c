use clap::{Args, ValueEnum};
use juece_core::evaluate::Evaluation;
use juece_core::event::EventBody;
use juece_core::finding::{article_in, Code};
use juece_core::ids::{Attribute, Step};
use juece_core::next::{KeyDate, NextAction};
use juece_core::Lang;
use juece_engine::view::{case_json, case_view, summary, CaseView};
use juece_store::StoredCase;
use std::collections::BTreeSet;

use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::{emit, safe_cell, table};
use crate::CmdResult;

#[derive(Args)]
pub struct ShowArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    format: ShowFormat,
    #[command(flatten)]
    reader: crate::names::ReadAs,
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
    let calendar = global.calendar_with(&store)?;
    let scope = a.reader.scope(&store)?;
    // A case of another organ is answered as one that exists nowhere, naming the reference in
    // scope a slip most likely meant.
    let view = case_view(
        &store,
        &profiles,
        &calendar,
        &scope,
        &a.case_ref,
        global.now(),
        lang,
    )?;
    let now = global.now();
    let CaseView {
        stored,
        eval,
        dates,
        next,
        as_of,
        ..
    } = &view;
    let text = match a.format {
        ShowFormat::Json => case_json(&view, lang),
        ShowFormat::Table => render_text(stored, eval, dates, next, *as_of, now.date_naive(), lang),
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

/// The plain words said wherever a count or date rests on estimated working days.
pub fn estimated_note(years: &BTreeSet<i32>, lang: Lang) -> Option<String> {
    if years.is_empty() {
        return None;
    }
    let y = juece_core::calendar::years_text(years, lang);
    Some(match lang {
        Lang::Zh => format!("注：{y} 年尚未导入国务院放假安排，涉及该年的工作日按法定节假日估算（标“估算”）。通知公布后运行 `juece calendar add 文件`（juece-calendar/1 或 holiday-cn 年度文件）即可得到准确结果。"),
        Lang::En => format!("Note: no official holiday notice is loaded for {y}; working days in that year are estimated from the statutory holidays (marked \"estimated\"). Once the notice is published, run `juece calendar add FILE` (juece-calendar/1 or a holiday-cn year file) to make them exact."),
    })
}

fn render_text(
    stored: &StoredCase,
    eval: &Evaluation,
    dates: &[KeyDate],
    next: &[NextAction],
    as_of: chrono::NaiveDate,
    today: chrono::NaiveDate,
    lang: Lang,
) -> String {
    let zh = lang == Lang::Zh;
    let h = &stored.case.header;
    let mut s = String::new();
    let attrs = attributes(stored, lang);
    let facts: Vec<(&str, String)> = vec![
        // Shown safely: control characters escaped, long text cut (crate::out::safe_cell).
        (if zh { "案号" } else { "ref" }, safe_cell(&h.case_ref)),
        (if zh { "标题" } else { "title" }, safe_cell(&h.title)),
        (if zh { "决策机关" } else { "organ" }, safe_cell(&h.organ)),
        (
            if zh {
                "承办单位"
            } else {
                "undertaking unit"
            },
            safe_cell(&h.undertaking_unit),
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
            if eval.status.label(lang) == eval.status.as_str() {
                eval.status.as_str().to_owned()
            } else {
                format!("{} ({})", eval.status.label(lang), eval.status.as_str())
            },
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
                match &e.body {
                    EventBody::Override(o) => override_summary(o, i, eval, lang),
                    _ if eval.voided.contains(&i) => format!(
                        "{}（{}）",
                        summary(e, lang),
                        if zh { "已作废" } else { "voided" }
                    ),
                    _ => summary(e, lang),
                },
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
    // One view: a problem shown on a step is a finding listed below; a problem that is not (yet)
    // a finding — an unlawful review not yet put to a meeting, a review a newer draft made
    // stale — is shown as needing attention, and explained below too.
    let is_finding = |code: Code, step: Step| {
        eval.findings
            .iter()
            .any(|f| f.code == code && f.step == Some(step))
    };
    let mut attention: Vec<(Step, Code)> = Vec::new();
    let rows: Vec<Vec<String>> = eval
        .steps
        .iter()
        .map(|r| {
            let (found, pending): (Vec<Code>, Vec<Code>) =
                r.problems.iter().partition(|c| is_finding(**c, r.step));
            attention.extend(pending.iter().map(|c| (r.step, *c)));
            let state = if found.is_empty() && !pending.is_empty() {
                (if zh { "需注意" } else { "needs attention" }).to_owned()
            } else {
                r.state.label(lang).to_owned()
            };
            let mut codes: Vec<String> = found.iter().map(|c| c.as_str().to_owned()).collect();
            codes.extend(pending.iter().map(|c| {
                format!(
                    "{}{}",
                    c.as_str(),
                    if zh {
                        "（尚未构成违规）"
                    } else {
                        " (not yet a violation)"
                    }
                )
            }));
            vec![r.step.label(lang).to_owned(), state, codes.join(", ")]
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
    if eval.findings.is_empty() && attention.is_empty() {
        s.push_str(if zh { "未发现问题\n" } else { "none\n" });
    }
    for f in &eval.findings {
        s.push_str(&format!(
            "  {} {} [{}] {}{}{}\n",
            f.severity().label(lang),
            f.code,
            f.step.map(|x| x.label(lang)).unwrap_or("—"),
            f.message(lang),
            paren(&f.article_in(lang), lang),
            match (f.estimated, zh) {
                (false, _) => "",
                (true, true) => "〔估算〕",
                (true, false) => " [estimated]",
            }
        ));
    }
    for (step, code) in &attention {
        let (fix_zh, fix_en) = juece_core::check::fix_for(code.as_str());
        let article = article_in(code.fixed_article(), lang);
        s.push_str(&if zh {
            format!(
                "  需注意 {code} [{}] 尚未构成违规，{fix_zh}后再提交讨论{}\n",
                step.label(lang),
                paren(&article, lang)
            )
        } else {
            format!(
                "  attention {code} [{}] not yet a violation: {fix_en} before the meeting{}\n",
                step.label(lang),
                paren(&article, lang)
            )
        });
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
        let what = action_label(n.event_type, lang);
        if n.unmet.is_empty() {
            s.push_str(&if zh {
                format!("  可以办理：{what}（{roles}）\n")
            } else {
                format!("  may be done now: {what} (by {roles})\n")
            });
        } else {
            s.push_str(&if zh {
                format!("  暂不能办理：{what}\n")
            } else {
                format!("  blocked: {what}\n")
            });
            for u in &n.unmet {
                s.push_str(&format!(
                    "    - {} {}{}{}{}\n",
                    u.code,
                    hypothetical(u.message(lang), today, lang),
                    paren(&article_in(&u.article, lang), lang),
                    if zh { "：" } else { ": " },
                    advice(u, lang)
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
        let estimated = match (d.estimated.is_empty(), zh) {
            (true, _) => "",
            (false, true) => "（估算）",
            (false, false) => " (estimated)",
        };
        s.push_str(&format!("  {}: {when}{estimated}\n", d.kind.label(lang)));
    }
    if let Some(note) = estimated_note(&juece_engine::view::estimated_years(eval, dates), lang) {
        s.push('\n');
        s.push_str(&note);
        s.push('\n');
    }
    s
}

pub use juece_engine::write::{advice, paren};

/// What a gate event is called, with the command that records it.
pub fn action_label(event_type: &str, lang: Lang) -> String {
    let (zh, en, cmd) = match event_type {
        "legality_review_submitted" => (
            "送请合法性审查",
            "submit for legality review",
            "review submit",
        ),
        "legality_review_signed" => (
            "签署合法性审查意见",
            "sign the legality review",
            "review sign",
        ),
        "collective_decision" => ("集体讨论决定", "collective decision", "decide"),
        "party_report" => (
            "向党委请示报告",
            "report to the Party committee",
            "party-report",
        ),
        "published" => ("公布决策", "publish the decision", "publish"),
        "archived" => ("归档", "archive the case file", "archive"),
        other => (other, other, ""),
    };
    let label = if lang == Lang::Zh { zh } else { en };
    match (cmd.is_empty(), lang) {
        (true, _) => label.to_owned(),
        (false, Lang::Zh) => format!("{label}（juece {cmd}）"),
        (false, Lang::En) => format!("{label} (juece {cmd})"),
    }
}

/// A guard judged on a hypothetical event (what `case show` checks "as if done today") reads as
/// a hypothesis: it must not say that something was decided when nothing was.
fn hypothetical(message: &str, today: chrono::NaiveDate, lang: Lang) -> String {
    let d = today.to_string();
    if !message.contains(&d) {
        return message.to_owned();
    }
    match lang {
        Lang::Zh => message
            .replace(
                &format!("仍于 {d} 作出同意决定"),
                &format!("如于 {d} 作出同意决定即属违规"),
            )
            .replace(
                &format!("仍于 {d} 提交讨论"),
                &format!("如于 {d} 提交讨论即属违规"),
            )
            .replace(
                &format!("即于 {d} 作出集体讨论决定"),
                &format!("如于 {d} 作出集体讨论决定即属违规"),
            )
            .replace(
                &format!("{d} 讨论的草案为"),
                &format!("如于 {d} 讨论，所讨论的草案为"),
            )
            .replace(&format!("与会议（{d}）之间"), &format!("与今天（{d}）之间")),
        Lang::En => message
            .replace(
                &format!("approved on {d} although"),
                &format!("approving on {d} would breach the rule:"),
            )
            .replace(
                &format!("discussed on {d} although"),
                &format!("discussing it on {d} would breach the rule:"),
            )
            .replace(
                &format!("when the collective decision of {d} was made"),
                &format!("if the collective decision were made on {d}"),
            )
            .replace(
                &format!("the draft discussed on {d} is"),
                &format!("the draft to be discussed on {d} is"),
            )
            .replace(
                &format!("and the meeting ({d})"),
                &format!("and today ({d})"),
            ),
    }
}

/// An override names each guard it forced with its step — "SKIPPED_STEP (专家论证)" — taken
/// from the findings on the gate event it stands beside.
fn override_summary(
    o: &juece_core::event::Override,
    index: usize,
    eval: &Evaluation,
    lang: Lang,
) -> String {
    let mut used = vec![false; eval.findings.len()];
    let named: Vec<String> = o
        .unmet
        .iter()
        .map(|code| {
            let hit = eval.findings.iter().enumerate().find(|(k, f)| {
                !used[*k]
                    && f.code.as_str() == code
                    && f.step.is_some()
                    && index.checked_sub(1).is_some_and(|g| f.event == Some(g))
            });
            match hit {
                Some((k, f)) => {
                    used[k] = true;
                    format!(
                        "{code} ({})",
                        f.step.map(|s| s.label(lang)).unwrap_or_default()
                    )
                }
                None => code.clone(),
            }
        })
        .collect();
    format!(
        "{}: {} — {}",
        if lang == Lang::Zh {
            "强制推进"
        } else {
            "override"
        },
        named.join(", "),
        o.justification
    )
}
