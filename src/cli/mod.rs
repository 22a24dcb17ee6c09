//! Headless subcommands over the same services the UI uses. Errors become text here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

mod ai;
mod calendar;
mod compose;
mod tasks;

use crate::config::AppConfig;
use crate::error::LibreOllamaError;
use crate::model::{CheckStatus, DiagnosticsReport};
use crate::services::AppServices;

#[derive(Debug, Parser)]
#[command(
    name = "libreollama",
    version,
    about = "LibreOllama: your mail, tasks and calendar, local-first, with a local LLM"
)]
pub struct Cli {
    /// Folder for the database, key file and logs [default: the platform data folder]
    #[arg(long, global = true, value_name = "DIR", env = crate::config::ENV_DATA_DIR)]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the database, the vault and stored accounts; exits non-zero when something is wrong
    Doctor {
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Credential vault maintenance
    Vault {
        #[command(subcommand)]
        action: VaultAction,
    },
    /// Google accounts: sign in, list, check, remove
    Accounts {
        #[command(subcommand)]
        action: AccountsAction,
    },
    /// Mail: sync the local cache with Gmail and search it offline
    Mail {
        #[command(subcommand)]
        action: MailAction,
    },
    /// Google Calendar: sync and the agenda
    Calendar {
        #[command(subcommand)]
        action: calendar::CalendarAction,
    },
    /// The local task list
    Tasks {
        #[command(subcommand)]
        action: tasks::TasksAction,
    },
    /// Local AI: model servers (Ollama, OpenAI-compatible)
    Ai {
        #[command(subcommand)]
        action: ai::AiAction,
    },
    /// Chat with a local model in the terminal (the conversation is kept)
    Chat {
        /// Model server id (see `libreollama ai servers`) [default: the default server]
        #[arg(long)]
        server: Option<String>,
        /// Model name [default: the server's first]
        #[arg(long)]
        model: Option<String>,
        /// Continue this conversation
        #[arg(long)]
        conversation: Option<String>,
        /// System prompt for a new conversation
        #[arg(long)]
        system: Option<String>,
        /// Longest reply, in tokens [default: the model's own limit]
        #[arg(long)]
        max_tokens: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
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
}

#[derive(Debug, Subcommand)]
pub enum AccountsAction {
    /// Sign in to a Google account in the browser and store it
    Add {
        /// Print the sign-in address instead of opening the browser
        #[arg(long)]
        no_browser: bool,
    },
    /// List stored accounts and their state
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke the app's access at Google and delete the account's local data
    Remove {
        /// Account id or email address
        account: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Check an account's sign-in: expiry, scopes granted, and whether a refresh works now
    Check {
        /// Account id or email address
        account: String,
    },
    /// Set the Google OAuth client (id on the command line, secret read from standard input)
    Client {
        #[arg(long)]
        id: String,
        /// Read the client secret from standard input (keeps it out of shell history)
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Clear stored tokens that no longer decrypt and mark those accounts for sign-in
    Cleanup,
}

#[derive(Debug, Subcommand)]
pub enum VaultAction {
    /// Create a new master key and re-encrypt every stored secret with it
    Rotate,
}

/// What `main` should do after parsing.
pub enum Outcome {
    Exit(ExitCode),
    /// No subcommand: open the app with this configuration.
    LaunchUi(Box<AppConfig>),
}

pub fn run() -> Outcome {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return Outcome::Exit(if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            });
        }
    };
    let mut config = match AppConfig::resolve(cli.data_dir) {
        Ok(c) => c,
        Err(e) => return Outcome::Exit(report_error(&e)),
    };
    let Some(command) = cli.command else {
        return Outcome::LaunchUi(Box::new(config));
    };
    // Subcommands print their own results; the full log still goes to the log file.
    config.log_to_stderr = false;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return Outcome::Exit(ExitCode::FAILURE);
        }
    };
    Outcome::Exit(rt.block_on(async move {
        let services = match AppServices::start(config).await {
            Ok(s) => s,
            Err(e) => return report_error(&e),
        };
        match execute(services, command).await {
            Ok(code) => code,
            Err(e) => report_error(&e),
        }
    }))
}

fn report_error(e: &LibreOllamaError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

async fn execute(
    services: Arc<AppServices>,
    command: Command,
) -> Result<ExitCode, LibreOllamaError> {
    match command {
        Command::Doctor { json } => {
            let report = services.debug.diagnostics().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(LibreOllamaError::json)?
                );
            } else {
                print!("{}", render_doctor(&report));
            }
            Ok(if report.healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Accounts { action } => accounts(services, action).await,
        Command::Mail { action } => mail(services, action).await,
        Command::Ai { action } => ai::ai(services, action).await,
        Command::Tasks { action } => tasks::run(services, action).await,
        Command::Calendar { action } => calendar::run(services, action).await,
        Command::Chat {
            server,
            model,
            conversation,
            system,
            max_tokens,
        } => ai::chat(services, server, model, conversation, system, max_tokens).await,
        Command::Vault {
            action: VaultAction::Rotate,
        } => {
            let id = services.debug.rotate_vault_key().await?;
            println!("Vault key rotated; new key id {id}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn render_doctor(r: &DiagnosticsReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "LibreOllama {} — diagnostics", r.app_version);
    let _ = writeln!(out, "Data folder: {}", r.data_dir);
    let _ = writeln!(
        out,
        "Database:    {} ({} bytes)",
        r.db_path, r.db_size_bytes
    );
    if let Some(log) = &r.log_file {
        let _ = writeln!(out, "Log file:    {log}");
    }
    let _ = writeln!(
        out,
        "Vault:       {} (key {})",
        r.vault.backend_description, r.vault.active_key_id
    );
    let _ = writeln!(out);
    for c in &r.checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok  ",
            CheckStatus::Warning => "warn",
            CheckStatus::Failed => "FAIL",
        };
        let _ = writeln!(out, "[{mark}] {}: {}", c.name, c.detail);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Migrations applied:");
    for m in &r.applied_migrations {
        let _ = writeln!(out, "  V{} {}", m.version, m.name);
    }
    let _ = writeln!(out, "Accounts: {}", r.accounts.len());
    for a in &r.accounts {
        let state = if a.requires_reauth {
            "needs re-authentication"
        } else if a.is_active {
            "active"
        } else {
            "inactive"
        };
        let tok = |t: &crate::model::TokenSummary| match (&t.error, t.present) {
            (Some(_), _) => "unreadable".to_string(),
            (None, true) => format!("{} chars, fp {}", t.length, t.fingerprint),
            (None, false) => "none".to_string(),
        };
        let _ = writeln!(
            out,
            "  {} [{}] access: {}; refresh: {}; expires: {}; scopes: {}",
            a.email_address,
            state,
            tok(&a.access_token),
            tok(&a.refresh_token),
            a.token_expires_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".into()),
            a.scopes.len()
        );
    }
    let _ = writeln!(
        out,
        "\nOverall: {}",
        if r.healthy() {
            "healthy"
        } else {
            "PROBLEMS FOUND"
        }
    );
    out
}

fn status_text(s: crate::model::AccountStatus) -> &'static str {
    s.label()
}

async fn accounts(
    services: Arc<AppServices>,
    action: AccountsAction,
) -> Result<ExitCode, LibreOllamaError> {
    let auth = &services.auth;
    match action {
        AccountsAction::Add { no_browser } => {
            let account = auth
                .add_account(|url| {
                    eprintln!("Sign in to Google in your browser. If it does not open, visit:\n\n  {url}\n");
                    if !no_browser {
                        if let Err(e) = webbrowser::open(url.as_str()) {
                            eprintln!("(the browser could not be opened: {e})");
                        }
                    }
                    eprintln!("Waiting for the browser… (Ctrl+C to cancel)");
                    Ok(())
                })
                .await?;
            println!("Added {} ({})", account.email, account.id);
            Ok(ExitCode::SUCCESS)
        }
        AccountsAction::List { json } => {
            let list = auth.list_accounts().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(LibreOllamaError::json)?
                );
            } else if list.is_empty() {
                println!("No accounts. Add one with `libreollama accounts add`.");
            } else {
                for a in &list {
                    println!(
                        "{}\t{}\t{}\t{}",
                        a.id,
                        a.email,
                        status_text(a.status),
                        a.display_name.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsAction::Remove { account, yes } => {
            let a = auth.resolve(&account).await?;
            if !yes {
                use std::io::{BufRead, IsTerminal, Write};
                if !std::io::stdin().is_terminal() {
                    return Err(LibreOllamaError::InvalidInput(
                        "removing an account needs confirmation: pass --yes".into(),
                    ));
                }
                eprint!(
                    "Remove {} and delete its local data? [y/N] ",
                    a.email_address
                );
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
                if !matches!(line.trim(), "y" | "Y" | "yes") {
                    eprintln!("Kept {}.", a.email_address);
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let report = auth.remove_account(&a.id).await?;
            match &report.revoke_error {
                None => println!("Removed {}; its access at Google was revoked.", report.email),
                Some(e) => println!(
                    "Removed {} locally. Revoking access at Google failed ({e}); remove LibreOllama at myaccount.google.com → Security → Third-party access.",
                    report.email
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsAction::Check { account } => {
            let c = auth.check_account(&account).await?;
            println!("Account:  {}", c.email);
            println!("State:    {}", status_text(c.status));
            match c.expires_in_secs {
                Some(s) => println!("Token:    expires in {s} s"),
                None => println!("Token:    no expiry stored"),
            }
            println!("Scopes:   {} granted", c.scopes_granted.len());
            for m in &c.scopes_missing {
                println!("  missing: {m}");
            }
            match &c.refresh_error {
                None => println!("Refresh:  ok"),
                Some(e) => println!("Refresh:  FAILED: {e}"),
            }
            Ok(
                if c.refresh_error.is_none() && c.scopes_missing.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                },
            )
        }
        AccountsAction::Client { id, secret_stdin } => {
            let secret = if secret_stdin {
                let mut s = String::new();
                std::io::stdin().read_line(&mut s).map_err(|e| {
                    LibreOllamaError::InvalidInput(format!("could not read the secret: {e}"))
                })?;
                Some(s)
            } else {
                None
            };
            auth.set_client(id, secret).await?;
            println!("Google OAuth client saved.");
            Ok(ExitCode::SUCCESS)
        }
        AccountsAction::Cleanup => {
            let fixed = auth.cleanup_corrupt_tokens().await?;
            if fixed.is_empty() {
                println!("No corrupt token rows found.");
            } else {
                for e in fixed {
                    println!("Cleared unreadable tokens of {e}; sign in to it again.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn mail(
    services: Arc<AppServices>,
    action: MailAction,
) -> Result<ExitCode, LibreOllamaError> {
    match action {
        MailAction::Send(args) => compose::send(services, args).await,
        MailAction::Outbox { run, json } => compose::outbox(services, run, json).await,
        MailAction::Drafts => compose::drafts(services).await,
        MailAction::Snooze {
            thread,
            until,
            account,
        } => compose::snooze(services, thread, until, account).await,
        MailAction::Snoozed => compose::snoozed(services).await,
        MailAction::Sync { account, page_size } => {
            let targets = match account {
                Some(a) => vec![services.auth.resolve(&a).await?.id],
                None => services
                    .auth
                    .list_accounts()
                    .await?
                    .into_iter()
                    .filter(|a| a.status == crate::model::AccountStatus::Active)
                    .map(|a| a.id)
                    .collect(),
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
                let mut sync = crate::sync::gmail::for_account(
                    &services.store,
                    services.google.clone(),
                    &services.config.google.endpoints.gmail_base,
                    &id,
                );
                sync.page_size = page_size;
                let started = std::time::Instant::now();
                match sync.run(&cancel).await {
                    Ok(r) => println!(
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
                    ),
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
        MailAction::Import { path } => {
            let started = std::time::Instant::now();
            let report = crate::mail::import::import_path(&services.store, &path, |n| {
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
        MailAction::Search {
            query,
            account,
            limit,
            json,
        } => {
            let offset = std::env::var("LIBREOLLAMA_UTC_OFFSET_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let clock = crate::search::Clock {
                now_ms: crate::store::now_unix() * 1000,
                utc_offset_secs: offset,
            };
            let q = crate::search::parse(&query, clock).map_err(|e| {
                LibreOllamaError::InvalidInput(crate::search::error_sentence(&query, &e))
            })?;
            let account = match account {
                Some(a) => Some(services.auth.resolve(&a).await?.id),
                None => None,
            };
            let hits = services
                .store
                .read(move |c| crate::store::mail::search(c, account.as_deref(), &q, limit, None))
                .await?;
            for h in &hits {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string(h).map_err(LibreOllamaError::json)?
                    );
                } else {
                    println!(
                        "{}\t{}\t{}\t{}",
                        utc_date(h.internal_date),
                        h.from,
                        h.subject,
                        h.id
                    );
                }
            }
            if !json && hits.is_empty() {
                eprintln!("No messages match.");
            }
            Ok(ExitCode::SUCCESS)
        }
        MailAction::Show { id, account, json } => {
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
        MailAction::Labels { account, json } => {
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
