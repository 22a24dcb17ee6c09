//! Shared pieces of the property/fuzz tests (`tests/fuzz_*.rs`): case counts, the real-world
//! mail corpus and its mutations, and a check that HTML holds nothing that can run.
//! Included with `#[path]` by the fuzz tests only, so other tests do not compile it.

#![allow(dead_code)]

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;

/// `default` cases (chosen so that every fuzz test together runs in about a minute in a debug
/// build), or `PROPTEST_CASES` when set. Failures are not written to proptest-regressions
/// files: each crash found becomes a named regression test instead.
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_time: 60_000,
        ..ProptestConfig::default()
    }
}

/// CPython's email test corpus (Debian `libpython3.11-testsuite`, installed by
/// `scripts/setup.sh test`): real mail with nested and malformed multiparts, missing
/// boundaries, RFC 2047 everywhere, odd charsets, uuencode.
pub const CPYTHON_CORPUS: &str = "/usr/lib/python3.11/test/test_email/data";

pub fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files: Vec<_> = std::fs::read_dir(CPYTHON_CORPUS)
            .unwrap_or_else(|e| {
                panic!("{CPYTHON_CORPUS}: {e}; run scripts/setup.sh test (apt libpython3.11-testsuite)")
            })
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("msg_"))
            .collect();
        files.sort();
        assert!(files.len() >= 40, "{files:?}");
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    })
}

/// One change to a message's bytes, positions chosen relative to its length at that moment.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// A download cut off.
    Truncate(Index),
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    /// A piece of another corpus message pasted in.
    Splice {
        other: Index,
        from: Index,
        len: usize,
        at: Index,
    },
    /// A piece of itself repeated (headers twice, a boundary line twice).
    Repeat(Index, usize),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::Truncate),
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<Index>(), prop::sample::select(b"\0\r\n:;=\"<>-\t \x80\xff".to_vec()))
            .prop_map(|(i, b)| Mutation::SetByte(i, b)),
        2 => (any::<Index>(), prop_oneof![
                prop::collection::vec(any::<u8>(), 1..16),
                prop::sample::select(vec![
                    b"\r\n\r\n".to_vec(),
                    b"\n--".to_vec(),
                    b"=?utf-8?B?".to_vec(),
                    b"=?iso-2022-jp?Q?=1B=24B?=".to_vec(),
                    b"\nContent-Type: multipart/mixed; boundary=\"\"\n".to_vec(),
                    b"\nContent-Transfer-Encoding: base64\n".to_vec(),
                    b"\nContent-Type: text/html; charset=utf-7\n\n<script>alert(1)</script>".to_vec(),
                    b"<img src=javascript:alert(1) onerror=alert(2)>".to_vec(),
                    b"begin 644 x\n".to_vec(),
                ]),
            ]).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<Index>(), 1usize..512).prop_map(|(i, n)| Mutation::Delete(i, n)),
        2 => (any::<Index>(), any::<Index>(), 1usize..2048, any::<Index>())
            .prop_map(|(other, from, len, at)| Mutation::Splice { other, from, len, at }),
        1 => (any::<Index>(), 1usize..256).prop_map(|(i, n)| Mutation::Repeat(i, n)),
    ]
}

pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match m {
        Mutation::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        Mutation::FlipBit(i, b) if !bytes.is_empty() => {
            let p = i.index(bytes.len());
            bytes[p] ^= 1 << b;
        }
        Mutation::SetByte(i, v) if !bytes.is_empty() => {
            let p = i.index(bytes.len());
            bytes[p] = *v;
        }
        Mutation::FlipBit(..) | Mutation::SetByte(..) => {}
        Mutation::Insert(i, b) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, b.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let p = at(i, bytes.len());
            let end = p.saturating_add(*n).min(bytes.len());
            bytes.drain(p..end);
        }
        Mutation::Splice {
            other,
            from,
            len,
            at: to,
        } => {
            let c = corpus();
            let src = &c[other.index(c.len())];
            let f = at(from, src.len());
            let piece = &src[f..f.saturating_add(*len).min(src.len())];
            let p = at(to, bytes.len());
            bytes.splice(p..p, piece.iter().copied());
        }
        Mutation::Repeat(i, n) => {
            let p = at(i, bytes.len());
            let piece = bytes[p..p.saturating_add(*n).min(bytes.len())].to_vec();
            bytes.splice(p..p, piece);
        }
    }
}

/// A corpus message with up to `max` mutations applied.
pub fn mutated_message(max: usize) -> impl Strategy<Value = Vec<u8>> {
    (any::<Index>(), prop::collection::vec(mutation(), 0..=max)).prop_map(|(i, ms)| {
        let c = corpus();
        let mut bytes = c[i.index(c.len())].clone();
        for m in &ms {
            apply(&mut bytes, m);
        }
        bytes
    })
}

/// Decodes the character references that browsers decode in attribute values, enough to see
/// through `jav&#x61;script:`.
fn decode_attr(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match name {
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "colon" => Some(':'),
                    "Tab" => Some('\t'),
                    "NewLine" => Some('\n'),
                    _ => None,
                }
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &rest[n..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first thing in serialised HTML (text escaped, attribute values quoted, as html5ever
/// and pulldown-cmark write it) that could run script: a script-like element, an `on…`
/// attribute, or a URL attribute whose scheme is not in `schemes`. Relative URLs pass.
pub fn active_content(html: &str, schemes: &[&str]) -> Option<String> {
    if html.to_ascii_lowercase().contains("<script") {
        return Some("<script".into());
    }
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if i < b.len() && matches!(b[i], b'/' | b'!' | b'?') {
            while i < b.len() && b[i] != b'>' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b':') {
            i += 1;
        }
        let tag = html[start..i].to_ascii_lowercase();
        if matches!(
            tag.as_str(),
            "script"
                | "iframe"
                | "frame"
                | "object"
                | "embed"
                | "applet"
                | "base"
                | "meta"
                | "link"
                | "form"
                | "svg"
                | "math"
                | "style"
        ) {
            return Some(format!("<{tag}>"));
        }
        // Attributes up to the end of the tag.
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let ns = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = html[ns..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i += 1;
                    let vs = i;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    value = html[vs..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[vs..i].to_string();
                }
            }
            if name.starts_with("on") {
                return Some(format!("<{tag} {name}=…>"));
            }
            if matches!(
                name.as_str(),
                "href"
                    | "src"
                    | "action"
                    | "formaction"
                    | "xlink:href"
                    | "background"
                    | "poster"
                    | "srcset"
                    | "data"
                    | "lowsrc"
                    | "dynsrc"
            ) {
                let url: String = decode_attr(&value)
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme_end = url.find(':');
                let path_start = url.find(['/', '?', '#']);
                if let Some(e) = scheme_end.filter(|&e| path_start.is_none_or(|p| e < p)) {
                    if !schemes.contains(&&url[..e]) {
                        return Some(format!("<{tag} {name}={value:?}>"));
                    }
                }
            }
        }
    }
    None
}

#[test]
fn the_html_check_sees_what_can_run() {
    let web = ["http", "https", "mailto", "cid"];
    for bad in [
        "<p><script>x</script></p>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x61;script&colon;alert(1)\">x</a>",
        "<a href=\" JAVA\tSCRIPT:alert(1)\">x</a>",
        "<img src=\"data:text/html,x\">",
        "<img src=x onerror=alert(1)>",
        "<div><svg></svg></div>",
    ] {
        assert!(active_content(bad, &web).is_some(), "{bad}");
    }
    for good in [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; onclick=x javascript:alert(1)</p>",
        "<a href=\"https://example.com/?a=javascript:x\" title=\"javascript:\">x</a>",
        "<a href=\"\">x</a><img src=\"cid:part1\" alt=\"onerror=\"><a href=\"/relative:x\">y</a>",
    ] {
        assert_eq!(active_content(good, &web), None, "{good}");
    }
}
