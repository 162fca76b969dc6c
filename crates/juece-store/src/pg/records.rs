//! The records chain on PostgreSQL (profiles, users and roles, calendars): the same canonical
//! bytes and hashes as `crate::records`, and the same checks (`check_records`).
//!
//! Users live here too: every user or role change is one row change plus one record, in one
//! write transaction.

use juece_core::ids::Role;
use juece_core::log::{chain_hash, leaf_hash, GENESIS};
use postgres::GenericClient;
use serde_json::{json, Value};

use super::{hash_of, write_tx, PgStore};
use crate::records::{check_records, record_bytes, user_body, RecordRow, KIND_CALENDAR, KIND_USER};
use crate::users::{checked_against_record, parse_organs, parse_roles, with_added};
use crate::{Anchor, RecordsReport, StoreError, StoredCalendar, UserRow};

/// Appends one record inside the caller's write transaction.
pub(crate) fn append_record(
    tx: &mut impl GenericClient,
    kind: &str,
    key: &str,
    body: &Value,
) -> Result<(), StoreError> {
    let (seq, prev) = match tx.query_opt(
        "SELECT seq, chain_hash FROM records ORDER BY seq DESC LIMIT 1",
        &[],
    )? {
        None => (1, GENESIS),
        Some(r) => (
            r.get::<_, i64>(0) + 1,
            hash_of(r.get(1), "the last record's chain hash")?,
        ),
    };
    let bytes = record_bytes(seq, kind, key, body);
    let leaf = leaf_hash(&bytes);
    let chain = chain_hash(&prev, &leaf);
    tx.execute(
        "INSERT INTO records (seq, kind, key, canonical, leaf_hash, chain_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&seq, &kind, &key, &bytes, &&leaf[..], &&chain[..]],
    )?;
    Ok(())
}

/// The body of the latest record of `kind` and `key`, if any.
pub(crate) fn latest_body(
    c: &mut impl GenericClient,
    kind: &str,
    key: &str,
) -> Result<Option<Value>, StoreError> {
    let bytes: Option<Vec<u8>> = c
        .query_opt(
            "SELECT canonical FROM records WHERE kind = $1 AND key = $2 ORDER BY seq DESC LIMIT 1",
            &[&kind, &key],
        )?
        .map(|r| r.get(0));
    record_body(kind, key, bytes)
}

/// The body of a record's canonical bytes, if there is a record.
fn record_body(kind: &str, key: &str, bytes: Option<Vec<u8>>) -> Result<Option<Value>, StoreError> {
    bytes
        .map(|b| {
            serde_json::from_slice::<Value>(&b)
                .map(|v| v.get("body").cloned().unwrap_or(Value::Null))
                .map_err(|e| StoreError::Corrupt(format!("record of {kind} `{key}`: {e}")))
        })
        .transpose()
}

fn roles_json(roles: &[Role]) -> Result<String, StoreError> {
    serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn role_ids(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| r.as_str().to_owned()).collect()
}

impl PgStore {
    /// The records chain's size and head now.
    pub(crate) fn records_head(&self) -> Result<Anchor, StoreError> {
        let r = self.client()?.query_one(
            "SELECT (SELECT count(*) FROM records), (SELECT chain_hash FROM records ORDER BY seq DESC LIMIT 1)",
            &[],
        )?;
        let size: i64 = r.get(0);
        let head = match r.get::<_, Option<Vec<u8>>>(1) {
            None => GENESIS,
            Some(h) => hash_of(h, "the last record's chain hash")?,
        };
        Ok(Anchor {
            size: size as u64,
            head,
        })
    }

    /// Stores a calendar document (one record); the same name and text again is a no-op.
    pub(crate) fn add_calendar(
        &mut self,
        name: &str,
        text: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let same = calendars_in(&mut tx)?
            .iter()
            .any(|c| c.text == text && c.name == name);
        if !same {
            append_record(
                &mut tx,
                KIND_CALENDAR,
                name,
                &json!({"text": text, "at": at}),
            )?;
        }
        tx.commit()?;
        Ok(!same)
    }

    /// The stored calendar documents, in the order they were added.
    pub(crate) fn calendars(&self) -> Result<Vec<StoredCalendar>, StoreError> {
        calendars_in(&mut *self.client()?)
    }

    /// Recomputes the records chain and checks the tables it vouches for.
    pub(crate) fn verify_records(
        &self,
        anchor: Option<Anchor>,
    ) -> Result<RecordsReport, StoreError> {
        let mut c = self.client()?;
        let records = c
            .query(
                "SELECT seq, kind, key, canonical, leaf_hash, chain_hash FROM records ORDER BY seq",
                &[],
            )?
            .iter()
            .map(|r| RecordRow {
                seq: r.get(0),
                kind: r.get(1),
                key: r.get(2),
                canonical: r.get(3),
                leaf: r.get(4),
                chain: r.get(5),
            })
            .collect();
        let profiles = c
            .query(
                "SELECT id, version, content FROM profiles ORDER BY id, version",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let users = c
            .query("SELECT name, roles, organs FROM users ORDER BY name", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        Ok(check_records(anchor, records, profiles, users))
    }

    /// Adds a user, or roles to one: the roles afterwards, and whether the user is new.
    pub(crate) fn add_user(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<(Vec<Role>, bool), StoreError> {
        let (user, is_new) = self.add_user_in(name, roles, &[], at)?;
        Ok((user.roles, is_new))
    }

    /// Adds a user, or roles and organs to one (see the SQLite store): one transaction, one
    /// record in the chain, the same bytes.
    pub(crate) fn add_user_in(
        &mut self,
        name: &str,
        roles: &[Role],
        organs: &[String],
        at: &str,
    ) -> Result<(UserRow, bool), StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let existing = read_user(&mut tx, name)?;
        let is_new = existing.is_none();
        let user = with_added(existing, name, roles, organs);
        write_user(&mut tx, &user, at)?;
        tx.commit()?;
        Ok((user, is_new))
    }

    /// A user's roles, checked against their latest record; `None` for an unknown user.
    pub(crate) fn user_roles(&self, name: &str) -> Result<Option<Vec<Role>>, StoreError> {
        Ok(self.user(name)?.map(|u| u.roles))
    }

    /// A user's organs, checked against their latest record; `None` for an unknown user.
    pub(crate) fn user_organs(&self, name: &str) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.user(name)?.map(|u| u.organs))
    }

    /// A user with roles and organs, both checked against the user's latest record in the
    /// chain (a row changed outside juece is refused, never used); `None` for an unknown user.
    pub(crate) fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        // One typed statement, one round trip: every write over the server asks this first.
        let Some(row) = self.client()?.query_typed_opt(
            "SELECT u.roles, u.organs,
                    (SELECT r.canonical FROM records r WHERE r.kind = $2 AND r.key = $1
                     ORDER BY r.seq DESC LIMIT 1)
             FROM users u WHERE u.name = $1",
            &[
                (&name, postgres::types::Type::TEXT),
                (&KIND_USER, postgres::types::Type::TEXT),
            ],
        )?
        else {
            return Ok(None);
        };
        let user = UserRow {
            name: name.to_owned(),
            roles: parse_roles(name, row.get(0))?,
            organs: parse_organs(name, row.get(1))?,
        };
        let recorded = record_body(KIND_USER, name, row.get(2))?;
        checked_against_record(user, recorded.as_ref()).map(Some)
    }

    /// Every user with their roles, by name.
    pub(crate) fn users(&self) -> Result<Vec<(String, Vec<Role>)>, StoreError> {
        Ok(self
            .user_rows()?
            .into_iter()
            .map(|u| (u.name, u.roles))
            .collect())
    }

    /// Every user with roles and organs, by name.
    pub(crate) fn user_rows(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = self
            .client()?
            .query("SELECT name, roles, organs FROM users ORDER BY name", &[])?;
        rows.iter()
            .map(|r| {
                let name: String = r.get(0);
                Ok(UserRow {
                    roles: parse_roles(&name, r.get(1))?,
                    organs: parse_organs(&name, r.get(2))?,
                    name,
                })
            })
            .collect()
    }

    /// Removes a user (chained); whether they existed.
    pub(crate) fn remove_user(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let n = tx.execute("DELETE FROM users WHERE name = $1", &[&name])?;
        if n > 0 {
            append_record(
                &mut tx,
                KIND_USER,
                name,
                &json!({ "roles": [], "at": at, "removed": true }),
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Takes roles from a user (chained): the roles left, or `None` for an unknown user.
    pub(crate) fn remove_roles(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<Option<Vec<Role>>, StoreError> {
        Ok(self
            .change_user(name, at, |u| u.roles.retain(|r| !roles.contains(r)))?
            .map(|u| u.roles))
    }

    /// Takes organs from a user (chained): the organs left, or `None` for an unknown user.
    pub(crate) fn remove_organs(
        &mut self,
        name: &str,
        organs: &[String],
        at: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self
            .change_user(name, at, |u| u.organs.retain(|o| !organs.contains(o)))?
            .map(|u| u.organs))
    }

    fn change_user(
        &mut self,
        name: &str,
        at: &str,
        change: impl FnOnce(&mut UserRow),
    ) -> Result<Option<UserRow>, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let Some(mut user) = read_user(&mut tx, name)? else {
            return Ok(None);
        };
        change(&mut user);
        write_user(&mut tx, &user, at)?;
        tx.commit()?;
        Ok(Some(user))
    }
}

fn read_user(c: &mut impl GenericClient, name: &str) -> Result<Option<UserRow>, StoreError> {
    let Some(row) = c.query_opt("SELECT roles, organs FROM users WHERE name = $1", &[&name])?
    else {
        return Ok(None);
    };
    Ok(Some(UserRow {
        name: name.to_owned(),
        roles: parse_roles(name, row.get(0))?,
        organs: parse_organs(name, row.get(1))?,
    }))
}

/// Writes the user's row and its record in the chain (inside the caller's transaction).
fn write_user(tx: &mut impl GenericClient, user: &UserRow, at: &str) -> Result<(), StoreError> {
    let ids = role_ids(&user.roles);
    let organs =
        serde_json::to_string(&user.organs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO users (name, roles, organs, added_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, organs = excluded.organs",
        &[&user.name, &roles_json(&user.roles)?, &organs, &at],
    )?;
    append_record(
        tx,
        KIND_USER,
        &user.name,
        &user_body(&ids, &user.organs, at),
    )
}

fn calendars_in(c: &mut impl GenericClient) -> Result<Vec<StoredCalendar>, StoreError> {
    let rows = c.query(
        "SELECT key, canonical FROM records WHERE kind = 'calendar' ORDER BY seq",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            let name: String = r.get(0);
            let bytes: Vec<u8> = r.get(1);
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
