//! Verification of the hash chain (`juece-log/1`, docs/log-format.md), optionally against a
//! checkpoint: a log size and the chain hash at that size, signed and kept outside the office.

use std::collections::HashMap;

use juece_core::log::{chain_hash, hex, leaf_hash, Hash, GENESIS};
use serde_json::Value;

use crate::{Store, StoreError};

/// A trusted statement of the log: its size and head hash at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Number of events.
    pub size: u64,
    /// Chain hash of the `size`-th event (genesis for 0).
    pub head: Hash,
}

/// The first event at which the stored log stops being what was hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// Position in the global order, 1-based (`None` for a problem not tied to one row).
    pub position: Option<u64>,
    /// The case, when known.
    pub case_ref: Option<String>,
    /// The sequence number within the case, when known.
    pub seq: Option<i64>,
    /// What differs.
    pub what: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events in the log.
    pub events: u64,
    /// Cases in the database.
    pub cases: u64,
    /// The chain hash of the last event.
    pub head: Hash,
    /// The first failure, if any.
    pub failure: Option<VerifyFailure>,
    /// With a checkpoint: how many events it anchors (all of them when the log extends it).
    pub anchored: Option<u64>,
    /// With a checkpoint: events after it, not yet anchored.
    pub unanchored: u64,
}

impl VerifyReport {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// Rows hashed together, on all cores.
const BATCH: usize = 8192;

/// The leaf hashes of a batch of rows, computed on up to two threads.
fn leaf_hashes(batch: &[Row]) -> Vec<Hash> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(2);
    if threads < 2 || batch.len() < 256 {
        return batch.iter().map(|r| leaf_hash(&r.canonical)).collect();
    }
    let (a, b) = batch.split_at(batch.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            b.iter()
                .map(|r| leaf_hash(&r.canonical))
                .collect::<Vec<_>>()
        });
        let mut out: Vec<Hash> = a.iter().map(|r| leaf_hash(&r.canonical)).collect();
        match second.join() {
            Ok(rest) => out.extend(rest),
            // A hashing thread cannot panic; were it to, hash the half here.
            Err(_) => out.extend(b.iter().map(|r| leaf_hash(&r.canonical))),
        }
        out
    })
}

struct Row {
    event_id: i64,
    case_id: i64,
    case_ref: Option<String>,
    seq: i64,
    canonical: Vec<u8>,
    leaf: Vec<u8>,
    chain: Vec<u8>,
}

impl Store {
    /// The log's size and head hash now.
    pub fn head(&self) -> Result<Anchor, StoreError> {
        let (size, head): (i64, Option<Vec<u8>>) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM events), (SELECT chain_hash FROM events ORDER BY event_id DESC LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let head = match head {
            None => GENESIS,
            Some(h) => h
                .try_into()
                .map_err(|_| StoreError::Corrupt("the last chain hash is not 32 bytes".into()))?,
        };
        Ok(Anchor {
            size: size as u64,
            head,
        })
    }

    /// Recomputes the whole chain in global order and reports the first event that differs
    /// from what was hashed; with `anchor`, also whether the log still extends it.
    pub fn verify(&self, anchor: Option<Anchor>) -> Result<VerifyReport, StoreError> {
        let headers = self.case_headers()?;
        // A scan in append order (the rowid), without a join: the case of each row comes from
        // `headers`, loaded once.
        let mut stmt = self.conn.prepare(
            "SELECT event_id, case_id, seq, canonical, leaf_hash, chain_hash FROM events ORDER BY event_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS;
        let mut position: u64 = 0;
        let mut failure: Option<VerifyFailure> = None;
        let mut anchored: Option<u64> = None;
        let mut next_seq: HashMap<i64, i64> = HashMap::new();
        if let Some(a) = anchor {
            if a.size == 0 {
                anchored = Some(0);
                if a.head != GENESIS {
                    failure = Some(fail(
                        None,
                        None,
                        None,
                        "the checkpoint of an empty log has a non-zero head".into(),
                    ));
                }
            }
        }
        let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            while batch.len() < BATCH {
                let Some(r) = rows.next()? else { break };
                let case_id: i64 = r.get(1)?;
                batch.push(Row {
                    event_id: r.get(0)?,
                    case_id,
                    case_ref: headers.get(&case_id).map(|(r, _)| r.clone()),
                    seq: r.get(2)?,
                    canonical: r.get(3)?,
                    leaf: r.get(4)?,
                    chain: r.get(5)?,
                });
            }
            if batch.is_empty() {
                break;
            }
            // Leaf hashes are independent of each other: compute them on every core; the chain
            // that links them is sequential and cheap.
            let leaves = leaf_hashes(&batch);
            for (row, leaf) in batch.iter().zip(&leaves) {
                position += 1;
                let chain = chain_hash(&prev, leaf);
                if failure.is_none() {
                    failure = check_row(row, position, leaf, &chain, &headers, &mut next_seq);
                }
                prev = chain;
                if let Some(a) = anchor {
                    if position == a.size {
                        if chain == a.head {
                            anchored = Some(a.size);
                        } else if failure.is_none() {
                            failure = Some(fail(
                                Some(position),
                                row.case_ref.clone(),
                                Some(row.seq),
                                format!(
                                    "the log no longer extends the checkpoint: the chain hash at size {} is {}, the checkpoint says {}; an event at or before this position was changed, dropped, inserted or reordered",
                                    a.size,
                                    hex(&chain),
                                    hex(&a.head)
                                ),
                            ));
                        }
                    }
                }
            }
        }
        let events = position;
        if failure.is_none() {
            failure = self.check_cases(&next_seq)?;
        }
        if let Some(a) = anchor {
            if a.size > events && failure.is_none() {
                failure = Some(fail(
                    None,
                    None,
                    None,
                    format!(
                        "the log has {events} events but the checkpoint anchors {}: events were removed from the end",
                        a.size
                    ),
                ));
            }
        }
        let unanchored = match anchor {
            Some(a) if a.size <= events => events - a.size,
            _ => 0,
        };
        Ok(VerifyReport {
            events,
            cases: headers.len() as u64,
            head: prev,
            failure,
            anchored,
            unanchored,
        })
    }

    /// Each case's header as chained with its first event, by case id.
    fn case_headers(&self) -> Result<HashMap<i64, (String, Value)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT case_id, ref, title, organ, undertaking_unit, category, profile_id, profile_version, attributes FROM cases",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let case_ref: String = r.get(1)?;
            let attributes: String = r.get(8)?;
            let attributes: Value =
                serde_json::from_str(&attributes).unwrap_or(Value::String(attributes));
            let header = serde_json::json!({
                "ref": case_ref,
                "title": r.get::<_, String>(2)?,
                "organ": r.get::<_, String>(3)?,
                "undertaking_unit": r.get::<_, String>(4)?,
                "category": r.get::<_, String>(5)?,
                "workflow": format!("{}@{}", r.get::<_, String>(6)?, r.get::<_, i64>(7)?),
                "attributes": attributes,
            });
            out.insert(r.get::<_, i64>(0)?, (case_ref, header));
        }
        Ok(out)
    }

    /// Every case has its history, starting at 0 with no gap (a dropped case or tail shows here).
    fn check_cases(
        &self,
        next_seq: &HashMap<i64, i64>,
    ) -> Result<Option<VerifyFailure>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT case_id, ref FROM cases ORDER BY ref")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let case_id: i64 = r.get(0)?;
            if !next_seq.contains_key(&case_id) {
                return Ok(Some(fail(
                    None,
                    Some(r.get(1)?),
                    None,
                    "the case has no events: its history was removed".into(),
                )));
            }
        }
        Ok(None)
    }
}

fn fail(
    position: Option<u64>,
    case_ref: Option<String>,
    seq: Option<i64>,
    what: String,
) -> VerifyFailure {
    VerifyFailure {
        position,
        case_ref,
        seq,
        what,
    }
}

fn check_row(
    row: &Row,
    position: u64,
    leaf: &Hash,
    chain: &Hash,
    headers: &HashMap<i64, (String, Value)>,
    next_seq: &mut HashMap<i64, i64>,
) -> Option<VerifyFailure> {
    let at = |what: String| {
        Some(fail(
            Some(position),
            row.case_ref.clone(),
            Some(row.seq),
            what,
        ))
    };
    let Some((case_ref, header)) = headers.get(&row.case_id) else {
        return at(format!(
            "event {} belongs to case id {}, which is not in the database",
            row.event_id, row.case_id
        ));
    };
    // The bytes say which case and sequence they are (`{"case":REF,…,"seq":N}`, keys sorted):
    // checked on the bytes themselves; the hashes below prove the rest is what was written.
    let mut prefix = String::from("{\"case\":");
    prefix.push_str(&Value::String(case_ref.clone()).to_string());
    prefix.push(',');
    if !row.canonical.starts_with(prefix.as_bytes()) {
        return at(format!(
            "the stored event does not name case `{case_ref}`, under which it is filed"
        ));
    }
    let suffix = format!(",\"seq\":{}}}", row.seq);
    if !row.canonical.ends_with(suffix.as_bytes()) {
        return at(format!(
            "the stored event does not carry sequence {}, under which it is filed",
            row.seq
        ));
    }
    let expected_seq = next_seq.get(&row.case_id).copied().unwrap_or(0);
    if row.seq != expected_seq {
        return at(format!(
            "sequence {} follows {} in this case: events are missing or reordered",
            row.seq,
            expected_seq - 1
        ));
    }
    next_seq.insert(row.case_id, expected_seq + 1);
    if row.seq == 0 {
        let value: Value = match serde_json::from_slice(&row.canonical) {
            Ok(v) => v,
            Err(e) => return at(format!("the stored event is not JSON ({e})")),
        };
        if value.get("header") != Some(header) {
            return at("the case's title, attributes or workflow differ from those chained with its first event".into());
        }
    }
    if row.leaf.as_slice() != leaf.as_slice() {
        return at(format!(
            "the event's content differs from what was hashed (leaf hash {} stored, {} computed)",
            hex(&row.leaf),
            hex(leaf)
        ));
    }
    if row.chain.as_slice() != chain.as_slice() {
        return at("the chain hash differs: an event before this one was changed, dropped, inserted or reordered".into());
    }
    None
}
