//! The local SQLite store: one writer connection, a small pool of read-only readers, WAL.
//! Every call runs on tokio's blocking pool, never on the caller's (UI) thread.

pub mod accounts;
pub mod ai_endpoints;
pub mod calendar;
pub mod calendar_ops;
pub mod chats;
pub mod drafts;
pub mod embeddings;
pub mod gmail_drafts;
pub mod health;
pub mod image_senders;
pub mod labels;
pub mod locks;
pub mod mail;
pub mod mail_actions;
pub mod mail_parts;
pub mod mail_search;
pub mod mail_sync;
pub mod mail_texts;
pub mod migrations;
pub mod notify;
pub mod oauth_client;
pub mod outbox;
pub mod queue;
pub mod settings;
pub mod snooze;
pub mod task_lists;
pub mod task_ops;
pub mod task_sync;
pub mod tasks;
#[cfg(test)]
pub mod testing;
pub mod threads;
pub mod vault;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{LibreOllamaError, Result};

pub const DB_FILE: &str = "libreollama.db";
const READERS: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A random id for a row made here: `prefix-` and 16 hex digits.
pub fn new_id(prefix: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!(
        "{prefix}-{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

pub use crate::clock::now_unix;

struct Inner {
    data_dir: PathBuf,
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: tokio::sync::Semaphore,
    /// Reads go to the writer, a query-only connection (the light open of a short command: one
    /// connection, as each opened costs a parse of the whole schema, about a millisecond).
    reads_on_writer: bool,
}

impl Drop for Inner {
    /// Readers close first: the writer, closing last, checkpoints the write-ahead log into the
    /// database and deletes it. A read-only connection closing last cannot, and the log would
    /// wait for the next process.
    fn drop(&mut self) {
        if let Ok(readers) = self.readers.get_mut() {
            readers.clear();
        }
    }
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

fn apply_pragmas(conn: &Connection, writer: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    if writer {
        // journal_mode is a property of the file; setting it once from the writer is enough.
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "journal_mode stayed {mode}"
            )));
        }
        // FAST zeroes deleted content within pages at no extra I/O; full ON roughly doubles the
        // writes of every FTS merge. Secrets are sealed anyway, so nothing readable is left.
        conn.pragma_update(None, "secure_delete", "FAST")?;
        // FTS5 segment merges during bulk ingest reread recent pages: a 64 MiB cache keeps them
        // in memory (the default is 2 MiB).
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and runs pending migrations.
    pub fn open_blocking(data_dir: &Path) -> Result<Store> {
        crate::fsutil::create_private_dir(data_dir)
            .map_err(|e| LibreOllamaError::io(data_dir, e))?;
        let path = data_dir.join(DB_FILE);
        crate::fsutil::touch_private(&path).map_err(|e| LibreOllamaError::io(&path, e))?;

        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| LibreOllamaError::db("opening the database", e))?;
        apply_pragmas(&writer, true)
            .map_err(|e| LibreOllamaError::db("configuring the database", e))?;
        {
            // Two processes starting together: one migrates, the other waits and finds it done.
            let _lock = locks::MigrationLock::acquire(data_dir)?;
            migrations::run(&mut writer)?;
        }

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| LibreOllamaError::db("opening a reader", e))?;
            apply_pragmas(&r, false)
                .map_err(|e| LibreOllamaError::db("configuring a reader", e))?;
            readers.push(r);
        }
        tracing::info!(path = %path.display(), readers = READERS, "database opened");
        Ok(Store {
            inner: Arc::new(Inner {
                data_dir: data_dir.to_path_buf(),
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(readers),
                reader_slots: tokio::sync::Semaphore::new(READERS),
                reads_on_writer: false,
            }),
        })
    }

    /// For a short command that only reads (a search from the terminal): when the schema is
    /// already current, one connection, read-only (`query_only`), and no migration lock — a
    /// process started per query pays for five connections otherwise (each parses the whole
    /// schema). Anything else (no database yet, pending migrations) takes the full
    /// [`Store::open_blocking`], which can write.
    pub fn open_for_reading_blocking(data_dir: &Path) -> Result<Store> {
        let path = data_dir.join(DB_FILE);
        let current = || -> rusqlite::Result<Option<Connection>> {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let writer = Connection::open_with_flags(&path, flags)?;
            writer.busy_timeout(BUSY_TIMEOUT)?;
            let applied: Option<i64> = writer.query_row(
                "SELECT MAX(version) FROM refinery_schema_history",
                [],
                |r| r.get(0),
            )?;
            if applied != Some(migrations::LATEST) {
                return Ok(None);
            }
            // The full open also gives every message its index key after migrating (and a
            // process killed during that leaves some without): search only a finished index.
            let unindexed: bool = writer.query_row(
                "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE fts_key IS NULL)",
                [],
                |r| r.get(0),
            )?;
            if unindexed {
                return Ok(None);
            }
            apply_pragmas(&writer, true)?;
            // A search never writes; closing still checkpoints and removes the log.
            writer.pragma_update(None, "query_only", true)?;
            Ok(Some(writer))
        };
        match path.is_file().then(current) {
            Some(Ok(Some(writer))) => Ok(Store {
                inner: Arc::new(Inner {
                    data_dir: data_dir.to_path_buf(),
                    path,
                    writer: Mutex::new(writer),
                    readers: Mutex::new(Vec::new()),
                    reader_slots: tokio::sync::Semaphore::new(1),
                    reads_on_writer: true,
                }),
            }),
            _ => Store::open_blocking(data_dir),
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The data folder the database lives in (lock files sit beside it).
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Runs `f` with a read-only connection on the blocking pool (a reader, or the light open's
    /// one query-only connection).
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = self
            .inner
            .reader_slots
            .acquire()
            .await
            .map_err(|_| LibreOllamaError::Internal("reader pool closed".into()))?;
        let inner = self.inner.clone();
        let out = tokio::task::spawn_blocking(move || {
            if inner.reads_on_writer {
                let conn = inner
                    .writer
                    .lock()
                    .map_err(|_| LibreOllamaError::Internal("writer poisoned".into()))?;
                return f(&conn);
            }
            let conn = inner
                .readers
                .lock()
                .map_err(|_| LibreOllamaError::Internal("reader pool poisoned".into()))?
                .pop()
                .ok_or_else(|| LibreOllamaError::Internal("reader pool empty".into()))?;
            let result = f(&conn);
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("database task failed: {e}")))?;
        drop(permit);
        out
    }

    /// Runs `f` with the single writer connection on the blocking pool. `f` opens its own
    /// transaction when it needs one (see [`Store::transaction`]).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .writer
                .lock()
                .map_err(|_| LibreOllamaError::Internal("writer poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` inside one IMMEDIATE transaction on the writer: all or nothing.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| LibreOllamaError::db("starting a transaction", e))?;
            let out = f(&tx)?;
            tx.commit()
                .map_err(|e| LibreOllamaError::db("committing a transaction", e))?;
            Ok(out)
        })
        .await
    }

    /// Direct access to the writer for start-up work that already runs on a blocking thread.
    pub fn with_writer_blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self
            .inner
            .writer
            .lock()
            .map_err(|_| LibreOllamaError::Internal("writer poisoned".into()))?;
        f(&mut conn)
    }
}

#[cfg(test)]
mod open_tests {
    use super::*;

    /// The light open never skips a migration: a new folder and an old schema take the full
    /// open (which migrates); a current schema gets one query-only connection.
    #[tokio::test]
    async fn reading_open_migrates_when_needed_and_is_light_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_for_reading_blocking(dir.path()).unwrap();
        let latest = migrations::embedded().last().unwrap().version;
        let applied = s
            .read(|c| Ok(migrations::applied(c)?.last().map(|m| m.version)))
            .await
            .unwrap();
        assert_eq!(applied, Some(latest), "a new database is migrated");
        assert_eq!(s.inner.readers.lock().unwrap().len(), READERS);
        drop(s);

        let s = Store::open_for_reading_blocking(dir.path()).unwrap();
        assert!(s.inner.reads_on_writer);
        assert_eq!(s.inner.readers.lock().unwrap().len(), 0);
        let back: Option<u32> = s.read(|c| settings::get(c, "open-test")).await.unwrap();
        assert_eq!(back, None);
        let refused = s
            .write(|c| {
                settings::set(c, "open-test", &1u32)?;
                Ok(())
            })
            .await;
        assert!(refused.is_err(), "the light open only reads");
        drop(s);

        // One migration behind: the full open runs it.
        let old = tempfile::tempdir().unwrap();
        {
            let mut c = Connection::open(old.path().join(DB_FILE)).unwrap();
            migrations::run_to(&mut c, Some(latest - 1)).unwrap();
        }
        let s = Store::open_for_reading_blocking(old.path()).unwrap();
        assert!(!s.inner.reads_on_writer);
        assert_eq!(s.inner.readers.lock().unwrap().len(), READERS);
        let applied = s
            .read(|c| Ok(migrations::applied(c)?.last().map(|m| m.version)))
            .await
            .unwrap();
        assert_eq!(applied, Some(latest));
    }
}
