//! Writes on PostgreSQL: import, append, profiles, command ids. Each is one transaction under
//! the write lock that extends the hash chain exactly as the SQLite backend does.

use std::cell::RefCell;

use juece_core::event::Event;
use juece_core::log::{chain_hash, leaf_bytes, leaf_hash, Hash, GENESIS};
use juece_core::profile::Profile;
use postgres::error::SqlState;
use postgres::{GenericClient, Transaction};

use super::{hash_of, write_tx, PgStore};
use crate::web::KeptAnswer;
use crate::write::difference;
use crate::{
    AppendItem, Appended, Difference, ImportSummary, PreparedCase, Projection, StoreError,
};

fn last_chain_hash(tx: &mut impl GenericClient) -> Result<Hash, StoreError> {
    match tx.query_opt(
        "SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1",
        &[],
    )? {
        None => Ok(GENESIS),
        Some(r) => hash_of(r.get(0), "the last event's chain hash"),
    }
}

fn insert_leaves(
    tx: &mut impl GenericClient,
    case_id: i64,
    first_seq: usize,
    leaves: &[Vec<u8>],
    leaf_hashes: &[Hash],
    prev: &mut Hash,
) -> Result<(), StoreError> {
    let mut seqs = Vec::with_capacity(leaves.len());
    let mut leaf_cols: Vec<&[u8]> = Vec::with_capacity(leaves.len());
    let mut chains = Vec::with_capacity(leaves.len());
    for (i, leaf) in leaf_hashes.iter().enumerate() {
        let chain = chain_hash(prev, leaf);
        seqs.push((first_seq + i) as i64);
        leaf_cols.push(&leaf[..]);
        chains.push(chain);
        *prev = chain;
    }
    let chain_cols: Vec<&[u8]> = chains.iter().map(|c| &c[..]).collect();
    let canonical: Vec<&[u8]> = leaves.iter().map(Vec::as_slice).collect();
    // One statement for the whole batch, in sequence order (so `event_id`s, the global order,
    // follow it): a round trip per event made an import several times slower.
    tx.execute(
        "INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash)
         SELECT $1, s, c, l, h FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[])
             WITH ORDINALITY AS t (s, c, l, h, n)
         ORDER BY n",
        &[&case_id, &seqs, &canonical, &leaf_cols, &chain_cols],
    )?;
    Ok(())
}

impl PgStore {
    /// The events a command id wrote: `(case ref, first seq, count)`, or `None` if unused.
    pub(crate) fn command_recorded(
        &self,
        command_id: &str,
    ) -> Result<Option<(String, usize, usize)>, StoreError> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT c.ref, m.first_seq, m.count FROM commands m JOIN cases c ON c.case_id = m.case_id
                 WHERE m.command_id = $1",
                &[&command_id],
            )?
            .map(|r| {
                (
                    r.get::<_, String>(0),
                    r.get::<_, i64>(1) as usize,
                    r.get::<_, i64>(2) as usize,
                )
            }))
    }

    /// Remembers that `command_id` wrote `count` events of `case_ref` from `first_seq`.
    pub(crate) fn record_command(
        &mut self,
        command_id: &str,
        case_ref: &str,
        first_seq: usize,
        count: usize,
    ) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let case_id: i64 = tx
            .query_opt("SELECT case_id FROM cases WHERE ref = $1", &[&case_ref])?
            .ok_or_else(|| StoreError::UnknownCase(case_ref.to_owned()))?
            .get(0);
        tx.execute(
            "INSERT INTO commands (command_id, case_id, first_seq, count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (command_id) DO NOTHING",
            &[&command_id, &case_id, &(first_seq as i64), &(count as i64)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a profile (chained); the same content again is a no-op.
    pub(crate) fn add_profile(&mut self, profile: &Profile) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let added = put_profile(&mut tx, profile)?;
        tx.commit()?;
        Ok(added)
    }

    /// Starts an import: one transaction under the write lock.
    pub(crate) fn begin_import(&mut self) -> Result<PgImportTx<'_>, StoreError> {
        let mut tx = write_tx(self.client_mut()?)?;
        let prev = last_chain_hash(&mut tx)?;
        let was_empty: bool = tx
            .query_one("SELECT NOT EXISTS (SELECT 1 FROM cases)", &[])?
            .get(0);
        Ok(PgImportTx {
            tx: RefCell::new(tx),
            was_empty,
            prev,
            summary: ImportSummary::default(),
            profiles: Vec::new(),
        })
    }

    /// Appends events to a case that still has exactly `expected_len` events.
    pub(crate) fn append(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
    ) -> Result<Appended, StoreError> {
        self.append_answered(case_ref, expected_len, events, projection, command_id, None)
    }

    /// [`PgStore::append`], keeping the server's idempotency answer in the same transaction.
    pub(crate) fn append_answered(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
        answer: Option<&KeptAnswer<'_>>,
    ) -> Result<Appended, StoreError> {
        let item = AppendItem {
            case_ref,
            expected_len,
            events,
            projection,
            command_id,
            answer,
        };
        let mut client = self.client()?;
        let mut tx = write_tx(&mut client)?;
        let mut prev = last_chain_hash(&mut tx)?;
        let appended = append_in(&mut tx, &item, &mut prev)?;
        if matches!(appended, Appended::Written { .. }) {
            tx.commit()?;
        }
        Ok(appended)
    }

    /// Several appends in one transaction and one commit (group commit), each in a savepoint
    /// of its own, failing alone (see the SQLite store). If the commit fails, every item fails.
    pub(crate) fn append_batch(
        &mut self,
        items: &[AppendItem<'_>],
    ) -> Vec<Result<Appended, StoreError>> {
        let run = |store: &mut PgStore| -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
            let mut client = store.client()?;
            let mut tx = write_tx(&mut client)?;
            let mut prev = last_chain_hash(&mut tx)?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let before = prev;
                // A nested transaction of the driver is a savepoint.
                let mut item_tx = tx.transaction()?;
                match append_in(&mut item_tx, item, &mut prev) {
                    Ok(a) => {
                        item_tx.commit()?;
                        out.push(Ok(a));
                    }
                    Err(e) => {
                        item_tx.rollback()?;
                        prev = before;
                        out.push(Err(e));
                    }
                }
            }
            tx.commit()?;
            Ok(out)
        };
        run(self).unwrap_or_else(|e| crate::write::group_commit_failed(items.len(), &e))
    }
}

/// One append inside the open transaction `tx`, continuing the chain from `prev`.
fn append_in(
    tx: &mut impl GenericClient,
    item: &AppendItem<'_>,
    prev: &mut Hash,
) -> Result<Appended, StoreError> {
    let AppendItem {
        case_ref,
        expected_len,
        events,
        projection,
        command_id,
        answer,
    } = *item;
    if let Some(id) = command_id {
        if let Some(r) = tx.query_opt(
            "SELECT first_seq, count FROM commands WHERE command_id = $1",
            &[&id],
        )? {
            return Ok(Appended::AlreadyRecorded {
                first_seq: r.get::<_, i64>(0) as usize,
                count: r.get::<_, i64>(1) as usize,
            });
        }
    }
    let row = tx
        .query_opt(
            "SELECT c.case_id, (SELECT count(*) FROM events e WHERE e.case_id = c.case_id)
             FROM cases c WHERE c.ref = $1",
            &[&case_ref],
        )?
        .ok_or_else(|| StoreError::UnknownCase(case_ref.to_owned()))?;
    let (case_id, len): (i64, i64) = (row.get(0), row.get(1));
    if len as usize != expected_len {
        return Err(StoreError::Conflict {
            case_ref: case_ref.to_owned(),
            expected: expected_len,
            found: len as usize,
        });
    }
    let leaves: Vec<Vec<u8>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| leaf_bytes(case_ref, (expected_len + i) as u64, e, None))
        .collect();
    let leaf_hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    insert_leaves(tx, case_id, expected_len, &leaves, &leaf_hashes, prev)?;
    if let Some(id) = command_id {
        tx.execute(
            "INSERT INTO commands (command_id, case_id, first_seq, count) VALUES ($1, $2, $3, $4)",
            &[&id, &case_id, &len, &(events.len() as i64)],
        )?;
    }
    let last_at = events.last().map(|e| e.at.to_rfc3339()).unwrap_or_default();
    upsert_projection(
        tx,
        case_id,
        len + events.len() as i64 - 1,
        &last_at,
        projection,
    )?;
    if let Some(a) = answer {
        tx.execute(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[&a.keep_after],
        )?;
        tx.execute(
            "INSERT INTO idempotency (name, key, status, body, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name, key) DO NOTHING",
            &[&a.name, &a.key, &i32::from(a.status), &a.body, &a.now],
        )?;
    }
    Ok(Appended::Written {
        first_seq: expected_len,
    })
}

/// An import in progress on PostgreSQL.
pub(crate) struct PgImportTx<'a> {
    /// In a cell: comparing takes `&self`, the driver wants `&mut`.
    tx: RefCell<Transaction<'a>>,
    was_empty: bool,
    prev: Hash,
    summary: ImportSummary,
    profiles: Vec<String>,
}

impl<'a> PgImportTx<'a> {
    fn tx(&self) -> Result<std::cell::RefMut<'_, Transaction<'a>>, StoreError> {
        self.tx
            .try_borrow_mut()
            .map_err(|_| StoreError::Corrupt("the import's transaction is already in use".into()))
    }

    /// Compares a prepared case with the stored case of the same reference.
    pub(crate) fn compare_prepared(
        &self,
        case: &PreparedCase,
    ) -> Result<Option<Option<Difference>>, StoreError> {
        if self.was_empty {
            return Ok(None);
        }
        let case_ref = &case.header.case_ref;
        let mut tx = self.tx()?;
        let Some(row) = tx.query_opt("SELECT case_id FROM cases WHERE ref = $1", &[case_ref])?
        else {
            return Ok(None);
        };
        let case_id: i64 = row.get(0);
        let stored: Vec<Vec<u8>> = tx
            .query(
                "SELECT canonical FROM events WHERE case_id = $1 ORDER BY seq",
                &[&case_id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(Some(difference(case_ref, &stored, &case.leaves)))
    }

    /// Adds a case whose leaves were computed beforehand.
    pub(crate) fn add_prepared(
        &mut self,
        case: &PreparedCase,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let h = &case.header;
        let pinned = profile.pinned();
        let tx = self.tx.get_mut();
        if !self.profiles.contains(&pinned) {
            put_profile(tx, profile)?;
            self.profiles.push(pinned);
        }
        let attributes =
            serde_json::to_string(&h.attributes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let catalogue = match &h.catalogue {
            Some(link) => {
                Some(serde_json::to_string(link).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            }
            None => None,
        };
        let version = i64::from(profile.version());
        let inserted = tx.query_one(
            "INSERT INTO cases (ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes, catalogue)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING case_id",
            &[
                &h.case_ref,
                &h.title,
                &h.organ,
                &h.undertaking_unit,
                &h.category.as_str(),
                &profile.id(),
                &version,
                &attributes,
                &catalogue,
            ],
        );
        let case_id: i64 = match inserted {
            Ok(r) => r.get(0),
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(StoreError::CaseExists(h.case_ref.clone()));
            }
            Err(e) => return Err(e.into()),
        };
        insert_leaves(
            tx,
            case_id,
            0,
            &case.leaves,
            &case.leaf_hashes,
            &mut self.prev,
        )?;
        upsert_projection(
            tx,
            case_id,
            case.leaves.len() as i64 - 1,
            &case.last_at,
            projection,
        )?;
        self.summary.cases += 1;
        self.summary.events += case.leaves.len();
        Ok(())
    }

    /// Commits everything added.
    pub(crate) fn commit(self) -> Result<ImportSummary, StoreError> {
        self.tx.into_inner().commit()?;
        Ok(self.summary)
    }
}

pub(crate) fn put_profile(
    tx: &mut impl GenericClient,
    profile: &Profile,
) -> Result<bool, StoreError> {
    let content = crate::records::profile_content(profile)?;
    let pinned = profile.pinned();
    if crate::records::builtin_content(&pinned).is_some_and(|shipped| shipped != content) {
        return Err(StoreError::ProfileConflict(pinned));
    }
    let version = i64::from(profile.version());
    let existing: Option<String> = tx
        .query_opt(
            "SELECT content FROM profiles WHERE id = $1 AND version = $2",
            &[&profile.id(), &version],
        )?
        .map(|r| r.get(0));
    match existing {
        Some(c) if c == content => Ok(false),
        Some(_) => Err(StoreError::ProfileConflict(pinned)),
        None => {
            tx.execute(
                "INSERT INTO profiles (id, version, content) VALUES ($1, $2, $3)",
                &[&profile.id(), &version, &content],
            )?;
            super::records::append_record(
                tx,
                crate::records::KIND_PROFILE,
                &pinned,
                &crate::records::profile_body(&content),
            )?;
            Ok(true)
        }
    }
}

/// Writes the whole projection row of a case, new or not.
fn upsert_projection(
    tx: &mut impl GenericClient,
    case_id: i64,
    last_seq: i64,
    last_at: &str,
    p: &Projection,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO case_projection (case_id, status, last_seq, last_at, has_skipped, has_override, violations, warnings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq,
             last_at = excluded.last_at, has_skipped = excluded.has_skipped, has_override = excluded.has_override,
             violations = excluded.violations, warnings = excluded.warnings",
        &[
            &case_id,
            &p.status.as_str(),
            &last_seq,
            &last_at,
            &p.has_skipped,
            &p.has_override,
            &i64::from(p.violations),
            &i64::from(p.warnings),
        ],
    )?;
    Ok(())
}
