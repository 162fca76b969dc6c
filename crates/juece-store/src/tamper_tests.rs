//! Tamper detection: random single mutations of a stored log, as someone with raw write access
//! to the database file would make them, are all detected once a checkpoint is held.

use juece_core::event::Case;
use juece_core::{builtin, casefile};
use rusqlite::params;

use crate::{Anchor, Projection, SqliteStore as Store};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn cases() -> Vec<Case> {
    let examples = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
    let mut out = Vec::new();
    for i in 0..4 {
        for c in &examples {
            let mut c = c.clone();
            c.header.case_ref = format!("{}-{i}", c.header.case_ref);
            out.push(c);
        }
    }
    out
}

fn projection() -> Projection {
    Projection {
        status: juece_core::ids::Status::Open,
        has_skipped: false,
        has_override: false,
        violations: 0,
        warnings: 0,
    }
}

/// The log every trial starts from.
fn original(cases: &[Case]) -> Store {
    let profiles = builtin::profiles().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let batch: Vec<_> = cases
        .iter()
        .map(|c| {
            (
                c,
                profiles.resolve(&c.header.workflow).unwrap(),
                projection(),
            )
        })
        .collect();
    store.import(batch).unwrap();
    store
}

/// A copy of `original` that an attacker with raw access can edit: no triggers, no foreign keys.
fn copy_for_tampering(original: &Store) -> Store {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    rusqlite::backup::Backup::new(&original.conn, &mut conn)
        .unwrap()
        .run_to_completion(1000, std::time::Duration::ZERO, None)
        .unwrap();
    conn.execute_batch("DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted; PRAGMA foreign_keys = OFF;")
        .unwrap();
    Store { conn }
}

fn fresh(cases: &[Case]) -> Store {
    copy_for_tampering(&original(cases))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    FlipByte,
    DeleteRow,
    SwapRows,
    InsertRow,
    TruncateTail,
    DropCase,
    EditHeader,
}

const KINDS: [Mutation; 7] = [
    Mutation::FlipByte,
    Mutation::DeleteRow,
    Mutation::SwapRows,
    Mutation::InsertRow,
    Mutation::TruncateTail,
    Mutation::DropCase,
    Mutation::EditHeader,
];

/// Applies one mutation; returns whether it touches only the end of the log (which only a
/// checkpoint can reveal).
fn mutate(store: &Store, kind: Mutation, rng: &mut Rng) -> bool {
    let conn = &store.conn;
    let n: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    let pick = |rng: &mut Rng| 1 + rng.below(n as u64) as i64;
    match kind {
        Mutation::FlipByte => {
            let id = pick(rng);
            let mut bytes: Vec<u8> = conn
                .query_row(
                    "SELECT canonical FROM events WHERE event_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            let at = rng.below(bytes.len() as u64) as usize;
            bytes[at] ^= 1 << rng.below(8);
            conn.execute(
                "UPDATE events SET canonical = ?1 WHERE event_id = ?2",
                params![bytes, id],
            )
            .unwrap();
            false
        }
        Mutation::DeleteRow => {
            let id = pick(rng);
            conn.execute("DELETE FROM events WHERE event_id = ?1", [id])
                .unwrap();
            id == n
        }
        Mutation::SwapRows => {
            let a = pick(rng);
            let mut b = pick(rng);
            if a == b {
                b = if a == n { a - 1 } else { a + 1 };
            }
            conn.execute_batch(&format!(
                "CREATE TEMP TABLE s AS SELECT * FROM events WHERE event_id IN ({a}, {b});
                 UPDATE events SET case_id = (SELECT case_id FROM s WHERE event_id = {b}) + 1000000,
                    seq = (SELECT seq FROM s WHERE event_id = {b}), canonical = (SELECT canonical FROM s WHERE event_id = {b}),
                    leaf_hash = (SELECT leaf_hash FROM s WHERE event_id = {b}), chain_hash = (SELECT chain_hash FROM s WHERE event_id = {b})
                    WHERE event_id = {a};
                 UPDATE events SET case_id = (SELECT case_id FROM s WHERE event_id = {a}),
                    seq = (SELECT seq FROM s WHERE event_id = {a}), canonical = (SELECT canonical FROM s WHERE event_id = {a}),
                    leaf_hash = (SELECT leaf_hash FROM s WHERE event_id = {a}), chain_hash = (SELECT chain_hash FROM s WHERE event_id = {a})
                    WHERE event_id = {b};
                 UPDATE events SET case_id = case_id - 1000000 WHERE event_id = {a};
                 DROP TABLE s;"
            ))
            .unwrap();
            false
        }
        Mutation::InsertRow => {
            // A copy of a random event, filed as a new event of its case, placed mid-log.
            let src = pick(rng);
            let at = 1 + rng.below((n - 1).max(1) as u64) as i64;
            let src = if src > at { src + 1_000_000 } else { src };
            conn.execute_batch(&format!(
                "UPDATE events SET event_id = event_id + 1000000 WHERE event_id > {at};
                 INSERT INTO events (event_id, case_id, seq, canonical, leaf_hash, chain_hash)
                    SELECT {at} + 1, case_id, seq + 100000, canonical, leaf_hash, chain_hash FROM events WHERE event_id = {src};"
            ))
            .unwrap();
            false
        }
        Mutation::TruncateTail => {
            let k = 1 + rng.below(5) as i64;
            conn.execute("DELETE FROM events WHERE event_id > ?1", [n - k])
                .unwrap();
            true
        }
        Mutation::DropCase => {
            let cases: i64 = conn
                .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
                .unwrap();
            let case_id = 1 + rng.below(cases as u64) as i64;
            conn.execute_batch(&format!(
                "DELETE FROM events WHERE case_id = {case_id};
                 DELETE FROM case_projection WHERE case_id = {case_id};
                 DELETE FROM commands WHERE case_id = {case_id};
                 DELETE FROM cases WHERE case_id = {case_id};"
            ))
            .unwrap();
            case_id == cases
        }
        Mutation::EditHeader => {
            let case_id: i64 = 1 + rng.below(4) as i64;
            let field = ["title", "organ", "attributes", "category"][rng.below(4) as usize];
            let value = match field {
                "attributes" => {
                    r#"{"technical":false,"stability_risk":false,"hearing_required":false,"confidential":false,"market_entities":false}"#
                }
                "category" => "other",
                _ => "某某",
            };
            conn.execute(
                &format!("UPDATE cases SET {field} = ?1 WHERE case_id = ?2"),
                params![value, case_id],
            )
            .unwrap();
            false
        }
    }
}

#[test]
fn an_untouched_log_verifies_against_its_checkpoint() {
    let cases = cases();
    let store = fresh(&cases);
    let anchor = store.head().unwrap();
    let report = store.verify(Some(anchor)).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.anchored, Some(anchor.size));
    assert_eq!(report.unanchored, 0);
    assert_eq!(
        report.events,
        cases.iter().map(|c| c.events.len() as u64).sum::<u64>()
    );
}

#[test]
fn tamper_detection_with_a_checkpoint() {
    let cases = cases();
    let base = original(&cases);
    let anchor: Anchor = base.head().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut counts = [0usize; 7];
    for trial in 0..2000 {
        let kind = KINDS[trial % KINDS.len()];
        let store = copy_for_tampering(&base);
        let tail_only = mutate(&store, kind, &mut rng);
        let with_checkpoint = store.verify(Some(anchor)).unwrap();
        let detected = !with_checkpoint.ok() || with_checkpoint.anchored != Some(anchor.size);
        assert!(
            detected,
            "trial {trial}: {kind:?} went undetected with a checkpoint: {with_checkpoint:?}"
        );
        if !tail_only {
            let without = store.verify(None).unwrap();
            assert!(
                !without.ok(),
                "trial {trial}: {kind:?} (not at the tail) went undetected by the chain alone"
            );
        }
        counts[trial % KINDS.len()] += 1;
        if kind == Mutation::InsertRow {
            assert_eq!(
                with_checkpoint.events,
                anchor.size + 1,
                "the row was inserted"
            );
        }
    }
    assert!(counts.iter().all(|&c| c >= 285), "{counts:?}");
}

#[test]
fn a_full_rewrite_is_undetectable_without_a_checkpoint() {
    // Documented in docs/log-format.md: recomputing every hash after an edit passes `verify`,
    // and only a checkpoint held elsewhere reveals it.
    let cases = cases();
    let store = fresh(&cases);
    let anchor = store.head().unwrap();
    let rows: Vec<(i64, Vec<u8>)> = store
        .conn
        .prepare("SELECT event_id, canonical FROM events ORDER BY event_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = juece_core::log::GENESIS;
    for (id, canonical) in rows {
        let canonical = String::from_utf8(canonical)
            .unwrap()
            .replace("\"approve\"", "\"reject\"")
            .into_bytes();
        let leaf = juece_core::log::leaf_hash(&canonical);
        let chain = juece_core::log::chain_hash(&prev, &leaf);
        store
            .conn
            .execute(
                "UPDATE events SET canonical = ?1, leaf_hash = ?2, chain_hash = ?3 WHERE event_id = ?4",
                params![canonical, &leaf[..], &chain[..], id],
            )
            .unwrap();
        prev = chain;
    }
    assert!(
        store.verify(None).unwrap().ok(),
        "the chain alone cannot tell"
    );
    let report = store.verify(Some(anchor)).unwrap();
    assert!(!report.ok(), "the checkpoint can");
}

#[test]
fn durability_settings_are_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.db")).unwrap();
    let (mode, synchronous, busy) = store.durability().unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(synchronous, 2, "FULL");
    assert_eq!(busy, 30_000);
    assert!(rusqlite::version_number() >= crate::MIN_SQLITE);
}
