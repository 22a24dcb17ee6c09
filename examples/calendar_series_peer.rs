//! A scripted Google Calendar with a repeating event, for seeing "this and following" in the
//! desktop app (`scripts/e2e-calendar-series-desktop.sh`): emulate has no recurrence.
//! Seeds account `acc` (ada@example.com, with tokens valid for an hour) into DATA_DIR, serves a
//! calendar "Work" whose daily "Standup" has an instance at 08:00 UTC on each of seven days, from
//! two days ago to four days on, and answers everything else — Gmail, Tasks, the push of an
//! edit — with 503 and an hour's Retry-After: this peer applies no edits, so a push it took
//! would let the next sync bring the old series back; refused, the change waits in the queue
//! and stays on screen.
//! Prints the server's base URL (for LIBREOLLAMA_GOOGLE_BASE), then serves until killed.
//! Usage: cargo run --example calendar_series_peer DATA_DIR

use std::io::Write;

use chrono::{Duration, Utc};
use libreollama::config::AppConfig;
use libreollama::store::accounts::{self, Account};
use libreollama::vault::SecretString;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The instance of the series on `day` (YYYY-MM-DD), 08:00–08:15 UTC.
fn instance(day: &str) -> serde_json::Value {
    let compact = format!("{}T080000Z", day.replace('-', ""));
    json!({"kind": "calendar#event", "id": format!("standup_{compact}"), "status": "confirmed",
        "summary": "Standup", "location": "Room 1", "recurringEventId": "standup",
        "originalStartTime": {"dateTime": format!("{day}T08:00:00Z"), "timeZone": "UTC"},
        "start": {"dateTime": format!("{day}T08:00:00Z"), "timeZone": "UTC"},
        "end": {"dateTime": format!("{day}T08:15:00Z"), "timeZone": "UTC"}})
}

#[tokio::main]
async fn main() {
    let Some(data) = std::env::args().nth(1) else {
        eprintln!("usage: calendar_series_peer DATA_DIR");
        std::process::exit(2);
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#calendarList",
            "items": [{"kind": "calendar#calendarListEntry", "id": "work", "summary": "Work",
                "primary": true, "accessRole": "owner"}]})))
        .mount(&server)
        .await;
    let today = Utc::now().date_naive();
    let week: Vec<_> = (-2..=4)
        .map(|d| instance(&(today + Duration::days(d)).format("%Y-%m-%d").to_string()))
        .collect();
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"kind": "calendar#events", "items": week, "nextSyncToken": "t1"}),
        ))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .with_priority(10)
        .mount(&server)
        .await;

    let services = libreollama::services::AppServices::start(AppConfig::for_dir(&data))
        .await
        .expect("the data folder opens");
    let vault = services.vault.clone();
    services
        .store
        .write(move |c| {
            accounts::upsert(
                c,
                &Account {
                    display_name: Some("Ada Lovelace".into()),
                    scopes: "openid email https://www.googleapis.com/auth/calendar".into(),
                    ..Account::new("acc", "ada@example.com")
                },
            )?;
            accounts::store_tokens(
                c,
                &vault,
                "acc",
                &SecretString::new("access"),
                Some(&SecretString::new("refresh")),
                Some(libreollama::clock::now_unix() + 3600),
            )
        })
        .await
        .expect("the account is stored");
    drop(services);
    println!("{}", server.uri());
    std::io::stdout().flush().expect("stdout");
    std::future::pending::<()>().await;
}
