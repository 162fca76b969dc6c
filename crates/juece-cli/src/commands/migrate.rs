use std::path::PathBuf;

use clap::Args;
use juece_core::log::hex;
use juece_store::{Location, Store, StoreError};

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::{t, CmdResult};

/// Copy a county's SQLite database into an empty PostgreSQL database, then prove the copy
///
/// Every event in its global order with its recorded time, bytes and hashes, the records
/// (profiles, users and roles, calendars), catalogues, users, command ids, passwords and API
/// tokens, in one transaction. The copy is then verified: it must hold as many events as the
/// source, with the same chain head (and the same records and catalogue heads); exit 1 if not.
#[derive(Args)]
pub struct MigrateArgs {
    /// The county's SQLite database file
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// The empty PostgreSQL database (postgres://ROLE@HOST:PORT/DB)
    #[arg(long, value_name = "URL")]
    to: PathBuf,
}

pub fn run(global: &GlobalArgs, a: &MigrateArgs) -> CmdResult {
    let from = Location::parse(&a.from);
    let to = Location::parse(&a.to).with_password(global.pg_password.clone());
    if from.is_postgres() || !to.is_postgres() {
        return Err(CliError::bad_input(t!(
            "`juece migrate` 把 SQLite 数据库文件复制到 PostgreSQL 数据库：--from 是文件，--to 是 postgres:// 网址；未写入任何内容",
            "`juece migrate` copies an SQLite database file into a PostgreSQL database: --from is a file, --to a postgres:// URL; nothing was written"
        )));
    }
    if !from.exists() {
        return Err(CliError::bad_input(t!(
            format!("数据库文件 `{}` 不存在；未写入任何内容", from.shown()),
            format!(
                "the database file `{}` does not exist; nothing was written",
                from.shown()
            )
        )));
    }
    let source = Store::open_location(&from)?;
    let mut copy = Store::open_location(&to)?;
    let summary = match source.copy_into(&mut copy) {
        Err(StoreError::TargetNotEmpty(held)) => {
            return Err(CliError::bad_input(t!(
                format!("目标数据库 {} 不是空的（{held}）；`juece migrate` 只复制到空数据库，未写入任何内容", to.shown()),
                format!("the target database {} is not empty ({held}); `juece migrate` copies into an empty database only; nothing was written", to.shown())
            ))
            .with_hint(t!(
                "新建一个空数据库：CREATE DATABASE 名称 OWNER 角色；",
                "create an empty one: CREATE DATABASE NAME OWNER ROLE;"
            )));
        }
        other => other?,
    };
    let (src, dst) = (source.verify(None)?, copy.verify(None)?);
    let (src_rec, dst_rec) = (source.records_head()?, copy.verify_records(None)?);
    let (src_cat, dst_cat) = (source.verify_catalogues()?, copy.verify_catalogues()?);
    let mut out = String::new();
    for (table, n) in &summary.tables {
        out.push_str(&t!(
            format!("已复制 {table}：{n} 行\n"),
            format!("copied {table}: {n} rows\n")
        ));
    }
    out.push_str(&t!(
        format!(
            "源库：{} 个事件，链头 {}\n副本：{} 个事件，链头 {}\n",
            src.events,
            hex(&src.head),
            dst.events,
            hex(&dst.head)
        ),
        format!(
            "source: {} events, head {}\ncopy:   {} events, head {}\n",
            src.events,
            hex(&src.head),
            dst.events,
            hex(&dst.head)
        )
    ));
    let same = dst.ok()
        && dst.events == src.events
        && dst.head == src.head
        && dst_rec.ok()
        && dst_rec.records == src_rec.size
        && dst_rec.head == src_rec.head
        && dst_cat.failure.is_none()
        && dst_cat.head == src_cat.head;
    if same {
        out.push_str(&t!(
            format!(
                "证明：通过——副本与源库事件数相同、链头相同，{} 条记录和决策事项目录链头也相同，副本核验完好\n",
                dst_rec.records
            ),
            format!(
                "proof: OK — the copy has the source's event count and chain head, the same {} records and catalogue head, and verifies whole\n",
                dst_rec.records
            )
        ));
    } else {
        out.push_str(&t!(
            "证明：失败——副本与源库不一致或核验未通过；请勿使用此副本，运行 `juece verify --db 网址` 查看原因\n",
            "proof: FAILED — the copy differs from the source or does not verify; do not use it; run `juece verify --db URL` to see why\n"
        ));
    }
    emit(&out)?;
    Ok(if same { Exit::Ok } else { Exit::Problems })
}
