use std::path::PathBuf;

use clap::{Args, Subcommand};
use ed25519_dalek::SigningKey;
use juece_core::log::hex;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{emit, write_file_atomic};
use crate::CmdResult;

/// Manage the key that signs checkpoints
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create an Ed25519 key pair: the private key in a file only its owner can read, never in the database
    Init(InitArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// Where to write the private key; the public key goes beside it with `.pub` added
    #[arg(long, default_value = "juece-key", value_name = "PATH")]
    out: PathBuf,
}

pub fn run(_global: &GlobalArgs, cmd: &KeyCommand) -> CmdResult {
    let KeyCommand::Init(a) = cmd;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!("无法取得生成密钥所需的随机数：{e}"),
            format!("no randomness available for a key: {e}")
        ))
    })?;
    let key = SigningKey::from_bytes(&seed);
    let public = hex(key.verifying_key().as_bytes());
    let pub_path = PathBuf::from(format!("{}.pub", a.out.display()));
    for p in [&a.out, &pub_path] {
        if p.exists() {
            return Err(CliError::bad_input(crate::t!(
                format!("`{}` 已存在；密钥从不覆盖", p.display()),
                format!("`{}` already exists; a key is never replaced", p.display())
            ))
            .with_hint(crate::t!(
                "请换一个 --out；未写入任何内容",
                "choose another --out; nothing was written"
            )));
        }
    }
    write_file_atomic(&a.out, format!("{}\n", hex(&seed)).as_bytes(), true, true).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!(
                "无法写入私钥 `{}`：{}",
                a.out.display(),
                crate::i18n::io_error(&e)
            ),
            format!("cannot write the private key `{}`: {e}", a.out.display())
        ))
        .with_hint(crate::t!(
            "密钥从不覆盖；请用 --out 另选位置",
            "a key is never replaced; choose another --out"
        ))
    })?;
    write_file_atomic(&pub_path, format!("{public}\n").as_bytes(), true, false).map_err(|e| {
        // Half a key pair is no key pair: the private key just written goes too.
        let _ = std::fs::remove_file(&a.out);
        CliError::bad_input(crate::t!(
            format!(
                "无法写入公钥 `{}`：{}",
                pub_path.display(),
                crate::i18n::io_error(&e)
            ),
            format!("cannot write the public key `{}`: {e}", pub_path.display())
        ))
        .with_hint("nothing was left behind; fix the folder and run `juece key init` again")
    })?;
    emit(&crate::t!(
        format!(
            "已生成密钥对：私钥 `{}`（仅所有者可读），公钥 `{}`\n公钥：{public}\n请把公钥交给核验检查点的人\n",
            a.out.display(),
            pub_path.display()
        ),
        format!(
            "created key pair: private `{}` (readable by its owner only), public `{}`\npublic key: {public}\nhand the public key to whoever will check your checkpoints\n",
            a.out.display(),
            pub_path.display()
        )
    ))?;
    Ok(Exit::Ok)
}

/// Reads a private key file (64 hex characters). Refuses a public key (`.pub`, or one that is
/// not the pair of the `.pub` beside it): signing with it would make a seed anyone holding the
/// public key can use. Warns when others may read the file.
pub fn read_signing_key(path: &std::path::Path) -> Result<SigningKey, CliError> {
    if path.extension().is_some_and(|e| e == "pub") {
        return Err(CliError::bad_input(crate::t!(
            format!("`{}` 是公钥：检查点要用它旁边的私钥签名", path.display()),
            format!(
                "`{}` is a public key: a checkpoint is signed with the private key beside it",
                path.display()
            )
        ))
        .with_hint(crate::t!(
            "请给出不带 `.pub` 的文件（`juece key init` 生成）",
            "pass the file without `.pub` (created by `juece key init`)"
        )));
    }
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            eprintln!(
                "{}",
                crate::t!(
                    format!(
                        "注意：私钥 `{}` 其他用户可以读取（权限 {:o}）；读到它的人都能以你的名义签署检查点——请运行 `chmod 600 {}`，并考虑另建新密钥",
                        path.display(),
                        mode & 0o777,
                        path.display()
                    ),
                    format!(
                        "warning: the private key `{}` can be read by others (mode {:o}); anyone who reads it can sign checkpoints in your name — `chmod 600 {}`, and consider making a new key",
                        path.display(),
                        mode & 0o777,
                        path.display()
                    )
                )
            );
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!(
                "无法读取密钥 `{}`：{}",
                path.display(),
                crate::i18n::io_error(&e)
            ),
            format!("cannot read the key `{}`: {e}", path.display())
        ))
        .with_hint(crate::t!(
            "用 `juece key init` 生成",
            "create one with `juece key init`"
        ))
    })?;
    let seed = juece_core::log::parse_hash(text.trim()).ok_or_else(|| {
        CliError::bad_input(crate::t!(
            format!(
                "`{}` 不是 juece 私钥（应为 64 个十六进制字符）",
                path.display()
            ),
            format!(
                "`{}` is not a juece private key (64 hex characters)",
                path.display()
            )
        ))
    })?;
    let key = SigningKey::from_bytes(&seed);
    let pub_path = PathBuf::from(format!("{}.pub", path.display()));
    if let Ok(public) = std::fs::read_to_string(&pub_path) {
        let matches = juece_core::log::parse_hash(public.trim())
            .is_some_and(|p| p == *key.verifying_key().as_bytes());
        if !matches {
            return Err(CliError::bad_input(crate::t!(
                format!(
                    "`{}` 不是它旁边 `{}` 的私钥",
                    path.display(),
                    pub_path.display()
                ),
                format!(
                    "`{}` is not the private key of `{}` beside it",
                    path.display(),
                    pub_path.display()
                )
            ))
            .with_hint(crate::t!(
                "请给出 `juece key init` 与该公钥一同生成的私钥",
                "pass the private key that `juece key init` created with this public key"
            )));
        }
    }
    Ok(key)
}
