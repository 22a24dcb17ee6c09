//! Sync through a proxy that injects 429 and 500 storms and bodies cut off mid-way: the cache
//! still converges to the server's state (every message once, labels right), full and
//! incremental, because every page is stored with its cursor and failed calls are retried.

#![cfg(feature = "backend")]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use libreollama::google::gmail::messages::{Format, ListParams};
use libreollama::google::gmail::types::ModifyRequest;
use libreollama::google::gmail::Gmail;
use libreollama::sync::gmail::GmailSync;
use support::faults::{self, Fault};
use support::peers;

const N: usize = 90;

fn seed(port: u16) -> String {
    let mut s = format!(
        "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: faults.apps.googleusercontent.com\n      client_secret: GOCSPX-faults\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n  messages:\n"
    );
    for i in 0..N {
        s.push_str(&format!(
            "    - id: msg_{i:03}\n      user_email: ada@example.com\n      from: s{i}@example.com\n      to: ada@example.com\n      subject: Storm {i}\n      body_text: Body {i}\n      label_ids: [INBOX{}]\n",
            if i % 3 == 0 { ", UNREAD" } else { "" }
        ));
    }
    s
}

/// Runs of three faults (429, 500, cut body) between runs of two good answers: every call
/// meets a storm at some point, and no call sees more than three failures in a row.
fn storm(n: u64, _request: &str) -> Fault {
    match n % 5 {
        1 => Fault::RateLimited,
        2 => Fault::ServerError,
        3 => Fault::CutBody,
        _ => Fault::Pass,
    }
}

async fn server_state(gmail: &Gmail) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = gmail
            .messages_list(&ListParams {
                page_token: token.clone(),
                max_results: Some(100),
                include_spam_trash: true,
                ..Default::default()
            })
            .await
            .unwrap();
        for m in page.messages {
            let full = gmail
                .messages_get(&m.id, Format::Minimal, &[])
                .await
                .unwrap();
            let mut labels = full.label_ids.clone();
            labels.sort();
            out.insert(m.id, labels);
        }
        match page.next_page_token {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
}

async fn cache_state(s: &libreollama::services::AppServices) -> BTreeMap<String, Vec<String>> {
    s.store
        .read(libreollama::store::labels::by_message)
        .await
        .unwrap()
}

/// A run that exhausts its retries fails with a retryable error and the next run resumes from
/// the stored cursor (as the scheduled sync does); a permanent error fails the test.
async fn until_done(
    sync: &GmailSync,
    cancel: &tokio_util::sync::CancellationToken,
) -> libreollama::sync::gmail::SyncReport {
    for _ in 0..40 {
        match sync.run(cancel).await {
            Ok(r) => return r,
            Err(e) if e.is_retryable() => continue,
            Err(e) => panic!("a storm must not cause a permanent failure: {e:?}"),
        }
    }
    panic!("the sync never finished through the storm");
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_converges_through_429_500_and_cut_bodies() {
    let si = peers::signed_in_ada(
        seed,
        "faults.apps.googleusercontent.com",
        "GOCSPX-faults",
        |c| {
            c.google.retry.base = Duration::from_millis(2);
            c.google.retry.cap = Duration::from_millis(20);
        },
    )
    .await;
    let (peer, s) = (&si.peer, si.services.clone());
    let account = si.account.clone();

    let proxy = faults::start(peer.base.clone(), storm).await;
    let stormy = Gmail::new(
        s.google.clone(),
        format!("{}/", proxy.base),
        account.id.clone(),
    );
    let direct = Gmail::new(
        s.google.clone(),
        s.config.google.endpoints.gmail_base.clone(),
        account.id.clone(),
    );
    let mut sync = GmailSync::new(s.store.clone(), stormy, account.id.clone());
    sync.page_size = 20;
    let cancel = tokio_util::sync::CancellationToken::new();

    let r = until_done(&sync, &cancel).await;
    assert_eq!(r.mode, "full");
    let faults_seen = proxy
        .counts
        .faults
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        faults_seen >= 50,
        "the storm really happened: {faults_seen} faults"
    );
    let server = server_state(&direct).await;
    assert_eq!(server.len(), N);
    assert_eq!(cache_state(&s).await, server, "full sync converged");

    // Server-side changes, then an incremental sync through the same storm.
    direct
        .messages_modify(
            "msg_001",
            &ModifyRequest {
                add_label_ids: vec!["STARRED".into()],
                remove_label_ids: vec!["INBOX".into()],
            },
        )
        .await
        .unwrap();
    direct.messages_trash("msg_002").await.unwrap();
    direct
        .messages_modify(
            "msg_003",
            &ModifyRequest {
                add_label_ids: vec![],
                remove_label_ids: vec!["UNREAD".into()],
            },
        )
        .await
        .unwrap();
    let before = proxy
        .counts
        .faults
        .load(std::sync::atomic::Ordering::SeqCst);
    let r = until_done(&sync, &cancel).await;
    assert_eq!(r.mode, "incremental");
    assert!(
        proxy
            .counts
            .faults
            .load(std::sync::atomic::Ordering::SeqCst)
            > before
    );
    assert_eq!(
        cache_state(&s).await,
        server_state(&direct).await,
        "incremental sync converged"
    );
}

/// Gmail keeps history for about a week: history.list then answers 404 for the stored id. The
/// next sync starts over with a clean full sync and the cache matches the server again.
#[tokio::test(flavor = "multi_thread")]
async fn expired_history_starts_a_clean_full_sync() {
    fn expired(_n: u64, request: &str) -> Fault {
        if request.contains("/history") {
            Fault::NotFound
        } else {
            Fault::Pass
        }
    }
    let si = peers::signed_in_ada(
        seed,
        "faults.apps.googleusercontent.com",
        "GOCSPX-faults",
        |_| {},
    )
    .await;
    let (peer, s) = (&si.peer, si.services.clone());
    let account = si.account.clone();
    let proxy = faults::start(peer.base.clone(), expired).await;
    let gmail = Gmail::new(
        s.google.clone(),
        format!("{}/", proxy.base),
        account.id.clone(),
    );
    let direct = Gmail::new(
        s.google.clone(),
        s.config.google.endpoints.gmail_base.clone(),
        account.id.clone(),
    );
    let sync = GmailSync::new(s.store.clone(), gmail, account.id.clone());
    let cancel = tokio_util::sync::CancellationToken::new();
    assert_eq!(sync.run(&cancel).await.unwrap().mode, "full");
    // Meanwhile at the server: one message gone, one changed.
    direct.messages_trash("msg_010").await.unwrap();
    direct
        .messages_modify(
            "msg_011",
            &ModifyRequest {
                add_label_ids: vec!["STARRED".into()],
                remove_label_ids: vec![],
            },
        )
        .await
        .unwrap();
    // And one deleted for good, which only a clean full sync can notice.
    let token = s
        .auth
        .validate_and_refresh_tokens(&account.id, false)
        .await
        .unwrap();
    let del = reqwest::Client::new()
        .delete(format!("{}/gmail/v1/users/me/messages/msg_012", peer.base))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert!(del.status().is_success(), "{}", del.status());
    let r = sync.run(&cancel).await.unwrap();
    assert!(r.restarted_full, "{r:?}");
    assert!(
        !cache_state(&s).await.contains_key("msg_012"),
        "the deleted message left the cache"
    );
    assert_eq!(r.mode, "full");
    assert_eq!(cache_state(&s).await, server_state(&direct).await);
}

/// A sync job cancelled from the Activity panel stops promptly, mid-page, and ends as Cancelled
/// (resuming from the last stored page is what sync_kill checks).
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_job_can_be_cancelled_mid_page() {
    use libreollama::model::JobState;
    let si = peers::signed_in_ada(
        seed,
        "faults.apps.googleusercontent.com",
        "GOCSPX-faults",
        |c| {
            // A slow quota makes the first page take seconds: time to cancel mid-page.
            c.google.rate_limits.gmail_units_per_sec = 40.0;
        },
    )
    .await;
    let s = si.services.clone();
    let ids = s.mail.sync_now(None).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let job = s
        .mail
        .status()
        .await
        .unwrap()
        .jobs
        .into_iter()
        .find(|j| j.id == ids[0])
        .unwrap();
    assert_eq!(job.state, JobState::Running, "{job:?}");
    let asked = std::time::Instant::now();
    assert!(s.mail.cancel_job(ids[0]));
    let job = loop {
        let j = s
            .mail
            .status()
            .await
            .unwrap()
            .jobs
            .into_iter()
            .find(|j| j.id == ids[0])
            .unwrap();
        if j.state != JobState::Running {
            break j;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(3),
            "cancel took too long: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(job.state, JobState::Cancelled, "{job:?}");
    assert!(job.done < N as u64, "stopped before the end: {job:?}");
}
