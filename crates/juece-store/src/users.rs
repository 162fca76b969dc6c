//! The people who record events.

use juece_core::ids::Role;
use rusqlite::{params, OptionalExtension};

use crate::{SqliteStore, StoreError};

impl SqliteStore {
    /// Adds a user, or adds roles to an existing one. Returns the user's roles afterwards and
    /// whether the user is new.
    pub fn add_user(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<(Vec<Role>, bool), StoreError> {
        let tx = self.write_tx()?;
        let existing: Option<String> = tx
            .query_row("SELECT roles FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let is_new = existing.is_none();
        let mut all = match existing {
            Some(text) => parse_roles(name, &text)?,
            None => Vec::new(),
        };
        for r in roles {
            if !all.contains(r) {
                all.push(*r);
            }
        }
        let text = serde_json::to_string(&all.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO users (name, roles, added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET roles = excluded.roles",
            params![name, text, at],
        )?;
        let ids: Vec<String> = all.iter().map(|r| r.as_str().to_owned()).collect();
        crate::records::append_record(
            &tx,
            crate::records::KIND_USER,
            name,
            &crate::records::user_body(&ids, at),
        )?;
        tx.commit()?;
        Ok((all, is_new))
    }

    /// A user's roles, or `None` for an unknown user. They must be the roles the user's latest
    /// record in the chain holds: roles changed outside juece are refused here (and reported by
    /// `verify`), never used to allow a write.
    pub fn user_roles(&self, name: &str) -> Result<Option<Vec<Role>>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT roles FROM users WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let Some(text) = text else {
            return Ok(None);
        };
        let roles = parse_roles(name, &text)?;
        let recorded = crate::records::latest_body(&self.conn, crate::records::KIND_USER, name)?;
        let same = recorded
            .as_ref()
            .and_then(|b| b.get("roles"))
            .and_then(serde_json::Value::as_array)
            .is_some_and(|ids| {
                ids.len() == roles.len()
                    && ids
                        .iter()
                        .zip(&roles)
                        .all(|(id, r)| id.as_str() == Some(r.as_str()))
            });
        if !same {
            return Err(StoreError::Corrupt(format!(
                "the roles of user `{name}` are not those their record in the chain holds: they were changed outside juece; run `juece verify`"
            )));
        }
        Ok(Some(roles))
    }

    /// Every user with their roles, by name.
    pub fn users(&self) -> Result<Vec<(String, Vec<Role>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, roles FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, text) = row?;
            let roles = parse_roles(&name, &text)?;
            out.push((name, roles));
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// Removes a user (the names already in case histories stay). Returns whether they existed.
    /// The removal is chained like every user and role change (a record with `"removed": true`).
    pub fn remove_user(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
        if n > 0 {
            crate::records::append_record(
                &tx,
                crate::records::KIND_USER,
                name,
                &serde_json::json!({ "roles": [], "at": at, "removed": true }),
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Takes roles from a user. Returns the roles left, or `None` for an unknown user.
    /// The change is chained like every user and role change.
    pub fn remove_roles(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<Option<Vec<Role>>, StoreError> {
        let tx = self.write_tx()?;
        let existing: Option<String> = tx
            .query_row("SELECT roles FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(text) = existing else {
            return Ok(None);
        };
        let left: Vec<Role> = parse_roles(name, &text)?
            .into_iter()
            .filter(|r| !roles.contains(r))
            .collect();
        let text = serde_json::to_string(&left.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "UPDATE users SET roles = ?2 WHERE name = ?1",
            params![name, text],
        )?;
        let ids: Vec<String> = left.iter().map(|r| r.as_str().to_owned()).collect();
        crate::records::append_record(
            &tx,
            crate::records::KIND_USER,
            name,
            &crate::records::user_body(&ids, at),
        )?;
        tx.commit()?;
        Ok(Some(left))
    }
}

fn parse_roles(name: &str, text: &str) -> Result<Vec<Role>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("user `{name}`: roles: {e}")))?;
    ids.iter()
        .map(|id| {
            Role::parse(id)
                .ok_or_else(|| StoreError::Corrupt(format!("user `{name}`: unknown role `{id}`")))
        })
        .collect()
}
