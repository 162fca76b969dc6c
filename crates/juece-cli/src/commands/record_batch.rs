use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::write::{session, write_in, WriteArgs};
use crate::CmdResult;
use juece_engine::WriteSession;

/// Record many events, one JSON request per line, each exactly as `juece record` would
///
/// For a program that records as the work happens (an office system, a script): the database is
/// opened once, and every line is still its own write — read its case, check the guards, append,
/// commit durably — answered by one JSON line on stdout, written and flushed once the write is
/// durable (or refused). A request: `{"ref": REF, "event": EVENT, "as": NAME, "override":
/// JUSTIFICATION, "at": TIME, "command_id": ID}`; only `ref` and `event` are required, `as`
/// defaults to `--as`/`JUECE_USER`. An answer: `{"line": N, "exit": 0|2|3, "ref": REF,
/// "message": TEXT}` or, when nothing was written, `{"line": N, "exit": 2|3, "ref": REF, "error":
/// TEXT, "hints": [...]}`. The process exits with the largest exit code of its lines (0 when every
/// line was written).
#[derive(Args)]
pub struct RecordBatchArgs {
    /// The requests, one JSON object per line, or `-` for standard input
    #[arg(default_value = "-")]
    requests: PathBuf,
    /// Who is recording when a line does not say (a user added with `juece user add`)
    #[arg(long = "as", env = "JUECE_USER", value_name = "NAME")]
    as_user: Option<String>,
}

/// One line of the input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    #[serde(rename = "ref")]
    case_ref: String,
    event: Value,
    #[serde(rename = "as")]
    as_user: Option<String>,
    #[serde(rename = "override")]
    override_justification: Option<String>,
    at: Option<String>,
    command_id: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &RecordBatchArgs) -> CmdResult {
    let input: Box<dyn BufRead> = if args.requests == std::path::Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.requests).map_err(|e| {
            CliError::bad_input(format!("cannot read `{}`: {e}", args.requests.display()))
        })?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut session = session(global)?;
    let mut out = std::io::stdout().lock();
    let mut worst = Exit::Ok;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| {
            CliError::bad_input(format!("cannot read line {} of the requests: {e}", i + 1))
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = answer(&mut session, global, args, i + 1, &line);
        let exit = answer
            .get("exit")
            .and_then(Value::as_u64)
            .unwrap_or(Exit::BadInput as u64);
        if exit > worst as u64 {
            worst = if exit == Exit::Refused as u64 {
                Exit::Refused
            } else {
                Exit::BadInput
            };
        }
        // The caller waits for this line before sending the next request: flush each one.
        writeln!(out, "{answer}")
            .and_then(|()| out.flush())
            .map_err(|e| CliError::bad_input(format!("cannot write the answers: {e}")))?;
    }
    Ok(worst)
}

/// The answer to line `n`: what was recorded, or why nothing was.
fn answer(
    session: &mut WriteSession,
    global: &GlobalArgs,
    args: &RecordBatchArgs,
    n: usize,
    line: &str,
) -> Value {
    let request: Request = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => {
            return json!({
                "line": n,
                "exit": Exit::BadInput as u8,
                "ref": null,
                "error": format!("line {n} is not a request: {e}"),
                "hints": ["a request is one JSON object on one line: {\"ref\": REF, \"event\": EVENT, \"as\": NAME}; nothing was written"],
            })
        }
    };
    let write = WriteArgs {
        as_user: request.as_user.or_else(|| args.as_user.clone()),
        override_justification: request.override_justification,
        at: request.at,
        command_id: request.command_id,
    };
    match write_in(session, global, &request.case_ref, &request.event, &write) {
        Ok(message) => json!({
            "line": n,
            "exit": Exit::Ok as u8,
            "ref": request.case_ref,
            "message": message.trim_end(),
        }),
        Err(e) => json!({
            "line": n,
            "exit": e.exit as u8,
            "ref": request.case_ref,
            "error": e.message,
            "hints": e.hints,
        }),
    }
}
