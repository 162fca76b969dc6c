//! A whole-database pass that reads the cases in the order the file holds them and hands the
//! results over in the order of the references.
//!
//! The order of the references is not the order of the file: an office's references sort by
//! organ, year and the number as text, while cases and their events are stored as they came. At a
//! million cases, reading each case where it lies, reference after reference, was a random read
//! of three B-trees (the case, its entries in the events' index, its events) per case, most pages
//! fetched from the kernel one at a time: most of an audit's time, all of it on the one thread
//! that may use the connection. Read in the file's order, the same pages come one after another
//! through three cursors that only move forward, and the results are put back in the order of
//! the references before anyone sees them. That means holding them: a pass over more than
//! [`WINDOW`] cases reads the file once for each window of that many references, holding the
//! results of one window at a time.
//!
//! What is checked is what [`crate::read`] checks reading by reference: a case's entries in the
//! `(case_id, seq)` index are counted and must be as many as its projection says, and a case
//! whose events are not one run of the table (a history written live between other cases', or
//! anything irregular) is read entry by entry through the index, which names a missing `seq`.

use std::collections::HashMap;

use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::Rows;

use crate::read::{map_chunks_each, HistoryReader, RawCase, StoredCase, CASE_COLUMNS, CHUNK};
use crate::{SqliteStore, StoreError};

/// Results held at once: a pass over more cases reads the file once per window of this many
/// references (at a million cases twice, holding about 200 MB of audits).
const WINDOW: u32 = if cfg!(test) { 4 } else { 1 << 20 };

/// Each case's place in the order of the references.
enum Ranks {
    /// Case ids from `first`, without large gaps (every database juece wrote).
    Dense { first: i64, ranks: Vec<u32> },
    /// Anything else.
    Sparse(HashMap<i64, u32>),
}

impl Ranks {
    /// The ranks of every case; with their number.
    fn read(conn: &rusqlite::Connection) -> Result<(Ranks, u32), StoreError> {
        let ids: Vec<i64> = conn
            .prepare("SELECT case_id FROM cases ORDER BY ref")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let n = u32::try_from(ids.len())
            .map_err(|_| StoreError::Corrupt("more cases than a pass can order".into()))?;
        let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok((
                Ranks::Dense {
                    first: 0,
                    ranks: Vec::new(),
                },
                0,
            ));
        };
        let span = last.abs_diff(first);
        if span <= 4 * u64::from(n) + 1024 {
            let mut ranks = vec![u32::MAX; span as usize + 1];
            for (rank, id) in (0u32..).zip(&ids) {
                if let Some(slot) = ranks.get_mut(id.abs_diff(first) as usize) {
                    *slot = rank;
                }
            }
            return Ok((Ranks::Dense { first, ranks }, n));
        }
        Ok((
            Ranks::Sparse((0u32..).zip(ids).map(|(r, id)| (id, r)).collect()),
            n,
        ))
    }

    fn get(&self, case_id: i64) -> Option<u32> {
        match self {
            Ranks::Dense { first, ranks } => {
                let at = case_id.checked_sub(*first)?;
                ranks
                    .get(usize::try_from(at).ok()?)
                    .copied()
                    .filter(|r| *r != u32::MAX)
            }
            Ranks::Sparse(map) => map.get(&case_id).copied(),
        }
    }
}

impl SqliteStore {
    /// Every case through `f` (on two worker threads while this one reads on), the results
    /// handed to `each` in the order of the references, a chunk at a time; `f` answers `None`
    /// for a case it leaves out. The cases are read in the order of the file, the results of
    /// up to [`WINDOW`] cases held until they can be handed over in order: for a pass whose
    /// result per case is small (an audit), not for one that keeps the histories.
    pub fn map_cases_gathered<R, E>(
        &self,
        f: impl Fn(StoredCase) -> Result<Option<R>, E> + Sync,
        mut each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        // One snapshot for the ranks and every window, whatever is written meanwhile.
        let tx = if self.conn.is_autocommit() {
            Some(
                self.conn
                    .unchecked_transaction()
                    .map_err(StoreError::from)?,
            )
        } else {
            None
        };
        let (ranks, n) = Ranks::read(&self.conn)?;
        let mut start = 0u32;
        while start < n {
            let end = start.saturating_add(WINDOW).min(n);
            let mut held: Vec<Option<R>> = Vec::new();
            held.resize_with((end - start) as usize, || None);
            self.unmapped(|| {
                map_chunks_each::<(u32, R), E>(
                    |read| self.read_window(&ranks, start..end, read),
                    |half| {
                        let mut out = Vec::with_capacity(half.len());
                        for raw in half {
                            let rank = raw.rank;
                            if let Some(r) = f(raw.parse().map_err(E::from)?)? {
                                out.push((rank, r));
                            }
                        }
                        Ok(out)
                    },
                    |done| {
                        for (rank, r) in done {
                            if let Some(slot) = held.get_mut((rank - start) as usize) {
                                *slot = Some(r);
                            }
                        }
                        Ok(())
                    },
                )
            })?;
            let mut chunk = Vec::new();
            for r in held.into_iter().flatten() {
                chunk.push(r);
                if chunk.len() >= CHUNK {
                    each(std::mem::take(&mut chunk))?;
                }
            }
            if !chunk.is_empty() {
                each(chunk)?;
            }
            start = end;
        }
        if let Some(tx) = tx {
            tx.finish().map_err(StoreError::from)?;
        }
        Ok(())
    }

    /// Reads the cases whose rank is in `window`, in the order of the file, into chunks for `f`.
    fn read_window<E: From<StoreError>>(
        &self,
        ranks: &Ranks,
        window: std::ops::Range<u32>,
        f: &mut dyn FnMut(Vec<RawCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        let conn = &self.conn;
        let mut cases_stmt = conn
            .prepare_cached(&format!("SELECT {CASE_COLUMNS} ORDER BY c.case_id"))
            .map_err(StoreError::from)?;
        // The index's entries, covering (the rowid is in the index): which rows are each case's.
        let mut entries_stmt = conn
            .prepare_cached(
                "SELECT case_id, seq, rowid FROM events INDEXED BY sqlite_autoindex_events_1 ORDER BY case_id, seq",
            )
            .map_err(StoreError::from)?;
        let mut table_stmt = conn
            .prepare_cached("SELECT rowid, case_id, seq, canonical FROM events ORDER BY rowid")
            .map_err(StoreError::from)?;
        let mut history = HistoryReader::new(conn)?;
        let mut cases = cases_stmt.query([]).map_err(StoreError::from)?;
        let mut entries = entries_stmt.query([]).map_err(StoreError::from)?;
        let mut table = table_stmt.query([]).map_err(StoreError::from)?;
        entries.advance().map_err(StoreError::from)?;
        table.advance().map_err(StoreError::from)?;
        let mut chunk: Vec<RawCase> = Vec::new();
        while let Some(r) = cases.next().map_err(StoreError::from)? {
            let case_id: i64 = r.get(0).map_err(StoreError::from)?;
            let Some(rank) = ranks.get(case_id).filter(|rank| window.contains(rank)) else {
                continue;
            };
            if chunk.len() >= CHUNK {
                f(std::mem::take(&mut chunk))?;
            }
            let mut raw = RawCase::read(r).map_err(StoreError::from)?;
            raw.rank = rank;
            let span = entries_of(&mut entries, case_id)?;
            let whole = match (span, raw.stored_count) {
                (Some(span), Some(expected)) if span.count == expected && span.in_one_run => {
                    read_run(&mut table, case_id, span, &mut raw)?
                }
                _ => false,
            };
            if !whole {
                raw.leaves.clear();
                history.read_by_index(case_id, &mut raw)?;
            }
            raw.check_whole()?;
            chunk.push(raw);
        }
        if !chunk.is_empty() {
            f(chunk)?;
        }
        Ok(())
    }
}

/// Where a case's events lie, by its entries in the index.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: i64,
    count: i64,
    /// Entry `seq = k` points at row `first + k`, for every entry: the events are one run.
    in_one_run: bool,
}

/// Moves the index's cursor past the entries of cases before `case_id` and over those of
/// `case_id`: where they point.
fn entries_of(entries: &mut Rows<'_>, case_id: i64) -> Result<Option<Span>, StoreError> {
    let mut span: Option<Span> = None;
    while let Some(e) = entries.get() {
        let owner: i64 = e.get(0)?;
        if owner > case_id {
            break;
        }
        if owner == case_id {
            let seq: i64 = e.get(1)?;
            let rowid: i64 = e.get(2)?;
            match &mut span {
                None => {
                    span = Some(Span {
                        first: rowid,
                        count: 1,
                        in_one_run: seq == 0,
                    })
                }
                Some(s) => {
                    s.in_one_run &= seq == s.count && rowid == s.first + s.count;
                    s.count += 1;
                }
            }
        }
        entries.advance()?;
    }
    Ok(span)
}

/// Reads the case's run of rows from the table's cursor into `raw.leaves`, each checked to be
/// the case's next event; `false` (and the caller reads through the index) at the first that
/// is not, or when the run lies behind the cursor.
fn read_run(
    table: &mut Rows<'_>,
    case_id: i64,
    span: Span,
    raw: &mut RawCase,
) -> Result<bool, StoreError> {
    while let Some(row) = table.get() {
        let rowid: i64 = row.get(0)?;
        if rowid >= span.first {
            break;
        }
        table.advance()?;
    }
    for k in 0..span.count {
        let Some(row) = table.get() else {
            return Ok(false);
        };
        let (rowid, owner, seq): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if rowid != span.first + k || owner != case_id || seq != k {
            return Ok(false);
        }
        raw.leaves.push_column(row, 3)?;
        table.advance()?;
    }
    Ok(true)
}
