//! Splitting long text (a mail thread) into pieces that fit a model's context.

/// Pieces of at most `max_chars` characters, cut at a paragraph break, else a line break, else
/// a sentence end, else a space, else anywhere: nothing is lost, nothing repeated.
pub fn chunks(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if rest.chars().count() <= max_chars {
            out.push(rest.to_string());
            break;
        }
        let limit = rest
            .char_indices()
            .nth(max_chars)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let window = &rest[..limit];
        let cut = ["\n\n", "\n", ". ", " "]
            .iter()
            .find_map(|sep| {
                window
                    .rfind(sep)
                    .filter(|&i| i > limit / 3)
                    .map(|i| i + sep.len())
            })
            .unwrap_or(limit);
        out.push(rest[..cut].trim().to_string());
        rest = rest[cut..].trim_start();
    }
    out.retain(|c| !c.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn nothing_lost_and_every_piece_fits() {
        let para = "Sentence one is here. Sentence two follows it. ".repeat(20);
        let text = format!(
            "{para}\n\n{para}\n\nÄußerst lange Wörter ohne Ende {}",
            "x".repeat(500)
        );
        for max in [40, 100, 333, 10_000] {
            let c = chunks(&text, max);
            assert!(c.iter().all(|p| p.chars().count() <= max), "{max}");
            let joined: String = c.concat().split_whitespace().collect();
            let original: String = text.split_whitespace().collect();
            assert_eq!(joined, original, "{max}");
        }
        assert_eq!(chunks("short", 100), ["short"]);
        assert!(chunks("   ", 10).is_empty());
        // Prefers paragraph breaks.
        let c = chunks("aaaa aaaa\n\nbbbb bbbb", 12);
        assert_eq!(c, ["aaaa aaaa", "bbbb bbbb"]);
    }
}
