//! Each account's signature: read from Gmail's send-as settings at each sync until the person
//! edits it here, then kept as written.

use super::MailService;
use crate::error::{LibreOllamaError, Result};
use crate::model::Signature;
use crate::store::settings;

/// Longer than any signature Gmail accepts (10,000 characters of HTML).
pub const MAX_SIGNATURE_CHARS: usize = 10_000;

fn key(account: &str) -> String {
    settings::signature_key(account)
}

/// Gmail's HTML signature as text: line breaks kept, tags and entities gone.
pub fn signature_text(html: &str) -> String {
    // A block starts a line, as Gmail's editor shows it.
    let mut marked = String::with_capacity(html.len() + 64);
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(at) = lower[i..].find("<div") {
        marked.push_str(&html[i..i + at]);
        marked.push_str("<br>");
        marked.push_str(&html[i + at..i + at + "<div".len()]);
        i += at + "<div".len();
    }
    marked.push_str(&html[i..]);
    let text = mail_parser::decoders::html::html_to_text(&marked);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = lines.join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim().chars().take(MAX_SIGNATURE_CHARS).collect()
}

/// `body` with the signature added: after what is written and above a quote, as Gmail does.
/// Above a quote it goes without the "-- " line: mail readers hide or cut everything after that
/// line, which would take the quote with it.
pub fn with_signature(body: &str, signature: &str) -> String {
    let sig = signature.trim();
    if sig.is_empty() {
        return body.to_string();
    }
    if body.is_empty() {
        format!("\n\n-- \n{sig}")
    } else {
        format!("\n\n{sig}\n\n{}", body.trim_start_matches(['\r', '\n']))
    }
}

impl MailService {
    pub async fn signature(&self, account: &str) -> Result<Signature> {
        let k = key(account);
        self.store
            .read(move |c| Ok(settings::get(c, &k)?.unwrap_or_default()))
            .await
    }

    /// Sets the signature as written here; Gmail's no longer replaces it.
    pub async fn set_signature(&self, account: &str, text: String) -> Result<Signature> {
        self.auth.account(account).await?;
        let text = text.replace("\r\n", "\n");
        if text.chars().count() > MAX_SIGNATURE_CHARS {
            return Err(LibreOllamaError::InvalidInput(format!(
                "a signature holds at most {MAX_SIGNATURE_CHARS} characters; shorten it"
            )));
        }
        let sig = Signature {
            text: text.trim_end().to_string(),
            edited_here: true,
        };
        let (k, s) = (key(account), sig.clone());
        self.store.write(move |c| settings::set(c, &k, &s)).await?;
        Ok(sig)
    }

    /// Goes back to Gmail's signature: read now (and at each sync from now on).
    pub async fn use_gmail_signature(&self, account: &str) -> Result<Signature> {
        self.auth.account(account).await?;
        let k = key(account);
        self.store
            .write(move |c| settings::set(c, &k, &Signature::default()))
            .await?;
        self.refresh_signature(account).await
    }

    /// Reads the signature of the account's own address from Gmail, unless it was edited here.
    /// Returns what is in use after.
    pub async fn refresh_signature(&self, account: &str) -> Result<Signature> {
        if self.signature(account).await?.edited_here {
            return self.signature(account).await;
        }
        let email = self.auth.account(account).await?.email_address;
        let list = self.gmail(account).send_as_list().await?;
        let own = list
            .iter()
            .find(|s| s.send_as_email.eq_ignore_ascii_case(&email))
            .or_else(|| list.iter().find(|s| s.is_default))
            .or_else(|| list.iter().find(|s| s.is_primary));
        let text = own
            .map(|s| signature_text(&s.signature))
            .unwrap_or_default();
        let k = key(account);
        self.store
            .write(move |c| {
                // Read and written by the one writer: an edit made meanwhile (here or in another
                // process) is not overwritten.
                let now: Signature = settings::get(c, &k)?.unwrap_or_default();
                if now.edited_here {
                    return Ok(now);
                }
                let s = Signature {
                    text,
                    edited_here: false,
                };
                settings::set(c, &k, &s)?;
                Ok(s)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_html_signatures_become_text_with_their_lines() {
        assert_eq!(
            signature_text(
                "<div dir=\"ltr\"><b>Ada Lovelace</b><div>Analyst &amp; writer</div><div><br></div><div>+44 20 <a href=\"tel:1\">7946</a></div></div>"
            ),
            "Ada Lovelace\nAnalyst & writer\n\n+44 20 7946"
        );
        assert_eq!(signature_text("Ada<br>Engines"), "Ada\nEngines");
        assert_eq!(signature_text(""), "");
        assert_eq!(signature_text("<script>alert(1)</script>Ada  "), "Ada");
    }

    #[test]
    fn the_signature_goes_after_the_text_and_above_the_quote() {
        assert_eq!(with_signature("", "Ada"), "\n\n-- \nAda");
        assert_eq!(
            with_signature("On Mon, Bo wrote:\n> hi", "Ada\nEngines"),
            "\n\nAda\nEngines\n\nOn Mon, Bo wrote:\n> hi"
        );
        assert_eq!(with_signature("> hi", "  "), "> hi");
        assert_eq!(with_signature("\n\n> hi", "Ada"), "\n\nAda\n\n> hi");
    }
}
