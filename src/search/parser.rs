//! The recursive-descent parser from tokens to a [`Query`], with Gmail's precedence (implicit
//! AND binds looser than OR) and the nesting limit.

use super::dates::{parse_age, parse_date};
use super::lex::{lex, Tok};
use super::{Clock, Field, Flag, ParseError, Query, MAX_LEN, MAX_NESTING, MAX_TREE_DEPTH};

fn unquote(v: &str) -> String {
    v.trim_matches('"').to_string()
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
