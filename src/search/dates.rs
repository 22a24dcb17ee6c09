//! The values of before:/after: (calendar dates) and older_than:/newer_than: (ages), checked
//! so that no number typed can overflow.

use super::ParseError;

pub(super) const DAY_MS: i64 = 86_400_000;

/// Years before:/after: accept: Gmail has no mail before 1970, and four digits end at 9999.
const YEARS: std::ops::RangeInclusive<i64> = 1970..=9999;

/// The oldest age older_than:/newer_than: accept, in days (9999 years).
pub(super) const MAX_AGE_DAYS: i64 = 9999 * 365;

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
pub(super) fn parse_date(op: &str, v: &str, utc_offset_secs: i64) -> Result<i64, ParseError> {
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
pub(super) fn parse_age(op: &str, v: &str) -> Result<i64, ParseError> {
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
