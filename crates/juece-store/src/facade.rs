//! [`Store`]: the one store interface the engine, the CLI and the server use, in front of two
//! backends — SQLite (a file, the embedded default) and PostgreSQL (a server).
//!
//! An enum, not a trait object: the backends are a closed set known here; the generic readers
//! (`visit_cases`, `map_cases`) would make a trait not object-safe; and a match costs nothing
//! next to a query. Each method forwards to the backend's method of the same name and signature,
//! so a method added to one backend fails to compile here until the other has it too.

use std::path::Path;

use juece_core::catalogue::Catalogue;
use juece_core::event::{Case, Event};
use juece_core::ids::Role;
use juece_core::profile::Profile;

use crate::pg::{PgImportTx, PgStore};
use crate::web::KeptAnswer;
use crate::write::SqliteImportTx;
use crate::{
    Anchor, AppendItem, Appended, CaseRow, CatalogueChainReport, CatalogueImport, CatalogueSummary,
    Difference, ImportSummary, ListFilter, Location, PreparedCase, Projection, RecordsReport,
    SessionRow, SqliteStore, StoreError, StoredCalendar, StoredCase, StoredCatalogue, TokenRow,
    UserRow, VerifyReport,
};

/// The database: SQLite or PostgreSQL, the same operations and guarantees on both.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteStore),
    Pg(PgStore),
}

/// Calls the same method on whichever backend this store is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(s) => s.$method($($arg),*),
            Backend::Pg(s) => s.$method($($arg),*),
        }
    };
}

macro_rules! dispatch_mut {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &mut $self.backend {
            Backend::Sqlite(s) => s.$method($($arg),*),
            Backend::Pg(s) => s.$method($($arg),*),
        }
    };
}

impl Store {
    /// Opens the database a `--db` value names: a PostgreSQL URL (`postgres://…`) or an SQLite
    /// file path (created if needed). Either way the schema is brought up to date (on an empty
    /// PostgreSQL database, created).
    pub fn open(db: &Path) -> Result<Store, StoreError> {
        Store::open_location(&Location::parse(db))
    }

    /// Opens the database at `location`.
    pub fn open_location(location: &Location) -> Result<Store, StoreError> {
        let backend = match location {
            Location::File(path) => Backend::Sqlite(SqliteStore::open(path)?),
            Location::Postgres { url, password } => {
                Backend::Pg(PgStore::open(url, password.as_deref())?)
            }
        };
        Ok(Store { backend })
    }

    /// Opens a connection for reading only, beside a writer that opened the database first
    /// (the server's readers): SQLite opens the file read-only; PostgreSQL opens a connection
    /// whose transactions are read-only.
    pub fn open_read_only(db: &Path) -> Result<Store, StoreError> {
        let backend = match Location::parse(db) {
            Location::File(path) => Backend::Sqlite(SqliteStore::open_read_only(&path)?),
            Location::Postgres { url, password } => {
                Backend::Pg(PgStore::open_read_only(&url, password.as_deref())?)
            }
        };
        Ok(Store { backend })
    }

    /// Opens a private in-memory SQLite database (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Sqlite(SqliteStore::open_in_memory()?),
        })
    }

    /// Copies this SQLite database, row for row, into `dest`, an empty PostgreSQL database (one
    /// transaction: all or nothing). Prove the copy by verifying `dest`.
    pub fn copy_into(&self, dest: &mut Store) -> Result<crate::CopySummary, StoreError> {
        match (&self.backend, &mut dest.backend) {
            (Backend::Sqlite(src), Backend::Pg(dest)) => dest.copy_from(src),
            _ => Err(StoreError::MigrateDirection),
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Pg(_))
    }

    /// SQLite: folds the write-ahead log into the file (see the backend). PostgreSQL has
    /// nothing to fold: `false`.
    pub fn fold_wal(&self) -> Result<bool, StoreError> {
        dispatch!(self.fold_wal())
    }

    /// Copies the whole database to the new file `dest` (SQLite's online backup). PostgreSQL
    /// refuses ([`StoreError::BackupUnsupported`]): `pg_dump` is its backup.
    pub fn backup_to(&self, dest: &Path) -> Result<i64, StoreError> {
        dispatch!(self.backup_to(dest))
    }

    /// The durability settings in force: `(journal mode, synchronous, lock wait in ms)`.
    pub fn durability(&self) -> Result<(String, i64, i64), StoreError> {
        dispatch!(self.durability())
    }

    /// Number of cases.
    pub fn case_count(&self) -> Result<u64, StoreError> {
        dispatch!(self.case_count())
    }

    /// Number of events.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        dispatch!(self.event_count())
    }

    /// Recomputes the catalogue chain and reports the first version where it fails.
    pub fn verify_catalogues(&self) -> Result<CatalogueChainReport, StoreError> {
        dispatch!(self.verify_catalogues())
    }

    /// Stores `cat` as the next version of its organ and year (unless it equals the latest).
    pub fn add_catalogue(
        &mut self,
        cat: &Catalogue,
        imported_at: &str,
    ) -> Result<CatalogueImport, StoreError> {
        dispatch_mut!(self.add_catalogue(cat, imported_at))
    }

    /// One version (the latest when `version` is `None`) of the catalogue of `organ` and `year`.
    pub fn catalogue(
        &self,
        organ: &str,
        year: i32,
        version: Option<u32>,
    ) -> Result<Option<StoredCatalogue>, StoreError> {
        dispatch!(self.catalogue(organ, year, version))
    }

    /// The latest version of every catalogue, ordered by organ and year.
    pub fn latest_catalogues(&self) -> Result<Vec<StoredCatalogue>, StoreError> {
        dispatch!(self.latest_catalogues())
    }

    /// Every organ and year with a catalogue, ordered by organ and year.
    pub fn list_catalogues(&self) -> Result<Vec<CatalogueSummary>, StoreError> {
        dispatch!(self.list_catalogues())
    }

    /// The stored profile texts, as `(origin, text)`, each checked against its record.
    pub fn profile_texts(&self) -> Result<Vec<(String, String)>, StoreError> {
        dispatch!(self.profile_texts())
    }

    /// One case with its history, or `None` when no case has this reference.
    pub fn load_case(&self, case_ref: &str) -> Result<Option<StoredCase>, StoreError> {
        dispatch!(self.load_case(case_ref))
    }

    /// Every case with its history, ordered by reference.
    pub fn load_all(&self) -> Result<Vec<StoredCase>, StoreError> {
        dispatch!(self.load_all())
    }

    /// Hands every case with its history to `f`, ordered by reference, a few thousand at a time.
    pub fn visit_cases<E: From<StoreError>>(
        &self,
        f: impl FnMut(Vec<StoredCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        dispatch!(self.visit_cases(f))
    }

    /// Every case, ordered by reference, parsed and handed to `f` on worker threads while this
    /// thread reads on; `f`'s results come back in the order of the cases.
    pub fn map_cases<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
    ) -> Result<Vec<R>, E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        dispatch!(self.map_cases(f))
    }

    /// [`Store::map_cases`], each chunk's results handed to `each` on this thread, in the order
    /// of the cases, as soon as they are done (a whole-database pass writes as it goes).
    pub fn map_cases_each<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        dispatch!(self.map_cases_each(f, each))
    }

    /// Every case through `f` on worker threads, the results handed to `each` in the order of
    /// the references; `f` answers `None` for a case it leaves out. SQLite reads the cases in
    /// the order of its file and holds up to 1 048 576 results to put them in order (a larger
    /// database is read once per window of that many): for a pass whose result per case is
    /// small (the audit).
    pub fn map_cases_gathered<R, E>(
        &self,
        f: impl Fn(StoredCase) -> Result<Option<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        dispatch!(self.map_cases_gathered(f, each))
    }

    /// The listing rows of the cases that pass `filter`, by reference, from the projection.
    pub fn list_cases(&self, filter: &ListFilter) -> Result<Vec<CaseRow>, StoreError> {
        dispatch!(self.list_cases(filter))
    }

    /// The records chain's size and head now.
    pub fn records_head(&self) -> Result<Anchor, StoreError> {
        dispatch!(self.records_head())
    }

    /// Stores a calendar document under `name` (one record); the same text again is a no-op.
    pub fn add_calendar(&mut self, name: &str, text: &str, at: &str) -> Result<bool, StoreError> {
        dispatch_mut!(self.add_calendar(name, text, at))
    }

    /// The stored calendar documents, in the order they were added.
    pub fn calendars(&self) -> Result<Vec<StoredCalendar>, StoreError> {
        dispatch!(self.calendars())
    }

    /// Recomputes the records chain and checks the tables it vouches for.
    pub fn verify_records(&self, anchor: Option<Anchor>) -> Result<RecordsReport, StoreError> {
        dispatch!(self.verify_records(anchor))
    }

    /// Adds a user, or adds roles to an existing one: the roles afterwards, and whether new.
    pub fn add_user(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<(Vec<Role>, bool), StoreError> {
        dispatch_mut!(self.add_user(name, roles, at))
    }

    /// Adds a user, or roles and organs to one (one record in the chain): the user afterwards,
    /// and whether new.
    pub fn add_user_in(
        &mut self,
        name: &str,
        roles: &[Role],
        organs: &[String],
        at: &str,
    ) -> Result<(UserRow, bool), StoreError> {
        dispatch_mut!(self.add_user_in(name, roles, organs, at))
    }

    /// A user with roles and organs (both checked against their record), or `None`.
    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        dispatch!(self.user(name))
    }

    /// A user's organs (empty: every organ; checked against their record), or `None`.
    pub fn user_organs(&self, name: &str) -> Result<Option<Vec<String>>, StoreError> {
        dispatch!(self.user_organs(name))
    }

    /// Every user with roles and organs, by name.
    pub fn user_rows(&self) -> Result<Vec<UserRow>, StoreError> {
        dispatch!(self.user_rows())
    }

    /// Takes organs from a user (chained): the organs left, or `None` for an unknown user.
    pub fn remove_organs(
        &mut self,
        name: &str,
        organs: &[String],
        at: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        dispatch_mut!(self.remove_organs(name, organs, at))
    }

    /// A user's roles (checked against their record), or `None` for an unknown user.
    pub fn user_roles(&self, name: &str) -> Result<Option<Vec<Role>>, StoreError> {
        dispatch!(self.user_roles(name))
    }

    /// Every user with their roles, by name.
    pub fn users(&self) -> Result<Vec<(String, Vec<Role>)>, StoreError> {
        dispatch!(self.users())
    }

    /// Removes a user (chained); whether they existed.
    pub fn remove_user(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        dispatch_mut!(self.remove_user(name, at))
    }

    /// Takes roles from a user (chained): the roles left, or `None` for an unknown user.
    pub fn remove_roles(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<Option<Vec<Role>>, StoreError> {
        dispatch_mut!(self.remove_roles(name, roles, at))
    }

    /// Sets a user's password hash and ends their sessions; `false` for an unknown user.
    pub fn set_password(&mut self, name: &str, hash: &str, at: &str) -> Result<bool, StoreError> {
        dispatch_mut!(self.set_password(name, hash, at))
    }

    /// A user's password hash, if one is set.
    pub fn password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self.password_hash(name))
    }

    /// Stores a new session.
    pub fn create_session(
        &mut self,
        id_hash: &str,
        name: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        dispatch_mut!(self.create_session(id_hash, name, csrf, now, expires_at))
    }

    /// The session with this id hash, if it has not expired at `now`.
    pub fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        dispatch!(self.session(id_hash, now))
    }

    /// Ends a session.
    pub fn delete_session(&mut self, id_hash: &str) -> Result<(), StoreError> {
        dispatch_mut!(self.delete_session(id_hash))
    }

    /// Stores a new API token for a known user.
    pub fn create_token(
        &mut self,
        token_id: &str,
        name: &str,
        secret_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        dispatch_mut!(self.create_token(token_id, name, secret_hash, at))
    }

    /// Every token, by user and creation time.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        dispatch!(self.tokens())
    }

    /// The token with this public id, revoked or not.
    pub fn token(&self, token_id: &str) -> Result<Option<TokenRow>, StoreError> {
        dispatch!(self.token(token_id))
    }

    /// Revokes a token; `false` when there is no such live token.
    pub fn revoke_token(&mut self, token_id: &str, at: &str) -> Result<bool, StoreError> {
        dispatch_mut!(self.revoke_token(token_id, at))
    }

    /// The kept answer (status, body) to `name`'s write with idempotency key `key`.
    pub fn idempotent_answer(
        &self,
        name: &str,
        key: &str,
    ) -> Result<Option<(u16, String)>, StoreError> {
        dispatch!(self.idempotent_answer(name, key))
    }

    /// Keeps the answer to a write with an idempotency key; drops those older than `keep_after`.
    pub fn keep_answer(
        &mut self,
        name: &str,
        key: &str,
        status: u16,
        body: &str,
        now: i64,
        keep_after: i64,
    ) -> Result<(), StoreError> {
        dispatch_mut!(self.keep_answer(name, key, status, body, now, keep_after))
    }

    /// The events a command id wrote: `(case ref, first seq, count)`, or `None` if unused.
    pub fn command_recorded(
        &self,
        command_id: &str,
    ) -> Result<Option<(String, usize, usize)>, StoreError> {
        dispatch!(self.command_recorded(command_id))
    }

    /// Remembers that `command_id` wrote `count` events of `case_ref` from `first_seq`.
    pub fn record_command(
        &mut self,
        command_id: &str,
        case_ref: &str,
        first_seq: usize,
        count: usize,
    ) -> Result<(), StoreError> {
        dispatch_mut!(self.record_command(command_id, case_ref, first_seq, count))
    }

    /// Stores a profile (chained); the same content again is a no-op (`false`).
    pub fn add_profile(&mut self, profile: &Profile) -> Result<bool, StoreError> {
        dispatch_mut!(self.add_profile(profile))
    }

    /// Writes whole new cases in one transaction: all of them or none.
    pub fn import<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a Profile, Projection)>,
    ) -> Result<ImportSummary, StoreError> {
        let mut import = self.begin_import()?;
        for (case, profile, projection) in cases {
            import.add(case, profile, &projection)?;
        }
        import.commit()
    }

    /// Starts an import: one transaction that cases are added to one by one and that writes
    /// nothing unless [`ImportTx::commit`] is reached (dropping it rolls back).
    pub fn begin_import(&mut self) -> Result<ImportTx<'_>, StoreError> {
        Ok(ImportTx {
            inner: match &mut self.backend {
                Backend::Sqlite(s) => ImportInner::Sqlite(s.begin_import()?),
                Backend::Pg(s) => ImportInner::Pg(s.begin_import()?),
            },
        })
    }

    /// Appends events to a case provided it still has exactly `expected_len` events
    /// (otherwise [`StoreError::Conflict`]), and refreshes its projection; with a `command_id`
    /// already recorded, writes nothing.
    pub fn append(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
    ) -> Result<Appended, StoreError> {
        dispatch_mut!(self.append(case_ref, expected_len, events, projection, command_id))
    }

    /// [`Store::append`], keeping `answer` (the server's idempotency answer to this write) in
    /// the same transaction: a retry never finds the events without their answer.
    pub fn append_answered(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
        command_id: Option<&str>,
        answer: Option<&KeptAnswer<'_>>,
    ) -> Result<Appended, StoreError> {
        dispatch_mut!(self.append_answered(
            case_ref,
            expected_len,
            events,
            projection,
            command_id,
            answer
        ))
    }

    /// Several appends in one transaction and one commit (group commit), each checked and
    /// written in a savepoint of its own, failing alone.
    pub fn append_batch(&mut self, items: &[AppendItem<'_>]) -> Vec<Result<Appended, StoreError>> {
        dispatch_mut!(self.append_batch(items))
    }

    /// The log's size and head hash now.
    pub fn head(&self) -> Result<Anchor, StoreError> {
        dispatch!(self.head())
    }

    /// Recomputes the whole chain in global order and reports the first event that differs
    /// from what was hashed; with `anchor`, also whether the log still extends it.
    pub fn verify(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        dispatch!(self.verify(anchor))
    }

    /// The database's own check of its storage (SQLite's integrity check; PostgreSQL keeps its
    /// own pages and reports nothing here).
    pub fn integrity(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self.integrity())
    }
}

/// An import in progress: see [`Store::begin_import`].
pub struct ImportTx<'a> {
    inner: ImportInner<'a>,
}

enum ImportInner<'a> {
    Sqlite(SqliteImportTx<'a>),
    Pg(PgImportTx<'a>),
}

impl ImportTx<'_> {
    /// Compares a prepared case with the stored case of the same reference: `None` when there
    /// is none, `Some(None)` when identical, `Some(Some(difference))` otherwise.
    pub fn compare_prepared(
        &self,
        case: &PreparedCase,
    ) -> Result<Option<Option<Difference>>, StoreError> {
        match &self.inner {
            ImportInner::Sqlite(t) => t.compare_prepared(case),
            ImportInner::Pg(t) => t.compare_prepared(case),
        }
    }

    /// Adds a whole new case: its row, its events (extending the chain) and its projection.
    pub fn add(
        &mut self,
        case: &Case,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        self.add_prepared(
            &PreparedCase::new(case, &profile.pinned()),
            profile,
            projection,
        )
    }

    /// Adds a case whose leaves were computed beforehand (possibly on another thread).
    pub fn add_prepared(
        &mut self,
        case: &PreparedCase,
        profile: &Profile,
        projection: &Projection,
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            ImportInner::Sqlite(t) => t.add_prepared(case, profile, projection),
            ImportInner::Pg(t) => t.add_prepared(case, profile, projection),
        }
    }

    /// Commits everything added.
    pub fn commit(self) -> Result<ImportSummary, StoreError> {
        match self.inner {
            ImportInner::Sqlite(t) => t.commit(),
            ImportInner::Pg(t) => t.commit(),
        }
    }
}
