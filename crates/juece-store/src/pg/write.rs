//! Writes on PostgreSQL: import, append, profiles, command ids. Each is one transaction under
//! the write lock that extends the hash chain exactly as the SQLite backend does.

use std::cell::RefCell;

use juece_core::event::Event;
use juece_core::log::{chain_hash, leaf_bytes, leaf_hash, Hash, GENESIS};
use juece_core::profile::Profile;
use postgres::types::Type;
use postgres::{GenericClient, Transaction};

use super::{hash_of, write_tx, PgStore};
use crate::web::KeptAnswer;
use crate::write::difference;
use crate::{
    AppendItem, Appended, Difference, ImportSummary, PreparedCase, Projection, StoreError,
};

fn last_chain_hash(tx: &mut Transaction<'_>) -> Result<Hash, StoreError> {
    match tx.query_typed_opt(
        "SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1",
        &[],
    )? {
        None => Ok(GENESIS),
        Some(r) => hash_of(r.get(0), "the last event's chain hash"),
    }
}

impl PgStore {
    /// The events a command id wrote: `(case ref, first seq, count)`, or `None` if unused.
    pub(crate) fn command_recorded(
        &self,
        command_id: &str,
    ) -> Result<Option<(String, usize, usize)>, StoreError> {
        Ok(self
            .client()?
            .query_typed_opt(
                "SELECT c.ref, m.first_seq, m.count FROM commands m JOIN cases c ON c.case_id = m.case_id
                 WHERE m.command_id = $1",
                &[(&command_id, Type::TEXT)],
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
            pending: RefCell::new(Box::default()),
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
        let appended = append_in(&mut tx, &item)?;
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
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // A nested transaction of the driver is a savepoint: an item that fails takes
                // its rows with it, and the next item's chain continues from what stays.
                let mut item_tx = tx.transaction()?;
                match append_in(&mut item_tx, item) {
                    Ok(a) => {
                        item_tx.commit()?;
                        out.push(Ok(a));
                    }
                    Err(e) => {
                        item_tx.rollback()?;
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

/// One append inside the open transaction `tx` (which holds the write lock): two statements,
/// each one round trip (typed, so nothing is prepared first) — the chain's last hash and what
/// the case and the command id hold now, then every row the append writes (and two more for a
/// server's idempotency answer) — where a statement per table, each prepared before it ran,
/// made a guarded write a dozen round trips.
/// The last hash is read inside the transaction, so an earlier append of the same group
/// commit is seen and one rolled back to its savepoint is not.
fn append_in(tx: &mut Transaction<'_>, item: &AppendItem<'_>) -> Result<Appended, StoreError> {
    let AppendItem {
        case_ref,
        expected_len,
        events,
        projection,
        command_id,
        answer,
    } = *item;
    let state = tx.query_typed_one(
        "SELECT m.first_seq, m.count, c.case_id,
                (SELECT count(*) FROM events e WHERE e.case_id = c.case_id),
                (SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1)
         FROM (SELECT 1) AS one
             LEFT JOIN commands m ON m.command_id = $2
             LEFT JOIN cases c ON c.ref = $1",
        &[(&case_ref, Type::TEXT), (&command_id, Type::TEXT)],
    )?;
    if let (Some(first_seq), Some(count)) = (
        state.get::<_, Option<i64>>(0),
        state.get::<_, Option<i64>>(1),
    ) {
        return Ok(Appended::AlreadyRecorded {
            first_seq: first_seq as usize,
            count: count as usize,
        });
    }
    let (Some(case_id), Some(len)) = (
        state.get::<_, Option<i64>>(2),
        state.get::<_, Option<i64>>(3),
    ) else {
        return Err(StoreError::UnknownCase(case_ref.to_owned()));
    };
    if len as usize != expected_len {
        return Err(StoreError::Conflict {
            case_ref: case_ref.to_owned(),
            expected: expected_len,
            found: len as usize,
        });
    }
    let mut prev = match state.get::<_, Option<Vec<u8>>>(4) {
        None => GENESIS,
        Some(h) => hash_of(h, "the last event's chain hash")?,
    };
    let leaves: Vec<Vec<u8>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| leaf_bytes(case_ref, (expected_len + i) as u64, e, None))
        .collect();
    let mut seqs = Vec::with_capacity(leaves.len());
    let mut leaf_hashes = Vec::with_capacity(leaves.len());
    let mut chains = Vec::with_capacity(leaves.len());
    for (i, leaf) in leaves.iter().enumerate() {
        let leaf = leaf_hash(leaf);
        prev = chain_hash(&prev, &leaf);
        seqs.push((expected_len + i) as i64);
        leaf_hashes.push(leaf.to_vec());
        chains.push(prev.to_vec());
    }
    let last_seq = len + events.len() as i64 - 1;
    let last_at = events.last().map(|e| e.at.to_rfc3339()).unwrap_or_default();
    let count = events.len() as i64;
    let (violations, warnings) = (
        i64::from(projection.violations),
        i64::from(projection.warnings),
    );
    // The events in sequence order (so `event_id`s, the global order, follow the chain); the
    // command id when there is one; the projection row, new or not.
    tx.execute_typed(
        "WITH appended AS (
             INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash)
             SELECT $1, s, c, l, h FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[])
                 WITH ORDINALITY AS t (s, c, l, h, n)
             ORDER BY n
         ), remembered AS (
             INSERT INTO commands (command_id, case_id, first_seq, count)
             SELECT $6, $1, $7, $8 WHERE $6::text IS NOT NULL
         )
         INSERT INTO case_projection (case_id, status, last_seq, last_at, has_skipped, has_override, violations, warnings)
         VALUES ($1, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq,
             last_at = excluded.last_at, has_skipped = excluded.has_skipped, has_override = excluded.has_override,
             violations = excluded.violations, warnings = excluded.warnings",
        &[
            (&case_id, Type::INT8),
            (&seqs, Type::INT8_ARRAY),
            (&leaves, Type::BYTEA_ARRAY),
            (&leaf_hashes, Type::BYTEA_ARRAY),
            (&chains, Type::BYTEA_ARRAY),
            (&command_id, Type::TEXT),
            (&len, Type::INT8),
            (&count, Type::INT8),
            (&projection.status.as_str(), Type::TEXT),
            (&last_seq, Type::INT8),
            (&last_at, Type::TEXT),
            (&projection.has_skipped, Type::BOOL),
            (&projection.has_override, Type::BOOL),
            (&violations, Type::INT8),
            (&warnings, Type::INT8),
        ],
    )?;
    if let Some(a) = answer {
        // Two statements, in this order: an old answer under the same key is gone before the
        // new one is kept (in one statement both would see the old row).
        tx.execute_typed(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[(&a.keep_after, Type::INT8)],
        )?;
        let status = i32::from(a.status);
        tx.execute_typed(
            "INSERT INTO idempotency (name, key, status, body, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name, key) DO NOTHING",
            &[
                (&a.name, Type::TEXT),
                (&a.key, Type::TEXT),
                (&status, Type::INT4),
                (&a.body, Type::TEXT),
                (&a.now, Type::INT8),
            ],
        )?;
    }
    Ok(Appended::Written {
        first_seq: expected_len,
    })
}

/// An import in progress on PostgreSQL. Cases are written a batch at a time (see
/// [`PendingCases`]): one statement per table for a thousand cases, where one per case made a
/// million-case import take half an hour of round trips.
pub(crate) struct PgImportTx<'a> {
    /// In a cell: comparing takes `&self`, the driver wants `&mut`.
    tx: RefCell<Transaction<'a>>,
    /// Cases added but not yet sent; in a cell for the same reason (a comparison with a case
    /// still pending sends the batch first).
    pending: RefCell<Box<PendingCases>>,
    was_empty: bool,
    prev: Hash,
    summary: ImportSummary,
    profiles: Vec<String>,
}

/// Cases waiting to be written, column by column, as the batch statements take them.
#[derive(Default)]
struct PendingCases {
    refs: Vec<String>,
    titles: Vec<String>,
    organs: Vec<String>,
    units: Vec<String>,
    categories: Vec<&'static str>,
    profile_ids: Vec<String>,
    profile_versions: Vec<i64>,
    attributes: Vec<String>,
    catalogues: Vec<Option<String>>,
    /// Per event: the index of its case in this batch, its seq, bytes and hashes, in chain order.
    event_case: Vec<usize>,
    seqs: Vec<i64>,
    canonical: Vec<Vec<u8>>,
    leaf_hashes: Vec<Hash>,
    chain_hashes: Vec<Hash>,
    /// Per case: the projection row.
    statuses: Vec<&'static str>,
    last_seqs: Vec<i64>,
    last_ats: Vec<String>,
    skipped: Vec<bool>,
    overridden: Vec<bool>,
    violations: Vec<i64>,
    warnings: Vec<i64>,
    /// The references in this batch, to refuse a second case with one of them at once.
    ref_set: std::collections::HashSet<String>,
    /// The bytes of events held, to bound the batch's memory as well as its count.
    bytes: usize,
}

/// A batch is sent when it holds this many cases (three in unit tests, so that they cross
/// batches)…
const BATCH_CASES: usize = if cfg!(test) { 3 } else { 1024 };
/// …or this many bytes of events.
const BATCH_BYTES: usize = 8 << 20;

impl PendingCases {
    fn is_full(&self) -> bool {
        self.refs.len() >= BATCH_CASES || self.bytes >= BATCH_BYTES
    }

    /// Sends the batch: the cases (their ids back), their events in chain order, their
    /// projections. A reference already stored is refused by name.
    fn flush(&mut self, tx: &mut Transaction<'_>) -> Result<(), StoreError> {
        if self.refs.is_empty() {
            return Ok(());
        }
        let rows = tx.query(
            "INSERT INTO cases (ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes, catalogue)
             SELECT r, t, o, u, k, p, v, a, c
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::bigint[], $8::text[], $9::text[]) WITH ORDINALITY AS x (r, t, o, u, k, p, v, a, c, n)
             ORDER BY n
             ON CONFLICT (ref) DO NOTHING
             RETURNING ref, case_id",
            &[
                &self.refs,
                &self.titles,
                &self.organs,
                &self.units,
                &self.categories,
                &self.profile_ids,
                &self.profile_versions,
                &self.attributes,
                &self.catalogues,
            ],
        )?;
        let ids: std::collections::HashMap<String, i64> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut case_ids = Vec::with_capacity(self.refs.len());
        for case_ref in &self.refs {
            match ids.get(case_ref) {
                Some(&id) => case_ids.push(id),
                None => return Err(StoreError::CaseExists(case_ref.clone())),
            }
        }
        let event_case_ids: Vec<i64> = self.event_case.iter().map(|&i| case_ids[i]).collect();
        let leaves: Vec<&[u8]> = self.leaf_hashes.iter().map(|h| &h[..]).collect();
        let chains: Vec<&[u8]> = self.chain_hashes.iter().map(|h| &h[..]).collect();
        // In chain order (the ordinality), so `event_id`s, the global order, follow the chain.
        tx.execute(
            "INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash)
             SELECT i, s, c, l, h
             FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[])
                 WITH ORDINALITY AS x (i, s, c, l, h, n)
             ORDER BY n",
            &[
                &event_case_ids,
                &self.seqs,
                &self.canonical,
                &leaves,
                &chains,
            ],
        )?;
        tx.execute(
            "INSERT INTO case_projection (case_id, status, last_seq, last_at, has_skipped, has_override, violations, warnings)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bool[], $6::bool[],
                                  $7::bigint[], $8::bigint[])",
            &[
                &case_ids,
                &self.statuses,
                &self.last_seqs,
                &self.last_ats,
                &self.skipped,
                &self.overridden,
                &self.violations,
                &self.warnings,
            ],
        )?;
        *self = PendingCases::default();
        Ok(())
    }
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
        {
            // The same reference earlier in this import: compare with what it wrote.
            let mut pending = self.pending.try_borrow_mut().map_err(|_| {
                StoreError::Corrupt("the import's pending cases are already in use".into())
            })?;
            if pending.ref_set.contains(case_ref) {
                pending.flush(&mut tx)?;
            }
        }
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

    /// Adds a case whose leaves were computed beforehand (written with its batch).
    pub(crate) fn add_prepared(
        &mut self,
        case: &PreparedCase,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let h = &case.header;
        let pinned = profile.pinned();
        let tx = self.tx.get_mut();
        let pending = self.pending.get_mut();
        if pending.ref_set.contains(&h.case_ref) {
            return Err(StoreError::CaseExists(h.case_ref.clone()));
        }
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
        let index = pending.refs.len();
        pending.ref_set.insert(h.case_ref.clone());
        pending.refs.push(h.case_ref.clone());
        pending.titles.push(h.title.clone());
        pending.organs.push(h.organ.clone());
        pending.units.push(h.undertaking_unit.clone());
        pending.categories.push(h.category.as_str());
        pending.profile_ids.push(profile.id().to_owned());
        pending.profile_versions.push(i64::from(profile.version()));
        pending.attributes.push(attributes);
        pending.catalogues.push(catalogue);
        for (seq, (leaf, leaf_hash)) in case.leaves.iter().zip(&case.leaf_hashes).enumerate() {
            self.prev = chain_hash(&self.prev, leaf_hash);
            pending.event_case.push(index);
            pending.seqs.push(seq as i64);
            pending.canonical.push(leaf.clone());
            pending.leaf_hashes.push(*leaf_hash);
            pending.chain_hashes.push(self.prev);
            pending.bytes += leaf.len();
        }
        pending.statuses.push(projection.status.as_str());
        pending.last_seqs.push(case.leaves.len() as i64 - 1);
        pending.last_ats.push(case.last_at.clone());
        pending.skipped.push(projection.has_skipped);
        pending.overridden.push(projection.has_override);
        pending.violations.push(i64::from(projection.violations));
        pending.warnings.push(i64::from(projection.warnings));
        self.summary.cases += 1;
        self.summary.events += case.leaves.len();
        if pending.is_full() {
            pending.flush(tx)?;
        }
        Ok(())
    }

    /// Sends what is pending and commits everything added.
    pub(crate) fn commit(self) -> Result<ImportSummary, StoreError> {
        let mut tx = self.tx.into_inner();
        self.pending.into_inner().flush(&mut tx)?;
        tx.commit()?;
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
