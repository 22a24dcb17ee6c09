//! Schema migrations, embedded from /migrations at build time (refinery).

use rusqlite::Connection;

use crate::error::{LibreOllamaError, Result};
pub use crate::model::MigrationInfo;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The newest migration built in. The light open of a terminal search compares the database
/// with it; listing the embedded migrations (refinery parses and hashes each) costs more than the
/// search itself. Raise it with each new migration: left behind, a terminal search would take
/// the full open (which migrates) every time; the unit test `latest_is_the_newest_embedded_migration`
/// fails until it equals the last of `embedded()`.
pub const LATEST: i64 = 22;

pub fn run(conn: &mut Connection) -> Result<()> {
    run_to(conn, None)
}

/// Migrates up to `target` (all pending when None). Used by the migration test harness to build
/// databases at every historical version.
pub fn run_to(conn: &mut Connection, target: Option<i64>) -> Result<()> {
    let mut runner = embedded::migrations::runner().set_grouped(true);
    if let Some(v) = target {
        runner = runner.set_target(refinery::Target::Version(v as _));
    }
    let report = runner
        .run(conn)
        .map_err(|e| LibreOllamaError::Migration(e.to_string()))?;
    for m in report.applied_migrations() {
        tracing::info!(
            version = m.version(),
            name = m.name(),
            "database migration applied"
        );
    }
    // From V6 on, messages carry a date-ordered index key; give one to any that lack it.
    let keyed: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('mail_messages') WHERE name = 'fts_key')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| LibreOllamaError::db("reading the schema", e))?;
    if keyed {
        crate::store::mail::index_missing(conn)?;
    }
    Ok(())
}

/// The migrations built in, in version order (the runner lists them by file name, which puts
/// V10 before V2).
pub fn embedded() -> Vec<MigrationInfo> {
    let mut v: Vec<MigrationInfo> = embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| MigrationInfo {
            version: m.version() as i64,
            name: m.name().to_string(),
        })
        .collect();
    v.sort_by_key(|m| m.version);
    v
}

pub fn applied(conn: &Connection) -> Result<Vec<MigrationInfo>> {
    let mut stmt = conn
        .prepare("SELECT version, name FROM refinery_schema_history ORDER BY version")
        .map_err(|e| LibreOllamaError::db("reading the migration history", e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(MigrationInfo {
                version: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .map_err(|e| LibreOllamaError::db("reading the migration history", e))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(|e| LibreOllamaError::db("reading the migration history", e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn latest_is_the_newest_embedded_migration() {
        assert_eq!(
            super::embedded().last().map(|m| m.version),
            Some(super::LATEST),
            "a migration was added: raise store::migrations::LATEST to its version"
        );
    }
}
