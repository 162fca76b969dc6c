//! What the server keeps about who is asking, and decision catalogues, on PostgreSQL: the same
//! rows as the SQLite backend's `web` and `catalogues` modules.

use juece_core::catalogue::Catalogue;
use juece_core::log::{chain_hash, leaf_hash, GENESIS};

use super::{hash_of, write_tx, PgStore};
use crate::catalogue_verify::{check_catalogue_chain, CatalogueRow};
use crate::catalogues::parse_leaf;
use crate::{
    catalogue_leaf, CatalogueChainReport, CatalogueImport, CatalogueSummary, SessionRow,
    StoreError, StoredCatalogue, TokenRow,
};

fn token_row(r: &postgres::Row) -> TokenRow {
    TokenRow {
        token_id: r.get(0),
        name: r.get(1),
        secret_hash: r.get(2),
        created_at: r.get(3),
        revoked_at: r.get(4),
    }
}

impl PgStore {
    /// Sets a user's password hash and ends their sessions; `false` for an unknown user.
    pub(crate) fn set_password(
        &mut self,
        name: &str,
        hash: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        if tx
            .query_opt("SELECT name FROM users WHERE name = $1", &[&name])?
            .is_none()
        {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO passwords (name, hash, changed_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at",
            &[&name, &hash, &at],
        )?;
        tx.execute("DELETE FROM sessions WHERE name = $1", &[&name])?;
        tx.commit()?;
        Ok(true)
    }

    /// A user's password hash, if one is set.
    pub(crate) fn password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .client()?
            .query_opt("SELECT hash FROM passwords WHERE name = $1", &[&name])?
            .map(|r| r.get(0)))
    }

    /// Stores a new session (and drops the expired ones).
    pub(crate) fn create_session(
        &mut self,
        id_hash: &str,
        name: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
        tx.execute(
            "INSERT INTO sessions (id_hash, name, csrf, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&id_hash, &name, &csrf, &now, &expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session with this id hash, if it has not expired at `now`.
    pub(crate) fn session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT name, csrf, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
                &[&id_hash, &now],
            )?
            .map(|r| SessionRow {
                name: r.get(0),
                csrf: r.get(1),
                expires_at: r.get(2),
            }))
    }

    /// Ends a session.
    pub(crate) fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        self.client()?
            .execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])?;
        Ok(())
    }

    /// Stores a new API token for a known user.
    pub(crate) fn create_token(
        &mut self,
        token_id: &str,
        name: &str,
        secret_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.client()?.execute(
            "INSERT INTO tokens (token_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
            &[&token_id, &name, &secret_hash, &at],
        )?;
        Ok(())
    }

    /// Every token, by user and creation time.
    pub(crate) fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        Ok(self
            .client()?
            .query(
                "SELECT token_id, name, secret_hash, created_at, revoked_at FROM tokens
                 ORDER BY name, created_at, token_id",
                &[],
            )?
            .iter()
            .map(token_row)
            .collect())
    }

    /// The token with this public id, revoked or not.
    pub(crate) fn token(&self, token_id: &str) -> Result<Option<TokenRow>, StoreError> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT token_id, name, secret_hash, created_at, revoked_at FROM tokens
                 WHERE token_id = $1",
                &[&token_id],
            )?
            .as_ref()
            .map(token_row))
    }

    /// Revokes a token; `false` when there is no such live token.
    pub(crate) fn revoke_token(&mut self, token_id: &str, at: &str) -> Result<bool, StoreError> {
        let n = self.client()?.execute(
            "UPDATE tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL",
            &[&token_id, &at],
        )?;
        Ok(n > 0)
    }

    /// The kept answer (status, body) to `name`'s write with idempotency key `key`.
    pub(crate) fn idempotent_answer(
        &self,
        name: &str,
        key: &str,
    ) -> Result<Option<(u16, String)>, StoreError> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT status, body FROM idempotency WHERE name = $1 AND key = $2",
                &[&name, &key],
            )?
            .map(|r| (u16::try_from(r.get::<_, i32>(0)).unwrap_or(500), r.get(1))))
    }

    /// Keeps the answer to a write with an idempotency key; drops those older than `keep_after`.
    pub(crate) fn keep_answer(
        &mut self,
        name: &str,
        key: &str,
        status: u16,
        body: &str,
        now: i64,
        keep_after: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[&keep_after],
        )?;
        tx.execute(
            "INSERT INTO idempotency (name, key, status, body, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name, key) DO NOTHING",
            &[&name, &key, &i32::from(status), &body, &now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores `cat` as the next version of its organ and year (unless it equals the latest).
    pub(crate) fn add_catalogue(
        &mut self,
        cat: &Catalogue,
        imported_at: &str,
    ) -> Result<CatalogueImport, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let latest = tx.query_opt(
            "SELECT version, canonical FROM catalogue_versions WHERE organ = $1 AND year = $2
             ORDER BY version DESC LIMIT 1",
            &[&cat.organ, &cat.year],
        )?;
        let latest: Option<(i64, Vec<u8>)> = latest.map(|r| (r.get(0), r.get(1)));
        if let Some((version, canonical)) = &latest {
            let stored = parse_leaf(canonical).map_err(StoreError::Corrupt)?;
            if &stored.catalogue == cat {
                return Ok(CatalogueImport::Unchanged(*version as u32));
            }
        }
        let version = latest.map(|(v, _)| v as u32 + 1).unwrap_or(1);
        let previous = match tx.query_opt(
            "SELECT chain_hash FROM catalogue_versions ORDER BY catalogue_row DESC LIMIT 1",
            &[],
        )? {
            Some(r) => hash_of(r.get(0), "a catalogue chain hash")?,
            None => GENESIS,
        };
        let canonical = catalogue_leaf(cat, version, imported_at);
        let leaf = leaf_hash(&canonical);
        let chain = chain_hash(&previous, &leaf);
        tx.execute(
            "INSERT INTO catalogue_versions (organ, year, version, canonical, leaf_hash, chain_hash)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &cat.organ,
                &cat.year,
                &i64::from(version),
                &canonical,
                &&leaf[..],
                &&chain[..],
            ],
        )?;
        tx.commit()?;
        Ok(CatalogueImport::Added(version))
    }

    /// One version (the latest when `version` is `None`) of the catalogue of `organ` and `year`.
    pub(crate) fn catalogue(
        &self,
        organ: &str,
        year: i32,
        version: Option<u32>,
    ) -> Result<Option<StoredCatalogue>, StoreError> {
        let version = version.map(i64::from);
        let canonical: Option<Vec<u8>> = self
            .client()?
            .query_opt(
                "SELECT canonical FROM catalogue_versions WHERE organ = $1 AND year = $2
                 AND ($3::bigint IS NULL OR version = $3) ORDER BY version DESC LIMIT 1",
                &[&organ, &year, &version],
            )?
            .map(|r| r.get(0));
        canonical
            .map(|c| {
                parse_leaf(&c)
                    .map_err(|e| StoreError::Corrupt(format!("catalogue of `{organ}` {year}: {e}")))
            })
            .transpose()
    }

    /// The latest version of every catalogue, ordered by organ and year.
    pub(crate) fn latest_catalogues(&self) -> Result<Vec<StoredCatalogue>, StoreError> {
        let rows = self.client()?.query(
            "SELECT organ, year, canonical FROM catalogue_versions v
             WHERE version = (SELECT max(version) FROM catalogue_versions w
                              WHERE w.organ = v.organ AND w.year = v.year)
             ORDER BY organ, year",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let organ: String = r.get(0);
                let year: i32 = r.get(1);
                let canonical: Vec<u8> = r.get(2);
                parse_leaf(&canonical)
                    .map_err(|e| StoreError::Corrupt(format!("catalogue of `{organ}` {year}: {e}")))
            })
            .collect()
    }

    /// Every organ and year with a catalogue, ordered by organ and year.
    pub(crate) fn list_catalogues(&self) -> Result<Vec<CatalogueSummary>, StoreError> {
        let counts: Vec<(String, i32, i64)> = self
            .client()?
            .query(
                "SELECT organ, year, max(version) FROM catalogue_versions
                 GROUP BY organ, year ORDER BY organ, year",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let mut out = Vec::new();
        for (organ, year, versions) in counts {
            if let Some(latest) = self.catalogue(&organ, year, None)? {
                out.push(CatalogueSummary {
                    items: latest.catalogue.items.len()
                        + latest
                            .catalogue
                            .adjustments
                            .iter()
                            .filter(|a| a.item.is_some())
                            .count(),
                    organ,
                    year,
                    versions: versions as u32,
                    latest_imported_at: latest.imported_at,
                });
            }
        }
        Ok(out)
    }

    /// Recomputes the catalogue chain and reports the first version where it fails.
    pub(crate) fn verify_catalogues(&self) -> Result<CatalogueChainReport, StoreError> {
        let rows = self.client()?.query(
            "SELECT organ, year, version, canonical, leaf_hash, chain_hash
             FROM catalogue_versions ORDER BY catalogue_row",
            &[],
        )?;
        check_catalogue_chain(rows.iter().map(|r| {
            Ok(CatalogueRow {
                organ: r.get(0),
                year: i64::from(r.get::<_, i32>(1)),
                version: r.get(2),
                canonical: r.get(3),
                leaf: r.get(4),
                chain: r.get(5),
            })
        }))
    }
}
