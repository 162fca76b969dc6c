use clap::Args;
use juece_core::builtin;
use juece_core::casefile::parse_cases;
use juece_core::Lang;

use crate::commands::audit::{audit_store, render, Format};
use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;
use juece_engine::import_cases;

/// Create a database here, import the example cases of workflows/examples/ and print their audit
#[derive(Args)]
pub struct DemoArgs {}

pub fn run(global: &GlobalArgs, _args: &DemoArgs) -> CmdResult {
    let cases = parse_cases(builtin::EXAMPLE_CASES)
        .map_err(|e| CliError::bad_input(format!("shipped examples: {e}")))?;
    let mut store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let summary = import_cases(&mut store, &profiles, &calendar, &cases)?;
    emit(&format!(
        "演示数据库 {}：导入示例事项 {} 件（{} 个事件）；demo database {}: {} example cases imported\n\n",
        global.db.display(),
        summary.cases,
        summary.events,
        global.db.display(),
        summary.cases
    ))?;
    let today = global.today();
    let audits = audit_store(&store, &profiles, &calendar, today)?;
    emit(&render(&audits, today, Format::Table, Lang::Zh, false))?;
    emit("\n下一步 / next: juece audit --lang en | juece audit --format json | juece export | juece workflow show local-strict --dot\n")?;
    Ok(Exit::Ok)
}
