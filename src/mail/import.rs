//! Archive import: a Google Takeout mbox (or any mbox), a maildir, or .eml files into the local
//! archive account, parsed like synced mail. Message ids are content hashes, so importing the
//! same archive twice stores each message once. A message that cannot be parsed is kept as raw
//! text (searchable) and reported; it never stops the import.
//!
//! Memory stays bounded whatever the archive holds: batches end at [`mail::INGEST_BATCH`]
//! messages or [`mail::INGEST_BATCH_BYTES`] bytes, and the reader holds back once the batches
//! it built and the writer has not yet stored hold [`IN_FLIGHT_BYTES`]. Every attachment is
//! kept, whatever its size (there is no other copy); one too big to store is reported.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use sha2::{Digest, Sha256};

use super::parse::{parse_with, KeepParts};
use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::store::mail::{self, NewMessage};
use crate::store::Store;

pub use crate::model::ARCHIVE_ACCOUNT;
const BATCH: usize = mail::INGEST_BATCH;
const BATCH_BYTES: usize = mail::INGEST_BATCH_BYTES;
/// Bytes of messages the import holds at once, in the batch being built, the one waiting and
/// the one being written (about one batch written while the next is built).
pub const IN_FLIGHT_BYTES: usize = 2 * BATCH_BYTES;
const RAW_KEEP: usize = 256 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub imported: usize,
    /// "where: why" for each message that could not be parsed (kept as raw text).
    pub malformed: Vec<String>,
    /// "where: file name (size) not kept because …" for each attachment whose bytes were not
    /// stored (its name and size are); empty unless a part exceeds what one stored value holds.
    #[serde(default)]
    pub skipped_parts: Vec<String>,
    /// Stopped on request before the end: the messages stored so far stay.
    #[serde(default)]
    pub stopped: bool,
}

/// Bytes counted for a message besides its raw size (ids, labels, attachment rows).
const MESSAGE_OVERHEAD: usize = 1024;

fn hash_id(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Message-ID → thread, filled as an import goes: a message joins the thread of any message it
/// references or that referenced it, whichever arrived first.
type Threads = std::collections::HashMap<String, String>;

fn thread_of(p: &super::parse::Parsed, own_id: &str, threads: &mut Threads) -> String {
    let mut related: Vec<&str> = Vec::new();
    for h in [
        p.references.as_deref(),
        p.in_reply_to.as_deref(),
        p.message_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        related.extend(h.split_whitespace());
    }
    let thread = related
        .iter()
        .find_map(|m| threads.get(*m).cloned())
        .or_else(|| {
            related
                .first()
                .map(|m| format!("imp-t-{}", hash_id(m.as_bytes())))
        })
        .unwrap_or_else(|| own_id.to_string());
    for m in related {
        threads
            .entry(m.to_string())
            .or_insert_with(|| thread.clone());
    }
    thread
}

fn to_message(
    raw: &[u8],
    origin: &str,
    fallback_date_ms: i64,
    report: &mut ImportReport,
    threads: &mut Threads,
) -> NewMessage {
    let id = format!("imp-{}", hash_id(raw));
    match parse_with(raw, KeepParts::All)
        .filter(|p| !(p.subject.is_empty() && p.from.is_empty() && p.date_ms.is_none()))
    {
        Some(p) => {
            for a in &p.attachments {
                if !p.parts.iter().any(|k| k.part_id == a.part_id) {
                    report.skipped_parts.push(format!(
                        "{origin}: {} ({:.1} MiB) not kept because one stored part holds at most {} MiB",
                        a.filename,
                        a.size as f64 / (1024.0 * 1024.0),
                        super::parse::MAX_ARCHIVED_PART / (1024 * 1024)
                    ));
                }
            }
            let root = thread_of(&p, &id, threads);
            p.into_new_message(
                ARCHIVE_ACCOUNT,
                id,
                root,
                vec!["ARCHIVE".into()],
                fallback_date_ms,
                raw.len() as i64,
            )
        }
        None => {
            report
                .malformed
                .push(format!("{origin}: no readable headers; kept as raw text"));
            let text = String::from_utf8_lossy(&raw[..raw.len().min(RAW_KEEP)]).into_owned();
            NewMessage {
                account_id: ARCHIVE_ACCOUNT.into(),
                id: id.clone(),
                thread_id: id,
                internal_date: fallback_date_ms,
                size_estimate: raw.len() as i64,
                subject: format!("(unreadable message from {origin})"),
                snippet: text.chars().take(200).collect(),
                label_ids: vec!["ARCHIVE".into(), "IMPORT_ERROR".into()],
                body_text: Some(text),
                ..Default::default()
            }
        }
    }
}

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        // A link to a folder is not followed: a loop of links would never end.
        if e.file_type()?.is_dir() {
            eml_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// A batch on its way to the writer, holding its messages' share of the budget until dropped.
struct Batch {
    messages: Vec<NewMessage>,
    _budget: Option<OwnedSemaphorePermit>,
}

/// Parses messages into batches of at most [`BATCH`] messages or [`BATCH_BYTES`] bytes. Each
/// message first takes its size from a budget of [`IN_FLIGHT_BYTES`] shared with the writer,
/// before it is parsed (its decoded parts are what takes memory); the writer gives it back once
/// the batch is stored. When the budget is spent, the batch so far is sent and the reader waits,
/// so batches being built, waiting and written hold at most that much (a message bigger than the
/// whole budget goes alone).
struct Batcher<S: FnMut(Batch) -> bool> {
    send: S,
    budget: Arc<Semaphore>,
    rt: tokio::runtime::Handle,
    batch: Vec<NewMessage>,
    bytes: usize,
    held: Option<OwnedSemaphorePermit>,
    report: ImportReport,
    threads: Threads,
}

impl<S: FnMut(Batch) -> bool> Batcher<S> {
    /// Parses `raw` into the batch; false once the writer has stopped.
    fn add(&mut self, raw: &[u8], origin: &str, fallback_date_ms: i64) -> bool {
        // The raw size bounds what the message holds parsed: decoding shrinks base64 and
        // quoted-printable, and the text and HTML bodies are parts of the raw message.
        let size = raw.len() + MESSAGE_OVERHEAD;
        let want = size.min(IN_FLIGHT_BYTES) as u32;
        let permit = match self.budget.clone().try_acquire_many_owned(want) {
            Ok(p) => p,
            Err(_) => {
                if !self.flush() {
                    return false;
                }
                match self
                    .rt
                    .block_on(self.budget.clone().acquire_many_owned(want))
                {
                    Ok(p) => p,
                    Err(_) => return false,
                }
            }
        };
        match &mut self.held {
            Some(h) => h.merge(permit),
            None => self.held = Some(permit),
        }
        let m = to_message(
            raw,
            origin,
            fallback_date_ms,
            &mut self.report,
            &mut self.threads,
        );
        self.batch.push(m);
        self.bytes += size;
        if self.batch.len() >= BATCH || self.bytes >= BATCH_BYTES {
            return self.flush();
        }
        true
    }

    /// Sends the batch so far, if any; false once the writer has stopped.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        self.bytes = 0;
        (self.send)(Batch {
            messages: std::mem::take(&mut self.batch),
            _budget: self.held.take(),
        })
    }
}

/// Reads `path` on a blocking thread and hands batches to `send`.
fn read_source(
    path: &Path,
    budget: Arc<Semaphore>,
    rt: tokio::runtime::Handle,
    send: impl FnMut(Batch) -> bool,
) -> Result<ImportReport> {
    let io = |e: std::io::Error| LibreOllamaError::io(path, e);
    let mut b = Batcher {
        send,
        budget,
        rt,
        batch: Vec::new(),
        bytes: 0,
        held: None,
        report: ImportReport::default(),
        threads: Threads::new(),
    };
    let now_ms = now_unix() * 1000;
    let name = path.display().to_string();
    if path.is_dir() {
        if path.join("cur").is_dir() || path.join("new").is_dir() {
            for (i, m) in mail_parser::mailbox::maildir::MessageIterator::new(path)
                .map_err(io)?
                .enumerate()
            {
                match m {
                    Ok(m) => {
                        let origin = format!("{name} #{}", i + 1);
                        if !b.add(m.contents(), &origin, m.internal_date() as i64 * 1000) {
                            break;
                        }
                    }
                    Err(e) => b.report.malformed.push(format!("{name} #{}: {e}", i + 1)),
                }
            }
        } else {
            let mut files = Vec::new();
            eml_files(path, &mut files).map_err(io)?;
            files.sort();
            for f in files {
                match std::fs::read(&f) {
                    Ok(raw) => {
                        if !b.add(&raw, &f.display().to_string(), now_ms) {
                            break;
                        }
                    }
                    Err(e) => b.report.malformed.push(format!("{}: {e}", f.display())),
                }
            }
        }
    } else {
        let mut head = [0u8; 5];
        let n = std::io::Read::read(&mut std::fs::File::open(path).map_err(io)?, &mut head)
            .map_err(io)?;
        if &head[..n] == b"From " {
            let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(io)?);
            for (i, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
                match m {
                    Ok(m) => {
                        let date = if m.internal_date() > 0 {
                            m.internal_date() as i64 * 1000
                        } else {
                            now_ms
                        };
                        if !b.add(m.contents(), &format!("{name} #{}", i + 1), date) {
                            break;
                        }
                    }
                    Err(e) => {
                        b.report.malformed.push(format!("{name} #{}: {e}", i + 1));
                        break;
                    }
                }
            }
        } else {
            let raw = std::fs::read(path).map_err(io)?;
            b.add(&raw, &name, now_ms);
        }
    }
    b.flush();
    Ok(b.report)
}

/// Only a regular file or a folder is read: a pipe would wait for ever and a device never
/// end (a link to either is followed to what it names).
pub fn check_source(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Err(_) => Err(LibreOllamaError::InvalidInput(format!(
            "{} does not exist; pick an mbox file, a maildir folder or a folder of .eml files",
            path.display()
        ))),
        Ok(m) if m.is_file() || m.is_dir() => Ok(()),
        Ok(_) => Err(LibreOllamaError::InvalidInput(format!(
            "{} is not a file or a folder; pick an mbox file, a maildir folder or a folder of \
             .eml files",
            path.display()
        ))),
    }
}

/// Imports `path`, calling `progress(messages so far)` after each stored batch (a batch is at
/// most [`mail::INGEST_BATCH`] messages or about [`mail::INGEST_BATCH_BYTES`] bytes).
pub async fn import_path(
    store: &Store,
    path: &Path,
    progress: impl Fn(usize),
) -> Result<ImportReport> {
    import_path_until(store, path, |n| {
        progress(n);
        true
    })
    .await
}

/// [`import_path`], stopping after the batch for which `keep_going(messages so far)` answers
/// false (the batches stored stay; the report says it stopped).
pub async fn import_path_until(
    store: &Store,
    path: &Path,
    keep_going: impl Fn(usize) -> bool,
) -> Result<ImportReport> {
    check_source(path)?;
    store
        .write(|c| mail::ensure_archive_account(c, now_unix()))
        .await?;
    // At most one batch waits while one is written. If the writer stops early, dropping the
    // channel drops the waiting batch, giving its budget back, and the reader's next send fails.
    let budget = Arc::new(Semaphore::new(IN_FLIGHT_BYTES));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(1);
    let p = path.to_path_buf();
    let rt = tokio::runtime::Handle::current();
    let reader = tokio::task::spawn_blocking(move || {
        read_source(&p, budget, rt, |batch| tx.blocking_send(batch).is_ok())
    });
    let mut stored = 0usize;
    let mut stopped = false;
    while let Some(batch) = rx.recv().await {
        let n = batch.messages.len();
        store
            .transaction(move |t| {
                let r = mail::upsert_messages(t, &batch.messages);
                // The budget is given back as soon as the rows are written.
                drop(batch);
                r
            })
            .await?;
        stored += n;
        if !keep_going(stored) {
            // Closing the channel stops the reader at its next batch.
            stopped = true;
            drop(rx);
            break;
        }
    }
    let mut report = reader
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("import task failed: {e}")))??;
    report.imported = stored;
    report.stopped = stopped;
    // The import wrote its whole size through the log: fold it into the file now, so that the
    // next process to open the database does not re-read it all.
    if let Err(e) = store.write(|c| crate::store::health::checkpoint(c)).await {
        tracing::warn!(error = %e, "could not checkpoint the database after an import");
    }
    tracing::info!(path = %path.display(), imported = stored, malformed = report.malformed.len(), skipped_parts = report.skipped_parts.len(), "mail import finished");
    Ok(report)
}
