//! `libreollama ai …` and `libreollama chat`: model servers and a streaming chat in the terminal.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use tokio_util::sync::CancellationToken;

use crate::error::LibreOllamaError;
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
        kind: String,
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
            let ep = ai.add_endpoint(&name, &kind, &url, key).await?;
            println!(
                "Added {} ({}). Check it with `libreollama ai servers`.",
                ep.name, ep.id
            );
            Ok(ExitCode::SUCCESS)
        }
        AiAction::Mail { state, account } => {
            let id = match services.auth.resolve(&account).await {
                Ok(a) => a.id,
                Err(_) if account == crate::mail::import::ARCHIVE_ACCOUNT => account.clone(),
                Err(e) => return Err(e),
            };
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
        AiAction::UseServer { id } => {
            ai.set_default(&id).await?;
            println!("New conversations use {id}.");
            Ok(ExitCode::SUCCESS)
        }
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
