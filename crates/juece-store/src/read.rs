//! Reads: cases with their histories, listings, profiles.

use juece_core::event::{
    parse_event_owned, parse_leaf_event_fast, Attributes, Case, CaseHeader, CatalogueRef, Event,
    Supplied,
};
use juece_core::ids::{Category, Status};

use crate::{Projection, SqliteStore, StoreError};

/// One case in a listing.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// The reference.
    pub case_ref: String,
    /// The title.
    pub title: String,
    /// The deciding organ.
    pub organ: String,
    /// `id@version`.
    pub workflow: String,
    /// The projection.
    pub projection: Projection,
    /// The time of the last event, RFC 3339.
    pub last_at: String,
}

/// Which cases a listing shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only cases with a skipped step.
    pub skipped: bool,
    /// Only cases with an override.
    pub overridden: bool,
}

/// A stored case with its pinned profile.
#[derive(Debug, Clone)]
pub struct StoredCase {
    /// The case and its history.
    pub case: Case,
    /// The profile id.
    pub profile_id: String,
    /// The pinned profile version.
    pub profile_version: u32,
    /// The projection stored for it (`None` when it has none), read alongside: what
    /// `verify --replay` compares the rebuilt one with. An error (what is wrong, for a
    /// [`StoreError::Corrupt`]) when its stored status is none juece knows: only the replay
    /// asks, the other reads do not look at the projection.
    pub stored_projection: Option<Result<Projection, String>>,
}

impl StoredCase {
    /// `id@version`.
    pub fn pinned(&self) -> String {
        format!("{}@{}", self.profile_id, self.profile_version)
    }
}

/// Parses the event out of a stored leaf's canonical bytes.
pub(crate) fn event_of(canonical: &[u8], case_ref: &str) -> Result<Event, StoreError> {
    // The bytes were written by this program: the fast parser nearly always takes them, and the
    // full one below words the error when it does not. Only the event is read: the leaf's case,
    // sequence and header are checked by `verify`.
    if let Some(event) = parse_leaf_event_fast(canonical) {
        return Ok(event);
    }
    let corrupt = |what: String| StoreError::Corrupt(format!("case `{case_ref}`: {what}"));
    /// Only the event of a stored leaf.
    #[derive(serde::Deserialize)]
    struct Leaf {
        event: serde_json::Value,
    }
    let leaf: Leaf = serde_json::from_slice(canonical)
        .map_err(|e| corrupt(format!("stored event is not a leaf: {e}")))?;
    parse_event_owned(leaf.event, &Supplied::default())
        .map_err(|e| corrupt(format!("field `{}`: {}", e.field, e.message)))
}

/// Why [`map_chunks_each`] stopped reading.
pub(crate) enum ReadError<E> {
    Store(StoreError),
    /// A worker stopped on an error of its own.
    Stopped,
    /// A worker's answer, or what was done with it, failed.
    Worker(E),
}

impl<E> From<StoreError> for ReadError<E> {
    fn from(e: StoreError) -> ReadError<E> {
        ReadError::Store(e)
    }
}

/// Cases handed over at a time by [`SqliteStore::visit_cases`] (a few in tests, so that they cross
/// chunks).
pub(crate) const CHUNK: usize = if cfg!(test) { 3 } else { 4096 };

/// A case as read, its events not yet parsed.
pub(crate) struct RawCase {
    pub(crate) case_ref: String,
    pub(crate) title: String,
    pub(crate) organ: String,
    pub(crate) undertaking_unit: String,
    pub(crate) category: String,
    pub(crate) profile_id: String,
    pub(crate) profile_version: i64,
    pub(crate) attributes: String,
    pub(crate) catalogue: Option<String>,
    pub(crate) leaves: Leaves,
    /// The number of events the case's projection says it has (`last_seq + 1`), when known.
    pub(crate) stored_count: Option<i64>,
    /// Its place in the order of the references, when read in the file's order (else 0).
    pub(crate) rank: u32,
    /// Its stored projection as read (the status still text), when it has one.
    pub(crate) projection: Option<RawProjection>,
}

/// A stored projection as read; a status juece does not know kept as its text.
pub(crate) struct RawProjection {
    pub(crate) status: Result<Status, String>,
    pub(crate) has_skipped: bool,
    pub(crate) has_override: bool,
    pub(crate) violations: u32,
    pub(crate) warnings: u32,
}

/// A case's stored events as read (their canonical bytes), in one buffer: two allocations for a
/// case's events instead of one for each, which at a million cases (13 million events, each
/// allocated by the reader and freed by a worker) was a tenth of a whole-database read's time.
#[derive(Debug, Default)]
pub(crate) struct Leaves {
    bytes: Vec<u8>,
    /// Where each event ends in `bytes`.
    ends: Vec<usize>,
}

impl Leaves {
    pub(crate) fn push(&mut self, leaf: &[u8]) {
        if self.ends.is_empty() {
            // The first event (with the case's header) is about twice the others, and a case
            // has about 13: room for most cases at once rather than doubling up to them.
            self.bytes.reserve(leaf.len() * 8);
            self.ends.reserve(16);
        }
        self.bytes.extend_from_slice(leaf);
        self.ends.push(self.bytes.len());
    }

    /// Appends column `idx` of `row`, a blob, copied straight from SQLite's buffer.
    pub(crate) fn push_column(
        &mut self,
        row: &rusqlite::Row<'_>,
        idx: usize,
    ) -> rusqlite::Result<()> {
        match row.get_ref(idx)? {
            rusqlite::types::ValueRef::Blob(leaf) => self.push(leaf),
            // Not a blob (the file was changed outside SQLite's types): the error reading it
            // as bytes gives.
            _ => self.push(&row.get::<_, Vec<u8>>(idx)?),
        }
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// The events' bytes, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let leaf = self.bytes.get(start..end).unwrap_or_default();
            start = end;
            leaf
        })
    }
}

/// The columns [`RawCase::read`] takes, in its order, and the tables they come from.
pub(crate) const CASE_COLUMNS: &str =
    "c.case_id, c.ref, c.title, c.organ, c.undertaking_unit, c.category, c.profile_id,
     c.profile_version, c.attributes, p.last_seq, c.catalogue,
     p.status, p.has_skipped, p.has_override, p.violations, p.warnings
     FROM cases c LEFT JOIN case_projection p ON p.case_id = c.case_id";

impl RawCase {
    /// A case as read by a `SELECT` of [`CASE_COLUMNS`].
    pub(crate) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawCase> {
        Ok(RawCase {
            case_ref: r.get(1)?,
            title: r.get(2)?,
            organ: r.get(3)?,
            undertaking_unit: r.get(4)?,
            category: r.get(5)?,
            profile_id: r.get(6)?,
            profile_version: r.get(7)?,
            attributes: r.get(8)?,
            catalogue: r.get(10)?,
            leaves: Leaves::default(),
            stored_count: r.get::<_, Option<i64>>(9)?.map(|last| last + 1),
            rank: 0,
            projection: match r.get_ref(11)?.as_str_or_null()? {
                Some(status) => Some(RawProjection {
                    status: Status::parse(status).ok_or_else(|| status.to_owned()),
                    has_skipped: r.get(12)?,
                    has_override: r.get(13)?,
                    violations: r.get(14)?,
                    warnings: r.get(15)?,
                }),
                None => None,
            },
        })
    }

    /// The case is whole: its events run 0, 1, 2, … with no gap (checked as they are read) and
    /// there are as many as its projection counts. A lost index entry or page shows here.
    pub(crate) fn check_whole(&self) -> Result<(), StoreError> {
        match self.stored_count {
            Some(n) if (self.leaves.len() as i64) < n => Err(StoreError::Gap {
                case_ref: self.case_ref.clone(),
                missing_seq: self.leaves.len() as i64,
            }),
            None if self.leaves.is_empty() => Err(StoreError::Gap {
                case_ref: self.case_ref.clone(),
                missing_seq: 0,
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn parse(self) -> Result<StoredCase, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("case `{}`: {what}", self.case_ref));
        let category = Category::parse(&self.category)
            .ok_or_else(|| corrupt(&format!("unknown category `{}`", self.category)))?;
        let attributes = serde_json::from_str::<Attributes>(&self.attributes)
            .map_err(|e| corrupt(&format!("attributes: {e}")))?;
        let catalogue = match &self.catalogue {
            Some(text) => Some(
                serde_json::from_str::<CatalogueRef>(text)
                    .map_err(|e| corrupt(&format!("catalogue link: {e}")))?,
            ),
            None => None,
        };
        let events = self
            .leaves
            .iter()
            .map(|leaf| event_of(leaf, &self.case_ref))
            .collect::<Result<Vec<_>, _>>()?;
        let stored_projection = self.projection.map(|p| {
            Ok(Projection {
                status: p.status.map_err(|status| {
                    format!(
                        "case `{}`: stored projection: unknown status `{status}`",
                        self.case_ref
                    )
                })?,
                has_skipped: p.has_skipped,
                has_override: p.has_override,
                violations: p.violations,
                warnings: p.warnings,
            })
        });
        Ok(StoredCase {
            case: Case {
                header: CaseHeader {
                    case_ref: self.case_ref,
                    title: self.title,
                    organ: self.organ,
                    undertaking_unit: self.undertaking_unit,
                    category,
                    workflow: format!("{}@{}", self.profile_id, self.profile_version),
                    attributes,
                    catalogue,
                },
                events,
            },
            profile_id: self.profile_id,
            profile_version: self.profile_version as u32,
            stored_projection,
        })
    }
}

/// Reads a case's events, in `seq` order, checked to run 0, 1, 2, … with no gap.
///
/// Through the `(case_id, seq)` index, every event is a descent of the table's B-tree from its
/// root: at a million cases that was most of a whole-database read. So the index is asked
/// once per case, covering (rowid is in the index), for the first and last row and the count;
/// when the count is what the projection says and the rows are contiguous (an imported case,
/// and most cases written live), they are read in one range of the table, each row checked to
/// be the case's next event. Anything else — an interleaved history, a count that differs (a
/// lost index entry), a row out of place — is read entry by entry through the index, as
/// before, which names the missing `seq`.
pub(crate) struct HistoryReader<'c> {
    span: rusqlite::CachedStatement<'c>,
    range: rusqlite::CachedStatement<'c>,
    by_index: rusqlite::CachedStatement<'c>,
}

impl<'c> HistoryReader<'c> {
    pub(crate) fn new(conn: &'c rusqlite::Connection) -> Result<HistoryReader<'c>, StoreError> {
        Ok(HistoryReader {
            span: conn.prepare_cached(
                "SELECT min(rowid), max(rowid), count(*) FROM events INDEXED BY sqlite_autoindex_events_1 WHERE case_id = ?1",
            )?,
            range: conn.prepare_cached(
                "SELECT case_id, seq, canonical FROM events WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid",
            )?,
            by_index: conn.prepare_cached(
                "SELECT seq, canonical FROM events INDEXED BY sqlite_autoindex_events_1 WHERE case_id = ?1 ORDER BY seq",
            )?,
        })
    }

    /// Appends the events of case `case_id` to `raw.leaves`.
    fn read(&mut self, case_id: i64, raw: &mut RawCase) -> Result<(), StoreError> {
        let (first, last, count): (Option<i64>, Option<i64>, i64) = self
            .span
            .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if let (Some(first), Some(last), Some(expected)) = (first, last, raw.stored_count) {
            if count == expected
                && last - first + 1 == count
                && self.read_range(case_id, first, last, raw)?
            {
                return Ok(());
            }
            raw.leaves.clear();
        }
        self.read_by_index(case_id, raw)
    }

    /// Appends the events of case `case_id` to `raw.leaves` through the index, entry by entry:
    /// a missing `seq` is a gap.
    pub(crate) fn read_by_index(
        &mut self,
        case_id: i64,
        raw: &mut RawCase,
    ) -> Result<(), StoreError> {
        let mut rows = self.by_index.query([case_id])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let expected = raw.leaves.len() as i64;
            if seq != expected {
                // Ordered by seq: a larger one means the one expected is missing.
                return Err(StoreError::Gap {
                    case_ref: raw.case_ref.clone(),
                    missing_seq: expected,
                });
            }
            raw.leaves.push_column(r, 1)?;
        }
        Ok(())
    }

    /// The rows `first..=last` of the table, when each is the case's next event: `false` (and
    /// the caller reads through the index) at the first that is not.
    fn read_range(
        &mut self,
        case_id: i64,
        first: i64,
        last: i64,
        raw: &mut RawCase,
    ) -> Result<bool, StoreError> {
        let mut rows = self.range.query([first, last])?;
        while let Some(r) = rows.next()? {
            let owner: i64 = r.get(0)?;
            let seq: i64 = r.get(1)?;
            if owner != case_id || seq != raw.leaves.len() as i64 {
                return Ok(false);
            }
            raw.leaves.push_column(r, 2)?;
        }
        Ok(raw.leaves.len() as i64 == last - first + 1)
    }
}

/// Parses cases as read, on this thread.
pub(crate) fn parse_all(raw: Vec<RawCase>) -> Result<Vec<StoredCase>, StoreError> {
    raw.into_iter().map(RawCase::parse).collect()
}

/// Parses a chunk of cases, on two threads when there is enough to share: parsing the stored
/// JSON is most of the cost of reading a whole database.
pub(crate) fn parse_chunk(chunk: Vec<RawCase>) -> Result<Vec<StoredCase>, StoreError> {
    // A few cases (one, for every live write) are parsed here: asking how many cores there are
    // reads cgroup files and cost more than parsing one case.
    if chunk.len() < 64 || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return parse_all(chunk);
    }
    let mut first = chunk;
    let second = first.split_off(first.len() / 2);
    std::thread::scope(|s| {
        let handle = s.spawn(move || parse_all(second));
        let mut out = parse_all(first)?;
        match handle.join() {
            Ok(rest) => out.extend(rest?),
            Err(_) => return Err(StoreError::Corrupt("a parsing thread failed".into())),
        }
        Ok(out)
    })
}

impl SqliteStore {
    /// The stored profile texts, as `(origin, text)`. Each must be the text its record in the
    /// chain holds: a profile edited outside juece is refused here (and reported by `verify`),
    /// never used to judge a case.
    pub fn profile_texts(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, version, content FROM profiles ORDER BY id, version")?;
        let rows: Vec<(String, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, version, content) in rows {
            let pinned = format!("{id}@{version}");
            let recorded =
                crate::records::latest_body(&self.conn, crate::records::KIND_PROFILE, &pinned)?;
            let same = recorded
                .as_ref()
                .and_then(|b| b.get("content"))
                .and_then(serde_json::Value::as_str)
                == Some(content.as_str());
            if !same {
                return Err(StoreError::Corrupt(format!(
                    "the stored profile `{pinned}` is not the text its record in the chain holds: it was changed outside juece; run `juece verify`"
                )));
            }
            out.push((format!("{pinned} (stored)"), content));
        }
        Ok(out)
    }

    /// One case with its history, or `None` when no case has this reference.
    pub fn load_case(&self, case_ref: &str) -> Result<Option<StoredCase>, StoreError> {
        let mut cases = self.load_where(Some(case_ref))?;
        Ok(cases.pop())
    }

    /// Every case with its history, ordered by reference.
    pub fn load_all(&self) -> Result<Vec<StoredCase>, StoreError> {
        self.load_where(None)
    }

    fn load_where(&self, case_ref: Option<&str>) -> Result<Vec<StoredCase>, StoreError> {
        let mut out = Vec::new();
        self.visit_where(case_ref, |chunk| {
            out.extend(chunk);
            Ok::<(), StoreError>(())
        })?;
        Ok(out)
    }

    /// Hands every case with its history to `f`, ordered by reference, a few thousand at a time,
    /// so that a whole-database pass (audit, export) need not hold every history at once.
    pub fn visit_cases<E: From<StoreError>>(
        &self,
        f: impl FnMut(Vec<StoredCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.visit_where(None, f)
    }

    fn visit_where<E: From<StoreError>>(
        &self,
        case_ref: Option<&str>,
        mut f: impl FnMut(Vec<StoredCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read_chunks(case_ref, |chunk| {
            let n = chunk.len() as u64;
            f(parse_chunk(chunk)?)?;
            crate::progress::advance(n);
            Ok(())
        })
    }

    /// Every case, ordered by reference, parsed and handed to `f` on two worker threads while
    /// this thread reads on, a few thousand cases at a time: `f`'s results come back in the
    /// order of the cases. Reading SQLite, parsing the stored events and `f` (an audit's
    /// evaluation) thus overlap instead of taking turns.
    pub fn map_cases<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
    ) -> Result<Vec<R>, E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        let mut all = Vec::new();
        self.map_cases_each(f, |done| {
            all.extend(done);
            Ok(())
        })?;
        Ok(all)
    }

    /// [`Store::map_cases`], with each chunk's results handed to `each` on this thread, in the
    /// order of the cases, as soon as they are done: a whole-database pass (the audit) can
    /// write its output as it goes and never holds more than a few chunks.
    pub fn map_cases_each<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        map_chunks_each(
            |read| self.read_chunks(None, read),
            |half| parse_all(half).map_err(E::from).and_then(&f),
            each,
        )
    }

    /// Reads every case (or the one `case_ref`), ordered by reference, and hands them to `f` as
    /// read (events not parsed), a few thousand at a time.
    fn read_chunks<E: From<StoreError>>(
        &self,
        case_ref: Option<&str>,
        f: impl FnMut(Vec<RawCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        if case_ref.is_some() {
            return self.read_chunks_mapped(case_ref, f);
        }
        self.unmapped(|| self.read_chunks_mapped(None, f))
    }

    fn read_chunks_mapped<E: From<StoreError>>(
        &self,
        case_ref: Option<&str>,
        mut f: impl FnMut(Vec<RawCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        let filter = if case_ref.is_some() {
            "WHERE c.ref = ?1"
        } else {
            "WHERE ?1 IS NULL"
        };
        let sql = format!("SELECT {CASE_COLUMNS} {filter} ORDER BY c.ref");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(StoreError::from)?;
        let mut history = HistoryReader::new(&self.conn)?;
        let mut rows = stmt.query([case_ref]).map_err(StoreError::from)?;
        let mut chunk: Vec<RawCase> = Vec::new();
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            if chunk.len() >= CHUNK {
                f(std::mem::take(&mut chunk))?;
            }
            let case_id: i64 = r.get(0).map_err(StoreError::from)?;
            let mut raw = RawCase::read(r).map_err(StoreError::from)?;
            history.read(case_id, &mut raw)?;
            raw.check_whole()?;
            chunk.push(raw);
        }
        if !chunk.is_empty() {
            f(chunk)?;
        }
        Ok(())
    }

    /// The listing rows of the cases that pass `filter`, by reference, from the projection (no
    /// history is replayed; the filter runs in SQL on indexed flags).
    pub fn list_cases(&self, filter: &ListFilter) -> Result<Vec<CaseRow>, StoreError> {
        let mut conditions = vec!["(?1 IS NULL OR p.status = ?1)"];
        if filter.skipped {
            conditions.push("p.has_skipped = 1");
        }
        if filter.overridden {
            conditions.push("p.has_override = 1");
        }
        let sql = format!(
            "SELECT c.ref, c.title, c.profile_id, c.profile_version, p.status, p.has_skipped, p.has_override,
                    p.violations, p.warnings, p.last_at, c.organ
             FROM case_projection p JOIN cases c ON c.case_id = p.case_id
             WHERE {} ORDER BY c.ref",
            conditions.join(" AND ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([filter.status.map(|s| s.as_str())])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let case_ref: String = r.get(0)?;
            let status: String = r.get(4)?;
            let status = Status::parse(&status).ok_or_else(|| {
                StoreError::Corrupt(format!("case `{case_ref}`: unknown status `{status}`"))
            })?;
            out.push(CaseRow {
                title: r.get(1)?,
                workflow: format!("{}@{}", r.get::<_, String>(2)?, r.get::<_, i64>(3)?),
                projection: Projection {
                    status,
                    has_skipped: r.get(5)?,
                    has_override: r.get(6)?,
                    violations: r.get(7)?,
                    warnings: r.get(8)?,
                },
                last_at: r.get(9)?,
                organ: r.get(10)?,
                case_ref,
            });
        }
        Ok(out)
    }
}

/// Every case the reader `read_chunks` hands over, chunk by chunk in reference order, parsed
/// and put through `f` on two worker threads while the reader reads on; each chunk's results
/// go to `each` on this thread, in the order of the cases, as soon as they are done. Shared by
/// both backends: only how a chunk is read differs.
pub(crate) fn map_chunks_each<R, E>(
    read_chunks: impl FnOnce(
        &mut dyn FnMut(Vec<RawCase>) -> Result<(), ReadError<E>>,
    ) -> Result<(), ReadError<E>>,
    work: impl Fn(Vec<RawCase>) -> Result<Vec<R>, E> + Sync,
    mut each: impl FnMut(Vec<R>) -> Result<(), E>,
) -> Result<(), E>
where
    R: Send,
    E: From<StoreError> + Send,
{
    type Half = Vec<RawCase>;
    let lost = || {
        E::from(StoreError::Corrupt(
            "a thread reading the cases failed".into(),
        ))
    };
    std::thread::scope(|s| {
        let work = &work;
        let mut feeds = Vec::new();
        let mut answers = Vec::new();
        for _ in 0..2 {
            // One half-chunk waiting per worker: memory stays bounded.
            let (feed, halves) = std::sync::mpsc::sync_channel::<Half>(1);
            let (answer, answered) = std::sync::mpsc::channel::<Result<Vec<R>, E>>();
            s.spawn(move || {
                for half in halves {
                    let n = half.len() as u64;
                    let done = work(half);
                    let failed = done.is_err();
                    crate::progress::advance(n);
                    if answer.send(done).is_err() || failed {
                        // Dropping `halves` tells the reader to stop.
                        break;
                    }
                }
            });
            feeds.push(feed);
            answers.push(answered);
        }
        // Chunk k's first half is the first worker's k-th answer, its second half the
        // second's: taken alternately, they are in the order read. The first error in that
        // order is the one reported.
        let mut pending = 0usize;
        let take = |pending: &mut usize, each: &mut dyn FnMut(Vec<R>) -> Result<(), E>| {
            for answered in &answers {
                each(answered.recv().map_err(|_| lost())??)?;
            }
            *pending -= 1;
            Ok::<(), E>(())
        };
        let read = read_chunks(&mut |mut chunk: Vec<RawCase>| {
            let second = chunk.split_off(chunk.len() / 2);
            for (feed, half) in feeds.iter().zip([chunk, second]) {
                if feed.send(half).is_err() {
                    // A worker stopped on an error, which it reports below.
                    return Err(ReadError::Stopped);
                }
            }
            pending += 1;
            // The previous chunk's answers, while the workers take this one.
            if pending > 1 {
                take(&mut pending, &mut each).map_err(ReadError::Worker)?;
            }
            Ok(())
        });
        drop(feeds);
        if let Err(ReadError::Worker(e)) = read {
            return Err(e);
        }
        // A worker's error on an earlier chunk comes before the reader's own.
        while pending > 0 {
            take(&mut pending, &mut each)?;
        }
        match read {
            Err(ReadError::Store(e)) => Err(E::from(e)),
            _ => Ok(()),
        }
    })
}

#[cfg(test)]
mod leaves_tests {
    use super::Leaves;

    #[test]
    fn leaves_give_back_each_event_as_pushed_and_clear_to_nothing() {
        let events: [&[u8]; 4] = [b"{\"a\":1}", b"", &[0xff; 5000], b"x"];
        let mut leaves = Leaves::default();
        for e in events {
            leaves.push(e);
        }
        assert_eq!(leaves.len(), 4);
        assert_eq!(leaves.iter().collect::<Vec<_>>(), events);
        leaves.clear();
        assert!(leaves.is_empty());
        assert_eq!(leaves.iter().count(), 0);
        leaves.push(b"y");
        assert_eq!(leaves.iter().collect::<Vec<_>>(), [b"y"]);
    }
}

#[cfg(test)]
mod leaf_event_tests {
    use juece_core::event::parse_leaf_event_fast;
    use juece_core::{builtin, casefile};

    use super::event_of;

    #[test]
    fn a_stored_leaf_reads_in_one_pass_as_its_event_reads_alone() {
        let cases = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
        let mut read = 0;
        for case in &cases {
            let leaves = crate::case_leaves(case, &case.header.workflow);
            for (leaf, event) in leaves.iter().zip(&case.events) {
                assert_eq!(parse_leaf_event_fast(leaf).as_ref(), Some(event));
                assert_eq!(&event_of(leaf, &case.header.case_ref).unwrap(), event);
                read += 1;
            }
        }
        assert!(read >= 29, "{read} leaves");
    }

    #[test]
    fn a_leaf_not_plainly_one_goes_to_the_full_reading() {
        let cases = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
        let case = &cases[0];
        let leaves = crate::case_leaves(case, &case.header.workflow);
        let leaf = std::str::from_utf8(&leaves[1]).unwrap();
        let edits = [
            // The event twice: the full reading refuses it.
            (leaf.replacen(",\"seq\"", ",\"event\":{},\"seq\"", 1), false),
            // Trailing text after the leaf.
            (format!("{leaf} x"), false),
            // Not an object at all.
            ("[1,2]".to_owned(), false),
            // An escaped key inside the event: the full reading takes it.
            (leaf.replacen("\"actor\"", "\"\\u0061ctor\"", 1), true),
        ];
        for (edited, full_reads_it) in edits {
            assert_ne!(edited, leaf);
            assert_eq!(parse_leaf_event_fast(edited.as_bytes()), None, "{edited}");
            let full = event_of(edited.as_bytes(), &case.header.case_ref);
            assert_eq!(full.is_ok(), full_reads_it, "{edited}: {full:?}");
        }
        // Near-miss: the leaf as written reads.
        assert!(parse_leaf_event_fast(leaf.as_bytes()).is_some());
    }
}
