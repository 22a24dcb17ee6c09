//! Turns typed text into tokens: brackets, braces, OR, `-`, "phrases" and words (which may be
//! `op:value`, with the value quoted).

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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

pub(super) fn lex(input: &str) -> Result<Vec<Tok>, ParseError> {
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
