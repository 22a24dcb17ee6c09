//! The Tasks page rendered from a real store: lists with open counts, subtasks under their
//! parent, priority, labels and due dates, completed tasks apart, changes not yet sent marked,
//! and the board view's columns.

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
}
