//! Outgoing mail: recipients checked, subjects for replies and forwards, the quoted original,
//! Markdown bodies as HTML, and the RFC 822 message built with mail-builder.

use mail_builder::headers::address::Address;
use mail_builder::MessageBuilder;

use crate::error::{LibreOllamaError, Result};

/// Gmail sends messages up to 25 MB (attachments and text, before encoding for transport).
pub const GMAIL_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// One recipient: a display name (maybe empty) and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

fn plausible(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// Parses what the user typed in To, Cc or Bcc ("Ada <ada@example.com>, bob@example.com";
/// commas or semicolons between). `field` names the field in the message for a bad address.
pub fn parse_recipients(text: &str, field: &str) -> Result<Vec<Recipient>> {
    let text = text.replace(';', ",");
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // mail-parser reads the field as a header would be read (quoted names, groups, comments).
    let header = format!("To: {}\r\n\r\n", text.trim());
    let parsed = super::parse::read_message(header.as_bytes());
    let mut out = Vec::new();
    if let Some(list) = parsed.as_ref().and_then(|m| m.to()) {
        for a in list.iter() {
            let email = a.address().unwrap_or_default().trim().to_string();
            let name = a.name().unwrap_or_default().trim().to_string();
            if email.is_empty() && name.is_empty() {
                continue;
            }
            if !plausible(&email) {
                let shown = if email.is_empty() { name } else { email };
                return Err(LibreOllamaError::InvalidInput(format!(
                    "“{shown}” in {field} is not an email address: write it as name@example.com"
                )));
            }
            out.push(Recipient { name, email });
        }
    }
    // Pieces mail-parser could not read at all (e.g. "bob@" alone) are not silently dropped.
    let parts = text.split(',').filter(|p| !p.trim().is_empty()).count();
    if out.len() < parts && out.len() < text.matches('@').count().max(1) {
        let bad = text
            .split(',')
            .map(str::trim)
            .find(|p| !p.is_empty() && !out.iter().any(|r| p.contains(&r.email)))
            .unwrap_or(text.trim());
        return Err(LibreOllamaError::InvalidInput(format!(
            "“{bad}” in {field} is not an email address: write it as name@example.com"
        )));
    }
    Ok(out)
}

/// The prefixes that mean "reply" in common mail clients' languages.
const REPLY_PREFIXES: &[&str] = &["re:", "aw:", "sv:", "antw:"];
const FORWARD_PREFIXES: &[&str] = &["fwd:", "fw:", "wg:", "tr:"];

fn strip_prefixes<'a>(mut s: &'a str, prefixes: &[&str]) -> &'a str {
    loop {
        let t = s.trim_start();
        let lower = t.to_lowercase();
        match prefixes.iter().find(|p| lower.starts_with(**p)) {
            Some(p) => s = &t[p.len()..],
            None => return t,
        }
    }
}

/// "Re: " once, whatever the case or how many were there.
pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", strip_prefixes(subject.trim(), REPLY_PREFIXES))
}

/// "Fwd: " once.
pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", strip_prefixes(subject.trim(), FORWARD_PREFIXES))
}

/// The original under a reply: "On <date>, <from> wrote:" and each line quoted with "> ".
pub fn quote_reply(text: &str, from: &str, date: &str) -> String {
    let mut out = format!("\n\nOn {date}, {from} wrote:\n");
    for line in text.trim_end().lines() {
        if line.starts_with('>') {
            out.push('>');
        } else {
            out.push_str("> ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The original under a forward, with its headers, as mail clients show it.
pub fn quote_forward(text: &str, from: &str, date: &str, subject: &str, to: &str) -> String {
    format!(
        "\n\n---------- Forwarded message ---------\nFrom: {from}\nDate: {date}\nSubject: {subject}\nTo: {to}\n\n{}\n",
        text.trim_end()
    )
}

/// A Markdown body as HTML for the rich part; HTML the user typed is shown as text, only
/// http(s) and mailto links and http(s) images are kept.
pub fn markdown_html(text: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let keep = |url: &str, schemes: &[&str]| -> bool {
        let lower = url.to_lowercase();
        schemes.iter().any(|p| lower.starts_with(p))
    };
    let events =
        Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES).map(|e| {
            match e {
                Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let ok = keep(&dest_url, &["http://", "https://", "mailto:"]);
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: if ok { dest_url } else { "".into() },
                        title,
                        id,
                    })
                }
                // `![x](javascript:…)` would otherwise become <img src="javascript:…">.
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let ok = keep(&dest_url, &["http://", "https://"]);
                    Event::Start(Tag::Image {
                        link_type,
                        dest_url: if ok { dest_url } else { "".into() },
                        title,
                        id,
                    })
                }
                e => e,
            }
        });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    format!("<!DOCTYPE html><html><body style=\"font-family: sans-serif\">{html}</body></html>")
}

/// Larger or deeper HTML is not converted (the draft's text part is taken instead): the
/// converter recurses once per level and its work grows faster than the page, and a draft can
/// quote mail written by anyone.
const MAX_CONVERTED_HTML: usize = 100_000;
const MAX_CONVERTED_DEPTH: usize = 100;

/// A draft's body as the editor takes it: its text part, unless the HTML part has formatting
/// the text cannot carry (bold, italics, lists, headings, code, tables, as Gmail's editor makes
/// them) in what the writer wrote — the quote of a reply and a signature do not count, nor do
/// links, whose addresses the text part keeps. Then, or when there is no text part, the HTML
/// as Markdown with Formatting on (true), so that editing it here keeps the formatting.
pub fn editable_body(text: Option<&str>, html: Option<&str>) -> (String, bool) {
    const FORMATTING: &[&str] = &[
        "<b>", "<b ", "<strong", "<i>", "<i ", "<em>", "<em ", "<s>", "<strike", "<del", "<ul",
        "<ol", "<h1", "<h2", "<h3", "<h4", "<h5", "<h6", "<pre", "<code", "<table",
    ];
    let plain = text.filter(|t| !t.trim().is_empty());
    let Some(html) = html.filter(|h| h.len() <= MAX_CONVERTED_HTML) else {
        return (plain.unwrap_or_default().to_string(), false);
    };
    let lower = html.to_ascii_lowercase();
    let own = ["<blockquote", "-- <", "--&nbsp;"]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .unwrap_or(lower.len());
    let formatted = FORMATTING.iter().any(|t| lower[..own].contains(t));
    if (formatted || plain.is_none()) && nesting_depth(&lower) <= MAX_CONVERTED_DEPTH {
        let converter = htmd::HtmlToMarkdown::builder()
            .skip_tags(vec!["script", "style", "head", "title"])
            // An image stands as its text: Gmail's emoji are images whose alt is the emoji,
            // and a draft's pictures are its files (Markdown here keeps only web addresses).
            .add_handler(
                vec!["img"],
                |_: &dyn htmd::element_handler::Handlers, e: htmd::Element| {
                    let alt = e.attrs.iter().find(|a| &*a.name.local == "alt");
                    Some(alt.map(|a| a.value.to_string()).unwrap_or_default().into())
                },
            )
            .build();
        if let Ok(md) = converter.convert(html) {
            if !md.trim().is_empty() {
                return (md, true);
            }
        }
    }
    (plain.unwrap_or_default().to_string(), false)
}

/// How deep elements nest in `html` (lower case), at most: void elements (`<br>`, `<img>`…)
/// and self-closed ones do not count; an element closed only implicitly counts as still open.
fn nesting_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(closing) = rest.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            rest = closing;
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let self_closed = rest[..end].ends_with('/');
        if !VOID.contains(&&rest[..name_len]) && !self_closed {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// A Message-ID made here for a mail from `from` (its domain, so it looks like the sender's).
pub fn new_message_id(from: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .filter(|d| !d.is_empty())
        .unwrap_or("libreollama.local");
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("lo.{hex}@{domain}")
}

pub struct Attachment {
    pub filename: String,
    pub mime_type: String,
    pub data: Vec<u8>,
}

/// Everything the message is built from.
pub struct Outgoing<'a> {
    pub from: Recipient,
    pub to: &'a [Recipient],
    pub cc: &'a [Recipient],
    pub bcc: &'a [Recipient],
    pub subject: &'a str,
    pub text: &'a str,
    /// Markdown: also sent as HTML.
    pub rich: bool,
    /// Message-IDs with or without <>.
    pub in_reply_to: Option<&'a str>,
    pub references: Option<&'a str>,
    pub message_id: &'a str,
    pub date_unix: i64,
    pub attachments: &'a [Attachment],
}

fn ids(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|x| x.trim_matches(|c| c == '<' || c == '>').to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn address_list(list: &[Recipient]) -> Address<'_> {
    Address::new_list(
        list.iter()
            .map(|r| {
                Address::new_address(
                    (!r.name.is_empty()).then_some(r.name.as_str()),
                    r.email.as_str(),
                )
            })
            .collect(),
    )
}

/// The RFC 822 bytes of a mail.
pub fn build(o: &Outgoing<'_>) -> Result<Vec<u8>> {
    let mut m = MessageBuilder::new()
        .from(Address::new_address(
            (!o.from.name.is_empty()).then_some(o.from.name.as_str()),
            o.from.email.as_str(),
        ))
        .subject(o.subject)
        .message_id(o.message_id.trim_matches(|c| c == '<' || c == '>'))
        .date(o.date_unix)
        .header(
            "User-Agent",
            mail_builder::headers::raw::Raw::new("LibreOllama"),
        )
        .text_body(o.text);
    if !o.to.is_empty() {
        m = m.to(address_list(o.to));
    }
    if !o.cc.is_empty() {
        m = m.cc(address_list(o.cc));
    }
    if !o.bcc.is_empty() {
        m = m.bcc(address_list(o.bcc));
    }
    if let Some(r) = o.in_reply_to.map(ids).filter(|v| !v.is_empty()) {
        m = m.in_reply_to(r);
    }
    if let Some(r) = o.references.map(ids).filter(|v| !v.is_empty()) {
        m = m.references(r);
    }
    if o.rich {
        m = m.html_body(markdown_html(o.text));
    }
    for a in o.attachments {
        m = m.attachment(a.mime_type.clone(), a.filename.clone(), a.data.as_slice());
    }
    m.write_to_vec()
        .map_err(|e| LibreOllamaError::Internal(format!("building the mail failed: {e}")))
}

/// "12 KB", "3.4 MB": sizes as people read them.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// A file's MIME type from its name (what mail clients attach it as).
pub fn mime_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "txt" | "md" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "ics" => "text/calendar",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "json" => "application/json",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    #[test]
    fn subjects_get_one_prefix() {
        assert_eq!(reply_subject("RE: Re: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("AW: Termin"), "Re: Termin");
        assert_eq!(reply_subject("Lunch"), "Re: Lunch");
        assert_eq!(forward_subject("Fwd: FW: Lunch"), "Fwd: Lunch");
        assert_eq!(forward_subject("Re: Lunch"), "Fwd: Re: Lunch");
    }

    #[test]
    fn recipients_are_checked() {
        let r = parse_recipients("Ada Lovelace <ada@example.com>; bob@example.org", "To").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "Ada Lovelace");
        assert_eq!(r[1].email, "bob@example.org");
        assert!(parse_recipients("  ", "To").unwrap().is_empty());
        for bad in ["bob@", "bob", "ada@example.com, carol at home", "x@y"] {
            let e = parse_recipients(bad, "Cc").unwrap_err().to_string();
            assert!(e.contains("in Cc is not an email address"), "{bad}: {e}");
        }
    }

    #[test]
    fn quotes_and_markdown() {
        let q = quote_reply("Hi\n> old", "Ada <ada@example.com>", "Mon, 2 Nov 2026");
        assert!(q.contains("On Mon, 2 Nov 2026, Ada <ada@example.com> wrote:\n> Hi\n>> old\n"));
        let h = markdown_html("**bold** <script>x</script> [a](javascript:alert(1))");
        assert!(h.contains("<strong>bold</strong>"), "{h}");
        assert!(!h.contains("<script>") && !h.contains("javascript:"), "{h}");
    }

    #[test]
    fn a_built_message_reads_back() {
        let from = Recipient {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        };
        let to = parse_recipients("Grüße Bob <bob@example.org>", "To").unwrap();
        let raw = build(&Outgoing {
            from,
            to: &to,
            cc: &[],
            bcc: &[],
            subject: "Re: Grüße aus Köln",
            text: "Danke *sehr*",
            rich: true,
            in_reply_to: Some("<m1@example.com>"),
            references: Some("<m0@example.com> <m1@example.com>"),
            message_id: "lo.1@example.com",
            date_unix: 1_800_000_000,
            attachments: &[Attachment {
                filename: "plan.pdf".into(),
                mime_type: "application/pdf".into(),
                data: b"%PDF-1.4".to_vec(),
            }],
        })
        .unwrap();
        let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.subject(), Some("Re: Grüße aus Köln"));
        assert_eq!(m.message_id(), Some("lo.1@example.com"));
        assert_eq!(m.in_reply_to().as_text(), Some("m1@example.com"));
        assert_eq!(m.references().as_text_list().map(|v| v.len()), Some(2));
        assert_eq!(m.body_text(0).as_deref(), Some("Danke *sehr*"));
        assert!(m.body_html(0).unwrap().contains("<em>sehr</em>"));
        assert_eq!(
            m.attachment(0).and_then(|a| a.attachment_name()),
            Some("plan.pdf")
        );
        assert_eq!(
            m.to().and_then(|a| a.first()).and_then(|a| a.name()),
            Some("Grüße Bob")
        );
    }
}
