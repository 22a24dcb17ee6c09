//! "Import archive…" from the app: the import runs as a job (progress, Cancel) the Activity
//! panel shows through `mail_status`, and its outcome lists what could not be read, as the CLI
//! does. Cancelled, it stops after the batch being written; what was stored stays.

#![cfg(feature = "backend")]

mod support;

use std::time::Duration;

use libreollama::model::{JobKind, JobState, JobView};
use libreollama::services::AppServices;

fn message(i: usize) -> String {
    format!(
        "From sender{i}@example.com Tue Jan 30 10:00:00 2024\nFrom: Sender {i} <sender{i}@example.com>\nTo: ada@example.com\nSubject: Note number {i}\nDate: Tue, 30 Jan 2024 10:00:00 +0000\nMessage-ID: <note{i}@example.com>\n\nBody of note {i}.\n\n"
    )
}

async fn import_job(s: &AppServices, id: u64) -> JobView {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let status = s.mail.status().await.unwrap();
        let job = status.jobs.into_iter().find(|j| j.id == id).unwrap();
        assert_eq!(job.kind, JobKind::MailImport);
        if job.state != JobState::Running || std::time::Instant::now() > deadline {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_runs_as_a_job_reports_what_it_could_not_read_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let s = support::start(&dir.path().join("data")).await;

    // Three messages and one without headers.
    let small = dir.path().join("Takeout.mbox");
    let mut text: String = (0..3).map(message).collect();
    text.push_str(
        "From nobody Tue Jan 30 10:00:00 2024\n\u{1}\u{2} binary junk without headers\n\n",
    );
    std::fs::write(&small, text).unwrap();
    let id = s.mail.start_import(small.clone()).unwrap();
    let job = import_job(&s, id).await;
    assert_eq!(job.state, JobState::Done, "{job:?}");
    assert_eq!(job.done, 4);
    let m = job.message.unwrap();
    assert!(
        m.starts_with("Imported 4 messages from Takeout.mbox."),
        "{m}"
    );
    assert!(
        m.contains("Kept as raw text, could not be read (1): "),
        "{m}"
    );
    assert!(m.contains("Takeout.mbox #4: no readable headers"), "{m}");
    assert!(!m.contains(".."), "{m}");

    // A missing path is refused at once, saying what to pick.
    let err = s
        .mail
        .start_import(dir.path().join("nowhere.mbox"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("does not exist; pick an mbox file"),
        "{err}"
    );

    // 25,000 messages are three batches; cancelled at once, it stops after the first.
    let big = dir.path().join("big.mbox");
    std::fs::write(&big, (100..25_100).map(message).collect::<String>()).unwrap();
    let id = s.mail.start_import(big.clone()).unwrap();
    // The same archive twice at once is refused while the first runs.
    let twice = s.mail.start_import(big.clone()).unwrap_err();
    assert!(
        twice.to_string().contains("being imported already"),
        "{twice}"
    );
    assert!(s.mail.cancel_job(id));
    let job = import_job(&s, id).await;
    assert_eq!(job.state, JobState::Cancelled, "{job:?}");
    assert!(job.done > 0 && job.done < 25_000, "{job:?}");
    let m = job.message.unwrap();
    assert!(
        m.starts_with(&format!(
            "Stopped after {} messages from big.mbox; those stay",
            job.done
        )),
        "{m}"
    );
    let stored = s
        .mail
        .search(None, "subject:note".into(), 100_000)
        .await
        .unwrap()
        .len() as u64;
    assert_eq!(stored, 3 + job.done, "what was stored stays, nothing more");
}
