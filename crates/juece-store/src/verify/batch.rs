//! Rows copied out of SQLite into reused batches, and the channel that carries them to the
//! worker that hashes and checks them.

use super::*;

/// Rows handed over at a time from the thread reading SQLite to the thread hashing and checking
/// (a few in tests, so that they cross batches).
pub(crate) const BATCH: usize = if cfg!(test) { 5 } else { 8192 };
/// Batches in circulation: one being filled, one being checked, one waiting in between. They are
/// reused, so memory stays bounded whatever the size of the log.
pub(crate) const BATCHES: usize = 3;

/// One stored event, its byte columns kept in its batch's buffer.
pub(crate) struct RowMeta {
    pub(crate) event_id: i64,
    pub(crate) case_id: i64,
    pub(crate) seq: i64,
    /// End of the canonical bytes in the buffer (they start where the previous row ends).
    pub(crate) canonical_end: usize,
    /// End of the stored leaf hash (it starts at `canonical_end`).
    pub(crate) leaf_end: usize,
    /// End of the stored chain hash (it starts at `leaf_end`); the next row starts here.
    pub(crate) chain_end: usize,
}

/// One row of the `cases` table, its text columns kept in its batch's buffer.
pub(crate) struct CaseRow {
    pub(crate) case_id: i64,
    pub(crate) profile_version: i64,
    /// Ends of `ref`, `attributes`, `title`, `organ`, `undertaking_unit`, `category` and
    /// `profile_id` in the batch's `case_bytes`, back to back (the first starts where the
    /// previous case's last ends).
    pub(crate) ends: [usize; 7],
    /// The case's catalogue link (`juece-cases/2`), as stored: chained in the header when set.
    pub(crate) catalogue: Option<String>,
}

/// Consecutive events in global order, and rows of the `cases` table: the byte columns of each
/// kind back to back in a buffer of its own.
#[derive(Default)]
pub(crate) struct Batch {
    /// The events' byte columns.
    pub(crate) bytes: Vec<u8>,
    /// The cases' text columns.
    pub(crate) case_bytes: Vec<u8>,
    pub(crate) cases: Vec<CaseRow>,
    pub(crate) rows: Vec<RowMeta>,
}

impl Batch {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.case_bytes.clear();
        self.cases.clear();
        self.rows.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.cases.len() + self.rows.len()
    }
}

/// The reading side of the pipeline: empty batches to fill, the channel to send them full.
pub(crate) struct Feed<'a> {
    pub(crate) full: &'a mpsc::SyncSender<Batch>,
    pub(crate) empty: &'a mpsc::Receiver<Batch>,
    /// Batches in circulation.
    pub(crate) allocated: usize,
}

impl Feed<'_> {
    /// An empty batch: one handed back, or a new one while fewer than `BATCHES` exist. `None`
    /// when the worker is gone (it panicked: joining it reports that).
    pub(crate) fn take(&mut self) -> Option<Batch> {
        match self.empty.try_recv() {
            Ok(b) => Some(b),
            Err(_) if self.allocated < BATCHES => {
                self.allocated += 1;
                Some(Batch {
                    bytes: Vec::with_capacity(BATCH * 512),
                    case_bytes: Vec::new(),
                    cases: Vec::new(),
                    rows: Vec::with_capacity(BATCH),
                })
            }
            Err(_) => self.empty.recv().ok(),
        }
    }

    /// Once `batch` holds `BATCH` rows, sends it and puts an empty batch in its place; `false`
    /// when the worker is gone.
    pub(crate) fn pass_if_full(&mut self, batch: &mut Batch) -> bool {
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
    pub(crate) fn send(&mut self, batch: Batch) -> bool {
        if batch.len() == 0 {
            self.allocated -= 1;
            return true;
        }
        self.full.send(batch).is_ok()
    }
}

/// A text column, borrowed from the current row; anything else fails as `get::<String>` does.
pub(crate) fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Ok(s),
            Err(_) => r.get::<_, String>(i).map(|_| ""),
        },
        _ => r.get::<_, String>(i).map(|_| ""),
    }
}

/// A blob column, borrowed from the current row; anything else fails as `get::<Vec<u8>>` does.
pub(crate) fn blob<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) => Ok(b),
        _ => r.get::<_, Vec<u8>>(i).map(|_| &[][..]),
    }
}
