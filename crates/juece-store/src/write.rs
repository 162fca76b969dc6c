//! Writes: import (whole cases), append (events to one case), profiles. Each is one
//! `BEGIN IMMEDIATE` transaction that extends the hash chain.

use juece_core::event::{Case, Event};
use juece_core::log::{chain_hash, header_json, leaf_bytes, leaf_hash, Hash, GENESIS};
use juece_core::profile::Profile;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use crate::write_behind::WriteBehind;
use crate::{Projection, SqliteStore, StoreError};

/// What an import wrote, and what it found already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Cases written.
    pub cases: usize,
    /// Events written.
    pub events: usize,
    /// Cases already stored with identical content, left as they are.
    pub identical: usize,
}

/// Where a case to import differs from the stored case with the same reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The case.
    pub case_ref: String,
    /// The first event index that differs (`None`: the header or the number of events).
    pub event_index: Option<usize>,
    /// What differs.
    pub what: String,
}

/// The outcome of an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written; the first new sequence number.
    Written { first_seq: usize },
    /// A command with this id was already recorded; nothing written.
    AlreadyRecorded { first_seq: usize, count: usize },
}

/// The canonical leaves of a case, as they are (or would be) stored.
pub fn case_leaves(case: &Case, pinned: &str) -> Vec<Vec<u8>> {
    let header = header_json(&case.header, pinned);
    case.events
        .iter()
        .enumerate()
        .map(|(seq, e)| {
            leaf_bytes(
                &case.header.case_ref,
                seq as u64,
                e,
                (seq == 0).then_some(&header),
            )
        })
        .collect()
}

fn last_chain_hash(tx: &Transaction<'_>) -> Result<Hash, StoreError> {
    let last: Option<Vec<u8>> = tx
        .prepare_cached("SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match last {
        None => Ok(GENESIS),
        Some(bytes) => bytes
            .try_into()
            .map_err(|_| StoreError::Corrupt("the last event's chain hash is not 32 bytes".into())),
    }
}

/// Inserts leaves for `case_id` from `first_seq`, with their leaf hashes, extending the chain
/// from `prev`.
fn insert_leaves(
    tx: &Transaction<'_>,
    case_id: i64,
    first_seq: usize,
    leaves: &[Vec<u8>],
    leaf_hashes: &[Hash],
    prev: &mut Hash,
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, (canonical, leaf)) in leaves.iter().zip(leaf_hashes).enumerate() {
        let chain = chain_hash(prev, leaf);
        insert.execute(params![
            case_id,
            (first_seq + i) as i64,
            canonical,
            &leaf[..],
            &chain[..]
        ])?;
        *prev = chain;
    }
    Ok(())
}

impl SqliteStore {
    /// The events a command id wrote: `(case ref, first seq, count)`, or `None` if unused.
    pub fn command_recorded(
        &self,
        command_id: &str,
    ) -> Result<Option<(String, usize, usize)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT c.ref, m.first_seq, m.count FROM commands m JOIN cases c ON c.case_id = m.case_id
                 WHERE m.command_id = ?1",
            )?
            .query_row(
                [command_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize, r.get::<_, i64>(2)? as usize)),
            )
            .optional()?)
    }

    /// Remembers that command id `command_id` wrote `count` events of `case_ref` from
    /// `first_seq` (for writes that do not go through [`SqliteStore::append`], such as opening a case),
    /// so that a retry with the same id is told it is already recorded.
    pub fn record_command(
        &mut self,
        command_id: &str,
        case_ref: &str,
        first_seq: usize,
        count: usize,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        let case_id: i64 = tx
            .prepare_cached("SELECT case_id FROM cases WHERE ref = ?1")?
            .query_row([case_ref], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownCase(case_ref.to_owned()))?;
        tx.prepare_cached(
            "INSERT OR IGNORE INTO commands (command_id, case_id, first_seq, count) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![command_id, case_id, first_seq as i64, count as i64])?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a profile (one transaction). Storing the same content again is a no-op.
    pub fn add_profile(&mut self, profile: &Profile) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let added = put_profile(&tx, profile)?;
        tx.commit()?;
        Ok(added)
    }

    /// Writes whole new cases in one transaction: all of them or, on any error, none. Each comes
    /// with the profile it is pinned to and its projection. A reference already stored is
    /// refused ([`StoreError::CaseExists`]); callers skip identical ones first.
    #[cfg(test)]
    pub fn import<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a Profile, Projection)>,
    ) -> Result<ImportSummary, StoreError> {
        let mut import = self.begin_import()?;
        for (case, profile, projection) in cases {
            import.add(case, profile, &projection)?;
        }
        import.commit()
    }

    /// Starts an import: one `BEGIN IMMEDIATE` transaction that cases are added to one by one
    /// and that writes nothing unless [`ImportTx::commit`] is reached (dropping it rolls back).
    pub fn begin_import(&mut self) -> Result<SqliteImportTx<'_>, StoreError> {
        // The import writes each case's row before its events and projection, and a profile
        // before the first case pinned to it, so the foreign keys hold by construction; checking
        // them row by row cost the writer thread a sixth of a 100 000-case import. They are off
        // for this transaction only: the guard turns them on again after it ends either way.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let foreign_keys_off = ForeignKeysOff(&self.conn);
        let rollback_journal = RollbackJournal::for_first_import(&self.conn)?;
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        // Started once the transaction holds the file: the pages it writes go to the disk behind
        // it and leave the page cache (see `write_behind`).
        let write_behind = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .and_then(|p| WriteBehind::start(std::path::Path::new(p)));
        let prev = last_chain_hash(&tx)?;
        let was_empty = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM cases)", [], |r| {
            r.get::<_, bool>(0)
        })?;
        Ok(SqliteImportTx {
            tx,
            _write_behind: write_behind,
            _rollback_journal: rollback_journal,
            _foreign_keys_off: foreign_keys_off,
            was_empty,
            prev,
            summary: ImportSummary::default(),
            profiles: Vec::new(),
        })
    }

    /// Appends events to a case in one `BEGIN IMMEDIATE` transaction, provided the case still
    /// has exactly `expected_len` events (the history the caller checked them against), and
    /// refreshes its projection. Otherwise nothing is written: [`StoreError::Conflict`].
    /// With a `command_id` already recorded, nothing is written either.
    pub fn append(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
    ) -> Result<Appended, StoreError> {
        self.append_answered(case_ref, expected_len, events, projection, command_id, None)
    }

    /// [`Store::append`], keeping `answer` (the server's idempotency answer to this write) in the
    /// same transaction: one commit, one sync, and a retry can never find the events without
    /// their answer. Nothing is kept when nothing is written.
    pub fn append_answered(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
        answer: Option<&crate::web::KeptAnswer<'_>>,
    ) -> Result<Appended, StoreError> {
        let tx = self.write_tx()?;
        let mut prev = last_chain_hash(&tx)?;
        let item = AppendItem {
            case_ref,
            expected_len,
            events,
            projection,
            command_id,
            answer,
        };
        let appended = append_in(&tx, &item, &mut prev)?;
        if matches!(appended, Appended::Written { .. }) {
            tx.commit()?;
        }
        Ok(appended)
    }

    /// Several appends in one `BEGIN IMMEDIATE` transaction and one commit (group commit: one
    /// sync for all of them). Each is checked and written on its own, inside a savepoint, exactly
    /// as [`Store::append_answered`] would: one that fails (a conflict, an unknown case) leaves no
    /// trace and does not stop the others. If the commit itself fails, every item fails.
    pub fn append_batch(&mut self, items: &[AppendItem<'_>]) -> Vec<Result<Appended, StoreError>> {
        let run =
            |store: &mut SqliteStore| -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
                let tx = store.write_tx()?;
                let mut prev = last_chain_hash(&tx)?;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    tx.execute_batch("SAVEPOINT juece_item")?;
                    let before = prev;
                    match append_in(&tx, item, &mut prev) {
                        Ok(a) => {
                            tx.execute_batch("RELEASE juece_item")?;
                            out.push(Ok(a));
                        }
                        Err(e) => {
                            tx.execute_batch("ROLLBACK TO juece_item; RELEASE juece_item")?;
                            prev = before;
                            out.push(Err(e));
                        }
                    }
                }
                tx.commit()?;
                Ok(out)
            };
        run(self).unwrap_or_else(|e| group_commit_failed(items.len(), &e))
    }
}

/// The answer to each of `count` writes of a group commit whose transaction failed as a whole
/// (`e`): none of them was written (both backends).
pub(crate) fn group_commit_failed(
    count: usize,
    e: &StoreError,
) -> Vec<Result<Appended, StoreError>> {
    (0..count)
        .map(|_| Err(StoreError::Corrupt(format!("the group commit failed: {e}"))))
        .collect()
}

/// One append of [`crate::Store::append_batch`]: the arguments of [`crate::Store::append_answered`].
pub struct AppendItem<'a> {
    pub case_ref: &'a str,
    pub expected_len: usize,
    pub events: &'a [Event],
    pub projection: &'a Projection,
    pub command_id: Option<&'a str>,
    pub answer: Option<&'a crate::web::KeptAnswer<'a>>,
}

/// One append inside the open transaction `tx`, continuing the chain from `prev`.
fn append_in(
    tx: &Transaction<'_>,
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
        let done: Option<(i64, i64)> = tx
            .prepare_cached("SELECT first_seq, count FROM commands WHERE command_id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((first_seq, count)) = done {
            return Ok(Appended::AlreadyRecorded {
                first_seq: first_seq as usize,
                count: count as usize,
            });
        }
    }
    let (case_id, len): (i64, i64) = tx
        .prepare_cached(
            "SELECT c.case_id, (SELECT count(*) FROM events e WHERE e.case_id = c.case_id)
             FROM cases c WHERE c.ref = ?1",
        )?
        .query_row([case_ref], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::UnknownCase(case_ref.to_owned()))?;
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
        tx.prepare_cached(
            "INSERT INTO commands (command_id, case_id, first_seq, count) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id, case_id, len, events.len() as i64])?;
    }
    let last_at = events.last().map(|e| e.at.to_rfc3339()).unwrap_or_default();
    put_projection(
        tx,
        case_id,
        len + events.len() as i64 - 1,
        &last_at,
        projection,
    )?;
    if let Some(answer) = answer {
        crate::web::insert_answer(tx, answer)?;
    }
    Ok(Appended::Written {
        first_seq: expected_len,
    })
}

/// A case ready to be written: its header and the canonical bytes of its events.
#[derive(Debug, Clone)]
pub struct PreparedCase {
    /// Identity and attributes.
    pub header: juece_core::event::CaseHeader,
    /// The canonical bytes of each event (`juece-log/1`).
    pub leaves: Vec<Vec<u8>>,
    /// The leaf hash of each, computed with the bytes (on the preparing thread, not the
    /// writer's: only the chain, which needs the previous hash, is left to the writer).
    pub leaf_hashes: Vec<Hash>,
    /// The time of the last event, RFC 3339.
    pub last_at: String,
}

impl PreparedCase {
    /// Computes the leaves of `case` under the profile `pinned` (`id@version`).
    pub fn new(case: &Case, pinned: &str) -> PreparedCase {
        let leaves = case_leaves(case, pinned);
        PreparedCase {
            header: case.header.clone(),
            leaf_hashes: leaves.iter().map(|l| leaf_hash(l)).collect(),
            leaves,
            last_at: case
                .events
                .last()
                .map(|e| e.at.to_rfc3339())
                .unwrap_or_default(),
        }
    }
}

/// An import in progress: see [`SqliteStore::begin_import`].
pub struct SqliteImportTx<'a> {
    tx: Transaction<'a>,
    /// Stopped after `tx` has ended.
    _write_behind: Option<WriteBehind>,
    /// Dropped after `tx`: the write-ahead log comes back once the transaction has ended.
    _rollback_journal: Option<RollbackJournal<'a>>,
    /// Declared after `tx`, so dropped after it: foreign keys come back on once the transaction
    /// has committed or rolled back (a pragma inside a transaction would do nothing).
    _foreign_keys_off: ForeignKeysOff<'a>,
    /// No case was stored when the import began: nothing to compare with (a reference repeated
    /// within the import is refused by the `cases` table's UNIQUE constraint).
    was_empty: bool,
    prev: Hash,
    summary: ImportSummary,
    profiles: Vec<String>,
}

impl SqliteImportTx<'_> {
    /// Whether the write-behind thread follows this import's files.
    #[cfg(test)]
    pub(crate) fn writes_behind(&self) -> bool {
        self._write_behind.is_some()
    }

    /// Compares a prepared case with the stored case of the same reference.
    pub fn compare_prepared(
        &self,
        case: &PreparedCase,
    ) -> Result<Option<Option<Difference>>, StoreError> {
        if self.was_empty {
            return Ok(None);
        }
        compare_stored(&self.tx, &case.header.case_ref, &case.leaves)
    }

    /// Adds a whole new case: its row, its events (extending the chain) and its projection.
    #[cfg(test)]
    pub fn add(
        &mut self,
        case: &Case,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        self.add_prepared(
            &PreparedCase::new(case, &profile.pinned()),
            profile,
            projection,
        )
    }

    /// Adds a case whose leaves were computed beforehand (possibly on another thread).
    pub fn add_prepared(
        &mut self,
        case: &PreparedCase,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let h = &case.header;
        let pinned = profile.pinned();
        if !self.profiles.contains(&pinned) {
            put_profile(&self.tx, profile)?;
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
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO cases (ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes, catalogue)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                h.case_ref,
                h.title,
                h.organ,
                h.undertaking_unit,
                h.category.as_str(),
                profile.id(),
                profile.version(),
                attributes,
                catalogue
            ]);
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::CaseExists(h.case_ref.clone()));
            }
            Err(e) => return Err(e.into()),
        }
        let case_id = self.tx.last_insert_rowid();
        insert_leaves(
            &self.tx,
            case_id,
            0,
            &case.leaves,
            &case.leaf_hashes,
            &mut self.prev,
        )?;
        upsert_projection(
            &self.tx,
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
    pub fn commit(self) -> Result<ImportSummary, StoreError> {
        self.tx.commit()?;
        Ok(self.summary)
    }
}

/// The first import into an empty database file, written through a rollback journal instead
/// of the write-ahead log. Through the log, every page was written twice: into the log, then,
/// when the import's connection closed, copied into the file (5.7 GB each at a million cases,
/// a third of the import's time). A rollback journal keeps the original of each page changed,
/// and the pages of an empty file are all new: they are written once, into the file, and the
/// commit is as atomic and as durable (`synchronous = FULL`; a crash leaves the empty file).
/// Only when no other connection has the file open (leaving the log needs the file to itself;
/// asked without waiting): otherwise the import goes through the log as any other write. The
/// log comes back when the import ends, committed or not.
struct RollbackJournal<'a>(&'a rusqlite::Connection);

impl<'a> RollbackJournal<'a> {
    fn for_first_import(
        conn: &'a rusqlite::Connection,
    ) -> Result<Option<RollbackJournal<'a>>, StoreError> {
        let on_file = conn.path().is_some_and(|p| !p.is_empty());
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !on_file || !mode.eq_ignore_ascii_case("wal") {
            return Ok(None);
        }
        let empty: bool = conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM cases) AND NOT EXISTS (SELECT 1 FROM events)",
            [],
            |r| r.get(0),
        )?;
        if !empty {
            return Ok(None);
        }
        let left = crate::without_waiting(conn, |conn| {
            conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })
        })?;
        match left {
            Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(Some(RollbackJournal(conn))),
            // Another connection has the file open (busy), or it stayed in WAL.
            Ok(_) | Err(rusqlite::Error::SqliteFailure(_, _)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl Drop for RollbackJournal<'_> {
    fn drop(&mut self) {
        // Should this fail (another process opened the file meanwhile and holds it), the next
        // connection to open the file switches it to WAL, as every opening does.
        let _ = self
            .0
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
    }
}

/// Turns foreign key enforcement back on when dropped.
struct ForeignKeysOff<'a>(&'a rusqlite::Connection);

impl Drop for ForeignKeysOff<'_> {
    fn drop(&mut self) {
        // Cannot fail outside a transaction; were it to, only this connection is affected.
        let _ = self.0.pragma_update(None, "foreign_keys", "ON");
    }
}

fn compare_stored(
    conn: &rusqlite::Connection,
    case_ref: &str,
    new: &[Vec<u8>],
) -> Result<Option<Option<Difference>>, StoreError> {
    let Some(case_id) = conn
        .prepare_cached("SELECT case_id FROM cases WHERE ref = ?1")?
        .query_row([case_ref], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached("SELECT canonical FROM events WHERE case_id = ?1 ORDER BY seq")?;
    let stored: Vec<Vec<u8>> = stmt
        .query_map([case_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(difference(case_ref, &stored, new)))
}

/// Where a stored history (`stored`, canonical bytes) and a document's (`new`) first differ.
pub(crate) fn difference(
    case_ref: &str,
    stored: &[Vec<u8>],
    new: &[Vec<u8>],
) -> Option<Difference> {
    let differ = |event_index: Option<usize>, what: String| {
        Some(Difference {
            case_ref: case_ref.to_owned(),
            event_index,
            what,
        })
    };
    for (i, (a, b)) in stored.iter().zip(new).enumerate() {
        if a != b {
            let what = if i == 0 {
                "the case header or its `opened` event differs"
            } else {
                "the event differs"
            };
            return differ(Some(i), what.to_owned());
        }
    }
    if stored.len() != new.len() {
        return differ(
            Some(stored.len().min(new.len())),
            format!(
                "the stored history has {} events, the document {}",
                stored.len(),
                new.len()
            ),
        );
    }
    None
}

pub(crate) fn put_profile(tx: &Transaction<'_>, profile: &Profile) -> Result<bool, StoreError> {
    let content = crate::records::profile_content(profile)?;
    let pinned = profile.pinned();
    // A shipped id@version is the shipped text, always: a changed copy needs a new id or version.
    if crate::records::builtin_content(&pinned).is_some_and(|shipped| shipped != content) {
        return Err(StoreError::ProfileConflict(pinned));
    }
    let existing: Option<String> = tx
        .query_row(
            "SELECT content FROM profiles WHERE id = ?1 AND version = ?2",
            params![profile.id(), profile.version()],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(c) if c == content => Ok(false),
        Some(_) => Err(StoreError::ProfileConflict(pinned)),
        None => {
            tx.execute(
                "INSERT INTO profiles (id, version, content) VALUES (?1, ?2, ?3)",
                params![profile.id(), profile.version(), content],
            )?;
            crate::records::append_record(
                tx,
                crate::records::KIND_PROFILE,
                &pinned,
                &crate::records::profile_body(&content),
            )?;
            Ok(true)
        }
    }
}

fn put_projection(
    tx: &Transaction<'_>,
    case_id: i64,
    last_seq: i64,
    last_at: &str,
    p: &Projection,
) -> Result<(), StoreError> {
    // Most appends change only the last event: then the status and flags, and so the indexes on
    // them, are left alone. A live write dirtied 4.2 pages of the log on average before, which
    // brought SQLite's checkpoint (a write that takes 15-20 ms) every ~240 writes.
    let unchanged = tx
        .prepare_cached(
            "UPDATE case_projection SET last_seq = ?2, last_at = ?3
             WHERE case_id = ?1 AND status = ?4 AND has_skipped = ?5 AND has_override = ?6
                 AND violations = ?7 AND warnings = ?8",
        )?
        .execute(params![
            case_id,
            last_seq,
            last_at,
            p.status.as_str(),
            p.has_skipped,
            p.has_override,
            p.violations,
            p.warnings
        ])?;
    if unchanged == 1 {
        return Ok(());
    }
    upsert_projection(tx, case_id, last_seq, last_at, p)
}

/// Writes the whole projection row of a case, new or not.
fn upsert_projection(
    tx: &Transaction<'_>,
    case_id: i64,
    last_seq: i64,
    last_at: &str,
    p: &Projection,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO case_projection (case_id, status, last_seq, last_at, has_skipped, has_override, violations, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq,
             last_at = excluded.last_at, has_skipped = excluded.has_skipped, has_override = excluded.has_override,
             violations = excluded.violations, warnings = excluded.warnings",
    )?
    .execute(params![
        case_id,
        p.status.as_str(),
        last_seq,
        last_at,
        p.has_skipped,
        p.has_override,
        p.violations,
        p.warnings
    ])?;
    Ok(())
}
