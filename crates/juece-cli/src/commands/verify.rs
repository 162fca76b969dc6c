use std::path::PathBuf;

use clap::Args;
use juece_core::log::hex;

use crate::commands::checkpoint::read_checkpoint;
use crate::context::GlobalArgs;
use crate::error::Exit;
use crate::out::emit;
use crate::CmdResult;
use juece_engine::projection;
use juece_store::Projection;

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
    if juece_store::Location::parse(path).is_postgres() || !path.is_file() {
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
                emit(&crate::t!(
                    format!(
                        "文件：已损坏 — {} 无法作为 juece 数据库打开：{}\n文件：请从备份（`juece backup`）恢复数据库，并保留此副本以供调查\n",
                        global.location().shown(),
                        crate::error::localized(&damage)
                    ),
                    format!(
                        "file: DAMAGED — {} cannot be opened as a juece database: {damage}\nfile: restore the database from a backup (`juece backup`) and keep this copy for investigation\n",
                        global.location().shown()
                    )
                ))?;
                return Ok(Exit::Problems);
            }
            return Err(e);
        }
    };
    crate::progress::total(store.event_count()?, crate::progress::Unit::Events);
    let report = store.verify(checked.as_ref().map(|c| c.anchor))?;
    let records = store.verify_records(checked.as_ref().and_then(|c| c.records))?;
    let mut out = crate::t!(
        format!(
            "日志：{} 件事项共 {} 个事件，链头 {}\n",
            report.cases,
            report.events,
            hex(&report.head)
        ),
        format!(
            "log: {} events in {} cases, head {}\n",
            report.events,
            report.cases,
            hex(&report.head)
        )
    );
    let mut ok = report.ok();
    match &report.failure {
        None => out.push_str(&crate::t!(
            "哈希链：完好 — 每个事件都与计算哈希时相同，顺序与写入时一致\n",
            "chain: OK — every event is what was hashed, in the order it was appended\n"
        )),
        Some(f) => {
            let mut place = Vec::new();
            if let Some(p) = f.position {
                place.push(crate::t!(format!("第 {p} 个事件"), format!("event #{p}")));
            }
            if let Some(r) = &f.case_ref {
                place.push(crate::t!(format!("事项 `{r}`"), format!("case `{r}`")));
            }
            if let Some(s) = f.seq {
                place.push(crate::t!(format!("序号 {s}"), format!("sequence {s}")));
            }
            out.push_str(&crate::t!(
                format!("哈希链：已断裂，位置 {}：{}\n", place.join("，"), f.what),
                format!("chain: BROKEN at {}: {}\n", place.join(", "), f.what)
            ));
        }
    }
    if records.ok() {
        out.push_str(&crate::t!(
            format!(
                "记录：完好 — {} 条记录（流程配置、用户和角色、日历），链头 {}；存储的流程配置和用户与记录一致\n",
                records.records,
                hex(&records.head)
            ),
            format!(
                "records: OK — {} records (profiles, users and roles, calendars), head {}; the stored profiles and users are what they record\n",
                records.records,
                hex(&records.head)
            )
        ));
    } else {
        ok = false;
        for f in &records.failures {
            out.push_str(&crate::t!(
                format!("记录：已断裂 — {}\n", crate::error::localized(f)),
                format!("records: BROKEN — {f}\n")
            ));
        }
    }
    if report.damage.is_empty() && store.is_postgres() {
        out.push_str(&crate::t!(
            "数据库：完好 — 每个事项的事件数与其投影记录的数目一致（PostgreSQL 自行检查其数据页）\n",
            "database: OK — every case holds as many events as its projection counts (PostgreSQL checks its own pages)\n"
        ));
    } else if report.damage.is_empty() {
        out.push_str(&crate::t!(
            "文件：完好 — SQLite 自身的完整性检查确认每一页、每个索引都完好\n",
            "file: OK — SQLite's own integrity check found every page and index sound\n"
        ));
    } else {
        for d in &report.damage {
            out.push_str(&crate::t!(
                format!("文件：已损坏 — {}\n", crate::error::localized(d)),
                format!("file: DAMAGED — {d}\n")
            ));
        }
        out.push_str(&crate::t!(
            "文件：请从备份（`juece backup`）恢复数据库，并保留此副本以供调查\n",
            "file: restore the database from a backup (`juece backup`) and keep this copy for investigation\n"
        ));
    }
    // The catalogue versions are a chain of their own (migration 0006).
    let catalogues = store.verify_catalogues()?;
    match &catalogues.failure {
        None if catalogues.versions == 0 => {}
        None => out.push_str(&crate::t!(
            format!(
                "决策事项目录：完好 — {} 个版本，链头 {}\n",
                catalogues.versions,
                hex(&catalogues.head)
            ),
            format!(
                "catalogues: OK — {} versions, head {}\n",
                catalogues.versions,
                hex(&catalogues.head)
            )
        )),
        Some(f) => {
            ok = false;
            out.push_str(&crate::t!(
                format!(
                    "决策事项目录：已断裂，位置第 {} 个版本（`{}` {} 年度第 {} 版）：{}\n",
                    f.position,
                    f.organ,
                    f.year,
                    f.version,
                    crate::error::localized(&f.what)
                ),
                format!(
                    "catalogues: BROKEN at version #{} (`{}` {}, version {}): {}\n",
                    f.position, f.organ, f.year, f.version, f.what
                )
            ));
        }
    }
    if let Some(c) = &checked {
        let whose = match (c.key_given, crate::i18n::zh()) {
            (true, true) => "所信任的公钥",
            (false, true) => "检查点自带的公钥（用 --key 指定所信任的公钥才能确认是它）",
            (true, false) => "the trusted key",
            (false, false) => {
                "the key it carries (pass --key to check that key is the one you trust)"
            }
        };
        out.push_str(&crate::t!(
            format!(
                "检查点：{} 个事件，链头 {}，生成于 {}，签名对{whose}有效（{}）\n",
                c.anchor.size,
                hex(&c.anchor.head),
                c.created_at,
                c.public_key
            ),
            format!(
                "checkpoint: {} events, head {}, made {}, signature valid for {whose} ({})\n",
                c.anchor.size,
                hex(&c.anchor.head),
                c.created_at,
                c.public_key
            )
        ));
        match report.anchored {
            Some(n) => {
                out.push_str(&crate::t!(
                    format!("锚定：前 {n} 个事件与检查点所涵盖的完全一致\n"),
                    format!(
                        "anchored: the first {n} events are exactly those the checkpoint covers\n"
                    )
                ));
                if report.unanchored > 0 {
                    out.push_str(&crate::t!(
                        format!(
                            "尚未锚定：检查点之后的 {} 个事件（链中完好，但尚无外部方持有其哈希）\n",
                            report.unanchored
                        ),
                        format!(
                            "not yet anchored: {} events after the checkpoint (intact in the chain, but no outside party holds their hash yet)\n",
                            report.unanchored
                        )
                    ));
                }
            }
            _ => {
                ok = false;
                out.push_str(&crate::t!(
                    "锚定：否 — 日志并非检查点的延续\n",
                    "anchored: NO — the log does not extend the checkpoint\n"
                ));
            }
        }
        match (c.records, records.anchored) {
            (None, _) => out.push_str(&crate::t!(
                "记录：此检查点为 juece-checkpoint/1，不涵盖记录（流程配置、用户、日历）；请生成新的检查点\n",
                "records: this checkpoint is juece-checkpoint/1 and does not cover the records (profiles, users, calendars); make a new checkpoint\n"
            )),
            (Some(_), Some(n)) => {
                out.push_str(&crate::t!(
                    format!("锚定：前 {n} 条记录与检查点所涵盖的完全一致\n"),
                    format!(
                        "anchored: the first {n} records are exactly those the checkpoint covers\n"
                    )
                ));
                if records.unanchored > 0 {
                    out.push_str(&crate::t!(
                        format!("尚未锚定：检查点之后的 {} 条记录\n", records.unanchored),
                        format!(
                            "not yet anchored: {} records after the checkpoint\n",
                            records.unanchored
                        )
                    ));
                }
            }
            (Some(_), None) => {
                ok = false;
                out.push_str(&crate::t!(
                    "锚定：否 — 记录链并非检查点的延续\n",
                    "anchored: NO — the records chain does not extend the checkpoint\n"
                ));
            }
        }
    }
    if a.replay && !report.damage.is_empty() {
        out.push_str(&crate::t!(
            "重放：跳过 — 文件已损坏，无法完整读取所有事项\n",
            "replay: skipped — the file is damaged, its cases cannot all be read whole\n"
        ));
    } else if a.replay && !records.ok() {
        out.push_str(&crate::t!(
            "重放：跳过 — 存储的流程配置或用户与链中记录的不一致\n",
            "replay: skipped — the stored profiles or users are not what the chain records\n"
        ));
    } else if a.replay {
        let profiles = global.profiles(&store)?;
        let calendar = global.calendar_with(&store)?;
        // Each case comes with its stored projection, read alongside (no list of every case
        // held beside the pass: at a million cases that list was 500 MB and 3 s).
        let mut differences = 0;
        let replayed = std::sync::atomic::AtomicUsize::new(0);
        crate::progress::total(store.case_count()?, crate::progress::Unit::Cases);
        // A chunk of cases at a time, not every history at once; read in the order of the file
        // (as the audit does), parsed and replayed on two worker threads while the next is
        // read; only the cases whose projection differs come back, in the order of the
        // references.
        store.map_cases_gathered(
            |case| -> Result<Option<(String, Option<Projection>, Projection)>, crate::error::CliError> {
                let profile = profiles.resolve(&case.pinned())?;
                let rebuilt = projection(profile, &calendar, &case.case);
                // A stored status juece does not know: the file is damaged (exit 2), as when
                // the replay listed the projections first.
                let stored = case
                    .stored_projection
                    .transpose()
                    .map_err(juece_store::StoreError::Corrupt)?;
                if stored.is_some() {
                    replayed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok((stored.as_ref() != Some(&rebuilt))
                    .then_some((case.case.header.case_ref, stored, rebuilt)))
            },
            |answers| {
                // Only the cases that differ (or have no stored projection) come here.
                for (case_ref, stored, rebuilt) in answers {
                    differences += 1;
                    match stored {
                        Some(stored) => {
                            out.push_str(&crate::t!(
                                format!(
                                    "重放：事项 `{case_ref}`：存储的投影 {stored:?} 与重建的 {rebuilt:?} 不同\n"
                                ),
                                format!(
                                    "replay: case `{case_ref}`: stored projection {stored:?} differs from the rebuilt {rebuilt:?}\n"
                                )
                            ));
                        }
                        None => {
                            out.push_str(&crate::t!(
                                format!("重放：事项 `{case_ref}` 没有存储的投影\n"),
                                format!("replay: case `{case_ref}` has no stored projection\n")
                            ));
                        }
                    }
                }
                Ok(())
            },
        )?;
        let replayed = replayed.into_inner();
        if differences == 0 {
            out.push_str(&crate::t!(
                format!(
                    "重放：完好 — 由事件重建的 {} 个投影与存储的一致\n",
                    replayed
                ),
                format!(
                    "replay: OK — {} projections rebuilt from the events match the stored ones\n",
                    replayed
                )
            ));
        } else {
            ok = false;
        }
    }
    emit(&out)?;
    Ok(if ok { Exit::Ok } else { Exit::Problems })
}
