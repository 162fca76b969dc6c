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
        let file = std::fs::File::open(&args.requests)
            .map_err(|e| crate::context::read_error(&args.requests, &e))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut session = session(global)?;
    let mut out = std::io::stdout().lock();
    let mut worst = Exit::Ok;
    let mut input = input;
    let mut folded = std::time::Instant::now();
    let mut bytes = Vec::new();
    let mut i = 0;
    loop {
        bytes.clear();
        // Read up to a newline, at most MAX_LINE bytes kept: one bad line (not UTF-8, too long)
        // is answered and the next is read.
        let read = read_line(&mut input, &mut bytes).map_err(|e| {
            CliError::bad_input(crate::t!(
                format!(
                    "无法读取请求的第 {} 行：{}",
                    i + 1,
                    crate::i18n::io_error(&e)
                ),
                format!("cannot read line {} of the requests: {e}", i + 1)
            ))
        })?;
        let Some(too_long) = read else {
            break;
        };
        i += 1;
        let answer = match (too_long, std::str::from_utf8(&bytes)) {
            (true, _) => refused_line(
                i,
                &crate::t!(
                    format!("第 {i} 行超过 {MAX_LINE} 字节"),
                    format!("line {i} is longer than {MAX_LINE} bytes")
                ),
            ),
            (false, Err(e)) => refused_line(
                i,
                &crate::t!(
                    format!(
                        "第 {i} 行不是 UTF-8 文本（在第 {} 个字节处）",
                        e.valid_up_to()
                    ),
                    format!("line {i} is not UTF-8 text: {e}")
                ),
            ),
            (false, Ok(line)) if line.trim().is_empty() => continue,
            (false, Ok(line)) => answer(&mut session, global, args, i, line),
        };
        // Now and then, fold the log into the database file, so that the file alone holds what
        // was acknowledged (the last fold happens when the database closes at the end).
        if folded.elapsed() >= std::time::Duration::from_secs(1) {
            session.fold_wal()?;
            folded = std::time::Instant::now();
        }
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
            .map_err(|e| {
                CliError::bad_input(crate::t!(
                    format!("无法写出答复：{}", crate::i18n::io_error(&e)),
                    format!("cannot write the answers: {e}")
                ))
            })?;
    }
    Ok(worst)
}

/// The longest request line read (a request is a few hundred bytes; drafts are referenced by
/// hash, not sent).
const MAX_LINE: usize = 1 << 20;

/// Reads one line into `buf` (without its newline), keeping at most `MAX_LINE` bytes: `None` at
/// the end of the input, else whether the line was longer.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (at, true),
            None => (chunk.len(), false),
        };
        let keep = part.min(MAX_LINE.saturating_sub(buf.len()));
        buf.extend_from_slice(chunk.get(..keep).unwrap_or_default());
        too_long |= keep < part;
        input.consume(if done { part + 1 } else { part });
        if done {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(too_long));
        }
    }
}

/// The answer to a line that is not a request at all.
fn refused_line(n: usize, why: &str) -> Value {
    json!({
        "line": n,
        "exit": Exit::BadInput as u8,
        "ref": null,
        "error": why,
        "hints": [crate::t!(
            "一个请求是一行中的一个 JSON 对象，UTF-8 编码；未写入任何内容",
            "a request is one JSON object on one line, in UTF-8; nothing was written"
        )],
    })
}

/// The answer to line `n`: what was recorded, or why nothing was.
fn answer(
    session: &mut WriteSession,
    global: &GlobalArgs,
    args: &RecordBatchArgs,
    n: usize,
    line: &str,
) -> Value {
    // Strict: a key repeated anywhere in the line is refused, naming it.
    let request: Request = match juece_core::json::from_str(line).and_then(serde_json::from_value) {
        Ok(r) => r,
        Err(e) => {
            return json!({
                "line": n,
                "exit": Exit::BadInput as u8,
                "ref": null,
                "error": crate::t!(
                    format!("第 {n} 行不是请求：{}", crate::error::localized(&e.to_string())),
                    format!("line {n} is not a request: {e}")
                ),
                "hints": [crate::t!(
                    "一个请求是一行中的一个 JSON 对象：{\"ref\": 案号, \"event\": 事件, \"as\": 用户名}；未写入任何内容",
                    "a request is one JSON object on one line: {\"ref\": REF, \"event\": EVENT, \"as\": NAME}; nothing was written"
                )],
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
