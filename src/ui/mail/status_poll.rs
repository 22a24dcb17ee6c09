//! The sync status, polled while the mail page is open: a job that ends (or mail that arrives
//! during a first sync) refreshes the counts and the list.

use dioxus::prelude::*;

use super::state::{MailState, PAGE};
use crate::api;

/// Sync status, polled while the page is open; a finished job refreshes counts and, when the
/// list is scrolled to the top, the list itself.
pub(super) async fn poll_status(mut st: MailState) {
    // (newest job id, finished jobs): a change means a job ended or started.
    let mut seen: Option<(u64, usize)> = None;
    let (mut last_stored, mut rounds) = (0u64, 0u64);
    loop {
        if let Ok(s) = api::mail_status().await {
            let finished = s
                .jobs
                .iter()
                .filter(|j| j.state != crate::model::JobState::Running)
                .count();
            let marker = (s.jobs.first().map(|j| j.id).unwrap_or(0), finished);
            let job_ended =
                seen.is_some_and(|m| m.1 != finished || m.0 != marker.0) && finished > 0;
            // During a first sync, mail shows as its pages arrive, not only at the end.
            let stored: u64 = s
                .jobs
                .iter()
                .filter(|j| {
                    j.state == crate::model::JobState::Running
                        && j.kind == crate::model::JobKind::MailSync
                })
                .map(|j| j.done)
                .sum();
            let arriving = stored > 0 && stored != last_stored;
            let at_top = *st.scroll_top.peek() < 200.0;
            last_stored = stored;
            if job_ended || arriving {
                if job_ended || rounds % 4 == 0 {
                    st.refresh_accounts();
                }
                // An open conversation stays open (it is kept in `open`, apart from the rows)
                // and the cursor finds its row again, so the list beside it stays current too.
                if at_top && (job_ended || st.rows.peek().len() < PAGE as usize) {
                    st.reload();
                }
            }
            // A reload dropped beside an open conversation, now that the reader is closed.
            if at_top && *st.list_stale.peek() && st.open.peek().is_none() {
                st.reload();
            }
            rounds += 1;
            seen = Some(marker);
            st.status.set(Some(s));
        }
        crate::ui::timer::sleep_ms(1500).await;
    }
}
