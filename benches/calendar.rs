//! Calendar: a full pull of 20,000 events (recurring ones as instances, over two years) from a
//! small Calendar server on loopback into a fresh store, through the real client and sync; then
//! the month view: the range query for six weeks, and the whole page rendered (server-side,
//! the same components as the app) from the store. Medians of RUNS (default 3) pulls and 30
//! renders.
//!
//!     cargo bench --bench calendar

#[allow(dead_code)]
#[path = "../tests/support/http.rs"]
mod http;

use std::rc::Rc;
use std::time::{Duration, Instant};

use dioxus::dioxus_core::NoOpMutations;
use dioxus::history::{History, MemoryHistory};
use dioxus::prelude::*;
use libreollama::config::AppConfig;
use libreollama::google::calendar::CalendarApi;
use libreollama::services::AppServices;
use libreollama::store::accounts::{self, Account};
use libreollama::vault::SecretString;
use tokio::io::AsyncWriteExt;

const EVENTS: usize = 20_000;
const PAGE: usize = 250;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn event(i: usize, now_ms: i64) -> serde_json::Value {
    // Spread over a year back and a year ahead, in 30–90 minute slots during the day.
    let day = (i * 730 / EVENTS) as i64 - 365;
    let start = now_ms - now_ms % 86_400_000 + day * 86_400_000 + (7 + (i % 11) as i64) * 3_600_000;
    let end = start + (30 + 30 * (i % 3) as i64) * 60_000;
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    serde_json::json!({
        "kind": "calendar#event", "id": format!("ev{i:06}"), "status": "confirmed",
        "summary": format!("Meeting {i} about the quarterly plan"), "location": if i.is_multiple_of(4) { "Room 2" } else { "" },
        "start": {"dateTime": fmt(start), "timeZone": "Europe/Paris"},
        "end": {"dateTime": fmt(end), "timeZone": "Europe/Paris"},
        "recurringEventId": if i.is_multiple_of(5) { serde_json::Value::from(format!("series{}", i % 40)) } else { serde_json::Value::Null },
        "attendees": [{"email": "ada@example.com", "self": true, "responseStatus": "accepted"}],
        "updated": "2026-11-20T10:00:00.000Z",
    })
}

async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/calendar/v3/", listener.local_addr().unwrap());
    let now_ms = chrono::Utc::now().timestamp_millis();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let Some(req) = http::read_request(&mut sock).await else {
                    return;
                };
                let (_, target) = req.method_and_target();
                let body = if target.contains("/calendarList") {
                    serde_json::json!({"kind": "calendar#calendarList", "items": [{"id": "primary", "summary": "ada@example.com", "primary": true, "timeZone": "Europe/Paris"}]})
                } else {
                    let page: usize = url::Url::parse(&format!("http://x{target}"))
                        .unwrap()
                        .query_pairs()
                        .find(|(k, _)| k == "pageToken")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    let items: Vec<_> = (page * PAGE..((page + 1) * PAGE).min(EVENTS))
                        .map(|i| event(i, now_ms))
                        .collect();
                    let mut v = serde_json::json!({"kind": "calendar#events", "items": items});
                    if (page + 1) * PAGE < EVENTS {
                        v["nextPageToken"] = (page + 1).to_string().into();
                    } else {
                        v["nextSyncToken"] = "sync-1".into();
                    }
                    v
                };
                let text = body.to_string();
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", text.len());
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(text.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    base
}

#[component]
fn Root(path: String) -> Element {
    use_context_provider(|| {
        Rc::new(MemoryHistory::with_initial_path(path.clone())) as Rc<dyn History>
    });
    rsx! { libreollama::ui::App {} }
}

/// Renders the month view until `ready` shows, returning the time taken.
async fn render_month(ready: &str) -> f64 {
    let t = Instant::now();
    let mut dom = VirtualDom::new_with_props(
        Root,
        RootProps {
            path: "/calendar/month".into(),
        },
    );
    dom.rebuild_in_place();
    loop {
        let html = dioxus::ssr::render(&dom);
        if html.contains(ready) {
            return t.elapsed().as_secs_f64();
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the month view never showed {ready}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(20), dom.wait_for_work()).await;
        dom.render_immediate(&mut NoOpMutations);
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let base = serve().await;
    let mut pulls = Vec::new();
    let mut keep = None;
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = AppConfig::for_dir(dir.path());
        cfg.google.endpoints.calendar_base = base.clone();
        let s = AppServices::start(cfg).await.unwrap();
        let vault = s.vault.clone();
        s.store
            .write(move |c| {
                accounts::upsert(c, &Account::new("acc", "ada@example.com"))?;
                accounts::store_tokens(
                    c,
                    &vault,
                    "acc",
                    &SecretString::new("a"),
                    Some(&SecretString::new("r")),
                    Some(libreollama::clock::now_unix() + 3600),
                )
            })
            .await
            .unwrap();
        let api = CalendarApi::new(s.google.clone(), base.clone(), "acc");
        let t = Instant::now();
        let r = libreollama::sync::calendar::sync(&s.store, &api, "acc")
            .await
            .unwrap();
        pulls.push(t.elapsed().as_secs_f64());
        assert_eq!(r.changed, EVENTS);
        keep = Some((s, dir));
    }
    let (s, _dir) = keep.unwrap();
    let p = median(pulls.clone());
    println!("calendar full pull, {EVENTS} events: median {p:.2} s ({:.0} events/s) over {runs} runs {pulls:.2?}", EVENTS as f64 / p);

    // The month view's data: six weeks around today.
    let today = chrono::Local::now().date_naive();
    let (a, b) = (
        today - chrono::Duration::days(21),
        today + chrono::Duration::days(21),
    );
    let ms = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
    let mut queries = Vec::new();
    let mut n = 0;
    for _ in 0..30 {
        let t = Instant::now();
        n = s
            .calendar
            .between(ms(a), ms(b), a.to_string(), b.to_string())
            .await
            .unwrap()
            .len();
        queries.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "month view query (six weeks, {n} events): median {:.1} ms",
        median(queries)
    );

    libreollama::api::install(s.clone());
    let mut renders = Vec::new();
    for _ in 0..30 {
        renders.push(render_month("more</div>").await * 1000.0);
    }
    println!(
        "month view rendered from the store (SSR, whole page): median {:.0} ms over 30",
        median(renders)
    );
}
