//! Numbered schema migrations, embedded in the binary and applied on open
//! (DUR-03). The one row of `memstore_schema` holds the number of the last
//! one applied; a database newer than this build is refused rather than
//! guessed at.

use postgres::Client;

use memstore_store::error::{Result, StoreError};

/// The migrations, in order; migration `n` (1-based) is `MIGRATIONS[n - 1]`.
/// Never edit a released one: add the next.
pub const MIGRATIONS: &[(&str, &str)] =
    &[("0001_initial", include_str!("migrations/0001_initial.sql"))];

/// The advisory lock (in the two-`int4` key space, see [`crate::LOCK_SPACE`])
/// that serialises migrations: two hosts starting at once do not both
/// migrate; the second waits, then finds the schema current.
const MIGRATION_LOCK: i32 = 1;

/// Brings the schema up to date; safe when several hosts open the same
/// database at once. `name` names the database in messages.
///
/// # Errors
/// A database error, or [`StoreError::Unusable`] for a newer schema.
pub fn migrate(client: &mut Client, name: &str) -> Result<()> {
    migrate_to(client, name, MIGRATIONS.len())
}

/// Applies migrations up to number `target` (tests use this to build a
/// database as an older release left it).
///
/// # Errors
/// As `migrate`: a database error, or a newer schema.
pub fn migrate_to(client: &mut Client, name: &str, target: usize) -> Result<()> {
    let db = |e| crate::db_error("migrating the schema", e);
    // One transaction: the lock, the check and every migration commit
    // together or not at all. Dropping `tx` on an early return rolls back.
    let mut tx = client.transaction().map_err(db)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&crate::LOCK_SPACE, &MIGRATION_LOCK],
    )
    .map_err(db)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS memstore_schema (version INTEGER NOT NULL)")
        .map_err(db)?;
    let row = tx
        .query_opt("SELECT max(version) FROM memstore_schema", &[])
        .map_err(db)?;
    let recorded: Option<i32> = row.and_then(|r| r.get(0));
    let current = recorded.map_or(0, |v| usize::try_from(v).unwrap_or(0));
    if current > MIGRATIONS.len() {
        return Err(StoreError::Unusable(format!(
            "{name} was written by a newer memstore (schema version {current}; this memstore \
             knows up to {}); upgrade memstore to open it; the database was not modified",
            MIGRATIONS.len()
        )));
    }
    if recorded.is_none() {
        tx.execute("INSERT INTO memstore_schema (version) VALUES (0)", &[])
            .map_err(db)?;
    }
    for (number, (migration, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        tracing::info!(migration, "applying schema migration");
        tx.batch_execute(sql).map_err(db)?;
        let version = i32::try_from(number + 1).expect("fewer than 2^31 migrations");
        tx.execute("UPDATE memstore_schema SET version = $1", &[&version])
            .map_err(db)?;
    }
    tx.commit().map_err(db)
}
