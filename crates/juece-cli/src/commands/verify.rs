use std::path::PathBuf;

use clap::Args;
use juece_core::log::hex;

use crate::commands::checkpoint::read_checkpoint;
use crate::commands::import::projection;
use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::emit;
use crate::CmdResult;

/// Check the whole stored history: recompute the hash chain (exit 1 on any failure)
#[derive(Args)]
pub struct VerifyArgs {
    /// Also prove the log still extends this checkpoint: nothing before it changed, dropped, reordered or truncated
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// The public key the checkpoint must be signed with (a `.pub` file from `juece key init`)
    #[arg(long, value_name = "PUBKEY", requires = "checkpoint")]
    key: Option<PathBuf>,
    /// Also rebuild every case's projection from its events and report differences from the stored one
    #[arg(long)]
    replay: bool,
}

/// Why an existing database file cannot be opened, when the reason is damage to the file.
fn opening_damage(path: &std::path::Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    match juece_store::Store::open(path) {
        Err(e) if e.is_damage() => Some(e.to_string()),
        _ => None,
    }
}

pub fn run(global: &GlobalArgs, a: &VerifyArgs) -> CmdResult {
    let checked = match &a.checkpoint {
        Some(path) => Some(read_checkpoint(path, a.key.as_deref())?),
        None => None,
    };
    let store = match global.store() {
        Ok(s) => s,
        Err(e) => {
            // A file too damaged to open is a finding of the check, in plain words: exit 1.
            if let Some(damage) = opening_damage(&global.db) {
                emit(&format!(
                    "file: DAMAGED — {} cannot be opened as a juece database: {damage}\nfile: restore the database from a backup (`juece backup`) and keep this copy for investigation\n",
                    global.db.display()
                ))?;
                return Ok(Exit::Problems);
            }
            return Err(e);
        }
    };
    let report = store.verify(checked.as_ref().map(|c| c.anchor))?;
    let records = store.verify_records(checked.as_ref().and_then(|c| c.records))?;
    let mut out = format!(
        "log: {} events in {} cases, head {}\n",
        report.events,
        report.cases,
        hex(&report.head)
    );
    let mut ok = report.ok();
    match &report.failure {
        None => out
            .push_str("chain: OK — every event is what was hashed, in the order it was appended\n"),
        Some(f) => {
            let mut place = Vec::new();
            if let Some(p) = f.position {
                place.push(format!("event #{p}"));
            }
            if let Some(r) = &f.case_ref {
                place.push(format!("case `{r}`"));
            }
            if let Some(s) = f.seq {
                place.push(format!("sequence {s}"));
            }
            out.push_str(&format!(
                "chain: BROKEN at {}: {}\n",
                place.join(", "),
                f.what
            ));
        }
    }
    if records.ok() {
        out.push_str(&format!(
            "records: OK — {} records (profiles, users and roles, calendars), head {}; the stored profiles and users are what they record\n",
            records.records,
            hex(&records.head)
        ));
    } else {
        ok = false;
        for f in &records.failures {
            out.push_str(&format!("records: BROKEN — {f}\n"));
        }
    }
    if report.damage.is_empty() {
        out.push_str("file: OK — SQLite's own integrity check found every page and index sound\n");
    } else {
        for d in &report.damage {
            out.push_str(&format!("file: DAMAGED — {d}\n"));
        }
        out.push_str("file: restore the database from a backup (`juece backup`) and keep this copy for investigation\n");
    }
    if let Some(c) = &checked {
        let whose = if c.key_given {
            "the trusted key"
        } else {
            "the key it carries (pass --key to check that key is the one you trust)"
        };
        out.push_str(&format!(
            "checkpoint: {} events, head {}, made {}, signature valid for {whose} ({})\n",
            c.anchor.size,
            hex(&c.anchor.head),
            c.created_at,
            c.public_key
        ));
        match report.anchored {
            Some(n) => {
                out.push_str(&format!(
                    "anchored: the first {n} events are exactly those the checkpoint covers\n"
                ));
                if report.unanchored > 0 {
                    out.push_str(&format!(
                        "not yet anchored: {} events after the checkpoint (intact in the chain, but no outside party holds their hash yet)\n",
                        report.unanchored
                    ));
                }
            }
            _ => {
                ok = false;
                out.push_str("anchored: NO — the log does not extend the checkpoint\n");
            }
        }
        match (c.records, records.anchored) {
            (None, _) => out.push_str(
                "records: this checkpoint is juece-checkpoint/1 and does not cover the records (profiles, users, calendars); make a new checkpoint\n",
            ),
            (Some(_), Some(n)) => {
                out.push_str(&format!(
                    "anchored: the first {n} records are exactly those the checkpoint covers\n"
                ));
                if records.unanchored > 0 {
                    out.push_str(&format!(
                        "not yet anchored: {} records after the checkpoint\n",
                        records.unanchored
                    ));
                }
            }
            (Some(_), None) => {
                ok = false;
                out.push_str("anchored: NO — the records chain does not extend the checkpoint\n");
            }
        }
    }
    if a.replay && !report.damage.is_empty() {
        out.push_str("replay: skipped — the file is damaged, its cases cannot all be read whole\n");
    } else if a.replay && !records.ok() {
        out.push_str(
            "replay: skipped — the stored profiles or users are not what the chain records\n",
        );
    } else if a.replay {
        let profiles = global.profiles(&store)?;
        let calendar = global.calendar_with(&store)?;
        let stored = store.list_cases(&juece_store::ListFilter::default())?;
        // By reference: looking each case up in the list was quadratic in the number of cases.
        let by_ref: std::collections::HashMap<&str, &juece_store::CaseRow> =
            stored.iter().map(|r| (r.case_ref.as_str(), r)).collect();
        let mut differences = 0;
        // A chunk of cases at a time, not every history at once.
        store.visit_cases(|chunk| -> Result<(), crate::error::CliError> {
            for case in chunk {
                let profile = profiles.resolve(&case.pinned())?;
                let rebuilt = projection(profile, &calendar, &case.case)?;
                match by_ref.get(case.case.header.case_ref.as_str()) {
                    Some(r) if r.projection == rebuilt => {}
                    Some(r) => {
                        differences += 1;
                        out.push_str(&format!(
                            "replay: case `{}`: stored projection {:?} differs from the rebuilt {:?}\n",
                            r.case_ref, r.projection, rebuilt
                        ));
                    }
                    None => {
                        differences += 1;
                        out.push_str(&format!(
                            "replay: case `{}` has no stored projection\n",
                            case.case.header.case_ref
                        ));
                    }
                }
            }
            Ok(())
        })?;
        if differences == 0 {
            out.push_str(&format!(
                "replay: OK — {} projections rebuilt from the events match the stored ones\n",
                stored.len()
            ));
        } else {
            ok = false;
        }
    }
    emit(&out)?;
    Ok(if ok { Exit::Ok } else { Exit::Problems })
}
