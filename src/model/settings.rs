//! What the user sets for the app as a whole: theme, log level, how the mail list groups.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's light/dark preference.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiSettings {
    pub theme: Theme,
    pub log_level: String,
    /// The mail list shows one row per conversation (Gmail's default); off: one per message.
    #[serde(default = "default_true")]
    pub conversations: bool,
}

fn default_true() -> bool {
    true
}

/// Which desktop notifications one account gives (Preferences → Notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifySwitches {
    /// New mail in the Inbox: one notification per sync, never for older mail.
    pub new_mail: bool,
    /// An event's popup reminder (the event's own, or the calendar's default).
    pub reminders: bool,
    /// Once a day, the open tasks due that day.
    pub tasks_due: bool,
}

impl Default for NotifySwitches {
    fn default() -> Self {
        NotifySwitches {
            new_mail: true,
            reminders: true,
            tasks_due: true,
        }
    }
}

/// One of the switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifyKind {
    NewMail,
    Reminders,
    TasksDue,
}

impl NotifySwitches {
    pub fn get(&self, k: NotifyKind) -> bool {
        match k {
            NotifyKind::NewMail => self.new_mail,
            NotifyKind::Reminders => self.reminders,
            NotifyKind::TasksDue => self.tasks_due,
        }
    }

    pub fn set(&mut self, k: NotifyKind, on: bool) {
        match k {
            NotifyKind::NewMail => self.new_mail = on,
            NotifyKind::Reminders => self.reminders = on,
            NotifyKind::TasksDue => self.tasks_due = on,
        }
    }
}

/// One account's switches, with the address they are shown under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNotify {
    pub account: String,
    pub email: String,
    pub switches: NotifySwitches,
}

/// What a clicked notification opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifyTarget {
    /// The conversation of the one message announced (several: the Inbox).
    Thread {
        account: String,
        thread: String,
    },
    Inbox,
    Tasks,
    Calendar,
}
