//! Numbered schema migrations, embedded in the binary and applied on open
//! (DUR-03). The database's `user_version` is the number of the last one
//! applied; a database newer than this build is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

use memstore_store::error::{Result, StoreError};

/// The migrations, in order; migration `n` (1-based) is `MIGRATIONS[n - 1]`.
/// Never edit a released one: add the next.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_initial", include_str!("migrations/0001_initial.sql")),
    (
        "0002_sessions",
        include_str!("migrations/0002_sessions.sql"),
    ),
    (
        "0003_api_keys",
        include_str!("migrations/0003_api_keys.sql"),
    ),
    (
        "0004_shell_state",
        include_str!("migrations/0004_shell_state.sql"),
    ),
    (
        "0005_session_agents",
        include_str!("migrations/0005_session_agents.sql"),
    ),
];

/// Brings the schema up to date; safe when several processes open the same
/// file at once (the check and the migration share one write transaction).
///
/// # Errors
/// A database error, or [`StoreError::Unusable`] for a newer schema.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies migrations up to number `target` (tests use this to build a
/// database as an older release left it).
///
/// # Errors
/// As `migrate`: a database error, or a newer schema.
pub fn migrate_to(conn: &mut Connection, target: usize) -> Result<()> {
    let db = |e| crate::db_error("migrating the schema", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let current: usize = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    if current > MIGRATIONS.len() {
        // Seen here rather than by the preflight only when a newer memstore's
        // migration is still in the write-ahead log.
        return Err(StoreError::Unusable(format!(
            "{} was written by a newer memstore (schema version {current}; this memstore \
             knows up to {}); upgrade memstore to open it; the file was not modified",
            tx.path().unwrap_or("the database"),
            MIGRATIONS.len()
        )));
    }
    for (number, (name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        tracing::info!(migration = name, "applying schema migration");
        tx.execute_batch(sql).map_err(db)?;
        tx.pragma_update(None, "user_version", number + 1)
            .map_err(db)?;
    }
    tx.commit().map_err(db)
}
