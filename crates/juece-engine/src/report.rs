//! The major-decision section of the annual 法治政府建设年度报告 (report.md): the numbers of
//! `juece_core::report` (a view of the evaluator) computed over a database, and worded as
//! Markdown, a printable HTML page or `juece-report/1`. The command line (`juece report`) and the
//! server (`/report`) share it.

use chrono::NaiveDate;
use juece_core::calendar::Calendar;
use juece_core::evaluate::{evaluate, step_of_code};
use juece_core::finding::{article_in, Code};
use juece_core::ids::{Severity, Step};
use juece_core::registry::Profiles;
use juece_core::report::{Builder, CaseLine, Partition, Procedures, Report};
use juece_core::Lang;
use juece_store::Store;

use crate::{EngineError, Scope};

/// The report of `year` (of `organ`, or every organ) as of `as_of`, with its cases with
/// violations: every number from the evaluator and the stored catalogues — of the organs in
/// `scope` only (an organ outside it reads as one with no cases and no catalogue).
pub fn build(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    year: i32,
    organ: Option<&str>,
    as_of: NaiveDate,
) -> Result<(Report, Vec<CaseLine>), EngineError> {
    let stored = scope.catalogues(store)?;
    let index = crate::catalogue::index(&stored);
    let mut builder = Builder::new(year, organ, as_of, calendar);
    scope.visit_cases(store, |chunk| -> Result<(), EngineError> {
        for sc in chunk {
            let profile = profiles.resolve(&sc.pinned())?;
            let Some(eval) = evaluate(profile, calendar, &sc.case, as_of) else {
                continue;
            };
            let mut findings = eval.findings.clone();
            let h = &sc.case.header;
            crate::catalogue::complete_findings(
                &mut findings,
                &index,
                &h.organ,
                h.catalogue.as_ref(),
                eval.latest_decision,
                as_of,
            );
            builder.add(profile, &sc.case, &eval, &findings);
        }
        Ok(())
    })?;
    let cats: Vec<&juece_core::catalogue::Catalogue> =
        stored.iter().map(|s| &s.catalogue).collect();
    Ok(builder.finish(&cats))
}

pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------------
// Words.

/// A plain name for a finding code, for prose and tables (codes never appear in the prose).
pub fn code_label(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "SKIPPED_STEP" => ("未履行法定程序", "required procedure skipped"),
        "OUT_OF_ORDER" => (
            "材料晚于合法性审查送审",
            "evidence recorded after the legality review submission",
        ),
        "WAIVED_STEP" => ("依法免除程序", "procedure validly waived"),
        "IMPROPER_WAIVER" => ("程序免除不当", "improper waiver of a procedure"),
        "SHORT_COMMENT_PERIOD" => ("征求意见期限不足", "public comment period too short"),
        "SHORTENED_COMMENT_PERIOD" => (
            "征求意见期限依法缩短",
            "public comment period shortened with a reason",
        ),
        "HEARING_MISSING" => ("应听证未听证", "required hearing not held"),
        "EXPERT_QUORUM" => ("论证专家人数不足", "too few expert opinions"),
        "UNSIGNED_EXPERT_OPINION" => ("专家意见未署名", "unsigned expert opinion"),
        "CONFLICTED_EXPERT" => ("利害关系专家参与论证", "expert with a direct interest"),
        "UNCONTROLLED_RISK" => (
            "风险不可控仍作出决策",
            "approved with an uncontrollable risk",
        ),
        "UNLAWFUL_REVIEW_IGNORED" => (
            "审查不合法仍提交讨论",
            "discussed despite an unlawful review",
        ),
        "LEGAL_RISK_STATED" => (
            "探索性改革已说明法律风险",
            "exploratory reform with its legal risk stated",
        ),
        "STALE_LEGALITY_REVIEW" => ("草案修改后未重新审查", "revised draft not reviewed again"),
        "SHORT_REVIEW_WINDOW" => ("合法性审查时间不足", "legality review window too short"),
        "SHORTENED_REVIEW_WINDOW" => (
            "合法性审查时间依法缩短",
            "legality review window shortened with a reason",
        ),
        "UNAUTHORIZED_SIGNER" => (
            "审查意见签署人不适格",
            "legality review signed by an unauthorised role",
        ),
        "SELF_REVIEW" => (
            "起草或送审人自行审查",
            "legality review signed by its own author",
        ),
        "IMPROPER_MEETING" => (
            "未经常务会议或全体会议讨论",
            "not decided at an executive or plenary meeting",
        ),
        "NO_QUORUM" => ("会议人数未过半数", "meeting without a quorum"),
        "UNEXPLAINED_HEAD_DECISION" => (
            "行政首长决定未说明理由",
            "head's decision against the majority unexplained",
        ),
        "NO_PARTY_REPORT" => (
            "未向同级党委请示报告",
            "not reported to the Party committee",
        ),
        "NOT_PUBLISHED" => ("逾期未公布", "not published in time"),
        "NOT_ARCHIVED" => ("逾期未归档", "not archived in time"),
        "DEFERRED_TOO_LONG" => ("暂缓期满未再讨论", "deferred past the lapse period"),
        "GUARD_OVERRIDDEN" => ("强制推进程序", "procedural guard overridden"),
        "NOT_IN_CATALOGUE" => ("未列入决策事项目录", "not in the decision catalogue"),
        "CATALOGUE_ITEM_OPEN" => (
            "目录事项年内未决定",
            "catalogue item not decided in the year",
        ),
        "CATALOGUE_NOT_CONSENTED" => (
            "目录未经党委同意即公布",
            "catalogue published without Party consent",
        ),
        "BACKFILLED" => ("事后补录", "recorded after the fact"),
        "VOIDED_EVENT" => ("记录作废", "voided record"),
        "FAIR_COMPETITION_REVIEW_MISSING" => {
            ("未进行公平竞争审查", "fair competition review missing")
        }
        "CALENDAR_ESTIMATED" => ("工作日按估算日历计算", "working days estimated"),
        _ => ("其他问题", "other finding"),
    };
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn step_article(step: Step) -> &'static str {
    match step {
        Step::PublicParticipation => "第十四条",
        Step::ExpertReview => "第十九条",
        Step::RiskAssessment => "第二十二条",
        Step::LegalityReview => "第二十五条",
        Step::CollectiveDecision => "第三十条",
        Step::PartyReport => "第三十一条",
        Step::Publication => "第三十二条",
        Step::Archiving => "第三十三条",
    }
}

fn step_name(step: Step, lang: Lang) -> &'static str {
    match (step, lang) {
        (Step::PublicParticipation, Lang::Zh) => "公众参与",
        (Step::ExpertReview, Lang::Zh) => "专家论证",
        (Step::RiskAssessment, Lang::Zh) => "风险评估",
        (Step::LegalityReview, Lang::Zh) => "合法性审查",
        (Step::CollectiveDecision, Lang::Zh) => "集体讨论决定",
        (s, _) => s.label(lang),
    }
}

/// The articles (in `lang`) of the violations of `step` other than a skip, else the step's own.
fn defect_articles(r: &Report, step: Step, lang: Lang) -> String {
    let mut arts: Vec<String> = Vec::new();
    for f in &r.findings {
        let on_step = Code::parse(&f.code).and_then(step_of_code) == Some(step)
            || (f.code == "IMPROPER_WAIVER" && f.article == step_article(step));
        if on_step && f.severity == Severity::Violation && !arts.contains(&f.article) {
            arts.push(f.article.clone());
        }
    }
    if arts.is_empty() {
        arts.push(step_article(step).to_owned());
    }
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    arts.iter()
        .map(|a| art(a, lang))
        .collect::<Vec<_>>()
        .join(sep)
}

fn art(a: &str, lang: Lang) -> String {
    article_in(a, lang)
}

fn list_zh(parts: &[String]) -> String {
    parts.join("、")
}

fn list_en(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn covered(r: &Report) -> u64 {
    r.legality_review
        .coverage
        .map(|c| (c * r.decisions.total as f64).round() as u64)
        .unwrap_or(0)
}

fn n_en(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The drafted paragraphs, with the real numbers.
pub fn paragraphs(r: &Report, lang: Lang) -> Vec<String> {
    match lang {
        Lang::Zh => paragraphs_zh(r),
        Lang::En => paragraphs_en(r),
    }
}

fn subject(r: &Report, lang: Lang) -> String {
    match (&r.organ, &r.organs, lang) {
        (Some(o), _, _) => o.clone(),
        (None, Some(list), Lang::Zh) if !list.is_empty() => {
            format!("{}等{}个决策机关", list[0], list.len())
        }
        (None, Some(list), Lang::En) if !list.is_empty() => {
            format!("the {} deciding organs reported on", list.len())
        }
        (None, _, Lang::Zh) => "本级政府".to_owned(),
        (None, _, Lang::En) => "this government".to_owned(),
    }
}

fn paragraphs_zh(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let n = r.decisions.total;
    let o = &r.decisions.by_outcome;
    let y = r.year;
    let who = subject(r, Lang::Zh);
    if n == 0 {
        out.push(format!(
            "{y}年，{who}未作出重大行政决策（统计截至{}）。",
            r.as_of
        ));
    } else {
        let mut parts = Vec::new();
        for (k, label) in [
            (o.approve, "决定同意"),
            (o.reject, "决定不同意"),
            (o.modify, "决定修改后再议"),
            (o.defer, "决定暂缓"),
            (o.rediscuss, "决定再次讨论"),
        ] {
            if k > 0 {
                parts.push(format!("{label}{k}件"));
            }
        }
        let mut s = format!(
            "{y}年，{who}共作出重大行政决策{n}件，其中{}。",
            list_zh(&parts)
        );
        // Legality review and collective discussion.
        let cov = covered(r);
        let m = &r.meetings;
        let met = m.executive + m.plenary;
        let all = if n == 1 {
            "该决策"
        } else {
            "上述决策均"
        };
        match (cov == n, m.other == 0) {
            (true, true) => s.push_str(&format!("{all}经合法性审查，并经政府常务会议或者全体会议集体讨论决定")),
            (true, false) => s.push_str(&format!("{all}经合法性审查；{met}件经政府常务会议或者全体会议讨论决定，{}件未经常务会议或者全体会议讨论（第三十条）", m.other)),
            (false, true) => s.push_str(&format!("经合法性审查{cov}件，{}件未经合法性审查即提交讨论（第二十五条）；{}经政府常务会议或者全体会议集体讨论决定", n - cov, if n == 1 { "该决策" } else { "上述决策均" })),
            (false, false) => s.push_str(&format!("经合法性审查{cov}件，{}件未经合法性审查即提交讨论（第二十五条）；{met}件经政府常务会议或者全体会议讨论决定，{}件未经常务会议或者全体会议讨论（第三十条）", n - cov, m.other)),
        }
        let c = &r.legality_review.conclusions;
        let mut concl = Vec::new();
        for (k, label) in [
            (c.lawful, "合法"),
            (c.lawful_with_changes, "修改后合法"),
            (c.unlawful, "不合法"),
            (c.exploratory, "属探索性改革并已说明法律风险"),
        ] {
            if k > 0 {
                concl.push(format!("{label}{k}件"));
            }
        }
        if !concl.is_empty() {
            s.push_str(&format!("。合法性审查意见认为{}", list_zh(&concl)));
        }
        if m.head_differs > 0 {
            s.push_str(&format!(
                "；行政首长作出与会议多数意见不一致的决定{}件",
                m.head_differs
            ));
            if m.head_differs_unexplained > 0 {
                s.push_str(&format!(
                    "，其中{}件未说明理由（第三十条）",
                    m.head_differs_unexplained
                ));
            } else {
                s.push_str("，均已说明理由");
            }
        }
        s.push('。');
        out.push(s);

        // The three fact-finding procedures.
        let mut s = String::new();
        for (step, verb) in [
            (Step::PublicParticipation, "履行公众参与程序"),
            (Step::ExpertReview, "组织专家论证"),
            (Step::RiskAssessment, "开展风险评估"),
        ] {
            let Some(p) = r.procedures.get(step) else {
                continue;
            };
            if p.required == 0 {
                continue;
            }
            s.push_str(&procedure_zh(r, step, verb, p));
        }
        let pp = &r.public_participation;
        if pp.rounds > 0 {
            s.push_str(&format!(
                "公众参与共{}轮，收到意见{}条，采纳{}条",
                pp.rounds, pp.opinions_received, pp.opinions_adopted
            ));
            if pp.hearings > 0 {
                s.push_str(&format!("，举行听证会{}次", pp.hearings));
            }
            if pp.shortened > 0 {
                s.push_str(&format!(
                    "；{}次征求意见期限依法缩短并说明理由",
                    pp.shortened
                ));
            }
            s.push('。');
        }
        let lr = &r.legality_review;
        if lr.short_window > 0 {
            s.push_str(&format!(
                "{}件决策送审后合法性审查时间不足（第二十六条）。",
                lr.short_window
            ));
        }
        if lr.shortened_window > 0 {
            s.push_str(&format!(
                "{}件决策的合法性审查时间依法缩短。",
                lr.shortened_window
            ));
        }
        if !s.is_empty() {
            out.push(s);
        }

        // After the decision.
        let a = &r.after_decision;
        let mut s = String::new();
        if o.approve > 0 {
            s.push_str(&format!(
                "决定同意的{}件中，已向同级党委请示报告{}件",
                o.approve, a.party_reports
            ));
            if a.party_reports < o.approve {
                s.push_str(&format!(
                    "，{}件尚未报告（第三十一条）",
                    o.approve - a.party_reports
                ));
            }
            s.push('。');
        }
        let to_publish = a.published + a.published_late + a.unpublished;
        if to_publish > 0 {
            s.push_str(&format!(
                "依法应当公开的{to_publish}件中，按期公布{}件",
                a.published
            ));
            if a.published_late > 0 {
                s.push_str(&format!("，逾期公布{}件", a.published_late));
            }
            if a.unpublished > 0 {
                s.push_str(&format!("，尚未公布{}件", a.unpublished));
            }
            if a.published_late + a.unpublished > 0 {
                s.push_str("（第三十二条）");
            }
            s.push('。');
        }
        let to_archive = a.archived + a.archived_late + a.unarchived;
        if to_archive > 0 {
            s.push_str(&format!(
                "应当归档的{to_archive}件中，按期归档{}件",
                a.archived
            ));
            if a.archived_late > 0 {
                s.push_str(&format!("，逾期归档{}件", a.archived_late));
            }
            if a.unarchived > 0 {
                s.push_str(&format!("，尚未归档{}件", a.unarchived));
            }
            if a.archived_late + a.unarchived > 0 {
                s.push_str("（第三十三条）");
            }
            s.push('。');
        }
        if !s.is_empty() {
            out.push(s);
        }
    }

    // Catalogue.
    if let Some(c) = &r.catalogue {
        let mut s = format!(
            "{y}年度重大行政决策事项目录共列入事项{}件（含年度调整增列），已作出决定{}件",
            c.items, c.decided
        );
        if c.open > 0 {
            s.push_str(&format!("，尚未作出决定{}件", c.open));
        }
        if c.removed > 0 {
            s.push_str(&format!("，经调整调出目录{}件", c.removed));
        }
        if c.not_in_catalogue > 0 {
            s.push_str(&format!(
                "；另有{}件决策未列入目录（第三条）",
                c.not_in_catalogue
            ));
        } else if n > 0 {
            s.push_str("；作出的决策均已列入目录");
        }
        s.push('。');
        if r.findings
            .iter()
            .any(|f| f.code == "CATALOGUE_NOT_CONSENTED")
        {
            s.push_str("决策事项目录存在未经同级党委同意即公布的情况（第三条）。");
        }
        out.push(s);
    }

    // Findings.
    let v: u64 = count_sev(r, Severity::Violation);
    let w: u64 = count_sev(r, Severity::Warning);
    let mut s = if v == 0 {
        "经逐件审计，未发现违反程序规定的问题".to_owned()
    } else {
        let mut top: Vec<String> = Vec::new();
        let all = top_findings(r, Severity::Violation);
        for f in all.iter().take(TOP) {
            top.push(format!(
                "{}{}项（{}）",
                code_label(&f.0, Lang::Zh),
                f.1,
                f.2
            ));
        }
        let more = if all.len() > TOP { "等" } else { "" };
        format!(
            "经逐件审计，发现违反程序规定的问题{v}项，主要是{}{more}",
            list_zh(&top)
        )
    };
    if w > 0 {
        s.push_str(&format!("；另有需要注意的问题{w}项"));
    }
    s.push('。');
    if r.overrides > 0 {
        s.push_str(&format!(
            "办理过程中强制推进程序{}次，均已记录理由。",
            r.overrides
        ));
    }
    if r.backfilled + r.voided > 0 {
        s.push_str(&format!(
            "事后补录记录{}项，作废错误记录{}项，原始记录均予保留。",
            r.backfilled, r.voided
        ));
    }
    if v > 0 {
        s.push_str("对上述问题，将督促承办单位逐项整改，并在今后的决策中严格履行法定程序。");
    }
    out.push(s);
    out
}

fn procedure_zh(r: &Report, step: Step, verb: &str, p: &Partition) -> String {
    let mut s = format!("依法应当{verb}的{}件中，", p.required);
    if p.done == p.required {
        return format!("{s}均已依法{verb}。");
    }
    let mut parts = vec![format!("{}件已依法{verb}", p.done)];
    if p.waived > 0 {
        parts.push(format!("{}件依法免除", p.waived));
    }
    if p.skipped > 0 {
        parts.push(format!("{}件未{verb}（{}）", p.skipped, step_article(step)));
    }
    if p.defective > 0 {
        parts.push(format!(
            "{}件存在程序瑕疵（{}）",
            p.defective,
            defect_articles(r, step, Lang::Zh)
        ));
    }
    s.push_str(&parts.join("，"));
    s.push('。');
    s
}

fn paragraphs_en(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let n = r.decisions.total;
    let o = &r.decisions.by_outcome;
    let y = r.year;
    let who = subject(r, Lang::En);
    if n == 0 {
        out.push(format!(
            "In {y}, {who} made no major administrative decision (as of {}).",
            r.as_of
        ));
    } else {
        let mut parts = Vec::new();
        for (k, label) in [
            (o.approve, "approved"),
            (o.reject, "rejected"),
            (o.modify, "sent back for changes"),
            (o.defer, "deferred"),
            (o.rediscuss, "put to a further discussion"),
        ] {
            if k > 0 {
                parts.push(format!("{k} {label}"));
            }
        }
        let mut s = format!(
            "In {y}, {who} made {}: {}.",
            n_en(
                n,
                "major administrative decision",
                "major administrative decisions"
            ),
            list_en(&parts)
        );
        let cov = covered(r);
        let m = &r.meetings;
        let met = m.executive + m.plenary;
        let every = if n == 1 { "It" } else { "All of them" };
        if cov == n {
            s.push_str(&format!(" {every} went through the legality review"));
        } else {
            s.push_str(&format!(
                " {cov} went through the legality review and {} {} discussed without one (Art. 25)",
                n - cov,
                if n - cov == 1 { "was" } else { "were" }
            ));
        }
        if m.other == 0 {
            s.push_str(&format!(
                "; {} decided collectively at an executive or plenary meeting",
                if n == 1 { "it was" } else { "all were" }
            ));
        } else {
            s.push_str(&format!("; {met} {} decided at an executive or plenary meeting and {} without one (Art. 30)", if met == 1 { "was" } else { "were" }, m.other));
        }
        let c = &r.legality_review.conclusions;
        let mut concl = Vec::new();
        for (k, label) in [
            (c.lawful, "lawful"),
            (c.lawful_with_changes, "lawful with changes"),
            (c.unlawful, "unlawful"),
            (
                c.exploratory,
                "an exploratory reform with its legal risk stated",
            ),
        ] {
            if k > 0 {
                concl.push(format!("{k} {label}"));
            }
        }
        if !concl.is_empty() {
            s.push_str(&format!(". The legality reviews found {}", list_en(&concl)));
        }
        if m.head_differs > 0 {
            s.push_str(&format!(
                "; the head decided against the majority in {}",
                n_en(m.head_differs, "case", "cases")
            ));
            if m.head_differs_unexplained == m.head_differs {
                s.push_str(" without giving a reason (Art. 30)");
            } else if m.head_differs_unexplained > 0 {
                s.push_str(&format!(
                    ", {} of them without giving a reason (Art. 30)",
                    m.head_differs_unexplained
                ));
            } else {
                s.push_str(", each time giving a reason");
            }
        }
        s.push('.');
        out.push(s);

        let mut s = String::new();
        for (step, noun) in [
            (Step::PublicParticipation, "public participation"),
            (Step::ExpertReview, "expert review"),
            (Step::RiskAssessment, "risk assessment"),
        ] {
            let Some(p) = r.procedures.get(step) else {
                continue;
            };
            if p.required == 0 {
                continue;
            }
            if !s.is_empty() {
                s.push(' ');
            }
            if p.done == p.required {
                s.push_str(&format!(
                    "Of the {} decisions that required {noun}, all completed it.",
                    p.required
                ));
                continue;
            }
            let mut parts = vec![format!("{} completed it", p.done)];
            if p.waived > 0 {
                parts.push(format!("{} validly waived it", p.waived));
            }
            if p.skipped > 0 {
                parts.push(format!(
                    "{} skipped it ({})",
                    p.skipped,
                    art(step_article(step), Lang::En)
                ));
            }
            if p.defective > 0 {
                parts.push(format!(
                    "{} had a defect in it ({})",
                    p.defective,
                    defect_articles(r, step, Lang::En)
                ));
            }
            s.push_str(&format!(
                "Of the {} decisions that required {noun}, {}.",
                p.required,
                list_en(&parts)
            ));
        }
        let pp = &r.public_participation;
        if pp.rounds > 0 {
            s.push_str(&format!(
                " {} of public participation received {} and adopted {}",
                n_en(pp.rounds, "round", "rounds"),
                n_en(pp.opinions_received, "opinion", "opinions"),
                pp.opinions_adopted
            ));
            if pp.hearings > 0 {
                s.push_str(&format!(
                    "; {} held",
                    n_en(pp.hearings, "hearing was", "hearings were")
                ));
            }
            if pp.shortened > 0 {
                s.push_str(&format!(
                    "; {} shortened with a recorded reason",
                    n_en(pp.shortened, "comment period was", "comment periods were")
                ));
            }
            s.push('.');
        }
        let lr = &r.legality_review;
        if lr.short_window > 0 {
            s.push_str(&format!(
                " {} left the legality review too little time (Art. 26).",
                n_en(lr.short_window, "decision", "decisions")
            ));
        }
        if lr.shortened_window > 0 {
            s.push_str(&format!(
                " {} had its legality review time shortened with a reason.",
                n_en(lr.shortened_window, "decision", "decisions")
            ));
        }
        if !s.is_empty() {
            out.push(s.trim_start().to_owned());
        }

        let a = &r.after_decision;
        let mut s = String::new();
        if o.approve > 0 {
            s.push_str(&format!(
                "Of the {} approved, {} reported to the Party committee",
                o.approve, a.party_reports
            ));
            if a.party_reports < o.approve {
                s.push_str(&format!(
                    " and {} did not (Art. 31)",
                    o.approve - a.party_reports
                ));
            }
            s.push_str(". ");
        }
        let to_publish = a.published + a.published_late + a.unpublished;
        if to_publish > 0 {
            s.push_str(&format!(
                "Of the {to_publish} to be made public, {} published on time",
                n_en(a.published, "was", "were")
            ));
            if a.published_late > 0 {
                s.push_str(&format!(", {} late", a.published_late));
            }
            if a.unpublished > 0 {
                s.push_str(&format!(", {} not yet", a.unpublished));
            }
            if a.published_late + a.unpublished > 0 {
                s.push_str(" (Art. 32)");
            }
            s.push_str(". ");
        }
        let to_archive = a.archived + a.archived_late + a.unarchived;
        if to_archive > 0 {
            s.push_str(&format!(
                "Of the {to_archive} to be archived, {} archived on time",
                n_en(a.archived, "was", "were")
            ));
            if a.archived_late > 0 {
                s.push_str(&format!(", {} late", a.archived_late));
            }
            if a.unarchived > 0 {
                s.push_str(&format!(", {} not yet", a.unarchived));
            }
            if a.archived_late + a.unarchived > 0 {
                s.push_str(" (Art. 33)");
            }
            s.push('.');
        }
        if !s.is_empty() {
            out.push(s.trim_end().to_owned());
        }
    }

    if let Some(c) = &r.catalogue {
        let mut s = format!(
            "The {y} catalogue of major decisions listed {} (adjustments included): {} decided",
            n_en(c.items, "item", "items"),
            c.decided
        );
        if c.open > 0 {
            s.push_str(&format!(", {} not yet decided", c.open));
        }
        if c.removed > 0 {
            s.push_str(&format!(", {} removed by adjustment", c.removed));
        }
        if c.not_in_catalogue > 0 {
            s.push_str(&format!(
                "; {} not in the catalogue (Art. 3)",
                n_en(c.not_in_catalogue, "decision was", "decisions were")
            ));
        } else if n > 0 {
            s.push_str("; every decision made was in the catalogue");
        }
        s.push('.');
        if r.findings
            .iter()
            .any(|f| f.code == "CATALOGUE_NOT_CONSENTED")
        {
            s.push_str(" The catalogue was published without the Party committee's prior consent (Art. 3).");
        }
        out.push(s);
    }

    let v = count_sev(r, Severity::Violation);
    let w = count_sev(r, Severity::Warning);
    let mut s = if v == 0 {
        "A case-by-case audit found no breach of the procedure".to_owned()
    } else {
        let all = top_findings(r, Severity::Violation);
        let mut top: Vec<String> = all
            .iter()
            .take(TOP)
            .map(|f| {
                format!(
                    "{} ({}, {})",
                    code_label(&f.0, Lang::En),
                    f.1,
                    art(&f.2, Lang::En)
                )
            })
            .collect();
        if all.len() > TOP {
            top.push("others".to_owned());
        }
        format!(
            "A case-by-case audit found {}, chiefly: {}",
            n_en(v, "breach of the procedure", "breaches of the procedure"),
            list_en(&top)
        )
    };
    if w > 0 {
        s.push_str(&format!(
            "; {} attention",
            n_en(w, "further point calls for", "further points call for")
        ));
    }
    s.push('.');
    if r.overrides > 0 {
        s.push_str(&format!(
            " A procedural guard was overridden {} with the reason recorded.",
            n_en(r.overrides, "time", "times")
        ));
    }
    if r.backfilled + r.voided > 0 {
        s.push_str(&format!(
            " {} entered after the fact and {} voided; the original records are kept.",
            n_en(r.backfilled, "record was", "records were"),
            r.voided
        ));
    }
    if v > 0 {
        s.push_str(" The undertaking units will correct each of them, and the procedure will be followed strictly in future decisions.");
    }
    out.push(s);
    out
}

/// How many kinds of violation the prose names before "and others".
const TOP: usize = 5;

fn count_sev(r: &Report, sev: Severity) -> u64 {
    r.findings
        .iter()
        .filter(|f| f.severity == sev)
        .map(|f| f.count)
        .sum()
}

/// The findings of a severity, most frequent first: (code, count, article).
fn top_findings(r: &Report, sev: Severity) -> Vec<(String, u64, String)> {
    let mut v: Vec<(String, u64, String)> = r
        .findings
        .iter()
        .filter(|f| f.severity == sev)
        .map(|f| (f.code.clone(), f.count, f.article.clone()))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

// ---------------------------------------------------------------------------------------------
// Tables, shared by Markdown and HTML.

struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn pct(r: &Report) -> String {
    match r.legality_review.coverage {
        Some(c) => format!("{:.1}%", c * 100.0),
        None => "—".into(),
    }
}

fn tables(r: &Report, lines: Option<&[CaseLine]>, lang: Lang) -> Vec<Table> {
    let zh = lang == Lang::Zh;
    let t = |a: &str, b: &str| if zh { a.to_owned() } else { b.to_owned() };
    let row = |label: String, n: u64| vec![label, n.to_string()];
    let mut out = Vec::new();
    let d = &r.decisions;
    let o = &d.by_outcome;
    let c = &d.by_category;
    use juece_core::ids::{Category, Outcome};
    out.push(Table {
        title: t("决策情况", "Decisions"),
        header: vec![t("项目", "item"), t("件数", "count")],
        rows: vec![
            row(t("作出决策", "decisions"), d.total),
            row(Outcome::Approve.label(lang).into(), o.approve),
            row(Outcome::Reject.label(lang).into(), o.reject),
            row(Outcome::Modify.label(lang).into(), o.modify),
            row(Outcome::Defer.label(lang).into(), o.defer),
            row(Outcome::Rediscuss.label(lang).into(), o.rediscuss),
            row(Category::PublicPolicy.label(lang).into(), c.public_policy),
            row(Category::Plan.label(lang).into(), c.plan),
            row(Category::Resources.label(lang).into(), c.resources),
            row(
                Category::PublicConstruction.label(lang).into(),
                c.public_construction,
            ),
            row(Category::Other.label(lang).into(), c.other),
        ],
    });
    out.push(Table {
        title: t("法定程序履行情况", "The five procedures"),
        header: vec![
            t("程序", "procedure"),
            t("条款", "article"),
            t("应履行", "required"),
            t("已履行", "done"),
            t("依法免除", "waived"),
            t("未履行", "skipped"),
            t("有瑕疵", "defective"),
        ],
        rows: Procedures::STEPS
            .iter()
            .filter_map(|&s| {
                let p = r.procedures.get(s)?;
                Some(vec![
                    step_name(s, lang).to_owned(),
                    art(step_article(s), lang),
                    p.required.to_string(),
                    p.done.to_string(),
                    p.waived.to_string(),
                    p.skipped.to_string(),
                    p.defective.to_string(),
                ])
            })
            .collect(),
    });
    let lr = &r.legality_review;
    let pp = &r.public_participation;
    let m = &r.meetings;
    out.push(Table {
        title: t(
            "合法性审查、公众参与和集体讨论",
            "Legality review, public participation and meetings",
        ),
        header: vec![t("项目", "item"), t("数量", "number")],
        rows: vec![
            vec![t("合法性审查覆盖率", "legality review coverage"), pct(r)],
            row(
                t("审查意见：合法", "conclusion: lawful"),
                lr.conclusions.lawful,
            ),
            row(
                t("审查意见：修改后合法", "conclusion: lawful with changes"),
                lr.conclusions.lawful_with_changes,
            ),
            row(
                t("审查意见：不合法", "conclusion: unlawful"),
                lr.conclusions.unlawful,
            ),
            row(
                t("审查意见：探索性改革", "conclusion: exploratory"),
                lr.conclusions.exploratory,
            ),
            row(
                t("审查时间不足", "review window too short"),
                lr.short_window,
            ),
            row(
                t("审查时间依法缩短", "review window shortened"),
                lr.shortened_window,
            ),
            row(t("公众参与轮次", "participation rounds"), pp.rounds),
            row(
                t("收到意见（条）", "opinions received"),
                pp.opinions_received,
            ),
            row(t("采纳意见（条）", "opinions adopted"), pp.opinions_adopted),
            row(t("举行听证会", "hearings held"), pp.hearings),
            row(
                t("征求意见期限依法缩短", "comment periods shortened"),
                pp.shortened,
            ),
            row(t("常务会议决定", "executive meetings"), m.executive),
            row(t("全体会议决定", "plenary meetings"), m.plenary),
            row(t("其他方式决定", "other ways"), m.other),
            row(
                t("首长决定与多数意见不一致", "head against the majority"),
                m.head_differs,
            ),
            row(
                t("其中未说明理由", "of which unexplained"),
                m.head_differs_unexplained,
            ),
        ],
    });
    let a = &r.after_decision;
    out.push(Table {
        title: t("决策后程序", "After the decision"),
        header: vec![t("项目", "item"), t("件数", "count")],
        rows: vec![
            row(
                t("向同级党委请示报告", "reported to the Party committee"),
                a.party_reports,
            ),
            row(t("按期公布", "published on time"), a.published),
            row(t("逾期公布", "published late"), a.published_late),
            row(t("尚未公布", "not published"), a.unpublished),
            row(t("按期归档", "archived on time"), a.archived),
            row(t("逾期归档", "archived late"), a.archived_late),
            row(t("尚未归档", "not archived"), a.unarchived),
        ],
    });
    if let Some(c) = &r.catalogue {
        out.push(Table {
            title: t("决策事项目录", "Decision catalogue"),
            header: vec![t("项目", "item"), t("件数", "count")],
            rows: vec![
                row(
                    t("目录事项（含增列）", "items (adjustments included)"),
                    c.items,
                ),
                row(t("已作出决定", "decided"), c.decided),
                row(t("尚未决定", "not yet decided"), c.open),
                row(t("调出目录", "removed"), c.removed),
                row(
                    t("未列入目录的决策", "decisions not in the catalogue"),
                    c.not_in_catalogue,
                ),
            ],
        });
    }
    out.push(Table {
        title: t("审计发现", "Audit findings"),
        header: vec![
            t("问题", "finding"),
            t("代码", "code"),
            t("级别", "severity"),
            t("条款", "article"),
            t("数量", "count"),
        ],
        rows: r
            .findings
            .iter()
            .map(|f| {
                vec![
                    code_label(&f.code, lang).to_owned(),
                    f.code.clone(),
                    f.severity.label(lang).to_owned(),
                    art(&f.article, lang),
                    f.count.to_string(),
                ]
            })
            .collect(),
    });
    if let Some(lines) = lines {
        out.push(Table {
            title: t(
                "存在违规问题的决策",
                "Decisions with a breach of the procedure",
            ),
            header: vec![
                t("案号", "ref"),
                t("决策事项", "title"),
                t("问题", "findings"),
            ],
            rows: lines
                .iter()
                .map(|l| {
                    let sep = if zh { "；" } else { "; " };
                    vec![
                        l.case_ref.clone(),
                        l.title.clone(),
                        l.codes
                            .iter()
                            .map(|c| {
                                if zh {
                                    format!("{}（{c}）", code_label(c, lang))
                                } else {
                                    format!("{} ({c})", code_label(c, lang))
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(sep),
                    ]
                })
                .collect(),
        });
    }
    for (i, t) in out.iter_mut().enumerate() {
        let n = if zh {
            format!("{}、", "一二三四五六七八九".chars().nth(i).unwrap_or('十'))
        } else {
            format!("{}. ", i + 1)
        };
        t.title.insert_str(0, &n);
    }
    out
}

fn title(r: &Report, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年重大行政决策情况", r.year),
        Lang::En => format!("Major administrative decisions in {}", r.year),
    }
}

fn byline(r: &Report, lang: Lang) -> String {
    let organ = match (&r.organ, &r.organs) {
        (Some(o), _) => o.clone(),
        (None, Some(list)) => list.join(if lang == Lang::Zh { "、" } else { ", " }),
        (None, None) => match lang {
            Lang::Zh => "全部决策机关".into(),
            Lang::En => "every organ in the database".into(),
        },
    };
    match lang {
        Lang::Zh => format!("决策机关：{organ}　统计截至：{}　依据：《重大行政决策程序暂行条例》", r.as_of),
        Lang::En => format!("Organ: {organ} · as of {} · under the Interim Regulations on Major Administrative Decision Procedure (Decree 713)", r.as_of),
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown.

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &Report, lines: Option<&[CaseLine]>, lang: Lang) -> String {
    let mut s = format!("## {}\n\n{}\n\n", title(r, lang), byline(r, lang));
    for p in paragraphs(r, lang) {
        s.push_str(&p);
        s.push_str("\n\n");
    }
    for t in tables(r, lines, lang) {
        s.push_str(&format!("### {}\n\n", t.title));
        if t.rows.is_empty() {
            s.push_str(if lang == Lang::Zh {
                "（无）\n\n"
            } else {
                "(none)\n\n"
            });
            continue;
        }
        s.push_str(&format!(
            "| {} |\n",
            t.header
                .iter()
                .map(|h| md_cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        s.push_str(&format!("|{}\n", " --- |".repeat(t.header.len())));
        for row in &t.rows {
            s.push_str(&format!(
                "| {} |\n",
                row.iter()
                    .map(|c| md_cell(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------------
// HTML: one self-contained, printable A4 page; inline CSS and SVG, no script, no network.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
body { font-family: 'Noto Serif CJK SC', 'Source Han Serif SC', 'Songti SC', SimSun, serif; color: #000; background: #fff;
       max-width: 180mm; margin: 0 auto; padding: 8mm 0; font-size: 11pt; line-height: 1.7; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; letter-spacing: 0.05em; }
.byline { text-align: center; font-size: 9.5pt; margin: 0 0 6mm; }
p.draft { text-indent: 2em; margin: 0 0 3mm; text-align: justify; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 1px solid #000; padding-bottom: 1mm; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; line-height: 1.4; page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #000; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #e6e6e6; font-weight: bold; }
table.kv { width: 62%; }
table.cases td:nth-child(1) { width: 26%; } table.cases td:nth-child(2) { width: 30%; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 3mm 0; page-break-inside: avoid; break-inside: avoid; }
figcaption { font-size: 9.5pt; font-weight: bold; margin-bottom: 1mm; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: #000; }
.none { font-size: 9.5pt; }
@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; break-after: avoid; } }
";

/// Fill patterns for the four parts of a procedure bar: readable without colour.
const PATTERNS: &str = r##"<defs>
<pattern id="p-done" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#555"/></pattern>
<pattern id="p-waived" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><circle cx="3" cy="3" r="1.1" fill="#000"/></pattern>
<pattern id="p-skipped" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="#000"/></pattern>
<pattern id="p-defective" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#fff"/><path d="M0 3H6M3 0V6" stroke="#000" stroke-width="1"/></pattern>
</defs>"##;

fn procedure_chart(r: &Report, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let parts: [(&str, &str); 4] = if zh {
        [
            ("p-done", "已履行"),
            ("p-waived", "依法免除"),
            ("p-skipped", "未履行"),
            ("p-defective", "有瑕疵"),
        ]
    } else {
        [
            ("p-done", "done"),
            ("p-waived", "waived"),
            ("p-skipped", "skipped"),
            ("p-defective", "defective"),
        ]
    };
    let (label_w, bar_w, row_h, top) = (120.0, 380.0, 34.0, 34.0);
    let width = 680.0;
    let height = top + row_h * 5.0 + 10.0;
    let max = Procedures::STEPS
        .iter()
        .filter_map(|&s| r.procedures.get(s).map(|p| p.required))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut s = format!(
        r#"<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}">{PATTERNS}"#,
        if zh {
            "法定程序履行情况"
        } else {
            "The five procedures"
        }
    );
    // Legend.
    let mut x = label_w;
    for (id, name) in parts {
        s.push_str(&format!(r##"<rect x="{x}" y="6" width="14" height="14" fill="url(#{id})" stroke="#000" stroke-width="0.8"/><text x="{}" y="18" font-size="12">{name}</text>"##, x + 18.0));
        x += 100.0;
    }
    for (i, &step) in Procedures::STEPS.iter().enumerate() {
        let Some(p) = r.procedures.get(step) else {
            continue;
        };
        let y = top + row_h * i as f64;
        s.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 17.0,
            esc(step_name(step, lang))
        ));
        let mut x = label_w;
        for ((id, _), n) in parts.iter().zip([p.done, p.waived, p.skipped, p.defective]) {
            if n == 0 {
                continue;
            }
            let w = bar_w * n as f64 / max;
            s.push_str(&format!(r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="22" fill="url(#{id})" stroke="#000" stroke-width="0.8"/>"##));
            x += w;
        }
        if p.required == 0 {
            s.push_str(&format!(
                r##"<line x1="{label_w}" y1="{y}" x2="{label_w}" y2="{}" stroke="#000"/>"##,
                y + 22.0
            ));
        }
        let text = if zh {
            format!(
                "应{} · 已{} · 免{} · 未{} · 瑕{}",
                p.required, p.done, p.waived, p.skipped, p.defective
            )
        } else {
            format!(
                "{} req · {} done · {} waived · {} skipped · {} defective",
                p.required, p.done, p.waived, p.skipped, p.defective
            )
        };
        s.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="11">{}</text>"#,
            x + 6.0,
            y + 16.0,
            esc(&text)
        ));
    }
    s.push_str("</svg>");
    s
}

fn findings_chart(r: &Report, lang: Lang) -> String {
    let rows: Vec<&juece_core::report::FindingCount> = r.findings.iter().collect();
    let (label_w, bar_w, row_h, top) = (250.0, 330.0, 24.0, 6.0);
    let width = 680.0;
    let height = top + row_h * rows.len().max(1) as f64 + 6.0;
    let max = rows.iter().map(|f| f.count).max().unwrap_or(1).max(1) as f64;
    let mut s = format!(
        r#"<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}">{PATTERNS}"#,
        if lang == Lang::Zh {
            "审计发现"
        } else {
            "Audit findings"
        }
    );
    for (i, f) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let fill = match f.severity {
            Severity::Violation => "url(#p-skipped)",
            Severity::Warning => "url(#p-defective)",
            Severity::Info => "url(#p-waived)",
        };
        let label = format!("{}（{}）", code_label(&f.code, lang), art(&f.article, lang));
        s.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="11.5" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + 14.0,
            esc(&label)
        ));
        let w = bar_w * f.count as f64 / max;
        s.push_str(&format!(r##"<rect x="{label_w}" y="{}" width="{w:.1}" height="16" fill="{fill}" stroke="#000" stroke-width="0.8"/>"##, y + 2.0));
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{}" font-size="11.5">{} · {}</text>"#,
            label_w + w + 6.0,
            y + 14.0,
            f.count,
            esc(f.severity.label(lang))
        ));
    }
    s.push_str("</svg>");
    s
}

pub fn html(r: &Report, lines: Option<&[CaseLine]>, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        if zh { "zh-CN" } else { "en" },
        esc(&title(r, lang))
    );
    s.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"byline\">{}</p>\n",
        esc(&title(r, lang)),
        esc(&byline(r, lang))
    ));
    for p in paragraphs(r, lang) {
        s.push_str(&format!("<p class=\"draft\">{}</p>\n", esc(&p)));
    }
    let all = tables(r, lines, lang);
    for (i, t) in all.iter().enumerate() {
        s.push_str(&format!("<h2>{}</h2>\n", esc(&t.title)));
        if i == 1 {
            s.push_str(&format!("<figure>{}</figure>\n", procedure_chart(r, lang)));
        }
        if t.rows.is_empty() {
            s.push_str(&format!(
                "<p class=\"none\">{}</p>\n",
                if zh { "（无）" } else { "(none)" }
            ));
            continue;
        }
        if t.header.len() == 5 && t.header[1] == if zh { "代码" } else { "code" } {
            s.push_str(&format!("<figure>{}</figure>\n", findings_chart(r, lang)));
        }
        s.push_str(match t.header.len() {
            2 => "<table class=\"kv\">\n<thead><tr>",
            3 => "<table class=\"cases\">\n<thead><tr>",
            _ => "<table>\n<thead><tr>",
        });
        for h in &t.header {
            s.push_str(&format!("<th>{}</th>", esc(h)));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            s.push_str("<tr>");
            for c in row {
                let numeric = !c.is_empty()
                    && c.chars()
                        .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '%');
                s.push_str(&format!(
                    "<td{}>{}</td>",
                    if numeric { " class=\"n\"" } else { "" },
                    esc(c)
                ));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}
