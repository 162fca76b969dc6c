//! The second chain: `records`, everything besides events that changes what the audit finds —
//! stored profiles, user and role changes, stored calendars (docs/log-format.md, "Records").
//!
//! A record's canonical bytes are `{"body":BODY,"key":KEY,"kind":KIND,"seq":N}` in the
//! canonical JSON of `juece-log/1`; its leaf hash is SHA-256(0x00 ‖ bytes) and its chain hash
//! SHA-256(0x01 ‖ previous chain hash ‖ leaf hash), from 32 zero bytes — exactly as events,
//! in a chain of its own. Rows are only inserted (triggers refuse the rest).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use juece_core::log::{canonical_json, chain_hash, hex, leaf_hash, Hash, GENESIS};
use juece_core::profile::Profile;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::{Anchor, SqliteStore, StoreError};

/// What a record is about.
pub const KIND_PROFILE: &str = "profile";
/// A user's roles after a change.
pub const KIND_USER: &str = "user";
/// A stored calendar document.
pub const KIND_CALENDAR: &str = "calendar";

/// The stored text of a profile (the form kept in `profiles.content`).
pub(crate) fn profile_content(profile: &Profile) -> Result<String, StoreError> {
    serde_json::to_string_pretty(profile.file()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The shipped profiles' `id@version` and stored text: these are never stored with other
/// content.
pub(crate) fn builtin_contents() -> &'static [(String, String)] {
    static BUILTIN: OnceLock<Vec<(String, String)>> = OnceLock::new();
    BUILTIN.get_or_init(|| match juece_core::builtin::profiles() {
        Ok(p) => p
            .all()
            .iter()
            .filter_map(|p| Some((p.pinned(), profile_content(p).ok()?)))
            .collect(),
        Err(_) => Vec::new(),
    })
}

/// The shipped text of a built-in `id@version`, if it is one.
pub(crate) fn builtin_content(pinned: &str) -> Option<&'static str> {
    builtin_contents()
        .iter()
        .find(|(p, _)| p == pinned)
        .map(|(_, c)| c.as_str())
}

/// The canonical bytes of a record.
pub(crate) fn record_bytes(seq: i64, kind: &str, key: &str, body: &Value) -> Vec<u8> {
    canonical_json(&json!({"body": body, "key": key, "kind": kind, "seq": seq})).into_bytes()
}

/// Appends one record inside the caller's transaction.
pub(crate) fn append_record(
    conn: &Connection,
    kind: &str,
    key: &str,
    body: &Value,
) -> Result<(), StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, chain_hash FROM records ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        None => (1, GENESIS),
        Some((s, h)) => (
            s + 1,
            h.try_into().map_err(|_| {
                StoreError::Corrupt("the last record's chain hash is not 32 bytes".into())
            })?,
        ),
    };
    let bytes = record_bytes(seq, kind, key, body);
    let leaf = leaf_hash(&bytes);
    let chain = chain_hash(&prev, &leaf);
    conn.prepare_cached(
        "INSERT INTO records (seq, kind, key, canonical, leaf_hash, chain_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![seq, kind, key, bytes, &leaf[..], &chain[..]])?;
    Ok(())
}

/// The body of a profile record.
pub(crate) fn profile_body(content: &str) -> Value {
    json!({ "content": content })
}

/// The body of a user record: the roles held from `at` on, and the organs the user belongs to
/// when there are any (a user of every organ has a body exactly as before organs existed).
pub(crate) fn user_body(roles: &[String], organs: &[String], at: &str) -> Value {
    if organs.is_empty() {
        json!({ "roles": roles, "at": at })
    } else {
        json!({ "roles": roles, "organs": organs, "at": at })
    }
}

/// A list of strings in a record's body (`roles`, `organs`); missing is empty.
pub(crate) fn body_list(body: &Value, field: &str) -> Vec<String> {
    body.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Enters what a database held before records existed: every stored profile and user, as the
/// migration that created `records` runs (same transaction).
pub(crate) fn backfill(conn: &Connection) -> Result<(), StoreError> {
    let profiles: Vec<(String, i64, String)> = conn
        .prepare("SELECT id, version, content FROM profiles ORDER BY id, version")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, version, content) in profiles {
        let key = format!("{id}@{version}");
        // A shipped profile stored by an older juece holds that version's text: the shipped
        // text is authoritative for its own id@version (procedure.md version 2 added
        // `review_window_shortening`, `backfill_grace_days` and moved the party report in the
        // graph), so the copy is brought up to it before it enters the chain.
        let content = match builtin_content(&key) {
            Some(shipped) if shipped != content => {
                conn.execute(
                    "UPDATE profiles SET content = ?3 WHERE id = ?1 AND version = ?2",
                    rusqlite::params![id, version, shipped],
                )?;
                shipped.to_owned()
            }
            _ => content,
        };
        append_record(conn, KIND_PROFILE, &key, &profile_body(&content))?;
    }
    let users: Vec<(String, String, String)> = conn
        .prepare("SELECT name, roles, added_at FROM users ORDER BY added_at, name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (name, roles, at) in users {
        let roles: Vec<String> = serde_json::from_str(&roles)
            .map_err(|e| StoreError::Corrupt(format!("user `{name}`: roles: {e}")))?;
        append_record(conn, KIND_USER, &name, &user_body(&roles, &[], &at))?;
    }
    Ok(())
}

/// The outcome of verifying the records chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsReport {
    /// Records in the chain.
    pub records: u64,
    /// The chain hash of the last record.
    pub head: Hash,
    /// Every problem found, in plain words.
    pub failures: Vec<String>,
    /// With an anchor: how many records it anchors, when the chain extends it.
    pub anchored: Option<u64>,
    /// With an anchor: records after it.
    pub unanchored: u64,
}

impl RecordsReport {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One stored calendar document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCalendar {
    /// The name it was added under (its file name).
    pub name: String,
    /// The document's text, exactly as added.
    pub text: String,
    /// When it was added, RFC 3339.
    pub added_at: String,
}

/// The body of the latest record of `kind` and `key`, if any.
pub(crate) fn latest_body(
    conn: &Connection,
    kind: &str,
    key: &str,
) -> Result<Option<Value>, StoreError> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached(
            "SELECT canonical FROM records WHERE kind = ?1 AND key = ?2 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([kind, key], |r| r.get(0))
        .optional()?;
    bytes
        .map(|b| {
            serde_json::from_slice::<Value>(&b)
                .map(|v| v.get("body").cloned().unwrap_or(Value::Null))
                .map_err(|e| StoreError::Corrupt(format!("record of {kind} `{key}`: {e}")))
        })
        .transpose()
}

impl SqliteStore {
    /// The records chain's size and head now.
    pub fn records_head(&self) -> Result<Anchor, StoreError> {
        let (size, head): (i64, Option<Vec<u8>>) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM records), (SELECT chain_hash FROM records ORDER BY seq DESC LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let head = match head {
            None => GENESIS,
            Some(h) => h.try_into().map_err(|_| {
                StoreError::Corrupt("the last record's chain hash is not 32 bytes".into())
            })?,
        };
        Ok(Anchor {
            size: size as u64,
            head,
        })
    }

    /// Stores a calendar document under `name` (one transaction, one record). The same text
    /// stored again is a no-op (`false`). The caller has checked that it parses.
    pub fn add_calendar(&mut self, name: &str, text: &str, at: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let same = calendars_in(&tx)?
            .iter()
            .any(|c| c.text == text && c.name == name);
        if !same {
            append_record(&tx, KIND_CALENDAR, name, &json!({"text": text, "at": at}))?;
        }
        tx.commit()?;
        Ok(!same)
    }

    /// The stored calendar documents, in the order they were added.
    pub fn calendars(&self) -> Result<Vec<StoredCalendar>, StoreError> {
        calendars_in(&self.conn)
    }

    /// Recomputes the records chain and checks that the tables it vouches for hold what it
    /// says: every stored profile's text and every user's roles equal their latest record, no
    /// shipped profile is stored with other content. With `anchor`, also whether the chain still
    /// extends it.
    pub fn verify_records(&self, anchor: Option<Anchor>) -> Result<RecordsReport, StoreError> {
        match self.verify_records_inner(anchor) {
            Err(e) if e.is_damage() => Ok(RecordsReport {
                records: 0,
                head: GENESIS,
                failures: vec![format!(
                    "the database file is damaged: the records cannot be read back ({e})"
                )],
                anchored: None,
                unanchored: 0,
            }),
            other => other,
        }
    }

    fn verify_records_inner(&self, anchor: Option<Anchor>) -> Result<RecordsReport, StoreError> {
        let records: Vec<RecordRow> = self
            .conn
            .prepare(
                "SELECT seq, kind, key, canonical, leaf_hash, chain_hash FROM records ORDER BY seq",
            )?
            .query_map([], |r| {
                Ok(RecordRow {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    key: r.get(2)?,
                    canonical: r.get(3)?,
                    leaf: r.get(4)?,
                    chain: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let profiles: Vec<(String, i64, String)> = self
            .conn
            .prepare("SELECT id, version, content FROM profiles ORDER BY id, version")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let users: Vec<(String, String, String)> = self
            .conn
            .prepare("SELECT name, roles, organs FROM users ORDER BY name")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(check_records(anchor, records, profiles, users))
    }
}

/// One row of `records` as read, whichever backend it came from.
pub(crate) struct RecordRow {
    pub(crate) seq: i64,
    pub(crate) kind: String,
    pub(crate) key: String,
    pub(crate) canonical: Vec<u8>,
    pub(crate) leaf: Vec<u8>,
    pub(crate) chain: Vec<u8>,
}

/// Recomputes the records chain over `records` (in order) and checks that the stored profiles
/// (`id, version, content`) and users (`name, roles, organs` as JSON arrays) hold what it
/// vouches for.
pub(crate) fn check_records(
    anchor: Option<Anchor>,
    records: Vec<RecordRow>,
    stored_profiles: Vec<(String, i64, String)>,
    stored_users: Vec<(String, String, String)>,
) -> RecordsReport {
    let mut failures = Vec::new();
    let mut prev = GENESIS;
    let mut count: i64 = 0;
    let mut anchored = match anchor {
        Some(a) if a.size == 0 => {
            if a.head != GENESIS {
                failures
                    .push("the checkpoint of an empty records chain has a non-zero head".into());
            }
            Some(0)
        }
        _ => None,
    };
    let mut profiles: BTreeMap<String, String> = BTreeMap::new();
    // Each user's roles and organs as their latest record holds them.
    let mut users: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    {
        for row in records {
            count += 1;
            let RecordRow {
                seq,
                kind,
                key,
                canonical: bytes,
                leaf: stored_leaf,
                chain: stored_chain,
            } = row;
            let leaf = leaf_hash(&bytes);
            let chain = chain_hash(&prev, &leaf);
            prev = chain;
            let at = format!("record {seq} ({kind} `{key}`)");
            if failures.len() < 100 {
                if seq != count {
                    failures.push(format!(
                        "{at}: expected record {count} here; a record was removed or inserted"
                    ));
                }
                if stored_leaf != leaf {
                    failures.push(format!(
                            "{at}: its content is not what was hashed (leaf hash differs): it was edited"
                        ));
                } else if stored_chain != chain {
                    failures.push(format!(
                            "{at}: its chain hash differs: a record before it was changed, removed or reordered"
                        ));
                }
            }
            let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
            let body = parsed.as_ref().and_then(|v| v.get("body")).cloned();
            let matches = parsed.as_ref().is_some_and(|v| {
                v.get("kind").and_then(Value::as_str) == Some(kind.as_str())
                    && v.get("key").and_then(Value::as_str) == Some(key.as_str())
                    && v.get("seq").and_then(Value::as_i64) == Some(seq)
            });
            if !matches {
                failures.push(format!(
                    "{at}: its stored bytes do not name this kind, key and number"
                ));
                continue;
            }
            let body = body.unwrap_or(Value::Null);
            match kind.as_str() {
                KIND_PROFILE => {
                    let content = body
                        .get("content")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    if let Some(shipped) = builtin_content(&key) {
                        if shipped != content {
                            failures.push(format!(
                                    "{at}: the shipped profile `{key}` is stored with other content; a shipped id@version can never be changed"
                                ));
                        }
                    }
                    if profiles.insert(key.clone(), content).is_some() {
                        failures.push(format!(
                                "{at}: the profile `{key}` is recorded twice; a stored profile is never changed"
                            ));
                    }
                }
                KIND_USER => {
                    if body.get("removed").and_then(Value::as_bool) == Some(true) {
                        users.remove(&key);
                    } else {
                        let held = (body_list(&body, "roles"), body_list(&body, "organs"));
                        users.insert(key, held);
                    }
                }
                KIND_CALENDAR => {
                    if body.get("text").and_then(Value::as_str).is_none() {
                        failures.push(format!("{at}: a calendar record without its text"));
                    }
                }
                _ => failures.push(format!("{at}: unknown kind of record")),
            }
            if let Some(a) = anchor {
                if count as u64 == a.size {
                    if chain == a.head {
                        anchored = Some(a.size);
                    } else {
                        failures.push(format!(
                                "the records chain no longer extends the checkpoint: its hash at size {} is {}, the checkpoint says {}; a record at or before it was changed, removed, inserted or reordered",
                                a.size,
                                hex(&chain),
                                hex(&a.head)
                            ));
                    }
                }
            }
        }
    }
    if let Some(a) = anchor {
        if a.size > count as u64 {
            failures.push(format!(
                    "the records chain has {count} records but the checkpoint anchors {}: records were removed",
                    a.size
                ));
        }
    }
    // The tables read by the program must hold what the chain vouches for.
    let stored = stored_profiles;
    let mut seen_profiles = HashMap::new();
    for (id, version, content) in stored {
        let key = format!("{id}@{version}");
        match profiles.get(&key) {
                None => failures.push(format!(
                    "the stored profile `{key}` is not in the records chain: it was added outside juece"
                )),
                Some(c) if *c != content => failures.push(format!(
                    "the stored profile `{key}` differs from its record: its text was edited after it was stored"
                )),
                Some(_) => {}
            }
        if let Some(shipped) = builtin_content(&key) {
            if shipped != content {
                failures.push(format!(
                        "the stored profile `{key}` is not the shipped one: a shipped id@version can never be changed"
                    ));
            }
        }
        seen_profiles.insert(key, ());
    }
    for key in profiles.keys() {
        if !seen_profiles.contains_key(key) {
            failures.push(format!(
                "the recorded profile `{key}` is missing from the profiles table: it was removed"
            ));
        }
    }
    let stored = stored_users;
    let mut seen_users = HashMap::new();
    for (name, roles, organs) in stored {
        let roles: Option<Vec<String>> = serde_json::from_str(&roles).ok();
        let organs: Option<Vec<String>> = serde_json::from_str(&organs).ok();
        match users.get(&name) {
                None => failures.push(format!(
                    "the user `{name}` is not in the records chain: they were added outside juece"
                )),
                Some((r, _)) if Some(r) != roles.as_ref() => failures.push(format!(
                    "the roles of user `{name}` differ from their record: they were edited outside juece"
                )),
                Some((_, o)) if Some(o) != organs.as_ref() => failures.push(format!(
                    "the organs of user `{name}` differ from their record: they were edited outside juece"
                )),
                Some(_) => {}
            }
        seen_users.insert(name, ());
    }
    for name in users.keys() {
        if !seen_users.contains_key(name) {
            failures.push(format!(
                "the recorded user `{name}` is missing from the users table: they were removed"
            ));
        }
    }
    let unanchored = match anchor {
        Some(a) if a.size <= count as u64 => count as u64 - a.size,
        _ => 0,
    };
    RecordsReport {
        records: count as u64,
        head: prev,
        failures,
        anchored,
        unanchored,
    }
}

fn calendars_in(conn: &Connection) -> Result<Vec<StoredCalendar>, StoreError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare_cached("SELECT key, canonical FROM records WHERE kind = 'calendar' ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(name, bytes)| {
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Corrupt(format!("stored calendar `{name}`: {e}")))?;
            let field = |k: &str| {
                v.pointer(&format!("/body/{k}"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Ok(StoredCalendar {
                text: field("text").ok_or_else(|| {
                    StoreError::Corrupt(format!("stored calendar `{name}` has no text"))
                })?,
                added_at: field("at").unwrap_or_default(),
                name,
            })
        })
        .collect()
}
