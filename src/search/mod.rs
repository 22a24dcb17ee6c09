//! Gmail's search language, parsed into a tree the local store can answer offline.
//!
//! Supported: words, "exact phrases", `-negation`, `OR` (and `{a b}`), parentheses, and the
//! operators from:, to:, cc:, subject:, label:, in:, is:unread/read/starred/important,
//! has:attachment, filename:, before:/after: (YYYY/MM/DD), older_than:/newer_than: (Nd, Nm, Ny).

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

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
                        None => return Err(ParseError("a quote is not closed".into())),
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
                                None => return Err(ParseError("a quote is not closed".into())),
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

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY/MM/DD` (or with `-`) at local midnight, given the local offset.
fn parse_date(v: &str, utc_offset_secs: i64) -> Option<i64> {
    let parts: Vec<&str> = v.split(['/', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS - utc_offset_secs * 1000)
}

fn parse_age(v: &str) -> Option<i64> {
    let (n, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: i64 = n.parse().ok()?;
    let days = match unit {
        "d" => n,
        "m" => n * 30,
        "y" => n * 365,
        _ => return None,
    };
    Some(days * DAY_MS)
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
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    /// Implicit AND of OR-groups: in Gmail `a b OR c` means `a AND (b OR c)`.
    fn and_expr(&mut self, close: Option<Tok>) -> Result<Query, ParseError> {
        let mut items = Vec::new();
        while let Some(t) = self.peek() {
            if Some(t) == close.as_ref() {
                break;
            }
            if matches!(t, Tok::RParen | Tok::RBrace) {
                return Err(ParseError("a closing bracket has no opening one".into()));
            }
            if *t == Tok::Or {
                return Err(ParseError("OR needs a term on both sides".into()));
            }
            items.push(self.or_expr()?);
        }
        if items.is_empty() {
            return Err(ParseError("empty brackets".into()));
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Query::And(items)
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
            alts.pop().unwrap()
        } else {
            Query::Or(alts)
        })
    }

    fn unary(&mut self) -> Result<Query, ParseError> {
        let tok = self.toks[self.pos].clone();
        self.pos += 1;
        match tok {
            Tok::Minus => {
                if self.peek().is_none() {
                    return Err(ParseError(
                        "'-' must be followed by what to leave out".into(),
                    ));
                }
                Ok(Query::Not(Box::new(self.unary()?)))
            }
            Tok::LParen => {
                let q = self.and_expr(Some(Tok::RParen))?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(ParseError("a bracket is not closed".into()));
                }
                self.pos += 1;
                Ok(q)
            }
            Tok::LBrace => {
                let mut alts = Vec::new();
                while let Some(t) = self.peek() {
                    if *t == Tok::RBrace {
                        break;
                    }
                    alts.push(self.unary()?);
                }
                if self.peek() != Some(&Tok::RBrace) {
                    return Err(ParseError("a brace is not closed".into()));
                }
                self.pos += 1;
                Ok(Query::Or(alts))
            }
            Tok::Phrase(p) => Ok(Query::Phrase(p)),
            Tok::Word(w) => self.word(&w),
            Tok::Or | Tok::RParen | Tok::RBrace => {
                Err(ParseError("unexpected OR or bracket".into()))
            }
        }
    }

    /// `op:(a b)` applies the operator to each term of the group.
    fn group_values(&mut self) -> Result<Vec<String>, ParseError> {
        let mut vals = Vec::new();
        while let Some(t) = self.peek().cloned() {
            self.pos += 1;
            match t {
                Tok::RParen => return Ok(vals),
                Tok::Word(w) => vals.push(w),
                Tok::Phrase(p) => vals.push(p),
                _ => {
                    return Err(ParseError(
                        "only words may stand in an operator's brackets".into(),
                    ))
                }
            }
        }
        Err(ParseError("a bracket is not closed".into()))
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
            let vals = self.group_values()?;
            let items = vals
                .iter()
                .map(|v| self.operator(&op, v))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Query::And(items));
        }
        if value.is_empty() {
            return Err(ParseError(format!("{op}: needs a value")));
        }
        self.operator(&op, &unquote(value))
    }

    fn operator(&self, op: &str, v: &str) -> Result<Query, ParseError> {
        let bad = |what: &str| ParseError(format!("{op}:{v} is not {what}"));
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
            "before" => Query::Before(
                parse_date(v, self.clock.utc_offset_secs)
                    .ok_or_else(|| bad("a date like 2024/01/31"))?,
            ),
            "after" => Query::After(
                parse_date(v, self.clock.utc_offset_secs)
                    .ok_or_else(|| bad("a date like 2024/01/31"))?,
            ),
            "older_than" => Query::Before(
                self.clock.now_ms - parse_age(v).ok_or_else(|| bad("an age like 7d, 2m or 1y"))?,
            ),
            "newer_than" => Query::After(
                self.clock.now_ms - parse_age(v).ok_or_else(|| bad("an age like 7d, 2m or 1y"))?,
            ),
            _ => unreachable!("checked in word()"),
        })
    }
}

pub fn parse(input: &str, clock: Clock) -> Result<Query, ParseError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Ok(Query::All);
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        clock,
    };
    let q = p.and_expr(None)?;
    if p.pos != toks.len() {
        return Err(ParseError("a closing bracket has no opening one".into()));
    }
    Ok(q)
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
}
