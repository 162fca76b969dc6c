//! Persistence for juece: profiles, cases, the append-only event log and a case projection,
//! behind a versioned schema, in one of two backends behind one [`Store`]: SQLite (the embedded
//! default, a file) or PostgreSQL (`postgres://…`, a province's database server).
//!
//! The program only ever inserts events (triggers refuse updates and deletes). Every write is one
//! transaction: an import writes all its cases or none.
//!
//! ```
//! let store = juece_store::Store::open_in_memory().unwrap();
//! assert_eq!(store.case_count().unwrap(), 0);
//! ```

use std::path::Path;

use juece_core::ids::Status;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

mod catalogue_verify;
mod catalogues;
mod facade;
mod fs_check;
mod gathered;
mod location;
mod migrations;
mod pg;
pub mod progress;
mod read;
mod records;
mod users;
mod verify;
mod web;
mod write;
mod write_behind;

pub use catalogue_verify::{CatalogueChainFailure, CatalogueChainReport};
pub use catalogues::{catalogue_leaf, CatalogueImport, CatalogueSummary, StoredCatalogue};
pub use facade::{ImportTx, Store};
pub use location::Location;
pub use pg::CopySummary;
pub use read::{CaseRow, ListFilter, StoredCase};
pub use records::{RecordsReport, StoredCalendar};
pub use users::UserRow;
pub use verify::{Anchor, VerifyFailure, VerifyReport};
pub use web::{KeptAnswer, SessionRow, TokenRow};
pub use write::{case_leaves, AppendItem, Appended, Difference, ImportSummary, PreparedCase};
pub use write_behind::WriteBehind;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused or failed.
    #[error("database error: {}", pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    /// The PostgreSQL server cannot be reached, or refused the connection.
    #[error("cannot connect to the PostgreSQL server at {addr}: {why}")]
    Unreachable {
        /// `HOST:PORT` as the URL names it.
        addr: String,
        /// Why, as the driver says.
        why: String,
    },
    /// A `--db` value starting with `postgres://` that is not a valid connection URL.
    #[error(
        "`{url}` is not a PostgreSQL URL: {why}; write it as postgres://ROLE@HOST:PORT/DATABASE"
    )]
    BadUrl {
        /// The value, password hidden.
        url: String,
        /// Why.
        why: String,
    },
    /// `juece migrate` into a database that already holds something.
    #[error("the target database is not empty ({0}); `juece migrate` copies into an empty database only, so that nothing there is mixed with the county's history")]
    TargetNotEmpty(String),
    /// `juece migrate` from anything but an SQLite file, or to anything but PostgreSQL.
    #[error("`juece migrate` copies an SQLite database file into a PostgreSQL database")]
    MigrateDirection,
    /// `juece backup` on PostgreSQL: the server's own tools back it up.
    #[error("`juece backup` copies an SQLite file; a PostgreSQL database is backed up with the server's own tools: pg_dump --format=custom --file=juece.dump DATABASE (restore with pg_restore into an empty database)")]
    BackupUnsupported,
    /// The database could not be opened.
    #[error("cannot open database `{path}`: {source}")]
    Open {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// A case with this reference is already stored.
    #[error("case `{0}` is already in the database")]
    CaseExists(String),
    /// A stored profile with the same id and version has different content.
    #[error("workflow `{0}` is already stored with different content; give the changed profile a new version")]
    ProfileConflict(String),
    /// The database was written by a newer juece.
    #[error("the database schema is version {found}, newer than this juece understands ({supported}); use a newer juece")]
    SchemaTooNew {
        /// The database's `user_version`.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The case's history changed between reading it and writing to it.
    #[error("case `{case_ref}` changed while this command ran ({found} events now, {expected} when it was checked); run the command again to check against the new history")]
    Conflict {
        /// The case.
        case_ref: String,
        /// Events the command saw.
        expected: usize,
        /// Events there are now.
        found: usize,
    },
    /// No case has this reference.
    #[error("no case `{0}` in the database")]
    UnknownCase(String),
    /// The SQLite library is too old to be trusted with the log.
    #[error("SQLite {found} is older than {required}, the oldest release this program trusts with its log")]
    SqliteTooOld {
        /// The linked version.
        found: String,
        /// The minimum.
        required: String,
    },
    /// The database is on a network filesystem, where SQLite's locking is unreliable.
    #[error("database `{path}` is on a network filesystem (`{fstype}`), where SQLite's locks and WAL are not safe")]
    NetworkFilesystem {
        /// The database path.
        path: String,
        /// The filesystem type.
        fstype: String,
    },
    /// A case's history has a hole: an event the case must have cannot be found (a damaged
    /// file: a lost index entry or page). Nothing is shown rather than a history without it.
    #[error("case `{case_ref}` is damaged: its event {missing_seq} is missing from the database, so its history cannot be shown whole; run `juece verify`, and restore the database from a backup")]
    Gap {
        /// The case.
        case_ref: String,
        /// The first sequence number missing.
        missing_seq: i64,
    },
    /// The backup's destination cannot be created.
    #[error("cannot create the backup `{path}`: {why}; a backup never replaces an existing file")]
    BackupTarget {
        /// The destination.
        path: String,
        /// Why.
        why: String,
    },
    /// A stored row cannot be read back.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether this error means the database file itself is damaged (a corrupt page, not a
    /// database at all, a case with a hole): something `juece verify` reports as a finding.
    pub fn is_damage(&self) -> bool {
        verify::is_damage(self)
    }
}

/// The projection row of one case, derived from its evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// Furthest point reached.
    pub status: Status,
    /// Whether the history has a `SKIPPED_STEP` finding.
    pub has_skipped: bool,
    /// Whether the history has an override.
    pub has_override: bool,
    /// Violation findings.
    pub violations: u32,
    /// Warning findings.
    pub warnings: u32,
}

/// The SQLite backend: one connection to a database file (or a private in-memory database).
/// Used through [`Store`].
pub(crate) struct SqliteStore {
    conn: Connection,
}

/// The oldest SQLite this program opens a database with (3.51.3).
pub const MIN_SQLITE: i32 = 3_051_003;

/// The page size of a database file juece creates (one made with another size keeps it).
pub const PAGE_SIZE: i64 = 8192;

/// How long a connection waits for another's lock before it gives up (a writer's commit, a
/// checkpoint), for every connection juece opens.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `f` on `conn` without waiting for another connection's lock (busy comes back at once),
/// then waits as every connection does again.
pub(crate) fn without_waiting<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<rusqlite::Result<T>, StoreError> {
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let done = f(conn);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(done)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// Refuses an SQLite older than 3.51.3 and a database on a network filesystem.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        check_sqlite_version()?;
        if let Some(fstype) = fs_check::network_filesystem(path) {
            return Err(StoreError::NetworkFilesystem {
                path: path.display().to_string(),
                fstype,
            });
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        SqliteStore::setup(conn, true)
    }

    /// Opens a read-only connection to the database at `path`, which must exist with its schema
    /// up to date (another connection opened it with [`Store::open`] first). A server reads on
    /// several of these beside its one writer: in WAL mode readers never wait for the writer,
    /// and every statement sees the last committed state. Any write on it fails.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        use rusqlite::OpenFlags;
        check_sqlite_version()?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        migrations::check_not_newer(&conn)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // Case reads touch a few pages each; a smaller cache per reader than the writer's.
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
        Ok(SqliteStore { conn })
    }

    /// Opens a private in-memory database (tests, dry runs).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        check_sqlite_version()?;
        SqliteStore::setup(Connection::open_in_memory()?, false)
    }

    fn setup(conn: Connection, wal: bool) -> Result<SqliteStore, StoreError> {
        // The busy timeout comes first, so that switching to WAL waits for other writers too.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // A database from a newer juece is refused before anything changes it (not even the
        // switch to WAL).
        migrations::check_not_newer(&conn)?;
        // A new file is laid out in pages of 8 KiB (SQLite's default is 4 KiB). It only takes
        // effect before the file's first page is written, so it must come before the switch to
        // WAL; a file that exists keeps the size it was made with (both read the same). At a
        // million cases, by hand in the same minutes: an import 36 s instead of 45, a verify
        // 7.5 s instead of 8.4 — half as many pages to read, check and fetch from the kernel one
        // call at a time — with a live write as fast as before (p50 358–416 µs against 362–387;
        // 16 KiB pages did more for the import, 31 s, and made every live write slower, p50
        // 434–485 µs: each commit writes whole pages into the log). docs/performance.md.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        if wal {
            let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        // When the last connection to the file closes, SQLite copies the write-ahead log into
        // the database file and removes it: after every command has exited, the database file
        // alone holds everything (a copy of it loses nothing). This costs a command that wrote
        // one more fsync of the database file on exit; `record-batch` also folds the log in
        // as it goes (`fold_wal`).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            false,
        )?;
        // Plans that never depend on the values bound: otherwise SQLite re-prepared the query
        // that loads a case on every new reference (a tenth of a live write's time). Every query
        // here filters on a key or an indexed flag; no plan is worse for it.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Whole-database reads (audit, verify, export) go through 64 MiB of page cache and a
        // memory map instead of the default 2 MiB cache and a read call per page. The map is
        // kept to 256 MiB: every mapped page a pass touches counts in the process's memory, and
        // a province's file (5 GB at a million cases) must not take a command past 1 GB.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "mmap_size", 1i64 << 28)?;
        let mut store = SqliteStore { conn };
        migrations::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// Runs `pass`, a read of the whole file, with the memory map off: it reads every page once,
    /// and through the map each would stay counted in this process's memory (256 MiB of it at a
    /// province's scale, where a command must stay under 1 GB) for no gain in speed. The map
    /// is back for the reads of a few pages that follow (an in-memory database has none).
    pub(crate) fn unmapped<T, E: From<StoreError>>(
        &self,
        pass: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let mapped: Option<i64> = self
            .conn
            .query_row("PRAGMA mmap_size", [], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?;
        let Some(mapped) = mapped else {
            return pass();
        };
        let map = |size: i64| {
            self.conn
                .pragma_update(None, "mmap_size", size)
                .map_err(StoreError::from)
        };
        map(0)?;
        let done = pass();
        map(mapped)?;
        done
    }

    /// Every write is one `BEGIN IMMEDIATE` transaction: it takes the write lock before it reads,
    /// so what it checked is what it writes against.
    fn write_tx(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Copies the write-ahead log into the database file and empties it, unless another
    /// connection is using it (then it is left as it is: it is durable either way). Called after a
    /// large write: every process that opens a database whose WAL still holds frames re-reads and
    /// re-checksums all of them first (SQLite's WAL recovery), which after a 100 000-case import
    /// made every later command 180 ms slower.
    pub fn fold_wal(&self) -> Result<bool, StoreError> {
        // Never wait for readers here: the write is already committed.
        let busy = without_waiting(&self.conn, |conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
        })?;
        match busy {
            Ok(b) => Ok(b == 0),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Copies the whole database to `dest`, a file that must not exist yet, with SQLite's online
    /// backup: one consistent snapshot even while other processes write (the copy is taken in
    /// one read transaction; writers are not blocked). The copy is complete in its own file (no
    /// write-ahead log beside it) and synced to disk. Returns the number of pages copied.
    pub fn backup_to(&self, dest: &Path) -> Result<i64, StoreError> {
        let open_err = |source| StoreError::Open {
            path: dest.display().to_string(),
            source,
        };
        // Reserve the name: never overwrite a file.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| StoreError::BackupTarget {
                path: dest.display().to_string(),
                why: e.to_string(),
            })?;
        let mut copy = Connection::open(dest).map_err(open_err)?;
        copy.busy_timeout(BUSY_TIMEOUT)?;
        let pages = {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            // All pages in one step: one read transaction, so one consistent snapshot.
            loop {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    rusqlite::backup::StepResult::More => {}
                    rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                        std::thread::sleep(std::time::Duration::from_millis(50))
                    }
                    _ => std::thread::sleep(std::time::Duration::from_millis(50)),
                }
            }
            backup.progress().pagecount as i64
        };
        // The copy keeps the source's WAL mode; fold its log in and leave one file.
        let _mode: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        drop(copy);
        std::fs::File::open(dest)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::BackupTarget {
                path: dest.display().to_string(),
                why: e.to_string(),
            })?;
        Ok(pages)
    }

    /// The durability settings in force: `(journal_mode, synchronous, busy_timeout_ms)`.
    pub fn durability(&self) -> Result<(String, i64, i64), StoreError> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let sync: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
        Ok((mode, sync, busy))
    }

    /// Number of cases.
    pub fn case_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Number of events.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}

fn check_sqlite_version() -> Result<(), StoreError> {
    if rusqlite::version_number() < MIN_SQLITE {
        return Err(StoreError::SqliteTooOld {
            found: rusqlite::version().to_owned(),
            required: "3.51.3".to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod pg_tests;
#[cfg(test)]
mod tamper_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trust_tests;
