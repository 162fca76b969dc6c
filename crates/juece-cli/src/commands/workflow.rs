use std::path::PathBuf;

use clap::{Args, Subcommand};
use juece_core::ids::Step;
use juece_core::profile::{Profile, Requirement};
use juece_core::Lang;

use crate::context::{read_text, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::{emit, table};
use crate::CmdResult;

/// Check, show, list and register workflow profiles
#[derive(Subcommand)]
pub enum WorkflowCommand {
    /// Check a workflow file against the statutory invariants (exit 1 when it is refused)
    Validate(ValidateArgs),
    /// Show a profile's steps and parameters, or its graph in Graphviz DOT
    Show(ShowArgs),
    /// List the known profiles
    List,
    /// Register a workflow file in the database so that cases can be opened under it
    Add(ValidateArgs),
}

#[derive(Args)]
pub struct ValidateArgs {
    /// The workflow file (juece-workflow/1)
    file: PathBuf,
}

#[derive(Args)]
pub struct ShowArgs {
    /// Profile id, or id@version
    id: String,
    /// Print the dependency graph in Graphviz DOT
    #[arg(long)]
    dot: bool,
}

pub fn run(global: &GlobalArgs, cmd: &WorkflowCommand) -> CmdResult {
    match cmd {
        WorkflowCommand::Validate(args) => {
            let text = read_text(&args.file)?;
            match Profile::parse(&args.file.display().to_string(), &text) {
                Ok(p) => {
                    emit(&crate::t!(
                        format!(
                            "流程 `{}`（{}）有效：{} 个程序，无循环依赖，符合法定不变量\n",
                            p.pinned(),
                            args.file.display(),
                            p.steps().len()
                        ),
                        format!(
                            "workflow `{}` ({}) is valid: {} steps, acyclic, statutory invariants hold\n",
                            p.pinned(),
                            args.file.display(),
                            p.steps().len()
                        )
                    ))?;
                    Ok(Exit::Ok)
                }
                Err(e) => {
                    CliError {
                        exit: Exit::Problems,
                        message: crate::error::localized(&e.to_string()),
                        hints: vec![crate::t!(
                            "请修正所列问题；procedure.md 列出了法定不变量",
                            "fix the listed problems; procedure.md lists the statutory invariants"
                        )],
                    }
                    .print();
                    Ok(Exit::Problems)
                }
            }
        }
        WorkflowCommand::Add(args) => {
            let text = read_text(&args.file)?;
            let profile = Profile::parse(&args.file.display().to_string(), &text)?;
            let mut store = global.store()?;
            let added = store.add_profile(&profile)?;
            emit(&if added {
                crate::t!(
                    format!("已登记流程 `{}`\n", profile.pinned()),
                    format!("registered workflow `{}`\n", profile.pinned())
                )
            } else {
                crate::t!(
                    format!("流程 `{}` 已登记，内容相同\n", profile.pinned()),
                    format!(
                        "workflow `{}` is already registered, identical\n",
                        profile.pinned()
                    )
                )
            })?;
            Ok(Exit::Ok)
        }
        WorkflowCommand::List => {
            let profiles = global.profiles_read()?;
            let rows: Vec<Vec<String>> = profiles
                .all()
                .iter()
                .map(|p| {
                    vec![
                        p.pinned(),
                        p.title(Lang::Zh).to_owned(),
                        p.title(Lang::En).to_owned(),
                    ]
                })
                .collect();
            emit(&table(&["id@version", "名称", "title"], &rows))?;
            Ok(Exit::Ok)
        }
        WorkflowCommand::Show(args) => {
            let profiles = global.profiles_read()?;
            let profile = profiles.resolve(&args.id)?;
            let lang = global.lang();
            if args.dot {
                emit(&profile.to_dot(lang))?;
            } else {
                emit(&describe(profile, lang))?;
            }
            Ok(Exit::Ok)
        }
    }
}

fn describe(p: &Profile, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = format!("{} — {}\n\n", p.pinned(), p.title(lang));
    let header: [&str; 6] = if zh {
        ["步骤", "名称", "条款", "前置步骤", "何时必须", "可免除理由"]
    } else {
        [
            "step",
            "label",
            "article",
            "after",
            "required",
            "waiver reasons",
        ]
    };
    let rows: Vec<Vec<String>> = p
        .steps()
        .iter()
        .map(|r| {
            let required = match &p
                .file()
                .steps
                .iter()
                .find(|f| f.id == r.step().as_str())
                .map(|f| &f.required)
            {
                Some(Requirement::Always(_)) | None => {
                    if zh { "始终" } else { "always" }.to_owned()
                }
                Some(Requirement::Conditions {
                    when_all,
                    unless_any,
                }) => {
                    let mut parts = Vec::new();
                    if !when_all.is_empty() {
                        parts.push(format!(
                            "{} {}",
                            if zh { "当" } else { "when" },
                            when_all
                                .iter()
                                .map(|a| a.as_str())
                                .collect::<Vec<_>>()
                                .join("+")
                        ));
                    }
                    if !unless_any.is_empty() {
                        parts.push(format!(
                            "{} {}",
                            if zh { "除非" } else { "unless" },
                            unless_any
                                .iter()
                                .map(|a| a.as_str())
                                .collect::<Vec<_>>()
                                .join("/")
                        ));
                    }
                    parts.join(", ")
                }
            };
            let waivers = if r.step().never_waivable() {
                if zh { "不得免除" } else { "never" }.to_owned()
            } else if r.waivers().is_empty() {
                "—".to_owned()
            } else {
                r.waivers()
                    .iter()
                    .map(|w| {
                        if w.only_if.is_empty() {
                            w.reason.as_str().to_owned()
                        } else {
                            format!(
                                "{} ({})",
                                w.reason,
                                w.only_if
                                    .iter()
                                    .map(|a| a.as_str())
                                    .collect::<Vec<_>>()
                                    .join("+")
                            )
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                r.step().as_str().to_owned(),
                r.label(lang).to_owned(),
                juece_core::finding::article_in(r.article(), lang),
                if r.after().is_empty() {
                    "—".to_owned()
                } else {
                    r.after()
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                required,
                waivers,
            ]
        })
        .collect();
    s.push_str(&table(&header, &rows));
    let pr = p.parameters();
    let none = if zh { "不检查" } else { "none" };
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| none.to_owned());
    let signers = p
        .step(Step::LegalityReview)
        .roles_for("legality_review_signed")
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let params = [
        ("min_comment_days", pr.min_comment_days.to_string()),
        (
            "min_review_working_days",
            pr.min_review_working_days.to_string(),
        ),
        ("min_experts", opt(pr.min_experts)),
        (
            "quorum",
            pr.quorum
                .map(|_| "more_than_half".to_owned())
                .unwrap_or_else(|| none.to_owned()),
        ),
        (
            "meeting_kinds",
            pr.meeting_kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("legality sign-off roles", signers),
        (
            "publication_deadline_working_days",
            opt(pr.publication_deadline_working_days),
        ),
        ("archiving_deadline_days", opt(pr.archiving_deadline_days)),
        ("deferral_lapse_days", opt(pr.deferral_lapse_days)),
    ];
    s.push('\n');
    s.push_str(&table(
        if zh {
            &["参数", "值"]
        } else {
            &["parameter", "value"]
        },
        &params
            .iter()
            .map(|(k, v)| vec![(*k).to_owned(), v.clone()])
            .collect::<Vec<_>>(),
    ));
    s
}
