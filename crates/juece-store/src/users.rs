//! The people who record events, their roles and the organs (offices) whose cases they act on.

use juece_core::ids::Role;
use rusqlite::{params, Connection, OptionalExtension};

use crate::{SqliteStore, StoreError};

/// A user as listed: roles, and the organs they belong to (empty: every organ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    pub roles: Vec<Role>,
    pub organs: Vec<String>,
}

impl SqliteStore {
    /// Adds a user, or adds roles to an existing one. Returns the user's roles afterwards and
    /// whether the user is new.
    pub fn add_user(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<(Vec<Role>, bool), StoreError> {
        let (user, is_new) = self.add_user_in(name, roles, &[], at)?;
        Ok((user.roles, is_new))
    }

    /// Adds a user, or adds roles and organs to an existing one (organ names as the caller
    /// normalized them; a name already held is not added twice). One transaction, one record in
    /// the chain. Returns the user afterwards and whether they are new.
    pub fn add_user_in(
        &mut self,
        name: &str,
        roles: &[Role],
        organs: &[String],
        at: &str,
    ) -> Result<(UserRow, bool), StoreError> {
        let tx = self.write_tx()?;
        let existing = read_user(&tx, name)?;
        let is_new = existing.is_none();
        let user = with_added(existing, name, roles, organs);
        write_user(&tx, &user, at)?;
        tx.commit()?;
        Ok((user, is_new))
    }

    /// A user's roles, or `None` for an unknown user. They must be the roles the user's latest
    /// record in the chain holds: roles changed outside juece are refused here (and reported by
    /// `verify`), never used to allow a write.
    pub fn user_roles(&self, name: &str) -> Result<Option<Vec<Role>>, StoreError> {
        Ok(self.user(name)?.map(|u| u.roles))
    }

    /// A user's organs (empty: every organ), or `None` for an unknown user; checked against the
    /// chain like [`Store::user_roles`].
    pub fn user_organs(&self, name: &str) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.user(name)?.map(|u| u.organs))
    }

    /// A user with roles and organs, or `None`. Both must be what the user's latest record in
    /// the chain holds: a row changed outside juece is refused here (and reported by `verify`),
    /// never used to allow a read or a write.
    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let Some(user) = read_user(&self.conn, name)? else {
            return Ok(None);
        };
        let recorded = crate::records::latest_body(&self.conn, crate::records::KIND_USER, name)?;
        checked_against_record(user, recorded.as_ref()).map(Some)
    }

    /// Every user with their roles, by name.
    pub fn users(&self) -> Result<Vec<(String, Vec<Role>)>, StoreError> {
        Ok(self
            .user_rows()?
            .into_iter()
            .map(|u| (u.name, u.roles))
            .collect())
    }

    /// Every user with roles and organs, by name.
    pub fn user_rows(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, roles, organs FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, roles, organs) = row?;
            out.push(UserRow {
                roles: parse_roles(&name, &roles)?,
                organs: parse_organs(&name, &organs)?,
                name,
            });
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
        Ok(self
            .change_user(name, at, |u| u.roles.retain(|r| !roles.contains(r)))?
            .map(|u| u.roles))
    }

    /// Takes organs from a user (exact names, as stored). Returns the organs left (empty: the
    /// user now acts on every organ), or `None` for an unknown user. Chained like role changes.
    pub fn remove_organs(
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
        let tx = self.write_tx()?;
        let Some(mut user) = read_user(&tx, name)? else {
            return Ok(None);
        };
        change(&mut user);
        write_user(&tx, &user, at)?;
        tx.commit()?;
        Ok(Some(user))
    }
}

/// `existing` (or a new user `name`) with `roles` and `organs` added, none twice: what
/// `add_user_in` writes on either backend.
pub(crate) fn with_added(
    existing: Option<UserRow>,
    name: &str,
    roles: &[Role],
    organs: &[String],
) -> UserRow {
    let mut user = existing.unwrap_or_else(|| UserRow {
        name: name.to_owned(),
        roles: Vec::new(),
        organs: Vec::new(),
    });
    for r in roles {
        if !user.roles.contains(r) {
            user.roles.push(*r);
        }
    }
    for o in organs {
        if !user.organs.contains(o) {
            user.organs.push(o.clone());
        }
    }
    user
}

/// The user as their row holds them, if their latest record in the chain (`recorded`, its
/// body) holds the same roles and organs; a row changed outside juece is refused, on either
/// backend, and never used to allow a read or a write.
pub(crate) fn checked_against_record(
    user: UserRow,
    recorded: Option<&serde_json::Value>,
) -> Result<UserRow, StoreError> {
    let same = recorded.is_some_and(|b| {
        let ids = crate::records::body_list(b, "roles");
        let organs = crate::records::body_list(b, "organs");
        ids.len() == user.roles.len()
            && ids.iter().zip(&user.roles).all(|(id, r)| id == r.as_str())
            && organs == user.organs
    });
    if !same {
        return Err(StoreError::Corrupt(format!(
            "the roles or organs of user `{}` are not those their record in the chain holds: they were changed outside juece; run `juece verify`",
            user.name
        )));
    }
    Ok(user)
}

fn read_user(conn: &Connection, name: &str) -> Result<Option<UserRow>, StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT roles, organs FROM users WHERE name = ?1")?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(roles, organs)| {
        Ok(UserRow {
            name: name.to_owned(),
            roles: parse_roles(name, &roles)?,
            organs: parse_organs(name, &organs)?,
        })
    })
    .transpose()
}

/// Writes the user's row and its record in the chain (inside the caller's transaction).
fn write_user(conn: &Connection, user: &UserRow, at: &str) -> Result<(), StoreError> {
    let ids: Vec<String> = user.roles.iter().map(|r| r.as_str().to_owned()).collect();
    let json =
        |v: &Vec<String>| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()));
    conn.execute(
        "INSERT INTO users (name, roles, organs, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, organs = excluded.organs",
        params![user.name, json(&ids)?, json(&user.organs)?, at],
    )?;
    crate::records::append_record(
        conn,
        crate::records::KIND_USER,
        &user.name,
        &crate::records::user_body(&ids, &user.organs, at),
    )
}

pub(crate) fn parse_roles(name: &str, text: &str) -> Result<Vec<Role>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("user `{name}`: roles: {e}")))?;
    ids.iter()
        .map(|id| {
            Role::parse(id)
                .ok_or_else(|| StoreError::Corrupt(format!("user `{name}`: unknown role `{id}`")))
        })
        .collect()
}

pub(crate) fn parse_organs(name: &str, text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("user `{name}`: organs: {e}")))
}
