//! Streaming requests the UI follows by polling: a reply, summary, draft or answer runs as a
//! task on the service's runtime (so it finishes and is saved even if the window moves on), its
//! text grows here, and the UI reads it at its own pace — one screen update per poll however
//! many pieces arrived in between.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::error::{LibreOllamaError, Result};
use crate::model::{LiveResult, LiveView};

/// Finished requests nobody read are forgotten after this long.
const KEEP_UNREAD: Duration = Duration::from_secs(600);

#[derive(Default)]
pub struct Slot {
    text: Mutex<String>,
    outcome: Mutex<Option<(Instant, std::result::Result<LiveResult, String>)>>,
    pub cancel: CancellationToken,
}

impl Slot {
    pub fn push(&self, piece: &str) {
        self.text.lock().unwrap().push_str(piece);
    }
}

#[derive(Default)]
pub struct Live {
    next: AtomicU64,
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
}

impl Live {
    /// Runs `work` in the background; returns the id to poll.
    pub fn start<F, Fut>(&self, work: F) -> u64
    where
        F: FnOnce(Arc<Slot>) -> Fut,
        Fut: Future<Output = Result<LiveResult>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let slot = Arc::new(Slot::default());
        {
            let mut slots = self.slots.lock().unwrap();
            slots.retain(|_, s| match &*s.outcome.lock().unwrap() {
                Some((at, _)) => at.elapsed() < KEEP_UNREAD,
                None => true,
            });
            slots.insert(id, slot.clone());
        }
        let fut = work(slot.clone());
        tokio::spawn(async move {
            let r = fut.await.map_err(|e| e.to_string());
            *slot.outcome.lock().unwrap() = Some((Instant::now(), r));
        });
        id
    }

    /// The text so far; once finished, the result (and the request is forgotten).
    pub fn poll(&self, id: u64) -> Result<LiveView> {
        let mut slots = self.slots.lock().unwrap();
        let slot = slots.get(&id).cloned().ok_or(LibreOllamaError::NotFound {
            what: "That request (it finished a while ago or the app restarted); its result is saved where it belongs".into(),
        })?;
        let text = slot.text.lock().unwrap().clone();
        let outcome = slot.outcome.lock().unwrap().take();
        let Some((_, r)) = outcome else {
            return Ok(LiveView {
                text,
                done: false,
                result: None,
                error: None,
            });
        };
        slots.remove(&id);
        let (result, error) = match r {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
        Ok(LiveView {
            text,
            done: true,
            result,
            error,
        })
    }

    pub fn cancel(&self, id: u64) {
        if let Some(s) = self.slots.lock().unwrap().get(&id) {
            s.cancel.cancel();
        }
    }
}
