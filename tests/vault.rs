//! The credential vault through the real store: round trip, tamper/AAD/wrong-key refusal, nonce
//! uniqueness, rotation, rotation refused while another process has the folder open (no token is
//! ever sealed with a deleted key), a missing key reported (not replaced), and no plaintext on
//! disk.

#![cfg(feature = "backend")]

mod support;

use std::collections::HashSet;

use libreollama::error::{LibreOllamaError, VaultError};
use libreollama::store::accounts;
use libreollama::vault::{envelope, Aad, SecretString};

async fn add_account(
    s: &libreollama::services::AppServices,
    id: &'static str,
    access: &str,
    refresh: &str,
) {
    let vault = s.vault.clone();
    let (a, r) = (SecretString::new(access), SecretString::new(refresh));
    s.store
        .write(move |conn| {
            accounts::upsert(conn, &support::account(id, &format!("{id}@example.com")))?;
            accounts::store_tokens(conn, &vault, id, &a, Some(&r), Some(1_900_000_000))
        })
        .await
        .unwrap();
}

async fn tokens(
    s: &libreollama::services::AppServices,
    id: &'static str,
) -> Result<accounts::AccountTokens, LibreOllamaError> {
    let vault = s.vault.clone();
    s.store
        .read(move |conn| accounts::get_tokens(conn, &vault, id))
        .await
}

/// The key id of every sealed value in the database.
async fn sealed_key_ids(s: &libreollama::services::AppServices) -> Vec<String> {
    s.store
        .read(libreollama::store::vault::sealed_values)
        .await
        .unwrap()
        .iter()
        .map(|v| {
            envelope::key_id_of(&v.sealed)
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn tokens_round_trip_and_refresh_token_survives_a_refresh_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    add_account(&s, "a1", "access-one", "refresh-one").await;
    let t = tokens(&s, "a1").await.unwrap();
    assert_eq!(t.access_token.unwrap().expose(), "access-one");
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "refresh-one");

    // Google omits refresh_token on refresh: the stored one must stay.
    let vault = s.vault.clone();
    s.store
        .write(move |conn| {
            accounts::store_tokens(
                conn,
                &vault,
                "a1",
                &SecretString::new("access-two"),
                None,
                Some(1),
            )
        })
        .await
        .unwrap();
    let t = tokens(&s, "a1").await.unwrap();
    assert_eq!(t.access_token.unwrap().expose(), "access-two");
    assert_eq!(t.refresh_token.unwrap().expose(), "refresh-one");
}

#[tokio::test]
async fn tampered_swapped_and_moved_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(dir.path()).await;
    add_account(&s, "a1", "access-one", "refresh-one").await;
    add_account(&s, "a2", "access-two", "refresh-two").await;

    // Tamper one byte of a1's access token.
    s.store
        .write(|conn| {
            let mut v: Vec<u8> = conn
                .query_row(
                    "SELECT access_token_encrypted FROM gmail_accounts_secure WHERE id='a1'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let n = v.len() - 3;
            v[n] ^= 0x40;
            conn.execute(
                "UPDATE gmail_accounts_secure SET access_token_encrypted=?1 WHERE id='a1'",
                [v],
            )
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    let err = tokens(&s, "a1").await.unwrap_err();
    assert!(
        matches!(err, LibreOllamaError::Vault(VaultError::Decrypt)),
        "{err:?}"
    );

    // Copy a2's sealed tokens into a1's row, and a2's access into its own refresh column.
    s.store
        .write(|conn| {
            conn.execute_batch(
                "UPDATE gmail_accounts_secure SET
                   access_token_encrypted = (SELECT access_token_encrypted FROM gmail_accounts_secure WHERE id='a2')
                 WHERE id='a1';
                 UPDATE gmail_accounts_secure SET refresh_token_encrypted = access_token_encrypted WHERE id='a2';",
            )
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    for id in ["a1", "a2"] {
        let err = tokens(&s, id).await.unwrap_err();
        assert!(
            matches!(err, LibreOllamaError::Vault(VaultError::Decrypt)),
            "{id}: {err:?}"
        );
        // The error text never carries token material.
        assert!(!err.to_string().contains("access-"), "{err}");
    }
}

#[test]
fn wrong_key_and_unknown_version_are_refused() {
    let key = [7u8; 32];
    let other = [8u8; 32];
    let id = [1u8; 8];
    let aad = Aad {
        table: "t",
        column: "c",
        row_id: "1",
    };
    let sealed = envelope::seal(&key, &id, aad, b"secret").unwrap();
    assert_eq!(envelope::open(&key, aad, &sealed).unwrap(), b"secret");
    assert_eq!(
        envelope::open(&other, aad, &sealed),
        Err(VaultError::Decrypt)
    );
    let mut v2 = sealed.clone();
    v2[0] = 2;
    assert_eq!(
        envelope::open(&key, aad, &v2),
        Err(VaultError::UnknownEnvelope(2))
    );
    assert_eq!(
        envelope::open(&key, aad, &sealed[..10]),
        Err(VaultError::Decrypt)
    );
}

#[test]
fn nonces_never_repeat() {
    let key = [3u8; 32];
    let aad = Aad {
        table: "t",
        column: "c",
        row_id: "1",
    };
    let mut nonces = HashSet::new();
    let mut cts = HashSet::new();
    for _ in 0..20_000 {
        let s = envelope::seal(&key, &[0u8; 8], aad, b"same plaintext").unwrap();
        assert!(
            nonces.insert(envelope::nonce_of(&s).to_vec()),
            "nonce repeated"
        );
        assert!(cts.insert(s), "ciphertext repeated");
    }
}

#[tokio::test]
async fn a_missing_master_key_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = support::start(dir.path()).await;
        add_account(&s, "a1", "access-one", "refresh-one").await;
        assert_eq!(s.vault.status().backend, "file");
    }
    let keys = dir.path().join("keys");
    let key_file = std::fs::read_dir(&keys)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let saved = std::fs::read(&key_file).unwrap();

    // Replace the key with another valid key: refused, the database is not re-keyed.
    std::fs::write(&key_file, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
    let err = libreollama::services::AppServices::start(support::config(dir.path()))
        .await
        .err()
        .expect("wrong key must not open");
    assert!(
        matches!(err, LibreOllamaError::Vault(VaultError::Backend { .. })),
        "{err:?}"
    );

    std::fs::remove_file(&key_file).unwrap();
    let err = libreollama::services::AppServices::start(support::config(dir.path()))
        .await
        .err()
        .expect("missing key must not open");
    assert!(
        matches!(err, LibreOllamaError::Vault(VaultError::KeyMissing { .. })),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_dir(&keys).unwrap().count(),
        0,
        "no new key was made"
    );

    std::fs::write(&key_file, saved).unwrap();
    let s = support::start(dir.path()).await;
    assert_eq!(
        tokens(&s, "a1")
            .await
            .unwrap()
            .access_token
            .unwrap()
            .expose(),
        "access-one"
    );
}

#[tokio::test]
async fn rotation_reencrypts_everything_and_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let old_id;
    let new_id;
    {
        let s = support::start(dir.path()).await;
        add_account(&s, "a1", "access-one", "refresh-one").await;
        add_account(&s, "a2", "access-two", "refresh-two").await;
        old_id = s.vault.status().active_key_id;
        new_id = s.diagnostics.rotate_vault_key().await.unwrap();
        assert_ne!(old_id, new_id);
        assert_eq!(s.vault.status().active_key_id, new_id);
        assert_eq!(
            tokens(&s, "a2")
                .await
                .unwrap()
                .refresh_token
                .unwrap()
                .expose(),
            "refresh-two"
        );
        let ids = sealed_key_ids(&s).await;
        assert_eq!(ids.len(), 4);
        for kid in ids {
            assert_eq!(kid, new_id);
        }
    }
    assert!(
        !dir.path()
            .join("keys")
            .join(format!("{old_id}.key"))
            .exists(),
        "old key deleted"
    );
    let s = support::start(dir.path()).await;
    assert_eq!(s.vault.status().active_key_id, new_id);
    assert_eq!(
        tokens(&s, "a1")
            .await
            .unwrap()
            .access_token
            .unwrap()
            .expose(),
        "access-one"
    );
    let report = s.diagnostics.diagnostics().await.unwrap();
    assert!(report.healthy(), "{report:#?}");
}

#[tokio::test]
async fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let _s = support::start(&data).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("libreollama.db")), 0o600);
    assert_eq!(mode(&data.join("keys")), 0o700);
    for k in std::fs::read_dir(data.join("keys")).unwrap() {
        assert_eq!(mode(&k.unwrap().path()), 0o600);
    }
}

/// Set for the second process of `rotation_waits_for_other_processes`: its data folder.
const SECOND_PROCESS_DIR: &str = "LIBREOLLAMA_TEST_SECOND_PROCESS_DIR";

/// Not a test on its own (it returns at once): the second process of
/// `rotation_waits_for_other_processes`, this test binary started again. It opens the services
/// on the folder like the app does, says which key it holds, and follows commands on stdin:
/// `seal <account> <token>` stores a refreshed access token (sealed with the key it holds),
/// `read <account>` prints the access token it can open. End of input ends it.
#[test]
fn second_process() {
    use std::io::BufRead;
    let Ok(dir) = std::env::var(SECOND_PROCESS_DIR) else {
        return;
    };
    // Never outlive a test that lost track of it.
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(120));
        std::process::exit(3);
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = support::start(std::path::Path::new(&dir)).await;
        println!("@@ready {}", s.vault.status().active_key_id);
        for line in std::io::stdin().lock().lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["seal", account, token] => {
                    s.auth
                        .store_account_tokens(account, SecretString::new(*token), None, Some(1))
                        .await
                        .unwrap();
                    println!("@@sealed");
                }
                ["read", account] => {
                    let t = s.auth.get_account_tokens(account).await.unwrap();
                    println!("@@read {}", t.access_token.unwrap().expose());
                }
                other => panic!("unknown command {other:?}"),
            }
        }
    });
}

/// A second process on the folder (see `second_process`).
struct Second {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    out: std::io::BufReader<std::process::ChildStdout>,
    /// The key id it loaded.
    key: String,
}

impl Second {
    fn start(dir: &std::path::Path) -> Second {
        use std::process::{Command, Stdio};
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "second_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SECOND_PROCESS_DIR, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut second = Second {
            child,
            stdin,
            out,
            key: String::new(),
        };
        second.key = second.answer("ready");
        second
    }

    /// The next `@@<what> …` line's rest.
    fn answer(&mut self, what: &str) -> String {
        use std::io::BufRead;
        loop {
            let mut line = String::new();
            assert!(
                self.out.read_line(&mut line).unwrap() > 0,
                "the second process ended before saying {what}"
            );
            // libtest may have written "test second_process ... " before it on the line.
            let tag = format!("@@{what}");
            if let Some(at) = line.find(&tag) {
                return line[at + tag.len()..].trim().to_string();
            }
        }
    }

    fn ask(&mut self, command: &str, what: &str) -> String {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
        self.answer(what)
    }

    fn close(mut self) {
        drop(self.stdin.take());
        assert!(self.child.wait().unwrap().success());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_waits_for_other_processes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let s = support::start(dir.path()).await;
    add_account(&s, "a1", "access-one", "refresh-one").await;
    let old = s.vault.status().active_key_id;

    // Another process holds the folder (and the key) open: rotation refuses and names it.
    let mut other = Second::start(dir.path());
    assert_eq!(other.key, old);
    let err = s.diagnostics.rotate_vault_key().await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("process {}", other.child.id())) && text.contains("second_process"),
        "says which process: {text}"
    );
    assert!(text.contains("Close it"), "says what to do: {text}");
    assert_eq!(s.vault.status().active_key_id, old, "nothing rotated");
    assert!(keys.join(format!("{old}.key")).exists());

    // What it seals meanwhile (a refreshed token) stays readable everywhere.
    other.ask("seal a1 access-from-other", "sealed");
    assert_eq!(
        tokens(&s, "a1")
            .await
            .unwrap()
            .access_token
            .unwrap()
            .expose(),
        "access-from-other"
    );
    other.close();

    // Alone: the rotation re-seals everything and deletes the old key.
    let new = s.diagnostics.rotate_vault_key().await.unwrap();
    assert_ne!(new, old);
    assert!(!keys.join(format!("{old}.key")).exists(), "old key deleted");
    assert!(sealed_key_ids(&s).await.iter().all(|k| *k == new));

    // A process started afterwards opens everything with the new key and seals with it.
    let mut later = Second::start(dir.path());
    assert_eq!(later.key, new);
    assert_eq!(later.ask("read a1", "read"), "access-from-other");
    later.ask("seal a1 access-three", "sealed");
    later.close();
    assert_eq!(
        tokens(&s, "a1")
            .await
            .unwrap()
            .access_token
            .unwrap()
            .expose(),
        "access-three"
    );
    assert_eq!(
        tokens(&s, "a1")
            .await
            .unwrap()
            .refresh_token
            .unwrap()
            .expose(),
        "refresh-one"
    );

    // No value anywhere is sealed with a key that is gone.
    for kid in sealed_key_ids(&s).await {
        assert_eq!(kid, new);
        assert!(keys.join(format!("{kid}.key")).exists());
    }
    let report = s.diagnostics.diagnostics().await.unwrap();
    assert!(report.healthy(), "{report:#?}");
}
