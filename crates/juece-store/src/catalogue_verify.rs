//! Verification of the catalogue chain (`catalogue_versions`): every stored version is what was
//! hashed, chained in the order of import, filed under its own organ, year and version, with
//! versions 1, 2, 3, … per organ and year without gaps.

use std::collections::HashMap;

use juece_core::log::{chain_hash, leaf_hash, Hash, GENESIS};

use crate::catalogues::parse_leaf;
use crate::{SqliteStore, StoreError};

/// The outcome of verifying the catalogue chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueChainReport {
    /// Versions checked.
    pub versions: u64,
    /// The chain hash of the last version (zeros when there is none).
    pub head: Hash,
    /// The first failure: (position 1-based, organ, year, version, what).
    pub failure: Option<CatalogueChainFailure>,
}

/// Where the catalogue chain first fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueChainFailure {
    /// 1-based position in the chain.
    pub position: u64,
    /// The organ the row is filed under.
    pub organ: String,
    /// Its year.
    pub year: i64,
    /// Its version.
    pub version: i64,
    /// What differs.
    pub what: String,
}

/// One stored catalogue version as read, whichever backend it came from.
pub(crate) struct CatalogueRow {
    pub(crate) organ: String,
    pub(crate) year: i64,
    pub(crate) version: i64,
    pub(crate) canonical: Vec<u8>,
    pub(crate) leaf: Vec<u8>,
    pub(crate) chain: Vec<u8>,
}

impl SqliteStore {
    /// Recomputes the catalogue chain and reports the first version where it fails.
    pub fn verify_catalogues(&self) -> Result<CatalogueChainReport, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT organ, year, version, canonical, leaf_hash, chain_hash
             FROM catalogue_versions ORDER BY catalogue_row",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CatalogueRow {
                organ: r.get(0)?,
                year: r.get(1)?,
                version: r.get(2)?,
                canonical: r.get(3)?,
                leaf: r.get(4)?,
                chain: r.get(5)?,
            })
        })?;
        check_catalogue_chain(rows.map(|r| r.map_err(StoreError::from)))
    }
}

/// Recomputes the catalogue chain over `rows`, in the order of import.
pub(crate) fn check_catalogue_chain(
    rows: impl IntoIterator<Item = Result<CatalogueRow, StoreError>>,
) -> Result<CatalogueChainReport, StoreError> {
    let mut previous = GENESIS;
    let mut position = 0u64;
    let mut next_version: HashMap<(String, i64), i64> = HashMap::new();
    for row in rows {
        position += 1;
        let CatalogueRow {
            organ,
            year,
            version,
            canonical,
            leaf: stored_leaf,
            chain: stored_chain,
        } = row?;
        let fail = |what: String| CatalogueChainFailure {
            position,
            organ: organ.clone(),
            year,
            version,
            what,
        };
        let leaf = leaf_hash(&canonical);
        let chain = chain_hash(&previous, &leaf);
        let problem = if stored_leaf != leaf {
            Some("the leaf hash is not the hash of the stored bytes".to_owned())
        } else if stored_chain != chain {
            Some("the chain hash does not follow from the previous version".to_owned())
        } else {
            match parse_leaf(&canonical) {
                Err(e) => Some(format!("the stored bytes are not a catalogue version: {e}")),
                Ok(s) if s.catalogue.organ != organ || i64::from(s.catalogue.year) != year => {
                    Some(format!(
                        "filed under `{organ}` {year} but the document is of `{}` {}",
                        s.catalogue.organ, s.catalogue.year
                    ))
                }
                Ok(s) if i64::from(s.version) != version => Some(format!(
                    "filed as version {version} but hashed as version {}",
                    s.version
                )),
                Ok(_) => {
                    let expected = next_version.entry((organ.clone(), year)).or_insert(1);
                    if version != *expected {
                        Some(format!(
                            "version {version} where version {expected} was expected"
                        ))
                    } else {
                        *expected += 1;
                        None
                    }
                }
            }
        };
        if let Some(what) = problem {
            return Ok(CatalogueChainReport {
                versions: position,
                head: previous,
                failure: Some(fail(what)),
            });
        }
        previous = chain;
    }
    Ok(CatalogueChainReport {
        versions: position,
        head: previous,
        failure: None,
    })
}

#[cfg(test)]
mod tests {
    use juece_core::catalogue::parse_catalogue;

    use crate::catalogues::CatalogueImport;
    use crate::SqliteStore as Store;

    const DOC: &str = r#"{"format": "juece-catalogue/1", "organ": "甲县人民政府", "year": 2023,
        "party_consent": "2023-02-20", "published": "2023-02-28",
        "items": [{"id": "1", "title": "t", "undertaking_unit": "u", "category": "plan"}]}"#;

    #[test]
    fn versions_are_kept_chained_and_verified() {
        let mut store = Store::open_in_memory().unwrap();
        let v1 = parse_catalogue(DOC).unwrap();
        assert_eq!(
            store
                .add_catalogue(&v1, "2023-03-01T09:00:00+08:00")
                .unwrap(),
            CatalogueImport::Added(1)
        );
        assert_eq!(
            store
                .add_catalogue(&v1, "2023-03-02T09:00:00+08:00")
                .unwrap(),
            CatalogueImport::Unchanged(1)
        );
        let mut v2 = v1.clone();
        v2.published = Some("2023-03-01".parse().unwrap());
        assert_eq!(
            store
                .add_catalogue(&v2, "2023-03-03T09:00:00+08:00")
                .unwrap(),
            CatalogueImport::Added(2)
        );
        assert_eq!(
            store
                .catalogue("甲县人民政府", 2023, Some(1))
                .unwrap()
                .unwrap()
                .catalogue,
            v1
        );
        assert_eq!(
            store
                .catalogue("甲县人民政府", 2023, None)
                .unwrap()
                .unwrap()
                .version,
            2
        );
        assert_eq!(store.latest_catalogues().unwrap().len(), 1);
        let report = store.verify_catalogues().unwrap();
        assert_eq!((report.versions, report.failure), (2, None));

        // Updates and deletes are refused by the triggers.
        assert!(store
            .conn
            .execute("UPDATE catalogue_versions SET year = 2024", [])
            .is_err());
        assert!(store
            .conn
            .execute("DELETE FROM catalogue_versions", [])
            .is_err());

        // A changed byte (with the triggers out of the way) is found, at its version.
        store
            .conn
            .execute_batch("DROP TRIGGER catalogue_versions_are_never_updated")
            .unwrap();
        store
            .conn
            .execute(
                "UPDATE catalogue_versions SET canonical = CAST(replace(CAST(canonical AS TEXT), '2023-02-20', '2023-02-19') AS BLOB) WHERE version = 1",
                [],
            )
            .unwrap();
        let f = store.verify_catalogues().unwrap().failure.unwrap();
        assert_eq!((f.position, f.version), (1, 1));
        assert!(f.what.contains("leaf hash"), "{}", f.what);
    }

    #[test]
    fn a_dropped_version_breaks_the_chain() {
        let mut store = Store::open_in_memory().unwrap();
        let mut cat = parse_catalogue(DOC).unwrap();
        for i in 0..3 {
            cat.items[0].title = format!("t{i}");
            store
                .add_catalogue(&cat, "2023-03-01T09:00:00+08:00")
                .unwrap();
        }
        store
            .conn
            .execute_batch("DROP TRIGGER catalogue_versions_are_never_deleted")
            .unwrap();
        store
            .conn
            .execute("DELETE FROM catalogue_versions WHERE version = 2", [])
            .unwrap();
        let f = store.verify_catalogues().unwrap().failure.unwrap();
        assert_eq!(f.version, 3);
        assert!(f.what.contains("chain hash"), "{}", f.what);
    }
}
