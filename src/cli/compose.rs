//! `libreollama mail send|outbox|drafts|snooze|snoozed`: writing mail from the terminal through
//! the same drafts and durable outbox as the app.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::TimeZone;
use clap::Args;

use crate::error::LibreOllamaError;
use crate::model::{ComposeKind, DraftEdit, OutboxItem};
use crate::services::AppServices;

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipients ("Ada <ada@example.com>, bob@example.com")
    #[arg(long)]
    pub to: String,
    #[arg(long, default_value = "")]
    pub cc: String,
    #[arg(long, default_value = "")]
    pub bcc: String,
    #[arg(long, default_value = "")]
    pub subject: String,
    /// The text of the mail (default: read from standard input when it is not a terminal)
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// A file to attach (repeat for more)
    #[arg(long)]
    pub attach: Vec<PathBuf>,
    /// Send later: "YYYY-MM-DD HH:MM" (this computer's time zone), RFC 3339, or "+30m" / "+2h" / "+1d"
    #[arg(long)]
    pub at: Option<String>,
    /// The body is Markdown: also sent as HTML
    #[arg(long)]
    pub rich: bool,
    /// Account id or email address (default: the only signed-in one)
    #[arg(long)]
    pub account: Option<String>,
}

/// A time the user typed, as unix ms.
pub fn parse_when(s: &str, now: chrono::DateTime<chrono::Local>) -> Result<i64, LibreOllamaError> {
    let t = s.trim();
    let bad = || {
        LibreOllamaError::InvalidInput(format!(
            "“{t}” is not a time: use \"YYYY-MM-DD HH:MM\", RFC 3339, or +30m / +2h / +1d"
        ))
    };
    if let Some(rest) = t.strip_prefix('+') {
        // The unit is the last character, whatever its width ("+1é" is not split inside "é"),
        // and a count too large for a date is refused rather than overflowing.
        let mut chars = rest.chars();
        let unit_ms: i64 = match chars.next_back() {
            Some('m') => 60_000,
            Some('h') => 3_600_000,
            Some('d') => 86_400_000,
            _ => return Err(bad()),
        };
        let n: i64 = chars.as_str().parse().map_err(|_| bad())?;
        return n
            .checked_mul(unit_ms)
            .and_then(|d| now.timestamp_millis().checked_add(d))
            .filter(|ms| chrono::DateTime::from_timestamp_millis(*ms).is_some())
            .ok_or_else(bad);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_millis());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").map_err(|_| bad())?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|d| d.timestamp_millis())
        .ok_or_else(bad)
}

fn local(ms: i64) -> String {
    chrono::Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

async fn account(
    services: &AppServices,
    given: Option<String>,
) -> Result<String, LibreOllamaError> {
    match given {
        Some(a) => Ok(services.auth.resolve(&a).await?.id),
        None => {
            let all = services.compose.senders().await?;
            match all.as_slice() {
                [one] => Ok(one.clone()),
                [] => Err(LibreOllamaError::InvalidInput(
                    "no signed-in account to send from: add one with `libreollama accounts add`"
                        .into(),
                )),
                _ => Err(LibreOllamaError::InvalidInput(
                    "more than one account: choose one with --account".into(),
                )),
            }
        }
    }
}

pub async fn send(services: Arc<AppServices>, a: SendArgs) -> Result<ExitCode, LibreOllamaError> {
    let acc = account(&services, a.account).await?;
    let at =
        a.at.as_deref()
            .map(|s| parse_when(s, chrono::Local::now()))
            .transpose()?;
    let body = match &a.body_file {
        Some(p) => tokio::fs::read_to_string(p).await.map_err(|e| {
            LibreOllamaError::InvalidInput(format!("{} cannot be read ({e})", p.display()))
        })?,
        None if !std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
            tokio::task::spawn_blocking(|| std::io::read_to_string(std::io::stdin()))
                .await
                .map_err(|e| {
                    LibreOllamaError::Internal(format!("reading standard input failed: {e}"))
                })?
                .map_err(|e| {
                    LibreOllamaError::InvalidInput(format!("standard input cannot be read ({e})"))
                })?
        }
        None => String::new(),
    };
    let compose = &services.compose;
    let d = compose.compose(&acc, ComposeKind::New, None).await?;
    compose
        .save(
            &d.id,
            DraftEdit {
                to: a.to,
                cc: a.cc,
                bcc: a.bcc,
                subject: a.subject,
                body,
                rich: a.rich,
            },
        )
        .await?;
    // Whatever goes wrong from here, what was written stays in the drafts.
    let kept = |e: LibreOllamaError| {
        eprintln!("The mail is kept in your drafts ({}).", d.id);
        e
    };
    for f in &a.attach {
        compose.attach_path(&d.id, f).await.map_err(kept)?;
    }
    if let Some(at) = at {
        let item = compose.send(&d.id, Some(at)).await.map_err(kept)?;
        println!(
            "Scheduled for {} ({}). The app sends it then, or at its next start; so does `libreollama mail outbox --run`.",
            local(item.send_at_ms),
            item.id
        );
        return Ok(ExitCode::SUCCESS);
    }
    // From the terminal there is nothing to undo: it goes now.
    let item = compose.send(&d.id, None).await.map_err(kept)?;
    compose.send_now(&item.id).await?;
    // If another process is sending this account's mail, wait for it: it may send this one.
    let r = compose.process_due_waiting(&acc).await?;
    let item = compose.outbox_item(&item.id).await?;
    print_item(&item);
    Ok(match item.state.as_str() {
        "sent" => ExitCode::SUCCESS,
        _ => {
            if r.waiting > 0 {
                eprintln!("It stays in the outbox and is retried by the app or `libreollama mail outbox --run`.");
            }
            ExitCode::FAILURE
        }
    })
}

fn print_item(i: &OutboxItem) {
    let when = match i.state.as_str() {
        "sent" => format!("sent {}", local(i.sent_at.unwrap_or(0) * 1000)),
        "failed" => format!("refused: {}", i.last_error.clone().unwrap_or_default()),
        "sending" if i.next_try_ms > 0 => format!(
            "retry at {} ({})",
            local(i.next_try_ms),
            i.last_error.clone().unwrap_or_default()
        ),
        "sending" => "sending".into(),
        _ if i.next_try_ms > 0 => format!(
            "retry at {} ({})",
            local(i.next_try_ms),
            i.last_error.clone().unwrap_or_default()
        ),
        _ if i.scheduled => format!("scheduled for {}", local(i.send_at_ms)),
        _ => format!("goes at {}", local(i.send_at_ms)),
    };
    println!("{}  {}  to {}  “{}”", i.id, when, i.to, i.subject);
}

pub async fn outbox(
    services: Arc<AppServices>,
    run: bool,
    json: bool,
) -> Result<ExitCode, LibreOllamaError> {
    if run {
        // What the app does in the background: due mail, woken conversations, drafts to Gmail.
        let r = services.compose.process_due().await?;
        let woke = services.compose.wake_due().await?;
        flush(&services).await;
        eprintln!(
            "Sent {}, found already sent {}, refused {}, waiting {}; {woke} snoozed conversation(s) back in the inbox.",
            r.sent, r.found_sent, r.failed, r.waiting
        );
    }
    let items = services.compose.outbox().await?;
    if json {
        for i in &items {
            println!(
                "{}",
                serde_json::to_string(i).map_err(LibreOllamaError::json)?
            );
        }
    } else if items.is_empty() {
        println!("The outbox is empty.");
    } else {
        for i in &items {
            print_item(i);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal exits when the command ends: label changes (snooze, wake) go to Gmail now
/// rather than in the background; what cannot go stays queued for the app.
async fn flush(services: &AppServices) {
    let accounts = services.compose.senders().await.unwrap_or_default();
    for a in accounts {
        if let Err(e) = services.mail.push_now(&a).await {
            eprintln!("Some changes wait for the next sync: {e}");
        }
    }
}

pub async fn drafts(services: Arc<AppServices>) -> Result<ExitCode, LibreOllamaError> {
    let list = services.compose.drafts(None).await?;
    if list.is_empty() {
        println!("No drafts.");
    }
    for d in list {
        println!(
            "{}  to {}  “{}”{}",
            d.id,
            if d.to.is_empty() {
                "(nobody yet)"
            } else {
                &d.to
            },
            d.subject,
            if d.files.is_empty() {
                String::new()
            } else {
                format!("  ({} attachment(s))", d.files.len())
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn snooze(
    services: Arc<AppServices>,
    thread: String,
    until: String,
    acc: Option<String>,
) -> Result<ExitCode, LibreOllamaError> {
    let acc = account(&services, acc).await?;
    let at = parse_when(&until, chrono::Local::now())?;
    services.compose.snooze(&acc, &thread, at).await?;
    flush(&services).await;
    println!("Snoozed until {}: out of the inbox until then.", local(at));
    Ok(ExitCode::SUCCESS)
}

pub async fn snoozed(services: Arc<AppServices>) -> Result<ExitCode, LibreOllamaError> {
    let list = services.compose.snoozed().await?;
    if list.is_empty() {
        println!("Nothing snoozed.");
    }
    for s in list {
        println!(
            "{}  until {}  “{}”",
            s.thread_id,
            local(s.wake_at_ms),
            s.subject
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_people_type() {
        let now = chrono::Local::now();
        let n = now.timestamp_millis();
        assert_eq!(parse_when("+30m", now).unwrap(), n + 30 * 60_000);
        assert_eq!(parse_when("+2h", now).unwrap(), n + 2 * 3_600_000);
        assert_eq!(
            parse_when("2026-12-01T09:00:00Z", now).unwrap(),
            1_796_115_600_000
        );
        assert!(parse_when("2026-12-01 09:00", now).is_ok());
        for bad in ["tomorrow", "+5x", "2026-13-01 09:00"] {
            assert!(
                parse_when(bad, now)
                    .unwrap_err()
                    .to_string()
                    .contains("is not a time"),
                "{bad}"
            );
        }
    }
    /// Found by `any_typed_time_is_a_time_or_refused`: the unit was cut off by bytes, so a
    /// last character wider than one byte split it and panicked.
    #[test]
    fn a_relative_time_ending_in_a_wide_character_is_refused() {
        let now = chrono::Local::now();
        for bad in ["+1é", "+é", "+5€", "+", "+m", "+\u{10FFFF}"] {
            assert!(
                matches!(parse_when(bad, now), Err(LibreOllamaError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    /// Found by `any_typed_time_is_a_time_or_refused`: "+<huge>d" overflowed i64 (a panic in
    /// debug builds, a time in the past in release builds).
    #[test]
    fn a_relative_time_too_far_away_is_refused() {
        let now = chrono::Local::now();
        for bad in [
            "+9223372036854775807d",
            "+9223372036854775807m",
            "+-9223372036854775808h",
            "+153722867280912931m",
            "+999999999999d",
        ] {
            assert!(
                matches!(parse_when(bad, now), Err(LibreOllamaError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Cases per property, or PROPTEST_CASES (see tests/fuzz_mail.rs for the time budget).
        fn config(default: u32) -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default);
            ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        fn typed() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "\\PC{0,24}",
                (any::<i64>(), "[mhdxé€ ]?").prop_map(|(n, u)| format!("+{n}{u}")),
                (0u64..=99_999_999_999, "[mhd]").prop_map(|(n, u)| format!("+{n}{u}")),
                (0u32..=99_999, 0u32..=99, 0u32..=99, 0u32..=99, 0u32..=99)
                    .prop_map(|(y, mo, d, h, mi)| format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")),
                (
                    0u32..=9999,
                    1u32..=12,
                    1u32..=31,
                    "(Z|[+-][0-9]{2}:[0-9]{2})"
                )
                    .prop_map(|(y, mo, d, z)| format!(
                        "{y:04}-{mo:02}-{d:02}T23:59:60.999999999{z}"
                    )),
            ]
        }

        proptest! {
            #![proptest_config(config(5000))]

            /// Any text typed after --at is a time chrono can show, or InvalidInput; never a
            /// panic or an overflow.
            #[test]
            fn any_typed_time_is_a_time_or_refused(s in typed(), now_ms in -8_000_000_000_000_000i64..8_000_000_000_000_000) {
                let now = chrono::Local.timestamp_millis_opt(now_ms).single().unwrap_or_else(chrono::Local::now);
                match parse_when(&s, now) {
                    Ok(ms) => prop_assert!(chrono::DateTime::from_timestamp_millis(ms).is_some(), "{s:?} -> {ms}"),
                    Err(LibreOllamaError::InvalidInput(m)) => prop_assert!(m.contains("is not a time")),
                    Err(e) => prop_assert!(false, "{s:?}: unexpected {e:?}"),
                }
            }

            /// "+N<unit>" is exactly N units from now.
            #[test]
            fn a_relative_time_is_that_far_from_now(n in 0i64..10_000_000, unit in prop::sample::select(vec![('m', 60_000i64), ('h', 3_600_000), ('d', 86_400_000)])) {
                let now = chrono::Local::now();
                let got = parse_when(&format!(" +{n}{} ", unit.0), now).unwrap();
                prop_assert_eq!(got, now.timestamp_millis() + n * unit.1);
            }
        }
    }
}
