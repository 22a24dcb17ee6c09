//! Full pull of 5,000 tasks (10 lists × 500, a fifth of them subtasks) from the stateful Tasks
//! fake the tests use (tests/support/tasks_fake.rs) into a fresh store, through the real
//! client, sync code and rate limiter; then an incremental pull with nothing changed, and one
//! after 50 edits on "another device". Prints medians of RUNS runs (default 3).
//!
//!     cargo bench --bench tasks_pull --features backend

#[allow(dead_code)]
#[path = "../tests/support/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "../tests/support/tasks_fake.rs"]
mod tasks_fake;

use std::time::Instant;

use libreollama::config::AppConfig;
use libreollama::google::tasks::TasksApi;
use libreollama::services::AppServices;
use libreollama::store::accounts::{self, Account};
use libreollama::vault::SecretString;

const LISTS: usize = 10;
const PER_LIST: usize = 500;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let fake = tasks_fake::start().await;
    let mut lists = Vec::new();
    {
        let mut st = fake.state.lock().unwrap();
        for l in 0..LISTS {
            let list = st.add_list(&format!("List {l}"));
            let mut parent = None;
            for i in 0..PER_LIST {
                let sub = i % 5 == 4;
                let id = st.add_task(
                    &list,
                    &format!("Task {l}-{i} with a realistic title"),
                    if sub { parent.as_deref() } else { None },
                );
                st.edit(&id, |t| {
                    t.notes = Some("Some notes about what to do and why.".into());
                    if i % 3 == 0 {
                        t.due = Some(format!("2026-12-{:02}T00:00:00.000Z", 1 + i % 28));
                    }
                });
                if !sub {
                    parent = Some(id);
                }
            }
            lists.push(list);
        }
    }
    let (mut full, mut idle, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = AppConfig::for_dir(dir.path());
        cfg.google.endpoints.tasks_base = fake.base.clone();
        let s = AppServices::start(cfg).await.unwrap();
        let vault = s.vault.clone();
        s.store
            .write(move |c| {
                accounts::upsert(c, &Account::new("acc", "ada@example.com"))?;
                accounts::store_tokens(
                    c,
                    &vault,
                    "acc",
                    &SecretString::new("bench-access"),
                    Some(&SecretString::new("bench-refresh")),
                    Some(libreollama::store::now_unix() + 3600),
                )
            })
            .await
            .unwrap();
        let api = TasksApi::new(s.google.clone(), fake.base.clone(), "acc");
        let t = Instant::now();
        let r = libreollama::sync::tasks::pull(&s.store, &api, "acc")
            .await
            .unwrap();
        full.push(t.elapsed().as_secs_f64());
        assert_eq!(r.added, LISTS * PER_LIST, "{r:?}");
        let t = Instant::now();
        libreollama::sync::tasks::pull(&s.store, &api, "acc")
            .await
            .unwrap();
        idle.push(t.elapsed().as_secs_f64());
        {
            let mut st = fake.state.lock().unwrap();
            let ids: Vec<String> = st.tasks.iter().step_by(100).map(|t| t.id.clone()).collect();
            for id in ids {
                st.edit(&id, |t| t.title.push_str(&format!(" (edited {run})")));
            }
        }
        let t = Instant::now();
        let r = libreollama::sync::tasks::pull(&s.store, &api, "acc")
            .await
            .unwrap();
        changed.push(t.elapsed().as_secs_f64());
        assert_eq!(r.updated, 50, "{r:?}");
    }
    let f = median(full.clone());
    println!("tasks full pull, {} tasks in {LISTS} lists: median {:.2} s ({:.0} tasks/s) over {runs} runs {full:.2?}", LISTS * PER_LIST, f, (LISTS * PER_LIST) as f64 / f);
    println!(
        "incremental pull, nothing changed: median {:.0} ms",
        median(idle) * 1000.0
    );
    println!(
        "incremental pull, 50 tasks changed: median {:.0} ms",
        median(changed) * 1000.0
    );
}
