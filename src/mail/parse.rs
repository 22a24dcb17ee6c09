//! RFC 5322 / MIME messages → the fields the cache stores. mail-parser never panics and makes a
//! best effort on broken input (bad charsets, RFC 2047 headers, truncated parts).

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

use super::sanitize::sanitize_html;
use crate::store::mail::{NewAttachment, NewMessage, NewPart};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    /// ms since the epoch, from the Date header.
    pub date_ms: Option<i64>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub text: Option<String>,
    pub html_sanitized: Option<String>,
    pub attachments: Vec<NewAttachment>,
    pub parts: Vec<NewPart>,
}

/// Which part bytes to keep with the cached message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepParts {
    /// Inline images referenced by `cid:` (synced mail: attachments stay on the server).
    Inline,
    /// Every attachment too, whatever its size (imported archives: there is no other copy to
    /// fetch from), up to [`MAX_ARCHIVED_PART`].
    All,
}

/// Largest inline part kept with synced mail; bigger ones are fetched from the server when asked
/// for.
pub const MAX_KEPT_PART: usize = 10 * 1024 * 1024;

/// Largest part kept with [`KeepParts::All`]: what one stored value may hold (SQLite's limit is
/// 10⁹ bytes per value). A bigger part is listed in `attachments` but has no `parts` entry, so
/// the caller can tell the user (the archive import reports each one).
pub const MAX_ARCHIVED_PART: usize = 900 * 1024 * 1024;

fn addresses(a: Option<&Address<'_>>) -> String {
    let Some(a) = a else { return String::new() };
    a.iter()
        .map(|x| match (x.name(), x.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.to_string(),
            (Some(n), None) => n.to_string(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids(v: &HeaderValue<'_>) -> Option<String> {
    match v {
        HeaderValue::Text(t) => Some(format!("<{t}>")),
        HeaderValue::TextList(l) => Some(
            l.iter()
                .map(|t| format!("<{t}>"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

/// Text for the index and the plain-text view: the text part, or the HTML part's text.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn mime_of(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_default()
}

/// mail-parser's reading of `raw`, or None. mail-parser 0.11 `debug_assert!`s on some nested
/// message/rfc822 parts (a multipart holding a message/rfc822 that holds another), so in a
/// debug build (the dev app, tests) a mail could take its thread down; a release build goes on
/// with its best effort. Cargo.toml turns those assertions off in our dev profile too; this catch
/// stays as the defence for any other build. Every MIME read of outside bytes goes through here.
pub fn read_message(raw: &[u8]) -> Option<mail_parser::Message<'_>> {
    std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .ok()
        .flatten()
}

/// The Bcc line of a message (a draft keeps it), "" if none.
pub fn bcc_of(raw: &[u8]) -> String {
    read_message(raw)
        .map(|m| addresses(m.bcc()))
        .unwrap_or_default()
}

pub fn parse(raw: &[u8]) -> Option<Parsed> {
    parse_with(raw, KeepParts::Inline)
}

/// An attached message's own bytes. mail-parser gives an attached message the bytes it was
/// parsed from, which (unless the part was encoded) are the whole outer message: its root part's
/// offsets say where it is in them.
fn attached_bytes<'a>(m: &'a mail_parser::Message<'_>) -> &'a [u8] {
    let raw = m.raw_message.as_ref();
    m.parts
        .first()
        .and_then(|root| raw.get(root.offset_header as usize..root.offset_end as usize))
        .filter(|b| !b.is_empty())
        .unwrap_or(raw)
}

/// An attachment's size in bytes (an attached message's own, not the message around it).
fn part_size(part: &mail_parser::MessagePart<'_>) -> usize {
    match &part.body {
        mail_parser::PartType::Message(m) => attached_bytes(m).len(),
        _ => part.len(),
    }
}

/// A part's decoded bytes, moved out of the parsed message when it owns them (base64 and
/// quoted-printable bodies are decoded into their own buffer) instead of copied: the same bytes
/// as `part.contents()`.
fn take_contents(part: &mut mail_parser::MessagePart<'_>) -> Vec<u8> {
    use mail_parser::PartType;
    match std::mem::take(&mut part.body) {
        PartType::Text(t) | PartType::Html(t) => t.into_owned().into_bytes(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b.into_owned(),
        PartType::Message(m) => attached_bytes(&m).to_vec(),
        PartType::Multipart(_) => Vec::new(),
    }
}

pub fn parse_with(raw: &[u8], keep: KeepParts) -> Option<Parsed> {
    let mut m = read_message(raw)?;
    // Only a real text/html part: mail-parser also offers plain text converted to HTML, which
    // would put every plain mail in a frame.
    let html = match m.html_part(0).map(|p| &p.body) {
        Some(mail_parser::PartType::Html(h)) => Some(sanitize_html(h)),
        _ => None,
    };
    let text = m
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| html.as_deref().map(html_to_text));
    let attachments: Vec<NewAttachment> = m
        .attachments()
        .enumerate()
        .map(|(i, part)| NewAttachment {
            part_id: i.to_string(),
            attachment_id: None,
            filename: part.attachment_name().unwrap_or("attachment").to_string(),
            mime_type: mime_of(part),
            size: part_size(part) as i64,
            content_id: part.content_id().map(str::to_string),
        })
        .collect();
    // Last, once nothing else reads them: kept parts' bytes move out of the parsed message.
    let mut parts = Vec::new();
    for (i, id) in m.attachments.clone().into_iter().enumerate() {
        // As `attachments()`, which ends at the first id with no part.
        let Some(part) = m.parts.get_mut(id as usize) else {
            break;
        };
        let cid = part.content_id().map(str::to_string);
        let is_image = part
            .content_type()
            .is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("image"));
        let wanted = match keep {
            KeepParts::All => part_size(part) <= MAX_ARCHIVED_PART,
            KeepParts::Inline => cid.is_some() && is_image && part_size(part) <= MAX_KEPT_PART,
        };
        if wanted {
            parts.push(NewPart {
                part_id: i.to_string(),
                content_id: cid,
                mime_type: mime_of(part),
                data: take_contents(part),
            });
        }
    }
    Some(Parsed {
        subject: m.subject().unwrap_or_default().to_string(),
        from: addresses(m.from()),
        to: addresses(m.to()),
        cc: addresses(m.cc()),
        date_ms: m.date().map(|d| d.to_timestamp() * 1000),
        message_id: m.message_id().map(|id| format!("<{id}>")),
        in_reply_to: ids(m.in_reply_to()),
        references: ids(m.references()),
        text,
        html_sanitized: html,
        attachments,
        parts,
    })
}

impl Parsed {
    pub fn into_new_message(
        self,
        account_id: &str,
        id: String,
        thread_id: String,
        label_ids: Vec<String>,
        fallback_date_ms: i64,
        size: i64,
    ) -> NewMessage {
        let snippet: String = self
            .text
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(200)
            .collect();
        NewMessage {
            account_id: account_id.to_string(),
            id,
            thread_id,
            history_id: None,
            internal_date: self.date_ms.unwrap_or(fallback_date_ms),
            size_estimate: size,
            subject: self.subject,
            from: self.from,
            to: self.to,
            cc: self.cc,
            snippet,
            message_id_hdr: self.message_id,
            in_reply_to: self.in_reply_to,
            references: self.references,
            label_ids,
            attachments: self.attachments,
            parts: self.parts,
            body_text: self.text,
            body_html_sanitized: self.html_sanitized,
        }
    }
}
