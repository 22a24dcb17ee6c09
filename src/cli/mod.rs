//! Headless subcommands over the same services the UI uses. Errors become text here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

mod ai;
pub mod app;
mod calendar;
mod compose;
mod mail;
mod mail_act;
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
        action: mail::MailCommand,
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

/// Rust ignores SIGPIPE, so `println!` into a closed pipe (`… | head -1`) panics. A command's
/// output ends there as any Unix tool's does: the default action, ending the process quietly.
/// What a command writes goes through the store's transactions and the durable queue, so an end
/// there loses nothing a later run cannot resume (a sync resumes from its cursor).
fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called before any other thread of this process runs; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// One malloc arena for a search's process. Its queries run on tokio's blocking thread, to
/// which glibc gives an arena of its own that grows a page at a time (an `mprotect` per page,
/// 150–200 of them in one terminal search of 100,000 messages); the main arena grows 128 KiB
/// at a time. The search's few threads take turns, so arenas per thread buy it nothing.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes glibc's allocator and takes no pointers.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
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
    die_quietly_on_closed_pipe();
    // A search reads one connection on one blocking thread: worker threads would only add to
    // its start.
    let search = matches!(
        command,
        Command::Mail {
            action: mail::MailCommand::Search { .. }
        }
    );
    let mut builder = if search {
        one_malloc_arena();
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return Outcome::Exit(ExitCode::FAILURE);
        }
    };
    Outcome::Exit(rt.block_on(async move {
        let done = match command {
            // A search needs the database only: no vault (keyring, D-Bus), log file or services.
            Command::Mail {
                action:
                    mail::MailCommand::Search {
                        query,
                        account,
                        limit,
                        json,
                    },
            } => mail::search(&config, query, account, limit, json).await,
            command => match AppServices::start(config).await {
                Ok(services) => execute(services, command).await,
                Err(e) => Err(e),
            },
        };
        // The store and services are dropped here, before the process exits: their database
        // connections close (the writer last, checkpointing the write-ahead log).
        done.unwrap_or_else(|e| report_error(&e))
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
            let report = services.diagnostics.diagnostics().await?;
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
        Command::Mail { action } => mail::run(services, action).await,
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
            let id = services.diagnostics.rotate_vault_key().await?;
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
