use std::path::PathBuf;

use clap::Args;
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use juece_core::log::{canonical_json, hex, parse_hash};
use juece_store::Anchor;
use serde_json::{json, Value};

use crate::commands::key::read_signing_key;
use crate::context::{read_text, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::{emit, write_file_atomic};
use crate::CmdResult;

/// The checkpoint format. Frozen: a change needs `juece-checkpoint/2`.
pub const CHECKPOINT_FORMAT: &str = "juece-checkpoint/1";

/// Write a signed statement of the log's size and head hash, to hand to someone outside the office
#[derive(Args)]
pub struct CheckpointArgs {
    /// Write it to this file (crash-safely) instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The private key (from `juece key init`)
    #[arg(long, default_value = "juece-key", value_name = "PATH")]
    key: PathBuf,
}

pub fn run(global: &GlobalArgs, a: &CheckpointArgs) -> CmdResult {
    let key = read_signing_key(&a.key)?;
    let store = global.store()?;
    let head = store.head()?;
    let mut body = json!({
        "format": CHECKPOINT_FORMAT,
        "log_size": head.size,
        "head": hex(&head.head),
        "created_at": global.now().to_rfc3339(),
        "public_key": hex(key.verifying_key().as_bytes()),
    });
    let signature = key.sign(canonical_json(&body).as_bytes());
    body["signature"] = json!(hex(&signature.to_bytes()));
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    match &a.out {
        Some(path) => {
            write_file_atomic(path, text.as_bytes(), false, false).map_err(|e| {
                CliError::bad_input(crate::t!(
                    format!("无法写入 `{}`：{e}", path.display()),
                    format!("cannot write `{}`: {e}", path.display())
                ))
            })?;
            emit(&format!(
                "checkpoint of {} events written to {}\nhead: {}\n",
                head.size,
                path.display(),
                hex(&head.head)
            ))?;
        }
        None => emit(&text)?,
    }
    Ok(Exit::Ok)
}

/// A checkpoint read back and its signature checked.
pub struct Checked {
    pub anchor: Anchor,
    pub public_key: String,
    pub created_at: String,
    /// Whether the signature was checked against a key given separately (`--key`).
    pub key_given: bool,
}

/// Reads a checkpoint file and checks its signature, against `trusted` (a public key file) when
/// given, else against the key it carries. A bad signature is a failed check (exit 1).
pub fn read_checkpoint(
    path: &std::path::Path,
    trusted: Option<&std::path::Path>,
) -> Result<Checked, CliError> {
    let text = read_text(path)?;
    let bad = |what: &str| {
        CliError::bad_input(format!(
            "`{}` is not a {CHECKPOINT_FORMAT} file: {what}",
            path.display()
        ))
    };
    let mut value: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let obj = value.as_object_mut().ok_or_else(|| bad("not an object"))?;
    let signature = obj
        .remove("signature")
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| bad("no `signature`"))?;
    let field = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    if field("format").as_deref() != Some(CHECKPOINT_FORMAT) {
        return Err(bad("wrong or missing `format`"));
    }
    let size = obj
        .get("log_size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("no `log_size`"))?;
    let head = field("head")
        .and_then(|h| parse_hash(&h))
        .ok_or_else(|| bad("no valid `head`"))?;
    let embedded = field("public_key").ok_or_else(|| bad("no `public_key`"))?;
    let created_at = field("created_at").unwrap_or_default();
    let public_key = match trusted {
        Some(p) => read_text(p)?.trim().to_owned(),
        None => embedded.clone(),
    };
    let failed = |what: String| CliError {
        exit: Exit::Problems,
        message: crate::t!(
            format!("检查点 `{}`：{what}", path.display()),
            format!("checkpoint `{}`: {what}", path.display())
        ),
        hints: vec!["do not trust this checkpoint; ask its holder for their copy".into()],
    };
    if trusted.is_some() && public_key != embedded {
        return Err(failed(format!(
            "it was signed by key {embedded}, not by the trusted key {public_key}"
        )));
    }
    let key_bytes =
        parse_hash(&public_key).ok_or_else(|| bad("the public key is not 64 hex characters"))?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|e| bad(&format!("invalid public key: {e}")))?;
    let sig_bytes: [u8; 64] = (0..64)
        .map(|i| {
            signature
                .get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("the signature is not 128 hex characters"))?;
    let signed = canonical_json(&value);
    key.verify(signed.as_bytes(), &Signature::from_bytes(&sig_bytes))
        .map_err(|_| {
            failed(
                "the signature does not match its content: it was altered or not made by this key"
                    .into(),
            )
        })?;
    Ok(Checked {
        anchor: Anchor { size, head },
        public_key,
        created_at,
        key_given: trusted.is_some(),
    })
}
