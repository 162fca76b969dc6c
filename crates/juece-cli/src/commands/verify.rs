use std::path::PathBuf;

use clap::Args;
use juece_core::log::hex;

use crate::commands::checkpoint::read_checkpoint;
use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::emit;
use crate::CmdResult;
use juece_engine::projection;

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

pub fn run(global: &GlobalArgs, a: &VerifyArgs) -> CmdResult {
    let checked = match &a.checkpoint {
        Some(path) => Some(read_checkpoint(path, a.key.as_deref())?),
        None => None,
    };
    let store = global.store()?;
    let report = store.verify(checked.as_ref().map(|c| c.anchor))?;
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
    }
    if a.replay {
        let profiles = global.profiles(&store)?;
        let calendar = global.calendar()?;
        let stored = store.list_cases(&juece_store::ListFilter::default())?;
        let mut differences = 0;
        for case in store.load_all()? {
            let profile = profiles.resolve(&case.pinned())?;
            let rebuilt = projection(profile, &calendar, &case.case)?;
            let row = stored
                .iter()
                .find(|r| r.case_ref == case.case.header.case_ref);
            match row {
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
