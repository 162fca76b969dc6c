//! Decision catalogues (`juece-catalogue/1`): every imported version kept, append-only and
//! hash-chained in `catalogue_versions` (migration 0006). Verified by [`crate::catalogue_verify`].

use juece_core::catalogue::{parse_catalogue, Catalogue};
use juece_core::log::{canonical_json, chain_hash, leaf_hash, Hash, GENESIS};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::{SqliteStore, StoreError};

/// One stored version of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCatalogue {
    /// The document.
    pub catalogue: Catalogue,
    /// Its version: 1 for the first import of this organ and year.
    pub version: u32,
    /// When it was imported, RFC 3339.
    pub imported_at: String,
}

/// One organ and year in the list of catalogues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueSummary {
    /// The organ.
    pub organ: String,
    /// The year.
    pub year: i32,
    /// How many versions are stored.
    pub versions: u32,
    /// When the latest was imported.
    pub latest_imported_at: String,
    /// Items listed or added in the latest version.
    pub items: usize,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueImport {
    /// Stored as this new version.
    Added(u32),
    /// The same document as the latest version: nothing written.
    Unchanged(u32),
}

/// The canonical bytes of a stored catalogue version.
pub fn catalogue_leaf(cat: &Catalogue, version: u32, imported_at: &str) -> Vec<u8> {
    canonical_json(&json!({
        "catalogue": cat.to_json(),
        "imported_at": imported_at,
        "version": version,
    }))
    .into_bytes()
}

/// Parses a stored version's canonical bytes.
pub(crate) fn parse_leaf(canonical: &[u8]) -> Result<StoredCatalogue, String> {
    let v: Value = serde_json::from_slice(canonical).map_err(|e| format!("not JSON: {e}"))?;
    let doc = v.get("catalogue").ok_or("no `catalogue`")?;
    let catalogue =
        parse_catalogue(&doc.to_string()).map_err(|e| format!("stored document: {e}"))?;
    let version = v
        .get("version")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or("no `version`")?;
    let imported_at = v
        .get("imported_at")
        .and_then(Value::as_str)
        .ok_or("no `imported_at`")?
        .to_owned();
    Ok(StoredCatalogue {
        catalogue,
        version,
        imported_at,
    })
}

impl SqliteStore {
    /// Stores `cat` as the next version of its organ and year (unless it equals the latest).
    pub fn add_catalogue(
        &mut self,
        cat: &Catalogue,
        imported_at: &str,
    ) -> Result<CatalogueImport, StoreError> {
        let tx = self.write_tx()?;
        let latest: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT version, canonical FROM catalogue_versions WHERE organ = ?1 AND year = ?2
                 ORDER BY version DESC LIMIT 1",
                params![cat.organ, cat.year],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((version, canonical)) = &latest {
            let stored = parse_leaf(canonical).map_err(StoreError::Corrupt)?;
            if &stored.catalogue == cat {
                return Ok(CatalogueImport::Unchanged(*version as u32));
            }
        }
        let version = latest.map(|(v, _)| v as u32 + 1).unwrap_or(1);
        let previous: Hash = tx
            .query_row(
                "SELECT chain_hash FROM catalogue_versions ORDER BY catalogue_row DESC LIMIT 1",
                [],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?
            .map(|h| {
                h.try_into().map_err(|_| {
                    StoreError::Corrupt("a catalogue chain hash is not 32 bytes".into())
                })
            })
            .transpose()?
            .unwrap_or(GENESIS);
        let canonical = catalogue_leaf(cat, version, imported_at);
        let leaf = leaf_hash(&canonical);
        let chain = chain_hash(&previous, &leaf);
        tx.execute(
            "INSERT INTO catalogue_versions (organ, year, version, canonical, leaf_hash, chain_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![cat.organ, cat.year, version, canonical, leaf.to_vec(), chain.to_vec()],
        )?;
        tx.commit()?;
        Ok(CatalogueImport::Added(version))
    }

    /// One version (the latest when `version` is `None`) of the catalogue of `organ` and `year`.
    pub fn catalogue(
        &self,
        organ: &str,
        year: i32,
        version: Option<u32>,
    ) -> Result<Option<StoredCatalogue>, StoreError> {
        let canonical: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT canonical FROM catalogue_versions WHERE organ = ?1 AND year = ?2
                 AND (?3 IS NULL OR version = ?3) ORDER BY version DESC LIMIT 1",
                params![organ, year, version],
                |r| r.get(0),
            )
            .optional()?;
        canonical
            .map(|c| {
                parse_leaf(&c)
                    .map_err(|e| StoreError::Corrupt(format!("catalogue of `{organ}` {year}: {e}")))
            })
            .transpose()
    }

    /// The latest version of every catalogue, ordered by organ and year.
    pub fn latest_catalogues(&self) -> Result<Vec<StoredCatalogue>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT organ, year, canonical FROM catalogue_versions v
             WHERE version = (SELECT max(version) FROM catalogue_versions w
                              WHERE w.organ = v.organ AND w.year = v.year)
             ORDER BY organ, year",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let organ: String = r.get(0)?;
            let year: i32 = r.get(1)?;
            let canonical: Vec<u8> = r.get(2)?;
            out.push(
                parse_leaf(&canonical).map_err(|e| {
                    StoreError::Corrupt(format!("catalogue of `{organ}` {year}: {e}"))
                })?,
            );
        }
        Ok(out)
    }

    /// Every organ and year with a catalogue, ordered by organ and year.
    pub fn list_catalogues(&self) -> Result<Vec<CatalogueSummary>, StoreError> {
        let mut out = Vec::new();
        let counts: Vec<(String, i32, u32)> = {
            let mut stmt = self.conn.prepare(
                "SELECT organ, year, max(version) FROM catalogue_versions
                 GROUP BY organ, year ORDER BY organ, year",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
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
                    versions,
                    latest_imported_at: latest.imported_at,
                });
            }
        }
        Ok(out)
    }
}
