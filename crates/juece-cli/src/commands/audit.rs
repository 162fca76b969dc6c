use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use juece_core::calendar::Calendar;
use juece_core::catalogue::CaseFacts;
use juece_core::evaluate::evaluate;
use juece_core::event::CatalogueRef;
use juece_core::finding::Finding;
use juece_core::ids::{Outcome, Severity, Status};
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::{Store, StoredCase};
use serde::Serialize;

use crate::commands::catalogue::{self, CatalogueAudit};
use crate::context::{parse_date, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::{csv_line, emit, table};
use crate::CmdResult;

/// Audit every case against the profile it was opened under (exit 1 when a violation is found)
#[derive(Args)]
pub struct AuditArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Evaluate as of this date (YYYY-MM-DD); later events are left out (default: today)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Leave out cases without findings
    #[arg(long)]
    only_findings: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// One audited case.
pub struct CaseAudit {
    pub case_ref: String,
    pub title: String,
    pub workflow: String,
    pub status: Status,
    pub findings: Vec<Finding>,
    /// The organ, the catalogue link and the latest decision (for the catalogue findings).
    pub organ: String,
    pub catalogue: Option<CatalogueRef>,
    pub decision: Option<(Outcome, NaiveDate)>,
}

pub fn run(global: &GlobalArgs, args: &AuditArgs) -> CmdResult {
    let store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let as_of = args.as_of.unwrap_or_else(|| global.today());
    let audits = audit_store(&store, &profiles, &calendar, as_of)?;
    let catalogues = catalogue_audits(&store, &audits, as_of)?;
    let report = render(
        &audits,
        &catalogues,
        as_of,
        args.format,
        global.lang(),
        args.only_findings,
    );
    emit(&report)?;
    let violation = audits
        .iter()
        .flat_map(|a| &a.findings)
        .any(|f| f.severity() == Severity::Violation);
    Ok(if violation { Exit::Problems } else { Exit::Ok })
}

/// Evaluates every case opened on or before `as_of`, ordered by reference, a chunk of cases at
/// a time (each chunk on two threads), so the whole database is never in memory at once.
pub fn audit_store(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    as_of: NaiveDate,
) -> Result<Vec<CaseAudit>, CliError> {
    // Read, parsed and evaluated on three threads at once, in the order of the references.
    let mut audits = store.map_cases(|cases| audit_cases(profiles, calendar, cases, as_of))?;
    let stored = catalogue::latest(store)?;
    let index = catalogue::index(&stored);
    for a in &mut audits {
        catalogue::complete_findings(
            &mut a.findings,
            &index,
            &a.organ,
            a.catalogue.as_ref(),
            a.decision,
            as_of,
        );
    }
    Ok(audits)
}

/// The findings of every stored catalogue (latest versions) against the audited cases.
pub fn catalogue_audits(
    store: &Store,
    audits: &[CaseAudit],
    as_of: NaiveDate,
) -> Result<Vec<CatalogueAudit>, CliError> {
    let stored = catalogue::latest(store)?;
    let facts: Vec<CaseFacts<'_>> = audits
        .iter()
        .filter(|a| a.catalogue.is_some())
        .map(|a| CaseFacts {
            organ: &a.organ,
            link: a.catalogue.as_ref(),
            decision: a.decision,
        })
        .collect();
    Ok(catalogue::audit_catalogues(&stored, &facts, as_of))
}

/// Evaluates the given cases opened on or before `as_of`, in the given order.
pub fn audit_cases(
    profiles: &Profiles,
    calendar: &Calendar,
    cases: Vec<StoredCase>,
    as_of: NaiveDate,
) -> Result<Vec<CaseAudit>, CliError> {
    let mut out = Vec::new();
    for stored in cases {
        let pinned = stored.pinned();
        let profile = profiles.resolve(&pinned)?;
        let Some(eval) = evaluate(profile, calendar, &stored.case, as_of) else {
            continue;
        };
        let h = stored.case.header;
        out.push(CaseAudit {
            case_ref: h.case_ref,
            title: h.title,
            workflow: pinned,
            status: eval.status,
            findings: eval.findings,
            organ: h.organ,
            catalogue: h.catalogue,
            decision: eval.latest_decision,
        });
    }
    Ok(out)
}

pub fn render(
    audits: &[CaseAudit],
    catalogues: &[CatalogueAudit],
    as_of: NaiveDate,
    format: Format,
    lang: Lang,
    only_findings: bool,
) -> String {
    let shown: Vec<&CaseAudit> = audits
        .iter()
        .filter(|a| !only_findings || !a.findings.is_empty())
        .collect();
    match format {
        Format::Json => render_json(&shown, catalogues, as_of, lang),
        Format::Csv => render_csv(&shown, catalogues, lang),
        Format::Table => render_table(&shown, audits, catalogues, as_of, lang),
    }
}

/// `juece-audit/1`, FROZEN FORMAT: field names and order as in interchange.md. Serialized
/// straight from these borrowed views, without building a JSON tree of the whole report.
#[derive(Serialize)]
struct AuditDoc<'a> {
    format: &'static str,
    as_of: String,
    cases: Vec<AuditCase<'a>>,
    catalogues: Vec<AuditCatalogue<'a>>,
}

#[derive(Serialize)]
struct AuditCatalogue<'a> {
    organ: &'a str,
    year: i32,
    version: u32,
    findings: Vec<AuditCatalogueFinding<'a>>,
}

#[derive(Serialize)]
struct AuditCatalogueFinding<'a> {
    code: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct AuditCase<'a> {
    #[serde(rename = "ref")]
    case_ref: &'a str,
    title: &'a str,
    workflow: &'a str,
    status: &'static str,
    findings: Vec<AuditFinding<'a>>,
}

#[derive(Serialize)]
struct AuditFinding<'a> {
    code: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<&'static str>,
    article: &'a str,
    message: &'a str,
    /// Present (true) only where a working-day count or deadline used estimated days.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    estimated: bool,
}

fn render_json(
    shown: &[&CaseAudit],
    catalogues: &[CatalogueAudit],
    as_of: NaiveDate,
    lang: Lang,
) -> String {
    let doc = AuditDoc {
        format: "juece-audit/1",
        as_of: as_of.to_string(),
        cases: shown
            .iter()
            .map(|a| AuditCase {
                case_ref: &a.case_ref,
                title: &a.title,
                workflow: &a.workflow,
                status: a.status.as_str(),
                findings: a
                    .findings
                    .iter()
                    .map(|f| AuditFinding {
                        code: f.code.as_str(),
                        severity: f.severity().as_str(),
                        step: f.step.map(|s| s.as_str()),
                        article: &f.article,
                        message: f.message(lang),
                        estimated: f.estimated,
                    })
                    .collect(),
            })
            .collect(),
        catalogues: catalogues
            .iter()
            .map(|c| AuditCatalogue {
                organ: &c.organ,
                year: c.year,
                version: c.version,
                findings: c
                    .findings
                    .iter()
                    .map(|f| AuditCatalogueFinding {
                        code: f.finding.code.as_str(),
                        severity: f.finding.severity().as_str(),
                        item: f.item.as_deref(),
                        message: f.finding.message(lang),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn header(lang: Lang) -> [&'static str; 8] {
    match lang {
        Lang::Zh => [
            "案号", "状态", "级别", "步骤", "代码", "条款", "说明", "流程",
        ],
        Lang::En => [
            "ref", "status", "severity", "step", "code", "article", "message", "workflow",
        ],
    }
}

fn render_csv(shown: &[&CaseAudit], catalogues: &[CatalogueAudit], lang: Lang) -> String {
    let h = header(lang);
    let title = if lang == Lang::Zh { "标题" } else { "title" };
    // A byte-order mark first, so that Excel opens the Chinese text as UTF-8.
    let mut s = String::from(crate::out::BOM);
    s.push_str(&csv_line(&[
        h[0], title, h[7], h[1], h[4], h[2], h[3], h[5], h[6],
    ]));
    for a in shown {
        if a.findings.is_empty() {
            s.push_str(&csv_line(&[
                &a.case_ref,
                &a.title,
                &a.workflow,
                a.status.as_str(),
                "",
                "",
                "",
                "",
                "",
            ]));
        }
        for f in &a.findings {
            s.push_str(&csv_line(&[
                &a.case_ref,
                &a.title,
                &a.workflow,
                a.status.as_str(),
                f.code.as_str(),
                f.severity().as_str(),
                f.step.map(|s| s.as_str()).unwrap_or(""),
                &f.article_in(lang),
                &message_of(f, lang),
            ]));
        }
    }
    // Catalogue findings: one row each, the catalogue (organ/year, version, item) in the first
    // three columns.
    for c in catalogues {
        for f in &c.findings {
            let place = match &f.item {
                Some(i) => format!("{}/{}/{i}", c.organ, c.year),
                None => format!("{}/{}", c.organ, c.year),
            };
            s.push_str(&csv_line(&[
                &place,
                if lang == Lang::Zh {
                    "决策事项目录"
                } else {
                    "decision catalogue"
                },
                &format!("juece-catalogue/1 v{}", c.version),
                "",
                f.finding.code.as_str(),
                f.finding.severity().as_str(),
                "",
                &f.finding.article_in(lang),
                f.finding.message(lang),
            ]));
        }
    }
    s
}

fn render_table(
    shown: &[&CaseAudit],
    all: &[CaseAudit],
    catalogues: &[CatalogueAudit],
    as_of: NaiveDate,
    lang: Lang,
) -> String {
    let h = header(lang);
    let mut rows = Vec::new();
    for a in shown {
        if a.findings.is_empty() {
            let ok = if lang == Lang::Zh {
                "未发现问题"
            } else {
                "no findings"
            };
            rows.push(vec![
                a.case_ref.clone(),
                a.status.label(lang).to_owned(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                ok.into(),
            ]);
        }
        for f in &a.findings {
            rows.push(vec![
                a.case_ref.clone(),
                a.status.label(lang).to_owned(),
                f.severity().label(lang).to_owned(),
                f.step.map(|s| s.label(lang)).unwrap_or("—").to_owned(),
                f.code.as_str().to_owned(),
                f.article_in(lang),
                message_of(f, lang),
            ]);
        }
    }
    let mut s = match lang {
        Lang::Zh => format!("重大行政决策程序审计（截至 {as_of}）\n\n"),
        Lang::En => format!("Major decision procedure audit (as of {as_of})\n\n"),
    };
    if rows.is_empty() {
        s.push_str(if lang == Lang::Zh {
            "（无）\n"
        } else {
            "(none)\n"
        });
    } else {
        let mut t = table(&h[..7], &rows);
        // On a terminal (and without NO_COLOR) the codes are coloured by severity: the padding
        // is computed first, so the columns stay aligned.
        if crate::out::colour_stdout() {
            let mut codes: Vec<(&str, Severity)> = shown
                .iter()
                .flat_map(|a| &a.findings)
                .map(|f| (f.code.as_str(), f.severity()))
                .collect();
            codes.sort_unstable_by_key(|c| c.0);
            codes.dedup_by_key(|c| c.0);
            for (code, sev) in codes {
                let colour = match sev {
                    Severity::Violation => "1;31",
                    Severity::Warning => "33",
                    _ => "36",
                };
                t = t.replace(
                    &format!("  {code}  "),
                    &format!("  {}  ", crate::out::paint(code, colour, true)),
                );
            }
        }
        s.push_str(&t);
    }
    s.push_str(&catalogue_table(catalogues, lang));
    let count = |sev: Severity| {
        all.iter()
            .flat_map(|a| &a.findings)
            .chain(
                catalogues
                    .iter()
                    .flat_map(|c| c.findings.iter().map(|f| &f.finding)),
            )
            .filter(|f| f.severity() == sev)
            .count()
    };
    let (v, w, i) = (
        count(Severity::Violation),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let with = all.iter().filter(|a| !a.findings.is_empty()).count();
    s.push('\n');
    s.push_str(&match lang {
        Lang::Zh => format!(
            "共 {} 件事项，{with} 件有发现：违规 {v} 项，警告 {w} 项，提示 {i} 项\n",
            all.len()
        ),
        Lang::En => format!(
            "{} {}, {with} with findings: {v} {}, {w} {}, {i} info\n",
            all.len(),
            plural(all.len(), "case"),
            plural(v, "violation"),
            plural(w, "warning")
        ),
    });
    s
}

/// A finding's message for the human formats, marked where it rests on estimated working days.
fn message_of(f: &juece_core::finding::Finding, lang: Lang) -> String {
    match (f.estimated, lang) {
        (false, _) => f.message(lang).to_owned(),
        (true, Lang::Zh) => format!("{}〔估算〕", f.message(lang)),
        (true, Lang::En) => format!("{} [estimated]", f.message(lang)),
    }
}

/// The catalogues' findings under the cases' table (nothing when no catalogue is stored).
fn catalogue_table(catalogues: &[CatalogueAudit], lang: Lang) -> String {
    if catalogues.is_empty() {
        return String::new();
    }
    let mut s = String::from(if lang == Lang::Zh {
        "\n决策事项目录\n"
    } else {
        "\nDecision catalogues\n"
    });
    let mut rows = Vec::new();
    for c in catalogues {
        let name = format!("{} {} (v{})", c.organ, c.year, c.version);
        if c.findings.is_empty() {
            rows.push(vec![
                name.clone(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                if lang == Lang::Zh {
                    "未发现问题".into()
                } else {
                    "no findings".into()
                },
            ]);
        }
        for f in &c.findings {
            rows.push(vec![
                name.clone(),
                f.item.clone().unwrap_or_else(|| "—".into()),
                f.finding.severity().label(lang).to_owned(),
                f.finding.code.as_str().to_owned(),
                f.finding.article_in(lang),
                f.finding.message(lang).to_owned(),
            ]);
        }
    }
    let header: [&str; 6] = if lang == Lang::Zh {
        ["目录", "事项", "级别", "代码", "条款", "说明"]
    } else {
        [
            "catalogue",
            "item",
            "severity",
            "code",
            "article",
            "message",
        ]
    };
    s.push_str(&table(&header, &rows));
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
