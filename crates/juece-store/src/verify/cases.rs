//! What each case's events must show, derived once from the `cases` table: the reference, the
//! `{"case":REF,` prefix and the canonical bytes of the header chained with its first event.

use super::*;

/// Nesting beyond which the byte comparison of a first event defers to a full JSON parse
/// (serde_json refuses 128 levels).
pub(crate) const MAX_PLAIN_DEPTH: usize = 64;

/// A case as its events must show it, derived once from the `cases` table. Its bytes are kept
/// in the arena of `Cases`.
pub(crate) struct CaseInfo {
    /// Its bytes: `chunk` of the arena, from `start`: the reference, the prefix, the header.
    pub(crate) chunk: usize,
    pub(crate) start: usize,
    pub(crate) ref_len: usize,
    pub(crate) prefix_len: usize,
    pub(crate) header_len: usize,
    /// The header, kept only when comparing canonical bytes is not conclusive (a number that is
    /// not an integer, or deep nesting): then the first event is parsed and compared as JSON.
    /// Otherwise the header is exactly what parsing its canonical bytes gives.
    pub(crate) header: Option<Box<Value>>,
    /// The sequence number its next event must carry; 0 while none was seen.
    pub(crate) next_seq: i64,
}

/// The bytes of a case.
pub(crate) struct CaseBytes<'a> {
    /// The case reference (UTF-8), for messages.
    pub(crate) case_ref: &'a [u8],
    /// `{"case":REF,` — how each of its events' canonical bytes begins.
    pub(crate) prefix: &'a [u8],
    /// The canonical form of the header chained with its first event (empty when `header`
    /// is kept).
    pub(crate) header: &'a [u8],
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
            .and_then(|c| {
                c.get(case.start..case.start + case.ref_len + case.prefix_len + case.header_len)
            })
            .unwrap_or_default();
        let (case_ref, rest) = all.split_at(case.ref_len.min(all.len()));
        let (prefix, header) = rest.split_at(case.prefix_len.min(rest.len()));
        CaseBytes {
            case_ref,
            prefix,
            header,
        }
    }
}

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

    /// The cases read from the table, in its order (a repeated id keeps the last).
    pub(crate) fn new(loaded: Vec<(i64, CaseInfo)>, arena: Arena) -> Cases {
        let max = loaded.iter().map(|(id, _)| *id).max().unwrap_or(0);
        // A vector up to the largest id when ids are dense enough, else up to a bound.
        let len = usize::try_from(max)
            .ok()
            .filter(|&m| m <= 2 * loaded.len() + 1024)
            .map_or(loaded.len(), |m| m + 1);
        let mut cases = Cases {
            dense: Vec::with_capacity(len),
            arena,
            ..Cases::default()
        };
        cases.dense.resize_with(len, || None);
        for (id, case) in loaded {
            let replaced = match cases.slot(id) {
                Some(i) => cases.dense.get_mut(i).and_then(|slot| slot.replace(case)),
                None => cases.sparse.insert(id, case),
            };
            if replaced.is_none() {
                cases.count += 1;
            }
        }
        cases
    }
}

/// Derives, case by case, what the events of each case must show (on the worker).
#[derive(Default)]
pub(crate) struct CaseLoader {
    pub(crate) loaded: Vec<(i64, CaseInfo)>,
    pub(crate) arena: Arena,
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
                *column = std::str::from_utf8(batch.bytes.get(start..end).unwrap_or_default())
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
            let header = match self.attributes_seen.get(attributes) {
                // A case linked to a catalogue item: the link is chained too (`header_json`).
                _ if catalogue.is_some() => Some(Box::new(serde_json::json!({
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
                    None
                }
                // Compared as JSON: built as it always was.
                _ => Some(Box::new(serde_json::json!({
                    "ref": case_ref,
                    "title": title,
                    "organ": organ,
                    "undertaking_unit": unit,
                    "category": category,
                    "workflow": workflow,
                    "attributes": parse_attributes(attributes),
                }))),
            };
            let (chunk, at) = self.arena.push(scratch);
            self.loaded.push((
                row.case_id,
                CaseInfo {
                    chunk,
                    start: at,
                    ref_len: case_ref.len(),
                    prefix_len,
                    header_len: scratch.len() - case_ref.len() - prefix_len,
                    header,
                    next_seq: 0,
                },
            ));
        }
    }

    pub(crate) fn finish(self) -> Cases {
        Cases::new(self.loaded, self.arena)
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
