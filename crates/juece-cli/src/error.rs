//! One error type for the command line, sorted into the contract's exit codes.

use std::fmt::Display;
use std::process::ExitCode;

use juece_core::calendar::CalendarError;
use juece_core::casefile::CaseFileError;
use juece_core::profile::ProfileError;
use juece_core::registry::UnknownProfileError;
use juece_store::StoreError;

/// The contract's exit codes (interchange.md, "Command-line contract").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: a check ran and found problems.
    Problems = 1,
    /// 2: bad usage or input; nothing was written.
    BadInput = 2,
    /// 3: refused by a procedural guard or a role rule; nothing was written.
    Refused = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// An error to print as `error:` and `hint:` lines before exiting.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn bad_input(message: impl Display) -> CliError {
        CliError {
            exit: Exit::BadInput,
            message: message.to_string(),
            hints: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Display) -> CliError {
        self.hints.push(hint.to_string());
        self
    }

    pub fn print(&self) {
        crate::out::stop_progress();
        let (error, hint) = if crate::i18n::zh() {
            ("错误：", "提示：")
        } else {
            ("error: ", "hint: ")
        };
        let on = crate::out::colour_stderr();
        let (error, hint) = (
            crate::out::paint(error, "1;31", on),
            crate::out::paint(hint, "36", on),
        );
        eprintln!("{error}{}", shown(&self.message));
        for h in &self.hints {
            eprintln!("{hint}{}", shown(h));
        }
    }
}

/// The longest message printed, in characters: echoed input is cut, never printed whole.
const MAX_MESSAGE: usize = 4000;

/// A message as printed: cut at `MAX_MESSAGE` characters, control and invisible characters
/// escaped except the line breaks the message itself is made of.
fn shown(message: &str) -> String {
    let clipped = juece_core::json::clip(message, MAX_MESSAGE);
    clipped
        .split('\n')
        .map(|line| juece_core::text::escape_controls(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message of juece-core or juece-store (written in English) in the language of this run.
pub fn localized(message: &str) -> String {
    juece_core::zh::localize(message, crate::i18n::lang()).into_owned()
}

impl From<CaseFileError> for CliError {
    fn from(e: CaseFileError) -> CliError {
        let help = e.help.as_deref().map(localized);
        let mut err = CliError::bad_input(crate::t!(
            format!("案卷文件有误：{}", localized(&e.to_string())),
            e.to_string()
        ));
        err.hints.extend(help);
        err.with_hint(crate::t!("未写入任何内容", "nothing was written"))
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        let hint = match &e {
            StoreError::CaseExists(_) => Some(crate::t!(
                "同一案号只能导入一次；未写入任何内容",
                "a case reference is imported once; nothing was written"
            )),
            StoreError::Unreachable { addr, why } => {
                return CliError::bad_input(crate::t!(
                    format!("无法连接 PostgreSQL 服务器 {addr}：{why}；未读取也未写入任何内容"),
                    format!("cannot connect to the PostgreSQL server at {addr}: {why}; nothing was read or written")
                ))
                .with_hint(crate::t!(
                    "请检查服务器是否在运行、主机和端口是否正确、该角色能否登录（密码写在网址中或放在环境变量 PGPASSWORD 中）",
                    "check that the server is running, the host and port are right, and the role may log in (the password goes in the URL or in PGPASSWORD)"
                ))
            }
            StoreError::Open { .. } => Some(crate::t!(
                "请检查 `--db` 路径或环境变量 JUECE_DB",
                "check the `--db` path or `JUECE_DB`"
            )),
            _ => None,
        };
        let mut err = CliError::bad_input(localized(&e.to_string()));
        err.hints.extend(hint);
        err
    }
}

impl From<ProfileError> for CliError {
    fn from(e: ProfileError) -> CliError {
        CliError::bad_input(localized(&e.to_string()))
    }
}

impl From<CalendarError> for CliError {
    fn from(e: CalendarError) -> CliError {
        CliError::bad_input(localized(&e.to_string()))
    }
}

impl From<UnknownProfileError> for CliError {
    fn from(e: UnknownProfileError) -> CliError {
        CliError::bad_input(localized(&e.to_string())).with_hint(crate::t!(
            "`juece workflow list` 列出已知流程；`juece workflow add 文件` 登记新流程",
            "`juece workflow list` shows the known profiles; `juece workflow add FILE` registers one"
        ))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::bad_input(crate::t!(
            format!("无法写出结果：{}", crate::i18n::io_error(&e)),
            format!("cannot write output: {e}")
        ))
    }
}

impl From<juece_engine::EngineError> for CliError {
    fn from(e: juece_engine::EngineError) -> CliError {
        let exit = match e.kind {
            juece_engine::ErrorKind::Refused => Exit::Refused,
            _ => Exit::BadInput,
        };
        // The engine words its own messages in the language it was given; what it passes on
        // from juece-core and juece-store is English, put in the language of this run here.
        CliError {
            exit,
            message: localized(&e.message),
            hints: e.hints.iter().map(|h| localized(h)).collect(),
        }
    }
}
