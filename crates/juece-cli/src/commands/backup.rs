use std::path::PathBuf;

use clap::Args;
use juece_core::log::hex;
use juece_store::Store;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Copy the database to a new file while it is in use, then verify the copy
///
/// SQLite's online backup: one consistent snapshot even while other processes write. The copy is
/// one self-contained file (no `-wal` beside it), synced to disk, and checked as `juece verify`
/// checks a database. An existing file is never replaced.
#[derive(Args)]
pub struct BackupArgs {
    /// The new file to write (must not exist)
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(global: &GlobalArgs, a: &BackupArgs) -> CmdResult {
    if global.location().is_postgres() {
        return Err(CliError::bad_input(crate::t!(
            "`juece backup` 复制的是 SQLite 数据库文件；PostgreSQL 数据库用服务器自带的工具备份，未写入任何内容",
            "`juece backup` copies an SQLite database file; a PostgreSQL database is backed up with the server's own tools; nothing was written"
        ))
        .with_hint(crate::t!(
            "备份：pg_dump --format=custom --file=juece.dump 数据库名；恢复：pg_restore --dbname=空数据库 juece.dump，然后 `juece verify --db postgres://…` 核验",
            "back up: pg_dump --format=custom --file=juece.dump DATABASE; restore: pg_restore --dbname=EMPTY_DATABASE juece.dump, then check it with `juece verify --db postgres://…`"
        )));
    }
    if a.file.exists() {
        return Err(CliError::bad_input(crate::t!(
            format!("`{}` 已存在；备份从不覆盖已有文件", a.file.display()),
            format!(
                "`{}` already exists; a backup never replaces a file",
                a.file.display()
            )
        ))
        .with_hint(crate::t!(
            "请换一个新文件名，例如带上今天的日期",
            "choose a new file name, e.g. one with today's date"
        )));
    }
    let store = global.store()?;
    store.backup_to(&a.file)?;
    drop(store);
    let copy = Store::open(&a.file)?;
    let report = copy.verify(None)?;
    let records = copy.verify_records(None)?;
    let mut out = crate::t!(
        format!(
            "已写出备份 {}：{} 件事项共 {} 个事件，链头 {}\n",
            a.file.display(),
            report.cases,
            report.events,
            hex(&report.head)
        ),
        format!(
            "backup written to {}: {} events in {} cases, head {}\n",
            a.file.display(),
            report.events,
            report.cases,
            hex(&report.head)
        )
    );
    let ok = report.ok() && records.ok();
    if ok {
        out.push_str(&crate::t!(
            format!(
                "校验：完好 — 副本的哈希链、{} 条记录（流程配置、用户、日历）和文件结构都完好\n",
                records.records
            ),
            format!(
                "verified: OK — the copy's chain, its {} records (profiles, users, calendars) and its file structure are sound\n",
                records.records
            )
        ));
    } else {
        if let Some(f) = &report.failure {
            out.push_str(&crate::t!(
                format!(
                    "校验：哈希链已断裂 — {}\n",
                    crate::error::localized(&f.what)
                ),
                format!("verified: BROKEN — {}\n", f.what)
            ));
        }
        for d in &report.damage {
            out.push_str(&crate::t!(
                format!("校验：已损坏 — {}\n", crate::error::localized(d)),
                format!("verified: DAMAGED — {d}\n")
            ));
        }
        for f in &records.failures {
            out.push_str(&crate::t!(
                format!("校验：记录链已断裂 — {}\n", crate::error::localized(f)),
                format!("verified: RECORDS BROKEN — {f}\n")
            ));
        }
        out.push_str(&crate::t!(
            "副本不完好：请对原数据库运行 `juece verify`\n",
            "the copy is not sound: the database it was taken from needs `juece verify`\n"
        ));
    }
    emit(&out)?;
    Ok(if ok { Exit::Ok } else { Exit::Problems })
}
