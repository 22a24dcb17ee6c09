//! Plain data shared by every target: what the command layer returns and the UI shows, one
//! file per area (all re-exported here, so every type is `crate::model::X`). Compiled for wasm
//! too, so nothing here may depend on the backend.

use serde::{Deserialize, Serialize};

mod accounts;
mod ai;
mod calendar;
mod compose;
mod diagnostics;
mod jobs;
mod mail;
mod settings;
mod tasks;

pub use accounts::*;
pub use ai::*;
pub use calendar::*;
pub use compose::*;
pub use diagnostics::*;
pub use jobs::*;
pub use mail::*;
pub use settings::*;
pub use tasks::*;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    /// Where the command layer runs: "in-process" or "server".
    pub runtime: String,
}

/// How the caller should react to an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorClass {
    /// Trying again later may work (network down, rate limited, database busy).
    Retryable,
    /// The user must sign in to the account again.
    NeedsReauth,
    /// The user can fix it (bad input, configuration).
    UserFixable,
    /// Something is broken; retrying will not help.
    Fatal,
}
