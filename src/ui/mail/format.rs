//! How dates, sizes and people are written in the mail views (the user's time zone).

use chrono::{DateTime, Datelike, Local, TimeZone};

fn local(ms: i64) -> Option<DateTime<Local>> {
    Local.timestamp_millis_opt(ms).single()
}

/// "14:32" today, "27 Nov" this year, "27 Nov 2024" before.
pub fn short_date(ms: i64) -> String {
    let Some(d) = local(ms) else {
        return String::new();
    };
    let now = Local::now();
    if d.date_naive() == now.date_naive() {
        d.format("%H:%M").to_string()
    } else if d.year() == now.year() {
        d.format("%-d %b").to_string()
    } else {
        d.format("%-d %b %Y").to_string()
    }
}

/// "Fri 27 Nov 2026, 14:32".
pub fn long_date(ms: i64) -> String {
    local(ms)
        .map(|d| d.format("%a %-d %b %Y, %H:%M").to_string())
        .unwrap_or_default()
}

pub fn unix_time(secs: i64) -> String {
    short_date(secs.saturating_mul(1000))
}

pub fn size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// The display name in "Name <addr>", or the address.
pub fn person(from: &str) -> String {
    crate::model::display_name(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_and_sizes() {
        assert_eq!(person("\"Ada L.\" <ada@example.com>"), "Ada L.");
        assert_eq!(person("<bob@example.com>"), "bob@example.com");
        assert_eq!(
            person("carol@example.com, dan@example.com"),
            "carol@example.com"
        );
        assert_eq!(
            person("\"Lovelace, Ada\" <ada@example.com>"),
            "Lovelace, Ada"
        );
        assert_eq!(person("Ada"), "Ada");
        assert_eq!(person(""), "");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(2048), "2 KB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }
}
