//! SQLite persistence for juece: profiles, cases, the append-only event log and a case
//! projection, behind a versioned schema.
//!
//! The program only ever inserts events (triggers refuse updates and deletes). Every write is one
//! transaction: an import writes all its cases or none.
//!
//! ```
//! let store = juece_store::Store::open_in_memory().unwrap();
//! assert_eq!(store.case_count().unwrap(), 0);
//! ```

use std::path::Path;

use juece_core::event::Event;
use juece_core::event::{parse_event, Attributes, Case, CaseHeader, Supplied};
use juece_core::ids::{Category, Role, Status};
use juece_core::profile::Profile;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

mod migrations;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// A stored row cannot be read back.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
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

/// One case in a listing.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// The reference.
    pub case_ref: String,
    /// The title.
    pub title: String,
    /// `id@version`.
    pub workflow: String,
    /// The projection.
    pub projection: Projection,
    /// The time of the last event, RFC 3339.
    pub last_at: String,
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
}

impl StoredCase {
    /// `id@version`.
    pub fn pinned(&self) -> String {
        format!("{}@{}", self.profile_id, self.profile_version)
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Cases written.
    pub cases: usize,
    /// Events written.
    pub events: usize,
}

/// The database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Store::setup(conn, true)
    }

    /// Opens a private in-memory database (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::setup(Connection::open_in_memory()?, false)
    }

    fn setup(conn: Connection, wal: bool) -> Result<Store, StoreError> {
        // The busy timeout comes first, so that switching to WAL waits for other writers too.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if wal {
            let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        migrations::migrate(&mut store.conn)?;
        Ok(store)
    }

    fn write_tx(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// The stored profile texts, as `(origin, text)`.
    pub fn profile_texts(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, version, content FROM profiles ORDER BY id, version")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                format!(
                    "{}@{} (stored)",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?
                ),
                r.get::<_, String>(2)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a profile (one transaction). Storing the same content again is a no-op.
    pub fn add_profile(&mut self, profile: &Profile) -> Result<bool, StoreError> {
        let tx = self.write_tx()?;
        let added = put_profile(&tx, profile)?;
        tx.commit()?;
        Ok(added)
    }

    /// Whether a case with this reference exists.
    pub fn case_exists(&self, case_ref: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM cases WHERE ref = ?1", [case_ref], |_| Ok(()))
            .optional()?
            .is_some())
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

    /// Writes whole cases in one transaction: all of them or, on any error, none.
    /// Each comes with the profile it is pinned to and its projection.
    pub fn import<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a Case, &'a Profile, Projection)>,
    ) -> Result<ImportSummary, StoreError> {
        let tx = self.write_tx()?;
        let mut summary = ImportSummary::default();
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM cases WHERE ref = ?1")?;
            let mut insert_case = tx.prepare_cached(
                "INSERT INTO cases (ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut insert_event = tx.prepare_cached(
                "INSERT INTO events (case_id, seq, type, at, actor, role, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut seen_profiles: Vec<String> = Vec::new();
            for (case, profile, projection) in cases {
                let h = &case.header;
                if exists.exists([&h.case_ref])? {
                    return Err(StoreError::CaseExists(h.case_ref.clone()));
                }
                if !seen_profiles.contains(&profile.pinned()) {
                    put_profile(&tx, profile)?;
                    seen_profiles.push(profile.pinned());
                }
                let attributes = serde_json::to_string(&h.attributes)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                insert_case.execute(params![
                    h.case_ref,
                    h.title,
                    h.organ,
                    h.undertaking_unit,
                    h.category.as_str(),
                    profile.id(),
                    profile.version(),
                    attributes
                ])?;
                let case_id = tx.last_insert_rowid();
                for (seq, event) in case.events.iter().enumerate() {
                    let payload = event.to_json().to_string();
                    insert_event.execute(params![
                        case_id,
                        seq as i64,
                        event.body.type_name(),
                        event.at.to_rfc3339(),
                        event.actor,
                        event.role.as_str(),
                        payload
                    ])?;
                }
                let last = case
                    .events
                    .last()
                    .map(|e| e.at.to_rfc3339())
                    .unwrap_or_default();
                put_projection(
                    &tx,
                    case_id,
                    case.events.len() as i64 - 1,
                    &last,
                    &projection,
                )?;
                summary.cases += 1;
                summary.events += case.events.len();
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Appends events to a case in one `BEGIN IMMEDIATE` transaction, provided the case still
    /// has exactly `expected_len` events (the history the caller checked them against), and
    /// refreshes its projection. Otherwise nothing is written: [`StoreError::Conflict`].
    pub fn append(
        &mut self,
        case_ref: &str,
        expected_len: usize,
        events: &[Event],
        projection: &Projection,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        let (case_id, len): (i64, i64) = tx
            .query_row(
                "SELECT c.case_id, (SELECT count(*) FROM events e WHERE e.case_id = c.case_id)
                 FROM cases c WHERE c.ref = ?1",
                [case_ref],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownCase(case_ref.to_owned()))?;
        if len as usize != expected_len {
            return Err(StoreError::Conflict {
                case_ref: case_ref.to_owned(),
                expected: expected_len,
                found: len as usize,
            });
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (case_id, seq, type, at, actor, role, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (i, event) in events.iter().enumerate() {
                insert.execute(params![
                    case_id,
                    len + i as i64,
                    event.body.type_name(),
                    event.at.to_rfc3339(),
                    event.actor,
                    event.role.as_str(),
                    event.to_json().to_string()
                ])?;
            }
        }
        let last_at = events.last().map(|e| e.at.to_rfc3339()).unwrap_or_default();
        put_projection(
            &tx,
            case_id,
            len + events.len() as i64 - 1,
            &last_at,
            projection,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Adds a user, or adds roles to an existing one. Returns the user's roles afterwards and
    /// whether the user is new.
    pub fn add_user(
        &mut self,
        name: &str,
        roles: &[Role],
        at: &str,
    ) -> Result<(Vec<Role>, bool), StoreError> {
        let tx = self.write_tx()?;
        let existing: Option<String> = tx
            .query_row("SELECT roles FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let is_new = existing.is_none();
        let mut all = match existing {
            Some(text) => parse_roles(name, &text)?,
            None => Vec::new(),
        };
        for r in roles {
            if !all.contains(r) {
                all.push(*r);
            }
        }
        let text = serde_json::to_string(&all.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO users (name, roles, added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET roles = excluded.roles",
            params![name, text, at],
        )?;
        tx.commit()?;
        Ok((all, is_new))
    }

    /// A user's roles, or `None` for an unknown user.
    pub fn user_roles(&self, name: &str) -> Result<Option<Vec<Role>>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT roles FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        text.map(|t| parse_roles(name, &t)).transpose()
    }

    /// Every user with their roles, by name.
    pub fn users(&self) -> Result<Vec<(String, Vec<Role>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, roles FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, text) = row?;
            let roles = parse_roles(&name, &text)?;
            out.push((name, roles));
        }
        Ok(out)
    }

    /// Every case reference, in order.
    pub fn case_refs(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT ref FROM cases ORDER BY ref")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
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
        let filter = if case_ref.is_some() {
            "WHERE c.ref = ?1"
        } else {
            "WHERE ?1 IS NULL"
        };
        let sql = format!(
            "SELECT c.case_id, c.ref, c.title, c.organ, c.undertaking_unit, c.category, c.profile_id,
                    c.profile_version, c.attributes, e.seq, e.payload
             FROM cases c LEFT JOIN events e ON e.case_id = c.case_id
             {filter}
             ORDER BY c.ref, e.seq"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([case_ref])?;
        let mut out: Vec<StoredCase> = Vec::new();
        let mut current_id: Option<i64> = None;
        while let Some(r) = rows.next()? {
            let case_id: i64 = r.get(0)?;
            if current_id != Some(case_id) {
                current_id = Some(case_id);
                let case_ref: String = r.get(1)?;
                let category: String = r.get(5)?;
                let attributes: String = r.get(8)?;
                let corrupt =
                    |what: &str| StoreError::Corrupt(format!("case `{case_ref}`: {what}"));
                out.push(StoredCase {
                    case: Case {
                        header: CaseHeader {
                            title: r.get(2)?,
                            organ: r.get(3)?,
                            undertaking_unit: r.get(4)?,
                            category: Category::parse(&category).ok_or_else(|| {
                                corrupt(&format!("unknown category `{category}`"))
                            })?,
                            workflow: format!("{}@{}", r.get::<_, String>(6)?, r.get::<_, i64>(7)?),
                            attributes: serde_json::from_str::<Attributes>(&attributes)
                                .map_err(|e| corrupt(&format!("attributes: {e}")))?,
                            case_ref: case_ref.clone(),
                        },
                        events: Vec::new(),
                    },
                    profile_id: r.get(6)?,
                    profile_version: r.get::<_, i64>(7)? as u32,
                });
            }
            let Some(payload) = r.get::<_, Option<String>>(10)? else {
                continue;
            };
            let seq: i64 = r.get(9)?;
            let Some(stored) = out.last_mut() else {
                continue;
            };
            let value: serde_json::Value = serde_json::from_str(&payload).map_err(|e| {
                StoreError::Corrupt(format!(
                    "case `{}` event {seq}: {e}",
                    stored.case.header.case_ref
                ))
            })?;
            let event = parse_event(&value, &Supplied::default()).map_err(|e| {
                StoreError::Corrupt(format!(
                    "case `{}` event {seq}, field `{}`: {}",
                    stored.case.header.case_ref, e.field, e.message
                ))
            })?;
            stored.case.events.push(event);
        }
        Ok(out)
    }

    /// Every case's listing row, by reference, from the projection (no history is replayed).
    pub fn list_cases(&self) -> Result<Vec<CaseRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.ref, c.title, c.profile_id, c.profile_version, p.status, p.has_skipped, p.has_override,
                    p.violations, p.warnings, p.last_at
             FROM cases c JOIN case_projection p ON p.case_id = c.case_id ORDER BY c.ref",
        )?;
        let mut rows = stmt.query([])?;
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
                case_ref,
            });
        }
        Ok(out)
    }
}

fn parse_roles(name: &str, text: &str) -> Result<Vec<Role>, StoreError> {
    let ids: Vec<String> = serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("user `{name}`: roles: {e}")))?;
    ids.iter()
        .map(|id| {
            Role::parse(id)
                .ok_or_else(|| StoreError::Corrupt(format!("user `{name}`: unknown role `{id}`")))
        })
        .collect()
}

fn put_profile(tx: &Transaction<'_>, profile: &Profile) -> Result<bool, StoreError> {
    let content = serde_json::to_string_pretty(profile.file())
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let existing: Option<String> = tx
        .query_row(
            "SELECT content FROM profiles WHERE id = ?1 AND version = ?2",
            params![profile.id(), profile.version()],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(c) if c == content => Ok(false),
        Some(_) => Err(StoreError::ProfileConflict(profile.pinned())),
        None => {
            tx.execute(
                "INSERT INTO profiles (id, version, content) VALUES (?1, ?2, ?3)",
                params![profile.id(), profile.version(), content],
            )?;
            Ok(true)
        }
    }
}

fn put_projection(
    tx: &Transaction<'_>,
    case_id: i64,
    last_seq: i64,
    last_at: &str,
    p: &Projection,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO case_projection (case_id, status, last_seq, last_at, has_skipped, has_override, violations, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, last_seq = excluded.last_seq,
             last_at = excluded.last_at, has_skipped = excluded.has_skipped, has_override = excluded.has_override,
             violations = excluded.violations, warnings = excluded.warnings",
    )?
    .execute(params![
        case_id,
        p.status.as_str(),
        last_seq,
        last_at,
        p.has_skipped,
        p.has_override,
        p.violations,
        p.warnings
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests;
