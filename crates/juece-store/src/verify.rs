//! Verification of the hash chain (`juece-log/1`, docs/log-format.md), optionally against a
//! checkpoint: a log size and the chain hash at that size, signed and kept outside the office.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::mpsc;

use juece_core::log::{canonical_json, chain_hash, hex, leaf_hash, Hash, GENESIS};
use rusqlite::types::ValueRef;
use serde_json::Value;

use crate::{Store, StoreError};

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
}

impl VerifyReport {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// Rows handed over at a time from the thread reading SQLite to the thread hashing and checking
/// (a few in tests, so that they cross batches).
const BATCH: usize = if cfg!(test) { 5 } else { 8192 };
/// Batches in circulation: one being filled, one being checked, one waiting in between. They are
/// reused, so memory stays bounded whatever the size of the log.
const BATCHES: usize = 3;

/// `,"header":` — between the event and the header in the canonical bytes of a first event.
const HEADER_KEY: &[u8] = b",\"header\":";
/// `,"seq":0}` — how the canonical bytes of a first event end.
const FIRST_SEQ: &[u8] = b",\"seq\":0}";
/// Nesting beyond which the byte comparison of a first event defers to a full JSON parse
/// (serde_json refuses 128 levels).
const MAX_PLAIN_DEPTH: usize = 64;

/// One stored event, its byte columns kept in its batch's buffer.
struct RowMeta {
    event_id: i64,
    case_id: i64,
    seq: i64,
    /// End of the canonical bytes in the buffer (they start where the previous row ends).
    canonical_end: usize,
    /// End of the stored leaf hash (it starts at `canonical_end`).
    leaf_end: usize,
    /// End of the stored chain hash (it starts at `leaf_end`); the next row starts here.
    chain_end: usize,
}

/// One row of the `cases` table, its text columns kept in its batch's buffer.
struct CaseRow {
    case_id: i64,
    profile_version: i64,
    /// Ends of `ref`, `attributes`, `title`, `organ`, `undertaking_unit`, `category` and
    /// `profile_id` in the buffer, back to back (the first starts where the previous row ends).
    ends: [usize; 7],
}

/// Consecutive rows of the `cases` table, or of the events in global order: their byte columns
/// back to back in one buffer.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    cases: Vec<CaseRow>,
    rows: Vec<RowMeta>,
}

impl Batch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.cases.clear();
        self.rows.clear();
    }

    fn len(&self) -> usize {
        self.cases.len() + self.rows.len()
    }
}

/// The reading side of the pipeline: empty batches to fill, the channel to send them full.
struct Feed<'a> {
    full: &'a mpsc::SyncSender<Batch>,
    empty: &'a mpsc::Receiver<Batch>,
    /// Batches in circulation.
    allocated: usize,
}

impl Feed<'_> {
    /// An empty batch: one handed back, or a new one while fewer than `BATCHES` exist. `None`
    /// when the worker is gone (it panicked: joining it reports that).
    fn take(&mut self) -> Option<Batch> {
        match self.empty.try_recv() {
            Ok(b) => Some(b),
            Err(_) if self.allocated < BATCHES => {
                self.allocated += 1;
                Some(Batch {
                    bytes: Vec::with_capacity(BATCH * 512),
                    cases: Vec::new(),
                    rows: Vec::with_capacity(BATCH),
                })
            }
            Err(_) => self.empty.recv().ok(),
        }
    }

    /// Once `batch` holds `BATCH` rows, sends it and puts an empty batch in its place; `false`
    /// when the worker is gone.
    fn pass_if_full(&mut self, batch: &mut Batch) -> bool {
        if batch.len() < BATCH {
            return true;
        }
        if !self.send(std::mem::take(batch)) {
            return false;
        }
        match self.take() {
            Some(next) => {
                *batch = next;
                true
            }
            None => false,
        }
    }

    /// Sends `batch` to the worker (an empty one is dropped); `false` when the worker is gone.
    fn send(&mut self, batch: Batch) -> bool {
        if batch.len() == 0 {
            self.allocated -= 1;
            return true;
        }
        self.full.send(batch).is_ok()
    }
}

/// A case as its events must show it, derived once from the `cases` table. Its bytes are kept
/// in the arena of `Cases`.
struct CaseInfo {
    /// Its bytes: `chunk` of the arena, from `start`: the reference, the prefix, the header.
    chunk: usize,
    start: usize,
    ref_len: usize,
    prefix_len: usize,
    header_len: usize,
    /// The header, kept only when comparing canonical bytes is not conclusive (a number that is
    /// not an integer, or deep nesting): then the first event is parsed and compared as JSON.
    /// Otherwise the header is exactly what parsing its canonical bytes gives.
    header: Option<Box<Value>>,
    /// The sequence number its next event must carry; 0 while none was seen.
    next_seq: i64,
}

/// The bytes of a case.
struct CaseBytes<'a> {
    /// The case reference (UTF-8), for messages.
    case_ref: &'a [u8],
    /// `{"case":REF,` — how each of its events' canonical bytes begins.
    prefix: &'a [u8],
    /// The canonical form of the header chained with its first event (empty when `header`
    /// is kept).
    header: &'a [u8],
}

impl CaseBytes<'_> {
    fn case_ref(&self) -> String {
        String::from_utf8_lossy(self.case_ref).into_owned()
    }
}

/// The bytes of all cases, in chunks that are filled and never moved.
#[derive(Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
}

/// Size of an arena chunk.
const CHUNK: usize = 1 << 22;

impl Arena {
    /// Stores `bytes`; returns the chunk and offset.
    fn push(&mut self, bytes: &[u8]) -> (usize, usize) {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= bytes.len());
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(bytes.len())));
        }
        let chunk = self.chunks.len() - 1;
        match self.chunks.last_mut() {
            Some(c) => {
                let start = c.len();
                c.extend_from_slice(bytes);
                (chunk, start)
            }
            None => (0, 0),
        }
    }

    fn bytes(&self, case: &CaseInfo) -> CaseBytes<'_> {
        let all = self
            .chunks
            .get(case.chunk)
            .and_then(|c| {
                c.get(case.start..case.start + case.ref_len + case.prefix_len + case.header_len)
            })
            .unwrap_or_default();
        let (case_ref, rest) = all.split_at(case.ref_len.min(all.len()));
        let (prefix, header) = rest.split_at(case.prefix_len.min(rest.len()));
        CaseBytes {
            case_ref,
            prefix,
            header,
        }
    }
}

/// The cases by id: a vector for the usual dense ids 1..N, a map for the others.
#[derive(Default)]
struct Cases {
    dense: Vec<Option<CaseInfo>>,
    sparse: HashMap<i64, CaseInfo>,
    count: u64,
    arena: Arena,
}

impl Cases {
    fn slot(&self, case_id: i64) -> Option<usize> {
        usize::try_from(case_id)
            .ok()
            .filter(|&i| i < self.dense.len())
    }

    fn get(&self, case_id: i64) -> Option<&CaseInfo> {
        match self.slot(case_id) {
            Some(i) => self.dense.get(i).and_then(Option::as_ref),
            None => self.sparse.get(&case_id),
        }
    }

    /// The case and its bytes.
    fn get_mut(&mut self, case_id: i64) -> Option<(&mut CaseInfo, CaseBytes<'_>)> {
        let case = match self.slot(case_id) {
            Some(i) => self.dense.get_mut(i).and_then(Option::as_mut),
            None => self.sparse.get_mut(&case_id),
        }?;
        let bytes = self.arena.bytes(case);
        Some((case, bytes))
    }

    /// The reference of a case, for messages.
    fn case_ref(&self, case_id: i64) -> Option<String> {
        self.get(case_id).map(|c| self.arena.bytes(c).case_ref())
    }

    /// The cases read from the table, in its order (a repeated id keeps the last).
    fn new(loaded: Vec<(i64, CaseInfo)>, arena: Arena) -> Cases {
        let max = loaded.iter().map(|(id, _)| *id).max().unwrap_or(0);
        // A vector up to the largest id when ids are dense enough, else up to a bound.
        let len = usize::try_from(max)
            .ok()
            .filter(|&m| m <= 2 * loaded.len() + 1024)
            .map_or(loaded.len(), |m| m + 1);
        let mut cases = Cases {
            dense: Vec::with_capacity(len),
            arena,
            ..Cases::default()
        };
        cases.dense.resize_with(len, || None);
        for (id, case) in loaded {
            let replaced = match cases.slot(id) {
                Some(i) => cases.dense.get_mut(i).and_then(|slot| slot.replace(case)),
                None => cases.sparse.insert(id, case),
            };
            if replaced.is_none() {
                cases.count += 1;
            }
        }
        cases
    }
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

impl Store {
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
    /// batches; the other hashes and checks them in order, and hands each batch back for reuse.
    pub fn verify(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        let mut chain = Chain::new(anchor);
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES);
        let (empty_tx, empty_rx) = mpsc::sync_channel::<Batch>(BATCHES);
        let (read, checked) = std::thread::scope(|s| {
            let state = &mut chain;
            let worker = s.spawn(move || {
                let mut loading = CaseLoader::default();
                let mut cases = None;
                for mut batch in full_rx {
                    loading.add(&batch);
                    if !batch.rows.is_empty() {
                        let cases =
                            cases.get_or_insert_with(|| std::mem::take(&mut loading).finish());
                        state.batch(&batch, cases);
                    }
                    batch.clear();
                    // The reader is gone only once it has sent its last batch.
                    let _ = empty_tx.send(batch);
                }
                cases.unwrap_or_else(|| loading.finish())
            });
            let mut feed = Feed {
                full: &full_tx,
                empty: &empty_rx,
                allocated: 0,
            };
            let read = self
                .read_cases(&mut feed)
                .and_then(|()| self.read_events(&mut feed));
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
            failure = self.check_cases(&cases)?;
        }
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
        Ok(VerifyReport {
            events,
            cases: cases.count,
            head: prev,
            failure,
            anchored,
            unanchored,
        })
    }

    /// Reads the `cases` table into batches for the worker, which derives from each case what
    /// its events must show.
    fn read_cases(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT case_id, ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes FROM cases",
        )?;
        let mut rows = stmt.query([])?;
        let Some(mut batch) = feed.take() else {
            return Ok(());
        };
        while let Some(r) = rows.next()? {
            // Columns in the order they were always read, so that a damaged row reports the
            // same error.
            let mut ends = [0; 7];
            for (end, i) in ends.iter_mut().zip([1, 8, 2, 3, 4, 5, 6]) {
                batch.bytes.extend_from_slice(text(r, i)?.as_bytes());
                *end = batch.bytes.len();
            }
            let profile_version = r.get(7)?;
            batch.cases.push(CaseRow {
                case_id: r.get(0)?,
                profile_version,
                ends,
            });
            if !feed.pass_if_full(&mut batch) {
                return Ok(());
            }
        }
        feed.send(batch);
        Ok(())
    }

    /// Reads the events in global order into batches for the worker.
    fn read_events(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        // A scan in append order (the rowid), without a join: the case of each row comes from
        // the cases, loaded once.
        let mut stmt = self.conn.prepare(
            "SELECT event_id, case_id, seq, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id",
        )?;
        let mut rows = stmt.query([])?;
        let Some(mut batch) = feed.take() else {
            return Ok(());
        };
        while let Some(r) = rows.next()? {
            // Columns in the order they were always read, so that a damaged row reports the
            // same error.
            let case_id: i64 = r.get(1)?;
            let event_id: i64 = r.get(0)?;
            let seq: i64 = r.get(2)?;
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
        feed.send(batch);
        Ok(())
    }

    /// Every case has its history, starting at 0 with no gap (a dropped case or tail shows here).
    fn check_cases(&self, cases: &Cases) -> Result<Option<VerifyFailure>, StoreError> {
        let mut stmt = self
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
}

/// Derives, case by case, what the events of each case must show (on the worker).
#[derive(Default)]
struct CaseLoader {
    loaded: Vec<(i64, CaseInfo)>,
    arena: Arena,
    /// The canonical form of each distinct attributes text (a few combinations of flags), or
    /// `None` when it would not parse back to the same value.
    attributes_seen: HashMap<String, Option<Vec<u8>>>,
    workflow: String,
    scratch: Vec<u8>,
}

impl CaseLoader {
    fn add(&mut self, batch: &Batch) {
        let mut start = 0;
        for row in &batch.cases {
            let mut columns = [""; 7];
            for (column, &end) in columns.iter_mut().zip(&row.ends) {
                // Read as text by `read_cases`, so UTF-8.
                *column = std::str::from_utf8(batch.bytes.get(start..end).unwrap_or_default())
                    .unwrap_or_default();
                start = end;
            }
            let [case_ref, attributes, title, organ, unit, category, profile_id] = columns;
            self.workflow.clear();
            let _ = write!(self.workflow, "{profile_id}@{}", row.profile_version);
            let workflow = self.workflow.as_str();
            let scratch = &mut self.scratch;
            scratch.clear();
            scratch.extend_from_slice(case_ref.as_bytes());
            scratch.extend_from_slice(b"{\"case\":");
            push_json_string(scratch, case_ref);
            scratch.push(b',');
            let prefix_len = scratch.len() - case_ref.len();
            if !self.attributes_seen.contains_key(attributes) {
                let value = parse_attributes(attributes);
                let canonical =
                    reparses_equal(&value, 3).then(|| canonical_json(&value).into_bytes());
                self.attributes_seen
                    .insert(attributes.to_owned(), canonical);
            }
            // The header as `juece_core::log::header_json` builds it, written in canonical form
            // (keys sorted) straight from the columns.
            let header = match self.attributes_seen.get(attributes) {
                Some(Some(attributes)) => {
                    scratch.extend_from_slice(b"{\"attributes\":");
                    scratch.extend_from_slice(attributes);
                    for (key, value) in [
                        (&b",\"category\":"[..], category),
                        (b",\"organ\":", organ),
                        (b",\"ref\":", case_ref),
                        (b",\"title\":", title),
                        (b",\"undertaking_unit\":", unit),
                        (b",\"workflow\":", workflow),
                    ] {
                        scratch.extend_from_slice(key);
                        push_json_string(scratch, value);
                    }
                    scratch.push(b'}');
                    None
                }
                // Compared as JSON: built as it always was.
                _ => Some(Box::new(serde_json::json!({
                    "ref": case_ref,
                    "title": title,
                    "organ": organ,
                    "undertaking_unit": unit,
                    "category": category,
                    "workflow": workflow,
                    "attributes": parse_attributes(attributes),
                }))),
            };
            let (chunk, at) = self.arena.push(scratch);
            self.loaded.push((
                row.case_id,
                CaseInfo {
                    chunk,
                    start: at,
                    ref_len: case_ref.len(),
                    prefix_len,
                    header_len: scratch.len() - case_ref.len() - prefix_len,
                    header,
                    next_seq: 0,
                },
            ));
        }
    }

    fn finish(self) -> Cases {
        Cases::new(self.loaded, self.arena)
    }
}

/// The attributes of a case as a value, as they are chained (text that is not JSON as a string).
fn parse_attributes(attributes: &str) -> Value {
    serde_json::from_str(attributes).unwrap_or_else(|_| Value::String(attributes.to_owned()))
}

/// `s` as a JSON string, escaped as serde_json escapes it (as `canonical_json` does).
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if serde_json::to_writer(&mut *out, s).is_err() {
        // Writing to a vector does not fail; were it to, the long way.
        out.extend_from_slice(Value::String(s.to_owned()).to_string().as_bytes());
    }
}

/// A text column, borrowed from the current row; anything else fails as `get::<String>` does.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Ok(s),
            Err(_) => r.get::<_, String>(i).map(|_| ""),
        },
        _ => r.get::<_, String>(i).map(|_| ""),
    }
}

/// A blob column, borrowed from the current row; anything else fails as `get::<Vec<u8>>` does.
fn blob<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) => Ok(b),
        _ => r.get::<_, Vec<u8>>(i).map(|_| &[][..]),
    }
}

/// Whether parsing `canonical_json(value)` gives `value` back: true unless it holds a number
/// that is not an integer (whose digits may not round-trip) or nests deeply. `depth` is the
/// nesting level of `value` in a first event: the event is 1, its header 2, the attributes 3.
fn reparses_equal(value: &Value, depth: usize) -> bool {
    match value {
        Value::Number(n) => !n.is_f64(),
        Value::Array(items) => {
            depth <= MAX_PLAIN_DEPTH && items.iter().all(|v| reparses_equal(v, depth + 1))
        }
        Value::Object(map) => {
            depth <= MAX_PLAIN_DEPTH && map.values().all(|v| reparses_equal(v, depth + 1))
        }
        Value::String(_) | Value::Bool(_) | Value::Null => true,
    }
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

/// One stored row as read: its columns, the byte ones borrowed from its batch.
struct Stored<'a> {
    row: &'a RowMeta,
    canonical: &'a [u8],
    leaf: &'a [u8],
    chain: &'a [u8],
}

fn check_row(
    stored: &Stored<'_>,
    position: u64,
    leaf: &Hash,
    chain: &Hash,
    cases: &mut Cases,
) -> Option<VerifyFailure> {
    let Stored { row, canonical, .. } = *stored;
    let Some((case, bytes)) = cases.get_mut(row.case_id) else {
        return Some(fail(
            Some(position),
            None,
            Some(row.seq),
            format!(
                "event {} belongs to case id {}, which is not in the database",
                row.event_id, row.case_id
            ),
        ));
    };
    let at = |what: String| {
        Some(fail(
            Some(position),
            Some(bytes.case_ref()),
            Some(row.seq),
            what,
        ))
    };
    // The bytes say which case and sequence they are (`{"case":REF,…,"seq":N}`, keys sorted):
    // checked on the bytes themselves; the hashes below prove the rest is what was written.
    if !canonical.starts_with(bytes.prefix) {
        return at(format!(
            "the stored event does not name case `{}`, under which it is filed",
            bytes.case_ref()
        ));
    }
    let mut buf = [0u8; 32];
    if !canonical.ends_with(seq_suffix(row.seq, &mut buf)) {
        return at(format!(
            "the stored event does not carry sequence {}, under which it is filed",
            row.seq
        ));
    }
    let expected_seq = case.next_seq;
    if row.seq != expected_seq {
        return at(format!(
            "sequence {} follows {} in this case: events are missing or reordered",
            row.seq,
            expected_seq - 1
        ));
    }
    case.next_seq = expected_seq + 1;
    if row.seq == 0 && !first_header_is_plainly_equal(case, &bytes, canonical) {
        // Not settled on the bytes: parse and compare as JSON.
        let value: Value = match serde_json::from_slice(canonical) {
            Ok(v) => v,
            Err(e) => return at(format!("the stored event is not JSON ({e})")),
        };
        let same = match &case.header {
            Some(header) => value.get("header") == Some(&**header),
            None => serde_json::from_slice::<Value>(bytes.header)
                .is_ok_and(|header| value.get("header") == Some(&header)),
        };
        if !same {
            return at("the case's title, attributes or workflow differ from those chained with its first event".into());
        }
    }
    if stored.leaf != leaf.as_slice() {
        return at(format!(
            "the event's content differs from what was hashed (leaf hash {} stored, {} computed)",
            hex(stored.leaf),
            hex(leaf)
        ));
    }
    if stored.chain != chain.as_slice() {
        return at("the chain hash differs: an event before this one was changed, dropped, inserted or reordered".into());
    }
    None
}

/// `,"seq":N}` for `seq`, written into `buf` (as `format!` would, without allocating).
fn seq_suffix(seq: i64, buf: &mut [u8; 32]) -> &[u8] {
    let mut i = buf.len() - 1;
    buf[i] = b'}';
    let mut n = seq.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if seq < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    let tag = b",\"seq\":";
    i -= tag.len();
    buf[i..i + tag.len()].copy_from_slice(tag);
    &buf[i..]
}

/// Whether the canonical bytes of a case's first event, already known to begin with the case's
/// prefix and to end with `,"seq":0}`, end with `,"header":HEADER,"seq":0}`, HEADER being the
/// canonical form of the case's header (one that parses back to itself): decided on the bytes,
/// without building the JSON. Canonical bytes end so exactly when their `header` is the case's.
/// Anything else is settled by parsing and comparing as JSON. (Bytes that end so but are not JSON
/// elsewhere fail the leaf hash below, unless the whole chain was rewritten, which only a
/// checkpoint reveals.)
fn first_header_is_plainly_equal(case: &CaseInfo, bytes: &CaseBytes<'_>, canonical: &[u8]) -> bool {
    if case.header.is_some() {
        return false;
    }
    let tail = HEADER_KEY.len() + bytes.header.len() + FIRST_SEQ.len();
    let Some(members_end) = canonical.len().checked_sub(tail) else {
        return false;
    };
    if members_end <= bytes.prefix.len() {
        return false;
    }
    let Some(rest) = canonical.get(members_end..) else {
        return false;
    };
    let Some(header) = rest
        .strip_prefix(HEADER_KEY)
        .and_then(|r| r.strip_suffix(FIRST_SEQ))
    else {
        return false;
    };
    header == bytes.header
}

#[cfg(test)]
mod tests {
    use super::seq_suffix;

    #[test]
    fn the_seq_suffix_is_the_formatted_one() {
        for seq in [0, 1, 9, 10, 12_345, -1, -10, i64::MAX, i64::MIN] {
            let mut buf = [0u8; 32];
            assert_eq!(
                seq_suffix(seq, &mut buf),
                format!(",\"seq\":{seq}}}").as_bytes()
            );
        }
    }
}
