//! Named background jobs (sync runs, body backfill, pushing changes) with progress and cancel,
//! so the activity panel and the CLI can show what the app is doing and stop it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::clock::now_unix;
pub use crate::model::JobKind;
use crate::model::{JobState, JobView};
pub use crate::sync::progress::Progress;

/// Finished jobs kept for the panel.
const KEEP_FINISHED: usize = 20;

struct Job {
    id: u64,
    kind: JobKind,
    account: Option<String>,
    name: String,
    /// Jobs with the same kind and scope do not run twice at once (e.g. one sync per account).
    key: (JobKind, String),
    progress: Arc<Progress>,
    cancel: CancellationToken,
    started: Instant,
    started_unix: i64,
    finished: Option<(Instant, i64)>,
    state: JobState,
    message: Option<String>,
}

impl Job {
    fn view(&self) -> JobView {
        let done = self.progress.done();
        let total = self.progress.total();
        let end = self.finished.map(|f| f.0).unwrap_or_else(Instant::now);
        let secs = end.duration_since(self.started).as_secs_f64();
        JobView {
            id: self.id,
            kind: self.kind,
            account: self.account.clone(),
            name: self.name.clone(),
            state: self.state,
            done,
            total: (total > 0).then_some(total.max(done)),
            rate: if secs > 0.05 { done as f64 / secs } else { 0.0 },
            started_unix: self.started_unix,
            finished_unix: self.finished.map(|f| f.1),
            message: self.message.clone(),
        }
    }
}

/// A handle the job's task holds; finishing it records the outcome.
pub struct JobHandle {
    pub id: u64,
    pub progress: Arc<Progress>,
    pub cancel: CancellationToken,
    jobs: Jobs,
}

impl JobHandle {
    pub fn finish(self, outcome: std::result::Result<String, crate::error::LibreOllamaError>) {
        let (state, message) = match outcome {
            Ok(m) => (JobState::Done, m),
            Err(crate::error::LibreOllamaError::Cancelled(_)) => {
                (JobState::Cancelled, "Cancelled.".to_string())
            }
            Err(e) => (JobState::Failed, e.to_string()),
        };
        self.jobs.finish(self.id, state, message);
    }

    /// Stopped on request, with what it had done by then.
    pub fn finish_cancelled(self, message: String) {
        self.jobs.finish(self.id, JobState::Cancelled, message);
    }
}

#[derive(Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<(u64, Vec<Job>)>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Job>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a job of `kind` on `scope` (an account id, or whatever it works on) for
    /// `account`, if it works on one; `None` while one of the same kind and scope still runs.
    pub fn start_kind(
        &self,
        kind: JobKind,
        scope: &str,
        account: Option<&str>,
        name: impl Into<String>,
    ) -> Option<JobHandle> {
        let key = (kind, scope.to_string());
        let mut g = self.lock();
        if g.1
            .iter()
            .any(|j| j.key == key && j.state == JobState::Running)
        {
            return None;
        }
        g.0 += 1;
        let id = g.0;
        let progress = Arc::new(Progress::default());
        let cancel = CancellationToken::new();
        g.1.push(Job {
            id,
            kind,
            account: account.map(str::to_string),
            name: name.into(),
            key,
            progress: progress.clone(),
            cancel: cancel.clone(),
            started: Instant::now(),
            started_unix: now_unix(),
            finished: None,
            state: JobState::Running,
            message: None,
        });
        Some(JobHandle {
            id,
            progress,
            cancel,
            jobs: self.clone(),
        })
    }

    fn finish(&self, id: u64, state: JobState, message: String) {
        let mut g = self.lock();
        if let Some(j) = g.1.iter_mut().find(|j| j.id == id) {
            j.state = state;
            j.message = Some(message);
            j.finished = Some((Instant::now(), now_unix()));
        }
        let finished = g.1.iter().filter(|j| j.state != JobState::Running).count();
        if finished > KEEP_FINISHED {
            let mut drop = finished - KEEP_FINISHED;
            g.1.retain(|j| {
                if drop > 0 && j.state != JobState::Running {
                    drop -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }

    /// Asks a running job to stop; it ends as Cancelled at its next check.
    pub fn cancel(&self, id: u64) -> bool {
        let g = self.lock();
        match g
            .1
            .iter()
            .find(|j| j.id == id && j.state == JobState::Running)
        {
            Some(j) => {
                j.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Newest first.
    pub fn list(&self) -> Vec<JobView> {
        let g = self.lock();
        g.1.iter().rev().map(Job::view).collect()
    }

    /// Whether a job of `kind` on `scope` is running.
    pub fn running(&self, kind: JobKind, scope: &str) -> bool {
        self.lock()
            .1
            .iter()
            .any(|j| j.key.0 == kind && j.key.1 == scope && j.state == JobState::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_key_and_outcomes_recorded() {
        let jobs = Jobs::default();
        let a = jobs
            .start_kind(JobKind::MailSync, "a", Some("a"), "Sync a")
            .unwrap();
        assert!(jobs
            .start_kind(JobKind::MailSync, "a", Some("a"), "Sync a again")
            .is_none());
        assert!(
            jobs.start_kind(JobKind::MailPush, "a", Some("a"), "Push a")
                .is_some(),
            "another kind on the same account runs beside it"
        );
        let b = jobs
            .start_kind(JobKind::MailSync, "b", Some("b"), "Sync b")
            .unwrap();
        a.progress.set_total(10);
        a.progress.add(4);
        let v = jobs.list();
        assert_eq!(v[2].done, 4);
        assert_eq!(v[2].total, Some(10));
        assert_eq!(
            (v[2].kind, v[2].account.as_deref()),
            (JobKind::MailSync, Some("a"))
        );
        assert!(jobs.cancel(b.id));
        assert!(b.cancel.is_cancelled());
        b.finish(Err(crate::error::LibreOllamaError::Cancelled("x".into())));
        a.finish(Ok("Fetched 4.".into()));
        let v = jobs.list();
        assert_eq!(v[0].state, JobState::Cancelled);
        assert_eq!(v[2].state, JobState::Done);
        assert!(!jobs.running(JobKind::MailSync, "a"));
        assert!(jobs.running(JobKind::MailPush, "a"));
        assert!(jobs
            .start_kind(JobKind::MailSync, "a", Some("a"), "Sync a")
            .is_some());
    }

    #[test]
    fn old_finished_jobs_are_dropped() {
        let jobs = Jobs::default();
        for i in 0..(KEEP_FINISHED + 5) {
            jobs.start_kind(JobKind::Other, &format!("k{i}"), None, "j")
                .unwrap()
                .finish(Ok(String::new()));
        }
        assert_eq!(jobs.list().len(), KEEP_FINISHED);
    }
}
