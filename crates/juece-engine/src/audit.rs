//! The audit (`juece audit`, `GET /api/v1/audit`): every case evaluated as of a date, the
//! catalogues' findings beside them, and the frozen `juece-audit/1` document and CSV.

use chrono::NaiveDate;
use juece_core::calendar::Calendar;
use juece_core::catalogue::CaseFacts;
use juece_core::evaluate::evaluate;
use juece_core::event::CatalogueRef;
use juece_core::finding::Finding;
use juece_core::ids::{Outcome, Status};
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::{Store, StoredCase};
use serde::Serialize;

use crate::catalogue::{self, CatalogueAudit};
use crate::{EngineError, Scope};

/// The UTF-8 byte-order mark that starts every CSV output: Excel then reads it as UTF-8.
pub const BOM: &str = "\u{feff}";

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

/// Evaluates every case opened on or before `as_of`, ordered by reference, a chunk of cases at
/// a time (each chunk on two threads), so the whole database is never in memory at once.
/// Only the cases of the organs in `scope` are read on.
pub fn audit_store(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<CaseAudit>, EngineError> {
    // Read, parsed and evaluated on three threads at once, in the order of the references.
    let mut audits =
        scope.map_cases(store, |cases| audit_cases(profiles, calendar, cases, as_of))?;
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

/// The findings of every stored catalogue (latest versions) of the organs in `scope` against the
/// audited cases.
pub fn catalogue_audits(
    store: &Store,
    scope: &Scope,
    audits: &[CaseAudit],
    as_of: NaiveDate,
) -> Result<Vec<CatalogueAudit>, EngineError> {
    let stored = scope.catalogues(store)?;
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
) -> Result<Vec<CaseAudit>, EngineError> {
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

pub fn render_json(
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

pub fn header(lang: Lang) -> [&'static str; 8] {
    match lang {
        Lang::Zh => [
            "案号", "状态", "级别", "步骤", "代码", "条款", "说明", "流程",
        ],
        Lang::En => [
            "ref", "status", "severity", "step", "code", "article", "message", "workflow",
        ],
    }
}

pub fn render_csv(shown: &[&CaseAudit], catalogues: &[CatalogueAudit], lang: Lang) -> String {
    let h = header(lang);
    let title = if lang == Lang::Zh { "标题" } else { "title" };
    // A byte-order mark first, so that Excel opens the Chinese text as UTF-8.
    let mut s = String::from(BOM);
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

/// A finding's message for the human formats, marked where it rests on estimated working days.
pub fn message_of(f: &juece_core::finding::Finding, lang: Lang) -> String {
    match (f.estimated, lang) {
        (false, _) => f.message(lang).to_owned(),
        (true, Lang::Zh) => format!("{}〔估算〕", f.message(lang)),
        (true, Lang::En) => format!("{} [estimated]", f.message(lang)),
    }
}

/// One CSV line, RFC 4180 quoting, CRLF.
pub fn csv_line(fields: &[&str]) -> String {
    let mut l = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                (*f).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    l.push_str("\r\n");
    l
}
