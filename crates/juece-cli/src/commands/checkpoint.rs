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

/// The first checkpoint format: the events chain only. Still read and verified.
pub const CHECKPOINT_FORMAT_1: &str = "juece-checkpoint/1";
/// The checkpoint format written now: the events chain and the records chain (profiles, users,
/// calendars). Frozen: a change needs `juece-checkpoint/3`.
pub const CHECKPOINT_FORMAT: &str = "juece-checkpoint/2";

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
    let records = store.records_head()?;
    let mut body = json!({
        "format": CHECKPOINT_FORMAT,
        "log_size": head.size,
        "head": hex(&head.head),
        "records_size": records.size,
        "records_head": hex(&records.head),
        "created_at": global.now().to_rfc3339(),
        "public_key": hex(key.verifying_key().as_bytes()),
    });
    let signature = key.sign(canonical_json(&body).as_bytes());
    body["signature"] = json!(hex(&signature.to_bytes()));
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    match &a.out {
        Some(path) => {
            write_file_atomic(path, text.as_bytes(), true, false).map_err(|e| {
                CliError::bad_input(crate::t!(
                    format!("无法写入 `{}`：{}", path.display(), crate::i18n::io_error(&e)),
                    format!("cannot write `{}`: {e}", path.display())
                ))
                .with_hint(crate::t!(
                    "检查点从不覆盖已有文件（旧的检查点也是证据）；请换一个文件名",
                    "a checkpoint never replaces a file (an older checkpoint is evidence too); choose a new name"
                ))
            })?;
            emit(&crate::t!(
                format!(
                    "已将 {} 个事件的检查点写入 {}\n链头：{}\n",
                    head.size,
                    path.display(),
                    hex(&head.head)
                ),
                format!(
                    "checkpoint of {} events written to {}\nhead: {}\n",
                    head.size,
                    path.display(),
                    hex(&head.head)
                )
            ))?;
        }
        None => emit(&text)?,
    }
    Ok(Exit::Ok)
}

/// A checkpoint read back and its signature checked.
pub struct Checked {
    pub anchor: Anchor,
    /// The records chain's size and head (`juece-checkpoint/2`; `None` for version 1).
    pub records: Option<Anchor>,
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
        CliError::bad_input(crate::t!(
            format!(
                "`{}` 不是 {CHECKPOINT_FORMAT}（或 {CHECKPOINT_FORMAT_1}）检查点文件：{what}",
                path.display()
            ),
            format!(
                "`{}` is not a {CHECKPOINT_FORMAT} (or {CHECKPOINT_FORMAT_1}) file: {what}",
                path.display()
            )
        ))
    };
    let mut value: Value = juece_core::json::from_str(&text)
        .map_err(|e| bad(&crate::error::localized(&e.to_string())))?;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| bad(&crate::t!("不是 JSON 对象", "not an object")))?;
    let signature = obj
        .remove("signature")
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| bad(&crate::t!("没有 `signature`", "no `signature`")))?;
    let field = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let version2 = match field("format").as_deref() {
        Some(CHECKPOINT_FORMAT) => true,
        Some(CHECKPOINT_FORMAT_1) => false,
        _ => {
            return Err(bad(&crate::t!(
                "`format` 缺失或不对",
                "wrong or missing `format`"
            )))
        }
    };
    let records = if version2 {
        let size = obj
            .get("records_size")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad(&crate::t!("没有 `records_size`", "no `records_size`")))?;
        let head = field("records_head")
            .and_then(|h| parse_hash(&h))
            .ok_or_else(|| {
                bad(&crate::t!(
                    "没有有效的 `records_head`",
                    "no valid `records_head`"
                ))
            })?;
        Some(Anchor { size, head })
    } else {
        None
    };
    let size = obj
        .get("log_size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(&crate::t!("没有 `log_size`", "no `log_size`")))?;
    let head = field("head")
        .and_then(|h| parse_hash(&h))
        .ok_or_else(|| bad(&crate::t!("没有有效的 `head`", "no valid `head`")))?;
    let embedded = field("public_key")
        .ok_or_else(|| bad(&crate::t!("没有 `public_key`", "no `public_key`")))?;
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
        hints: vec![crate::t!(
            "不要信任这个检查点；请向其保存者索取他们的副本",
            "do not trust this checkpoint; ask its holder for their copy"
        )],
    };
    // Hex in either case names the same key.
    if trusted.is_some()
        && parse_hash(&public_key).is_some()
        && parse_hash(&public_key) != parse_hash(&embedded)
    {
        return Err(failed(format!(
            "it was signed by key {embedded}, not by the trusted key {public_key}"
        )));
    }
    let key_bytes = parse_hash(&public_key).ok_or_else(|| {
        bad(&crate::t!(
            "公钥不是 64 个十六进制字符",
            "the public key is not 64 hex characters"
        ))
    })?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|e| {
        bad(&crate::t!(
            format!("公钥无效：{e}"),
            format!("invalid public key: {e}")
        ))
    })?;
    let sig_bytes: [u8; 64] = (0..64)
        .map(|i| {
            signature
                .get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            bad(&crate::t!(
                "签名不是 128 个十六进制字符",
                "the signature is not 128 hex characters"
            ))
        })?;
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
        records,
        public_key: public_key.to_ascii_lowercase(),
        created_at,
        key_given: trusted.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(body: &mut Value, key: &ed25519_dalek::SigningKey) {
        let signature = key.sign(canonical_json(body).as_bytes());
        body["signature"] = json!(hex(&signature.to_bytes()));
    }

    #[test]
    fn old_checkpoints_keep_verifying_and_new_ones_carry_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let public = hex(key.verifying_key().as_bytes());
        std::fs::write(dir.path().join("k.pub"), public.to_uppercase()).unwrap();
        let mut v1 = json!({
            "format": CHECKPOINT_FORMAT_1,
            "log_size": 3,
            "head": hex(&[1u8; 32]),
            "created_at": "2026-11-28T10:00:00+08:00",
            "public_key": public,
        });
        signed(&mut v1, &key);
        let p1 = dir.path().join("v1.json");
        std::fs::write(&p1, v1.to_string()).unwrap();
        // Checked against the trusted key written in uppercase hex.
        let c = read_checkpoint(&p1, Some(&dir.path().join("k.pub"))).unwrap();
        assert_eq!(c.anchor.size, 3);
        assert!(c.records.is_none());

        let mut v2 = json!({
            "format": CHECKPOINT_FORMAT,
            "log_size": 3,
            "head": hex(&[1u8; 32]),
            "records_size": 2,
            "records_head": hex(&[2u8; 32]),
            "created_at": "2026-11-28T10:00:00+08:00",
            "public_key": public,
        });
        signed(&mut v2, &key);
        let p2 = dir.path().join("v2.json");
        std::fs::write(&p2, v2.to_string()).unwrap();
        let c = read_checkpoint(&p2, None).unwrap();
        assert_eq!(c.records.map(|r| r.size), Some(2));
        // The records head is signed too.
        v2["records_head"] = json!(hex(&[3u8; 32]));
        std::fs::write(&p2, v2.to_string()).unwrap();
        assert!(read_checkpoint(&p2, None).is_err());
    }
}
