//! What the server keeps about who is asking (migration 0007): passwords (argon2id hashes),
//! sessions and API tokens (SHA-256 of their secrets), and idempotency answers. Hashing and
//! comparing are the server's; this module only stores and finds rows, with bound parameters.

use rusqlite::{params, OptionalExtension};

use crate::{SqliteStore, StoreError};

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub name: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// An API token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token_id: String,
    pub name: String,
    pub secret_hash: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl SqliteStore {
    /// Sets a user's password hash and ends every session of theirs. `false` for an unknown user.
    pub fn set_password(&mut self, name: &str, hash: &str, at: &str) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let known: Option<String> = tx
            .query_row("SELECT name FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_none() {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO passwords (name, hash, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
            params![name, hash, at],
        )?;
        tx.execute("DELETE FROM sessions WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(true)
    }

    /// A user's password hash, if one is set.
    pub fn password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT hash FROM passwords WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    /// Stores a new session.
    pub fn create_session(
        &mut self,
        id_hash: &str,
        name: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        tx.execute(
            "INSERT INTO sessions (id_hash, name, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id_hash, name, csrf, now, expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session with this id hash, if it has not expired at `now`.
    pub fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT name, csrf, expires_at FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![id_hash, now], |r| {
                Ok(SessionRow {
                    name: r.get(0)?,
                    csrf: r.get(1)?,
                    expires_at: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Ends a session.
    pub fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
        Ok(())
    }

    /// Stores a new API token for a known user.
    pub fn create_token(
        &mut self,
        token_id: &str,
        name: &str,
        secret_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tokens (token_id, name, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_id, name, secret_hash, at],
        )?;
        Ok(())
    }

    /// Every token, by user and creation time.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT token_id, name, secret_hash, created_at, revoked_at FROM tokens
             ORDER BY name, created_at, token_id",
        )?;
        let rows = stmt.query_map([], token_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The token with this public id, revoked or not.
    pub fn token(&self, token_id: &str) -> Result<Option<TokenRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT token_id, name, secret_hash, created_at, revoked_at FROM tokens
                 WHERE token_id = ?1",
            )?
            .query_row([token_id], token_row)
            .optional()?)
    }

    /// Revokes a token; `false` when there is no such live token.
    pub fn revoke_token(&mut self, token_id: &str, at: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
            params![token_id, at],
        )?;
        Ok(n > 0)
    }

    /// The kept answer (status, body) to `name`'s write with idempotency key `key`.
    pub fn idempotent_answer(
        &self,
        name: &str,
        key: &str,
    ) -> Result<Option<(u16, String)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT status, body FROM idempotency WHERE name = ?1 AND key = ?2")?
            .query_row([name, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Keeps the answer to a write with an idempotency key; answers older than `keep_after`
    /// (Unix seconds) are dropped.
    pub fn keep_answer(
        &mut self,
        name: &str,
        key: &str,
        status: u16,
        body: &str,
        now: i64,
        keep_after: i64,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        insert_answer(
            &tx,
            &KeptAnswer {
                name,
                key,
                status,
                body,
                now,
                keep_after,
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// An idempotency answer to keep: `name`'s write with `key` got `status` and `body` at `now`
/// (Unix seconds); answers older than `keep_after` are dropped.
#[derive(Debug, Clone, Copy)]
pub struct KeptAnswer<'a> {
    pub name: &'a str,
    pub key: &'a str,
    pub status: u16,
    pub body: &'a str,
    pub now: i64,
    pub keep_after: i64,
}

/// Keeps `a` in the open transaction `tx` (the first answer to a key wins).
pub(crate) fn insert_answer(
    tx: &rusqlite::Transaction<'_>,
    a: &KeptAnswer<'_>,
) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
        .execute([a.keep_after])?;
    tx.prepare_cached(
        "INSERT OR IGNORE INTO idempotency (name, key, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![a.name, a.key, a.status, a.body, a.now])?;
    Ok(())
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        token_id: r.get(0)?,
        name: r.get(1)?,
        secret_hash: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}
