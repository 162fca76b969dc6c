use clap::{Args, Subcommand};
use juece_core::ids::Role;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{emit, table};
use crate::CmdResult;

/// Add and list the people who record events
#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user, or add roles to an existing one
    Add(AddArgs),
    /// List the users and their roles
    List,
    /// Remove a user (their name stays in the histories they recorded)
    Remove(RemoveArgs),
    /// Add or take away a user's roles
    #[command(subcommand)]
    Role(RoleCommand),
    /// Add or take away the organs (offices) whose cases a user sees and writes
    #[command(subcommand)]
    Organ(OrganCommand),
    /// Set a user's password for `juece serve` (read from standard input); ends their sessions
    Passwd(PasswdArgs),
}

#[derive(Args)]
pub struct RemoveArgs {
    /// The person's name
    name: String,
}

#[derive(Subcommand)]
pub enum RoleCommand {
    /// Give a user more roles
    Add(RoleArgs),
    /// Take roles away from a user
    Remove(RoleArgs),
}

#[derive(Args)]
pub struct RoleArgs {
    /// The person's name
    name: String,
    /// The roles (legal_office, undertaking_unit, public_lawyer, legal_counsel, legality_reviewer, head, secretary, auditor, admin, province_inspector)
    #[arg(required = true, value_name = "ROLE", value_parser = parse_role)]
    roles: Vec<Role>,
}

#[derive(Subcommand)]
pub enum OrganCommand {
    /// Make a user a member of more organs
    Add(OrganArgs),
    /// Take organs from a user (with none left, they act on every organ)
    Remove(OrganArgs),
}

#[derive(Args)]
pub struct OrganArgs {
    /// The person's name
    name: String,
    /// The organs, named as in the cases' `organ` field
    #[arg(required = true, value_name = "ORGAN")]
    organs: Vec<String>,
}

#[derive(Args)]
pub struct PasswdArgs {
    /// The user's name
    name: String,
}

#[derive(Args)]
pub struct AddArgs {
    /// The person's name, as it will appear in the history
    name: String,
    /// A role: legal_office, undertaking_unit, public_lawyer, legal_counsel, legality_reviewer, head, secretary, auditor, admin, province_inspector (can be repeated)
    #[arg(long = "role", value_name = "ROLE", required = true, value_parser = parse_role)]
    roles: Vec<Role>,
    /// An organ whose cases the user sees and writes, named as in the cases' `organ` field (can
    /// be repeated; without it, every organ's)
    #[arg(long = "organ", value_name = "ORGAN")]
    organs: Vec<String>,
}

/// Organ names in the form cases are compared in (trimmed, full-width ASCII folded, NFC);
/// a name with a hidden character is refused (exit 2).
fn organ_names(organs: &[String]) -> Result<Vec<String>, CliError> {
    organs
        .iter()
        .map(|o| {
            juece_core::text::identifier("organ", o).map_err(|m| {
                CliError::bad_input(m).with_hint(crate::t!("未写入任何内容", "nothing was written"))
            })
        })
        .collect()
}

/// The organs as listed: `甲县人民政府、乙县人民政府`, or every organ.
fn organ_list(organs: &[String]) -> String {
    if organs.is_empty() {
        crate::t!("全部机关", "every organ")
    } else {
        organs.join(crate::t!("、", ", ").as_str())
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let hint = juece_core::fuzzy::did_you_mean(s, &Role::ids())
            .map(|m| {
                crate::t!(
                    format!("；是否指 `{m}`？"),
                    format!("; did you mean `{m}`?")
                )
            })
            .unwrap_or_default();
        crate::t!(
            format!("没有角色 `{s}`{hint}（角色：{}）", Role::ids().join("、")),
            format!(
                "unknown role `{s}`{hint} (roles: {})",
                Role::ids().join(", ")
            )
        )
    })
}

/// The roles as `id (label)`.
fn role_list(roles: &[Role], lang: juece_core::Lang) -> String {
    if roles.is_empty() {
        return crate::t!("（无角色）", "(no role)");
    }
    roles
        .iter()
        .map(|r| format!("{r} ({})", r.label(lang)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(global: &GlobalArgs, cmd: &UserCommand) -> CmdResult {
    let lang = global.lang();
    match cmd {
        UserCommand::Remove(a) => {
            let name = a.name.trim();
            let mut store = global.store()?;
            if !store.remove_user(name, &global.now().to_rfc3339())? {
                return Err(crate::names::unknown_user(&store, name));
            }
            emit(&crate::t!(
                format!("已删除用户 `{name}`；其已记录的历史不变\n"),
                format!("removed user `{name}`; the history they recorded is unchanged\n")
            ))?;
            Ok(Exit::Ok)
        }
        UserCommand::Role(RoleCommand::Add(a)) => {
            let name = a.name.trim();
            let mut store = global.store()?;
            if store.user_roles(name)?.is_none() {
                return Err(crate::names::unknown_user(&store, name));
            }
            let (roles, _) = store.add_user(name, &a.roles, &global.now().to_rfc3339())?;
            let list = role_list(&roles, lang);
            emit(&crate::t!(
                format!("用户 `{name}` 现有角色：{list}\n"),
                format!("user `{name}` now holds: {list}\n")
            ))?;
            Ok(Exit::Ok)
        }
        UserCommand::Role(RoleCommand::Remove(a)) => {
            let name = a.name.trim();
            let mut store = global.store()?;
            let Some(roles) = store.remove_roles(name, &a.roles, &global.now().to_rfc3339())?
            else {
                return Err(crate::names::unknown_user(&store, name));
            };
            let list = role_list(&roles, lang);
            emit(&crate::t!(
                format!("用户 `{name}` 现有角色：{list}\n"),
                format!("user `{name}` now holds: {list}\n")
            ))?;
            Ok(Exit::Ok)
        }
        UserCommand::Organ(OrganCommand::Add(a)) => {
            let name = a.name.trim();
            let organs = organ_names(&a.organs)?;
            let mut store = global.store()?;
            if store.user_roles(name)?.is_none() {
                return Err(crate::names::unknown_user(&store, name));
            }
            let (user, _) = store.add_user_in(name, &[], &organs, &global.now().to_rfc3339())?;
            let list = organ_list(&user.organs);
            emit(&crate::t!(
                format!("用户 `{name}` 所属机关：{list}\n"),
                format!("user `{name}` now belongs to: {list}\n")
            ))?;
            Ok(Exit::Ok)
        }
        UserCommand::Organ(OrganCommand::Remove(a)) => {
            let name = a.name.trim();
            let organs = organ_names(&a.organs)?;
            let mut store = global.store()?;
            let Some(left) = store.remove_organs(name, &organs, &global.now().to_rfc3339())? else {
                return Err(crate::names::unknown_user(&store, name));
            };
            let list = organ_list(&left);
            emit(&crate::t!(
                format!("用户 `{name}` 所属机关：{list}\n"),
                format!("user `{name}` now belongs to: {list}\n")
            ))?;
            Ok(Exit::Ok)
        }
        UserCommand::Add(args) => {
            // Trimmed, full-width ASCII folded, invisible and control characters refused.
            let name = juece_core::text::identifier("user name", &args.name)
                .map_err(|m| CliError::bad_input(m).with_hint("nothing was written"))?;
            let name = name.as_str();
            let organs = organ_names(&args.organs)?;
            let mut store = global.store()?;
            let (user, is_new) =
                store.add_user_in(name, &args.roles, &organs, &global.now().to_rfc3339())?;
            let roles = user.roles;
            let list = roles
                .iter()
                .map(|r| format!("{r} ({})", r.label(lang)))
                .collect::<Vec<_>>()
                .join(", ");
            emit(&match (lang, is_new) {
                (juece_core::Lang::Zh, true) => format!("已添加用户 `{name}`：{list}\n"),
                (juece_core::Lang::Zh, false) => format!("用户 `{name}` 现有角色：{list}\n"),
                (juece_core::Lang::En, true) => format!("added user `{name}`: {list}\n"),
                (juece_core::Lang::En, false) => format!("user `{name}` now holds: {list}\n"),
            })?;
            if !user.organs.is_empty() {
                let organs = organ_list(&user.organs);
                emit(&crate::t!(
                    format!("所属机关：{organs}（只能查看和办理这些机关的事项）\n"),
                    format!("organs: {organs} (sees and writes only their cases)\n")
                ))?;
            }
            Ok(Exit::Ok)
        }
        UserCommand::Passwd(args) => passwd(global, args),
        UserCommand::List => {
            let store = global.store()?;
            let rows: Vec<Vec<String>> = store
                .user_rows()?
                .into_iter()
                .map(|u| {
                    let (name, roles) = (u.name, u.roles);
                    vec![
                        name,
                        roles
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        roles
                            .iter()
                            .map(|r| r.label(lang))
                            .collect::<Vec<_>>()
                            .join("、"),
                        organ_list(&u.organs),
                    ]
                })
                .collect();
            let header: [&str; 4] = match lang {
                juece_core::Lang::Zh => ["姓名", "角色", "说明", "所属机关"],
                juece_core::Lang::En => ["name", "roles", "labels", "organs"],
            };
            emit(&table(&header, &rows))?;
            Ok(Exit::Ok)
        }
    }
}

/// Reads the password (first line of standard input; a prompt on a terminal), hashes it with
/// argon2id and stores it, ending the user's sessions.
fn passwd(global: &GlobalArgs, args: &PasswdArgs) -> CmdResult {
    use std::io::{BufRead, IsTerminal, Write};
    let zh = global.lang() == juece_core::Lang::Zh;
    let mut store = global.store()?;
    if store.user_roles(&args.name)?.is_none() {
        return Err(crate::names::unknown_user(&store, &args.name));
    }
    if std::io::stdin().is_terminal() {
        eprint!("{}", if zh { "新密码：" } else { "new password: " });
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!("无法读取标准输入：{}", crate::i18n::io_error(&e)),
            format!("cannot read standard input: {e}")
        ))
    })?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        return Err(CliError::bad_input(
            "a password needs at least 8 characters; nothing was written",
        ));
    }
    let hash = juece_server::auth::hash_password(password).map_err(CliError::bad_input)?;
    store.set_password(&args.name, &hash, &global.now().to_rfc3339())?;
    emit(&if zh {
        format!("已设置 `{}` 的密码；其原有登录会话均已结束\n", args.name)
    } else {
        format!(
            "password set for `{}`; their sessions are ended\n",
            args.name
        )
    })?;
    Ok(Exit::Ok)
}
