//! Images in HTML mail: inline (`cid:`) images are shown from the cache; remote images only for
//! senders the user allowed (or once, when asked), so that opening a mail tells no tracker.

use std::collections::{HashMap, HashSet};

use super::{address_of, MailService};
use crate::error::{LibreOllamaError, Result};
use crate::mail::frame::frame_html;
use crate::model::HtmlBody;
use crate::store::{image_senders, mail_parts};

/// What framing a conversation's HTML needs from the cache.
pub(super) struct Framing {
    inline: HashMap<i64, mail_parts::InlineImages>,
    allowed: HashSet<String>,
}

impl Framing {
    /// The message with row id `rowid` from `sender`, framed for display.
    pub(super) fn frame(
        &self,
        rowid: i64,
        sender: &str,
        html: &str,
        show_images_once: bool,
    ) -> HtmlBody {
        let empty = HashMap::new();
        let show = show_images_once || self.allowed.contains(sender);
        let links_in_new_tab = !cfg!(feature = "desktop");
        frame_html(
            html,
            self.inline.get(&rowid).unwrap_or(&empty),
            show,
            links_in_new_tab,
        )
    }
}

impl MailService {
    /// The inline images of these messages and the account's allowed senders.
    pub(super) async fn framing(&self, account: &str, rowids: Vec<i64>) -> Result<Framing> {
        let acc = account.to_string();
        self.store
            .read(move |c| {
                Ok(Framing {
                    inline: mail_parts::inline_images(c, &rowids)?,
                    allowed: image_senders::allowed(c, &acc)?,
                })
            })
            .await
    }

    /// Always show remote images in mail from `sender` (to this account).
    pub async fn allow_images_from(&self, account: &str, sender: &str) -> Result<()> {
        let (acc, sender) = (account.to_string(), address_of(sender));
        if sender.is_empty() {
            return Err(LibreOllamaError::InvalidInput(
                "this message has no sender address to remember".into(),
            ));
        }
        let now = self.clock.now_unix();
        self.store
            .write(move |c| image_senders::allow(c, &acc, &sender, now))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_images_blocked_and_cid_inlined() {
        let html = r#"<p>Hi</p><img src="https://track.example/p.gif" alt="x"><img src="cid:Logo@Example"><img src="cid:missing"><a href="https://ok.example/">ok</a>"#;
        let mut inline = HashMap::new();
        inline.insert(
            "logo@example".to_string(),
            ("image/png".to_string(), vec![1, 2, 3]),
        );
        let b = frame_html(html, &inline, false, false);
        assert_eq!(b.blocked_images, 1);
        assert!(!b.srcdoc.contains("track.example"), "{}", b.srcdoc);
        assert!(
            b.srcdoc.contains("src=\"data:image/png;base64,AQID\""),
            "{}",
            b.srcdoc
        );
        assert!(b.srcdoc.contains("img-src data:;"), "{}", b.srcdoc);
        assert!(b.srcdoc.contains("href=\"https://ok.example/\""));
        assert!(!b.srcdoc.contains("cid:"));
        let shown = frame_html(html, &inline, true, true);
        assert_eq!(shown.blocked_images, 0);
        assert!(shown.srcdoc.contains("src=\"https://track.example/p.gif\""));
        assert!(shown.srcdoc.contains("img-src data: https: http:"));
        assert!(shown.srcdoc.contains("<base target=\"_blank\">"));
    }
}
