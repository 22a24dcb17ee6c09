#![allow(dead_code)]

pub mod batch;
pub mod calendar;
pub mod cli;
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
            let dir = tempfile::Builder::new()
                .prefix("libreollama-test-")
                .tempdir()
                .expect("tempdir")
                .keep();
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
