//! Reads on PostgreSQL: cases with their histories (parsed by the same code as SQLite's),
//! listings, profiles.

use std::collections::HashMap;

use juece_core::ids::Status;
use postgres::types::Type;

use super::PgStore;
use crate::read::{parse_chunk, RawCase, CHUNK};
use crate::{CaseRow, ListFilter, Projection, StoreError, StoredCase};

impl PgStore {
    /// The stored profile texts, each checked against its record in the chain.
    pub(crate) fn profile_texts(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut c = self.client()?;
        let rows = c.query(
            "SELECT id, version, content FROM profiles ORDER BY id, version",
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (id, version, content): (String, i64, String) = (r.get(0), r.get(1), r.get(2));
            let pinned = format!("{id}@{version}");
            let recorded =
                super::records::latest_body(&mut *c, crate::records::KIND_PROFILE, &pinned)?;
            let same = recorded
                .as_ref()
                .and_then(|b| b.get("content"))
                .and_then(serde_json::Value::as_str)
                == Some(content.as_str());
            if !same {
                return Err(StoreError::Corrupt(format!(
                    "the stored profile `{pinned}` is not the text its record in the chain holds: it was changed outside juece; run `juece verify`"
                )));
            }
            out.push((format!("{pinned} (stored)"), content));
        }
        Ok(out)
    }

    /// One case with its history.
    pub(crate) fn load_case(&self, case_ref: &str) -> Result<Option<StoredCase>, StoreError> {
        let mut out = Vec::new();
        self.read_chunks(Some(case_ref), |chunk| {
            out.extend(parse_chunk(chunk)?);
            Ok::<(), StoreError>(())
        })?;
        Ok(out.pop())
    }

    /// Every case with its history, ordered by reference.
    pub(crate) fn load_all(&self) -> Result<Vec<StoredCase>, StoreError> {
        let mut out = Vec::new();
        self.visit_cases(|chunk| {
            out.extend(chunk);
            Ok::<(), StoreError>(())
        })?;
        Ok(out)
    }

    /// Hands every case to `f`, ordered by reference, a few thousand at a time.
    pub(crate) fn visit_cases<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(Vec<StoredCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.read_chunks(None, |chunk| {
            let n = chunk.len() as u64;
            let parsed = parse_chunk(chunk)?;
            crate::progress::advance(n);
            f(parsed)
        })
    }

    /// Every case, ordered by reference, through `f`; the results in the order of the cases.
    pub(crate) fn map_cases<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
    ) -> Result<Vec<R>, E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        let mut out = Vec::new();
        self.map_cases_each(f, |done| {
            out.extend(done);
            Ok(())
        })?;
        Ok(out)
    }

    /// Every case, ordered by reference, through `f`, each chunk's results handed to `each` as
    /// soon as they are done: parsed and put through `f` on two worker threads while this
    /// thread waits for the server's next chunk, as on SQLite.
    pub(crate) fn map_cases_each<R, E>(
        &self,
        f: impl Fn(Vec<StoredCase>) -> Result<Vec<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        crate::read::map_chunks_each(
            |read| self.read_chunks(None, read),
            |half| crate::read::parse_all(half).map_err(E::from).and_then(&f),
            each,
        )
    }

    /// Every case through `f`, the results handed to `each` in the order of the references
    /// ([`crate::SqliteStore::map_cases_gathered`]): the server reads in that order already.
    pub(crate) fn map_cases_gathered<R, E>(
        &self,
        f: impl Fn(StoredCase) -> Result<Option<R>, E> + Sync,
        each: impl FnMut(Vec<R>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        R: Send,
        E: From<StoreError> + Send,
    {
        self.map_cases_each(
            |chunk| {
                let mut out = Vec::with_capacity(chunk.len());
                for case in chunk {
                    out.extend(f(case)?);
                }
                Ok(out)
            },
            each,
        )
    }

    /// Reads the cases (or the one `case_ref`) by reference, a chunk at a time: each chunk's
    /// cases, then their events. The connection is free again before `f` runs.
    fn read_chunks<E: From<StoreError>>(
        &self,
        case_ref: Option<&str>,
        mut f: impl FnMut(Vec<RawCase>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut after: Option<String> = None;
        loop {
            let chunk = self.read_chunk(case_ref, after.as_deref())?;
            let Some(last) = chunk.last() else {
                return Ok(());
            };
            after = Some(last.case_ref.clone());
            let full = chunk.len() >= CHUNK;
            f(chunk)?;
            if !full || case_ref.is_some() {
                return Ok(());
            }
        }
    }

    /// Up to `CHUNK` cases after the reference `after` (from the first when `None`).
    fn read_chunk(
        &self,
        case_ref: Option<&str>,
        after: Option<&str>,
    ) -> Result<Vec<RawCase>, StoreError> {
        let mut c = self.client()?;
        // Typed queries: one round trip each, nothing prepared first (a case page reads one).
        let rows = c.query_typed(
            "SELECT c.case_id, c.ref, c.title, c.organ, c.undertaking_unit, c.category, c.profile_id,
                    c.profile_version, c.attributes, c.catalogue, p.last_seq,
                    p.status, p.has_skipped, p.has_override, p.violations, p.warnings
             FROM cases c LEFT JOIN case_projection p ON p.case_id = c.case_id
             WHERE ($1::text IS NULL OR c.ref = $1) AND ($2::text IS NULL OR c.ref > $2)
             ORDER BY c.ref LIMIT $3",
            &[
                (&case_ref, Type::TEXT),
                (&after, Type::TEXT),
                (&(CHUNK as i64), Type::INT8),
            ],
        )?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut chunk = Vec::with_capacity(rows.len());
        let mut slot = HashMap::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.get(0);
            slot.insert(id, chunk.len());
            ids.push(id);
            chunk.push(RawCase {
                case_ref: r.get(1),
                title: r.get(2),
                organ: r.get(3),
                undertaking_unit: r.get(4),
                category: r.get(5),
                profile_id: r.get(6),
                profile_version: r.get(7),
                attributes: r.get(8),
                catalogue: r.get(9),
                leaves: crate::read::Leaves::default(),
                stored_count: r.get::<_, Option<i64>>(10).map(|last| last + 1),
                rank: 0,
                projection: r.get::<_, Option<String>>(11).map(|status| {
                    let count = |i: usize| {
                        u32::try_from(r.get::<_, Option<i64>>(i).unwrap_or_default())
                            .unwrap_or(u32::MAX)
                    };
                    crate::read::RawProjection {
                        status: Status::parse(&status).ok_or(status),
                        has_skipped: r.get::<_, Option<bool>>(12).unwrap_or_default(),
                        has_override: r.get::<_, Option<bool>>(13).unwrap_or_default(),
                        violations: count(14),
                        warnings: count(15),
                    }
                }),
            });
        }
        if ids.is_empty() {
            return Ok(chunk);
        }
        let events = c.query_typed(
            "SELECT case_id, seq, canonical FROM events WHERE case_id = ANY($1) ORDER BY case_id, seq",
            &[(&ids, Type::INT8_ARRAY)],
        )?;
        for r in &events {
            let id: i64 = r.get(0);
            let Some(raw) = slot.get(&id).and_then(|&i| chunk.get_mut(i)) else {
                continue;
            };
            let seq: i64 = r.get(1);
            let expected = raw.leaves.len() as i64;
            if seq != expected {
                return Err(StoreError::Gap {
                    case_ref: raw.case_ref.clone(),
                    missing_seq: expected,
                });
            }
            raw.leaves.push(r.get::<_, &[u8]>(2));
        }
        for raw in &chunk {
            raw.check_whole()?;
        }
        Ok(chunk)
    }

    /// The listing rows of the cases that pass `filter`, by reference, from the projection.
    pub(crate) fn list_cases(&self, filter: &ListFilter) -> Result<Vec<CaseRow>, StoreError> {
        let mut conditions = vec!["($1::text IS NULL OR p.status = $1)"];
        if filter.skipped {
            conditions.push("p.has_skipped");
        }
        if filter.overridden {
            conditions.push("p.has_override");
        }
        let sql = format!(
            "SELECT c.ref, c.title, c.profile_id, c.profile_version, p.status, p.has_skipped, p.has_override,
                    p.violations, p.warnings, p.last_at, c.organ
             FROM case_projection p JOIN cases c ON c.case_id = p.case_id
             WHERE {} ORDER BY c.ref",
            conditions.join(" AND ")
        );
        let status = filter.status.map(|s| s.as_str());
        let rows = self.client()?.query(&sql, &[&status])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let case_ref: String = r.get(0);
            let status: String = r.get(4);
            let status = Status::parse(&status).ok_or_else(|| {
                StoreError::Corrupt(format!("case `{case_ref}`: unknown status `{status}`"))
            })?;
            let count = |i: usize| u32::try_from(r.get::<_, i64>(i)).unwrap_or(u32::MAX);
            out.push(CaseRow {
                title: r.get(1),
                workflow: format!("{}@{}", r.get::<_, String>(2), r.get::<_, i64>(3)),
                projection: Projection {
                    status,
                    has_skipped: r.get(5),
                    has_override: r.get(6),
                    violations: count(7),
                    warnings: count(8),
                },
                last_at: r.get(9),
                organ: r.get(10),
                case_ref,
            });
        }
        Ok(out)
    }
}
