//! Verification on PostgreSQL: the rows are read here, the chain is recomputed and checked by
//! the same code as SQLite's (`crate::verify::verify_chain`), so the same history gives the
//! same head and the same first failure.

use juece_core::log::GENESIS;
use postgres::fallible_iterator::FallibleIterator;

use super::{hash_of, PgStore};
use crate::verify::batch::{CaseRow, Feed, RowMeta};
use crate::verify::cases::Cases;
use crate::verify::{verify_chain, ChainSource};
use crate::{Anchor, StoreError, VerifyFailure, VerifyReport};

impl PgStore {
    /// The log's size and head hash now.
    pub(crate) fn head(&self) -> Result<Anchor, StoreError> {
        let r = self.client()?.query_one(
            "SELECT (SELECT count(*) FROM events), (SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1)",
            &[],
        )?;
        let size: i64 = r.get(0);
        let head = match r.get::<_, Option<Vec<u8>>>(1) {
            None => GENESIS,
            Some(h) => hash_of(h, "the last chain hash")?,
        };
        Ok(Anchor {
            size: size as u64,
            head,
        })
    }

    /// Recomputes the whole chain in global order; with `anchor`, also whether the log still
    /// extends it. Damage is what the projection's counts disagree with: counted again in one
    /// statement only when they disagree with the events the chain found.
    pub(crate) fn verify(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        let (mut report, counts_agree) = verify_chain(self, anchor)?;
        if !counts_agree {
            report.damage = self.check_counts()?;
        }
        Ok(report)
    }

    /// Every case has as many events as its projection counts.
    fn check_counts(&self) -> Result<Vec<String>, StoreError> {
        let rows = self.client()?.query(
            "SELECT c.ref, p.last_seq, (SELECT count(*) FROM events e WHERE e.case_id = c.case_id)
             FROM cases c JOIN case_projection p ON p.case_id = c.case_id
             WHERE p.last_seq + 1 != (SELECT count(*) FROM events e WHERE e.case_id = c.case_id)
             ORDER BY c.ref LIMIT 100",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                format!(
                    "case `{}` should have {} events but the database holds {}: reads of it would lose events",
                    r.get::<_, String>(0),
                    r.get::<_, i64>(1) + 1,
                    r.get::<_, i64>(2)
                )
            })
            .collect())
    }

    /// The `cases` table in id order, into batches.
    fn read_cases(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let no_params: [&str; 0] = [];
        let mut rows = c.query_raw(
            "SELECT case_id, ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes, catalogue FROM cases ORDER BY case_id",
            no_params,
        )?;
        let Some(mut batch) = feed.take() else {
            return Ok(());
        };
        while let Some(r) = rows.next()? {
            let mut ends = [0; 7];
            for (end, i) in ends.iter_mut().zip([1, 8, 2, 3, 4, 5, 6]) {
                batch
                    .case_bytes
                    .extend_from_slice(r.try_get::<_, &str>(i)?.as_bytes());
                *end = batch.case_bytes.len();
            }
            batch.cases.push(CaseRow {
                case_id: r.try_get(0)?,
                profile_version: r.try_get(7)?,
                ends,
                catalogue: r.try_get(9)?,
            });
            if !feed.pass_if_full(&mut batch) {
                return Ok(());
            }
        }
        feed.send(batch);
        Ok(())
    }

    /// The events in global order, into batches.
    fn read_events(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let no_params: [&str; 0] = [];
        let mut rows = c.query_raw(
            "SELECT event_id, case_id, seq, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id",
            no_params,
        )?;
        let Some(mut batch) = feed.take() else {
            return Ok(());
        };
        while let Some(r) = rows.next()? {
            let event_id: i64 = r.try_get(0)?;
            let case_id: i64 = r.try_get(1)?;
            let seq: i64 = r.try_get(2)?;
            batch.bytes.extend_from_slice(r.try_get::<_, &[u8]>(3)?);
            let canonical_end = batch.bytes.len();
            batch.bytes.extend_from_slice(r.try_get::<_, &[u8]>(4)?);
            let leaf_end = batch.bytes.len();
            batch.bytes.extend_from_slice(r.try_get::<_, &[u8]>(5)?);
            batch.rows.push(RowMeta {
                event_id,
                case_id,
                seq,
                canonical_end,
                leaf_end,
                chain_end: batch.bytes.len(),
            });
            if !feed.pass_if_full(&mut batch) {
                return Ok(());
            }
        }
        feed.send(batch);
        Ok(())
    }
}

impl ChainSource for PgStore {
    /// Every case first, then the events: a connection streams one query at a time.
    fn read_rows(&self, feed: &mut Feed<'_>) -> Result<(), StoreError> {
        self.read_cases(feed)?;
        self.read_events(feed)
    }

    fn check_cases(&self, cases: &Cases) -> Result<Option<VerifyFailure>, StoreError> {
        let rows = self
            .client()?
            .query("SELECT case_id, ref FROM cases ORDER BY ref", &[])?;
        for r in rows {
            let case_id: i64 = r.get(0);
            if cases.get(case_id).is_none_or(|c| c.next_seq <= 0) {
                return Ok(Some(VerifyFailure {
                    position: None,
                    case_ref: Some(r.get(1)),
                    seq: None,
                    what: "the case has no events: its history was removed".into(),
                }));
            }
        }
        Ok(None)
    }

    fn projection_agrees(&self, cases: &Cases) -> Result<bool, StoreError> {
        let mut c = self.client()?;
        let no_params: [&str; 0] = [];
        let mut rows = c.query_raw("SELECT case_id, last_seq FROM case_projection", no_params)?;
        while let Some(r) = rows.next()? {
            if !cases.counted(r.try_get(0)?, r.try_get(1)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
