//! Archive import: a Google Takeout mbox (or any mbox), a maildir, or .eml files into the local
//! archive account, parsed like synced mail. Message ids are content hashes, so importing the
//! same archive twice stores each message once. A message that cannot be parsed is kept as raw
//! text (searchable) and reported; it never stops the import.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::parse::{parse_with, KeepParts};
use crate::error::{LibreOllamaError, Result};
use crate::store::mail::{self, NewMessage};
use crate::store::{now_unix, Store};

pub use crate::model::ARCHIVE_ACCOUNT;
const BATCH: usize = crate::store::mail::INGEST_BATCH;
const RAW_KEEP: usize = 256 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub imported: usize,
    /// "where: why" for each message that could not be parsed (kept as raw text).
    pub malformed: Vec<String>,
}

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
        let p = e?.path();
        if p.is_dir() {
            eml_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads `path` on a blocking thread and hands batches to `send`.
fn read_source(
    path: &Path,
    mut send: impl FnMut(Vec<NewMessage>, &mut ImportReport) -> bool,
) -> Result<ImportReport> {
    let io = |e: std::io::Error| LibreOllamaError::io(path, e);
    let mut report = ImportReport::default();
    let mut threads = Threads::new();
    let mut batch = Vec::with_capacity(BATCH);
    let now_ms = now_unix() * 1000;
    let mut push =
        |m: NewMessage, batch: &mut Vec<NewMessage>, report: &mut ImportReport| -> bool {
            batch.push(m);
            if batch.len() >= BATCH {
                return send(std::mem::take(batch), report);
            }
            true
        };
    let name = path.display().to_string();
    if path.is_dir() {
        if path.join("cur").is_dir() || path.join("new").is_dir() {
            for (i, m) in mail_parser::mailbox::maildir::MessageIterator::new(path)
                .map_err(io)?
                .enumerate()
            {
                match m {
                    Ok(m) => {
                        let msg = to_message(
                            m.contents(),
                            &format!("{name} #{}", i + 1),
                            m.internal_date() as i64 * 1000,
                            &mut report,
                            &mut threads,
                        );
                        if !push(msg, &mut batch, &mut report) {
                            break;
                        }
                    }
                    Err(e) => report.malformed.push(format!("{name} #{}: {e}", i + 1)),
                }
            }
        } else {
            let mut files = Vec::new();
            eml_files(path, &mut files).map_err(io)?;
            files.sort();
            for f in files {
                match std::fs::read(&f) {
                    Ok(raw) => {
                        let msg = to_message(
                            &raw,
                            &f.display().to_string(),
                            now_ms,
                            &mut report,
                            &mut threads,
                        );
                        if !push(msg, &mut batch, &mut report) {
                            break;
                        }
                    }
                    Err(e) => report.malformed.push(format!("{}: {e}", f.display())),
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
                        let msg = to_message(
                            m.contents(),
                            &format!("{name} #{}", i + 1),
                            date,
                            &mut report,
                            &mut threads,
                        );
                        if !push(msg, &mut batch, &mut report) {
                            break;
                        }
                    }
                    Err(e) => {
                        report.malformed.push(format!("{name} #{}: {e}", i + 1));
                        break;
                    }
                }
            }
        } else {
            let raw = std::fs::read(path).map_err(io)?;
            let msg = to_message(&raw, &name, now_ms, &mut report, &mut threads);
            push(msg, &mut batch, &mut report);
        }
    }
    if !batch.is_empty() {
        send(batch, &mut report);
    }
    Ok(report)
}

/// Imports `path`, calling `progress(messages so far)` after each stored batch.
pub async fn import_path(
    store: &Store,
    path: &Path,
    progress: impl Fn(usize),
) -> Result<ImportReport> {
    if !path.exists() {
        return Err(LibreOllamaError::InvalidInput(format!(
            "{} does not exist",
            path.display()
        )));
    }
    store
        .write(|c| {
            c.execute(
                "INSERT OR IGNORE INTO gmail_accounts_secure (id, email_address, display_name, is_active, created_at, updated_at) \
                 VALUES (?1, 'archive@localhost', 'Local archive', 0, ?2, ?2)",
                rusqlite::params![ARCHIVE_ACCOUNT, now_unix()],
            )
            .map_err(|e| LibreOllamaError::db("creating the archive account", e))?;
            Ok(())
        })
        .await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewMessage>>(2);
    let p = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        read_source(&p, |batch, _| tx.blocking_send(batch).is_ok())
    });
    let mut stored = 0usize;
    while let Some(batch) = rx.recv().await {
        let n = batch.len();
        store
            .transaction(move |t| mail::upsert_messages(t, &batch))
            .await?;
        stored += n;
        progress(stored);
    }
    let mut report = reader
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("import task failed: {e}")))??;
    report.imported = stored;
    tracing::info!(path = %path.display(), imported = stored, malformed = report.malformed.len(), "mail import finished");
    Ok(report)
}
