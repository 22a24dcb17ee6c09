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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBrace,
    RBrace,
    Or,
    Minus,
    /// A bare word, possibly `op:value`.
    Word(String),
    Phrase(String),
}

fn lex(input: &str) -> Result<Vec<Tok>, ParseError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::LParen);
            }
            ')' => {
                chars.next();
                out.push(Tok::RParen);
            }
            '{' => {
                chars.next();
                out.push(Tok::LBrace);
            }
            '}' => {
                chars.next();
                out.push(Tok::RBrace);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(c) => s.push(c),
                        None => {
                            return Err(ParseError(
                                "a quote is not closed: add the \" it needs".into(),
                            ))
                        }
                    }
                }
                out.push(Tok::Phrase(s));
            }
            '-' if matches!(
                out.last(),
                None | Some(
                    Tok::LParen
                        | Tok::LBrace
                        | Tok::Or
                        | Tok::Word(_)
                        | Tok::Phrase(_)
                        | Tok::RParen
                        | Tok::RBrace
                )
            ) =>
            {
                chars.next();
                out.push(Tok::Minus);
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}') {
                        break;
                    }
                    if c == '"' && s.ends_with(':') {
                        // op:"quoted value"
                        chars.next();
                        let mut v = String::new();
                        loop {
                            match chars.next() {
                                Some('"') => break,
                                Some(c) => v.push(c),
                                None => {
                                    return Err(ParseError(
                                        "a quote is not closed: add the \" it needs".into(),
                                    ))
                                }
                            }
                        }
                        s.push('"');
                        s.push_str(&v);
                        s.push('"');
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                if s == "OR" {
                    out.push(Tok::Or);
                } else {
                    out.push(Tok::Word(s));
                }
            }
        }
    }
    Ok(out)
}

const DAY_MS: i64 = 86_400_000;

/// Years before:/after: accept: Gmail has no mail before 1970, and four digits end at 9999.
const YEARS: std::ops::RangeInclusive<i64> = 1970..=9999;

/// The oldest age older_than:/newer_than: accept, in days (9999 years).
const MAX_AGE_DAYS: i64 = 9999 * 365;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm); only called with a
/// year in [`YEARS`], so nothing here can overflow.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A run of ASCII digits (no sign, no other script's digits) as a number, if it fits.
fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY/MM/DD` (or with `-`) at local midnight, given the local offset.
fn parse_date(op: &str, v: &str, utc_offset_secs: i64) -> Result<i64, ParseError> {
    let like = || ParseError(format!("{op}:{v} is not a date like 2024/01/31"));
    let parts: Vec<&str> = v.split(['/', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(like());
    };
    let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else {
        return Err(like());
    };
    if !YEARS.contains(&y) {
        return Err(ParseError(format!(
            "{op}:{v} is not a date Gmail can search: use a year from 1970 to 9999, as in 2024/01/31"
        )));
    }
    if !(1..=12).contains(&m) || !(1..=days_in_month(y, m)).contains(&d) {
        return Err(ParseError(format!(
            "{op}:{v} is not a day of the calendar: check the month (1–12) and the day"
        )));
    }
    days_from_civil(y, m, d)
        .checked_mul(DAY_MS)
        .zip(utc_offset_secs.checked_mul(1000))
        .and_then(|(day, offset)| day.checked_sub(offset))
        .ok_or_else(|| {
            ParseError(format!(
                "{op}:{v} cannot be placed in this machine's time zone: check the clock settings"
            ))
        })
}

/// `7d`, `2m`, `1y` as milliseconds.
fn parse_age(op: &str, v: &str) -> Result<i64, ParseError> {
    let like = || ParseError(format!("{op}:{v} is not an age like 7d, 2m or 1y"));
    let unit = v.chars().last().ok_or_else(like)?;
    let per = match unit {
        'd' => 1,
        'm' => 30,
        'y' => 365,
        _ => return Err(like()),
    };
    let n = &v[..v.len() - unit.len_utf8()];
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(like());
    }
    let too_far = || {
        ParseError(format!(
            "{op}:{v} reaches too far back: use at most 9999y (or {MAX_AGE_DAYS}d)"
        ))
    };
    let days = digits(n)
        .and_then(|n| n.checked_mul(per))
        .filter(|d| *d <= MAX_AGE_DAYS)
        .ok_or_else(too_far)?;
    Ok(days * DAY_MS)
}

fn unquote(v: &str) -> String {
    v.trim_matches('"').to_string()
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

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    clock: Clock,
    /// Brackets, braces and `-` currently open.
    depth: usize,
}

fn too_deep() -> ParseError {
    ParseError(format!(
        "the search nests brackets, braces or '-' more than {MAX_NESTING} deep: remove some of the ( {{ and - signs"
    ))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    /// Parses one nested part, refusing to go deeper than [`MAX_NESTING`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Query, ParseError>,
    ) -> Result<Query, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(too_deep());
        }
        self.depth += 1;
        let q = f(self);
        self.depth -= 1;
        q
    }

    /// Implicit AND of OR-groups: in Gmail `a b OR c` means `a AND (b OR c)`.
    fn and_expr(&mut self, close: Option<Tok>) -> Result<Query, ParseError> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            if Some(t) == close.as_ref() {
                break;
            }
            if matches!(t, Tok::RParen | Tok::RBrace) {
                return Err(ParseError(
                    "a closing bracket has no opening one: remove it or add the ( or { it closes"
                        .into(),
                ));
            }
            if *t == Tok::Or {
                return Err(ParseError("OR needs a term on both sides".into()));
            }
            items.push(self.or_expr()?);
        }
        Ok(match items.len() {
            0 => {
                return Err(ParseError(
                    "empty brackets: put words between ( and )".into(),
                ))
            }
            1 => items.pop().expect("one item"),
            _ => Query::And(items),
        })
    }

    fn or_expr(&mut self) -> Result<Query, ParseError> {
        let mut alts = vec![self.unary()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if matches!(
                self.peek(),
                None | Some(Tok::Or | Tok::RParen | Tok::RBrace)
            ) {
                return Err(ParseError("OR needs a term on both sides".into()));
            }
            alts.push(self.unary()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one alternative")
        } else {
            Query::Or(alts)
        })
    }

    fn unary(&mut self) -> Result<Query, ParseError> {
        let Some(tok) = self.peek().cloned() else {
            return Err(ParseError(
                "the search ends where a term should follow".into(),
            ));
        };
        self.pos += 1;
        match tok {
            Tok::Minus => {
                if matches!(
                    self.peek(),
                    None | Some(Tok::Or | Tok::RParen | Tok::RBrace)
                ) {
                    return Err(ParseError(
                        "'-' must be followed by what to leave out".into(),
                    ));
                }
                self.nested(|p| Ok(Query::Not(Box::new(p.unary()?))))
            }
            Tok::LParen => self.nested(|p| {
                let q = p.and_expr(Some(Tok::RParen))?;
                if p.peek() != Some(&Tok::RParen) {
                    return Err(ParseError(
                        "a bracket is not closed: add the ) it needs".into(),
                    ));
                }
                p.pos += 1;
                Ok(q)
            }),
            Tok::LBrace => self.nested(|p| {
                let mut alts = Vec::new();
                while let Some(t) = p.peek() {
                    if *t == Tok::RBrace {
                        break;
                    }
                    alts.push(p.unary()?);
                }
                if p.peek() != Some(&Tok::RBrace) {
                    return Err(ParseError("a brace is not closed: add the } it needs".into()));
                }
                p.pos += 1;
                Ok(match alts.len() {
                    0 => {
                        return Err(ParseError(
                            "empty braces: put words between { and }".into(),
                        ))
                    }
                    1 => alts.pop().expect("one alternative"),
                    _ => Query::Or(alts),
                })
            }),
            Tok::Phrase(p) => Ok(Query::Phrase(p)),
            Tok::Word(w) => self.word(&w),
            Tok::Or => Err(ParseError(
                "OR needs a term on both sides (write OR only between two terms)".into(),
            )),
            Tok::RParen | Tok::RBrace => Err(ParseError(
                "a closing bracket stands where a term should be: remove it or put a term before it"
                    .into(),
            )),
        }
    }

    /// `op:(a b)` applies the operator to each term of the group.
    fn group_values(&mut self, op: &str) -> Result<Vec<String>, ParseError> {
        let mut vals = Vec::new();
        while let Some(t) = self.peek().cloned() {
            self.pos += 1;
            match t {
                Tok::RParen if vals.is_empty() => {
                    return Err(ParseError(format!(
                        "{op}:() is empty: put words between the brackets, as in {op}:(one two)"
                    )))
                }
                Tok::RParen => return Ok(vals),
                Tok::Word(w) => vals.push(w),
                Tok::Phrase(p) => vals.push(p),
                _ => {
                    return Err(ParseError(format!(
                        "only words may stand in {op}:( ): take out brackets, braces, OR and '-'"
                    )))
                }
            }
        }
        Err(ParseError(format!(
            "the bracket after {op}: is not closed: add the ) it needs"
        )))
    }

    fn word(&mut self, w: &str) -> Result<Query, ParseError> {
        let Some((op, value)) = w.split_once(':') else {
            return Ok(Query::Word(w.to_string()));
        };
        let op = op.to_ascii_lowercase();
        let known = [
            "from",
            "to",
            "cc",
            "subject",
            "label",
            "in",
            "is",
            "has",
            "filename",
            "before",
            "after",
            "older_than",
            "newer_than",
        ];
        if !known.contains(&op.as_str()) {
            // A word that happens to contain a colon (a time, a URL).
            return Ok(Query::Word(w.to_string()));
        }
        if value.is_empty() && self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let vals = self.group_values(&op)?;
            let mut items = vals
                .iter()
                .map(|v| self.operator(&op, v))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(if items.len() == 1 {
                items.pop().expect("one item")
            } else {
                Query::And(items)
            });
        }
        let value = unquote(value);
        if value.is_empty() {
            return Err(ParseError(format!(
                "{op}: needs a value, as in {op}:{}",
                example(&op)
            )));
        }
        self.operator(&op, &value)
    }

    fn operator(&self, op: &str, v: &str) -> Result<Query, ParseError> {
        let bad = |what: &str| ParseError(format!("{op}:{v} is not {what}"));
        let age = |v: &str| {
            self.clock
                .now_ms
                .checked_sub(parse_age(op, v)?)
                .ok_or_else(|| {
                    ParseError(format!(
                        "{op}:{v} cannot be counted back from this machine's clock: check the date settings"
                    ))
                })
        };
        Ok(match op {
            "from" => Query::Field(Field::From, v.to_string()),
            "to" => Query::Field(Field::To, v.to_string()),
            "cc" => Query::Field(Field::Cc, v.to_string()),
            "subject" => Query::Field(Field::Subject, v.to_string()),
            "label" => Query::Label(v.to_string()),
            "filename" => Query::Filename(v.to_string()),
            "in" => match v.to_ascii_lowercase().as_str() {
                "anywhere" => Query::Anywhere,
                "inbox" | "sent" | "trash" | "spam" | "draft" | "drafts" | "starred"
                | "important" | "chats" | "snoozed" => {
                    Query::Label(match v.to_ascii_lowercase().as_str() {
                        "drafts" => "DRAFT".to_string(),
                        "chats" => "CHAT".to_string(),
                        other => other.to_ascii_uppercase(),
                    })
                }
                _ => Query::Label(v.to_string()),
            },
            "is" => Query::Is(match v.to_ascii_lowercase().as_str() {
                "unread" => Flag::Unread,
                "read" => Flag::Read,
                "starred" => Flag::Starred,
                "important" => Flag::Important,
                _ => return Err(bad("one of unread, read, starred, important")),
            }),
            "has" => match v.to_ascii_lowercase().as_str() {
                "attachment" => Query::HasAttachment,
                _ => return Err(bad("has:attachment")),
            },
            "before" => Query::Before(parse_date(op, v, self.clock.utc_offset_secs)?),
            "after" => Query::After(parse_date(op, v, self.clock.utc_offset_secs)?),
            "older_than" => Query::Before(age(v)?),
            "newer_than" => Query::After(age(v)?),
            _ => return Err(ParseError(format!("{op}: is not an operator"))),
        })
    }
}

/// A value to show after `op:` when one is missing.
fn example(op: &str) -> &'static str {
    match op {
        "is" => "unread",
        "has" => "attachment",
        "in" => "inbox",
        "label" => "work",
        "filename" => "pdf",
        "before" | "after" => "2024/01/31",
        "older_than" | "newer_than" => "7d",
        "subject" => "lunch",
        _ => "ada@example.com",
    }
}

pub fn parse(input: &str, clock: Clock) -> Result<Query, ParseError> {
    let len = input.chars().count();
    if len > MAX_LEN {
        return Err(ParseError(format!(
            "the search is {len} characters long; the most is 2,000: shorten it or split it into several searches"
        )));
    }
    let toks = lex(input)?;
    if toks.is_empty() {
        return Ok(Query::All);
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        clock,
        depth: 0,
    };
    let q = p.and_expr(None)?;
    if p.pos != toks.len() {
        return Err(ParseError(
            "a closing bracket has no opening one: remove it or add the ( or { it closes".into(),
        ));
    }
    debug_assert!(!q.deeper_than(MAX_TREE_DEPTH), "parse built {q:?}");
    Ok(q)
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

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        now_ms: 1_700_000_000_000,
        utc_offset_secs: 0,
    };

    fn p(s: &str) -> Query {
        parse(s, CLOCK).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn words_phrases_and_operators() {
        assert_eq!(p(""), Query::All);
        assert_eq!(p("hello"), Query::Word("hello".into()));
        assert_eq!(
            p(r#"from:ada "quarterly report" -draft"#),
            Query::And(vec![
                Query::Field(Field::From, "ada".into()),
                Query::Phrase("quarterly report".into()),
                Query::Not(Box::new(Query::Word("draft".into()))),
            ])
        );
        assert_eq!(
            p(r#"subject:"lunch plans""#),
            Query::Field(Field::Subject, "lunch plans".into())
        );
        assert_eq!(
            p("in:inbox is:unread"),
            Query::And(vec![Query::Label("INBOX".into()), Query::Is(Flag::Unread)])
        );
        assert_eq!(
            p("has:attachment filename:pdf"),
            Query::And(vec![Query::HasAttachment, Query::Filename("pdf".into())])
        );
        assert_eq!(p("label:Ops/Review"), Query::Label("Ops/Review".into()));
        assert_eq!(p("in:anywhere"), Query::Anywhere);
        assert_eq!(
            p("meet at 10:30"),
            Query::And(vec![
                Query::Word("meet".into()),
                Query::Word("at".into()),
                Query::Word("10:30".into())
            ])
        );
    }

    #[test]
    fn boolean_structure() {
        assert_eq!(
            p("from:ada OR from:bob"),
            Query::Or(vec![
                Query::Field(Field::From, "ada".into()),
                Query::Field(Field::From, "bob".into())
            ])
        );
        assert_eq!(
            p("(a OR b) c"),
            Query::And(vec![
                Query::Or(vec![Query::Word("a".into()), Query::Word("b".into())]),
                Query::Word("c".into())
            ])
        );
        assert_eq!(
            p("{a b}"),
            Query::Or(vec![Query::Word("a".into()), Query::Word("b".into())])
        );
        assert_eq!(
            p("-(a b)"),
            Query::Not(Box::new(Query::And(vec![
                Query::Word("a".into()),
                Query::Word("b".into())
            ])))
        );
        assert_eq!(
            p("subject:(dinner movie)"),
            Query::And(vec![
                Query::Field(Field::Subject, "dinner".into()),
                Query::Field(Field::Subject, "movie".into())
            ])
        );
        // OR binds tighter than the implicit AND, as in Gmail: a b OR c = a AND (b OR c).
        assert_eq!(
            p("a b OR c"),
            Query::And(vec![
                Query::Word("a".into()),
                Query::Or(vec![Query::Word("b".into()), Query::Word("c".into())])
            ])
        );
    }

    #[test]
    fn dates_and_ages() {
        // 2024-01-31 00:00 UTC.
        assert_eq!(p("after:2024/01/31"), Query::After(1_706_659_200_000));
        assert_eq!(p("before:2024-02-01"), Query::Before(1_706_745_600_000));
        assert_eq!(p("older_than:2d"), Query::Before(CLOCK.now_ms - 2 * DAY_MS));
        assert_eq!(
            p("newer_than:1y"),
            Query::After(CLOCK.now_ms - 365 * DAY_MS)
        );
        let local = parse(
            "after:2024/01/31",
            Clock {
                utc_offset_secs: 3600,
                ..CLOCK
            },
        )
        .unwrap();
        assert_eq!(local, Query::After(1_706_659_200_000 - 3_600_000));
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        for (q, msg) in [
            ("\"open", "quote is not closed"),
            ("(a b", "bracket is not closed"),
            ("a)", "no opening"),
            ("is:shiny", "one of unread"),
            ("before:yesterday", "a date like"),
            ("older_than:3w", "an age like"),
            ("a OR", "OR needs a term"),
            ("from:", "needs a value"),
        ] {
            let err = parse(q, CLOCK).unwrap_err();
            assert!(err.0.contains(msg), "{q}: {err}");
        }
    }

    fn err(s: &str) -> String {
        match parse(s, CLOCK) {
            Ok(q) => panic!("{s:?} parsed as {q:?}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn non_ascii_after_an_age_number_is_an_error_not_a_panic() {
        for q in [
            "newer_than:1é",
            "older_than:7日",
            "newer_than:é",
            "older_than:１d",
        ] {
            assert!(err(q).contains("an age like 7d"), "{q}: {}", err(q));
        }
        assert!(err("newer_than:-1d").contains("an age like"));
        assert!(err("newer_than:+1d").contains("an age like"));
    }

    #[test]
    fn huge_dates_are_errors() {
        for q in [
            "after:99999999/01/01",
            "before:9223372036854775807/01/01",
            "after:10000/01/01",
            "before:1969/12/31",
            "after:0/1/1",
        ] {
            assert!(
                err(q).contains("a year from 1970 to 9999"),
                "{q}: {}",
                err(q)
            );
        }
        for q in [
            "after:99999999999999999999/01/01",
            "after:2024/1/99999999999999999999",
            "after:-5/01/01",
            "after:2024/+1/01",
            "after:２０２４/01/01",
        ] {
            assert!(err(q).contains("a date like 2024/01/31"), "{q}: {}", err(q));
        }
        for q in ["after:2023/02/29", "before:2024/04/31", "after:2024/13/01"] {
            assert!(err(q).contains("day of the calendar"), "{q}: {}", err(q));
        }
        assert_eq!(p("after:2024/02/29"), Query::After(1_709_164_800_000));
        assert_eq!(p("after:9999/12/31"), Query::After(253_402_214_400_000));
        assert_eq!(p("after:1970/01/01"), Query::After(0));
        // The offset comes from the caller: an absurd one is an error, not an overflow.
        let far = Clock {
            now_ms: 0,
            utc_offset_secs: i64::MAX,
        };
        assert!(parse("after:2024/01/31", far)
            .unwrap_err()
            .0
            .contains("time zone"));
    }

    #[test]
    fn huge_ages_are_errors() {
        for q in [
            "older_than:9223372036854775807d",
            "newer_than:99999999999999999999999y",
            "newer_than:25000000000000000m",
            "older_than:10000y",
            "older_than:3649636d",
        ] {
            assert!(err(q).contains("at most 9999y"), "{q}: {}", err(q));
        }
        assert_eq!(
            p("older_than:9999y"),
            Query::Before(CLOCK.now_ms - MAX_AGE_DAYS * DAY_MS)
        );
        let early = Clock {
            now_ms: i64::MIN,
            utc_offset_secs: 0,
        };
        assert!(parse("newer_than:1d", early)
            .unwrap_err()
            .0
            .contains("clock"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        for open in ["(", "{", "-{", "-(", "{(", "from:x ("] {
            let deep = format!("{}a", open.repeat(10_000));
            let e = err(&deep);
            assert!(e.contains("characters long"), "{open}: {e}");
            let deep = format!("{}a", open.repeat(MAX_NESTING + 1));
            let e = err(&deep);
            assert!(e.contains("more than 32 deep"), "{open}: {e}");
        }
        // Exactly at the limit parses, and its tree stays within MAX_TREE_DEPTH.
        let ok = format!(
            "{}from:(a b){}",
            "x y OR (".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        let q = p(&ok);
        assert!(!q.deeper_than(MAX_TREE_DEPTH), "{q:?}");
        assert!(q.deeper_than(2 * MAX_NESTING + 1), "as deep as it gets");
        let ok = format!("{}from:(a b){}", "(x -".repeat(16), ")".repeat(16));
        assert!(!p(&ok).deeper_than(MAX_TREE_DEPTH));
    }

    #[test]
    fn long_searches_are_refused() {
        let long = "a ".repeat(1001);
        assert!(err(&long).contains("the most is 2,000"));
        // Characters, not bytes: 2,000 non-ASCII letters are fine.
        assert!(parse(&"é".repeat(MAX_LEN), CLOCK).is_ok());
    }

    #[test]
    fn empty_groups_are_refused() {
        for (q, msg) in [
            ("{}", "empty braces: put words between { and }"),
            ("a {  }", "empty braces"),
            ("()", "empty brackets: put words between ( and )"),
            ("a (( ))", "empty brackets"),
            ("from:()", "from:() is empty"),
            ("subject:( )", "subject:() is empty"),
            ("from:\"\"", "from: needs a value"),
            ("-", "'-' must be followed"),
            ("(-)", "'-' must be followed"),
            ("{-}", "'-' must be followed"),
            ("- OR a", "'-' must be followed"),
            ("OR", "OR needs a term"),
            ("{OR}", "OR needs a term"),
            ("}", "no opening one"),
            ("{a )", "closing bracket stands where a term should be"),
        ] {
            let e = err(q);
            assert!(e.contains(msg), "{q}: {e}");
        }
        // One-item groups are that item, not a group of one.
        assert_eq!(p("{a}"), Query::Word("a".into()));
        assert_eq!(p("from:(ada)"), Query::Field(Field::From, "ada".into()));
    }

    #[test]
    fn every_error_names_a_fix() {
        // Each message says what to change, not only that something failed.
        for q in ["a)", "(a", "{a", "\"a", "from:(a", "from:(-a)", "x:y:z (a"] {
            let e = err(q);
            assert!(
                ["add", "remove", "put", "take out", "close", "use"]
                    .iter()
                    .any(|w| e.contains(w)),
                "{q}: {e}"
            );
        }
    }
}
