//! Mail content: MIME parsing (mail-parser), HTML sanitising (ammonia), and archive import
//! (mbox, maildir, .eml) into the local cache.

pub mod compose;
pub mod filename;
pub mod frame;
pub mod import;
pub mod parse;
pub mod sanitize;
