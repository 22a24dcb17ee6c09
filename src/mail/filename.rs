//! File names for attachments saved to disk. A name comes from the sender, so it is made
//! safe on every platform we build for before it reaches the file system.

/// Longest name produced, in bytes (file systems allow 255; this leaves room for " (n)").
pub const MAX_NAME_BYTES: usize = 200;
/// The name used when nothing usable is left of the sender's.
pub const FALLBACK_NAME: &str = "attachment";
/// An extension longer than this (in bytes) is not kept apart when a name is shortened.
const MAX_EXTENSION_BYTES: usize = 16;

/// A single path component safe to create in the downloads folder:
/// - no path separators or characters Windows refuses (`/ \ : * ? " < > |`): each becomes `_`;
/// - no control characters (each becomes `_`), and no invisible Unicode format characters
///   (bidi overrides and isolates, marks, zero-width characters, BOM, …), which are removed
///   so `evil\u{202E}fdp.exe` cannot pose as `evilexe.pdf`;
/// - white space runs collapsed to one space (no extension pushed out of sight);
/// - no leading dots (no hidden files, no `.`/`..`), no leading or trailing white space, no
///   trailing dots (Windows drops them);
/// - not a Windows device name (`CON`, `NUL`, `COM1`, `LPT¹`, … with any extension, any
///   case): those get a `_` prefix;
/// - at most [`MAX_NAME_BYTES`] bytes, cut on a character boundary, keeping the extension;
/// - never empty ([`FALLBACK_NAME`]).
pub fn safe_file_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|&c| !is_invisible_format(c))
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\u{2028}' | '\u{2029}'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Runs of spaces hide an extension past the edge of a file dialog
    // (`invoice.pdf<40 spaces>.exe`): one space is enough between words.
    let mut collapsed = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if !(c == ' ' && collapsed.ends_with(' ')) {
            collapsed.push(c);
        }
    }
    s = collapsed
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    shorten(&mut s, MAX_NAME_BYTES);
    if s.is_empty() {
        s = FALLBACK_NAME.to_string();
    }
    if is_windows_device_name(&s) {
        s.insert(0, '_');
        shorten(&mut s, MAX_NAME_BYTES);
    }
    s
}

/// `stem (n).ext` for the `n`th alternative to `name` (a name from [`safe_file_name`]).
pub fn numbered_file_name(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

/// Unicode format characters that change how a name is displayed without being seen:
/// bidi marks, embeddings, overrides and isolates, zero-width characters, the BOM, and
/// the other invisible ones (soft hyphen, word joiner, invisible operators, tags, …).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Windows opens a device, not a file, for these base names, whatever the extension.
fn is_windows_device_name(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or(name).trim_end();
    let upper = base.to_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => ["COM", "LPT"].iter().any(|dev| {
            upper.strip_prefix(dev).is_some_and(|n| {
                matches!(
                    n,
                    "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
                )
            })
        }),
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary, keeping a short extension, and
/// drops trailing dots and white space (Windows drops them, and a cut can expose them).
fn shorten(s: &mut String, max: usize) {
    if s.len() > max {
        let ext = match s.rfind('.') {
            Some(i) if i > 0 && s.len() - i <= MAX_EXTENSION_BYTES + 1 => s[i..].to_string(),
            _ => String::new(),
        };
        let mut cut = max - ext.len();
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        trim_trailing(s);
        s.push_str(&ext);
    }
    trim_trailing(s);
}

fn trim_trailing(s: &mut String) {
    let end = s
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .len();
    s.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn separators_and_dots_are_neutralised() {
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("..\\..\\boot.ini"), "_.._boot.ini");
        assert_eq!(safe_file_name("C:report.pdf"), "C_report.pdf");
        assert_eq!(safe_file_name("a<b>c|d?e*f\"g.txt"), "a_b_c_d_e_f_g.txt");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("report.pdf. . "), "report.pdf");
        assert_eq!(safe_file_name(".."), FALLBACK_NAME);
        assert_eq!(safe_file_name("  "), FALLBACK_NAME);
        assert_eq!(safe_file_name(""), FALLBACK_NAME);
        assert_eq!(safe_file_name("Résumé 2026.pdf"), "Résumé 2026.pdf");
    }

    #[test]
    fn padding_cannot_push_an_extension_out_of_sight() {
        let padded = format!("invoice.pdf{}.exe", " ".repeat(40));
        assert_eq!(safe_file_name(&padded), "invoice.pdf .exe");
        assert_eq!(safe_file_name("a\u{3000}\u{3000}\u{a0}b"), "a b");
        assert_eq!(safe_file_name("COM0.txt"), "_COM0.txt");
        assert_eq!(safe_file_name("lpt0"), "_lpt0");
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        assert_eq!(safe_file_name("line\nbreak\t.txt"), "line_break_.txt");
        assert_eq!(safe_file_name("a\u{0}b\u{7f}c\u{85}d"), "a_b_c_d");
        // With a right-to-left override before "fdp", "invoice\u{202E}fdp.exe" shows as
        // "invoiceexe.pdf".
        assert_eq!(safe_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}',
            '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{061C}',
            '\u{FEFF}',
        ] {
            assert_eq!(safe_file_name(&format!("{c}a{c}.pdf{c}")), "a.pdf", "{c:?}");
        }
        assert_eq!(safe_file_name("\u{202E}\u{200B}"), FALLBACK_NAME);
    }

    #[test]
    fn windows_device_names_are_prefixed() {
        for name in [
            "CON",
            "con",
            "Prn.txt",
            "aux.tar.gz",
            "NUL",
            "com1",
            "COM9.log",
            "lpt1",
            "LPT9.x",
            "COM¹",
            "lpt³.txt",
            "CONIN$",
            "con .txt",
            "nul.",
            // Microsoft's list of reserved names includes COM0 and LPT0.
            "COM0",
            "lpt0.txt",
        ] {
            let safe = safe_file_name(name);
            assert!(safe.starts_with('_'), "{name} -> {safe}");
            assert!(!is_windows_device_name(&safe), "{name} -> {safe}");
        }
        for name in ["COM10", "LPT", "console.txt", "nully", "auxiliary.pdf"] {
            assert_eq!(safe_file_name(name), name);
        }
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let safe = safe_file_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with("é.pdf"), "{safe}");
        let plain = "x".repeat(500);
        assert_eq!(safe_file_name(&plain).len(), MAX_NAME_BYTES);
        // Trailing spaces are trimmed, and what is left is still checked for a device name;
        // spaces inside collapse, so the padding no longer reaches the cut.
        let tricky = format!("CON{}", " ".repeat(400));
        assert_eq!(safe_file_name(&tricky), "_CON");
        assert_eq!(safe_file_name(&format!("CON{}x", " ".repeat(400))), "CON x");
        // A long "extension" is just part of the name.
        let ext = format!("a.{}", "b".repeat(300));
        assert_eq!(safe_file_name(&ext).len(), MAX_NAME_BYTES);
        // A device name cut to the limit still gets its prefix within the limit.
        let dev = format!("con.{}", "b".repeat(300));
        assert_eq!(safe_file_name(&dev), format!("_con.{}", "b".repeat(195)));
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered_file_name("a.pdf", 1), "a (1).pdf");
        assert_eq!(numbered_file_name("a.tar.gz", 2), "a.tar (2).gz");
        assert_eq!(numbered_file_name("README", 3), "README (3)");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn any_name_is_safe(name in prop_oneof![
            any::<String>(),
            "[./\\\\: a-zA-Z\u{202E}\u{200B}\u{FEFF}\u{0}\n]{0,12}",
            "(con|CON|nul|Com1|lpt9|aux|prn)(\\.[a-z ]{0,4}){0,2}[ .]{0,3}",
            "[a-zé ]{150,260}(\\.[a-z]{1,20})?",
        ]) {
            let safe = safe_file_name(&name);
            prop_assert!(!safe.is_empty());
            prop_assert!(safe.len() <= MAX_NAME_BYTES, "{} bytes", safe.len());
            prop_assert!(!safe.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']), "{safe:?}");
            prop_assert!(!safe.chars().any(|c| c.is_control() || is_invisible_format(c)), "{safe:?}");
            prop_assert!(!is_windows_device_name(&safe), "{safe:?}");
            prop_assert!(!safe.starts_with('.') && safe != "." && safe != "..", "{safe:?}");
            prop_assert!(!safe.ends_with(['.', ' ']), "{safe:?}");
            prop_assert_eq!(safe_file_name(&safe), safe.clone(), "idempotent");
            let n = numbered_file_name(&safe, 999);
            prop_assert!(n.len() <= 255 && !n.contains(['/', '\\']));
        }
    }
}
