//! `juece audit`: the engine's audit (crates/juece-engine/src/audit.rs) as a table, JSON or CSV.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use juece_core::ids::Severity;
use juece_core::Lang;
pub use juece_engine::audit::{audit_store, catalogue_audits, CaseAudit};
use juece_engine::audit::{
    audit_store_each, audit_store_rendered, case_text, header, message_of, render_csv, render_json,
    AuditWriter,
};
use juece_engine::catalogue::CatalogueAudit;

use crate::context::{parse_date, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::{emit, packed_row, table, unpacked_row, write_table, Emitter};
use crate::CmdResult;
use std::io::IsTerminal;

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
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn run(global: &GlobalArgs, args: &AuditArgs) -> CmdResult {
    let store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let as_of = args.as_of.unwrap_or_else(|| global.today());
    crate::progress::total(store.case_count()?, crate::progress::Unit::Cases);
    let scope = args.reader.scope(&store)?;
    if !std::io::stdout().is_terminal() {
        return stream(
            &store,
            &profiles,
            &calendar,
            &scope,
            as_of,
            args,
            global.lang(),
        );
    }
    let audits = audit_store(&store, &profiles, &calendar, &scope, as_of)?;
    let catalogues = catalogue_audits(&store, &scope, &audits, as_of)?;
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

/// Into a pipe or file, written a chunk of cases at a time as the audit goes (the table once its
/// column widths are known): a province's audit is never in memory at once. (To a terminal the
/// report goes through the pager, whole.)
fn stream(
    store: &juece_store::Store,
    profiles: &juece_core::registry::Profiles,
    calendar: &juece_core::calendar::Calendar,
    scope: &juece_engine::Scope,
    as_of: NaiveDate,
    args: &AuditArgs,
    lang: Lang,
) -> CmdResult {
    let mut violation = false;
    let mut out = Emitter::new();
    let shown = |a: &CaseAudit| !args.only_findings || !a.findings.is_empty();
    let has_violation = |a: &CaseAudit| {
        a.findings
            .iter()
            .any(|f| f.severity() == Severity::Violation)
    };
    match args.format {
        // JSON and CSV: each case's text is made on the threads that evaluate the cases,
        // with whether it has a violation; only the text (of a case shown) is held.
        Format::Json | Format::Csv => {
            let csv = matches!(args.format, Format::Csv);
            let mut doc = AuditWriter::start(&mut out, csv, as_of, lang)?;
            let text = |a: CaseAudit| {
                let text = shown(&a).then(|| case_text(&a, lang, csv));
                (has_violation(&a), text)
            };
            let catalogues =
                audit_store_rendered(store, profiles, calendar, scope, as_of, text, |chunk| {
                    for (violates, text) in chunk {
                        violation |= violates;
                        if let Some(text) = text {
                            doc.case_written(&text)?;
                        }
                    }
                    Ok::<(), CliError>(())
                })?;
            doc.finish(&catalogues, lang)?;
        }
        Format::Table => {
            // Only the table's rows (one string each) are held until the widths of its columns
            // are known; the text is the table `render` gives.
            let mut tally = Tally::default();
            let mut rows: Vec<String> = Vec::new();
            let catalogues = audit_store_each(store, profiles, calendar, scope, as_of, |chunk| {
                violation |= chunk.iter().any(has_violation);
                for a in &chunk {
                    tally.case(a);
                    if shown(a) {
                        rows.extend(table_rows(a, lang).iter().map(|r| packed_row(r)));
                    }
                }
                Ok::<(), CliError>(())
            })?;
            out.write(&table_title(as_of, lang))?;
            if rows.is_empty() {
                out.write(no_rows(lang))?;
            } else {
                write_table(&mut out, &header(lang)[..7], &rows, |r| unpacked_row(r))?;
            }
            out.write(&catalogue_table(&catalogues, lang))?;
            out.write(&tally.summary(&catalogues, lang))?;
        }
    }
    out.finish()?;
    Ok(if violation { Exit::Problems } else { Exit::Ok })
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

fn render_table(
    shown: &[&CaseAudit],
    all: &[CaseAudit],
    catalogues: &[CatalogueAudit],
    as_of: NaiveDate,
    lang: Lang,
) -> String {
    let h = header(lang);
    let rows: Vec<Vec<String>> = shown.iter().flat_map(|a| table_rows(a, lang)).collect();
    let mut s = table_title(as_of, lang);
    if rows.is_empty() {
        s.push_str(no_rows(lang));
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
    let mut tally = Tally::default();
    for a in all {
        tally.case(a);
    }
    s.push_str(&tally.summary(catalogues, lang));
    s
}

/// The rows of one case in the table: one per finding, or one saying there is none.
fn table_rows(a: &CaseAudit, lang: Lang) -> Vec<Vec<String>> {
    if a.findings.is_empty() {
        let ok = if lang == Lang::Zh {
            "未发现问题"
        } else {
            "no findings"
        };
        return vec![vec![
            a.case_ref.clone(),
            a.status.label(lang).to_owned(),
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
            ok.into(),
        ]];
    }
    a.findings
        .iter()
        .map(|f| {
            vec![
                a.case_ref.clone(),
                a.status.label(lang).to_owned(),
                f.severity().label(lang).to_owned(),
                f.step.map(|s| s.label(lang)).unwrap_or("—").to_owned(),
                f.code.as_str().to_owned(),
                f.article_in(lang),
                message_of(f, lang),
            ]
        })
        .collect()
}

/// What stands in place of a table without rows.
fn no_rows(lang: Lang) -> &'static str {
    if lang == Lang::Zh {
        "（无）\n"
    } else {
        "(none)\n"
    }
}

/// The line above the table.
fn table_title(as_of: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("重大行政决策程序审计（截至 {as_of}）\n\n"),
        Lang::En => format!("Major decision procedure audit (as of {as_of})\n\n"),
    }
}

/// What the line under the table counts, case by case.
#[derive(Default)]
struct Tally {
    cases: usize,
    with_findings: usize,
    violations: usize,
    warnings: usize,
    info: usize,
}

impl Tally {
    fn case(&mut self, a: &CaseAudit) {
        self.cases += 1;
        self.with_findings += usize::from(!a.findings.is_empty());
        for f in &a.findings {
            self.finding(f);
        }
    }

    fn finding(&mut self, f: &juece_core::finding::Finding) {
        match f.severity() {
            Severity::Violation => self.violations += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// The line under the table (after a blank line), the catalogues' findings counted too.
    fn summary(mut self, catalogues: &[CatalogueAudit], lang: Lang) -> String {
        for c in catalogues {
            for f in &c.findings {
                self.finding(&f.finding);
            }
        }
        let Tally {
            cases,
            with_findings: with,
            violations: v,
            warnings: w,
            info: i,
        } = self;
        match lang {
            Lang::Zh => format!(
                "\n共 {cases} 件事项，{with} 件有发现：违规 {v} 项，警告 {w} 项，提示 {i} 项\n"
            ),
            Lang::En => format!(
                "\n{cases} {}, {with} with findings: {v} {}, {w} {}, {i} info\n",
                plural(cases, "case"),
                plural(v, "violation"),
                plural(w, "warning")
            ),
        }
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
