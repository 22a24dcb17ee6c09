//! `libreollama tasks …`: the task list from the terminal, local-first like the app (changes
//! land at once; `tasks sync` sends them and brings Google's).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use crate::error::LibreOllamaError;
use crate::model::{MoveTo, TaskListView, TaskView};
use crate::services::AppServices;

#[derive(Debug, Subcommand)]
pub enum TasksAction {
    /// Task lists with their open tasks
    Lists {
        #[arg(long)]
        account: Option<String>,
    },
    /// Tasks of a list (default: every list), subtasks indented
    List {
        /// List id or title
        #[arg(long)]
        list: Option<String>,
        /// Show completed tasks too
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Add a task
    Add {
        title: String,
        /// List id or title [default: the first account's default list]
        #[arg(long)]
        list: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        due: Option<String>,
        #[arg(long, default_value = "")]
        notes: String,
        /// Make it a subtask of this task
        #[arg(long)]
        parent: Option<String>,
    },
    /// Mark a task done (or not, with --undo)
    Done {
        id: String,
        #[arg(long)]
        undo: bool,
    },
    /// Move a task (with its subtasks) to another list or under another task
    Move {
        id: String,
        /// List id or title
        #[arg(long)]
        list: Option<String>,
        #[arg(long)]
        parent: Option<String>,
        /// Place it after this task
        #[arg(long)]
        after: Option<String>,
    },
    /// Make a new task list
    NewList {
        title: String,
        /// Account id or address [default: the first signed-in account]
        #[arg(long)]
        account: Option<String>,
    },
    /// Rename a task list
    RenameList {
        /// List id or title
        list: String,
        title: String,
    },
    /// Delete a task list and every task in it (the default list cannot be deleted)
    DeleteList {
        /// List id or title
        list: String,
        /// Delete it even though it still holds tasks
        #[arg(long)]
        yes: bool,
    },
    /// Clear completed tasks from a list (hidden, as Google Tasks' "Clear completed" does)
    Clear {
        /// List id or title
        list: String,
    },
    /// Send changes made here and bring Google's (every signed-in account, or one)
    Sync { account: Option<String> },
}

async fn find_list(s: &AppServices, name: &str) -> Result<TaskListView, LibreOllamaError> {
    let lists = s.tasks.lists(None).await?;
    let named: Vec<&TaskListView> = lists
        .iter()
        .filter(|l| l.title.eq_ignore_ascii_case(name))
        .collect();
    if named.len() > 1 && !lists.iter().any(|l| l.local_id == name) {
        // Lists of two accounts may share a name: a delete must not pick one at random.
        return Err(LibreOllamaError::InvalidInput(format!(
            "{} lists are called '{name}' ({}); name one by its id",
            named.len(),
            named
                .iter()
                .map(|l| format!("{} in {}", l.local_id, l.account_id))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    lists
        .iter()
        .find(|l| l.local_id == name)
        .or_else(|| named.first().copied())
        .cloned()
        .ok_or_else(|| LibreOllamaError::NotFound {
            what: format!("Task list '{name}' (see `libreollama tasks lists`)"),
        })
}

fn line(t: &TaskView, depth: usize) -> String {
    format!(
        "{}[{}] {}{}{}  {}",
        "    ".repeat(depth),
        if t.completed { "x" } else { " " },
        t.title,
        t.due_date
            .as_deref()
            .map(|d| format!("  (due {d})"))
            .unwrap_or_default(),
        if t.pending { "  ↑" } else { "" },
        t.local_id
    )
}

pub async fn run(s: Arc<AppServices>, action: TasksAction) -> Result<ExitCode, LibreOllamaError> {
    match action {
        TasksAction::Lists { account } => {
            for l in s.tasks.lists(account).await? {
                println!(
                    "{}\t{}{}\t{} open{}",
                    l.local_id,
                    l.title,
                    if l.is_default { " (default)" } else { "" },
                    l.open_tasks,
                    if l.on_google { "" } else { "  (not sent yet)" }
                );
            }
        }
        TasksAction::List { list, all, json } => {
            let lists = match list {
                Some(name) => vec![find_list(&s, &name).await?],
                None => s.tasks.lists(None).await?,
            };
            let mut out = Vec::new();
            for l in &lists {
                let tasks: Vec<TaskView> = s
                    .tasks
                    .tasks(&l.local_id)
                    .await?
                    .into_iter()
                    .filter(|t| all || !t.completed)
                    .collect();
                out.push((l.clone(), tasks));
            }
            // Tasks made from mail of an account without Google lists (an imported archive).
            let loose: Vec<_> = s
                .tasks
                .all(None)
                .await?
                .into_iter()
                .filter(|t| {
                    !out.iter()
                        .any(|(_, ts)| ts.iter().any(|x| x.local_id == t.local_id))
                })
                .filter(|t| all || !t.completed)
                .collect();
            if json {
                let v = serde_json::json!({
                    "lists": out.iter().map(|(l, ts)| serde_json::json!({"list": l, "tasks": ts})).collect::<Vec<_>>(),
                    "other": loose,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(LibreOllamaError::json)?
                );
                return Ok(ExitCode::SUCCESS);
            }
            if out.iter().all(|(_, t)| t.is_empty()) && loose.is_empty() {
                println!("No tasks.");
            }
            for (l, tasks) in &out {
                if tasks.is_empty() {
                    continue;
                }
                println!("{}", l.title);
                for t in tasks.iter().filter(|t| t.parent_local_id.is_none()) {
                    println!("{}", line(t, 1));
                    for c in tasks
                        .iter()
                        .filter(|c| c.parent_local_id.as_deref() == Some(&t.local_id))
                    {
                        println!("{}", line(c, 2));
                    }
                }
            }
            for t in loose {
                println!(
                    "[{}] {}{}{}",
                    if t.completed { "x" } else { " " },
                    t.title,
                    t.due_date
                        .map(|d| format!("  (due {d})"))
                        .unwrap_or_default(),
                    t.source_message_id
                        .map(|m| format!("  from mail {m}"))
                        .unwrap_or_default()
                );
            }
        }
        TasksAction::Add {
            title,
            list,
            due,
            notes,
            parent,
        } => {
            let list = match list {
                Some(name) => find_list(&s, &name).await?,
                None => s
                    .tasks
                    .lists(None)
                    .await?
                    .into_iter()
                    .find(|l| l.is_default)
                    .ok_or_else(|| {
                        LibreOllamaError::InvalidInput(
                            "no task list yet; run `libreollama tasks sync` once after signing in"
                                .into(),
                        )
                    })?,
            };
            let t = s
                .tasks
                .add(&list.local_id, &title, &notes, due, parent)
                .await?;
            println!("Added {} to {} ({}).", t.title, list.title, t.local_id);
        }
        TasksAction::Done { id, undo } => {
            let t = s.tasks.set_completed(&id, !undo).await?;
            println!(
                "{} {}.",
                t.title,
                if t.completed { "done" } else { "open again" }
            );
        }
        TasksAction::Move {
            id,
            list,
            parent,
            after,
        } => {
            let list = match list {
                Some(name) => Some(find_list(&s, &name).await?.local_id),
                None => None,
            };
            let t = s
                .tasks
                .move_task(
                    &id,
                    MoveTo {
                        list,
                        parent,
                        previous: after,
                        from_list: None,
                    },
                )
                .await?;
            println!("Moved {}.", t.title);
        }
        TasksAction::NewList { title, account } => {
            let account = match account {
                Some(a) => s.auth.resolve(&a).await?.id,
                None => {
                    s.auth
                        .list_accounts()
                        .await?
                        .into_iter()
                        .next()
                        .ok_or_else(|| {
                            LibreOllamaError::InvalidInput(
                                "no account yet; sign in with `libreollama accounts add` first"
                                    .into(),
                            )
                        })?
                        .id
                }
            };
            let id = s.tasks.create_list(&account, &title).await?;
            println!(
                "Made list {} ({id}); `libreollama tasks sync` sends it.",
                title.trim()
            );
        }
        TasksAction::RenameList { list, title } => {
            let l = find_list(&s, &list).await?;
            s.tasks.rename_list(&l.local_id, &title).await?;
            println!("Renamed {} to {}.", l.title, title.trim());
        }
        TasksAction::DeleteList { list, yes } => {
            let l = find_list(&s, &list).await?;
            if l.is_default {
                // Said before asking for --yes (the store refuses it too).
                return Err(LibreOllamaError::InvalidInput(format!(
                    "{} is the account's default list, which Google Tasks keeps; rename it or \
                     clear its completed tasks instead",
                    l.title
                )));
            }
            let n = s.tasks.list_task_count(&l.local_id).await?;
            if n > 0 && !yes {
                return Err(LibreOllamaError::InvalidInput(format!(
                    "{} holds {n} task{}; they would be deleted with it. Add --yes to delete it anyway",
                    l.title,
                    if n == 1 { "" } else { "s" }
                )));
            }
            s.tasks.delete_list(&l.local_id).await?;
            println!(
                "Deleted {} and its {n} task{}.",
                l.title,
                if n == 1 { "" } else { "s" }
            );
        }
        TasksAction::Clear { list } => {
            let l = find_list(&s, &list).await?;
            let (_, n) = s.tasks.clear_completed(&l.local_id).await?;
            println!(
                "Cleared {n} completed task{} from {}.",
                if n == 1 { "" } else { "s" },
                l.title
            );
        }
        TasksAction::Sync { account } => {
            let accounts = match account {
                Some(a) => vec![s.auth.resolve(&a).await?.id],
                None => s
                    .auth
                    .list_accounts()
                    .await?
                    .into_iter()
                    .map(|a| a.id)
                    .collect(),
            };
            let mut failed = false;
            for a in accounts {
                match s.tasks.sync(&a).await {
                    Ok(r) => println!(
                        "{a}: sent {} (found {} already on Google), refused {}; from Google: {} new, {} changed, {} deleted, {} kept",
                        r.sent, r.adopted, r.refused, r.added, r.updated, r.deleted, r.kept
                    ),
                    Err(e) => {
                        failed = true;
                        eprintln!("{a}: {e} (changes stay queued)");
                    }
                }
            }
            return Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
