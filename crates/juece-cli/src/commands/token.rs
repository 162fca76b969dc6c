//! `juece token`: API tokens for `juece serve` (printed once, stored hashed).

use clap::{Args, Subcommand};

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{emit, table};
use crate::CmdResult;

/// Create, list and revoke API tokens for `juece serve`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user; it is printed once and stored only as a hash
    Create(CreateArgs),
    /// List the tokens (their ids, never the secrets)
    List,
    /// Revoke a token by its id
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    /// The user the token acts as (a user added with `juece user add`)
    name: String,
}

#[derive(Args)]
pub struct RevokeArgs {
    /// The token's id, as `juece token list` shows it
    id: String,
}

pub fn run(global: &GlobalArgs, cmd: &TokenCommand) -> CmdResult {
    let zh = global.lang() == juece_core::Lang::Zh;
    let mut store = global.store()?;
    match cmd {
        TokenCommand::Create(a) => {
            if store.user_roles(&a.name)?.is_none() {
                return Err(crate::names::unknown_user(&store, &a.name));
            }
            let (id, token, hash) = juece_server::auth::new_token().map_err(CliError::bad_input)?;
            store.create_token(&id, &a.name, &hash, &global.now().to_rfc3339())?;
            emit(&format!("{token}\n"))?;
            eprintln!(
                "{}",
                if zh {
                    format!(
                        "已为 `{}` 创建令牌 {id}；令牌只显示这一次，请妥善保存",
                        a.name
                    )
                } else {
                    format!(
                        "token {id} created for `{}`; it is shown only this once",
                        a.name
                    )
                }
            );
            Ok(Exit::Ok)
        }
        TokenCommand::List => {
            let rows: Vec<Vec<String>> = store
                .tokens()?
                .into_iter()
                .map(|t| {
                    vec![
                        t.token_id,
                        t.name,
                        t.created_at,
                        t.revoked_at.unwrap_or_default(),
                    ]
                })
                .collect();
            let header: [&str; 4] = if zh {
                ["编号", "用户", "创建时间", "撤销时间"]
            } else {
                ["id", "user", "created", "revoked"]
            };
            emit(&table(&header, &rows))?;
            Ok(Exit::Ok)
        }
        TokenCommand::Revoke(a) => {
            if !store.revoke_token(&a.id, &global.now().to_rfc3339())? {
                return Err(CliError::bad_input(crate::t!(
                    format!("没有有效的令牌 `{}`", a.id),
                    format!("no live token `{}`", a.id)
                ))
                .with_hint(crate::t!(
                    "`juece token list` 列出所有令牌",
                    "`juece token list` shows the tokens"
                )));
            }
            emit(&if zh {
                format!("已撤销令牌 {}\n", a.id)
            } else {
                format!("revoked token {}\n", a.id)
            })?;
            Ok(Exit::Ok)
        }
    }
}
