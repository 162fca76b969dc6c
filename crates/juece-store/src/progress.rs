//! How far a whole-database pass has got, for the command line's progress line (issue 12): a
//! pass counts what it has handled (events checked, cases read or evaluated) with one relaxed
//! atomic add per batch; the command line sets the total before the pass and reads the count from
//! its own thread. One pass per process at a time; where nobody reads it (the server) the count
//! is never looked at.

use std::sync::atomic::{AtomicU64, Ordering};

static DONE: AtomicU64 = AtomicU64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);

/// Starts counting a pass of `total` items (0: not known).
pub fn begin(total: u64) {
    DONE.store(0, Ordering::Relaxed);
    TOTAL.store(total, Ordering::Relaxed);
}

/// Counts `n` more items handled.
pub fn advance(n: u64) {
    DONE.fetch_add(n, Ordering::Relaxed);
}

/// (items handled, total) so far; the total is 0 when not known.
pub fn snapshot() -> (u64, u64) {
    (DONE.load(Ordering::Relaxed), TOTAL.load(Ordering::Relaxed))
}
