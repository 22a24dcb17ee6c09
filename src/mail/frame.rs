//! A stored HTML body made ready for the reader's sandboxed frame (`<iframe srcdoc>`).
//!
//! The body is parsed again by ammonia with the same policy as when it was stored, and every
//! image decision is made on the parsed `<img src>` attribute (ammonia's attribute filter),
//! never by searching the markup as text:
//! - `cid:` becomes a `data:image/<type>;base64,…` URL when the message has that inline part
//!   and its type is one of [`INLINE_IMAGE_TYPES`]; otherwise the source is dropped and the
//!   image counted as missing;
//! - `http:`, `https:` and scheme-relative (`//host/…`) sources stay only when remote images
//!   are allowed; otherwise they are dropped and counted in `blocked_images`;
//! - any other source is dropped.
//!
//! The serialised result then has `"`, `'` and `=` in text (and `=` in attribute values) written
//! as character references, so text that looks like markup (`src="https://…`, `onerror=`) is
//! shown as text and cannot be mistaken for an attribute by anything that reads the frame.
//! A Content-Security-Policy in the frame enforces the same image rule a second time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine;

use super::sanitize;
use crate::model::HtmlBody;

/// Image types inlined from `cid:` parts (lower-case subtypes of `image/`), each with the type
/// written into the `data:` URL. Raster formats only: `image/svg+xml` is refused because an
/// SVG document can carry script, event handlers and references to other resources, and
/// whether a browser neutralises those depends on how the image is later opened (in an
/// `<img>`, or as a document when the user opens or saves it); a raster image is only pixels.
pub const INLINE_IMAGE_TYPES: &[(&str, &str)] = &[
    ("png", "png"),
    ("apng", "apng"),
    ("jpeg", "jpeg"),
    ("jpg", "jpeg"),
    ("pjpeg", "jpeg"),
    ("gif", "gif"),
    ("webp", "webp"),
    ("avif", "avif"),
    ("bmp", "bmp"),
    ("x-icon", "x-icon"),
    ("vnd.microsoft.icon", "vnd.microsoft.icon"),
];

/// A framed body and what was left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Framed {
    pub body: HtmlBody,
    /// `cid:` images with no usable inline part (absent, or not an allowed image type).
    pub missing_inline: usize,
}

/// See [`frame`]; only the body.
pub fn frame_html(
    html: &str,
    inline: &HashMap<String, (String, Vec<u8>)>,
    show_remote: bool,
    links_in_new_tab: bool,
) -> HtmlBody {
    frame(html, inline, show_remote, links_in_new_tab).body
}

/// Wraps an HTML body (any text: it is sanitised again here) for a sandboxed frame: inline
/// images from `inline` (content id without `<>` → (MIME type, bytes)), remote images only
/// when `show_remote`, and a Content-Security-Policy that enforces the same in the frame.
pub fn frame(
    html: &str,
    inline: &HashMap<String, (String, Vec<u8>)>,
    show_remote: bool,
    links_in_new_tab: bool,
) -> Framed {
    let images = Arc::new(inline_images(inline));
    let blocked = Arc::new(AtomicUsize::new(0));
    let missing = Arc::new(AtomicUsize::new(0));
    let mut builder = sanitize::policy();
    {
        let (images, blocked, missing) = (images.clone(), blocked.clone(), missing.clone());
        builder.attribute_filter(move |element, attribute, value| {
            if !sanitize::keeps_attribute(element, attribute, value) {
                return None;
            }
            if !(element == "img" && attribute == "src") {
                return Some(value.into());
            }
            match image_source(value) {
                Source::Inline(key) => match lookup(&images, &key) {
                    Some(url) => Some(Cow::Owned(url.to_string())),
                    None => {
                        missing.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                },
                Source::Remote(url) if show_remote => Some(url),
                Source::Remote(_) => {
                    blocked.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Source::Other => None,
            }
        });
    }
    let cleaned = builder.clean(html).to_string();
    let body = escape_lookalikes(&cleaned);
    let img_src = if show_remote {
        "data: https: http:"
    } else {
        "data:"
    };
    let base = if links_in_new_tab {
        "<base target=\"_blank\">"
    } else {
        ""
    };
    let srcdoc = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src {img_src}; style-src 'unsafe-inline'\">\
         {base}<style>html{{color-scheme:light}}body{{margin:0;padding:12px 16px;font:14px/1.55 system-ui,sans-serif;color:#1d1f24;background:#fff;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}a{{color:#3559d6}}table{{max-width:100%}}blockquote{{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #ccc;color:#555}}</style>\
         </head><body>{body}</body></html>"
    );
    Framed {
        body: HtmlBody {
            srcdoc,
            blocked_images: blocked.load(Ordering::Relaxed),
            images_shown: show_remote,
        },
        missing_inline: missing.load(Ordering::Relaxed),
    }
}

/// The `data:` URL for each usable inline part, by normalised content id.
fn inline_images(inline: &HashMap<String, (String, Vec<u8>)>) -> HashMap<String, String> {
    inline
        .iter()
        .filter_map(|(cid, (mime, data))| {
            let subtype = inline_image_type(mime)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(data);
            Some((cid_key(cid), format!("data:image/{subtype};base64,{b64}")))
        })
        .collect()
}

/// The `data:` URL subtype for an inline part's MIME type, if it is an allowed image type.
/// The whole value must be `image/<subtype>` (no parameters, nothing else), and what is
/// written into the URL comes from [`INLINE_IMAGE_TYPES`], never from the message.
pub fn inline_image_type(mime: &str) -> Option<&'static str> {
    let (kind, subtype) = mime.trim().split_once('/')?;
    if !kind.eq_ignore_ascii_case("image") {
        return None;
    }
    INLINE_IMAGE_TYPES
        .iter()
        .find(|(name, _)| subtype.eq_ignore_ascii_case(name))
        .map(|(_, canonical)| *canonical)
}

fn cid_key(cid: &str) -> String {
    cid.trim().trim_matches(['<', '>']).trim().to_lowercase()
}

fn lookup<'a>(images: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    images
        .get(key)
        .or_else(|| images.get(&percent_decode(key)?))
        .map(String::as_str)
}

/// RFC 2392 writes a content id URL-encoded (`cid:part1%40example`).
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(|s| s.to_lowercase())
}

enum Source<'u> {
    /// A normalised content id.
    Inline(String),
    /// The URL to use when remote images are shown.
    Remote(Cow<'u, str>),
    Other,
}

/// What an `<img src>` value (as parsed, entities decoded) points at.
fn image_source(value: &str) -> Source<'_> {
    // Browsers strip leading and trailing ASCII whitespace from URLs.
    let v = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let has_scheme = |scheme: &str| {
        v.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    };
    if has_scheme("cid:") {
        return Source::Inline(cid_key(&v[4..]));
    }
    if has_scheme("http:") || has_scheme("https:") {
        if ammonia::Url::parse(v).is_ok_and(|u| on_this_network(&u)) {
            return Source::Other;
        }
        return Source::Remote(Cow::Borrowed(value));
    }
    // `//host/path` (or with backslashes, which browsers read the same) fetches from
    // `host` with the page's scheme: a remote image too.
    let mut chars = v.chars();
    if let (Some('/' | '\\'), Some('/' | '\\')) = (chars.next(), chars.next()) {
        if let Ok(url) = ammonia::Url::parse(&format!("https://{}", chars.as_str())) {
            if url.host().is_some() && !on_this_network(&url) {
                return Source::Remote(Cow::Owned(url.into()));
            }
        }
    }
    Source::Other
}

/// A mail's image must never make the reader's machine call its own router, printer or local
/// services (`http://192.168.1.1/reboot`): loopback, private and link-local hosts are dropped,
/// even once remote images are allowed.
fn on_this_network(url: &ammonia::Url) -> bool {
    let local_v4 = |ip: std::net::Ipv4Addr| {
        ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast()
            // 100.64/10: carrier-grade NAT, often a VPN's own network.
            || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
    };
    match url.host() {
        Some(ammonia::url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local")
        }
        Some(ammonia::url::Host::Ipv4(ip)) => local_v4(ip),
        Some(ammonia::url::Host::Ipv6(ip)) => {
            let seg = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || ip.to_ipv4_mapped().is_some_and(local_v4)
        }
        None => false,
    }
}

/// Writes `"`, `'` and `=` in text, and `=` in attribute values, as character references.
///
/// `html` is ammonia's serialisation, which is canonical: every `<` in text is written `&lt;`,
/// so a `<` starts a tag; attribute values are always double-quoted with `"`, `<` and `>`
/// inside them escaped; comments and raw-text elements (`script`, `style`, …) are gone. Our
/// own `data:` image URLs keep their `=` (base64 padding) as they are.
fn escape_lookalikes(html: &str) -> String {
    enum State {
        Text,
        Tag,
        Value { raw: bool },
    }
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut state = State::Text;
    // The current attribute's name and `=`, while in a tag.
    let mut name = String::new();
    for (i, c) in html.char_indices() {
        match state {
            State::Text => match c {
                '<' => {
                    out.push(c);
                    name.clear();
                    state = State::Tag;
                }
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '=' => out.push_str("&#61;"),
                _ => out.push(c),
            },
            State::Tag => {
                out.push(c);
                match c {
                    '>' => state = State::Text,
                    '"' => {
                        let raw = name == "src=" && html[i + 1..].starts_with("data:image/");
                        state = State::Value { raw };
                    }
                    c if c.is_ascii_whitespace() || c == '/' => name.clear(),
                    c => name.push(c),
                }
            }
            State::Value { raw } => match c {
                '"' => {
                    out.push(c);
                    name.clear();
                    state = State::Tag;
                }
                '=' if !raw => out.push_str("&#61;"),
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
