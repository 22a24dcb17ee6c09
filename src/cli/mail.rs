//! `libreollama mail …`: sync, import, search, show and labels through the mail service (the
//! same code and clock as the app); sending, the outbox, drafts and snooze are in `compose`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::{compose, mail_act};
use crate::config::AppConfig;
use crate::error::LibreOllamaError;
use crate::model::{MailAction as Change, MailRow};
use crate::services::mail::CacheSearch;
use crate::services::AppServices;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Bring the local cache up to date with Gmail (all active accounts, or one)
    Sync {
        /// Account id or email address
        account: Option<String>,
        /// Messages per page of the initial sync (each page is stored with its cursor)
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=500))]
        page_size: u32,
    },
    /// Import an mbox (e.g. Google Takeout), a maildir, or a folder of .eml files into the local archive
    Import { path: PathBuf },
    /// Search the local cache with Gmail's operators (from:, subject:, is:unread, …)
    Search {
        query: String,
        /// Limit to one account (id or email address)
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Show a message's conversation (downloading its body if needed; marks it read)
    Show {
        /// Message id (as printed by `mail search`)
        id: String,
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List folders and labels with message and unread counts from the local cache
    Labels {
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write and send a mail (or schedule it with --at) through the durable outbox
    Send(compose::SendArgs),
    /// The outbox: mail waiting, scheduled, refused, and sent in the last day
    Outbox {
        /// First send what is due (and wake snoozed conversations), as the app does
        #[arg(long)]
        run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Drafts on this computer
    Drafts,
    /// Hide a conversation from the inbox until a time
    Snooze {
        /// Conversation (thread) id
        thread: String,
        /// "YYYY-MM-DD HH:MM", RFC 3339, or +30m / +2h / +1d
        #[arg(long)]
        until: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// Snoozed conversations and when they come back
    Snoozed,
    /// Archive messages (out of the inbox): ids, or every match of --query
    Archive(mail_act::Targets),
    /// Move messages back into the inbox (the opposite of archive)
    Inbox(mail_act::Targets),
    /// Move messages to the trash
    Trash(mail_act::Targets),
    /// Take messages out of the trash, back to the inbox
    Untrash(mail_act::Targets),
    /// Star messages
    Star(mail_act::Targets),
    /// Remove the star from messages
    Unstar(mail_act::Targets),
    /// Mark messages read (changes them; `mail show` reads one)
    Read(mail_act::Targets),
    /// Mark messages unread
    Unread(mail_act::Targets),
    /// Report messages as spam (out of the inbox, into Spam)
    Spam(mail_act::Targets),
    /// Not spam: out of Spam, back to the inbox
    Unspam(mail_act::Targets),
    /// Add and remove labels: --add L / --remove L, by name or id
    Label(mail_act::LabelArgs),
}

pub async fn run(
    services: Arc<AppServices>,
    action: MailCommand,
) -> Result<ExitCode, LibreOllamaError> {
    match action {
        MailCommand::Send(args) => compose::send(services, args).await,
        MailCommand::Outbox { run, json } => compose::outbox(services, run, json).await,
        MailCommand::Drafts => compose::drafts(services).await,
        MailCommand::Snooze {
            thread,
            until,
            account,
        } => compose::snooze(services, thread, until, account).await,
        MailCommand::Snoozed => compose::snoozed(services).await,
        MailCommand::Archive(t) => mail_act::act(services, t, Change::Archive).await,
        MailCommand::Inbox(t) => mail_act::act(services, t, Change::MoveToInbox).await,
        MailCommand::Trash(t) => mail_act::act(services, t, Change::Trash).await,
        MailCommand::Untrash(t) => mail_act::act(services, t, Change::Untrash).await,
        MailCommand::Star(t) => mail_act::act(services, t, Change::Star).await,
        MailCommand::Unstar(t) => mail_act::act(services, t, Change::Unstar).await,
        MailCommand::Read(t) => mail_act::act(services, t, Change::MarkRead).await,
        MailCommand::Unread(t) => mail_act::act(services, t, Change::MarkUnread).await,
        MailCommand::Spam(t) => mail_act::act(services, t, Change::MarkSpam).await,
        MailCommand::Unspam(t) => mail_act::act(services, t, Change::NotSpam).await,
        MailCommand::Label(a) => mail_act::label(services, a).await,
        MailCommand::Sync { account, page_size } => {
            let targets = match account {
                Some(a) => vec![services.auth.resolve(&a).await?.id],
                None => services.mail.active_accounts().await?,
            };
            if targets.is_empty() {
                println!("No active accounts to sync. Add one with `libreollama accounts add`.");
                return Ok(ExitCode::SUCCESS);
            }
            let cancel = tokio_util::sync::CancellationToken::new();
            let c2 = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    c2.cancel();
                }
            });
            let mut failed = false;
            for id in targets {
                let started = std::time::Instant::now();
                let options = crate::services::mail::SyncOptions {
                    page_size: Some(page_size),
                    ..Default::default()
                };
                match services.mail.sync_account(&id, options, &cancel).await {
                    Ok(done) => {
                        let r = done.sync;
                        if let Some(p) = done
                            .pushed
                            .filter(|p| p.pushed > 0 || p.pending > 0 || !p.refused.is_empty())
                        {
                            println!(
                                "{id}: {} change(s) sent, {} waiting, {} refused by Gmail and undone",
                                p.pushed,
                                p.pending,
                                p.refused.len()
                            );
                        }
                        println!(
                            "{id}: {} sync, {} messages stored, {} removed in {:.1} s{}",
                            r.mode,
                            r.fetched,
                            r.deleted,
                            started.elapsed().as_secs_f64(),
                            if r.restarted_full {
                                " (history expired: full re-sync)"
                            } else {
                                ""
                            }
                        )
                    }
                    Err(e) => {
                        eprintln!("{id}: {e}");
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        MailCommand::Import { path } => {
            let started = std::time::Instant::now();
            let report = services
                .mail
                .import_archive(&path, |n| {
                    eprint!("\rImported {n} messages…");
                })
                .await?;
            eprintln!();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "Imported {} messages from {} in {secs:.1} s ({:.0}/s). Search them with `libreollama mail search`.",
                report.imported,
                path.display(),
                report.imported as f64 / secs.max(0.001)
            );
            for m in &report.malformed {
                println!("  kept as raw text: {m}");
            }
            for m in &report.skipped_parts {
                println!("  attachment {m}");
            }
            Ok(ExitCode::SUCCESS)
        }
        // `super::run` answers searches from the cache alone (see `search`); this is the same.
        MailCommand::Search {
            query,
            account,
            limit,
            json,
        } => {
            let account = match account {
                Some(a) => Some(services.auth.resolve(&a).await?.id),
                None => None,
            };
            let rows = services.mail.search(account, query, limit).await?;
            print_rows(&rows, json)
        }
        MailCommand::Show { id, account, json } => {
            let account = match account {
                Some(a) => Some(services.auth.resolve(&a).await?.id),
                None => None,
            };
            let (acc, thread_id) = services.mail.locate(&id, account).await?;
            let t = services.mail.thread(&acc, &thread_id, false).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&t).map_err(LibreOllamaError::json)?
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}\n", t.subject);
            for m in &t.messages {
                println!("From: {}\nTo: {}", m.from, m.to);
                if !m.cc.is_empty() {
                    println!("Cc: {}", m.cc);
                }
                println!("Date: {} UTC\nId: {}", utc_date(m.date_ms), m.id);
                for a in &m.attachments {
                    println!(
                        "Attachment: {} ({}, {} bytes)",
                        a.filename, a.mime_type, a.size
                    );
                }
                if let Some(n) = &m.body_note {
                    println!("Note: {n}");
                }
                println!();
                match (&m.text, &m.html) {
                    (Some(t), _) => println!("{t}"),
                    (None, Some(_)) => println!("(HTML only: open it in the app)"),
                    (None, None) => println!("(no text)"),
                }
                println!("\n----");
            }
            Ok(ExitCode::SUCCESS)
        }
        MailCommand::Labels { account, json } => {
            let only = match account {
                Some(a) => Some(services.auth.resolve(&a).await?.id),
                None => None,
            };
            let accounts = services.mail.accounts().await?;
            for a in accounts
                .iter()
                .filter(|a| only.as_ref().is_none_or(|o| *o == a.id))
            {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string(a).map_err(LibreOllamaError::json)?
                    );
                    continue;
                }
                println!("{}", a.email);
                for l in &a.labels {
                    println!(
                        "  {:<28} {:>7} messages {:>6} unread\t{}",
                        l.name, l.total, l.unread, l.id
                    );
                }
            }
            if accounts.is_empty() && !json {
                eprintln!("No mail yet: add an account (`libreollama accounts add`) and run `libreollama mail sync`.");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `mail search`: the app's search (the same parser, clock and store query) over the mail cache
/// alone, which is all the terminal opens for it (see [`CacheSearch`]).
pub async fn search(
    config: &AppConfig,
    query: String,
    account: Option<String>,
    limit: usize,
    json: bool,
) -> Result<ExitCode, LibreOllamaError> {
    let cache = CacheSearch::open(config).await?;
    let rows = cache.search(account, query, limit).await?;
    drop(cache);
    print_rows(&rows, json)
}

fn print_rows(rows: &[MailRow], json: bool) -> Result<ExitCode, LibreOllamaError> {
    for r in rows {
        if json {
            println!(
                "{}",
                serde_json::to_string(r).map_err(LibreOllamaError::json)?
            );
        } else {
            println!(
                "{}\t{}\t{}\t{}",
                utc_date(r.date_ms),
                r.from,
                r.subject,
                r.id
            );
        }
    }
    if !json && rows.is_empty() {
        eprintln!("No messages match.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD HH:MM` UTC of a Gmail internal date (ms since the epoch).
fn utc_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc_date(0), "1970-01-01 00:00");
        assert_eq!(
            super::utc_date(1_706_659_200_000 + 90_000),
            "2024-01-31 00:01"
        );
        assert_eq!(super::utc_date(951_782_400_000), "2000-02-29 00:00");
    }
}
