//! AI on mail, opt-in per account: thread summaries, a drafted reply saved as a local draft,
//! and tasks found in a mail (validated JSON, retried when malformed) for review. "Ask your
//! mailbox" is in `ask`.

use std::collections::HashSet;

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::{AiService, Ask, Provider};
use crate::ai::{ChatMessage, ChatOutcome, Finish, Options};
use crate::clock::now_unix;
use crate::error::{LibreOllamaError, Result};
use crate::model::{ComposeKind, DraftOrigin, DraftView, TaskProposal};
use crate::store::mail_texts::{self, MailText};
use crate::store::new_id;

/// Longest summary, in tokens.
const SUMMARY_TOKENS: u32 = 300;

/// Context assumed when a server does not say (Ollama's documented default `num_ctx`).
const DEFAULT_CONTEXT_TOKENS: u32 = 2_048;
/// Tokens kept free in each request for the instruction and the answer.
const RESERVED_TOKENS: u32 = 600;
/// Characters per token, on the low side for mail (names, addresses, numbers).
const CHARS_PER_TOKEN: u32 = 3;
/// Tries for a task list that is valid JSON and passes the checks.
const TASK_ATTEMPTS: usize = 3;
const MAX_TASKS: usize = 12;

/// At most this many tasks from one piece of mail, with titles and notes this long: bounds the
/// answer (about 450 tokens) so it fits the token limit and never comes back cut off.
const MODEL_TASKS: usize = 6;

fn task_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "tasks": {
                "type": "array",
                "maxItems": MODEL_TASKS,
                "items": {
                    "type": "object",
                    "properties": {
                        "title": { "type": "string", "minLength": 1, "maxLength": 80 },
                        "due": { "anyOf": [
                            { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" },
                            { "type": "null" }
                        ] },
                        "notes": { "type": "string", "maxLength": 120 }
                    },
                    "required": ["title", "due", "notes"]
                }
            }
        },
        "required": ["tasks"]
    })
}

#[derive(Deserialize)]
struct TaskList {
    tasks: Vec<RawTask>,
}

#[derive(Deserialize)]
struct RawTask {
    title: String,
    due: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

/// Parses and checks a model's task list; the error says what was wrong, for the retry.
pub fn parse_tasks(text: &str) -> std::result::Result<Vec<TaskProposal>, String> {
    let trimmed = text.trim();
    // Some models wrap JSON in a code fence even when asked not to.
    let body = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed);
    let list: TaskList =
        serde_json::from_str(body.trim()).map_err(|e| format!("it is not valid JSON ({e})"))?;
    if list.tasks.len() > MAX_TASKS {
        return Err(format!(
            "it lists {} tasks; at most {MAX_TASKS}",
            list.tasks.len()
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in list.tasks {
        let title = t.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err("a task has an empty title".into());
        }
        if title.chars().count() > 200 {
            return Err("a task title is longer than 200 characters".into());
        }
        let due = match t
            .due
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
        {
            None => None,
            Some(d) => {
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| format!("the due date '{d}' is not a date like 2026-12-01"))?;
                Some(d)
            }
        };
        if seen.insert(title.to_lowercase()) {
            out.push(TaskProposal {
                title,
                due,
                notes: t.notes.unwrap_or_default().trim().to_string(),
            });
        }
    }
    Ok(out)
}

/// A message as a model reads it: headers and the first `max_chars` of the text.
pub(super) fn render(m: &MailText, max_chars: usize) -> String {
    let date = chrono::DateTime::from_timestamp_millis(m.date_ms)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let body: String = m.text.trim().chars().take(max_chars).collect();
    format!(
        "From: {}\nDate: {date}\nSubject: {}\n\n{body}\n",
        m.from, m.subject
    )
}

impl AiService {
    /// Ok when AI may read the account's mail; else an error saying how to turn it on.
    pub async fn mail_allowed(&self, account: &str) -> Result<()> {
        self.require_mail(account).await
    }

    pub(super) async fn require_mail(&self, account: &str) -> Result<()> {
        if self.mail_enabled(account).await? {
            return Ok(());
        }
        Err(LibreOllamaError::InvalidInput(format!(
            "AI on the mail of {account} is off; turn it on in Settings → AI (or `libreollama ai mail on {account}`)"
        )))
    }

    /// The context one request gets on this server and model, in tokens.
    pub async fn context_tokens(&self, endpoint_id: &str, model: &str) -> u32 {
        let Ok((_, provider)) = self.provider(endpoint_id).await else {
            return DEFAULT_CONTEXT_TOKENS;
        };
        let n = match &provider {
            Provider::OpenAi(c) => c.context_tokens().await,
            Provider::Ollama(c) => c.context_tokens(model).await,
        };
        n.unwrap_or(DEFAULT_CONTEXT_TOKENS)
    }

    /// Characters of mail that fit one request next to the instruction and the answer.
    pub(super) async fn piece_chars(&self, endpoint_id: &str, model: &str) -> usize {
        let ctx = self.context_tokens(endpoint_id, model).await;
        (ctx.saturating_sub(RESERVED_TOKENS).max(300) * CHARS_PER_TOKEN) as usize
    }

    pub(super) async fn thread_texts(
        &self,
        account: &str,
        thread_id: &str,
    ) -> Result<Vec<MailText>> {
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        let texts = self
            .store
            .read(move |c| mail_texts::thread(c, &acc, &tid))
            .await?;
        if texts.is_empty() {
            return Err(LibreOllamaError::NotFound {
                what: format!("Conversation {thread_id} in the mail cache"),
            });
        }
        Ok(texts)
    }

    pub(super) async fn message_text(&self, account: &str, message_id: &str) -> Result<MailText> {
        let (acc, mid) = (account.to_string(), message_id.to_string());
        self.store
            .read(move |c| {
                mail_texts::message(c, &acc, &mid)?.ok_or(LibreOllamaError::NotFound {
                    what: format!("Message {mid} in the mail cache"),
                })
            })
            .await
    }

    /// Summarises a conversation from the mail cache with the default server's model (or
    /// `model`). Long threads are cut into pieces that fit the model's context, each
    /// summarised, then the summaries summarised; the final pass streams to `on_text`.
    pub async fn summarize_thread(
        &self,
        account: &str,
        thread_id: &str,
        model: Option<String>,
        cancel: &CancellationToken,
        mut on_text: impl FnMut(&str),
    ) -> Result<String> {
        self.require_mail(account).await?;
        let texts = self.thread_texts(account, thread_id).await?;
        let (endpoint_id, model) = self.pick(None, model).await?;
        let piece = self.piece_chars(&endpoint_id, &model).await;
        let mut material = texts
            .iter()
            .map(|t| render(t, usize::MAX))
            .collect::<Vec<_>>()
            .join("\n---\n");
        let instruction = "Summarise this email conversation in a few short bullet points: who wants what, decisions, dates, and open questions.";
        // Summaries of pieces, then summaries of those, until what is left fits one request.
        loop {
            let pieces = crate::ai::chunk::chunks(&material, piece);
            if pieces.len() <= 1 {
                break;
            }
            let mut partial = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                let history = [
                    ChatMessage::new("system", instruction),
                    ChatMessage::new(
                        "user",
                        format!("Part {} of {}:\n\n{p}", i + 1, pieces.len()),
                    ),
                ];
                let ask = Ask {
                    endpoint_id: &endpoint_id,
                    model: &model,
                    history: &history,
                    opts: Options::max_tokens(SUMMARY_TOKENS / 2),
                };
                partial.push(self.complete(ask, cancel, |_| {}).await?.text);
            }
            let joined = partial.join("\n\n");
            // A model that repeats the input would never converge: stop shrinking then.
            let stuck = joined.len() >= material.len();
            material = joined;
            if stuck {
                break;
            }
        }
        let history = [
            ChatMessage::new("system", instruction),
            ChatMessage::new("user", material),
        ];
        let ask = Ask {
            endpoint_id: &endpoint_id,
            model: &model,
            history: &history,
            opts: Options::max_tokens(SUMMARY_TOKENS),
        };
        let o = self.complete(ask, cancel, &mut on_text).await?;
        finished(o, "the summary")
    }

    /// Drafts a reply to the newest message of a thread (not one of the user's own) and saves
    /// it as a local draft for the user to edit. The text streams to `on_text`.
    pub async fn draft_reply(
        &self,
        account: &str,
        thread_id: &str,
        guidance: Option<String>,
        cancel: &CancellationToken,
        mut on_text: impl FnMut(&str),
    ) -> Result<DraftView> {
        self.require_mail(account).await?;
        let me = self.account_email(account).await?;
        let texts = self.thread_texts(account, thread_id).await?;
        let last = texts
            .iter()
            .rev()
            .find(|t| !t.from.to_lowercase().contains(&me.to_lowercase()))
            .unwrap_or(texts.last().expect("a thread has messages"));
        let (endpoint_id, model) = self.pick(None, None).await?;
        let budget = self.piece_chars(&endpoint_id, &model).await;
        // The newest messages matter most: take them from the end until the budget is spent.
        let mut context = Vec::new();
        let mut used = 0;
        for t in texts.iter().rev() {
            let r = render(t, budget.saturating_sub(used));
            used += r.len();
            context.push(r);
            if used >= budget {
                break;
            }
        }
        context.reverse();
        let mut instruction = format!(
            "You write email replies for {me}. Write the body of a reply to the last email from {}: \
             friendly, short, and answering what it asks. No subject line, no placeholders in brackets.",
            last.from
        );
        if let Some(g) = guidance.filter(|g| !g.trim().is_empty()) {
            instruction.push_str(&format!(" The reply should say: {}", g.trim()));
        }
        let history = [
            ChatMessage::new("system", instruction),
            ChatMessage::new("user", context.join("\n---\n")),
        ];
        let ask = Ask {
            endpoint_id: &endpoint_id,
            model: &model,
            history: &history,
            opts: Options::max_tokens(400),
        };
        let o = self.complete(ask, cancel, &mut on_text).await?;
        // Even a stopped draft is kept: the user may want to finish it.
        let body = o.text.trim().to_string();
        if body.is_empty() {
            return Err(LibreOllamaError::ModelServer {
                status: 200,
                message: "the model wrote nothing; try again or choose another model".into(),
            });
        }
        let to = if last.from.to_lowercase().contains(&me.to_lowercase()) {
            last.to.clone()
        } else {
            last.from.clone()
        };
        let subject = reply_subject(&last.subject);
        let references = match (&last.references, &last.message_id_hdr) {
            (Some(r), Some(m)) => Some(format!("{r} {m}")),
            (None, Some(m)) => Some(m.clone()),
            (r, None) => r.clone(),
        };
        let id = new_id("draft");
        let (id2, acc, tid) = (id.clone(), account.to_string(), last.thread_id.clone());
        let in_reply_to = last.message_id_hdr.clone();
        self.store
            .write(move |c| {
                crate::store::drafts::create(
                    c,
                    &id2,
                    &crate::store::drafts::NewDraft {
                        account_id: &acc,
                        thread_id: Some(&tid),
                        in_reply_to: in_reply_to.as_deref(),
                        references: references.as_deref(),
                        to: &to,
                        cc: "",
                        subject: &subject,
                        body: &body,
                        rich: false,
                        kind: ComposeKind::Reply,
                        origin: DraftOrigin::Ai,
                    },
                    now_unix(),
                )
            })
            .await?;
        self.store
            .read(move |c| crate::store::drafts::get(c, &id))
            .await
    }

    async fn account_email(&self, account: &str) -> Result<String> {
        let acc = account.to_string();
        self.store
            .read(move |c| {
                crate::store::accounts::get(c, &acc)?
                    .map(|a| a.email_address)
                    .ok_or(LibreOllamaError::NotFound {
                        what: format!("Account {acc}"),
                    })
            })
            .await
    }

    /// Tasks a mail asks of the user, as a list to review. The model must answer with JSON
    /// that passes [`parse_tasks`]; a malformed answer is shown to it with what was wrong,
    /// up to three tries. Long mails are read in pieces and the lists merged.
    pub async fn extract_tasks(
        &self,
        account: &str,
        message_id: &str,
        model: Option<String>,
        cancel: &CancellationToken,
    ) -> Result<Vec<TaskProposal>> {
        self.require_mail(account).await?;
        let mail = self.message_text(account, message_id).await?;
        let (endpoint_id, model) = self.pick(None, model).await?;
        let piece = self.piece_chars(&endpoint_id, &model).await;
        let today = chrono::DateTime::from_timestamp_millis(mail.date_ms)
            .map(|d| d.format("%Y-%m-%d (%A)").to_string())
            .unwrap_or_default();
        let instruction = format!(
            "List the tasks this email asks of its reader, as JSON with a \"tasks\" list. \
             Each task has a \"title\" that starts with a verb and names the thing to do, \
             a \"due\" date (YYYY-MM-DD) when the email gives one or null, and \"notes\" (may be empty). \
             Use an empty list when the email asks nothing. The email was sent on {today}."
        );
        let mut all: Vec<TaskProposal> = Vec::new();
        for p in crate::ai::chunk::chunks(&render(&mail, usize::MAX), piece) {
            let mut history = vec![
                ChatMessage::new("system", instruction.clone()),
                ChatMessage::new("user", p),
            ];
            let mut last_problem = String::new();
            let mut found = None;
            for _ in 0..TASK_ATTEMPTS {
                let ask = Ask {
                    endpoint_id: &endpoint_id,
                    model: &model,
                    history: &history,
                    opts: Options {
                        max_tokens: Some(500),
                        json_schema: Some(task_schema()),
                        temperature: Some(0.2),
                    },
                };
                let o = self.complete(ask, cancel, |_| {}).await?;
                if o.finish == Finish::Cancelled {
                    return Err(LibreOllamaError::Cancelled("finding tasks".into()));
                }
                let cut = matches!(&o.finish, Finish::Complete { reason } if reason == "length");
                match parse_tasks(&o.text) {
                    Ok(t) => {
                        found = Some(t);
                        break;
                    }
                    Err(mut why) => {
                        if cut {
                            why.push_str(
                                "; it was cut off at the length limit, so keep it shorter",
                            );
                        }
                        tracing::info!(problem = %why, "model answered a task list that does not pass; asking again");
                        history.push(ChatMessage::new("assistant", o.text));
                        history.push(ChatMessage::new(
                            "user",
                            format!("That answer cannot be used: {why}. Answer again with only the JSON object."),
                        ));
                        last_problem = why;
                    }
                }
            }
            let tasks = found.ok_or_else(|| LibreOllamaError::ModelServer {
                status: 200,
                message: format!(
                    "{model} gave no usable task list in {TASK_ATTEMPTS} tries (the last one: {last_problem}); try again or choose a larger model"
                ),
            })?;
            for t in tasks {
                if !all.iter().any(|a| a.title.eq_ignore_ascii_case(&t.title)) {
                    all.push(t);
                }
            }
        }
        Ok(all)
    }

    /// Adds reviewed tasks to the local task list, linked to the mail they came from.
    pub async fn create_tasks(
        &self,
        account: &str,
        message_id: Option<String>,
        tasks: Vec<TaskProposal>,
    ) -> Result<Vec<String>> {
        if tasks.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "no tasks were chosen".into(),
            ));
        }
        // The same checks as a model's answer: the user may have edited them.
        let checked = parse_tasks(
            &serde_json::json!({ "tasks": tasks.iter().map(|t| serde_json::json!({
                "title": t.title, "due": t.due, "notes": t.notes })).collect::<Vec<_>>() })
            .to_string(),
        )
        .map_err(|why| {
            LibreOllamaError::InvalidInput(format!("these tasks cannot be saved: {why}"))
        })?;
        let acc = account.to_string();
        self.store
            .transaction(move |tx| {
                crate::store::tasks::create(
                    tx,
                    &acc,
                    message_id.as_deref(),
                    &checked,
                    now_unix(),
                    || new_id("task"),
                )
            })
            .await
    }

    /// Whether AI may read this account's mail (off until the user turns it on).
    pub async fn mail_enabled(&self, account: &str) -> Result<bool> {
        let key = format!("ai.mail.{account}");
        Ok(self
            .store
            .read(move |c| crate::store::settings::get::<bool>(c, &key))
            .await?
            .unwrap_or(false))
    }

    pub async fn set_mail_enabled(&self, account: &str, on: bool) -> Result<()> {
        let key = format!("ai.mail.{account}");
        self.store
            .write(move |c| crate::store::settings::set(c, &key, &on))
            .await
    }
}

pub use crate::mail::compose::reply_subject;

/// The text of a reply that ended properly; a stopped or broken one is an error.
pub(super) fn finished(o: ChatOutcome, what: &str) -> Result<String> {
    match o.finish {
        Finish::Broken(why) => Err(LibreOllamaError::Network {
            service: "the model server".into(),
            reason: why,
        }),
        Finish::Cancelled => Err(LibreOllamaError::Cancelled(what.into())),
        Finish::Complete { .. } => Ok(o.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_lists_are_checked() {
        let ok = parse_tasks(
            r#"{"tasks":[{"title":"  Send the   contract ","due":"2026-12-01","notes":""},{"title":"send the contract","due":null,"notes":"dup"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].title, "Send the contract");
        assert_eq!(ok[0].due.as_deref(), Some("2026-12-01"));
        let fenced = parse_tasks("```json\n{\"tasks\":[]}\n```").unwrap();
        assert!(fenced.is_empty());
        for (bad, why) in [
            (
                r#"{"tasks":[{"title":"x","due":"tomorrow"}]}"#,
                "not a date",
            ),
            (r#"{"tasks":[{"title":" ","due":null}]}"#, "empty title"),
            (r#"{"tasks":[{"title":"x","due":null}"#, "not valid JSON"),
            (
                r#"{"tasks":[{"title":"x","due":"2026-02-30"}]}"#,
                "not a date",
            ),
        ] {
            let e = parse_tasks(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn subjects() {
        assert_eq!(reply_subject("RE: Re: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("Lunch"), "Re: Lunch");
    }
}
