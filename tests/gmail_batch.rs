//! Bulk metadata fetches go through Gmail's batch endpoint (≤ 50 calls per request), checked
//! against the discovery document; a server without one is detected and mail is fetched one
//! call at a time instead.

#![cfg(feature = "backend")]

mod support;

use std::sync::atomic::Ordering;

use libreollama::google::gmail::Gmail;
use libreollama::sync::gmail::GmailSync;
use support::peers;

const N: usize = 120;

fn seed(port: u16) -> String {
    let mut s = format!(
        "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: batch.apps.googleusercontent.com\n      client_secret: GOCSPX-batch\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n  messages:\n"
    );
    for i in 0..N {
        s.push_str(&format!(
            "    - id: msg_{i:03}\n      user_email: ada@example.com\n      from: s{i}@example.com\n      to: ada@example.com\n      subject: Batch {i}\n      body_text: Body {i}\n      label_ids: [INBOX]\n"
        ));
    }
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn initial_sync_fetches_metadata_in_batches_of_50() {
    let si = peers::signed_in_ada(
        seed,
        "batch.apps.googleusercontent.com",
        "GOCSPX-batch",
        |_| {},
    )
    .await;
    let (peer, s, account) = (&si.peer, si.services.clone(), si.account.clone());
    let batch = support::batch::start(peer.base.clone()).await;
    let gmail = Gmail::new(
        s.google.clone(),
        format!("{}/", batch.base),
        account.id.clone(),
    );
    let sync = GmailSync::new(s.store.clone(), gmail, account.id.clone());
    let cancel = tokio_util::sync::CancellationToken::new();
    let r = sync.run(&cancel).await.unwrap();
    assert_eq!(r.fetched, N);
    let c = &batch.counts;
    assert_eq!(
        c.calls.load(Ordering::SeqCst),
        N as u64,
        "every message fetched once"
    );
    // 100 per list page → batches of 50 + 50 and 20.
    assert_eq!(c.envelopes.load(Ordering::SeqCst), 3);
    assert_eq!(c.largest.load(Ordering::SeqCst), 50);
    assert!(
        c.off_contract.lock().unwrap().is_empty(),
        "{:?}",
        c.off_contract.lock().unwrap()
    );
    let stored: i64 = s
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(DISTINCT id) FROM mail_messages WHERE subject LIKE 'Batch %'",
                [],
                |r| r.get(0),
            )
            .unwrap())
        })
        .await
        .unwrap();
    assert_eq!(stored, N as i64);

    // emulate itself has no batch endpoint: detected, then one call per message.
    let direct = Gmail::new(
        s.google.clone(),
        s.config.google.endpoints.gmail_base.clone(),
        account.id.clone(),
    );
    let ids: Vec<String> = (0..3).map(|i| format!("msg_{i:03}")).collect();
    let err = direct
        .messages_get_batch(
            &ids,
            libreollama::google::gmail::messages::Format::Minimal,
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            libreollama::error::LibreOllamaError::GoogleApi { status: 404, .. }
        ),
        "{err:?}"
    );
}
