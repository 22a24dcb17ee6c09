//! The Tasks and Calendar pages rendered from a real store. Tasks: lists with open counts, subtasks under their
//! parent, priority, labels and due dates, completed tasks apart, changes not yet sent marked,
//! and the board view's columns. Calendar: this week's events from the cache at local times,
//! all-day events and tasks due on their dates.

#![cfg(feature = "server")]

mod support;

use libreollama::store::accounts;
use rusqlite::params;
use support::ui::{render_all, text_of};

#[tokio::test(flavor = "multi_thread")]
async fn tasks_page_shows_lists_subtasks_and_extras() {
    let s = support::shared();
    s.store
        .write(|c| {
            accounts::upsert(c, &support::account("acc", "ada@example.com"))?;
            for (id, title, default) in [("l-1", "My Tasks", true), ("l-2", "Errands", false)] {
                c.execute(
                    "INSERT INTO task_lists (local_id, account_id, google_id, title, is_default, created_at, updated_at) VALUES (?1, 'acc', ?2, ?3, ?4, 0, 0)",
                    params![id, format!("g{id}"), title, default],
                )
                .unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
    let trip = s
        .tasks
        .add("l-1", "Plan the trip", "", Some("2026-12-20".into()), None)
        .await
        .unwrap();
    s.tasks
        .add("l-1", "Book trains", "", None, Some(trip.local_id.clone()))
        .await
        .unwrap();
    let done = s
        .tasks
        .add("l-1", "Water the plants", "", None, None)
        .await
        .unwrap();
    s.tasks.set_completed(&done.local_id, true).await.unwrap();
    s.tasks
        .set_meta(&trip.local_id, 3, vec!["travel".into()])
        .await
        .unwrap();
    s.tasks
        .add("l-2", "Buy oat milk", "", None, None)
        .await
        .unwrap();
    let bad = s
        .tasks
        .add("l-1", "x", "", Some("31/12/2026".into()), None)
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("write it like 2026-12-01"),
        "{bad}"
    );
    let empty = s.tasks.add("l-1", "  ", "", None, None).await.unwrap_err();
    assert!(empty.to_string().contains("needs a title"), "{empty}");

    let html = render_all("/tasks", &["Plan the trip", "Book trains", "Completed (1)"]).await;
    let text = text_of(&html);
    for want in [
        "My Tasks",
        "2 open",
        "Errands",
        "1 open",
        "Plan the trip",
        "High",
        "travel",
        "2026-12-20",
        "Book trains",
        "Completed (1)",
        "Water the plants",
        "Sync now",
        "Add a task",
    ] {
        assert!(
            text.contains(want) || html.contains(want),
            "missing {want}: {text}"
        );
    }
    // Subtasks are indented under their parent, which comes first.
    let parent = html.find("Plan the trip").unwrap();
    let child = html.find("Book trains").unwrap();
    assert!(parent < child);
    assert!(html.contains("task-row2 sub"), "a subtask row");
    assert!(html.contains("↑"), "changes not sent yet are marked");
    // The list's own actions: the default list can be renamed and cleared, not deleted.
    assert!(text.contains("Clear completed (1)"), "{text}");
    assert!(text.contains("Rename"), "{text}");
    assert!(
        !text.contains("Delete list"),
        "Google keeps the default list: {text}"
    );

    // Cleared: the completed task is no longer shown, the open ones are.
    let (_, n) = s.tasks.clear_completed("l-1").await.unwrap();
    assert_eq!(n, 1);
    let html = render_all("/tasks", &["Plan the trip", "Book trains"]).await;
    let text = text_of(&html);
    assert!(!text.contains("Water the plants"), "{text}");
    assert!(!text.contains("Clear completed (1)"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_week_shows_cached_events_and_tasks_due() {
    use chrono::{Local, TimeZone};
    let s = support::shared();
    let today = Local::now().date_naive();
    let at = |h: u32| {
        Local
            .from_local_datetime(&today.and_hms_opt(h, 0, 0).unwrap())
            .earliest()
            .unwrap()
            .timestamp_millis()
    };
    let (start, end) = (at(10), at(11));
    let (d0, d1) = (today.to_string(), today.succ_opt().unwrap().to_string());
    s.store
        .write(move |c| {
            accounts::upsert(c, &support::account("cal", "cal@example.com"))?;
            c.execute("INSERT INTO calendars (account_id, google_id, summary, is_primary) VALUES ('cal', 'primary', 'cal@example.com', 1)", []).unwrap();
            c.execute(
                "INSERT INTO calendar_events (account_id, calendar_id, google_id, summary, start_ms, end_ms) VALUES ('cal', 'primary', 'e1', 'Design review', ?1, ?2)",
                params![start, end],
            )
            .unwrap();
            c.execute(
                "INSERT INTO calendar_events (account_id, calendar_id, google_id, summary, start_date, end_date) VALUES ('cal', 'primary', 'e2', 'Company holiday', ?1, ?2)",
                params![d0, d1],
            )
            .unwrap();
            c.execute(
                "INSERT INTO task_lists (local_id, account_id, google_id, title, is_default, created_at, updated_at) VALUES ('cl', 'cal', 'gcl', 'Cal tasks', 1, 0, 0)",
                [],
            )
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    s.tasks
        .add("cl", "File the report", "", Some(today.to_string()), None)
        .await
        .unwrap();
    // Time set aside for a task shows in the hour grid; an empty block is refused.
    let focus = s
        .tasks
        .add("cl", "Write the proposal", "", None, None)
        .await
        .unwrap();
    let bad = s
        .tasks
        .set_time_block(&focus.local_id, Some((at(15), at(14))))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("end after it starts"), "{bad}");
    let t = s
        .tasks
        .set_time_block(&focus.local_id, Some((at(14), at(15))))
        .await
        .unwrap();
    assert_eq!(
        (t.block_start_ms, t.block_end_ms),
        (Some(at(14)), Some(at(15)))
    );
    let html = render_all(
        "/calendar",
        &[
            "Design review",
            "Company holiday",
            "File the report",
            "Write the proposal",
        ],
    )
    .await;
    assert!(
        html.contains("tg-ev block"),
        "the time block is in the grid"
    );
    let text = text_of(&html);
    for want in [
        "Design review",
        "10:00–11:00",
        "Company holiday",
        "File the report",
        "Today",
        "Month",
        "Week",
        "Day",
        "Sync now",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
    assert!(html.contains("now-line"), "today has the now line");
}
