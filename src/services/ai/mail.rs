//! AI on mail, opt-in per account: thread summaries, a drafted reply saved as a local draft,
//! tasks found in a mail (validated JSON, retried when malformed) for review, and "ask your
//! mailbox" (message vectors in the store, nearest messages, an answer citing them).

use std::collections::HashSet;

use rusqlite::params;
use serde::Deserialize;

use super::*;
use crate::model::{AnswerSource, DraftView, IndexStatus, MailAnswer, TaskProposal};

/// Context assumed when a server does not say (Ollama's documented default `num_ctx`).
const DEFAULT_CONTEXT_TOKENS: u32 = 2_048;
/// Tokens kept free in each request for the instruction and the answer.
const RESERVED_TOKENS: u32 = 600;
/// Characters per token, on the low side for mail (names, addresses, numbers).
const CHARS_PER_TOKEN: u32 = 3;
/// Tries for a task list that is valid JSON and passes the checks.
const TASK_ATTEMPTS: usize = 3;
const MAX_TASKS: usize = 12;
/// Messages embedded per request.
const EMBED_BATCH: usize = 16;
/// What of a message is embedded: headers and the start of the text.
const EMBED_CHARS: usize = 1_200;
/// Messages an answer is drawn from.
const ANSWER_SOURCES: usize = 5;

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

/// Which numbers `[n]` an answer cites.
fn cited(text: &str) -> HashSet<usize> {
    let mut out = HashSet::new();
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        let end = rest.find(']').unwrap_or(0);
        for part in rest[..end].split(',') {
            if let Ok(n) = part.trim().parse::<usize>() {
                out.insert(n);
            }
        }
    }
    out
}

fn to_blob(v: &[f32]) -> Vec<u8> {
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    v.iter()
        .flat_map(|x| (x / norm).to_le_bytes())
        .collect::<Vec<u8>>()
}

fn dot(blob: &[u8], q: &[f32]) -> f32 {
    blob.chunks_exact(4)
        .zip(q)
        .map(|(b, x)| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * x)
        .sum()
}

fn unit(v: Vec<f32>) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    v.into_iter().map(|x| x / norm).collect()
}

/// One message as a model reads it.
struct MailText {
    id: String,
    thread_id: String,
    from: String,
    to: String,
    subject: String,
    date_ms: i64,
    message_id_hdr: Option<String>,
    references: Option<String>,
    text: String,
}

impl MailText {
    fn render(&self, max_chars: usize) -> String {
        let date = chrono::DateTime::from_timestamp_millis(self.date_ms)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let body: String = self.text.trim().chars().take(max_chars).collect();
        format!(
            "From: {}\nDate: {date}\nSubject: {}\n\n{body}\n",
            self.from, self.subject
        )
    }
}

const MAIL_TEXT_COLS: &str =
    "m.id, m.thread_id, m.from_addr, m.to_addr, m.subject, m.internal_date, \
     m.message_id_hdr, m.references_hdr, coalesce(b.text_body, m.snippet)";

fn mail_text_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MailText> {
    mail_text_row_at(r, 0)
}

impl AiService {
    /// Ok when AI may read the account's mail; else an error saying how to turn it on.
    pub async fn mail_allowed(&self, account: &str) -> Result<()> {
        self.require_mail(account).await
    }

    async fn require_mail(&self, account: &str) -> Result<()> {
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
    async fn piece_chars(&self, endpoint_id: &str, model: &str) -> usize {
        let ctx = self.context_tokens(endpoint_id, model).await;
        (ctx.saturating_sub(RESERVED_TOKENS).max(300) * CHARS_PER_TOKEN) as usize
    }

    async fn thread_texts(&self, account: &str, thread_id: &str) -> Result<Vec<MailText>> {
        let (acc, tid) = (account.to_string(), thread_id.to_string());
        let texts: Vec<MailText> = self
            .store
            .read(move |c| {
                let mut st = c
                    .prepare(&format!(
                        "SELECT {MAIL_TEXT_COLS} FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                         WHERE m.account_id = ?1 AND m.thread_id = ?2 ORDER BY m.internal_date, m.rowid"
                    ))
                    .map_err(db("reading a conversation"))?;
                let rows = st
                    .query_map(params![acc, tid], mail_text_row)
                    .map_err(db("reading a conversation"))?;
                rows.collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(db("reading a conversation"))
            })
            .await?;
        if texts.is_empty() {
            return Err(LibreOllamaError::NotFound {
                what: format!("Conversation {thread_id} in the mail cache"),
            });
        }
        Ok(texts)
    }

    async fn message_text(&self, account: &str, message_id: &str) -> Result<MailText> {
        let (acc, mid) = (account.to_string(), message_id.to_string());
        self.store
            .read(move |c| {
                c.query_row(
                    &format!(
                        "SELECT {MAIL_TEXT_COLS} FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                         WHERE m.account_id = ?1 AND m.id = ?2"
                    ),
                    params![acc, mid],
                    mail_text_row,
                )
                .optional()
                .map_err(db("reading a message"))?
                .ok_or(LibreOllamaError::NotFound {
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
            .map(|t| t.render(usize::MAX))
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
            let r = t.render(budget.saturating_sub(used));
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
                        kind: "reply",
                        origin: "ai",
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
                c.query_row(
                    "SELECT email_address FROM gmail_accounts_secure WHERE id = ?1",
                    [&acc],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("reading an account"))?
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
        for p in crate::ai::chunk::chunks(&mail.render(usize::MAX), piece) {
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

    /// The server and model that embed mail: the user's choice, else the default server with
    /// a model named for embedding if it has one.
    pub async fn embedding_model(&self) -> Result<(String, String)> {
        let stored: Option<(String, String)> = self
            .store
            .read(|c| crate::store::settings::get(c, "ai.embed"))
            .await?;
        if let Some(s) = stored {
            return Ok(s);
        }
        let ep = self.default_endpoint().await?;
        let h = self.health(&ep.id).await?;
        if let Some(e) = h.error {
            return Err(LibreOllamaError::Config(e));
        }
        let model = h
            .models
            .iter()
            .find(|m| m.contains("embed"))
            .or(h.models.first())
            .cloned()
            .ok_or_else(|| {
                LibreOllamaError::Config(format!(
                    "{} has no models; pull an embedding model (for Ollama: `ollama pull nomic-embed-text`)",
                    ep.name
                ))
            })?;
        Ok((ep.id, model))
    }

    pub async fn set_embedding_model(&self, endpoint_id: &str, model: &str) -> Result<()> {
        self.provider(endpoint_id).await?;
        if model.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "choose an embedding model".into(),
            ));
        }
        let v = (endpoint_id.to_string(), model.trim().to_string());
        self.store
            .write(move |c| crate::store::settings::set(c, "ai.embed", &v))
            .await
    }

    pub async fn index_status(&self, account: &str) -> Result<IndexStatus> {
        let (endpoint_id, model) = self.embedding_model().await?;
        let key = format!("{endpoint_id}:{model}");
        let acc = account.to_string();
        let (indexed, total) = self
            .store
            .read(move |c| {
                c.query_row(
                    "SELECT (SELECT count(*) FROM mail_embeddings e JOIN mail_messages m ON m.rowid = e.message_rowid \
                             WHERE e.model = ?1 AND m.account_id = ?2), \
                            (SELECT count(*) FROM mail_messages WHERE account_id = ?2)",
                    params![key, acc],
                    |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
                )
                .map_err(db("counting indexed mail"))
            })
            .await?;
        Ok(IndexStatus {
            endpoint_id,
            model,
            indexed,
            total,
        })
    }

    /// Starts embedding the account's messages that have no vector yet, newest first, as a
    /// job with progress and cancel. Returns the job id.
    pub async fn start_indexing(self: &Arc<Self>, account: &str) -> Result<u64> {
        self.require_mail(account).await?;
        let (endpoint_id, model) = self.embedding_model().await?;
        let st = self.index_status(account).await?;
        let handle = self
            .jobs
            .start(
                format!("Indexing mail for questions ({account})"),
                format!("ai-index:{account}"),
            )
            .ok_or_else(|| {
                LibreOllamaError::InvalidInput(format!("{account} is already being indexed"))
            })?;
        handle
            .progress
            .set_total(st.total.saturating_sub(st.indexed));
        let id = handle.id;
        let me = self.clone();
        let acc = account.to_string();
        tokio::spawn(async move {
            let cancel = handle.cancel.clone();
            let r = me
                .index_missing(&acc, &endpoint_id, &model, &handle.progress, &cancel)
                .await;
            handle.finish(r.map(|n| format!("{n} messages indexed")));
        });
        Ok(id)
    }

    async fn index_missing(
        &self,
        account: &str,
        endpoint_id: &str,
        model: &str,
        progress: &crate::services::jobs::Progress,
        cancel: &CancellationToken,
    ) -> Result<u64> {
        let (_, provider) = self.provider(endpoint_id).await?;
        let key = format!("{endpoint_id}:{model}");
        let mut n = 0u64;
        loop {
            if cancel.is_cancelled() {
                return Err(LibreOllamaError::Cancelled("indexing".into()));
            }
            let (acc, k) = (account.to_string(), key.clone());
            let batch: Vec<(i64, String)> = self
                .store
                .read(move |c| {
                    let mut st = c
                        .prepare(&format!(
                            "SELECT m.rowid, {MAIL_TEXT_COLS} FROM mail_messages m LEFT JOIN mail_bodies b ON b.message_rowid = m.rowid \
                             WHERE m.account_id = ?1 AND NOT EXISTS (SELECT 1 FROM mail_embeddings e WHERE e.model = ?2 AND e.message_rowid = m.rowid) \
                             ORDER BY m.internal_date DESC LIMIT {EMBED_BATCH}"
                        ))
                        .map_err(db("reading mail to index"))?;
                    let rows = st
                        .query_map(params![acc, k], |r| {
                            let t = mail_text_row_at(r, 1)?;
                            Ok((r.get(0)?, t.render(EMBED_CHARS)))
                        })
                        .map_err(db("reading mail to index"))?;
                    rows.collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(db("reading mail to index"))
                })
                .await?;
            if batch.is_empty() {
                return Ok(n);
            }
            let inputs: Vec<String> = batch.iter().map(|b| b.1.clone()).collect();
            let vectors = tokio::select! {
                _ = cancel.cancelled() => return Err(LibreOllamaError::Cancelled("indexing".into())),
                v = async {
                    match &provider {
                        Provider::Ollama(c) => c.embed(model, &inputs).await,
                        Provider::OpenAi(c) => c.embeddings(model, &inputs).await,
                    }
                } => v?,
            };
            let rows: Vec<(i64, Vec<u8>)> = batch
                .iter()
                .zip(vectors)
                .map(|(b, v)| (b.0, to_blob(&v)))
                .collect();
            let count = rows.len() as u64;
            let k = key.clone();
            self.store
                .transaction(move |tx| {
                    for (rowid, blob) in &rows {
                        // The message may have gone meanwhile (a sync removed it): skip it.
                        tx.execute(
                            "INSERT OR REPLACE INTO mail_embeddings (model, message_rowid, vector) \
                             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM mail_messages WHERE rowid = ?2)",
                            params![k, rowid, blob],
                        )
                        .map_err(db("saving mail vectors"))?;
                    }
                    Ok(())
                })
                .await?;
            n += count;
            progress.add(count);
        }
    }

    /// The messages that best match the question (at most `k`), best first, with their
    /// scores: the nearest by vector and the best by keywords (BM25 over the full-text index),
    /// fused by rank. Keywords rescue names and numbers that small embedding models blur.
    pub async fn nearest(
        &self,
        account: &str,
        question: &str,
        k: usize,
    ) -> Result<Vec<(f32, String)>> {
        let (endpoint_id, model) = self.embedding_model().await?;
        let st = self.index_status(account).await?;
        if st.indexed == 0 {
            return Err(LibreOllamaError::InvalidInput(format!(
                "the mail of {account} is not indexed for questions yet; index it first (Ask → Index mail, or `libreollama ai index {account}`)"
            )));
        }
        let (_, provider) = self.provider(&endpoint_id).await?;
        let q = [question.to_string()];
        let mut v = match &provider {
            Provider::Ollama(c) => c.embed(&model, &q).await?,
            Provider::OpenAi(c) => c.embeddings(&model, &q).await?,
        };
        let q = unit(v.pop().unwrap_or_default());
        let candidates = (k * 4).max(20);
        let words = keyword_query(question);
        let (acc, key) = (account.to_string(), format!("{endpoint_id}:{model}"));
        self.store
            .read(move |c| {
                let e = db("searching mail vectors");
                let mut st = c
                    .prepare(
                        "SELECT m.id, e.vector FROM mail_embeddings e JOIN mail_messages m ON m.rowid = e.message_rowid \
                         WHERE e.model = ?1 AND m.account_id = ?2",
                    )
                    .map_err(&e)?;
                let mut rows = st.query(params![key, acc]).map_err(&e)?;
                let mut by_vector: Vec<(f32, String)> = Vec::with_capacity(candidates + 1);
                while let Some(r) = rows.next().map_err(&e)? {
                    let blob = r.get_ref(1).map_err(&e)?.as_blob().unwrap_or(&[]);
                    let score = dot(blob, &q);
                    if by_vector.len() < candidates || score > by_vector[by_vector.len() - 1].0 {
                        let id: String = r.get(0).map_err(&e)?;
                        let at = by_vector.partition_point(|b| b.0 >= score);
                        by_vector.insert(at, (score, id));
                        by_vector.truncate(candidates);
                    }
                }
                let mut by_words: Vec<String> = Vec::new();
                if let Some(expr) = &words {
                    let mut st = c
                        .prepare(
                            "SELECT m.id FROM mail_fts_v2 f CROSS JOIN mail_messages m ON m.fts_key = f.rowid \
                             WHERE mail_fts_v2 MATCH ?1 AND m.account_id = ?2 ORDER BY bm25(mail_fts_v2) LIMIT ?3",
                        )
                        .map_err(&e)?;
                    let rows = st
                        .query_map(params![expr, acc, candidates as i64], |r| r.get(0))
                        .map_err(&e)?;
                    by_words = rows.collect::<std::result::Result<_, _>>().map_err(&e)?;
                }
                Ok(fuse(&by_vector, &by_words, k))
            })
            .await
    }

    /// Answers a question from the account's mail: the nearest messages are given to the
    /// model, numbered; the answer (streamed to `on_text`) cites them as [n].
    pub async fn ask_mail(
        &self,
        account: &str,
        question: &str,
        cancel: &CancellationToken,
        mut on_text: impl FnMut(&str),
    ) -> Result<MailAnswer> {
        self.require_mail(account).await?;
        if question.trim().is_empty() {
            return Err(LibreOllamaError::InvalidInput("ask a question".into()));
        }
        let near = self.nearest(account, question, ANSWER_SOURCES).await?;
        let (endpoint_id, model) = self.pick(None, None).await?;
        let per_mail = self.piece_chars(&endpoint_id, &model).await / near.len().max(1);
        let mut mails = Vec::new();
        for (_, id) in &near {
            mails.push(self.message_text(account, id).await?);
        }
        let numbered = mails
            .iter()
            .enumerate()
            .map(|(i, m)| format!("[{}]\n{}", i + 1, m.render(per_mail.saturating_sub(120))))
            .collect::<Vec<_>>()
            .join("\n");
        let history = [
            ChatMessage::new(
                "system",
                "Answer the question using only the numbered emails. After each fact, cite the email it comes from like [1]. \
                 If the emails do not contain the answer, say that you could not find it.",
            ),
            ChatMessage::new("user", format!("Emails:\n\n{numbered}\nQuestion: {}", question.trim())),
        ];
        let ask = Ask {
            endpoint_id: &endpoint_id,
            model: &model,
            history: &history,
            // Answers about facts: little randomness.
            opts: Options {
                max_tokens: Some(400),
                temperature: Some(0.0),
                ..Options::default()
            },
        };
        let o = self.complete(ask, cancel, &mut on_text).await?;
        let text = finished(o, "the answer")?;
        let used = cited(&text);
        let sources = mails
            .into_iter()
            .enumerate()
            .map(|(i, m)| AnswerSource {
                n: i + 1,
                cited: used.contains(&(i + 1)),
                message_id: m.id,
                thread_id: m.thread_id,
                subject: m.subject,
                from: m.from,
                date_ms: m.date_ms,
            })
            .collect();
        Ok(MailAnswer { text, sources })
    }
}

/// The question's words as an FTS5 OR query (common words left out); None if nothing is left.
fn keyword_query(question: &str) -> Option<String> {
    const COMMON: &[&str] = &[
        "the", "and", "for", "are", "was", "were", "what", "when", "where", "who", "whom", "which",
        "why", "how", "does", "did", "has", "have", "had", "you", "your", "my", "mine", "our",
        "about", "from", "with", "that", "this", "there", "their", "them", "they", "any", "can",
        "could", "would", "should", "will", "into", "onto", "tell", "me", "is", "it", "of", "to",
        "in", "on", "at", "a", "an", "do", "be", "or", "by", "as", "all", "mail", "email",
        "emails",
    ];
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && !COMMON.contains(&w.as_str()))
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" OR "))
}

/// Reciprocal-rank fusion of two rankings (best first); the score is the fused one.
fn fuse(by_vector: &[(f32, String)], by_words: &[String], k: usize) -> Vec<(f32, String)> {
    const K: f32 = 60.0;
    let mut scores: Vec<(f32, String)> = Vec::new();
    let mut add = |id: &str, rank: usize| {
        let s = 1.0 / (K + rank as f32 + 1.0);
        match scores.iter_mut().find(|(_, x)| x == id) {
            Some(e) => e.0 += s,
            None => scores.push((s, id.to_string())),
        }
    };
    for (rank, (_, id)) in by_vector.iter().enumerate() {
        add(id, rank);
    }
    for (rank, id) in by_words.iter().enumerate() {
        add(id, rank);
    }
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    scores.truncate(k);
    scores
}

fn mail_text_row_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<MailText> {
    Ok(MailText {
        id: r.get(at)?,
        thread_id: r.get(at + 1)?,
        from: r.get(at + 2)?,
        to: r.get(at + 3)?,
        subject: r.get(at + 4)?,
        date_ms: r.get(at + 5)?,
        message_id_hdr: r.get(at + 6)?,
        references: r.get(at + 7)?,
        text: r.get(at + 8)?,
    })
}

pub use crate::mail::compose::reply_subject;

/// The text of a reply that ended properly; a stopped or broken one is an error.
fn finished(o: ChatOutcome, what: &str) -> Result<String> {
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
    fn citations_and_subjects() {
        assert_eq!(
            cited("Tuesday [2], and Friday [1, 3]. [x]"),
            [1, 2, 3].into_iter().collect()
        );
        assert_eq!(reply_subject("RE: Re: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("Lunch"), "Re: Lunch");
    }

    #[test]
    fn keywords_and_fusion() {
        assert_eq!(
            keyword_query("When is my dentist appointment?").as_deref(),
            Some("\"dentist\" OR \"appointment\"")
        );
        assert_eq!(keyword_query("What is it?"), None);
        let v = vec![
            (0.9, "a".to_string()),
            (0.8, "b".to_string()),
            (0.7, "c".to_string()),
        ];
        let fused = fuse(&v, &["c".to_string()], 2);
        assert_eq!(
            fused[0].1, "c",
            "first by words, third by vector beats second by vector only"
        );
        assert_eq!(fused[1].1, "a");
    }

    #[test]
    fn vectors_are_stored_unit_length() {
        let b = to_blob(&[3.0, 4.0]);
        assert!((dot(&b, &[0.6, 0.8]) - 1.0).abs() < 1e-6);
        assert!((dot(&b, &unit(vec![-3.0, -4.0])) + 1.0).abs() < 1e-6);
    }
}
