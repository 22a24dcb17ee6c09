//! Whole task lists changed here (rename, clear completed, delete) against the stateful Tasks
//! fake that keeps to tasks.v1.json: each lands at once, survives a pull that comes before it
//! is sent (a sync pulls first), reaches Google once, and the CLI does the same.

#![cfg(feature = "backend")]

mod support;

use libreollama::error::LibreOllamaError;
use support::peers;
use support::tasks_fake::{self, TasksFake};

fn no_violations(fake: &TasksFake) {
    let v = fake.state.lock().unwrap().violations.clone();
    assert!(v.is_empty(), "outside tasks.v1.json: {v:?}");
}

fn titles(ts: &[libreollama::model::TaskView]) -> Vec<String> {
    let mut t: Vec<String> = ts.iter().map(|t| t.title.clone()).collect();
    t.sort();
    t
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_clear_and_delete_land_at_once_survive_a_pull_and_reach_google() {
    let fake = tasks_fake::start().await;
    let (g_inbox, g_errands, g_trip) = {
        let mut s = fake.state.lock().unwrap();
        let inbox = s.add_list("My Tasks");
        let errands = s.add_list("Errands");
        let trip = s.add_list("Trip");
        let old = s.add_task(&inbox, "Old report", None);
        s.edit(&old, |t| t.status = "completed".into());
        s.add_task(&inbox, "Water the plants", None);
        s.add_task(&errands, "Post the letter", None);
        let p = s.add_task(&trip, "Pack", None);
        s.add_task(&trip, "Passport", Some(&p));
        (inbox, errands, trip)
    };
    let si = peers::signed_in_with_tasks(fake.base.clone()).await;
    let s = si.services.clone();
    let acc = si.account.id.clone();
    s.tasks.sync(&acc).await.unwrap();
    let lists = s.tasks.lists(Some(acc.clone())).await.unwrap();
    let find = |title: &str| lists.iter().find(|l| l.title == title).unwrap().clone();
    let (inbox, errands, trip) = (find("My Tasks"), find("Errands"), find("Trip"));
    assert_eq!((inbox.open_tasks, inbox.completed_tasks), (1, 1));

    // The default list cannot go (Google keeps it): refused, nothing changes.
    let err = s.tasks.delete_list(&inbox.local_id).await.unwrap_err();
    assert!(matches!(err, LibreOllamaError::InvalidInput(_)), "{err}");
    assert!(err.to_string().contains("default list"), "{err}");
    // Empty and over-long names are refused with what to do.
    assert!(s.tasks.rename_list(&errands.local_id, "  ").await.is_err());
    let long = "x".repeat(1025);
    let err = s
        .tasks
        .rename_list(&errands.local_id, &long)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1,024"), "{err}");

    // Offline: every change lands here at once.
    fake.state.lock().unwrap().offline = true;
    s.tasks
        .rename_list(&errands.local_id, "  Errands 2026 ")
        .await
        .unwrap();
    let plants = s
        .tasks
        .tasks(&inbox.local_id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.title == "Water the plants")
        .unwrap();
    s.tasks.set_completed(&plants.local_id, true).await.unwrap();
    let (_, cleared) = s.tasks.clear_completed(&inbox.local_id).await.unwrap();
    assert_eq!(cleared, 2, "the old one and the one completed just now");
    assert!(s.tasks.tasks(&inbox.local_id).await.unwrap().is_empty());
    assert_eq!(s.tasks.list_task_count(&trip.local_id).await.unwrap(), 2);
    s.tasks.delete_list(&trip.local_id).await.unwrap();
    let shown = |ls: &[libreollama::model::TaskListView]| {
        let mut t: Vec<String> = ls.iter().map(|l| l.title.clone()).collect();
        t.sort();
        t
    };
    assert_eq!(
        shown(&s.tasks.lists(Some(acc.clone())).await.unwrap()),
        ["Errands 2026", "My Tasks"]
    );
    assert!(s.tasks.sync(&acc).await.is_err(), "offline");

    // Someone else changes the lists meanwhile: the pull that comes first in the next sync
    // must not undo the rename, show the cleared tasks again or bring the list back.
    {
        let mut st = fake.state.lock().unwrap();
        st.offline = false;
        st.add_task(&g_errands, "Buy stamps", None);
    }
    let r = s.tasks.sync(&acc).await.unwrap();
    assert!(r.sent >= 4, "complete, rename, clear, delete: {r:?}");
    {
        let st = fake.state.lock().unwrap();
        let title = |id: &str| {
            st.lists
                .iter()
                .find(|l| l.id == id)
                .map(|l| l.title.clone())
        };
        assert_eq!(title(&g_errands).as_deref(), Some("Errands 2026"));
        assert_eq!(title(&g_trip), None, "deleted at Google");
        assert!(st.tasks.iter().all(|t| t.list != g_trip));
        let inbox_tasks: Vec<_> = st.tasks.iter().filter(|t| t.list == g_inbox).collect();
        assert_eq!(inbox_tasks.len(), 2);
        assert!(
            inbox_tasks
                .iter()
                .all(|t| t.status == "completed" && t.hidden),
            "completed, then cleared: {inbox_tasks:?}"
        );
    }
    let after = s.tasks.lists(Some(acc.clone())).await.unwrap();
    assert_eq!(shown(&after), ["Errands 2026", "My Tasks"]);
    assert_eq!(
        titles(&s.tasks.tasks(&errands.local_id).await.unwrap()),
        ["Buy stamps", "Post the letter"]
    );
    assert!(s.tasks.tasks(&inbox.local_id).await.unwrap().is_empty());

    // Settled: another sync sends nothing and changes nothing; a task completed elsewhere
    // later is shown (a clear hides what was completed then, as on Google).
    {
        let mut st = fake.state.lock().unwrap();
        let t = st.add_task(&g_inbox, "Done elsewhere", None);
        st.edit(&t, |t| t.status = "completed".into());
    }
    let r = s.tasks.sync(&acc).await.unwrap();
    assert_eq!((r.sent, r.refused), (0, 0), "{r:?}");
    assert_eq!(
        titles(&s.tasks.tasks(&inbox.local_id).await.unwrap()),
        ["Done elsewhere"]
    );
    assert!(s.tasks.refused(&acc).await.unwrap().is_empty());
    no_violations(&fake);
}

/// The same from the terminal: new-list, rename-list, clear, and delete-list (which asks for
/// --yes when tasks would go with the list), then `tasks sync` sends them.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_manages_lists() {
    let fake = tasks_fake::start().await;
    let g_inbox = {
        let mut s = fake.state.lock().unwrap();
        let inbox = s.add_list("My Tasks");
        let t = s.add_task(&inbox, "Finished", None);
        s.edit(&t, |t| t.status = "completed".into());
        inbox
    };
    let si = peers::signed_in_with_tasks(fake.base.clone()).await;
    let dir = si.dir.path();
    let cli = |args: &[&str]| {
        support::cli::command(dir, args)
            .env("LIBREOLLAMA_GOOGLE_TASKS_URL", &fake.base)
            .output()
            .unwrap()
    };
    let ok = |args: &[&str]| {
        let o = cli(args);
        assert!(o.status.success(), "{args:?}: {}", support::cli::text(&o));
        support::cli::text(&o)
    };
    ok(&["tasks", "sync"]);
    assert!(ok(&["tasks", "new-list", "Groceries"]).contains("Made list Groceries"));
    ok(&["tasks", "add", "Milk", "--list", "Groceries"]);
    assert!(ok(&["tasks", "rename-list", "Groceries", "Shopping"]).contains("Renamed"));
    let refused = cli(&["tasks", "delete-list", "Shopping"]);
    assert!(!refused.status.success());
    let text = support::cli::text(&refused);
    assert!(
        text.contains("holds 1 task") && text.contains("--yes"),
        "{text}"
    );
    assert!(ok(&["tasks", "clear", "My Tasks"]).contains("Cleared 1 completed task"));
    ok(&["tasks", "sync"]);
    {
        let st = fake.state.lock().unwrap();
        assert!(st.lists.iter().any(|l| l.title == "Shopping"));
        assert!(st.tasks.iter().any(|t| t.title == "Milk"));
        assert!(st
            .tasks
            .iter()
            .filter(|t| t.list == g_inbox)
            .all(|t| t.hidden));
    }
    assert!(ok(&["tasks", "delete-list", "Shopping", "--yes"]).contains("Deleted Shopping"));
    ok(&["tasks", "sync"]);
    let lists = ok(&["tasks", "lists"]);
    assert!(!lists.contains("Shopping"), "{lists}");
    assert!(!fake
        .state
        .lock()
        .unwrap()
        .lists
        .iter()
        .any(|l| l.title == "Shopping"));
    no_violations(&fake);
}
