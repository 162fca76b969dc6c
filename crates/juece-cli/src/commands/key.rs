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
    getrandom::fill(&mut seed)
        .map_err(|e| CliError::bad_input(format!("no randomness available for a key: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let public = hex(key.verifying_key().as_bytes());
    let pub_path = PathBuf::from(format!("{}.pub", a.out.display()));
    if pub_path.exists() {
        return Err(CliError::bad_input(format!(
            "`{}` already exists; a key is never replaced",
            pub_path.display()
        )));
    }
    write_file_atomic(&a.out, format!("{}\n", hex(&seed)).as_bytes(), true, true).map_err(|e| {
        CliError::bad_input(format!(
            "cannot write the private key `{}`: {e}",
            a.out.display()
        ))
        .with_hint("a key is never replaced; choose another --out")
    })?;
    write_file_atomic(&pub_path, format!("{public}\n").as_bytes(), true, false).map_err(|e| {
        CliError::bad_input(format!(
            "cannot write the public key `{}`: {e}",
            pub_path.display()
        ))
    })?;
    emit(&format!(
        "created key pair: private `{}` (readable by its owner only), public `{}`\npublic key: {public}\nhand the public key to whoever will check your checkpoints\n",
        a.out.display(),
        pub_path.display()
    ))?;
    Ok(Exit::Ok)
}

/// Reads a private key file (64 hex characters).
pub fn read_signing_key(path: &std::path::Path) -> Result<SigningKey, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::bad_input(format!("cannot read the key `{}`: {e}", path.display()))
            .with_hint("create one with `juece key init`")
    })?;
    let seed = juece_core::log::parse_hash(text.trim()).ok_or_else(|| {
        CliError::bad_input(format!(
            "`{}` is not a juece private key (64 hex characters)",
            path.display()
        ))
    })?;
    Ok(SigningKey::from_bytes(&seed))
}
