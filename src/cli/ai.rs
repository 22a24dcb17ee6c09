//! `libreollama ai …` and `libreollama chat`: model servers and a streaming chat in the terminal.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use tokio_util::sync::CancellationToken;

use crate::error::LibreOllamaError;
use crate::model::EndpointKind;
use crate::services::AppServices;
use crate::vault::SecretString;

#[derive(Debug, Subcommand)]
pub enum AiAction {
    /// List model servers and whether each answers now
    Servers,
    /// Add a model server (Ollama, or any OpenAI-compatible one: llama.cpp, LM Studio, vLLM, Jan)
    AddServer {
        #[arg(long)]
        name: String,
        /// ollama or openai
        #[arg(long)]
        kind: EndpointKind,
        /// e.g. http://127.0.0.1:8080
        #[arg(long)]
        url: String,
        /// Read an API key from standard input (stored encrypted)
        #[arg(long)]
        key_stdin: bool,
    },
    /// Make a server the default for new conversations
    UseServer { id: String },
    /// Let AI read an account's mail (off by default), or stop it
    Mail {
        /// on or off
        #[arg(value_parser = ["on", "off"])]
        state: String,
        /// Account id or email address (`local-archive` for imported mail)
        account: String,
    },
    /// Compute vectors for an account's cached mail so `ai ask` can search it (progress shown)
    Index {
        /// Account id or email address
        account: String,
    },
    /// Choose the server and model that compute mail vectors (default: the default server's
    /// embedding model)
    EmbedModel {
        #[arg(long)]
        server: String,
        #[arg(long)]
        model: String,
    },
    /// Ask your mailbox: an answer from the nearest messages, citing them as [n]
    Ask {
        question: String,
        /// Account id or email address (default: the only one with AI on)
        #[arg(long)]
        account: Option<String>,
    },
    /// Find the tasks a message asks of you; with --add, add them to the task list
    Tasks {
        /// A message id (from `libreollama mail search`)
        id: String,
        #[arg(long)]
        add: bool,
        #[arg(long)]
        model: Option<String>,
    },
    /// Draft a reply to a message's conversation into a local draft (streams the text)
    Draft {
        /// A message id (from `libreollama mail search`)
        id: String,
        /// What the reply should say, in a few words
        #[arg(long)]
        say: Option<String>,
    },
    /// Summarise the conversation a message belongs to (streams the summary)
    Summarize {
        /// A message id (from `libreollama mail search`)
        id: String,
        #[arg(long)]
        model: Option<String>,
    },
}

/// A token that Ctrl-C cancels (until the returned task is aborted): stops a reply, keeps it.
fn cancel_on_ctrl_c() -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    (cancel, watcher)
}

pub async fn ai(
    services: Arc<AppServices>,
    action: AiAction,
) -> Result<ExitCode, LibreOllamaError> {
    let ai = &services.ai;
    match action {
        AiAction::Servers => {
            for ep in ai.endpoints().await? {
                let h = ai.health(&ep.id).await?;
                let state = match (&h.error, &h.version) {
                    (Some(e), _) => format!("not answering: {e}"),
                    (None, Some(v)) => format!("ok (version {v}), {} models", h.models.len()),
                    (None, None) => format!("ok, {} models", h.models.len()),
                };
                println!(
                    "{}{}\t{}\t{}\t{}\t{state}",
                    if ep.is_default { "* " } else { "  " },
                    ep.id,
                    ep.kind,
                    ep.base_url,
                    ep.name
                );
                for m in h.models.iter().take(20) {
                    println!("      {m}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AiAction::AddServer {
            name,
            kind,
            url,
            key_stdin,
        } => {
            let key = if key_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| LibreOllamaError::io("standard input", e))?;
                Some(SecretString::new(line.trim()))
            } else {
                None
            };
            let ep = ai.add_endpoint(&name, kind, &url, key).await?;
            println!(
                "Added {} ({}). Check it with `libreollama ai servers`.",
                ep.name, ep.id
            );
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Mail { state, account } => {
            let id = account_id(&services, &account).await?;
            ai.set_mail_enabled(&id, state == "on").await?;
            println!("AI on the mail of {account}: {state}.");
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Summarize { id, model } => {
            let (account, thread) = services.mail.locate(&id, None).await?;
            let (cancel, watcher) = cancel_on_ctrl_c();
            let r = ai
                .summarize_thread(&account, &thread, model, &cancel, |piece| {
                    print!("{piece}");
                    let _ = std::io::stdout().flush();
                })
                .await;
            watcher.abort();
            println!();
            r?;
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Index { account } => {
            let account = account_id(&services, &account).await?;
            let job = ai.start_indexing(&account).await?;
            let (cancel, watcher) = cancel_on_ctrl_c();
            let view = loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                if cancel.is_cancelled() {
                    ai.jobs.cancel(job);
                }
                let Some(v) = ai.jobs.list().into_iter().find(|j| j.id == job) else {
                    break None;
                };
                if v.state != crate::model::JobState::Running {
                    break Some(v);
                }
                eprint!("\r{} of {} messages", v.done, v.total.unwrap_or(v.done));
            };
            watcher.abort();
            eprintln!();
            let st = ai.index_status(&account).await?;
            match view {
                Some(v) if v.state == crate::model::JobState::Done => {
                    println!(
                        "{} of {} messages indexed with {}.",
                        st.indexed, st.total, st.model
                    );
                    Ok(ExitCode::SUCCESS)
                }
                v => {
                    let why = v.and_then(|v| v.message).unwrap_or_default();
                    eprintln!(
                        "error: indexing stopped: {why} ({} of {} indexed; run it again to go on)",
                        st.indexed, st.total
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AiAction::EmbedModel { server, model } => {
            ai.set_embedding_model(&server, &model).await?;
            println!("Mail vectors now come from {model} on {server}; run `libreollama ai index ACCOUNT`.");
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Ask { question, account } => {
            let account = match account {
                Some(a) => account_id(&services, &a).await?,
                None => only_ai_account(&services).await?,
            };
            let (cancel, watcher) = cancel_on_ctrl_c();
            let r = ai
                .ask_mail(&account, &question, &cancel, |piece| {
                    print!("{piece}");
                    let _ = std::io::stdout().flush();
                })
                .await;
            watcher.abort();
            println!();
            let answer = r?;
            println!();
            for s in answer.sources {
                let date = chrono::DateTime::from_timestamp_millis(s.date_ms)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                println!(
                    "[{}]{} {date}  {}  {}  (libreollama mail show {})",
                    s.n,
                    if s.cited { "*" } else { " " },
                    s.from,
                    s.subject,
                    s.message_id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Tasks { id, add, model } => {
            let (account, _) = services.mail.locate(&id, None).await?;
            let (cancel, watcher) = cancel_on_ctrl_c();
            let r = ai.extract_tasks(&account, &id, model, &cancel).await;
            watcher.abort();
            let tasks = r?;
            if tasks.is_empty() {
                println!("No tasks found in this message.");
                return Ok(ExitCode::SUCCESS);
            }
            for t in &tasks {
                println!(
                    "- {}{}{}",
                    t.title,
                    t.due
                        .as_deref()
                        .map(|d| format!(" (due {d})"))
                        .unwrap_or_default(),
                    if t.notes.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", t.notes)
                    }
                );
            }
            if add {
                let n = tasks.len();
                ai.create_tasks(&account, Some(id), tasks).await?;
                println!("Added {n} tasks to your task list.");
            } else {
                println!("Add them with --add.");
            }
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Draft { id, say } => {
            let (account, thread) = services.mail.locate(&id, None).await?;
            let (cancel, watcher) = cancel_on_ctrl_c();
            let r = ai
                .draft_reply(&account, &thread, say, &cancel, |piece| {
                    print!("{piece}");
                    let _ = std::io::stdout().flush();
                })
                .await;
            watcher.abort();
            println!();
            let d = r?;
            println!("\nSaved as draft {} to {} — {}.", d.id, d.to, d.subject);
            Ok(ExitCode::SUCCESS)
        }
        AiAction::UseServer { id } => {
            ai.set_default(&id).await?;
            println!("New conversations use {id}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn account_id(services: &AppServices, account: &str) -> Result<String, LibreOllamaError> {
    match services.auth.resolve(account).await {
        Ok(a) => Ok(a.id),
        Err(_) if account == crate::mail::import::ARCHIVE_ACCOUNT => Ok(account.to_string()),
        Err(e) => Err(e),
    }
}

/// The one account AI may read, when the user did not say which.
async fn only_ai_account(services: &AppServices) -> Result<String, LibreOllamaError> {
    let mut ids: Vec<String> = services
        .auth
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.push(crate::mail::import::ARCHIVE_ACCOUNT.to_string());
    let mut on = Vec::new();
    for id in ids {
        if services.ai.mail_enabled(&id).await? {
            on.push(id);
        }
    }
    match on.len() {
        1 => Ok(on.remove(0)),
        0 => Err(LibreOllamaError::InvalidInput(
            "AI is off for every account; turn it on with `libreollama ai mail on ACCOUNT`".into(),
        )),
        _ => Err(LibreOllamaError::InvalidInput(format!(
            "AI is on for several accounts ({}); choose one with --account",
            on.join(", ")
        ))),
    }
}

/// A chat in the terminal: each line you type is sent; the reply streams as it is written.
/// Ctrl-C stops the reply (what arrived is kept); an empty line or end of input quits.
pub async fn chat(
    services: Arc<AppServices>,
    server: Option<String>,
    model: Option<String>,
    conversation: Option<String>,
    system: Option<String>,
    max_tokens: Option<u32>,
) -> Result<ExitCode, LibreOllamaError> {
    let ai = &services.ai;
    let conv = match conversation {
        Some(id) => ai.conversation(&id).await?,
        None => {
            let (server, model) = ai.pick(server, model).await?;
            ai.create_conversation("", Some(server), &model, system.as_deref().unwrap_or(""))
                .await?
        }
    };
    eprintln!(
        "Chatting with {} in \"{}\" ({}). Ctrl-C stops a reply; an empty line quits.",
        conv.model, conv.title, conv.id
    );
    let stdin = std::io::stdin();
    let mut first = ai.messages(&conv.id).await?.is_empty();
    loop {
        eprint!("> ");
        let mut line = String::new();
        if stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| LibreOllamaError::io("standard input", e))?
            == 0
            || line.trim().is_empty()
        {
            return Ok(ExitCode::SUCCESS);
        }
        if first {
            let title: String = line.trim().chars().take(48).collect();
            ai.rename_conversation(&conv.id, &title).await?;
            first = false;
        }
        let (cancel, watcher) = cancel_on_ctrl_c();
        let reply = ai
            .send(&conv.id, line.trim(), max_tokens, &cancel, |piece| {
                print!("{piece}");
                let _ = std::io::stdout().flush();
            })
            .await?;
        watcher.abort();
        println!();
        if let Some(note) = reply.note {
            eprintln!("({note})");
        }
    }
}
