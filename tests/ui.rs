//! Headless UI: render the real app over real services (temp data dir) with VirtualDom, drive
//! its async work to completion, and read the HTML a person would see.

#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::ui::{render, text_of};

#[tokio::test(flavor = "multi_thread")]
async fn diagnostics_page_shows_real_checks() {
    let html = render("/diagnostics", "Everything checks out").await;
    let text = text_of(&html);
    assert!(text.contains("Everything checks out"), "{text}");
    for expected in [
        "Diagnostics",
        "Database integrity",
        "integrity_check ok",
        "Schema migrations",
        "Vault self-test",
        "Key storage",
        "V1 initial_schema applied",
        "No accounts are stored.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in: {text}");
    }
    let n = libreollama::store::migrations::embedded().len();
    assert!(text.contains(&format!("{n} of {n} applied")), "{text}");
    // The data folder shown is the one the services really use.
    let dir = support::shared().config.data_dir.display().to_string();
    assert!(text.contains(&dir), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shell_lists_only_areas_that_work() {
    let html = render("/about", "Version").await;
    let text = text_of(&html);
    for present in [
        "LibreOllama",
        "Diagnostics",
        "Preferences",
        "About",
        "Theme: System",
        "Skip to content",
        "Mail",
        "Chat",
        "Tasks",
        "Calendar",
        "Ask mail",
        "AI",
    ] {
        assert!(text.contains(present), "missing {present:?} in: {text}");
    }
    assert!(text.contains(env!("CARGO_PKG_VERSION")));
    assert!(text.contains("in-process"), "{text}");
    assert!(html.contains(r#"aria-current="page""#));
}

#[tokio::test(flavor = "multi_thread")]
async fn preferences_show_stored_settings() {
    libreollama::api::install(support::shared());
    libreollama::api::set_theme(libreollama::model::Theme::Dark)
        .await
        .unwrap();
    libreollama::api::set_log_level("debug".into())
        .await
        .unwrap();
    let html = render("/settings", "Log level").await;
    let text = text_of(&html);
    assert!(
        text.contains("Appearance") && text.contains("Log level"),
        "{text}"
    );
    // The stored theme reaches the root element.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut html = html;
    while !html.contains(r#"data-theme="dark""#) && std::time::Instant::now() < deadline {
        html = render("/settings", "Theme: Dark").await;
    }
    assert!(html.contains(r#"data-theme="dark""#), "{html}");
    assert!(text_of(&html).contains("Theme: Dark"));
    libreollama::api::set_theme(libreollama::model::Theme::System)
        .await
        .unwrap();
}
