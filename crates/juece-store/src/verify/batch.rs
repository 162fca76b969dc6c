//! Rows copied out of SQLite into reused batches, and the channel that carries them to the
//! worker that hashes and checks them.

use super::*;

/// Rows handed over at a time from the thread reading SQLite to the thread hashing and checking
/// (a few in tests, so that they cross batches).
pub(super) const BATCH: usize = if cfg!(test) { 5 } else { 8192 };
/// Batches in circulation: one being filled, one being checked, one waiting in between. They are
/// reused, so memory stays bounded whatever the size of the log.
pub(super) const BATCHES: usize = 3;

/// One stored event, its byte columns kept in its batch's buffer.
pub(super) struct RowMeta {
    pub(super) event_id: i64,
    pub(super) case_id: i64,
    pub(super) seq: i64,
    /// End of the canonical bytes in the buffer (they start where the previous row ends).
    pub(super) canonical_end: usize,
    /// End of the stored leaf hash (it starts at `canonical_end`).
    pub(super) leaf_end: usize,
    /// End of the stored chain hash (it starts at `leaf_end`); the next row starts here.
    pub(super) chain_end: usize,
}

/// One row of the `cases` table, its text columns kept in its batch's buffer.
pub(super) struct CaseRow {
    pub(super) case_id: i64,
    pub(super) profile_version: i64,
    /// Ends of `ref`, `attributes`, `title`, `organ`, `undertaking_unit`, `category` and
    /// `profile_id` in the buffer, back to back (the first starts where the previous row ends).
    pub(super) ends: [usize; 7],
    /// The case's catalogue link (`juece-cases/2`), as stored: chained in the header when set.
    pub(super) catalogue: Option<String>,
}

/// Consecutive rows of the `cases` table, or of the events in global order: their byte columns
/// back to back in one buffer.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) bytes: Vec<u8>,
    pub(super) cases: Vec<CaseRow>,
    pub(super) rows: Vec<RowMeta>,
}

impl Batch {
    pub(super) fn clear(&mut self) {
        self.bytes.clear();
        self.cases.clear();
        self.rows.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.cases.len() + self.rows.len()
    }
}

/// The reading side of the pipeline: empty batches to fill, the channel to send them full.
pub(super) struct Feed<'a> {
    pub(super) full: &'a mpsc::SyncSender<Batch>,
    pub(super) empty: &'a mpsc::Receiver<Batch>,
    /// Batches in circulation.
    pub(super) allocated: usize,
}

impl Feed<'_> {
    /// An empty batch: one handed back, or a new one while fewer than `BATCHES` exist. `None`
    /// when the worker is gone (it panicked: joining it reports that).
    pub(super) fn take(&mut self) -> Option<Batch> {
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
    pub(super) fn pass_if_full(&mut self, batch: &mut Batch) -> bool {
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
    pub(super) fn send(&mut self, batch: Batch) -> bool {
        if batch.len() == 0 {
            self.allocated -= 1;
            return true;
        }
        self.full.send(batch).is_ok()
    }
}

/// A text column, borrowed from the current row; anything else fails as `get::<String>` does.
pub(super) fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Ok(s),
            Err(_) => r.get::<_, String>(i).map(|_| ""),
        },
        _ => r.get::<_, String>(i).map(|_| ""),
    }
}

/// A blob column, borrowed from the current row; anything else fails as `get::<Vec<u8>>` does.
pub(super) fn blob<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) => Ok(b),
        _ => r.get::<_, Vec<u8>>(i).map(|_| &[][..]),
    }
}
