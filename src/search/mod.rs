//! Gmail's search language, parsed into a tree the local store can answer offline.
//!
//! Supported: words, "exact phrases", `-negation`, `OR` (and `{a b}`), parentheses, and the
//! operators from:, to:, cc:, subject:, label:, in:, is:unread/read/starred/important,
//! has:attachment, filename:, before:/after: (YYYY/MM/DD), older_than:/newer_than: (Nd, Nm, Ny).
//!
//! Anything typed gives a query or a [`ParseError`] that says what to change, never a panic:
//! searches are at most [`MAX_LEN`] characters, nest at most [`MAX_NESTING`] deep (so neither the
//! parser nor the store's compiler can run out of stack), and every number is range-checked.

use serde::{Deserialize, Serialize};

mod dates;
mod lex;
mod parser;
#[cfg(test)]
mod tests;

pub use parser::parse;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    From,
    To,
    Cc,
    Subject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    Unread,
    Read,
    Starred,
    Important,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Matches everything (the empty query).
    All,
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
    /// A word anywhere in the indexed text.
    Word(String),
    /// Consecutive words anywhere in the indexed text.
    Phrase(String),
    /// A word or phrase within one header.
    Field(Field, String),
    /// A label by name or id (`label:`), or a system folder (`in:` maps to these too).
    Label(String),
    /// `in:anywhere`: include spam and trash, which are otherwise left out.
    Anywhere,
    Is(Flag),
    HasAttachment,
    Filename(String),
    /// Internal date strictly before, in ms since the epoch.
    Before(i64),
    /// Internal date at or after, in ms since the epoch.
    After(i64),
}

/// The longest search accepted, in characters.
pub const MAX_LEN: usize = 2_000;

/// How deep brackets, braces and `-` may nest.
pub const MAX_NESTING: usize = 32;

/// The deepest tree [`parse`] builds: each nesting level adds at most an AND and an OR (a
/// bracket) or one node (a brace or `-`), plus the top level's AND and OR, an operator group
/// and its leaf. The store refuses deeper hand-made trees, so its recursion stays bounded too.
pub const MAX_TREE_DEPTH: usize = 2 * MAX_NESTING + 4;

impl Query {
    /// Whether the tree is deeper than `limit` levels (a leaf is one level). Recurses at most
    /// `limit + 1` calls deep, whatever the tree.
    pub fn deeper_than(&self, limit: usize) -> bool {
        if limit == 0 {
            return true;
        }
        match self {
            Query::And(v) | Query::Or(v) => v.iter().any(|q| q.deeper_than(limit - 1)),
            Query::Not(q) => q.deeper_than(limit - 1),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::error::Error for ParseError {}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the parser needs to know about "now".
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now_ms: i64,
    pub utc_offset_secs: i64,
}

impl Clock {
    /// Now, in this machine's time zone (before:/after: dates are local days, as in Gmail).
    pub fn local_now() -> Clock {
        let now = chrono::Local::now();
        Clock {
            now_ms: now.timestamp_millis(),
            utc_offset_secs: i64::from(now.offset().local_minus_utc()),
        }
    }
}

/// The sentence shown for a search that could not be read: the search (shortened) and what to fix.
pub fn error_sentence(query: &str, e: &ParseError) -> String {
    const SHOWN: usize = 60;
    let shown: String = query.chars().take(SHOWN).collect();
    let more = if query.chars().nth(SHOWN).is_some() {
        "…"
    } else {
        ""
    };
    format!("the search '{shown}{more}' could not be read: {e}")
}
