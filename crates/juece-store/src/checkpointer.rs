//! Checkpoints off the write path, for a long-running writer.
//!
//! In WAL mode SQLite copies the log back into the database file (a checkpoint) in whichever
//! commit finds the log past 1 000 pages: that commit then also writes and syncs the database
//! file, and takes ten times as long as the others. A process that writes once and exits cannot
//! avoid it; a long-running writer (`juece record-batch`) hands it to a thread of its own with its
//! own connection. A passive checkpoint never blocks the writer (WAL lets them run side by side),
//! so no write waits for it.

use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::wal::CheckpointMode;
use rusqlite::Connection;

use crate::{Store, StoreError};

/// Log pages after a commit beyond which a checkpoint is asked for (SQLite's own default).
const PAGES: i32 = 1000;

/// What the checkpointing thread is asked to do.
enum Ask {
    Checkpoint,
    Stop,
}

/// The checkpointing thread of a store; stops (after its last checkpoint) when dropped.
pub struct Checkpointer {
    asks: Option<mpsc::SyncSender<Ask>>,
    thread: Option<JoinHandle<()>>,
}

impl Store {
    /// From now on, checkpoints of this store's database run on a thread of their own instead of
    /// inside the commit that crosses 1 000 log pages. Keep the returned value alive as long as
    /// the store writes.
    pub fn checkpoint_in_background(&mut self) -> Result<Checkpointer, StoreError> {
        let path = self.conn.path().unwrap_or_default().to_owned();
        if path.is_empty() {
            // In memory: there is no log to fold.
            return Ok(Checkpointer {
                asks: None,
                thread: None,
            });
        }
        let other = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        other.busy_timeout(std::time::Duration::from_secs(30))?;
        // A connection knows its database is in WAL mode once it has read it; until then a
        // checkpoint does nothing.
        let _mode: String = other.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let (asks, asked) = mpsc::sync_channel::<Ask>(1);
        let thread = std::thread::spawn(move || {
            for ask in asked {
                match ask {
                    // Passive: copies what no reader still needs, waits for nobody. What it
                    // cannot copy now, the next one copies.
                    Ask::Checkpoint => {
                        let _ = other.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
                    }
                    Ask::Stop => break,
                }
            }
        });
        let hook = asks.clone();
        // Replaces SQLite's automatic checkpoint (itself a WAL hook) on this connection.
        self.conn
            .wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
                if pages >= PAGES {
                    // Full means a checkpoint is already asked for; disconnected, that the
                    // checkpointer has stopped.
                    let _ = hook.try_send(Ask::Checkpoint);
                }
                Ok(())
            }))?;
        Ok(Checkpointer {
            asks: Some(asks),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The connection's hook keeps a sender too: stop the thread by asking.
        if let Some(asks) = self.asks.take() {
            let _ = asks.send(Ask::Stop);
        }
        if let Some(thread) = self.thread.take() {
            // The thread only checkpoints; a failure there leaves the log for the next writer.
            let _ = thread.join();
        }
    }
}
