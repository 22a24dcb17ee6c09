//! LibreOllama: a local-first workspace for Gmail, Google Tasks and Calendar with a local LLM.
//!
//! Layers (arrows point down, checked by tests/architecture.rs): `ui` → `api` → `services` →
//! `sync` / `mail` / `ai` / `google` → `store` → `vault` → `fsutil`, `clock`, `error`, `model`;
//! the CLI calls services only.
//! Everything under the `backend` feature is free of dioxus.

pub mod model;
#[cfg(feature = "backend")]
pub mod search;

#[cfg(feature = "backend")]
pub mod ai;
#[cfg(feature = "backend")]
pub mod cli;
#[cfg(feature = "backend")]
pub mod clock;
#[cfg(feature = "backend")]
pub mod config;
#[cfg(feature = "backend")]
pub mod error;
#[cfg(feature = "backend")]
pub mod fsutil;
#[cfg(feature = "backend")]
pub mod google;
#[cfg(feature = "backend")]
pub mod logging;
#[cfg(feature = "backend")]
pub mod mail;
#[cfg(feature = "backend")]
pub mod services;
#[cfg(feature = "backend")]
pub mod store;
#[cfg(feature = "backend")]
pub mod sync;
#[cfg(feature = "backend")]
pub mod vault;

#[cfg(any(feature = "server", feature = "web"))]
pub mod api;
#[cfg(any(feature = "server", feature = "web"))]
pub mod ui;
