//! What each case's events must show, derived from the `cases` table: the reference, the
//! `{"case":REF,` prefix and the header chained with its first event (kept until that event).

use super::*;

/// Nesting beyond which the byte comparison of a first event defers to a full JSON parse
/// (serde_json refuses 128 levels).
pub(crate) const MAX_PLAIN_DEPTH: usize = 64;

/// A case as its events must show it, derived from its row of the `cases` table. Its
/// reference and prefix are kept in the arena of `Cases`.
pub(crate) struct CaseInfo {
    /// Its bytes: `chunk` of the arena, from `start`: the reference, then the prefix.
    pub(crate) chunk: usize,
    pub(crate) start: usize,
    pub(crate) ref_len: usize,
    pub(crate) prefix_len: usize,
    /// The header its first event must carry, until that event is checked; then dropped, so
    /// that a pass holds the headers of the cases whose first event is still to come, not all.
    pub(crate) first: Option<FirstHeader>,
    /// The sequence number its next event must carry; 0 while none was seen.
    pub(crate) next_seq: i64,
}

/// The header chained with a case's first event.
pub(crate) enum FirstHeader {
    /// Its canonical bytes, when they parse back to the header itself: compared as bytes.
    Canonical(Box<[u8]>),
    /// The header as a value, when comparing canonical bytes is not conclusive (a number that
    /// is not an integer, deep nesting, a catalogue link): the first event is parsed and
    /// compared as JSON.
    Json(Box<Value>),
}

/// The bytes of a case.
pub(crate) struct CaseBytes<'a> {
    /// The case reference (UTF-8), for messages.
    pub(crate) case_ref: &'a [u8],
    /// `{"case":REF,` — how each of its events' canonical bytes begins.
    pub(crate) prefix: &'a [u8],
}

impl CaseBytes<'_> {
    pub(crate) fn case_ref(&self) -> String {
        String::from_utf8_lossy(self.case_ref).into_owned()
    }
}

/// The bytes of all cases, in chunks that are filled and never moved.
#[derive(Default)]
pub(crate) struct Arena {
    pub(crate) chunks: Vec<Vec<u8>>,
}

/// Size of an arena chunk.
pub(crate) const CHUNK: usize = 1 << 22;

impl Arena {
    /// Stores `bytes`; returns the chunk and offset.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> (usize, usize) {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= bytes.len());
        if !fits {
            self.chunks.push(Vec::with_capacity(CHUNK.max(bytes.len())));
        }
        let chunk = self.chunks.len() - 1;
        match self.chunks.last_mut() {
            Some(c) => {
                let start = c.len();
                c.extend_from_slice(bytes);
                (chunk, start)
            }
            None => (0, 0),
        }
    }

    pub(crate) fn bytes(&self, case: &CaseInfo) -> CaseBytes<'_> {
        let all = self
            .chunks
            .get(case.chunk)
            .and_then(|c| c.get(case.start..case.start + case.ref_len + case.prefix_len))
            .unwrap_or_default();
        let (case_ref, prefix) = all.split_at(case.ref_len.min(all.len()));
        CaseBytes { case_ref, prefix }
    }
}

/// Slack in how large an id the dense vector grows to: up to twice the cases held plus this.
/// Ids are dense in practice, but need not be: the bound keeps the vector's empty slots at
/// most as many as the cases, plus this.
const DENSE_GAP: usize = 1024;

/// The cases by id: a vector for the usual dense ids 1..N, a map for the others.
#[derive(Default)]
pub(crate) struct Cases {
    pub(crate) dense: Vec<Option<CaseInfo>>,
    pub(crate) sparse: HashMap<i64, CaseInfo>,
    pub(crate) count: u64,
    pub(crate) arena: Arena,
}

impl Cases {
    pub(crate) fn slot(&self, case_id: i64) -> Option<usize> {
        usize::try_from(case_id)
            .ok()
            .filter(|&i| i < self.dense.len())
    }

    pub(crate) fn get(&self, case_id: i64) -> Option<&CaseInfo> {
        match self.slot(case_id) {
            Some(i) => self.dense.get(i).and_then(Option::as_ref),
            None => self.sparse.get(&case_id),
        }
    }

    /// The case and its bytes.
    pub(crate) fn get_mut(&mut self, case_id: i64) -> Option<(&mut CaseInfo, CaseBytes<'_>)> {
        let case = match self.slot(case_id) {
            Some(i) => self.dense.get_mut(i).and_then(Option::as_mut),
            None => self.sparse.get_mut(&case_id),
        }?;
        let bytes = self.arena.bytes(case);
        Some((case, bytes))
    }

    /// Whether a projection's `last_seq` counts the events the chain found for its case (one
    /// not in the table is not compared: the count check joins the two).
    pub(crate) fn counted(&self, case_id: i64, last_seq: i64) -> bool {
        self.get(case_id)
            .is_none_or(|c| last_seq.checked_add(1) == Some(c.next_seq))
    }

    /// The reference of a case, for messages.
    pub(crate) fn case_ref(&self, case_id: i64) -> Option<String> {
        self.get(case_id).map(|c| self.arena.bytes(c).case_ref())
    }

    /// Adds a case read from the table (a repeated id keeps the last).
    pub(crate) fn insert(&mut self, case_id: i64, case: CaseInfo) {
        let dense_enough = usize::try_from(self.count)
            .unwrap_or(usize::MAX)
            .saturating_mul(2)
            .saturating_add(DENSE_GAP);
        if let Some(i) = usize::try_from(case_id)
            .ok()
            .filter(|&i| i >= self.dense.len() && i < dense_enough)
        {
            self.grow_dense(i + 1);
        }
        let replaced = match self.slot(case_id) {
            Some(i) => self.dense.get_mut(i).and_then(|slot| slot.replace(case)),
            None => self.sparse.insert(case_id, case),
        };
        if replaced.is_none() {
            self.count += 1;
        }
    }

    /// Extends the dense vector to `len` slots, moving in the cases kept in the map until now.
    fn grow_dense(&mut self, len: usize) {
        let from = self.dense.len();
        self.dense.resize_with(len, || None);
        if self.sparse.is_empty() {
            return;
        }
        for i in from..len {
            if let Some(case) = i64::try_from(i).ok().and_then(|id| self.sparse.remove(&id)) {
                if let Some(slot) = self.dense.get_mut(i) {
                    *slot = Some(case);
                }
            }
        }
    }
}

/// Derives, case by case, what the events of each case must show (on the worker).
#[derive(Default)]
pub(crate) struct CaseLoader {
    pub(crate) cases: Cases,
    /// The canonical form of each distinct attributes text (a few combinations of flags), or
    /// `None` when it would not parse back to the same value.
    pub(crate) attributes_seen: HashMap<String, Option<Vec<u8>>>,
    pub(crate) workflow: String,
    pub(crate) scratch: Vec<u8>,
}

impl CaseLoader {
    pub(crate) fn add(&mut self, batch: &Batch) {
        let mut start = 0;
        for row in &batch.cases {
            let mut columns = [""; 7];
            for (column, &end) in columns.iter_mut().zip(&row.ends) {
                // Read as text by `read_cases`, so UTF-8.
                *column = std::str::from_utf8(batch.case_bytes.get(start..end).unwrap_or_default())
                    .unwrap_or_default();
                start = end;
            }
            let [case_ref, attributes, title, organ, unit, category, profile_id] = columns;
            self.workflow.clear();
            let _ = write!(self.workflow, "{profile_id}@{}", row.profile_version);
            let workflow = self.workflow.as_str();
            let scratch = &mut self.scratch;
            scratch.clear();
            scratch.extend_from_slice(case_ref.as_bytes());
            scratch.extend_from_slice(b"{\"case\":");
            push_json_string(scratch, case_ref);
            scratch.push(b',');
            let prefix_len = scratch.len() - case_ref.len();
            if !self.attributes_seen.contains_key(attributes) {
                let value = parse_attributes(attributes);
                let canonical =
                    reparses_equal(&value, 3).then(|| canonical_json(&value).into_bytes());
                self.attributes_seen
                    .insert(attributes.to_owned(), canonical);
            }
            // The header as `juece_core::log::header_json` builds it, written in canonical form
            // (keys sorted) straight from the columns.
            let catalogue = row
                .catalogue
                .as_deref()
                .map(|c| serde_json::from_str::<serde_json::Value>(c).unwrap_or_default());
            let first = match self.attributes_seen.get(attributes) {
                // A case linked to a catalogue item: the link is chained too (`header_json`).
                _ if catalogue.is_some() => FirstHeader::Json(Box::new(serde_json::json!({
                    "ref": case_ref,
                    "title": title,
                    "organ": organ,
                    "undertaking_unit": unit,
                    "category": category,
                    "workflow": workflow,
                    "attributes": parse_attributes(attributes),
                    "catalogue": catalogue,
                }))),
                Some(Some(attributes)) => {
                    // Written after the prefix in the scratch buffer, then copied out whole.
                    let start = scratch.len();
                    scratch.extend_from_slice(b"{\"attributes\":");
                    scratch.extend_from_slice(attributes);
                    for (key, value) in [
                        (&b",\"category\":"[..], category),
                        (b",\"organ\":", organ),
                        (b",\"ref\":", case_ref),
                        (b",\"title\":", title),
                        (b",\"undertaking_unit\":", unit),
                        (b",\"workflow\":", workflow),
                    ] {
                        scratch.extend_from_slice(key);
                        push_json_string(scratch, value);
                    }
                    scratch.push(b'}');
                    let header = Box::from(scratch.get(start..).unwrap_or_default());
                    scratch.truncate(start);
                    FirstHeader::Canonical(header)
                }
                // Compared as JSON: built as it always was.
                _ => FirstHeader::Json(Box::new(serde_json::json!({
                    "ref": case_ref,
                    "title": title,
                    "organ": organ,
                    "undertaking_unit": unit,
                    "category": category,
                    "workflow": workflow,
                    "attributes": parse_attributes(attributes),
                }))),
            };
            let (chunk, at) = self.cases.arena.push(scratch);
            self.cases.insert(
                row.case_id,
                CaseInfo {
                    chunk,
                    start: at,
                    ref_len: case_ref.len(),
                    prefix_len,
                    first: Some(first),
                    next_seq: 0,
                },
            );
        }
    }
}

/// The attributes of a case as a value, as they are chained (text that is not JSON as a string).
pub(crate) fn parse_attributes(attributes: &str) -> Value {
    serde_json::from_str(attributes).unwrap_or_else(|_| Value::String(attributes.to_owned()))
}

/// `s` as a JSON string, escaped as serde_json escapes it (as `canonical_json` does).
pub(crate) fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if serde_json::to_writer(&mut *out, s).is_err() {
        // Writing to a vector does not fail; were it to, the long way.
        out.extend_from_slice(Value::String(s.to_owned()).to_string().as_bytes());
    }
}

/// Whether parsing `canonical_json(value)` gives `value` back: true unless it holds a number
/// that is not an integer (whose digits may not round-trip) or nests deeply. `depth` is the
/// nesting level of `value` in a first event: the event is 1, its header 2, the attributes 3.
pub(crate) fn reparses_equal(value: &Value, depth: usize) -> bool {
    match value {
        Value::Number(n) => !n.is_f64(),
        Value::Array(items) => {
            depth <= MAX_PLAIN_DEPTH && items.iter().all(|v| reparses_equal(v, depth + 1))
        }
        Value::Object(map) => {
            depth <= MAX_PLAIN_DEPTH && map.values().all(|v| reparses_equal(v, depth + 1))
        }
        Value::String(_) | Value::Bool(_) | Value::Null => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(next_seq: i64) -> CaseInfo {
        CaseInfo {
            chunk: 0,
            start: 0,
            ref_len: 0,
            prefix_len: 0,
            first: None,
            next_seq,
        }
    }

    #[test]
    fn cases_added_in_any_order_are_all_found_once() {
        let mut cases = Cases::default();
        // Far ahead of the dense vector: kept in the map, then moved in as the vector grows
        // past it.
        cases.insert(2500, case(77));
        cases.insert(-7, case(-7));
        cases.insert(i64::MAX, case(1));
        for id in (1..=3000).filter(|&id| id != 2500) {
            cases.insert(id, case(id));
        }
        // A repeated id keeps the last and is counted once.
        cases.insert(10, case(99));
        assert_eq!(cases.count, 3002);
        assert!(cases.dense.len() > 3000, "ids 1..=3000 are dense");
        assert_eq!(
            cases.sparse.len(),
            2,
            "only -7 and i64::MAX stay in the map"
        );
        for id in 1..=3000 {
            let expected = match id {
                10 => 99,
                2500 => 77,
                _ => id,
            };
            assert_eq!(cases.get(id).map(|c| c.next_seq), Some(expected), "{id}");
        }
        assert_eq!(cases.get(-7).map(|c| c.next_seq), Some(-7));
        assert_eq!(cases.get(i64::MAX).map(|c| c.next_seq), Some(1));
        assert!(cases.get(0).is_none() && cases.get(3001).is_none());
    }

    #[test]
    fn ids_far_apart_do_not_grow_the_vector_past_twice_the_cases() {
        let mut cases = Cases::default();
        for n in 0..2000 {
            cases.insert(1 + 1000 * n, case(n));
        }
        assert_eq!(cases.count, 2000);
        assert!(
            cases.dense.len() <= 2 * 2000 + DENSE_GAP,
            "{} slots for 2000 cases",
            cases.dense.len()
        );
        for n in 0..2000 {
            assert_eq!(cases.get(1 + 1000 * n).map(|c| c.next_seq), Some(n));
        }
    }
}
