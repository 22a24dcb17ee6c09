//! Ada signed in at `emulate` with one conversation to answer, for the tests of writing mail.

use std::time::Duration;

use libreollama::google::gmail::Gmail;
use libreollama::model::DraftEdit;
use libreollama::services::AppServices;

use super::{faults, peers};

pub fn seed(port: u16) -> String {
    format!(
        "google:\n  users:\n    - email: ada@example.com\n      name: Ada\n  oauth_clients:\n    - client_id: send.apps.googleusercontent.com\n      client_secret: GOCSPX-send\n      redirect_uris:\n        - http://127.0.0.1:{port}/\n  messages:\n    - id: msg_plans\n      thread_id: thr_plans\n      user_email: ada@example.com\n      from: Bob <bob@example.com>\n      to: ada@example.com, Dan <dan@example.com>\n      cc: carol@example.com\n      subject: Plans for Friday\n      body_text: \"Shall we meet at noon?\\n> an old quote\"\n      message_id: \"<plans-1@example.com>\"\n      label_ids: [INBOX]\n"
    )
}

pub struct Setup {
    pub peer: peers::Peer,
    pub s: std::sync::Arc<AppServices>,
    pub acc: String,
    pub data: std::path::PathBuf,
    pub _dir: tempfile::TempDir,
}

pub async fn setup() -> Setup {
    setup_via(None).await
}

/// With `gmail_plan`, Gmail calls go through a fault proxy following that plan.
pub async fn setup_via(gmail_plan: Option<fn(u64, &str) -> faults::Fault>) -> Setup {
    let port = peers::free_port();
    let peer = peers::emulate(&seed(port));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cfg = super::config(&data);
    cfg.google.endpoints = libreollama::google::GoogleEndpoints::single_host(&peer.base);
    if let Some(plan) = gmail_plan {
        let proxy = faults::start(peer.base.clone(), plan).await;
        cfg.google.endpoints.gmail_base = format!("{}/", proxy.base);
    }
    cfg.google.redirect_port = port;
    cfg.google.retry.base = Duration::from_millis(5);
    // The emulator keeps no quota: sends need not be paced at Gmail's 2.5 a second.
    cfg.google.rate_limits.gmail_units_per_sec = 100_000.0;
    let s = AppServices::start(cfg).await.unwrap();
    s.auth
        .set_client(
            "send.apps.googleusercontent.com".into(),
            Some("GOCSPX-send".into()),
        )
        .await
        .unwrap();
    let acc = peers::emulate_sign_in(&s, &peer.base, "ada@example.com")
        .await
        .id;
    let sync = libreollama::sync::gmail::for_account(
        &s.store,
        s.google.clone(),
        &s.config.google.endpoints.gmail_base,
        &acc,
    );
    sync.run(&tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    Setup {
        peer,
        s,
        acc,
        data,
        _dir: dir,
    }
}

pub fn gmail(t: &Setup) -> Gmail {
    Gmail::new(
        t.s.google.clone(),
        t.s.config.google.endpoints.gmail_base.clone(),
        t.acc.clone(),
    )
}

pub fn edit(to: &str, subject: &str, body: &str) -> DraftEdit {
    DraftEdit {
        to: to.into(),
        subject: subject.into(),
        body: body.into(),
        ..Default::default()
    }
}
