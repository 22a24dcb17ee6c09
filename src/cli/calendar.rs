//! `libreollama calendar …`: sync and the agenda (events and tasks due, day by day, in this
//! computer's time zone).

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{Duration, Local, NaiveDate, TimeZone};
use clap::Subcommand;

use crate::error::LibreOllamaError;
use crate::services::AppServices;

#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// Bring the calendars and their events (every signed-in account, or one)
    Sync { account: Option<String> },
    /// Events and tasks due, from today
    Agenda {
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(
    s: Arc<AppServices>,
    action: CalendarAction,
) -> Result<ExitCode, LibreOllamaError> {
    match action {
        CalendarAction::Sync { account } => {
            let accounts = match account {
                Some(a) => vec![s.auth.resolve(&a).await?.id],
                None => s
                    .auth
                    .list_accounts()
                    .await?
                    .into_iter()
                    .map(|a| a.id)
                    .collect(),
            };
            let mut failed = false;
            for a in accounts {
                // Through the service, as the app does: the changes waiting here go first.
                match s.calendar.sync(&a).await {
                    Ok(r) => println!(
                        "{a}: {} sent, {} calendars, {} events new or changed, {} removed{}",
                        match r.sent {
                            1 => "1 change".to_string(),
                            n => format!("{n} changes"),
                        },
                        r.calendars,
                        r.changed,
                        r.removed,
                        if r.resynced > 0 {
                            format!(", {} fetched again (sync token expired)", r.resynced)
                        } else {
                            String::new()
                        }
                    ),
                    Err(e) => {
                        failed = true;
                        eprintln!("{a}: {e}");
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        CalendarAction::Agenda { days, json } => {
            let today = Local
                .timestamp_millis_opt(crate::clock::now_ms())
                .single()
                .unwrap_or_else(Local::now)
                .date_naive();
            let end = today + Duration::days(i64::from(days.max(1)));
            let ms = |d: NaiveDate| {
                Local
                    .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                    .earliest()
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(0)
            };
            let (from_ms, to_ms) = (ms(today), ms(end));
            let (fd, td) = (today.to_string(), end.to_string());
            let events = s
                .calendar
                .between(from_ms, to_ms, fd.clone(), td.clone())
                .await?;
            let last = (end - Duration::days(1)).to_string();
            let tasks = s.tasks.due_between(&fd, &last).await?;
            if json {
                let v = serde_json::json!({ "events": events, "tasks": tasks });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(LibreOllamaError::json)?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let mut day = today;
            while day < end {
                let d = day.to_string();
                let (a, b) = (ms(day), ms(day + Duration::days(1)));
                let all_day: Vec<_> = events
                    .iter()
                    .filter(|e| matches!((&e.start_date, &e.end_date), (Some(s), Some(x)) if *s <= d && *x > d))
                    .collect();
                let timed: Vec<_> = events
                    .iter()
                    .filter(
                        |e| matches!((e.start_ms, e.end_ms), (Some(s), Some(x)) if s < b && x > a),
                    )
                    .collect();
                let due: Vec<_> = tasks
                    .iter()
                    .filter(|t| t.due_date.as_deref() == Some(d.as_str()))
                    .collect();
                if !all_day.is_empty() || !timed.is_empty() || !due.is_empty() {
                    println!("{}", day.format("%A %-d %B %Y"));
                    for e in all_day {
                        println!("  all day      {}{}", e.summary, where_(e));
                    }
                    for e in timed {
                        let t = |m: i64| {
                            Local
                                .timestamp_millis_opt(m)
                                .single()
                                .map(|x| x.format("%H:%M").to_string())
                                .unwrap_or_default()
                        };
                        println!(
                            "  {}–{}  {}{}{}",
                            t(e.start_ms.unwrap_or(0)),
                            t(e.end_ms.unwrap_or(0)),
                            e.summary,
                            where_(e),
                            e.self_response
                                .as_deref()
                                .filter(|r| *r != "accepted")
                                .map(|r| format!("  [{r}]"))
                                .unwrap_or_default()
                        );
                    }
                    for t in due {
                        println!(
                            "  task         [{}] {}",
                            if t.completed { "x" } else { " " },
                            t.title
                        );
                    }
                }
                day += Duration::days(1);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn where_(e: &crate::model::EventView) -> String {
    if e.location.is_empty() {
        String::new()
    } else {
        format!("  @ {}", e.location)
    }
}
