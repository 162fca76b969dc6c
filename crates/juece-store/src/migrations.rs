//! Schema migrations on `PRAGMA user_version`, written by hand: each numbered `.sql` file under
//! `migrations/` runs once, in order, in one transaction with the version bump.

use rusqlite::Connection;

use crate::StoreError;

/// The migrations, in order; the database's `user_version` is how many have run.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_users.sql"),
    include_str!("../migrations/0003_commands.sql"),
    include_str!("../migrations/0004_listing_indexes.sql"),
    include_str!("../migrations/0005_records.sql"),
    include_str!("../migrations/0006_catalogues.sql"),
    include_str!("../migrations/0007_web.sql"),
    include_str!("../migrations/0008_organs.sql"),
];

/// The migration that created `records`: after its SQL, the profiles and users already stored
/// are entered into the chain.
const RECORDS_MIGRATION: usize = 5;

/// Refuses a database written by a newer juece, before anything else touches it.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    Ok(())
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the write lock.
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        if i + 1 == RECORDS_MIGRATION {
            crate::records::backfill(&tx)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}
