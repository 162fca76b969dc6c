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
use juece_store::{Store, StoreError, StoredCase};
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
/// a time (each chunk on two threads); the result holds every audited case of the organs in
/// `scope`.
pub fn audit_store(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    as_of: NaiveDate,
) -> Result<Vec<CaseAudit>, EngineError> {
    let mut audits = Vec::new();
    audit_store_each(store, profiles, calendar, scope, as_of, |chunk| {
        audits.extend(chunk);
        Ok::<(), EngineError>(())
    })?;
    Ok(audits)
}

/// The audit of [`audit_store`], handed to `each` a chunk of cases at a time in the order of the
/// references (read in the order of the file, parsed and evaluated on three threads at once, and
/// put in order: see [`Store::map_cases_gathered`]), then the stored catalogues' findings. Only
/// the cases' audits are held, never their histories.
pub fn audit_store_each<E>(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    as_of: NaiveDate,
    each: impl FnMut(Vec<CaseAudit>) -> Result<(), E>,
) -> Result<Vec<CatalogueAudit>, E>
where
    E: From<EngineError> + From<juece_store::StoreError> + Send,
{
    audit_store_rendered(store, profiles, calendar, scope, as_of, |a| a, each)
}

/// The audit of [`audit_store_each`], each case's audit turned by `render` into what `each`
/// is handed (its text, say) on the threads that evaluate it. Everything handed over is held
/// until the cases can be put in order; turned into text there, the text is not made one case
/// after another on a single thread once the reading is done (at a million cases, two of an
/// audit's fourteen seconds were that).
pub fn audit_store_rendered<T, E>(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    as_of: NaiveDate,
    render: impl Fn(CaseAudit) -> T + Sync,
    mut each: impl FnMut(Vec<T>) -> Result<(), E>,
) -> Result<Vec<CatalogueAudit>, E>
where
    T: Send,
    E: From<EngineError> + From<juece_store::StoreError> + Send,
{
    let stored = catalogue::latest(store)?;
    let index = catalogue::index(&stored);
    let in_scope = scope.catalogues(store)?;
    // What the catalogues' own findings need of the cases linked to one: a few fields each.
    let mut linked: Vec<Linked> = Vec::new();
    scope.map_cases_gathered(
        store,
        |case| {
            let Some(mut a) = audit_case(profiles, calendar, case, as_of).map_err(E::from)? else {
                return Ok(None);
            };
            catalogue::complete_findings(
                &mut a.findings,
                &index,
                &a.organ,
                a.catalogue.as_ref(),
                a.decision,
                as_of,
            );
            // Boxed: held beside every case's result until the order is known, and most cases
            // have no link.
            let link = a
                .catalogue
                .as_ref()
                .map(|link| Box::new((a.organ.clone(), link.clone(), a.decision)));
            Ok(Some((link, render(a))))
        },
        |chunk| {
            let mut rendered = Vec::with_capacity(chunk.len());
            for (link, r) in chunk {
                linked.extend(link.map(|link| *link));
                rendered.push(r);
            }
            each(rendered)
        },
    )?;
    let facts: Vec<CaseFacts<'_>> = linked
        .iter()
        .map(|(organ, link, decision)| CaseFacts {
            organ,
            link: Some(link),
            decision: *decision,
        })
        .collect();
    Ok(catalogue::audit_catalogues(&in_scope, &facts, as_of))
}

/// A document held as pieces of about a mebibyte: written into, it never copies what it holds
/// into a buffer twice its size (a quarter-gigabyte audit grew by doubling, and for a moment
/// held both the old buffer and the new one); a server sends the pieces one after another.
#[derive(Debug, Default)]
pub struct Pieces {
    pieces: Vec<Vec<u8>>,
}

impl Pieces {
    const PIECE: usize = 1 << 20;

    /// The pieces, in order.
    pub fn into_pieces(self) -> Vec<Vec<u8>> {
        self.pieces
    }

    /// The whole document as one buffer.
    pub fn into_vec(self) -> Vec<u8> {
        self.pieces.concat()
    }

    fn extend(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.pieces.last().is_none_or(|p| p.len() >= Self::PIECE) {
                self.pieces.push(Vec::with_capacity(Self::PIECE));
            }
            let Some(piece) = self.pieces.last_mut() else {
                return;
            };
            let room = Self::PIECE.saturating_sub(piece.len());
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            piece.extend_from_slice(now);
            bytes = rest;
        }
    }
}

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.extend(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The audit's document, `juece-audit/1` JSON or its CSV, every case in `scope`, written as the
/// cases' audits come back in order. The text [`render_json`] and [`render_csv`] give.
pub fn audit_document(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    as_of: NaiveDate,
    lang: Lang,
    csv: bool,
) -> Result<Pieces, EngineError> {
    // Writing into memory cannot fail; the error type is the audit's.
    let io = |e: std::io::Error| EngineError::from(StoreError::Corrupt(e.to_string()));
    let mut doc = AuditWriter::start(Pieces::default(), csv, as_of, lang).map_err(io)?;
    let text = |a: CaseAudit| case_text(&a, lang, csv);
    let catalogues =
        audit_store_rendered(store, profiles, calendar, scope, as_of, text, |chunk| {
            for text in &chunk {
                doc.case_written(text).map_err(io)?;
            }
            Ok::<(), EngineError>(())
        })?;
    doc.finish(&catalogues, lang).map_err(io)
}

/// The audit's document, `juece-audit/1` JSON or its CSV, written a case at a time: each case's
/// text made by [`case_text`] (on the threads that evaluate the cases), handed over in order.
pub enum AuditWriter<W> {
    Json(JsonAudit<W>),
    Csv(W),
}

impl<W: std::io::Write> AuditWriter<W> {
    /// The document's start (CSV: its head).
    pub fn start(mut out: W, csv: bool, as_of: NaiveDate, lang: Lang) -> std::io::Result<Self> {
        if csv {
            out.write_all(csv_head(lang).as_bytes())?;
            return Ok(AuditWriter::Csv(out));
        }
        Ok(AuditWriter::Json(JsonAudit::start(out, as_of, lang)?))
    }

    /// Writes a case's text made by [`case_text`].
    pub fn case_written(&mut self, text: &[u8]) -> std::io::Result<()> {
        match self {
            AuditWriter::Json(doc) => doc.case_written(text),
            AuditWriter::Csv(out) => out.write_all(text),
        }
    }

    /// The catalogues and the end of the document; gives the writer back.
    pub fn finish(self, catalogues: &[CatalogueAudit], lang: Lang) -> std::io::Result<W> {
        match self {
            AuditWriter::Json(doc) => doc.finish(catalogues),
            AuditWriter::Csv(mut out) => {
                out.write_all(csv_catalogues(catalogues, lang).as_bytes())?;
                Ok(out)
            }
        }
    }
}

/// A case's text in the audit's JSON ([`json_case`]) or CSV ([`csv_case`]) document.
pub fn case_text(a: &CaseAudit, lang: Lang, csv: bool) -> Vec<u8> {
    if csv {
        csv_case(a, lang).into_bytes()
    } else {
        json_case(a, lang)
    }
}

/// A case linked to a catalogue item: its organ, the link and its latest decision.
type Linked = (String, CatalogueRef, Option<(Outcome, NaiveDate)>);

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

/// Evaluates one case, `None` when it was opened after `as_of`.
pub fn audit_case(
    profiles: &Profiles,
    calendar: &Calendar,
    stored: StoredCase,
    as_of: NaiveDate,
) -> Result<Option<CaseAudit>, EngineError> {
    let pinned = stored.pinned();
    let profile = profiles.resolve(&pinned)?;
    let Some(eval) = evaluate(profile, calendar, &stored.case, as_of) else {
        return Ok(None);
    };
    let h = stored.case.header;
    Ok(Some(CaseAudit {
        case_ref: h.case_ref,
        title: h.title,
        workflow: pinned,
        status: eval.status,
        findings: eval.findings,
        organ: h.organ,
        catalogue: h.catalogue,
        decision: eval.latest_decision,
    }))
}

/// `juece-audit/1`, FROZEN FORMAT: field names and order as in interchange.md, laid out as
/// `serde_json::to_string_pretty` lays out `{format, as_of, cases, catalogues}` (tested), but
/// written a case at a time from these borrowed views: no tree of the whole report is built.

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

/// `juece-audit/1` written as it goes: [`JsonAudit::start`], [`JsonAudit::case`] for each
/// case in order, then [`JsonAudit::finish`] with the catalogues.
pub struct JsonAudit<W> {
    out: W,
    lang: Lang,
    cases: usize,
}

impl<W: std::io::Write> JsonAudit<W> {
    pub fn start(mut out: W, as_of: NaiveDate, lang: Lang) -> std::io::Result<JsonAudit<W>> {
        write!(
            out,
            "{{\n  \"format\": \"juece-audit/1\",\n  \"as_of\": {},\n  \"cases\": [",
            json_text(&as_of.to_string())
        )?;
        Ok(JsonAudit {
            out,
            lang,
            cases: 0,
        })
    }

    pub fn case(&mut self, a: &CaseAudit) -> std::io::Result<()> {
        let text = json_case(a, self.lang);
        self.case_written(&text)
    }

    /// Writes a case's entry made by [`json_case`].
    pub fn case_written(&mut self, text: &[u8]) -> std::io::Result<()> {
        self.out
            .write_all(if self.cases == 0 { b"\n" } else { b",\n" })?;
        self.cases += 1;
        self.out.write_all(text)
    }

    /// The catalogues and the end of the document; gives the writer back.
    pub fn finish(mut self, catalogues: &[CatalogueAudit]) -> std::io::Result<W> {
        let lang = self.lang;
        let catalogues: Vec<AuditCatalogue<'_>> = catalogues
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
            .collect();
        if self.cases > 0 {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"],\n  \"catalogues\": ")?;
        write_indented(&mut self.out, &pretty(&catalogues), "  ", false)?;
        self.out.write_all(b"\n}\n")?;
        Ok(self.out)
    }
}

/// A case's entry in `juece-audit/1` as [`JsonAudit::case`] writes it, made apart from the
/// document (on the threads that evaluate the cases): hand it to [`JsonAudit::case_written`]
/// in order.
pub fn json_case(a: &CaseAudit, lang: Lang) -> Vec<u8> {
    let case = AuditCase {
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
    };
    let mut text = Vec::new();
    // Into memory: cannot fail.
    let _ = write_indented(&mut text, &pretty(&case), "    ", true);
    text
}

/// `value` as `serde_json::to_string_pretty` writes it at the top level.
fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A JSON string literal.
fn json_text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `text` with every line after the first (and the first too, with `first`) indented: pretty
/// JSON nested one level deeper. JSON strings hold no raw line breaks, so lines are the layout's.
pub fn write_indented(
    out: &mut impl std::io::Write,
    text: &str,
    indent: &str,
    first: bool,
) -> std::io::Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        if i > 0 || first {
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub fn render_json(
    shown: &[&CaseAudit],
    catalogues: &[CatalogueAudit],
    as_of: NaiveDate,
    lang: Lang,
) -> String {
    let written = (|| {
        let mut doc = JsonAudit::start(Vec::new(), as_of, lang)?;
        for a in shown {
            doc.case(a)?;
        }
        doc.finish(catalogues)
    })();
    String::from_utf8(written.unwrap_or_default()).unwrap_or_default()
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
    let mut s = csv_head(lang);
    for a in shown {
        s.push_str(&csv_case(a, lang));
    }
    s.push_str(&csv_catalogues(catalogues, lang));
    s
}

/// The CSV's first line, after a byte-order mark so that Excel opens the Chinese text as UTF-8.
pub fn csv_head(lang: Lang) -> String {
    let h = header(lang);
    let title = if lang == Lang::Zh { "标题" } else { "title" };
    let mut s = String::from(BOM);
    s.push_str(&csv_line(&[
        h[0], title, h[7], h[1], h[4], h[2], h[3], h[5], h[6],
    ]));
    s
}

/// One case's CSV lines: one per finding, or one without a finding.
pub fn csv_case(a: &CaseAudit, lang: Lang) -> String {
    let mut s = String::new();
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
    s
}

/// The catalogue findings: one row each, the catalogue (organ/year, version, item) in the first
/// three columns.
pub fn csv_catalogues(catalogues: &[CatalogueAudit], lang: Lang) -> String {
    let mut s = String::new();
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

#[cfg(test)]
mod tests {
    use super::*;
    use juece_core::catalogue::CatalogueFinding;
    use juece_core::finding::Code;
    use juece_core::ids::Step;

    fn finding(code: Code, step: Option<Step>, estimated: bool) -> Finding {
        Finding {
            code,
            step,
            article: "第十五条".into(),
            message_zh: "说明\"引号\"\n换行".into(),
            message_en: "message".into(),
            event: None,
            estimated,
        }
    }

    fn case(case_ref: &str, findings: Vec<Finding>) -> CaseAudit {
        CaseAudit {
            case_ref: case_ref.into(),
            title: "标题 <b>".into(),
            workflow: "decree-713@1".into(),
            status: Status::Published,
            findings,
            organ: "某县人民政府".into(),
            catalogue: None,
            decision: None,
        }
    }

    /// The whole document as the format was always written: one `to_string_pretty`.
    fn reference(shown: &[&CaseAudit], catalogues: &[CatalogueAudit], as_of: NaiveDate) -> String {
        #[derive(Serialize)]
        struct Doc<'a> {
            format: &'static str,
            as_of: String,
            cases: Vec<serde_json::Value>,
            catalogues: Vec<AuditCatalogue<'a>>,
        }
        let one = |a: &CaseAudit| {
            let v = render_json(&[a], &[], as_of, Lang::Zh);
            let doc: serde_json::Value = serde_json::from_str(&v).unwrap_or_default();
            doc["cases"][0].clone()
        };
        let doc = Doc {
            format: "juece-audit/1",
            as_of: as_of.to_string(),
            cases: shown.iter().map(|a| one(a)).collect(),
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
                            message: f.finding.message(Lang::Zh),
                        })
                        .collect(),
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The document written as the audit goes is the one rendered from every case's audit
    /// held at once, in JSON and in CSV, in either language.
    #[test]
    fn the_audit_document_is_the_rendered_one() -> Result<(), Box<dyn std::error::Error>> {
        let m = |e: EngineError| e.message;
        let profiles = juece_core::builtin::profiles()?;
        let calendar = juece_core::builtin::calendar()?;
        let mut store = Store::open_in_memory()?;
        let cases = juece_core::casefile::parse_cases(juece_core::builtin::EXAMPLE_CASES)?;
        crate::import_cases(&mut store, &profiles, &calendar, &cases).map_err(m)?;
        let scope = Scope::all();
        for as_of in ["2026-12-31", "2023-03-01"] {
            let as_of = NaiveDate::parse_from_str(as_of, "%Y-%m-%d")?;
            let audits = audit_store(&store, &profiles, &calendar, &scope, as_of).map_err(m)?;
            let catalogues = catalogue_audits(&store, &scope, &audits, as_of).map_err(m)?;
            let shown: Vec<&CaseAudit> = audits.iter().collect();
            for lang in [Lang::Zh, Lang::En] {
                let json = audit_document(&store, &profiles, &calendar, &scope, as_of, lang, false)
                    .map_err(m)?;
                assert!(json.pieces.iter().all(|p| p.len() <= Pieces::PIECE));
                assert_eq!(
                    String::from_utf8(json.into_vec())?,
                    render_json(&shown, &catalogues, as_of, lang)
                );
                let csv = audit_document(&store, &profiles, &calendar, &scope, as_of, lang, true)
                    .map_err(m)?;
                assert_eq!(
                    String::from_utf8(csv.into_vec())?,
                    render_csv(&shown, &catalogues, lang)
                );
            }
        }
        Ok(())
    }

    /// Written in writes of every size, across pieces, the pieces hold the bytes in order and
    /// none is larger than a piece.
    #[test]
    fn pieces_hold_what_was_written_in_order() {
        use std::io::Write as _;
        let mut pieces = Pieces::default();
        let mut all = Vec::new();
        let mut n = 0u32;
        while all.len() < 3 * Pieces::PIECE + Pieces::PIECE / 2 {
            n += 1;
            let chunk: Vec<u8> = (0..(n * 7919) % 300_000).map(|i| (i % 251) as u8).collect();
            pieces.write_all(&chunk).unwrap_or_default();
            all.extend_from_slice(&chunk);
        }
        assert!(pieces.pieces.iter().all(|p| p.len() <= Pieces::PIECE));
        assert_eq!(pieces.pieces.len(), all.len().div_ceil(Pieces::PIECE));
        assert_eq!(pieces.into_vec(), all);
        // Near miss: nothing written, no piece.
        assert!(Pieces::default().into_pieces().is_empty());
    }

    #[test]
    fn the_streamed_document_is_laid_out_as_one_pretty_document() {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
        let a = case(
            "A〔2024〕1号",
            vec![
                finding(Code::SkippedStep, Some(Step::LegalityReview), false),
                finding(Code::SkippedStep, None, true),
            ],
        );
        let b = case("B〔2024〕2号", Vec::new());
        let catalogue = CatalogueAudit {
            organ: "某县人民政府".into(),
            year: 2024,
            version: 2,
            findings: vec![
                CatalogueFinding {
                    finding: finding(Code::NotInCatalogue, None, false),
                    item: Some("item-1".into()),
                },
                CatalogueFinding {
                    finding: finding(Code::NotInCatalogue, None, false),
                    item: None,
                },
            ],
        };
        let empty_catalogue = CatalogueAudit {
            findings: Vec::new(),
            ..catalogue_clone(&catalogue)
        };
        for (shown, catalogues) in [
            (
                vec![&a, &b],
                vec![catalogue_clone(&catalogue), empty_catalogue],
            ),
            (vec![&b], Vec::new()),
            (Vec::new(), vec![catalogue_clone(&catalogue)]),
            (Vec::new(), Vec::new()),
        ] {
            let streamed = render_json(&shown, &catalogues, as_of, Lang::Zh);
            assert_eq!(streamed, reference(&shown, &catalogues, as_of));
            // Near miss: the document parses, and holds what was given.
            let doc: serde_json::Value = serde_json::from_str(&streamed).unwrap_or_default();
            assert_eq!(doc["cases"].as_array().map(Vec::len), Some(shown.len()));
        }
        let one = render_json(&[&a], &[], as_of, Lang::Zh);
        assert!(
            one.contains("\n      \"findings\": [\n        {\n"),
            "{one}"
        );
        assert!(one.contains("\"estimated\": true"), "{one}");
    }

    fn catalogue_clone(c: &CatalogueAudit) -> CatalogueAudit {
        CatalogueAudit {
            organ: c.organ.clone(),
            year: c.year,
            version: c.version,
            findings: c
                .findings
                .iter()
                .map(|f| CatalogueFinding {
                    finding: f.finding.clone(),
                    item: f.item.clone(),
                })
                .collect(),
        }
    }
}
