//! Migration harness: for every schema version, a database holding data at that version is
//! upgraded to the latest and every row is still there; and no migration destroys user data.

#![cfg(feature = "backend")]

use std::collections::BTreeMap;
use std::path::Path;

use libreollama::store::migrations;
use rusqlite::types::Value;
use rusqlite::Connection;

type Rows = Vec<BTreeMap<String, Value>>;

/// Tables that hold data: not SQLite's or refinery's, and not full-text indexes (virtual tables
/// and their shadow tables), which are derived from the tables and may be rebuilt.
fn user_tables(conn: &Connection) -> Vec<String> {
    let mut st = conn
        .prepare(
            "SELECT t.name FROM sqlite_master t WHERE t.type='table' AND t.name NOT LIKE 'sqlite_%' \
             AND t.name != 'refinery_schema_history' AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
             AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type='table' \
                 AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND t.name LIKE v.name || '_%') ORDER BY t.name",
        )
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

fn snapshot(conn: &Connection) -> BTreeMap<String, Rows> {
    let mut out = BTreeMap::new();
    for t in user_tables(conn) {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let cols: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
        let rows = st
            .query_map([], |r| {
                let mut m = BTreeMap::new();
                for (i, c) in cols.iter().enumerate() {
                    m.insert(c.clone(), r.get::<_, Value>(i)?);
                }
                Ok(m)
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        out.insert(t, rows);
    }
    out
}

fn fixture(version: i64) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migrations")
        .join(format!("V{version}.sql"));
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "migration V{version} has no data fixture at {}: add one that fills every table it creates",
            path.display()
        )
    })
}

#[test]
fn every_version_upgrades_to_latest_with_all_rows_kept() {
    let embedded = migrations::embedded();
    assert!(!embedded.is_empty());
    let latest = embedded.last().unwrap().version;
    for m in &embedded {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("db.sqlite")).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        // Data written at each version in turn, as a long-lived installation accumulates it.
        for earlier in embedded.iter().filter(|e| e.version <= m.version) {
            migrations::run_to(&mut conn, Some(earlier.version)).unwrap();
            conn.execute_batch(&fixture(earlier.version)).unwrap();
        }
        let before = snapshot(&conn);
        for (t, rows) in &before {
            assert!(
                !rows.is_empty(),
                "fixture V{} leaves table {t} empty",
                m.version
            );
        }

        migrations::run(&mut conn).unwrap();
        let applied = migrations::applied(&conn).unwrap();
        assert_eq!(applied.last().unwrap().version, latest);
        let after = snapshot(&conn);
        for (table, rows) in &before {
            let now = after
                .get(table)
                .unwrap_or_else(|| panic!("table {table} vanished upgrading from V{}", m.version));
            for row in rows {
                // Every old column keeps its value; new columns may be added.
                let found = now
                    .iter()
                    .any(|n| row.iter().all(|(c, v)| n.get(c) == Some(v)));
                assert!(
                    found,
                    "row {row:?} of {table} lost upgrading from V{}",
                    m.version
                );
            }
        }
        // Both full-text indexes hold every message the fixtures hold (the headers' one since
        // V21), whichever way the message got its key.
        for (table, expr) in [
            ("mail_fts_v2", "köln"),
            ("mail_fts_headers", "subject : köln"),
        ] {
            let found: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM mail_messages m WHERE m.fts_key IN \
                         (SELECT rowid FROM {table} WHERE {table} MATCH ?1)"
                    ),
                    [expr],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                found,
                i64::from(m.version >= 3),
                "{table} after upgrading from V{}",
                m.version
            );
        }
        let fk: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0);
    }
}

/// Statements that destroy rows or tables. A migration may rebuild a table only by copying it
/// forward first (`INSERT INTO new ... SELECT ... FROM old`) in the same file.
fn destructive_problems(name: &str, raw: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let text: String = raw
        .lines()
        .map(|l| l.split("--").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
        .to_uppercase();
    let statements: Vec<String> = text
        .split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for st in &statements {
        if st.starts_with("DELETE FROM")
            || st.contains(" DROP COLUMN")
            || st.starts_with("TRUNCATE")
        {
            problems.push(format!("{name}: {st}"));
        }
        if let Some(rest) = st.strip_prefix("DROP TABLE ") {
            let table = rest
                .trim_start_matches("IF EXISTS ")
                .trim()
                .trim_matches('"');
            let copied = statements
                .iter()
                .any(|s| s.starts_with("INSERT INTO ") && s.contains(&format!(" FROM {table}")));
            if !copied {
                problems.push(format!(
                    "{name}: drops {table} without copying its rows forward"
                ));
            }
        }
        if st.starts_with("UPDATE ") && !st.contains(" WHERE ") {
            problems.push(format!("{name}: rewrites every row: {st}"));
        }
    }
    problems
}

#[test]
fn migrations_contain_no_destructive_statements() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut problems = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        problems.extend(destructive_problems(
            &name,
            &std::fs::read_to_string(&f).unwrap(),
        ));
    }
    assert!(
        problems.is_empty(),
        "destructive migrations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_destructive_scan_notices_each_kind() {
    for bad in [
        "DROP TABLE settings;",
        "drop table if exists task_metadata;",
        "DELETE FROM gmail_accounts_secure WHERE 1;",
        "ALTER TABLE settings DROP COLUMN value;",
        "UPDATE settings SET value = '';",
    ] {
        assert_eq!(destructive_problems("bad.sql", bad).len(), 1, "{bad}");
    }
    let rebuild = "CREATE TABLE settings_new (key TEXT);
        INSERT INTO settings_new (key) SELECT key FROM settings;
        DROP TABLE settings;
        ALTER TABLE settings_new RENAME TO settings;
        -- DELETE FROM settings; (a comment is not a statement)";
    assert!(destructive_problems("ok.sql", rebuild).is_empty());
}
