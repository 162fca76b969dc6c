//! Reads: cases with their histories, listings, profiles.

use juece_core::event::{parse_event, Attributes, Case, CaseHeader, Event, Supplied};
use juece_core::ids::{Category, Status};
use rusqlite::OptionalExtension;

use crate::{Projection, Store, StoreError};

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

/// Parses the event out of a stored leaf's canonical bytes.
pub(crate) fn event_of(canonical: &[u8], case_ref: &str) -> Result<Event, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("case `{case_ref}`: {what}"));
    let value: serde_json::Value = serde_json::from_slice(canonical)
        .map_err(|e| corrupt(format!("event is not JSON: {e}")))?;
    let event = value
        .get("event")
        .ok_or_else(|| corrupt("stored leaf has no `event`".into()))?;
    parse_event(event, &Supplied::default())
        .map_err(|e| corrupt(format!("field `{}`: {}", e.field, e.message)))
}

impl Store {
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

    /// Whether a case with this reference exists.
    pub fn case_exists(&self, case_ref: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM cases WHERE ref = ?1", [case_ref], |_| Ok(()))
            .optional()?
            .is_some())
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
                    c.profile_version, c.attributes, e.canonical
             FROM cases c LEFT JOIN events e ON e.case_id = c.case_id
             {filter}
             ORDER BY c.ref, e.seq"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
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
            let Some(canonical) = r.get::<_, Option<Vec<u8>>>(9)? else {
                continue;
            };
            let Some(stored) = out.last_mut() else {
                continue;
            };
            let event = event_of(&canonical, &stored.case.header.case_ref)?;
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
