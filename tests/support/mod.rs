#![allow(dead_code)]

pub mod batch;
pub mod calendar;
pub mod cli;
#[cfg(feature = "backend")]
pub mod compose;
pub mod faults;
pub mod http;
pub mod peers;
pub mod scripted;
pub mod tasks_fake;
#[cfg(feature = "server")]
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use libreollama::config::AppConfig;
use libreollama::services::AppServices;
use libreollama::store::accounts::Account;

/// An account row as sign-in would store it (tokens are stored separately).
pub fn account(id: &str, email: &str) -> Account {
    Account {
        display_name: Some(format!("Name of {id}")),
        scopes: "openid email".into(),
        ..Account::new(id, email)
    }
}

pub fn config(dir: &Path) -> AppConfig {
    let mut c = AppConfig::for_dir(dir);
    c.log_filter = Some("trace".into());
    c
}

pub async fn start(dir: &Path) -> Arc<AppServices> {
    AppServices::start(config(dir))
        .await
        .expect("services start")
}

/// One set of services per test process, so tests behave the same under `cargo test` (threads)
/// and nextest (a process per test).
pub fn shared() -> Arc<AppServices> {
    static SHARED: OnceLock<(PathBuf, Arc<AppServices>)> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            remove_abandoned_shared_dirs();
            let dir = tempfile::Builder::new()
                .prefix(SHARED_PREFIX)
                .tempdir()
                .expect("tempdir")
                .keep();
            // A static is never dropped, so the folder outlives the process: it holds a lock
            // for as long as its process lives, and a later test process removes it.
            // Locked before it takes its name, so no scan ever sees it free while we live.
            let unnamed = dir.join("owner.lock.new");
            let owner = std::fs::File::create(&unnamed).expect("owner lock");
            owner.lock().expect("lock owner file");
            std::fs::rename(&unnamed, dir.join(OWNER_LOCK)).expect("name owner lock");
            std::mem::forget(owner);
            let d = dir.clone();
            let services = std::thread::spawn(move || {
                tokio::runtime::Runtime::new()
                    .unwrap()
                    .block_on(AppServices::start(config(&d)))
                    .expect("services start")
            })
            .join()
            .unwrap();
            (dir, services)
        })
        .1
        .clone()
}

const SHARED_PREFIX: &str = "libreollama-test-";
const OWNER_LOCK: &str = "owner.lock";

/// Removes the shared folders of test processes that have ended (their lock is free). Folders
/// from before the lock existed are removed once a day old.
fn remove_abandoned_shared_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry
            .file_name()
            .to_string_lossy()
            .starts_with(SHARED_PREFIX);
        if !named || !path.is_dir() {
            continue;
        }
        let abandoned = match std::fs::File::open(path.join(OWNER_LOCK)) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600),
        };
        if abandoned {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Every file below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(p);
                }
            }
        }
    }
    hits
}
