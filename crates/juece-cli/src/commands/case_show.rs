use clap::{Args, ValueEnum};
use juece_core::evaluate::{evaluate, Evaluation};
use juece_core::event::{Event, EventBody};
use juece_core::finding::{article_in, Code};
use juece_core::ids::Attribute;
use juece_core::next::{key_dates, next_actions, KeyDate, NextAction};
use juece_core::Lang;
use juece_store::StoredCase;
use serde_json::json;
use std::collections::BTreeSet;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{emit, safe_cell, table};
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
    let Some(stored) = store.load_case(&a.case_ref)? else {
        return Err(crate::names::no_case(&store, &a.case_ref));
    };
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let profile = profiles.resolve(&stored.pinned())?;
    let now = global.now();
    // Live view: everything recorded so far, judged as of today (or the last event, if later).
    let last = stored
        .case
        .events
        .iter()
        .map(|e| e.at.date_naive())
        .max()
        .unwrap_or(now.date_naive());
    let as_of = now.date_naive().max(last);
    let Some(mut eval) = evaluate(profile, &calendar, &stored.case, as_of) else {
        return Err(CliError::bad_input(format!(
            "case `{}` has no history",
            a.case_ref
        )));
    };
    // The catalogue's finding about this case, as the audit lists it.
    let catalogues = crate::commands::catalogue::latest(&store)?;
    crate::commands::catalogue::complete_findings(
        &mut eval.findings,
        &crate::commands::catalogue::index(&catalogues),
        &stored.case.header.organ,
        stored.case.header.catalogue.as_ref(),
        eval.latest_decision,
        as_of,
    );
    let dates = key_dates(profile, &calendar, &stored.case, &eval);
    let next = next_actions(profile, &calendar, &stored.case, &eval, now);
    let text = match a.format {
        ShowFormat::Json => render_json(&calendar, &stored, &eval, &dates, &next, as_of, lang),
        ShowFormat::Table => {
            render_text(&stored, &eval, &dates, &next, as_of, now.date_naive(), lang)
        }
    };
    emit(&text)?;
    Ok(Exit::Ok)
}

/// A one-line summary of an event's content.
pub fn summary(e: &Event, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match &e.body {
        EventBody::Opened => (if zh { "立项" } else { "opened" }).to_owned(),
        EventBody::Draft(d) => format!(
            "{} {} (sha256 {}…)",
            if zh { "草案" } else { "draft" },
            d.version,
            d.sha256.get(..12).unwrap_or(&d.sha256)
        ),
        EventBody::PublicParticipation(p) => {
            let methods = p
                .methods
                .iter()
                .map(|m| m.label(lang))
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " });
            let period = p
                .comment_period
                .map(|c| {
                    format!(
                        " {} – {} ({} {})",
                        c.start,
                        c.end,
                        c.days_inclusive(),
                        if zh { "日" } else { "days" }
                    )
                })
                .unwrap_or_default();
            format!(
                "{}: {methods}{period}",
                Step::PublicParticipation.label(lang)
            )
        }
        EventBody::ExpertReview(r) => format!(
            "{}: {}",
            Step::ExpertReview.label(lang),
            r.experts
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        EventBody::RiskAssessment(r) => format!(
            "{}: {} / {}",
            Step::RiskAssessment.label(lang),
            r.level.label(lang),
            match (r.controllable, zh) {
                (true, true) => "可控",
                (false, true) => "不可控",
                (true, false) => "controllable",
                (false, false) => "not controllable",
            }
        ),
        EventBody::ReviewSubmitted(s) => format!(
            "{} {}",
            if zh {
                "送请合法性审查"
            } else {
                "submitted for legality review:"
            },
            s.draft
        ),
        EventBody::ReviewSigned(s) => format!(
            "{} {}: {}",
            if zh {
                "合法性审查意见"
            } else {
                "legality review of"
            },
            s.draft,
            s.conclusion.label(lang)
        ),
        EventBody::Waived(w) => format!(
            "{} {} ({})",
            if zh { "免除" } else { "waived" },
            w.step.label(lang),
            w.reason.label(lang)
        ),
        EventBody::CollectiveDecision(d) => format!(
            "{} {} {}: {} ({} {})",
            d.meeting.date,
            d.meeting.kind.label(lang),
            format_args!("{}/{}", d.meeting.members_present, d.meeting.members_total),
            d.head_decision.label(lang),
            if zh { "多数意见" } else { "majority" },
            d.majority.label(lang)
        ),
        EventBody::PartyReport => Step::PartyReport.label(lang).to_owned(),
        EventBody::Published(p) => format!(
            "{} {}",
            Step::Publication.label(lang),
            p.channel.as_deref().unwrap_or("")
        ),
        EventBody::Archived => Step::Archiving.label(lang).to_owned(),
        EventBody::Override(o) => format!(
            "{}: {} — {}",
            if zh { "强制推进" } else { "override" },
            o.unmet.join(", "),
            o.justification
        ),
        EventBody::FairCompetitionReview(r) => format!(
            "{}: {} — {}",
            if zh {
                "公平竞争审查"
            } else {
                "fair-competition review"
            },
            r.conclusion.label(lang),
            r.basis
        ),
        EventBody::Voided(v) => format!(
            "{} {}: {}",
            if zh { "作废事件" } else { "voided event" },
            v.event,
            v.reason
        ),
    }
}

use juece_core::ids::Step;

fn attributes(stored: &StoredCase, lang: Lang) -> Vec<String> {
    Attribute::ALL
        .iter()
        .filter(|a| stored.case.header.attributes.get(**a))
        .map(|a| format!("{} ({})", a.label(lang), a.as_str()))
        .collect()
}

/// Which years behind this case's findings and dates are estimated (no official notice loaded).
fn estimated_years(eval: &Evaluation, dates: &[KeyDate]) -> BTreeSet<i32> {
    let mut years = eval.estimated_years.clone();
    for d in dates {
        years.extend(&d.estimated);
    }
    years
}

fn estimated_note_json(
    calendar: &juece_core::calendar::Calendar,
    eval: &Evaluation,
    dates: &[KeyDate],
) -> serde_json::Value {
    json!({
        "official": calendar.official_years().iter().collect::<Vec<_>>(),
        "estimated": estimated_years(eval, dates).into_iter().collect::<Vec<_>>(),
    })
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

fn render_json(
    calendar: &juece_core::calendar::Calendar,
    stored: &StoredCase,
    eval: &Evaluation,
    dates: &[KeyDate],
    next: &[NextAction],
    as_of: chrono::NaiveDate,
    lang: Lang,
) -> String {
    let h = &stored.case.header;
    let doc = json!({
        "ref": h.case_ref,
        "title": h.title,
        "organ": h.organ,
        "undertaking_unit": h.undertaking_unit,
        "category": h.category.as_str(),
        "workflow": stored.pinned(),
        "attributes": h.attributes,
        "status": eval.status.as_str(),
        "as_of": as_of.to_string(),
        "current_draft": eval.current_draft,
        "timeline": stored.case.events.iter().enumerate().map(|(i, e)| json!({
            "seq": i, "at": e.at.to_rfc3339(),
            "recorded_at": e.recorded_at.map(|r| r.to_rfc3339()),
            "actor": e.actor, "role": e.role.as_str(),
            "type": e.body.type_name(), "summary": summary(e, lang),
            "voided": eval.voided.contains(&i),
        })).collect::<Vec<_>>(),
        "steps": eval.steps.iter().map(|s| json!({
            "step": s.step.as_str(), "required": s.required, "state": s.state.as_str(),
            "problems": s.problems.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "findings": eval.findings.iter().map(|f| {
            let mut j = json!({
                "code": f.code.as_str(), "severity": f.severity().as_str(),
                "step": f.step.map(|s| s.as_str()), "article": f.article, "message": f.message(lang),
            });
            if f.estimated {
                j["estimated"] = json!(true);
            }
            j
        }).collect::<Vec<_>>(),
        "next": next.iter().map(|n| json!({
            "event": n.event_type, "step": n.step.as_str(), "possible": n.unmet.is_empty(),
            "roles": n.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "blocked_by": n.unmet.iter().map(|u| json!({
                "code": u.code, "article": u.article, "message": u.message(lang), "fix": u.fix(lang),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "dates": dates.iter().map(|d| json!({
            "kind": d.kind.as_str(), "step": d.step.as_str(),
            "date": d.date.map(|x| x.to_string()), "unknown_because": d.unknown_because,
            "estimated": !d.estimated.is_empty(),
        })).collect::<Vec<_>>(),
        "calendar": estimated_note_json(calendar, eval, dates),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
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
    if let Some(note) = estimated_note(&estimated_years(eval, dates), lang) {
        s.push('\n');
        s.push_str(&note);
        s.push('\n');
    }
    s
}

/// An article in brackets of the language: `（第十四条）`, ` (Art. 14)`; nothing when empty.
pub fn paren(article: &str, lang: Lang) -> String {
    match (article.is_empty(), lang) {
        (true, _) => String::new(),
        (false, Lang::Zh) => format!("（{article}）"),
        (false, Lang::En) => format!(" ({article})"),
    }
}

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

/// What would satisfy an unmet guard. A skipped step that can never be waived (legality
/// review, collective decision, …) is never advised a waiver.
pub fn advice(u: &juece_core::check::Unmet, lang: Lang) -> String {
    match u.step {
        Some(step) if u.code == "SKIPPED_STEP" && step.never_waivable() => match lang {
            Lang::Zh => format!("履行{}并记录；该程序不得免除", step.label(lang)),
            Lang::En => format!(
                "carry out the {} and record it; this step can never be waived",
                step.label(lang)
            ),
        },
        _ => u.fix(lang).to_owned(),
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
