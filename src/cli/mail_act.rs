//! `libreollama mail archive|trash|star|… ID… | --query Q` and `mail label`: triage from the
//! terminal (notmuch's `tag` is the model), through the same cache change and durable queue as
//! the app, then pushed to Gmail before the command returns.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde::Serialize;

use crate::error::LibreOllamaError;
use crate::model::{MailAction, MessageChange, ARCHIVE_ACCOUNT};
use crate::services::AppServices;

/// The most messages one `--query` acts on.
const QUERY_LIMIT: usize = 100_000;
/// Messages changed per transaction.
const CHUNK: usize = 1_000;

#[derive(Debug, Args)]
pub struct Targets {
    /// Message ids (as `mail search` prints them)
    #[arg(required_unless_present = "query", conflicts_with = "query")]
    pub ids: Vec<String>,
    /// Act on every cached message this search finds (Gmail's operators, as `mail search`)
    #[arg(long)]
    pub query: Option<String>,
    /// Limit to one account (id or email address)
    #[arg(long)]
    pub account: Option<String>,
    /// Print what would change, and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON object per changed message
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LabelArgs {
    #[command(flatten)]
    pub targets: Targets,
    /// A label to add: its name as Gmail shows it (any of Gmail's forms) or its id; repeatable
    #[arg(long = "add", value_name = "LABEL")]
    pub add: Vec<String>,
    /// A label to remove; repeatable
    #[arg(long = "remove", value_name = "LABEL")]
    pub remove: Vec<String>,
}

/// A changed message as `--json` prints it.
#[derive(Serialize)]
struct Line<'a> {
    account_id: &'a str,
    id: &'a str,
    added: &'a [String],
    removed: &'a [String],
    dry_run: bool,
}

/// `mail label`: the names become each account's label ids, then one change per message.
pub async fn label(services: Arc<AppServices>, a: LabelArgs) -> Result<ExitCode, LibreOllamaError> {
    if a.add.is_empty() && a.remove.is_empty() {
        return Err(LibreOllamaError::InvalidInput(
            "say which labels change: --add LABEL and/or --remove LABEL".into(),
        ));
    }
    let groups = targets(&services, &a.targets).await?;
    let mut per_account = Vec::with_capacity(groups.len());
    for (account, ids) in groups {
        let add = label_ids(&services, &account, &a.add).await?;
        let remove = label_ids(&services, &account, &a.remove).await?;
        per_account.push((account, ids, MailAction::Relabel { add, remove }));
    }
    apply(&services, per_account, &a.targets).await
}

async fn label_ids(
    services: &AppServices,
    account: &str,
    names: &[String],
) -> Result<Vec<String>, LibreOllamaError> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        out.push(services.mail.label_id(account, n).await?);
    }
    Ok(out)
}

/// `mail archive|trash|…`: the same action on every target.
pub async fn act(
    services: Arc<AppServices>,
    t: Targets,
    action: MailAction,
) -> Result<ExitCode, LibreOllamaError> {
    let groups = targets(&services, &t).await?;
    let per_account = groups
        .into_iter()
        .map(|(account, ids)| (account, ids, action.clone()))
        .collect();
    apply(&services, per_account, &t).await
}

/// The messages named (by id or by a search), grouped by account in the order given.
async fn targets(
    services: &AppServices,
    t: &Targets,
) -> Result<Vec<(String, Vec<String>)>, LibreOllamaError> {
    let account = match t.account.as_deref() {
        None => None,
        Some(ARCHIVE_ACCOUNT) => Some(ARCHIVE_ACCOUNT.to_string()),
        Some(a) => Some(services.auth.resolve(a).await?.id),
    };
    let mut pairs = Vec::new();
    if let Some(q) = &t.query {
        for r in services
            .mail
            .search(account.clone(), q.clone(), QUERY_LIMIT)
            .await?
        {
            pairs.push((r.account_id, r.id));
        }
    } else {
        for id in &t.ids {
            let (acc, _thread) = services.mail.locate(id, account.clone()).await?;
            pairs.push((acc, id.clone()));
        }
    }
    if pairs.len() >= QUERY_LIMIT {
        eprintln!(
            "warning: the search found {QUERY_LIMIT} messages or more; only the newest {QUERY_LIMIT} are changed (run it again for the rest)"
        );
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    for (acc, id) in pairs {
        if !seen.insert((acc.clone(), id.clone())) {
            continue;
        }
        let i = *slot.entry(acc.clone()).or_insert_with(|| {
            groups.push((acc, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(id);
    }
    Ok(groups)
}

async fn apply(
    services: &Arc<AppServices>,
    per_account: Vec<(String, Vec<String>, MailAction)>,
    t: &Targets,
) -> Result<ExitCode, LibreOllamaError> {
    let names = label_names(services).await?;
    let (mut total, mut changed, mut refused, mut waiting) = (0usize, 0usize, 0usize, 0usize);
    let mut done_text = "";
    for (account, ids, action) in per_account {
        total += ids.len();
        done_text = action.done_text();
        // In pieces, so the app (which shares the database) never waits long for a write.
        let mut changes = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let chunk = chunk.to_vec();
            changes.extend(if t.dry_run {
                services
                    .mail
                    .preview_action(&account, chunk, &action)
                    .await?
            } else {
                services
                    .mail
                    .act_without_push(&account, chunk, action.clone())
                    .await?
                    .changes
            });
        }
        for c in changes
            .iter()
            .filter(|c| !c.added.is_empty() || !c.removed.is_empty())
        {
            changed += 1;
            print_change(&account, c, t, &names)?;
        }
        if !t.dry_run && account != ARCHIVE_ACCOUNT {
            // The change is queued durably: if Gmail cannot be reached now, the app or the
            // next `mail sync` sends it.
            match services.mail.push_now(&account).await {
                Ok(p) => {
                    refused += p.refused.len();
                    waiting += p.pending;
                    for (id, why) in &p.refused {
                        eprintln!("{id}: Gmail refused the change and it was undone here: {why}");
                    }
                }
                Err(e) => {
                    eprintln!("{account}: not sent to Gmail yet ({e}); it stays queued and goes with the next sync");
                    waiting += changes.len();
                }
            }
        }
    }
    if !t.json {
        let unchanged = total - changed;
        if t.dry_run {
            eprintln!(
                "Dry run: {changed} of {total} message(s) would change; nothing was changed."
            );
        } else {
            eprintln!(
                "{done_text}: {changed} message(s) changed, {unchanged} unchanged{}{}.",
                if waiting > 0 {
                    format!("; {waiting} change(s) wait to be sent to Gmail")
                } else {
                    String::new()
                },
                if refused > 0 {
                    format!("; {refused} refused by Gmail")
                } else {
                    String::new()
                }
            );
        }
        if total == 0 {
            eprintln!("No messages match.");
        }
    }
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Label ids to the names people know, per account.
async fn label_names(
    services: &AppServices,
) -> Result<HashMap<(String, String), String>, LibreOllamaError> {
    let mut out = HashMap::new();
    for a in services.mail.accounts().await? {
        for l in a.labels {
            out.insert((a.id.clone(), l.id), l.name);
        }
    }
    Ok(out)
}

fn print_change(
    account: &str,
    c: &MessageChange,
    t: &Targets,
    names: &HashMap<(String, String), String>,
) -> Result<(), LibreOllamaError> {
    if t.json {
        let line = Line {
            account_id: account,
            id: &c.id,
            added: &c.added,
            removed: &c.removed,
            dry_run: t.dry_run,
        };
        println!(
            "{}",
            serde_json::to_string(&line).map_err(LibreOllamaError::json)?
        );
        return Ok(());
    }
    let name = |l: &String| {
        names
            .get(&(account.to_string(), l.clone()))
            .cloned()
            .or_else(|| crate::model::system_folder_name(l).map(str::to_string))
            .unwrap_or_else(|| l.clone())
    };
    let mut parts: Vec<String> = c.added.iter().map(|l| format!("+{}", name(l))).collect();
    parts.extend(c.removed.iter().map(|l| format!("-{}", name(l))));
    println!("{}\t{}", c.id, parts.join(" "));
    Ok(())
}
