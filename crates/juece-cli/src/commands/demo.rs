use std::path::PathBuf;

use clap::Args;
use juece_core::builtin;
use juece_core::casefile::parse_cases;
use juece_store::{ListFilter, Store};

use crate::commands::audit::{audit_store, render, Format};
use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::{t, CmdResult};
use juece_engine::import_cases;

/// The demo's own database, in the current folder: the demo never writes into the real one.
pub const DEMO_DB: &str = "juece-demo.db";

/// Import the example cases into a demo database of their own (./juece-demo.db) and print their audit
#[derive(Args)]
pub struct DemoArgs {}

pub fn run(global: &GlobalArgs, _args: &DemoArgs) -> CmdResult {
    let lang = global.lang();
    let cases = parse_cases(builtin::EXAMPLE_CASES).map_err(|e| {
        CliError::bad_input(t!(
            format!("内置示例有误：{}", crate::error::localized(&e.to_string())),
            format!("shipped examples: {e}")
        ))
    })?;
    // Only a database named on purpose (`--db`, JUECE_DB) is used; the default one, or one set
    // in the configuration file, is the office's real database and stays untouched.
    let path = if global.db_explicit {
        global.db.clone()
    } else {
        PathBuf::from(DEMO_DB)
    };
    let mut store = Store::open(&path)?;
    let examples: Vec<&str> = cases.iter().map(|c| c.header.case_ref.as_str()).collect();
    let real: Vec<String> = store
        .list_cases(&ListFilter::default())?
        .into_iter()
        .map(|c| c.case_ref)
        .filter(|r| !examples.contains(&r.as_str()))
        .collect();
    if !real.is_empty() {
        return Err(CliError {
            exit: Exit::Refused,
            message: t!(
                format!(
                    "数据库 `{}` 已有 {} 件真实事项（如 `{}`）；演示不会把虚构的示例事项写入其中，未写入任何内容",
                    path.display(),
                    real.len(),
                    real[0]
                ),
                format!(
                    "the database `{}` holds {} real case(s) (e.g. `{}`); the demo never writes its invented cases into it; nothing was written",
                    path.display(),
                    real.len(),
                    real[0]
                )
            ),
            hints: vec![t!(
                format!("不带 `--db` 运行 `juece demo`，演示数据写入单独的 ./{DEMO_DB}"),
                format!("run `juece demo` without `--db`: the demo then uses its own ./{DEMO_DB}")
            )],
        });
    }
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let summary = import_cases(&mut store, &profiles, &calendar, &cases)?;
    let shown = path.display();
    emit(&t!(
        format!(
            "演示数据库 {shown}（与正式数据库分开）：导入示例事项 {} 件（{} 个事件）\n\n",
            summary.cases, summary.events
        ),
        format!(
            "demo database {shown} (kept apart from the real one): {} example {} imported ({} events)\n\n",
            summary.cases,
            if summary.cases == 1 { "case" } else { "cases" },
            summary.events
        )
    ))?;
    let today = global.today();
    let audits = audit_store(
        &store,
        &profiles,
        &calendar,
        &juece_engine::Scope::all(),
        today,
    )?;
    emit(&render(&audits, &[], today, Format::Table, lang, false))?;
    let db_opt = if global.db_explicit {
        String::new()
    } else {
        format!(" --db {DEMO_DB}")
    };
    emit(&t!(
        format!("\n下一步：juece{db_opt} audit --lang en | juece{db_opt} audit --format json | juece{db_opt} case list | juece workflow show local-strict --dot\n"),
        format!("\nnext: juece{db_opt} audit | juece{db_opt} audit --format json | juece{db_opt} case list | juece workflow show local-strict --dot\n")
    ))?;
    Ok(Exit::Ok)
}
