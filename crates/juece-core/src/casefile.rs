//! The case file `juece-cases/1`: parsing with located errors, checking a case against its
//! profile, and writing the same format back.
//!
//! FROZEN FORMAT (see interchange.md): a change needs `juece-cases/2`, and version 1 keeps importing.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::event::{
    fields, kind_of, parse_event_owned, Attributes, Case, CaseHeader, CatalogueRef, EventBody,
    Supplied,
};
use crate::finding::Code;
use crate::ids::Category;
use crate::profile::Profile;

/// The case file format this version writes (`juece export`).
pub const CASES_FORMAT: &str = "juece-cases/2";

/// Every case file format this version reads: version 1 keeps importing unchanged in meaning.
pub const CASES_FORMATS_READ: &[&str] = &["juece-cases/1", "juece-cases/2"];

/// Where in a case file a problem is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]

pub struct CaseFileError {
    /// Index of the case in `cases`.
    pub case_index: Option<usize>,
    /// The case `ref`, when known.
    pub case_ref: Option<String>,
    /// Index of the event in the case's `events`.
    pub event_index: Option<usize>,
    /// The field at fault, as a path inside the case or event.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub help: Option<String>,
}

impl fmt::Display for CaseFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.case_ref, self.case_index) {
            (Some(r), Some(i)) => write!(f, "case `{r}` (cases[{i}])")?,
            (Some(r), None) => write!(f, "case `{r}`")?,
            (None, Some(i)) => write!(f, "cases[{i}]")?,
            (None, None) => f.write_str("document")?,
        }
        if let Some(e) = self.event_index {
            write!(f, ", event {e} (events[{e}])")?;
        }
        if let Some(field) = self.field.as_deref().filter(|s| !s.is_empty()) {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl CaseFileError {
    fn document(message: impl Into<String>) -> Self {
        CaseFileError {
            case_index: None,
            case_ref: None,
            event_index: None,
            field: None,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a hint on how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFile {
    #[serde(rename = "ref")]
    case_ref: String,
    title: String,
    organ: String,
    undertaking_unit: String,
    category: Category,
    workflow: String,
    #[serde(default)]
    attributes: Attributes,
    #[serde(default)]
    catalogue: Option<CatalogueRef>,
}

impl HeaderFile {
    fn into_header(self) -> CaseHeader {
        CaseHeader {
            case_ref: self.case_ref,
            title: self.title,
            organ: self.organ,
            undertaking_unit: self.undertaking_unit,
            category: self.category,
            workflow: self.workflow,
            attributes: self.attributes,
            catalogue: self.catalogue,
        }
    }
}

/// Parses a `juece-cases/1` document into cases. Checks the shape of every field; the checks
/// that need the profile are in [`check_case`].
pub fn parse_cases(text: &str) -> Result<Vec<Case>, CaseFileError> {
    let mut out = Vec::new();
    stream_cases(text.as_bytes(), |_, case| {
        out.push(case);
        Ok::<(), CaseFileError>(())
    })?;
    Ok(out)
}

/// Parses a `juece-cases/1` document one case at a time, handing each to `on_case` as soon as
/// it is read: a large file is never held as one JSON tree, nor all its cases at once. An error
/// from `on_case` stops the parse and is returned. The document-level checks (format, unknown
/// fields, duplicate references) are made here; a `format` written after `cases` is checked
/// when it is reached, so callers must treat everything as provisional until this returns `Ok`.
pub fn stream_cases<E: From<CaseFileError>>(
    bytes: &[u8],
    on_case: impl FnMut(usize, Case) -> Result<(), E>,
) -> Result<(), E> {
    stream_cases_reporting(bytes, |_| {}, on_case)
}

/// [`stream_cases`], telling `on_read` after each case how many bytes of `bytes` the parser
/// has certainly read and will not read again (a lower bound, never decreasing within one
/// reading): a caller holding a file too large for memory can give those up as the parse goes.
/// A document the quick reading stops short in is read a second time from its start (below),
/// and the count starts again from there.
pub fn stream_cases_reporting<E: From<CaseFileError>>(
    bytes: &[u8],
    mut on_read: impl FnMut(usize),
    mut on_case: impl FnMut(usize, Case) -> Result<(), E>,
) -> Result<(), E> {
    // The quick reading takes each case's text as it stands and reads it straight into a case
    // (`parse_case_fast`), without building a JSON tree of it first (a quarter off the parsing
    // thread's time at a million cases, docs/performance.md). On anything it does not find
    // plainly right, the document is read again the strict way, handing on cases from the one
    // where the quick reading stopped: every error is then the strict reading's own, in its
    // words and at the line and column it gives. The cases handed on before are the same in
    // both readings (tested: `the_quick_reading_reads_as_the_strict_one`).
    match read_quickly(bytes, &mut on_read, &mut on_case) {
        Ok(()) => Ok(()),
        Err(QuickStop::Failed(e)) => Err(e),
        Err(QuickStop::ReadAgainFrom(from)) => {
            read_document(bytes, from, &mut on_read, &mut on_case)
        }
    }
}

/// Why the quick reading stopped short.
enum QuickStop<E> {
    /// Read the document again the strict way, handing on cases from this one.
    ReadAgainFrom(usize),
    /// A case the strict reading refuses in the same words, or `on_case` refused it.
    Failed(E),
}

/// The longest case the quick reading takes (a case is a few kilobytes). Each case is read
/// from a window of at most this many bytes: serde_json skips over a value it is not asked to
/// build without its depth limit, keeping a byte for each open bracket, and a file of
/// gigabytes of `[` would otherwise cost as many bytes of memory where the strict reading stops
/// at its depth limit at once. A longer case is left to the strict reading.
const QUICK_CASE_WINDOW: usize = 1 << 20;

/// The quick reading of [`stream_cases_reporting`]: the document laid out as juece writes it,
/// `{"format": "…", "cases": [ … ]}` with only whitespace between (anything else is left to
/// the strict reading), each case read straight from its text.
fn read_quickly<E: From<CaseFileError>>(
    bytes: &[u8],
    on_read: &mut dyn FnMut(usize),
    on_case: &mut dyn FnMut(usize, Case) -> Result<(), E>,
) -> Result<(), QuickStop<E>> {
    let mut i = 0;
    let again = |i: usize| QuickStop::ReadAgainFrom(i);
    let skip_space = |mut at: usize| {
        while bytes
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            at += 1;
        }
        at
    };
    let expect = |at: usize, token: &[u8]| {
        let at = skip_space(at);
        match bytes.get(at..at + token.len()) {
            Some(found) if found == token => Some(at + token.len()),
            _ => None,
        }
    };
    // The head, with a format this version reads, written without escapes.
    let mut at = expect(0, b"{")
        .and_then(|at| expect(at, b"\"format\""))
        .and_then(|at| expect(at, b":"));
    at = at.and_then(|at| {
        CASES_FORMATS_READ
            .iter()
            .find_map(|f| expect(at, format!("\"{f}\"").as_bytes()))
    });
    let mut at = at
        .and_then(|at| expect(at, b","))
        .and_then(|at| expect(at, b"\"cases\""))
        .and_then(|at| expect(at, b":"))
        .and_then(|at| expect(at, b"["))
        .ok_or(again(0))?;
    let mut refs: HashMap<String, usize> = HashMap::new();
    if let Some(after) = expect(at, b"]") {
        at = after;
    } else {
        loop {
            let start = skip_space(at);
            let window = bytes
                .get(start..bytes.len().min(start.saturating_add(QUICK_CASE_WINDOW)))
                .unwrap_or_default();
            let mut one = serde_json::Deserializer::from_slice(window)
                .into_iter::<&serde_json::value::RawValue>();
            let Some(Ok(raw)) = one.next() else {
                return Err(again(i));
            };
            if one.byte_offset() == window.len() && start + window.len() < bytes.len() {
                // It runs to the window's cut and may go on past it (a number): left to the
                // strict reading, which reads it whole.
                return Err(again(i));
            }
            let end = start + one.byte_offset();
            let text = raw.get();
            let case = match parse_case_fast(text) {
                Some(case) => case,
                None => match crate::json::from_str(text) {
                    // Worded as the strict reading words it: no place in the document in it.
                    Ok(value) => parse_case(i, value).map_err(|e| QuickStop::Failed(e.into()))?,
                    // A repeated key, a number out of range, …: the strict reading says where.
                    Err(_) => return Err(again(i)),
                },
            };
            let case = not_repeated(&mut refs, i, case).map_err(|e| QuickStop::Failed(e.into()))?;
            on_case(i, case).map_err(QuickStop::Failed)?;
            on_read(end);
            i += 1;
            if let Some(after) = expect(end, b",") {
                at = after;
            } else if let Some(after) = expect(end, b"]") {
                at = after;
                break;
            } else {
                return Err(again(i));
            }
        }
    }
    // The end: the object closed, and nothing after it but whitespace.
    match expect(at, b"}") {
        Some(after) if skip_space(after) == bytes.len() => Ok(()),
        _ => Err(again(i)),
    }
}

/// `case`, unless an earlier case of the document has its reference.
fn not_repeated(
    refs: &mut HashMap<String, usize>,
    i: usize,
    case: Case,
) -> Result<Case, CaseFileError> {
    match refs.insert(case.header.case_ref.clone(), i) {
        Some(first) => Err(CaseFileError {
            case_index: Some(i),
            case_ref: Some(case.header.case_ref.clone()),
            event_index: None,
            field: Some("ref".into()),
            message: format!("duplicate `ref`: cases[{first}] has the same one"),
            help: Some("every case needs its own reference number".into()),
        }),
        None => Ok(case),
    }
}

/// The strict reading of a document: every value built as a strict JSON tree first. Cases
/// before `hand_on_from` are read and checked (their references count as duplicates) but not
/// handed on (the quick reading did).
fn read_document<E: From<CaseFileError>>(
    bytes: &[u8],
    hand_on_from: usize,
    on_read: &mut dyn FnMut(usize),
    on_case: &mut dyn FnMut(usize, Case) -> Result<(), E>,
) -> Result<(), E> {
    let mut stopped: Option<E> = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let base = bytes.as_ptr() as usize;
    let read_to = std::cell::Cell::new(base);
    let mut on_read = move |to: usize| on_read(to.saturating_sub(base));
    let visitor = DocVisitor {
        on_case,
        stopped: &mut stopped,
        read_to: &read_to,
        on_read: &mut on_read,
        hand_on_from,
    };
    let result = serde::Deserializer::deserialize_any(&mut de, visitor).and_then(|seen| {
        de.end()?;
        Ok(seen)
    });
    if let Some(e) = stopped {
        return Err(e);
    }
    match result {
        Err(e) => Err(CaseFileError::document(format!("not valid JSON: {e}")).into()),
        Ok(seen) => {
            if !seen.format {
                let mut e = CaseFileError::document("missing field `format`");
                e.field = Some("format".into());
                return Err(e
                    .with_help(format!("add `\"format\": \"{CASES_FORMAT}\"`"))
                    .into());
            }
            if !seen.cases {
                let mut e = CaseFileError::document("missing field `cases`");
                e.field = Some("cases".into());
                return Err(e.into());
            }
            Ok(())
        }
    }
}

/// What the top level of a document held.
struct Seen {
    format: bool,
    cases: bool,
}

/// Stops the deserializer after `on_case` or a document check failed; the real error is kept
/// aside in `stopped`.
fn stop<T: serde::de::Error>() -> T {
    T::custom("stopped")
}

struct DocVisitor<'a, E> {
    on_case: &'a mut dyn FnMut(usize, Case) -> Result<(), E>,
    stopped: &'a mut Option<E>,
    read_to: &'a std::cell::Cell<usize>,
    on_read: &'a mut dyn FnMut(usize),
    hand_on_from: usize,
}

impl<'de, E> serde::de::Visitor<'de> for DocVisitor<'_, E>
where
    E: From<CaseFileError>,
{
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with `format` and `cases`")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        let mut seen = Seen {
            format: false,
            cases: false,
        };
        while let Some(key) = map.next_key::<String>()? {
            if (key == "format" && seen.format) || (key == "cases" && seen.cases) {
                let mut e = CaseFileError::document(format!(
                    "duplicate key `{key}` in the document: a key may appear once"
                ));
                e.field = Some(key.clone());
                *self.stopped = Some(e.into());
                return Err(stop());
            }
            match key.as_str() {
                "format" => {
                    let value: Value = map.next_value()?;
                    if !value
                        .as_str()
                        .is_some_and(|f| CASES_FORMATS_READ.contains(&f))
                    {
                        let mut e = CaseFileError::document(format!("unsupported format {value}"));
                        e.field = Some("format".into());
                        *self.stopped = Some(
                            e.with_help("this version reads `juece-cases/1` and `juece-cases/2`")
                                .into(),
                        );
                        return Err(stop());
                    }
                    seen.format = true;
                }
                "cases" => {
                    map.next_value_seed(CasesSeed {
                        on_case: &mut *self.on_case,
                        stopped: &mut *self.stopped,
                        read_to: self.read_to,
                        on_read: &mut *self.on_read,
                        hand_on_from: self.hand_on_from,
                    })?;
                    seen.cases = true;
                }
                other => {
                    let mut e = CaseFileError::document(format!(
                        "unknown field `{other}`, expected `format` or `cases`"
                    ));
                    e.field = Some(other.to_owned());
                    *self.stopped = Some(e.into());
                    return Err(stop());
                }
            }
        }
        Ok(seen)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Seen, A::Error> {
        *self.stopped = Some(
            CaseFileError::document(
                "expected a JSON object with `format` and `cases`, found an array",
            )
            .into(),
        );
        Err(stop())
    }
}

struct CasesSeed<'a, E> {
    on_case: &'a mut dyn FnMut(usize, Case) -> Result<(), E>,
    stopped: &'a mut Option<E>,
    read_to: &'a std::cell::Cell<usize>,
    on_read: &'a mut dyn FnMut(usize),
    hand_on_from: usize,
}

impl<'de, E> serde::de::DeserializeSeed<'de> for CasesSeed<'_, E>
where
    E: From<CaseFileError>,
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, E> serde::de::Visitor<'de> for CasesSeed<'_, E>
where
    E: From<CaseFileError>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of cases")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut refs: HashMap<String, usize> = HashMap::new();
        let mut i = 0;
        // Strict: a key repeated in any object of a case is refused, naming it.
        let tracked = || crate::json::TrackedStrictValue {
            read_to: self.read_to,
        };
        while let Some(value) = seq.next_element_seed(tracked())? {
            let outcome =
                match parse_case(i, value).and_then(|case| not_repeated(&mut refs, i, case)) {
                    Ok(case) if i >= self.hand_on_from => (self.on_case)(i, case),
                    Ok(_) => Ok(()),
                    Err(e) => Err(e.into()),
                };
            if let Err(e) = outcome {
                *self.stopped = Some(e);
                return Err(stop());
            }
            (self.on_read)(self.read_to.get());
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.not_an_array("an object")
    }
    fn visit_str<Er: serde::de::Error>(self, _: &str) -> Result<(), Er> {
        self.not_an_array("a string")
    }
    fn visit_i64<Er: serde::de::Error>(self, _: i64) -> Result<(), Er> {
        self.not_an_array("a number")
    }
    fn visit_u64<Er: serde::de::Error>(self, _: u64) -> Result<(), Er> {
        self.not_an_array("a number")
    }
    fn visit_f64<Er: serde::de::Error>(self, _: f64) -> Result<(), Er> {
        self.not_an_array("a number")
    }
    fn visit_bool<Er: serde::de::Error>(self, _: bool) -> Result<(), Er> {
        self.not_an_array("a boolean")
    }
    fn visit_unit<Er: serde::de::Error>(self) -> Result<(), Er> {
        self.not_an_array("null")
    }
}

impl<E: From<CaseFileError>> CasesSeed<'_, E> {
    fn not_an_array<Er: serde::de::Error>(self, found: &str) -> Result<(), Er> {
        let mut e = CaseFileError::document(format!("expected an array, found {found}"));
        e.field = Some("cases".into());
        *self.stopped = Some(e.into());
        Err(stop())
    }
}

/// A case read straight from its text when everything in it is plainly right: `None` for
/// anything else, which the strict path then reads and words.
fn parse_case_fast(raw: &str) -> Option<Case> {
    // No string in a text this short can be over the field limit (an escape is never shorter
    // than what it stands for).
    if raw.len() > crate::text::MAX_FIELD_BYTES {
        return None;
    }
    let crate::event::Members(members) = serde_json::from_str(raw).ok()?;
    let mut events = None;
    let mut rest = Vec::with_capacity(members.len());
    for (key, value) in members {
        if key == "events" {
            if events.replace(value).is_some() {
                return None;
            }
        } else {
            rest.push((key, value));
        }
    }
    let events: Vec<&serde_json::value::RawValue> = serde_json::from_str(events?.get()).ok()?;
    let header = HeaderFile::deserialize(
        serde::de::value::MapDeserializer::<_, serde_json::Error>::new(rest.into_iter()),
    )
    .ok()?;
    let case_ref = crate::text::identifier("case reference", &header.case_ref).ok()?;
    let events = events
        .into_iter()
        .map(|e| crate::event::parse_event_fast(e.get(), &Supplied::default()))
        .collect::<Option<Vec<_>>>()?;
    Some(Case {
        header: HeaderFile { case_ref, ..header }.into_header(),
        events,
    })
}

fn parse_case(i: usize, value: Value) -> Result<Case, CaseFileError> {
    let at_case =
        |case_ref: Option<String>, field: Option<String>, message: String| CaseFileError {
            case_index: Some(i),
            case_ref,
            event_index: None,
            field,
            message,
            help: None,
        };
    let Value::Object(mut obj) = value else {
        return Err(at_case(
            None,
            None,
            format!("expected a case object, found {}", kind_of(&value)),
        ));
    };
    let case_ref = match obj.get("ref") {
        // As shown in messages: cut, and with hidden characters escaped.
        Some(Value::String(s)) => Some(
            crate::text::escape_controls(&crate::json::clip(s, crate::text::MAX_IDENTIFIER_CHARS))
                .into_owned(),
        ),
        _ => None,
    };
    if let Some((field, len)) = obj.iter().find_map(|(k, v)| {
        crate::text::oversized(v).map(|(p, n)| {
            (
                if p.is_empty() {
                    k.clone()
                } else {
                    format!("{k}{}{p}", if p.starts_with('[') { "" } else { "." })
                },
                n,
            )
        })
    }) {
        return Err(at_case(
            case_ref,
            Some(field),
            format!(
                "the text is {len} bytes long; a field holds at most {} bytes",
                crate::text::MAX_FIELD_BYTES
            ),
        ));
    }
    let events = match obj.remove("events") {
        Some(Value::Array(events)) => events,
        Some(other) => {
            return Err(at_case(
                case_ref,
                Some("events".into()),
                format!("expected an array, found {}", kind_of(&other)),
            ))
        }
        None => {
            return Err(at_case(
                case_ref,
                Some("events".into()),
                "missing field `events`".into(),
            ))
        }
    };
    let mut header: HeaderFile = fields(Value::Object(obj))
        .map_err(|e| at_case(case_ref.clone(), Some(e.field), e.message))?;
    // Trimmed, full-width ASCII folded, hidden characters refused (crate::text).
    header.case_ref = crate::text::identifier("case reference", &header.case_ref)
        .map_err(|message| at_case(case_ref.clone(), Some("ref".into()), message))?;
    let mut parsed = Vec::with_capacity(events.len());
    for (j, event) in events.into_iter().enumerate() {
        let event = parse_event_owned(event, &Supplied::default()).map_err(|e| CaseFileError {
            case_index: Some(i),
            case_ref: case_ref.clone(),
            event_index: Some(j),
            field: Some(e.field),
            message: e.message,
            help: None,
        })?;
        parsed.push(event);
    }
    Ok(Case {
        header: header.into_header(),
        events: parsed,
    })
}

/// Checks a parsed case against the profile it names: it opens with `opened`, its events are in
/// time order, and every draft version it refers to was recorded before. `case_index` locates it.
pub fn check_case(
    case: &Case,
    _profile: &Profile,
    case_index: Option<usize>,
) -> Result<(), CaseFileError> {
    let err = |event_index: Option<usize>, field: &str, message: String| CaseFileError {
        case_index,
        case_ref: Some(case.header.case_ref.clone()),
        event_index,
        field: Some(field.to_owned()),
        message,
        help: None,
    };
    let Some(first) = case.events.first() else {
        return Err(err(
            None,
            "events",
            "a case has at least its `opened` event".into(),
        ));
    };
    if !matches!(first.body, EventBody::Opened) {
        return Err(err(
            Some(0),
            "type",
            format!(
                "the first event is `{}`; a history starts with `opened`",
                first.body.type_name()
            ),
        ));
    }
    let mut drafts: HashSet<&str> = HashSet::new();
    for (j, event) in case.events.iter().enumerate() {
        if j > 0 {
            let prev = &case.events[j - 1];
            if event.at < prev.at {
                return Err(err(
                    Some(j),
                    "at",
                    format!(
                        "{} is earlier than the previous event ({}); events must be in time order",
                        event.at.to_rfc3339(),
                        prev.at.to_rfc3339()
                    ),
                ));
            }
            if matches!(event.body, EventBody::Opened) {
                return Err(err(Some(j), "type", "a case is opened only once".into()));
            }
        }
        if let EventBody::Draft(d) = &event.body {
            if !drafts.insert(d.version.as_str()) {
                return Err(err(
                    Some(j),
                    "version",
                    format!(
                        "draft version `{}` is already recorded; a revision needs a new version",
                        d.version
                    ),
                ));
            }
        }
        let known = |v: &str| -> Result<(), CaseFileError> {
            if drafts.contains(v) {
                Ok(())
            } else {
                let mut listed: Vec<&str> = drafts.iter().copied().collect();
                listed.sort_unstable();
                Err(err(
                    Some(j),
                    "draft",
                    format!(
                        "draft version `{v}` has not been recorded before this event{}",
                        if listed.is_empty() {
                            " (no draft is recorded yet)".to_owned()
                        } else {
                            format!(
                                " (recorded: {})",
                                listed
                                    .iter()
                                    .map(|d| format!("`{d}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                )
                .with_help("record the `draft` event with this version first"))
            }
        };
        match &event.body {
            EventBody::ReviewSubmitted(s) => known(&s.draft)?,
            EventBody::ReviewSigned(s) => known(&s.draft)?,
            EventBody::Voided(v) if usize::try_from(v.event).map_or(true, |t| t >= j) => {
                return Err(err(
                        Some(j),
                        "event",
                        format!(
                            "`voided` names event {}, which is not an earlier event of this case (0 to {})",
                            v.event,
                            j.saturating_sub(1)
                        ),
                    )
                    .with_help("`event` is the 0-based position of the voided event in `events`"));
            }
            EventBody::Override(o) => {
                for (k, code) in o.unmet.iter().enumerate() {
                    if Code::parse(code).is_none()
                        && !crate::check::GUARD_CODES.contains(&code.as_str())
                    {
                        return Err(err(
                            Some(j),
                            &format!("unmet[{k}]"),
                            format!("unknown code `{code}`"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The pretty-printed `juece-cases/1` document, written one case at a time: `head`, then
/// [`document_case`] for each case, then `tail`. The bytes are exactly those of
/// `serde_json::to_string_pretty(&write_cases(…))` followed by a newline.
pub fn document_head() -> String {
    format!("{{\n  \"format\": \"{CASES_FORMAT}\",\n  \"cases\": [")
}

/// One case of a document being written: see [`document_head`].
pub fn document_case(case: &Case, pinned: &str, first: bool) -> String {
    let pretty = serde_json::to_string_pretty(&case_to_json(case, pinned)).unwrap_or_default();
    let mut out = String::with_capacity(pretty.len() + pretty.len() / 8);
    out.push_str(if first { "\n" } else { ",\n" });
    for (i, line) in pretty.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Pretty JSON has no raw newline inside a string: lines are exactly the layout.
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

/// The end of a document being written: see [`document_head`].
pub fn document_tail(any_case: bool) -> &'static str {
    if any_case {
        "\n  ]\n}\n"
    } else {
        "]\n}\n"
    }
}

/// Writes cases as a `juece-cases/1` document. `pinned` gives each case's `id@version`.
pub fn write_cases<'a>(cases: impl IntoIterator<Item = (&'a Case, String)>) -> Value {
    let cases: Vec<Value> = cases
        .into_iter()
        .map(|(case, pinned)| case_to_json(case, &pinned))
        .collect();
    let mut doc = Map::new();
    doc.insert("format".into(), Value::from(CASES_FORMAT));
    doc.insert("cases".into(), Value::Array(cases));
    Value::Object(doc)
}

/// One case as a JSON object of `juece-cases/1`.
pub fn case_to_json(case: &Case, pinned: &str) -> Value {
    let h = &case.header;
    let mut map = Map::new();
    map.insert("ref".into(), Value::from(h.case_ref.clone()));
    map.insert("title".into(), Value::from(h.title.clone()));
    map.insert("organ".into(), Value::from(h.organ.clone()));
    map.insert(
        "undertaking_unit".into(),
        Value::from(h.undertaking_unit.clone()),
    );
    map.insert("category".into(), Value::from(h.category.as_str()));
    map.insert("workflow".into(), Value::from(pinned));
    map.insert(
        "attributes".into(),
        serde_json::to_value(h.attributes).unwrap_or(Value::Null),
    );
    // Written only when present, so a version-1 case keeps its exact bytes (and chain hashes).
    if let Some(c) = &h.catalogue {
        map.insert(
            "catalogue".into(),
            serde_json::to_value(c).unwrap_or(Value::Null),
        );
    }
    map.insert(
        "events".into(),
        Value::Array(case.events.iter().map(|e| e.to_json()).collect()),
    );
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_document_is_the_pretty_document() {
        let cases = parse_cases(crate::builtin::EXAMPLE_CASES).unwrap_or_default();
        for n in [0, 1, cases.len()] {
            let some = &cases[..n];
            let whole = serde_json::to_string_pretty(&write_cases(
                some.iter().map(|c| (c, "decree-713@1".to_owned())),
            ))
            .unwrap_or_default()
                + "\n";
            let mut streamed = document_head();
            for (i, c) in some.iter().enumerate() {
                streamed.push_str(&document_case(c, "decree-713@1", i == 0));
            }
            streamed.push_str(document_tail(!some.is_empty()));
            assert_eq!(streamed, whole, "{n} cases");
        }
    }

    #[test]
    fn the_parse_reports_how_far_it_has_read_never_past_the_case_it_handed_over() {
        let doc = crate::builtin::EXAMPLE_CASES.as_bytes();
        let text = crate::builtin::EXAMPLE_CASES;
        let mut reported = Vec::new();
        let mut refs = Vec::new();
        let outcome = stream_cases_reporting(
            doc,
            |read| reported.push(read),
            |_, case| {
                refs.push(case.header.case_ref);
                Ok::<(), CaseFileError>(())
            },
        );
        assert_eq!(outcome, Ok(()));
        assert!(refs.len() >= 2, "the example has several cases");
        assert_eq!(reported.len(), refs.len());
        // Each report lies past its case's reference and before the next case's: the parser
        // has read that far, and no further than the case it handed over.
        for (i, read) in reported.iter().enumerate() {
            let at = |r: &String| text.find(&format!("\"{r}\"")).unwrap_or(usize::MAX);
            assert!(*read > at(&refs[i]), "case {i}: {read}");
            if let Some(next) = refs.get(i + 1) {
                assert!(*read < at(next), "case {i}: {read} is past the next case");
            }
        }
        assert!(reported.windows(2).all(|w| w[0] <= w[1]), "{reported:?}");
        // The same cases as the plain parse; and a document without cases reports nothing.
        assert_eq!(parse_cases(text).map(|c| c.len()), Ok(refs.len()));
        let mut none = Vec::new();
        let empty = br#"{"format":"juece-cases/1","cases":[]}"#;
        let outcome =
            stream_cases_reporting(empty, |r| none.push(r), |_, _| Ok::<(), CaseFileError>(()));
        assert_eq!((outcome, none), (Ok(()), vec![]));
    }

    /// Every case handed on, in order, and the outcome: by the two readings in turn, or by the
    /// strict reading alone.
    fn handed_on(
        bytes: &[u8],
        strict_only: bool,
    ) -> (Vec<(usize, Case)>, Result<(), CaseFileError>) {
        let mut cases = Vec::new();
        let outcome = {
            let mut on_case = |i: usize, case: Case| {
                cases.push((i, case));
                Ok::<(), CaseFileError>(())
            };
            if strict_only {
                read_document(bytes, 0, &mut |_| {}, &mut on_case)
            } else {
                stream_cases_reporting(bytes, |_| {}, on_case)
            }
        };
        (cases, outcome)
    }

    /// The documents the two readings are compared on: the example cases edited in every way a
    /// hand or a careless tool edits a file, byte by byte and field by field.
    fn edited_documents() -> Vec<Vec<u8>> {
        let base = crate::builtin::EXAMPLE_CASES;
        let mut docs = vec![base.as_bytes().to_vec()];
        let bytes = base.as_bytes();
        for at in (0..bytes.len()).step_by(23) {
            for b in [
                b'"', b'{', b']', b',', b'\\', b'0', b'-', 0x01, 0xff, b'e', b' ',
            ] {
                let mut d = bytes.to_vec();
                d[at] = b;
                docs.push(d);
            }
            let mut d = bytes.to_vec();
            d.remove(at);
            docs.push(d);
        }
        let edits: &[(&str, &str)] = &[
            ("\"title\": ", "\"title\": \"再\", \"title\": "),
            ("\"actor\": ", "\"actor\": \"张三\", \"actor\": "),
            ("\"version\": ", "\"version\": \"v9\", \"version\": "),
            ("\"technical\": true", "\"technical\": true, \"technical\": false"),
            ("\"signed\": true", "\"signed\": true, \"signed\": false"),
            ("\"events\": [", "\"events\": [], \"events\": ["),
            ("\"type\": ", "\"t\\u0079pe\": "),
            ("\"title\": \"", "\"title\": \"\\ud800"),
            ("\"title\": \"", "\"title\": \"\\u00e9\\n"),
            ("\"ref\": \"", "\"ref\": \"\\u200b"),
            ("\"ref\": \"", "\"ref\": \" "),
            ("\"actor\": \"", "\"actor\": \"\\u0000"),
            ("\"members_present\": ", "\"members_present\": 1e400, \"x\": "),
            ("\"members_present\": ", "\"members_present\": 4.0, \"x\": "),
            ("\"members_total\": ", "\"members_total\": 99999999999999999999, \"x\": "),
            ("\"opinions_received\": ", "\"opinions_received\": -1, \"x\": "),
            ("\"type\": \"opened\",", "\"type\": \"opened\", \"extra\": 1e999,"),
            ("\"workflow\": ", "\"catalogue\": {\"organ\": \"XX县人民政府\", \"year\": 2023, \"item\": \"1\"}, \"workflow\": "),
            ("\"workflow\": ", "\"catalogue\": null, \"workflow\": "),
            ("\"workflow\": ", "\"attributes\": {}, \"workflow\": "),
            ("\"attributes\": {", "\"attributes\": {\"x\": 1, "),
            ("\"category\": \"", "\"category\": \"x"),
            ("\"at\": \"2023", "\"at\": \"1023"),
            ("\"at\": \"", "\"at\": \" "),
            ("\"role\": \"", "\"role\": \"x"),
            ("\"reason\": ", "\"reason\": 1, \"x\": "),
            ("{\n          \"type\"", "{\"recorded_at\": \"2023-01-01T00:00:00+08:00\", \"type\""),
            ("{\n          \"type\"", "{\"recorded_at\": null, \"type\""),
            ("\"cases\": [", "\"cases\": [{},"),
            ("\"cases\": [", "\"cases\": [[],"),
            ("\"cases\": [", "\"cases\": [null, "),
            ("\n    }\n  ]", "\n    },\n  ]"),
        ];
        for (from, to) in edits {
            for (at, _) in base.match_indices(from) {
                let mut d = base[..at].to_owned();
                d.push_str(to);
                d.push_str(&base[at + from.len()..]);
                docs.push(d.into_bytes());
            }
        }
        // The head and tail laid out otherwise than juece writes them (left to the strict
        // reading, which reads them the same), and what follows the document.
        let reordered = base
            .replacen("\"format\": \"juece-cases/1\",", "", 1)
            .replacen("\n  ]\n}", "\n  ],\n  \"format\": \"juece-cases/1\"\n}", 1);
        for d in [
            reordered,
            base.replacen("juece-cases/1", "juece-cases\\/1", 1),
            base.replacen("juece-cases/1", "juece-cases/2", 1),
            base.replacen("juece-cases/1", "juece-cases/3", 1),
            format!("{base} x"),
            format!("{base}\n\n"),
            format!("  {base}"),
            base.replacen("\n  ]\n}", "\n  ], \"extra\": 1\n}", 1),
            base.replacen("\n  ]\n}", "\n  ]\n", 1),
            base.replacen("\n  ]\n}", "\n  ]\n}}", 1),
            r#"{"format":"juece-cases/1","cases":[]}"#.to_owned(),
            r#"{"format":"juece-cases/1","cases":[ ] }"#.to_owned(),
            r#"{"format":"juece-cases/1","cases":[1 2]}"#.to_owned(),
            r#"{"format":"juece-cases/1","cases":[12345678901234567890123]}"#.to_owned(),
            r#"{"format":"juece-cases/1","cases":["x"]}"#.to_owned(),
            format!(
                "{{\"format\":\"juece-cases/1\",\"cases\":[0.{}x]}}",
                "0".repeat(QUICK_CASE_WINDOW)
            ),
            format!(
                "{{\"format\":\"juece-cases/1\",\"cases\":[{}]}}",
                "1".repeat(QUICK_CASE_WINDOW)
            ),
        ] {
            docs.push(d.into_bytes());
        }
        // Nested deeper than the strict reading goes (it stops at its depth limit; the quick
        // reading reads no case from more than a window of the file), and a case longer than
        // the window (a title over the field limit).
        let deep = 100_000;
        docs.push(
            format!(
                "{{\"format\":\"juece-cases/1\",\"cases\":[{}{}]}}",
                "[".repeat(deep),
                "]".repeat(deep)
            )
            .into_bytes(),
        );
        docs.push(
            format!(
                "{{\"format\":\"juece-cases/1\",\"cases\":[{}]}}",
                "[".repeat(2 * QUICK_CASE_WINDOW)
            )
            .into_bytes(),
        );
        docs.push(
            base.replacen(
                "\"title\": \"",
                &format!("\"title\": \"{}", "长".repeat(QUICK_CASE_WINDOW / 2)),
                1,
            )
            .into_bytes(),
        );
        // A case repeated (a duplicate reference), and the last case cut off.
        if let (Some(first), Some(last)) = (base.find("\n    {"), base.rfind("\n    }")) {
            let case = &base[first..last + 6];
            let mut d = base[..last + 6].to_owned();
            d.push(',');
            d.push_str(case);
            d.push_str(&base[last + 6..]);
            docs.push(d.into_bytes());
            docs.push(base.as_bytes()[..last].to_vec());
        }
        docs
    }

    #[test]
    fn the_quick_reading_reads_as_the_strict_one() {
        let docs = edited_documents();
        let mut errors = 0;
        for (k, doc) in docs.iter().enumerate() {
            let quick = handed_on(doc, false);
            let strict = handed_on(doc, true);
            errors += usize::from(strict.1.is_err());
            assert_eq!(
                quick,
                strict,
                "document {k}: {}",
                String::from_utf8_lossy(doc)
            );
        }
        // The edits reach both sides: most documents are refused, some still read.
        assert!(errors > docs.len() / 2, "{errors} of {}", docs.len());
        assert!(errors < docs.len(), "{errors} of {}", docs.len());
    }

    #[test]
    fn the_quick_reading_reads_what_juece_writes_and_leaves_the_rest() {
        // What juece writes, it reads by itself: the strict reading is not what passes the
        // test above.
        let mut handed = 0;
        let outcome = read_quickly::<CaseFileError>(
            crate::builtin::EXAMPLE_CASES.as_bytes(),
            &mut |_| {},
            &mut |_, _| {
                handed += 1;
                Ok(())
            },
        );
        assert!(outcome.is_ok());
        assert_eq!(handed, 3);
        // A case longer than its window is not read past it (however deep it nests), and the
        // strict reading words the error.
        let deep = format!(
            "{{\"format\":\"juece-cases/1\",\"cases\":[{}]}}",
            "[".repeat(2 * QUICK_CASE_WINDOW)
        );
        let outcome =
            read_quickly::<CaseFileError>(deep.as_bytes(), &mut |_| {}, &mut |_, _| Ok(()));
        assert!(matches!(outcome, Err(QuickStop::ReadAgainFrom(0))));
        let e = stream_cases(deep.as_bytes(), |_, _| Ok::<(), CaseFileError>(()))
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(e.contains("recursion limit exceeded"), "{e}");
    }
}
