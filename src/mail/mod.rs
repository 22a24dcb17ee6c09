//! Mail content: MIME parsing (mail-parser), HTML sanitising (ammonia) and framing for display,
//! safe file names for attachments, archive import (mbox, maildir, .eml) into the local cache,
//! and building outgoing RFC 5322 messages (mail-builder).

pub mod compose;
pub mod filename;
pub mod frame;
pub mod import;
pub mod parse;
pub mod sanitize;
