//! Kill the process mid-sync (SIGKILL, a real child process), restart it, and the cache
//! converges to the server: every message once, none missing.

#![cfg(feature = "backend")]

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::peers;

const N: usize = 240;

fn seed(port: u16) -> String {
    let mut s = format!(
        "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: kill.apps.googleusercontent.com\n      client_secret: GOCSPX-kill\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n  messages:\n"
    );
    for i in 0..N {
        s.push_str(&format!(
            "    - id: msg_{i:04}\n      user_email: ada@example.com\n      from: sender{i}@example.com\n      to: ada@example.com\n      subject: Message number {i}\n      body_text: Body {i}\n      label_ids: [INBOX]\n"
        ));
    }
    s
}

fn count(db: &std::path::Path) -> usize {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    c.query_row("SELECT count(*) FROM mail_messages", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as usize)
    .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_sync_resumes_without_duplicates_or_gaps() {
    let port = peers::free_port();
    let peer = peers::emulate(&seed(port));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cfg = support::config(&data);
    cfg.google.endpoints = libreollama::google::GoogleEndpoints::single_host(&peer.base);
    cfg.google.redirect_port = port;
    {
        let s = libreollama::services::AppServices::start(cfg)
            .await
            .unwrap();
        s.auth
            .set_client(
                "kill.apps.googleusercontent.com".into(),
                Some("GOCSPX-kill".into()),
            )
            .await
            .unwrap();
        peers::emulate_sign_in(&s, &peer.base, "ada@example.com").await;
    }
    let cli = |page: &str| {
        let mut c = support::cli::command(&data, &["mail", "sync", "--page-size", page]);
        c.env("LIBREOLLAMA_GOOGLE_BASE", &peer.base)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let db = data.join("libreollama.db");

    // First run: killed as soon as some pages are stored, well before the end.
    let mut child = cli("5").spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = count(&db);
        if n >= 20 {
            child.kill().unwrap();
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "sync finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "sync made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait().unwrap();
    let partial = count(&db);
    assert!(partial < N, "killed mid-way: {partial} of {N}");

    // Second run resumes from the stored cursor and completes.
    let out = cli("50").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let (total, distinct): (i64, i64) = c
        .query_row(
            "SELECT count(*), count(DISTINCT id) FROM mail_messages",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((total, distinct), (N as i64, N as i64));
    let missing: i64 = c
        .query_row(
            "SELECT count(*) FROM mail_fts_v2 WHERE mail_fts_v2 MATCH 'subject : number'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(missing, N as i64, "every message is indexed once");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("full sync"), "{stdout}");
}
