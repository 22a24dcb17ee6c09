//! The command layer runs in this process with the `server` feature: no HTTP server is started.

#![cfg(feature = "server")]

mod support;

use libreollama::api::{self, ApiError};
use libreollama::model::{ErrorClass, Theme};

#[tokio::test(flavor = "multi_thread")]
async fn server_functions_run_in_process() {
    api::install(support::shared());
    let report = api::diagnostics().await.expect("diagnostics");
    assert!(report.healthy(), "{report:#?}");
    assert_eq!(report.applied_migrations, report.embedded_migrations);
    let about = api::about().await.unwrap();
    assert_eq!(about.runtime, "in-process");

    let s = api::set_theme(Theme::Light).await.unwrap();
    assert_eq!(s.theme, Theme::Light);
    assert_eq!(api::get_settings().await.unwrap().theme, Theme::Light);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_becomes_a_typed_user_error() {
    api::install(support::shared());
    let before = api::get_settings().await.unwrap();
    let err = api::set_log_level("loud".into()).await.unwrap_err();
    match &err {
        ApiError::App {
            kind,
            class,
            message,
        } => {
            assert_eq!(kind, "InvalidInput");
            assert_eq!(*class, ErrorClass::UserFixable);
            assert!(
                message.contains("'loud'") && message.contains("error, warn, info"),
                "{message}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // Nothing changed.
    assert_eq!(
        api::get_settings().await.unwrap().log_level,
        before.log_level
    );
}
