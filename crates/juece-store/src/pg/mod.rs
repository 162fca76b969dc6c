//! The PostgreSQL backend (`--db postgres://ROLE@HOST:PORT/DB`): the same tables, canonical
//! bytes and chain hashes as the SQLite backend, for a province's database server that several
//! `juece` processes share.
//!
//! Every write runs in one transaction that first takes the same transaction-scoped advisory
//! lock ([`CHAIN_LOCK`]): writers are serialized as SQLite's `BEGIN IMMEDIATE` serializes them,
//! so the global order of events (`event_id`) is the commit order, a case's length checked under
//! the lock is the length written against, and two processes never fork the chain. Reads take
//! no lock.

use std::cell::{RefCell, RefMut};
use std::str::FromStr;

use postgres::{Client, Config, NoTls, Transaction};

use crate::location::redact_password;
use crate::StoreError;

mod copy;
mod read;
mod records;
mod verify;
mod web;
mod write;

pub use copy::CopySummary;
pub(crate) use write::PgImportTx;

/// The advisory lock every write holds until it commits (an arbitrary constant: "juece").
pub(crate) const CHAIN_LOCK: i64 = 0x006a_7565_6365;

/// The migrations, in order: `juece_schema.version` is how many have run. They mirror SQLite's
/// (`migrations/0001…`) number for number.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/pg/0001_initial.sql"),
    include_str!("../../migrations/pg/0002_users.sql"),
    include_str!("../../migrations/pg/0003_commands.sql"),
    include_str!("../../migrations/pg/0004_listing_indexes.sql"),
    include_str!("../../migrations/pg/0005_records.sql"),
    include_str!("../../migrations/pg/0006_catalogues.sql"),
    include_str!("../../migrations/pg/0007_web.sql"),
    include_str!("../../migrations/pg/0008_organs.sql"),
];

/// One connection to a PostgreSQL database.
pub(crate) struct PgStore {
    /// In a cell: the store's readers take `&self`, the driver wants `&mut` for every query.
    /// No method holds it while calling back into the caller's code. `None` only while dropping.
    client: RefCell<Option<Client>>,
}

impl Drop for PgStore {
    /// The driver closes its connection by running its own async runtime, which panics on a
    /// thread that is already driving one (a store dropped inside `juece serve`'s runtime, as
    /// when the address cannot be bound). So the connection is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// A driver error in plain words: the server's own message when it sent one.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// `HOST:PORT` of a connection URL, as a person would write it.
fn address(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

impl PgStore {
    /// Connects and brings the schema up to date (creating it on an empty database). The
    /// password comes from the URL or, failing that, `password`.
    pub(crate) fn open(url: &str, password: Option<&str>) -> Result<PgStore, StoreError> {
        let mut config = Config::from_str(url).map_err(|e| StoreError::BadUrl {
            url: redact_password(url),
            why: e.to_string(),
        })?;
        if config.get_password().is_none() {
            if let Some(pw) = password {
                config.password(pw);
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name("juece");
        let mut client = config.connect(NoTls).map_err(|e| StoreError::Unreachable {
            addr: address(&config),
            why: describe(&e),
        })?;
        migrate(&mut client)?;
        Ok(PgStore {
            client: RefCell::new(Some(client)),
        })
    }

    /// A connection whose transactions are read-only (the server's readers), to a database
    /// another connection has already brought up to date: a write on it fails.
    pub(crate) fn open_read_only(url: &str, password: Option<&str>) -> Result<PgStore, StoreError> {
        let store = PgStore::open(url, password)?;
        store
            .client()?
            .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")?;
        Ok(store)
    }

    /// The connection, for one method's queries.
    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let cell = self.client.try_borrow_mut().map_err(|_| {
            StoreError::Corrupt("the PostgreSQL connection is already in use".into())
        })?;
        RefMut::filter_map(cell, Option::as_mut)
            .map_err(|_| StoreError::Corrupt("the PostgreSQL connection is closed".into()))
    }

    /// The connection, for a write that holds it until its transaction ends.
    fn client_mut(&mut self) -> Result<&mut Client, StoreError> {
        self.client
            .get_mut()
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("the PostgreSQL connection is closed".into()))
    }

    /// Nothing to fold: PostgreSQL manages its own log.
    pub(crate) fn fold_wal(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// Refused: `pg_dump` backs up a PostgreSQL database.
    pub(crate) fn backup_to(&self, _dest: &std::path::Path) -> Result<i64, StoreError> {
        Err(StoreError::BackupUnsupported)
    }

    /// `(synchronous_commit, 1 when fsync is on, lock_timeout in ms)`.
    pub(crate) fn durability(&self) -> Result<(String, i64, i64), StoreError> {
        let mut c = self.client()?;
        let row = c.query_one(
            "SELECT current_setting('synchronous_commit'), current_setting('fsync'),
                    current_setting('lock_timeout')",
            &[],
        )?;
        let fsync: String = row.get(1);
        let lock: String = row.get(2);
        Ok((
            format!("postgresql synchronous_commit={}", row.get::<_, String>(0)),
            i64::from(fsync == "on"),
            lock.trim_end_matches("ms").parse().unwrap_or(0),
        ))
    }

    /// Number of cases.
    pub(crate) fn case_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM cases", &[])?
            .get(0);
        Ok(n as u64)
    }

    /// Number of events.
    pub(crate) fn event_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM events", &[])?
            .get(0);
        Ok(n as u64)
    }

    /// PostgreSQL checks its own pages; nothing to report here.
    pub(crate) fn integrity(&self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
}

/// Starts a write: a transaction holding [`CHAIN_LOCK`] until it ends.
pub(crate) fn write_tx(client: &mut Client) -> Result<Transaction<'_>, StoreError> {
    let mut tx = client.transaction()?;
    // Typed: one round trip, nothing prepared. Its own statement: whatever the transaction
    // reads next is read after the lock is held (a statement's snapshot is taken as it starts).
    tx.execute_typed(
        "SELECT pg_advisory_xact_lock($1)::text",
        &[(&CHAIN_LOCK, postgres::types::Type::INT8)],
    )?;
    Ok(tx)
}

/// The schema version this database is at (0: no schema yet).
fn schema_version(client: &mut impl postgres::GenericClient) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('juece_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_one("SELECT coalesce(max(version), 0) FROM juece_schema", &[])?
        .get(0))
}

/// Runs the migrations not yet run, in one transaction under the write lock (two processes
/// opening an empty database at once create the schema once). A database already at this
/// version is only read: opening never waits for another process's write.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as i64;
    let found = schema_version(client)?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    let mut tx = write_tx(client)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS juece_schema (version BIGINT NOT NULL)")?;
    let found: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM juece_schema", &[])?
        .get(0);
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    for sql in MIGRATIONS.iter().skip(found.max(0) as usize) {
        tx.batch_execute(sql)?;
    }
    tx.execute("DELETE FROM juece_schema", &[])?;
    tx.execute(
        "INSERT INTO juece_schema (version) VALUES ($1)",
        &[&supported],
    )?;
    tx.commit()?;
    Ok(())
}

/// A 32-byte hash column.
pub(crate) fn hash_of(bytes: Vec<u8>, what: &str) -> Result<juece_core::log::Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}
