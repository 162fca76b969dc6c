//! The checks of one stored row against its case: prefix, sequence, header, hashes.

use super::*;

/// `,"header":` — between the event and the header in the canonical bytes of a first event.
pub(crate) const HEADER_KEY: &[u8] = b",\"header\":";
/// `,"seq":0}` — how the canonical bytes of a first event end.
pub(crate) const FIRST_SEQ: &[u8] = b",\"seq\":0}";

/// One stored row as read: its columns, the byte ones borrowed from its batch.
pub(crate) struct Stored<'a> {
    pub(crate) row: &'a RowMeta,
    pub(crate) canonical: &'a [u8],
    pub(crate) leaf: &'a [u8],
    pub(crate) chain: &'a [u8],
}

pub(crate) fn check_row(
    stored: &Stored<'_>,
    position: u64,
    leaf: &Hash,
    chain: &Hash,
    cases: &mut Cases,
) -> Option<VerifyFailure> {
    let Stored { row, canonical, .. } = *stored;
    let Some((case, bytes)) = cases.get_mut(row.case_id) else {
        return Some(fail(
            Some(position),
            None,
            Some(row.seq),
            format!(
                "event {} belongs to case id {}, which is not in the database",
                row.event_id, row.case_id
            ),
        ));
    };
    let at = |what: String| {
        Some(fail(
            Some(position),
            Some(bytes.case_ref()),
            Some(row.seq),
            what,
        ))
    };
    // The bytes say which case and sequence they are (`{"case":REF,…,"seq":N}`, keys sorted):
    // checked on the bytes themselves; the hashes below prove the rest is what was written.
    if !canonical.starts_with(bytes.prefix) {
        return at(format!(
            "the stored event does not name case `{}`, under which it is filed",
            bytes.case_ref()
        ));
    }
    let mut buf = [0u8; 32];
    if !canonical.ends_with(seq_suffix(row.seq, &mut buf)) {
        return at(format!(
            "the stored event does not carry sequence {}, under which it is filed",
            row.seq
        ));
    }
    let expected_seq = case.next_seq;
    if row.seq != expected_seq {
        return at(format!(
            "sequence {} follows {} in this case: events are missing or reordered",
            row.seq,
            expected_seq - 1
        ));
    }
    case.next_seq = expected_seq + 1;
    if row.seq == 0 {
        // Needed for this one event only: taken out of the case, and dropped after it.
        let first = case.first.take();
        let plainly = matches!(&first, Some(FirstHeader::Canonical(header))
            if first_header_is_plainly_equal(header, &bytes, canonical));
        if !plainly {
            // Not settled on the bytes: parse and compare as JSON.
            let value: Value = match serde_json::from_slice(canonical) {
                Ok(v) => v,
                Err(e) => return at(format!("the stored event is not JSON ({e})")),
            };
            let same = match first {
                Some(FirstHeader::Json(header)) => value.get("header") == Some(&*header),
                Some(FirstHeader::Canonical(header)) => serde_json::from_slice::<Value>(&header)
                    .is_ok_and(|header| value.get("header") == Some(&header)),
                None => false,
            };
            if !same {
                return at("the case's title, attributes or workflow differ from those chained with its first event".into());
            }
        }
    }
    if stored.leaf != leaf.as_slice() {
        return at(format!(
            "the event's content differs from what was hashed (leaf hash {} stored, {} computed)",
            hex(stored.leaf),
            hex(leaf)
        ));
    }
    if stored.chain != chain.as_slice() {
        return at("the chain hash differs: an event before this one was changed, dropped, inserted or reordered".into());
    }
    None
}

/// `,"seq":N}` for `seq`, written into `buf` (as `format!` would, without allocating).
pub(crate) fn seq_suffix(seq: i64, buf: &mut [u8; 32]) -> &[u8] {
    let mut i = buf.len() - 1;
    buf[i] = b'}';
    let mut n = seq.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if seq < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    let tag = b",\"seq\":";
    i -= tag.len();
    buf[i..i + tag.len()].copy_from_slice(tag);
    &buf[i..]
}

/// Whether the canonical bytes of a case's first event, already known to begin with the case's
/// prefix and to end with `,"seq":0}`, end with `,"header":HEADER,"seq":0}`, HEADER being
/// `header`, the canonical form of the case's header (one that parses back to itself): decided
/// on the bytes, without building the JSON. Canonical bytes end so exactly when their `header`
/// is the case's. Anything else is settled by parsing and comparing as JSON. (Bytes that end so
/// but are not JSON elsewhere fail the leaf hash below, unless the whole chain was rewritten,
/// which only a checkpoint reveals.)
pub(crate) fn first_header_is_plainly_equal(
    header: &[u8],
    bytes: &CaseBytes<'_>,
    canonical: &[u8],
) -> bool {
    let tail = HEADER_KEY.len() + header.len() + FIRST_SEQ.len();
    let Some(members_end) = canonical.len().checked_sub(tail) else {
        return false;
    };
    if members_end <= bytes.prefix.len() {
        return false;
    }
    let Some(rest) = canonical.get(members_end..) else {
        return false;
    };
    let Some(stored) = rest
        .strip_prefix(HEADER_KEY)
        .and_then(|r| r.strip_suffix(FIRST_SEQ))
    else {
        return false;
    };
    stored == header
}

#[cfg(test)]
mod tests {
    use super::seq_suffix;

    #[test]
    fn the_seq_suffix_is_the_formatted_one() {
        for seq in [0, 1, 9, 10, 12_345, -1, -10, i64::MAX, i64::MIN] {
            let mut buf = [0u8; 32];
            assert_eq!(
                seq_suffix(seq, &mut buf),
                format!(",\"seq\":{seq}}}").as_bytes()
            );
        }
    }
}
