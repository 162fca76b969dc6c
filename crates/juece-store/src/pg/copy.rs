//! `juece migrate`: a county's SQLite database copied row for row into an empty PostgreSQL
//! database — every event with its bytes and hashes in its global order, the records, profiles,
//! users, catalogues, command ids, passwords and tokens — in one transaction. Nothing is
//! recomputed: the copy is proven by verifying it (the caller compares heads).

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::Transaction;

use super::{write_tx, PgStore};
use crate::{SqliteStore, StoreError};

/// What was copied: rows per table, in the order copied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopySummary {
    /// `(table, rows)`.
    pub tables: Vec<(String, u64)>,
}

/// How a column is read from SQLite and bound for PostgreSQL.
#[derive(Clone, Copy)]
enum Col {
    Int,
    Int32,
    Text,
    OptText,
    Bytes,
    Bool,
}

use Col::*;

/// A table: its name, its columns, and the `ORDER BY` its rows are copied in.
type Table = (&'static str, &'static [(&'static str, Col)], &'static str);

/// The tables, parents before children, each with its columns and the order its rows are
/// copied in (events in their global order).
const TABLES: &[Table] = &[
    (
        "profiles",
        &[("id", Text), ("version", Int), ("content", Text)],
        "id, version",
    ),
    (
        "users",
        &[
            ("name", Text),
            ("roles", Text),
            ("added_at", Text),
            ("organs", Text),
        ],
        "name",
    ),
    (
        "records",
        &[
            ("seq", Int),
            ("kind", Text),
            ("key", Text),
            ("canonical", Bytes),
            ("leaf_hash", Bytes),
            ("chain_hash", Bytes),
        ],
        "seq",
    ),
    (
        "cases",
        &[
            ("case_id", Int),
            ("ref", Text),
            ("title", Text),
            ("organ", Text),
            ("undertaking_unit", Text),
            ("category", Text),
            ("profile_id", Text),
            ("profile_version", Int),
            ("attributes", Text),
            ("catalogue", OptText),
        ],
        "case_id",
    ),
    (
        "events",
        &[
            ("event_id", Int),
            ("case_id", Int),
            ("seq", Int),
            ("canonical", Bytes),
            ("leaf_hash", Bytes),
            ("chain_hash", Bytes),
        ],
        "event_id",
    ),
    (
        "case_projection",
        &[
            ("case_id", Int),
            ("status", Text),
            ("last_seq", Int),
            ("last_at", Text),
            ("has_skipped", Bool),
            ("has_override", Bool),
            ("violations", Int),
            ("warnings", Int),
        ],
        "case_id",
    ),
    (
        "commands",
        &[
            ("command_id", Text),
            ("case_id", Int),
            ("first_seq", Int),
            ("count", Int),
        ],
        "command_id",
    ),
    (
        "catalogue_versions",
        &[
            ("catalogue_row", Int),
            ("organ", Text),
            ("year", Int32),
            ("version", Int),
            ("canonical", Bytes),
            ("leaf_hash", Bytes),
            ("chain_hash", Bytes),
        ],
        "catalogue_row",
    ),
    (
        "passwords",
        &[("name", Text), ("hash", Text), ("changed_at", Text)],
        "name",
    ),
    (
        "tokens",
        &[
            ("token_id", Text),
            ("name", Text),
            ("secret_hash", Text),
            ("created_at", Text),
            ("revoked_at", OptText),
        ],
        "token_id",
    ),
];

/// The identity columns whose sequences must continue after the copied rows.
const IDENTITIES: &[(&str, &str)] = &[
    ("cases", "case_id"),
    ("events", "event_id"),
    ("catalogue_versions", "catalogue_row"),
];

fn value(r: &rusqlite::Row<'_>, i: usize, col: Col) -> rusqlite::Result<Box<dyn ToSql + Sync>> {
    Ok(match col {
        Int => Box::new(r.get::<_, i64>(i)?),
        Int32 => Box::new(r.get::<_, i32>(i)?),
        Text => Box::new(r.get::<_, String>(i)?),
        OptText => Box::new(r.get::<_, Option<String>>(i)?),
        Bytes => Box::new(r.get::<_, Vec<u8>>(i)?),
        Bool => Box::new(r.get::<_, i64>(i)? != 0),
    })
}

impl Col {
    /// The column's type on PostgreSQL, as binary `COPY` sends it.
    fn pg_type(self) -> Type {
        match self {
            Int => Type::INT8,
            Int32 => Type::INT4,
            Text | OptText => Type::TEXT,
            Bytes => Type::BYTEA,
            Bool => Type::BOOL,
        }
    }
}

/// Streams one table's rows from SQLite into PostgreSQL by binary `COPY`: a county's million
/// rows as one stream, where a statement per row took a round trip each.
fn copy_table(
    src: &rusqlite::Connection,
    tx: &mut Transaction<'_>,
    table: &str,
    cols: &[(&str, Col)],
    order: &str,
) -> Result<u64, StoreError> {
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let types: Vec<Type> = cols.iter().map(|(_, c)| c.pg_type()).collect();
    let sink = tx.copy_in(&format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        names.join(", ")
    ))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut stmt = src.prepare(&format!(
        "SELECT {} FROM {table} ORDER BY {order}",
        names.join(", ")
    ))?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let values = cols
            .iter()
            .enumerate()
            .map(|(i, (_, col))| value(r, i, *col))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        writer.write(&params)?;
        n += 1;
    }
    writer.finish()?;
    Ok(n)
}

impl PgStore {
    /// Whatever this database already holds, by table (empty: nothing).
    fn holdings(tx: &mut Transaction<'_>) -> Result<Vec<String>, StoreError> {
        let mut held = Vec::new();
        for (table, ..) in TABLES {
            let n: i64 = tx
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                .get(0);
            if n > 0 {
                held.push(format!("{table}: {n}"));
            }
        }
        Ok(held)
    }

    /// Copies `src` into this database, which must be empty, in one transaction.
    pub(crate) fn copy_from(&mut self, src: &SqliteStore) -> Result<CopySummary, StoreError> {
        let mut tx = write_tx(self.client_mut()?)?;
        let held = PgStore::holdings(&mut tx)?;
        if !held.is_empty() {
            return Err(StoreError::TargetNotEmpty(held.join(", ")));
        }
        let mut summary = CopySummary::default();
        for (table, cols, order) in TABLES {
            let n = copy_table(&src.conn, &mut tx, table, cols, order)?;
            summary.tables.push(((*table).to_owned(), n));
        }
        for (table, column) in IDENTITIES {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce(max({column}), 0) + 1, false)::text FROM {table}"
                ),
                &[],
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }
}
