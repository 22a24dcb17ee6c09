//! "Ask your mailbox": message vectors in the store (one per message and embedding model),
//! the messages nearest a question (by vector and by keywords, fused), and an answer that
//! cites them.

use std::collections::HashSet;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::mail::{finished, render};
use super::{AiService, Ask, Provider};
use crate::ai::{ChatMessage, Options};
use crate::error::{LibreOllamaError, Result};
use crate::model::{AnswerSource, IndexStatus, JobKind, MailAnswer};
use crate::store::embeddings;

/// Messages embedded per request.
const EMBED_BATCH: usize = 16;
/// What of a message is embedded: headers and the start of the text.
const EMBED_CHARS: usize = 1_200;
/// Messages an answer is drawn from.
const ANSWER_SOURCES: usize = 5;

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

impl AiService {
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
            .read(move |c| embeddings::counts(c, &acc, &key))
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
            .start_kind(
                JobKind::MailIndex,
                account,
                Some(account),
                format!("Indexing mail for questions ({account})"),
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
                .read(move |c| embeddings::unindexed(c, &acc, &k, EMBED_BATCH))
                .await?
                .into_iter()
                .map(|(rowid, t)| (rowid, render(&t, EMBED_CHARS)))
                .collect();
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
                .transaction(move |tx| embeddings::save(tx, &k, &rows))
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
                let by_vector =
                    embeddings::best_by_vector(c, &acc, &key, candidates, |blob| dot(blob, &q))?;
                let by_words = match &words {
                    Some(expr) => embeddings::best_by_words(c, &acc, expr, candidates)?,
                    None => Vec::new(),
                };
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
            .map(|(i, m)| format!("[{}]\n{}", i + 1, render(m, per_mail.saturating_sub(120))))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations() {
        assert_eq!(
            cited("Tuesday [2], and Friday [1, 3]. [x]"),
            [1, 2, 3].into_iter().collect()
        );
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
