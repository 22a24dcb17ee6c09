//! Named background jobs (sync runs, body backfill, pushing changes) with progress and cancel,
//! so the activity panel and the CLI can show what the app is doing and stop it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::model::{JobState, JobView};
use crate::store::now_unix;

/// Finished jobs kept for the panel.
const KEEP_FINISHED: usize = 20;

/// Counters a running job updates; readers never block it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    /// 0 while unknown.
    total: AtomicU64,
}

impl Progress {
    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// For jobs that report absolute progress (bytes downloaded).
    pub fn set_done(&self, n: u64) {
        self.done.store(n, Ordering::Relaxed);
    }

    pub fn set_total(&self, n: u64) {
        self.total.store(n, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

struct Job {
    id: u64,
    name: String,
    /// Jobs with the same key do not run twice at once (e.g. one sync per account).
    key: String,
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
        let total = self.progress.total.load(Ordering::Relaxed);
        let end = self.finished.map(|f| f.0).unwrap_or_else(Instant::now);
        let secs = end.duration_since(self.started).as_secs_f64();
        JobView {
            id: self.id,
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
}

#[derive(Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<(u64, Vec<Job>)>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Job>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a job; `None` when one with the same key is still running.
    pub fn start(&self, name: impl Into<String>, key: impl Into<String>) -> Option<JobHandle> {
        let key = key.into();
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

    pub fn running(&self, key: &str) -> bool {
        self.lock()
            .1
            .iter()
            .any(|j| j.key == key && j.state == JobState::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_key_and_outcomes_recorded() {
        let jobs = Jobs::default();
        let a = jobs.start("Sync a", "sync:a").unwrap();
        assert!(jobs.start("Sync a again", "sync:a").is_none());
        let b = jobs.start("Sync b", "sync:b").unwrap();
        a.progress.set_total(10);
        a.progress.add(4);
        let v = jobs.list();
        assert_eq!(v[1].done, 4);
        assert_eq!(v[1].total, Some(10));
        assert!(jobs.cancel(b.id));
        assert!(b.cancel.is_cancelled());
        b.finish(Err(crate::error::LibreOllamaError::Cancelled("x".into())));
        a.finish(Ok("Fetched 4.".into()));
        let v = jobs.list();
        assert_eq!(v[0].state, JobState::Cancelled);
        assert_eq!(v[1].state, JobState::Done);
        assert!(!jobs.running("sync:a"));
        assert!(jobs.start("Sync a", "sync:a").is_some());
    }

    #[test]
    fn old_finished_jobs_are_dropped() {
        let jobs = Jobs::default();
        for i in 0..(KEEP_FINISHED + 5) {
            jobs.start("j", format!("k{i}"))
                .unwrap()
                .finish(Ok(String::new()));
        }
        assert_eq!(jobs.list().len(), KEEP_FINISHED);
    }
}
