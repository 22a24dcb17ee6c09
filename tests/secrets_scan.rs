//! Secrets never reach the disk or the log in plaintext. Its own test binary: the log file is
//! per process, and this test must own it.

#![cfg(feature = "backend")]

mod support;

use libreollama::store::accounts;
use libreollama::vault::SecretString;

#[tokio::test]
async fn no_plaintext_secret_in_db_wal_or_log() {
    let dir = tempfile::tempdir().unwrap();
    let access = "ya29.KNOWN-ACCESS-TOKEN-d41d8cd98f00b204e9800998ecf8427e";
    let refresh = "1//KNOWN-REFRESH-TOKEN-0cc175b9c0f1b6a831c399e269772661";
    let s = support::start(dir.path()).await;
    let vault = s.vault.clone();
    s.store
        .write(move |conn| {
            accounts::upsert(conn, &support::account("a1", "a1@example.com"))?;
            accounts::store_tokens(
                conn,
                &vault,
                "a1",
                &SecretString::new(access),
                Some(&SecretString::new(refresh)),
                None,
            )
        })
        .await
        .unwrap();
    // Exercise every path that could print a token: Debug of tokens, diagnostics, rotation.
    let vault = s.vault.clone();
    let t = s
        .store
        .read(move |conn| accounts::get_tokens(conn, &vault, "a1"))
        .await
        .unwrap();
    tracing::info!(tokens = ?t, "tokens read back");
    tracing::error!("display: {}", t.access_token.as_ref().unwrap());
    let report = s.diagnostics.diagnostics().await.unwrap();
    tracing::debug!(?report, "diagnostics");
    assert!(!format!("{report:?}").contains("KNOWN"));
    s.diagnostics.rotate_vault_key().await.unwrap();
    drop(t);

    let log = libreollama::logging::current_file().unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("tokens read back"),
        "the log is being written"
    );
    for needle in [access, refresh, "KNOWN-ACCESS", "KNOWN-REFRESH"] {
        let mut hits = support::files_containing(dir.path(), needle.as_bytes());
        hits.extend(support::files_containing(
            log.parent().unwrap(),
            needle.as_bytes(),
        ));
        assert!(hits.is_empty(), "{needle} found in {hits:?}");
    }
    // The DB and its WAL exist and were scanned.
    assert!(dir.path().join("libreollama.db-wal").exists());

    // Control: the scan does find a value that really is stored in plaintext (in the WAL/DB).
    s.store
        .write(|conn| {
            libreollama::store::settings::set(conn, "control", &"PLAINTEXT-CONTROL-VALUE")
        })
        .await
        .unwrap();
    assert!(!support::files_containing(dir.path(), b"PLAINTEXT-CONTROL-VALUE").is_empty());
}
