//! Locks between processes sharing one data folder (the app, the CLI, a second window). They
//! are OS file locks (`flock` on Unix, `LockFileEx` on Windows, through std's `File::lock`
//! family): the OS drops them when a process exits or is killed, so a crash never leaves a
//! folder locked. Nothing here relies on an in-process mutex.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{LibreOllamaError, Result};
use crate::store::queue::Queue;

const DIR: &str = "locks";

fn lock_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join(DIR);
    crate::fsutil::create_private_dir(&dir).map_err(|e| LibreOllamaError::io(&dir, e))?;
    Ok(dir)
}

fn open(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| LibreOllamaError::io(path, e))
}

/// Held while migrations run, so that two processes starting at once never migrate together.
pub struct MigrationLock(#[allow(dead_code)] File);

impl MigrationLock {
    /// Waits for any other process migrating this folder.
    pub fn acquire(data_dir: &Path) -> Result<MigrationLock> {
        let path = lock_dir(data_dir)?.join("migrate.lock");
        let f = open(&path)?;
        f.lock().map_err(|e| LibreOllamaError::io(&path, e))?;
        Ok(MigrationLock(f))
    }
}

/// One pusher per account and queue at a time, across processes: changes reach Google in the
/// order they were made.
pub struct PusherLock(#[allow(dead_code)] File);

impl PusherLock {
    /// The lock if no other pass (here or in another process) holds it, else None: the other
    /// pass sends what is queued.
    pub fn try_acquire(data_dir: &Path, queue: Queue, account: &str) -> Result<Option<PusherLock>> {
        let path =
            lock_dir(data_dir)?.join(format!("push-{}-{}.lock", queue.name(), file_key(account)));
        let f = open(&path)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(PusherLock(f))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(LibreOllamaError::io(&path, e)),
        }
    }

    /// Waits for the lock (a pass that must run, e.g. "send now").
    pub fn acquire(data_dir: &Path, queue: Queue, account: &str) -> Result<PusherLock> {
        let path =
            lock_dir(data_dir)?.join(format!("push-{}-{}.lock", queue.name(), file_key(account)));
        let f = open(&path)?;
        f.lock().map_err(|e| LibreOllamaError::io(&path, e))?;
        Ok(PusherLock(f))
    }
}

/// One pass over an account's drafts and Gmail's copies at a time, across processes: a copy
/// being made (created at Gmail, not yet recorded here) is never taken for a draft made on
/// another device.
pub struct DraftsLock(#[allow(dead_code)] File);

impl DraftsLock {
    fn path(data_dir: &Path, account: &str) -> Result<PathBuf> {
        Ok(lock_dir(data_dir)?.join(format!("drafts-{}.lock", file_key(account))))
    }

    /// Waits for the lock.
    pub fn acquire(data_dir: &Path, account: &str) -> Result<DraftsLock> {
        let path = Self::path(data_dir, account)?;
        let f = open(&path)?;
        f.lock().map_err(|e| LibreOllamaError::io(&path, e))?;
        Ok(DraftsLock(f))
    }

    /// The lock if no other pass holds it.
    pub fn try_acquire(data_dir: &Path, account: &str) -> Result<Option<DraftsLock>> {
        let path = Self::path(data_dir, account)?;
        let f = open(&path)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(DraftsLock(f))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(LibreOllamaError::io(&path, e)),
        }
    }
}

/// Account ids are ours (`acct-…`) but go into a file name: keep only safe characters, and a
/// hash of the whole so two ids never share a file.
fn file_key(account: &str) -> String {
    use sha2::{Digest, Sha256};
    let safe: String = account
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    let h = Sha256::digest(account.as_bytes());
    format!("{safe}-{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3])
}

/// This process has the folder open: a lock file held for the life of the process, naming
/// it, so that `vault rotate` can say who else is using the folder.
pub struct OpenFolder {
    path: PathBuf,
    _file: File,
}

impl OpenFolder {
    pub fn register(data_dir: &Path, what: &str) -> Result<OpenFolder> {
        let dir = lock_dir(data_dir)?;
        // Random, not only the pid: two processes in different pid namespaces (a Flatpak and
        // the CLI, containers sharing the folder) can have the same pid.
        let name = format!("{}-{}.lock", std::process::id(), crate::store::new_id("p"));
        let pending = dir.join(format!("pending-{name}"));
        let path = dir.join(format!("open-{name}"));
        let mut f = open(&pending)?;
        f.try_lock()
            .map_err(|e| LibreOllamaError::io(&pending, std::io::Error::other(e.to_string())))?;
        f.set_len(0)
            .map_err(|e| LibreOllamaError::io(&pending, e))?;
        let who = format!("process {} ({})", std::process::id(), what);
        f.write_all(who.as_bytes())
            .map_err(|e| LibreOllamaError::io(&pending, e))?;
        std::fs::rename(&pending, &path).map_err(|e| LibreOllamaError::io(&path, e))?;
        if let (Ok(mut mine), Some(n)) = (MINE.lock(), path.file_name()) {
            mine.insert(n.to_os_string());
        }
        Ok(OpenFolder { path, _file: f })
    }
}

/// This process's own registrations (they are not "other processes").
static MINE: std::sync::Mutex<std::collections::BTreeSet<std::ffi::OsString>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

impl Drop for OpenFolder {
    fn drop(&mut self) {
        if let (Ok(mut mine), Some(n)) = (MINE.lock(), self.path.file_name()) {
            mine.remove(n);
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The other processes that have `data_dir` open now (their descriptions). Files left by
/// processes that died are removed on the way.
pub fn other_processes(data_dir: &Path) -> Result<Vec<String>> {
    let dir = lock_dir(data_dir)?;
    let mine = MINE.lock().map(|m| m.clone()).unwrap_or_default();
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| LibreOllamaError::io(&dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !name.starts_with("open-") || mine.contains(&entry.file_name()) {
            continue;
        }
        // When in doubt, a process is there: rotating under a live one loses its tokens.
        let Ok(mut f) = OpenOptions::new().read(true).write(true).open(&path) else {
            if path.exists() {
                out.push(format!("an unknown process ({name})"));
            }
            continue;
        };
        match f.try_lock_shared() {
            Ok(()) => {
                // Nobody holds it: the process is gone.
                let _ = std::fs::remove_file(&path);
            }
            Err(TryLockError::WouldBlock) => {
                let mut who = String::new();
                let _ = Read::by_ref(&mut f).take(200).read_to_string(&mut who);
                out.push(if who.is_empty() { name } else { who });
            }
            Err(TryLockError::Error(_)) => out.push(format!("an unknown process ({name})")),
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pusher_lock_is_held_once_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let a = PusherLock::try_acquire(dir.path(), Queue::Outbox, "acct-1").unwrap();
        assert!(a.is_some());
        assert!(PusherLock::try_acquire(dir.path(), Queue::Outbox, "acct-1")
            .unwrap()
            .is_none());
        assert!(
            PusherLock::try_acquire(dir.path(), Queue::TaskOps, "acct-1")
                .unwrap()
                .is_some()
        );
        drop(a);
        assert!(PusherLock::try_acquire(dir.path(), Queue::Outbox, "acct-1")
            .unwrap()
            .is_some());
    }

    #[test]
    fn own_registrations_are_not_others() {
        let dir = tempfile::tempdir().unwrap();
        let _me = OpenFolder::register(dir.path(), "test").unwrap();
        assert!(other_processes(dir.path()).unwrap().is_empty());
        // A file nobody holds is a dead process's: removed, not reported.
        std::fs::write(dir.path().join("locks/open-1-0.lock"), "process 1 (gone)").unwrap();
        assert!(other_processes(dir.path()).unwrap().is_empty());
        assert!(!dir.path().join("locks/open-1-0.lock").exists());
    }

    #[test]
    fn account_file_keys_are_safe_and_distinct() {
        assert_ne!(file_key("a/b"), file_key("a\\b"));
        assert!(file_key("../../etc")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
