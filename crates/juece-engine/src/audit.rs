//! The audit: every case evaluated as of a date, and the `juece-audit/1` document and CSV.

use chrono::NaiveDate;
use juece_core::calendar::Calendar;
use juece_core::evaluate::evaluate;
use juece_core::finding::Finding;
use juece_core::ids::Status;
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::{Store, StoredCase};
use serde::Serialize;

use crate::error::EngineError;

/// One audited case.
pub struct CaseAudit {
    pub case_ref: String,
    pub title: String,
    pub workflow: String,
    pub status: Status,
    pub findings: Vec<Finding>,
}

/// Evaluates every case opened on or before `as_of`, ordered by reference, a chunk of cases at
/// a time (each chunk on two threads), so the whole database is never in memory at once.
pub fn audit_store(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    as_of: NaiveDate,
) -> Result<Vec<CaseAudit>, EngineError> {
    // Read, parsed and evaluated on three threads at once, in the order of the references.
    store.map_cases(|cases| audit_cases(profiles, calendar, cases, as_of))
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
        let Some(eval) = evaluate(profile, calendar, &stored.case, as_of)? else {
            continue;
        };
        out.push(CaseAudit {
            case_ref: stored.case.header.case_ref,
            title: stored.case.header.title,
            workflow: pinned,
            status: eval.status,
            findings: eval.findings,
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
}

pub fn render_json(shown: &[&CaseAudit], as_of: NaiveDate, lang: Lang) -> String {
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

pub fn render_csv(shown: &[&CaseAudit], lang: Lang) -> String {
    let h = header(lang);
    let title = if lang == Lang::Zh { "标题" } else { "title" };
    let mut s = csv_line(&[h[0], title, h[7], h[1], h[4], h[2], h[3], h[5], h[6]]);
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
                f.message(lang),
            ]));
        }
    }
    s
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
