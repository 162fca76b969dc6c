//! Verification of the hash chain (`juece-log/1`, docs/log-format.md), optionally against a
//! checkpoint: a log size and the chain hash at that size, signed and kept outside the office.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, RandomState};
use std::sync::mpsc;

use juece_core::log::{canonical_json, chain_hash, hex, leaf_hash, Hash, GENESIS};
use rusqlite::types::ValueRef;
use serde_json::Value;

use crate::{SqliteStore, StoreError};

pub(crate) mod batch;
pub(crate) mod cases;
mod row;

use self::batch::*;
use self::cases::*;
use self::row::*;

/// Where a verification reads its rows from: the backend fills the batches, the checks are
/// the same for both (so the same history verifies to the same head, and fails the same way).
pub(crate) trait ChainSource {
    /// The rows of the `cases` table and the events in global order, into batches: each case
    /// before the first event that names it (the worker keeps a case's header only until its
    /// first event), every case once.
    fn read_rows(&self, feed: &mut Feed<'_>) -> Result<(), StoreError>;
    /// Every case has its history, starting at 0 with no gap.
    fn check_cases(&self, cases: &Cases) -> Result<Option<VerifyFailure>, StoreError>;
    /// Whether every case's projection counts the events the chain found for it (after a
    /// chain without failure). When it does, the count check needs no second read of the events.
    fn projection_agrees(&self, cases: &Cases) -> Result<bool, StoreError>;
}

/// A trusted statement of the log: its size and head hash at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Number of events.
    pub size: u64,
    /// Chain hash of the `size`-th event (genesis for 0).
    pub head: Hash,
}

/// The first event at which the stored log stops being what was hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// Position in the global order, 1-based (`None` for a problem not tied to one row).
    pub position: Option<u64>,
    /// The case, when known.
    pub case_ref: Option<String>,
    /// The sequence number within the case, when known.
    pub seq: Option<i64>,
    /// What differs.
    pub what: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events in the log.
    pub events: u64,
    /// Cases in the database.
    pub cases: u64,
    /// The chain hash of the last event.
    pub head: Hash,
    /// The first failure, if any.
    pub failure: Option<VerifyFailure>,
    /// With a checkpoint: how many events it anchors (all of them when the log extends it).
    pub anchored: Option<u64>,
    /// With a checkpoint: events after it, not yet anchored.
    pub unanchored: u64,
    /// Damage to the database file itself, in plain words: what SQLite's own integrity check
    /// found (a lost index entry, a broken page), and any case whose events do not match the
    /// count its projection keeps. Empty when the file is sound.
    pub damage: Vec<String>,
}

impl VerifyReport {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.damage.is_empty()
    }
}

/// Whether an SQLite error means the file itself is damaged (rather than, say, locked).
pub(crate) fn is_damage(e: &StoreError) -> bool {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        | StoreError::Open {
            source: rusqlite::Error::SqliteFailure(f, _),
            ..
        } => matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
        ),
        StoreError::Corrupt(_) | StoreError::Gap { .. } => true,
        _ => false,
    }
}

/// Puts one line of `PRAGMA integrity_check` into plain words (the SQLite text follows, for
/// whoever repairs the file).
fn plain_damage(line: &str) -> String {
    let line = line.replace("*** in database main ***", "");
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.as_str();
    let what = if line.contains("missing from index") {
        "an index has lost an entry: reads that use the index would silently skip a row"
    } else if line.contains("wrong # of entries in index") {
        "an index does not hold as many entries as its table"
    } else if line.contains("row ") && line.contains("index") {
        "an index and its table disagree"
    } else if line.contains("Fragmentation") || line.contains("freeblock") {
        "a page's free-space accounting is wrong: bytes of it were changed outside SQLite"
    } else if line.contains("Page ") || line.contains("page ") || line.contains("Tree ") {
        "a page of the file is damaged or unreachable"
    } else if line.contains("NULL value") || line.contains("CHECK constraint") {
        "a row breaks the table's constraints"
    } else {
        "the file's structure is damaged"
    };
    format!("{what} (SQLite: {line})")
}

/// The order-dependent state of a verification: where the chain is and what failed first.
struct Chain {
    anchor: Option<Anchor>,
    prev: Hash,
    position: u64,
    failure: Option<VerifyFailure>,
    anchored: Option<u64>,
}

impl Chain {
    fn new(anchor: Option<Anchor>) -> Chain {
        let mut chain = Chain {
            anchor,
            prev: GENESIS,
            position: 0,
            failure: None,
            anchored: None,
        };
        if let Some(a) = anchor {
            if a.size == 0 {
                chain.anchored = Some(0);
                if a.head != GENESIS {
                    chain.failure = Some(fail(
                        None,
                        None,
                        None,
                        "the checkpoint of an empty log has a non-zero head".into(),
                    ));
                }
            }
        }
        chain
    }

    /// Hashes and checks the rows of `batch`, in order.
    fn batch(&mut self, batch: &Batch, cases: &mut Cases) {
        let mut start = 0;
        for row in &batch.rows {
            let canonical = batch
                .bytes
                .get(start..row.canonical_end)
                .unwrap_or_default();
            let stored_leaf = batch
                .bytes
                .get(row.canonical_end..row.leaf_end)
                .unwrap_or_default();
            let stored_chain = batch
                .bytes
                .get(row.leaf_end..row.chain_end)
                .unwrap_or_default();
            start = row.chain_end;
            self.position += 1;
            let leaf = leaf_hash(canonical);
            let chain = chain_hash(&self.prev, &leaf);
            if self.failure.is_none() {
                self.failure = check_row(
                    &Stored {
                        row,
                        canonical,
                        leaf: stored_leaf,
                        chain: stored_chain,
                    },
                    self.position,
                    &leaf,
                    &chain,
                    cases,
                );
            }
            self.prev = chain;
            if let Some(a) = self.anchor {
                if self.position == a.size {
                    if chain == a.head {
                        self.anchored = Some(a.size);
                    } else if self.failure.is_none() {
                        self.failure = Some(fail(
                            Some(self.position),
                            cases.case_ref(row.case_id),
                            Some(row.seq),
                            format!(
                                "the log no longer extends the checkpoint: the chain hash at size {} is {}, the checkpoint says {}; an event at or before this position was changed, dropped, inserted or reordered",
                                a.size,
                                hex(&chain),
                                hex(&a.head)
                            ),
                        ));
                    }
                }
            }
        }
    }
}

impl SqliteStore {
    /// The log's size and head hash now.
    pub fn head(&self) -> Result<Anchor, StoreError> {
        let (size, head): (i64, Option<Vec<u8>>) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM events), (SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let head = match head {
            None => GENESIS,
            Some(h) => h
                .try_into()
                .map_err(|_| StoreError::Corrupt("the last chain hash is not 32 bytes".into()))?,
        };
        Ok(Anchor {
            size: size as u64,
            head,
        })
    }

    /// Recomputes the whole chain in global order and reports the first event that differs
    /// from what was hashed; with `anchor`, also whether the log still extends it.
    ///
    /// Two threads: this one steps SQLite (a connection stays on its thread) and copies rows into
    /// batches, the cases alongside the events; the other hashes and checks them in order, and
    /// hands each batch back for reuse.
    pub fn verify(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        self.unmapped(|| self.verify_unmapped(anchor))
    }

    fn verify_unmapped(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        // SQLite's integrity check reads the whole file on a connection of its own, on its own
        // thread, while the chain is recomputed: the two overlap instead of adding up. (An
        // in-memory database has no second connection: checked here, before.) The events'
        // index is compared with its table there too, but the table's side of it is summed by
        // the chain's reader, which scans the table anyway: one pass over the largest table
        // instead of two.
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from);
        let key = RandomState::new();
        let source = SqliteChain {
            store: self,
            key: &key,
            table: std::cell::Cell::new(None),
        };
        let (chain, damage) = std::thread::scope(|s| {
            let key = &key;
            let integrity =
                path.map(|p| s.spawn(move || integrity_of_file(&p, IndexCheck::IndexOnly(key))));
            let chain = verify_chain(&source, anchor);
            let damage = match integrity {
                Some(h) => h.join().unwrap_or_else(|_| {
                    Err(StoreError::Corrupt(
                        "the integrity check stopped unexpectedly".into(),
                    ))
                }),
                None => integrity_on(&self.conn, IndexCheck::Whole),
            };
            (chain, damage)
        });
        let (mut damage, index) = damage?;
        if let Some(index) = index {
            // The table's side comes from the chain's reader. When it stopped early, or the sides
            // differ (they were read on two connections, at two moments: a write between them
            // differs too), both are read again in one snapshot before a word of damage.
            let agree = source
                .table
                .take()
                .is_some_and(|table| compare_entries(table, index).is_empty());
            if !agree {
                damage.extend(self.events_index_check_now()?);
            }
        }
        let (mut report, counts_agree) = match chain {
            Ok(chained) => chained,
            Err(e) if is_damage(&e) => (
                VerifyReport {
                    events: 0,
                    cases: 0,
                    head: GENESIS,
                    failure: Some(fail(
                        None,
                        None,
                        None,
                        format!(
                            "the database file is damaged: the events cannot be read back ({e})"
                        ),
                    )),
                    anchored: None,
                    unanchored: 0,
                    damage: Vec::new(),
                },
                false,
            ),
            Err(e) => return Err(e),
        };
        report.damage = damage;
        // With the index sound (it holds exactly the table's entries), its count for a case is
        // the events the chain found for it; only when a projection disagrees with those is
        // every case counted again through the index, in one snapshot, for the words.
        if report.damage.is_empty() && !counts_agree {
            report.damage = self.check_counts()?;
        }
        Ok(report)
    }

    /// [`events_index_check`] on this connection, in one read transaction, in plain words; a
    /// file too damaged to read for it is one line.
    fn events_index_check_now(&self) -> Result<Vec<String>, StoreError> {
        let run = || -> Result<Vec<String>, rusqlite::Error> {
            let tx = self.conn.unchecked_transaction()?;
            let lines = events_index_check(&tx)?;
            tx.finish()?;
            Ok(lines)
        };
        match run() {
            Ok(lines) => Ok(lines.iter().map(|l| plain_damage(l)).collect()),
            Err(e) => damage_of(e),
        }
    }

    /// SQLite's own check of the file: every page, every index against its table. Each problem
    /// in plain words; a file too damaged to check is one problem too.
    pub fn integrity(&self) -> Result<Vec<String>, StoreError> {
        Ok(integrity_on(&self.conn, IndexCheck::Whole)?.0)
    }

    /// Every case has as many events as its projection counts (`last_seq + 1`), counted through
    /// the `(case_id, seq)` index: a lost entry there is a case that reads would show shorter.
    fn check_counts(&self) -> Result<Vec<String>, StoreError> {
        let run = || -> Result<Vec<String>, rusqlite::Error> {
            let mut stmt = self.conn.prepare(
                "SELECT c.ref, p.last_seq, (SELECT count(*) FROM events e INDEXED BY sqlite_autoindex_events_1 WHERE e.case_id = c.case_id)
                 FROM cases c JOIN case_projection p ON p.case_id = c.case_id
                 WHERE p.last_seq + 1 != (SELECT count(*) FROM events e INDEXED BY sqlite_autoindex_events_1 WHERE e.case_id = c.case_id)
                 LIMIT 100",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(format!(
                    "case `{}` should have {} events but its index finds {}: reads of it would lose events",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? + 1,
                    r.get::<_, i64>(2)?
                ))
            })?;
            rows.collect()
        };
        match run() {
            Ok(v) => Ok(v),
            Err(e) => {
                let e = StoreError::from(e);
                if is_damage(&e) {
                    Ok(vec![format!("the events' index cannot be read ({e})")])
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// An SQLite store as a source of the chain's rows, summing the events' entries for the
/// comparison with their index as it reads them (see [`events_index_check`]).
struct SqliteChain<'a> {
    store: &'a SqliteStore,
    key: &'a RandomState,
    /// The table's side of the comparison, once every row has been read.
    table: std::cell::Cell<Option<EntrySum>>,
}

impl ChainSource for SqliteChain<'_> {
    /// Reads the events in global order and, alongside, the `cases` table in id order: before
    /// each event, every case up to its case's id. A case is written with its first event, so
    /// the worker gets each case just before that event and holds its header only briefly.
    fn read_rows(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        let conn = &self.store.conn;
        let mut cases_stmt = conn.prepare(
            "SELECT case_id, ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes, catalogue FROM cases ORDER BY case_id",
        )?;
        let mut cases = cases_stmt.query([])?;
        // A scan in append order (the rowid), without a join: the case of each row comes from
        // the cases read alongside.
        let mut events_stmt = conn.prepare(
            "SELECT event_id, case_id, seq, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id",
        )?;
        let mut events = events_stmt.query([])?;
        let Some(mut batch) = feed.take() else {
            return Ok(());
        };
        // The id of the last case read, `None` before the first; `cases_done` once all are.
        let mut last_case: Option<i64> = None;
        let mut cases_done = false;
        let mut entries = EntrySum::default();
        while let Some(r) = events.next()? {
            // Columns in the order they were always read, so that a damaged row reports the
            // same error.
            let case_id: i64 = r.get(1)?;
            let event_id: i64 = r.get(0)?;
            let seq: i64 = r.get(2)?;
            while !cases_done && last_case.is_none_or(|last| last < case_id) {
                match cases.next()? {
                    Some(c) => {
                        last_case = Some(push_case(c, &mut batch)?);
                        if !feed.pass_if_full(&mut batch) {
                            return Ok(());
                        }
                    }
                    None => cases_done = true,
                }
            }
            entries.add(self.key, (event_id, Some(case_id), Some(seq)));
            batch.bytes.extend_from_slice(blob(r, 3)?);
            let canonical_end = batch.bytes.len();
            batch.bytes.extend_from_slice(blob(r, 4)?);
            let leaf_end = batch.bytes.len();
            batch.bytes.extend_from_slice(blob(r, 5)?);
            batch.rows.push(RowMeta {
                event_id,
                case_id,
                seq,
                canonical_end,
                leaf_end,
                chain_end: batch.bytes.len(),
            });
            if !feed.pass_if_full(&mut batch) {
                return Ok(());
            }
        }
        // The cases after the last event's (cases with no events fail in `check_cases`).
        while let Some(c) = cases.next()? {
            push_case(c, &mut batch)?;
            if !feed.pass_if_full(&mut batch) {
                return Ok(());
            }
        }
        feed.send(batch);
        self.table.set(Some(entries));
        Ok(())
    }

    /// Every case has its history, starting at 0 with no gap (a dropped case or tail shows here).
    fn check_cases(&self, cases: &Cases) -> Result<Option<VerifyFailure>, StoreError> {
        let mut stmt = self
            .store
            .conn
            .prepare("SELECT case_id, ref FROM cases ORDER BY ref")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let case_id: i64 = r.get(0)?;
            if cases.get(case_id).is_none_or(|c| c.next_seq <= 0) {
                return Ok(Some(fail(
                    None,
                    Some(r.get(1)?),
                    None,
                    "the case has no events: its history was removed".into(),
                )));
            }
        }
        Ok(None)
    }

    fn projection_agrees(&self, cases: &Cases) -> Result<bool, StoreError> {
        let mut stmt = self
            .store
            .conn
            .prepare("SELECT case_id, last_seq FROM case_projection")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if !cases.counted(r.get(0)?, r.get(1)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Copies one row of the `cases` table into `batch`; returns its id.
fn push_case(r: &rusqlite::Row<'_>, batch: &mut Batch) -> Result<i64, StoreError> {
    // Columns in the order they were always read, so that a damaged row reports the same error.
    let mut ends = [0; 7];
    for (end, i) in ends.iter_mut().zip([1, 8, 2, 3, 4, 5, 6]) {
        batch.case_bytes.extend_from_slice(text(r, i)?.as_bytes());
        *end = batch.case_bytes.len();
    }
    let profile_version = r.get(7)?;
    let case_id = r.get(0)?;
    batch.cases.push(CaseRow {
        case_id,
        profile_version,
        ends,
        catalogue: r.get(9)?,
    });
    Ok(case_id)
}

/// Recomputes the chain from `source`'s rows: one thread reads them into batches, another hashes
/// and checks them in order. With the report, whether the chain was sound and every case's
/// projection counts the events found for it ([`ChainSource::projection_agrees`]).
pub(crate) fn verify_chain(
    source: &impl ChainSource,
    anchor: Option<Anchor>,
) -> Result<(VerifyReport, bool), StoreError> {
    let mut chain = Chain::new(anchor);
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Batch>(BATCHES);
    let (read, checked) = std::thread::scope(|s| {
        let state = &mut chain;
        let worker = s.spawn(move || {
            let mut loading = CaseLoader::default();
            for mut batch in full_rx {
                // A batch's cases come before its events (`read_rows`).
                loading.add(&batch);
                if !batch.rows.is_empty() {
                    state.batch(&batch, &mut loading.cases);
                    crate::progress::advance(batch.rows.len() as u64);
                }
                batch.clear();
                // The reader is gone only once it has sent its last batch.
                let _ = empty_tx.send(batch);
            }
            loading.cases
        });
        let mut feed = Feed {
            full: &full_tx,
            empty: &empty_rx,
            allocated: 0,
        };
        let read = source.read_rows(&mut feed);
        // No more batches: the worker finishes the ones it has, then stops.
        drop(full_tx);
        (read, worker.join())
    });
    let Ok(cases) = checked else {
        return Err(StoreError::Corrupt(
            "the thread checking the hash chain stopped unexpectedly".into(),
        ));
    };
    read?;
    let Chain {
        prev,
        position: events,
        mut failure,
        anchored,
        ..
    } = chain;
    if failure.is_none() {
        failure = source.check_cases(&cases)?;
    }
    // Each case's `next_seq` is its count of events only when every row was checked. A
    // projection that cannot be read is left to the full count check, which says why.
    let counts_agree = failure.is_none() && source.projection_agrees(&cases).unwrap_or(false);
    if let Some(a) = anchor {
        if a.size > events && failure.is_none() {
            failure = Some(fail(
                None,
                None,
                None,
                format!(
                    "the log has {events} events but the checkpoint anchors {}: events were removed from the end",
                    a.size
                ),
            ));
        }
    }
    let unanchored = match anchor {
        Some(a) if a.size <= events => events - a.size,
        _ => 0,
    };
    let report = VerifyReport {
        events,
        cases: cases.count,
        head: prev,
        failure,
        anchored,
        unanchored,
        damage: Vec::new(),
    };
    Ok((report, counts_agree))
}

fn fail(
    position: Option<u64>,
    case_ref: Option<String>,
    seq: Option<i64>,
    what: String,
) -> VerifyFailure {
    VerifyFailure {
        position,
        case_ref,
        seq,
        what,
    }
}

/// How [`integrity_on`] compares the events' index with its table.
enum IndexCheck<'k> {
    /// Both sides read there.
    Whole,
    /// Only the index's side, summed with this key: the caller has the table's side from
    /// another scan of the table and compares the two.
    IndexOnly(&'k RandomState),
}

/// SQLite's own check of the file on `conn`, in plain words: what `PRAGMA integrity_check`
/// finds, in time linear in the file. `integrity_check` looks every row of every table up in
/// each of its indexes (n log n; over half of `verify` at 100 000 cases), so it runs here only
/// on the small tables; for the file as a whole `PRAGMA quick_check` checks every page, and the
/// events' one index is compared with its table in one scan of each (`events_index_check`).
/// With [`IndexCheck::IndexOnly`], the index's sum comes back (when the file checked sound so
/// far) for the caller to compare.
fn integrity_on(
    conn: &rusqlite::Connection,
    check: IndexCheck<'_>,
) -> Result<(Vec<String>, Option<EntrySum>), StoreError> {
    let mut index = None;
    let lines: Result<Vec<String>, rusqlite::Error> = (|| {
        let mut lines = pragma_lines(conn, "PRAGMA quick_check(100)")?;
        if lines.iter().all(|l| l == "ok") {
            let tables: Vec<String> = conn
                .prepare(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'events' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for table in tables {
                let quoted = table.replace('"', "\"\"");
                lines.extend(pragma_lines(
                    conn,
                    &format!("PRAGMA integrity_check(\"{quoted}\")"),
                )?);
            }
            match check {
                IndexCheck::Whole => lines.extend(events_index_check(conn)?),
                IndexCheck::IndexOnly(key) => index = Some(entry_sum(conn, INDEX_ENTRIES, key)?),
            }
        }
        Ok(lines)
    })();
    match lines {
        Ok(lines) => Ok((
            lines
                .iter()
                .filter(|l| l.as_str() != "ok")
                .map(|l| plain_damage(l))
                .collect(),
            index,
        )),
        Err(e) => Ok((damage_of(e)?, None)),
    }
}

/// An error reading the file as a line of damage, when it is damage (else the error).
fn damage_of(e: rusqlite::Error) -> Result<Vec<String>, StoreError> {
    let e = StoreError::from(e);
    if is_damage(&e) {
        Ok(vec![format!(
            "the database file is too damaged for SQLite to check it ({e})"
        )])
    } else {
        Err(e)
    }
}

fn pragma_lines(conn: &rusqlite::Connection, sql: &str) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// The events' rows as `(rowid, case_id, seq)`, read from the table.
const TABLE_ENTRIES: &str = "SELECT rowid, case_id, seq FROM events NOT INDEXED";
/// The same, read from the `(case_id, seq)` index alone.
const INDEX_ENTRIES: &str = "SELECT rowid, case_id, seq FROM events INDEXED BY sqlite_autoindex_events_1 ORDER BY case_id, seq";

/// A multiset of `(rowid, case_id, seq)` entries, as a count and a sum of hashes keyed at
/// random for the run (so that no edit can be made to cancel out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct EntrySum {
    count: u64,
    sum: u64,
}

impl EntrySum {
    fn add(&mut self, key: &RandomState, entry: (i64, Option<i64>, Option<i64>)) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(key.hash_one(entry));
    }
}

fn entry_sum(
    conn: &rusqlite::Connection,
    sql: &str,
    key: &RandomState,
) -> Result<EntrySum, rusqlite::Error> {
    let mut sum = EntrySum::default();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        sum.add(key, (r.get(0)?, r.get(1)?, r.get(2)?));
    }
    Ok(sum)
}

/// The events' `(case_id, seq)` index holds exactly one entry for each row of the table, with
/// the row's key: the same multiset of `(rowid, case_id, seq)` read from the table and from the
/// index. A lost, extra or changed entry gives a line in the words of `integrity_check`.
fn events_index_check(conn: &rusqlite::Connection) -> Result<Vec<String>, rusqlite::Error> {
    let key = RandomState::new();
    let table = entry_sum(conn, TABLE_ENTRIES, &key)?;
    let index = entry_sum(conn, INDEX_ENTRIES, &key)?;
    Ok(compare_entries(table, index))
}

/// The lines (in the words of `integrity_check`) for a table's and its index's entries.
fn compare_entries(table: EntrySum, index: EntrySum) -> Vec<String> {
    if table.count != index.count {
        vec![format!(
            "wrong # of entries in index sqlite_autoindex_events_1: the table has {} rows, the index {} entries",
            table.count, index.count
        )]
    } else if table.sum != index.sum {
        vec!["row missing from index sqlite_autoindex_events_1: an entry's key or row differs from its table row".to_owned()]
    } else {
        Vec::new()
    }
}

/// The integrity check on a connection of its own to the file at `path` (read only).
fn integrity_of_file(
    path: &std::path::Path,
    check: IndexCheck<'_>,
) -> Result<(Vec<String>, Option<EntrySum>), StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    });
    let conn = match conn {
        Ok(c) => c,
        Err(e) if e.is_damage() => {
            return Ok((
                vec![format!(
                    "the database file is too damaged for SQLite to check it ({e})"
                )],
                None,
            ))
        }
        Err(e) => return Err(e),
    };
    conn.busy_timeout(crate::BUSY_TIMEOUT)?;
    integrity_on(&conn, check)
}
