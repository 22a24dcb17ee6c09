//! Fixtures for the store's unit tests: a data folder with one account, and connections to it
//! that behave as separate processes would (each its own SQLite handle on the file).

use rusqlite::Connection;

use super::accounts::{self, Account};
use super::Store;
use crate::error::Result;

/// The account every fixture has.
pub const ACCOUNT: &str = "a";

pub fn account(id: &str, email: &str) -> Account {
    Account::new(id, email)
}

/// A fresh data folder with its store and the account [`ACCOUNT`].
pub fn store_with_account() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_blocking(dir.path()).unwrap();
    store
        .with_writer_blocking(|c| accounts::upsert(c, &account(ACCOUNT, "a@example.com")))
        .unwrap();
    (dir, store)
}

/// A data folder with [`ACCOUNT`] and whatever `seed` adds, then two connections to it of their
/// own, as two processes would have.
pub fn two_processes(
    seed: impl FnOnce(&mut Connection) -> Result<()>,
) -> (tempfile::TempDir, Connection, Connection) {
    let (dir, store) = store_with_account();
    store.with_writer_blocking(seed).unwrap();
    drop(store);
    let open = || {
        let c = Connection::open(dir.path().join(super::DB_FILE)).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        c
    };
    let (a, b) = (open(), open());
    (dir, a, b)
}
