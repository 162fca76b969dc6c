//! The server's connections to the database: one writer and a small pool of readers.
//!
//! SQLite allows one writer at a time; in WAL mode readers never wait for it and see every
//! committed write. So a case view, a list or a page is read on a read-only connection of its
//! own, on the blocking pool, and never queues behind a write; writes take the one writer in
//! turn and hold it only for the append (docs/architecture.md, "The server's connections").
//!
//! [`open_stores`] is the one place the server opens a database.

use std::path::Path;
use std::sync::{mpsc, Condvar, Mutex, MutexGuard};

use juece_core::Lang;
use juece_engine::{
    load_calendar, load_profiles, EngineError, ErrorKind, PendingWrite, Recorded, WriteSession,
};
use juece_store::{KeptAnswer, Store};

/// Readers opened when none is asked for: enough to keep every core busy reading while one
/// connection writes, few enough that each keeps a warm page cache.
pub fn default_readers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
        .clamp(4, 16)
}

/// An idempotency answer to keep with a write (owned: it crosses to the committing thread).
pub struct Answer {
    pub name: String,
    pub key: String,
    pub status: u16,
    pub body: String,
    pub now: i64,
    pub keep_after: i64,
}

/// A prepared write waiting for the writer, and where its outcome goes.
struct Job {
    pending: Box<PendingWrite>,
    answer: Option<Answer>,
    lang: Lang,
    done: mpsc::Sender<Result<Recorded, EngineError>>,
}

/// The writer and the readers.
pub struct Stores {
    writer: Mutex<WriteSession>,
    /// Prepared writes waiting for the writer (group commit).
    queue: Mutex<Vec<Job>>,
    /// Case views, lists, pages, sessions, tokens.
    readers: Pool,
    /// The checks of writes ([`WriteSession::prepare`]): a pool of their own, so that writes
    /// waiting to be checked never hold every reader while case views wait.
    preparers: Pool,
}

/// Read-only connections, each used by one request at a time.
struct Pool {
    sessions: Vec<Mutex<WriteSession>>,
    /// The indexes of the sessions not in use.
    free: Mutex<Vec<usize>>,
    returned: Condvar,
}

/// Connections that check writes (beside the readers).
const PREPARERS: usize = 2;

/// Opens the database at `db` for the server: the writer first (it creates the file and brings
/// the schema up to date, and switches it to WAL), then `readers` read-only connections, each
/// with the profiles and the calendar (the shipped one, the stored ones, then `calendar_files`).
pub fn open_stores(
    db: &Path,
    calendar_files: &[(String, String)],
    readers: usize,
) -> Result<Stores, EngineError> {
    let store = Store::open(db)?;
    let profiles = load_profiles(&store)?;
    let calendar = load_calendar(&store.calendars()?, calendar_files)?;
    let pool = |n: usize| -> Result<Pool, EngineError> {
        let sessions = (0..n.max(1))
            .map(|_| {
                let reader = Store::open_read_only(db)?;
                Ok(Mutex::new(WriteSession::new(
                    reader,
                    profiles.clone(),
                    calendar.clone(),
                )))
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        Ok(Pool {
            free: Mutex::new((0..sessions.len()).collect()),
            sessions,
            returned: Condvar::new(),
        })
    };
    let (readers, preparers) = (pool(readers)?, pool(PREPARERS)?);
    Ok(Stores {
        writer: Mutex::new(WriteSession::new(store, profiles, calendar)),
        queue: Mutex::new(Vec::new()),
        readers,
        preparers,
    })
}

/// A session taken from a pool; it goes back when dropped (also when the request panicked).
struct Lease<'a> {
    pool: &'a Pool,
    index: usize,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        lock(&self.pool.free).push(self.index);
        self.pool.returned.notify_one();
    }
}

/// A poisoned lock means a request panicked while holding it; the connection itself is still
/// sound (SQLite rolled back whatever the request had begun), so the next request uses it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    /// Runs `f` on a session of the pool (waiting for one to be free).
    fn with<T>(&self, f: impl FnOnce(&mut WriteSession) -> T) -> T {
        let index = {
            let mut free = lock(&self.free);
            loop {
                if let Some(i) = free.pop() {
                    break i;
                }
                free = self.returned.wait(free).unwrap_or_else(|p| p.into_inner());
            }
        };
        let lease = Lease { pool: self, index };
        let out = f(&mut lock(&self.sessions[lease.index]));
        drop(lease);
        out
    }
}

impl Stores {
    /// Runs `f` on a read-only connection (waiting for one to be free). Blocking: call it on
    /// the blocking pool.
    pub fn read<T>(&self, f: impl FnOnce(&mut WriteSession) -> T) -> T {
        self.readers.with(f)
    }

    /// Runs `f` (a write's check, [`WriteSession::prepare`]) on a read-only connection of the
    /// checking pool. Blocking.
    pub fn prepare<T>(&self, f: impl FnOnce(&mut WriteSession) -> T) -> T {
        self.preparers.with(f)
    }

    /// Appends a prepared write (engine: [`WriteSession::commit`]) with the writes queued beside
    /// it: whoever takes the writer commits every write waiting at that moment in one
    /// transaction and one sync (group commit), each checked against its own case's history and
    /// succeeding or failing on its own; the others find theirs done. Blocking.
    pub fn commit(
        &self,
        pending: Box<PendingWrite>,
        answer: Option<Answer>,
        lang: Lang,
    ) -> Result<Recorded, EngineError> {
        let (done, outcome) = mpsc::channel();
        lock(&self.queue).push(Job {
            pending,
            answer,
            lang,
            done,
        });
        {
            let mut writer = lock(&self.writer);
            let jobs = std::mem::take(&mut *lock(&self.queue));
            if !jobs.is_empty() {
                let answers: Vec<Option<KeptAnswer<'_>>> = jobs
                    .iter()
                    .map(|j| {
                        j.answer.as_ref().map(|a| KeptAnswer {
                            name: &a.name,
                            key: &a.key,
                            status: a.status,
                            body: &a.body,
                            now: a.now,
                            keep_after: a.keep_after,
                        })
                    })
                    .collect();
                let writes: Vec<_> = jobs
                    .iter()
                    .zip(&answers)
                    .map(|(j, a)| (&*j.pending, a.as_ref(), j.lang))
                    .collect();
                let results = writer.commit_batch(&writes);
                for (job, result) in jobs.iter().zip(results) {
                    // A requester that went away needs no answer.
                    let _ = job.done.send(result);
                }
            }
        }
        outcome.recv().unwrap_or_else(|_| {
            Err(EngineError::new(
                ErrorKind::Internal,
                "the write's commit stopped before it answered; nothing may have been written",
            ))
        })
    }

    /// Runs `f` with the one writer. Blocking: call it on the blocking pool, and do in `f` only
    /// what needs the write lock.
    pub fn write<T>(&self, f: impl FnOnce(&mut WriteSession) -> T) -> T {
        f(&mut lock(&self.writer))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test")]
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// A read is answered while the writer is held (SQLite's WAL: readers never wait for it),
    /// and sees what the writer committed.
    #[test]
    fn reads_do_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let stores = open_stores(&dir.path().join("j.db"), &[], 2).unwrap();
        stores.write(|w| {
            w.store_mut()
                .add_user(
                    "wang",
                    &[juece_core::ids::Role::Head],
                    "2024-01-01T00:00:00+08:00",
                )
                .unwrap()
        });
        let (held, release) = (mpsc::channel(), mpsc::channel::<()>());
        std::thread::scope(|s| {
            let stores = &stores;
            let (held_tx, release_rx) = (held.0, release.1);
            s.spawn(move || {
                stores.write(|_| {
                    held_tx.send(()).unwrap();
                    release_rx.recv_timeout(Duration::from_secs(10)).ok();
                })
            });
            held.1.recv().unwrap();
            let start = Instant::now();
            let roles = stores.read(|r| r.store().user_roles("wang").unwrap());
            assert!(start.elapsed() < Duration::from_secs(5));
            assert_eq!(roles.map(|r| r.len()), Some(1));
            release.0.send(()).unwrap();
        });
        // A reader refuses to write.
        assert!(stores
            .read(|r| r
                .store_mut()
                .add_user("li", &[], "2024-01-01T00:00:00+08:00"))
            .is_err());
    }
}
