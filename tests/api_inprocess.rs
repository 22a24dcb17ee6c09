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

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_in_a_command_is_an_error_and_the_app_goes_on() {
    api::install(support::shared());
    // Without the test switch the command does not exist.
    std::env::remove_var("LIBREOLLAMA_TEST_HOOKS");
    let err = api::debug_panic().await.unwrap_err();
    assert!(
        matches!(&err, ApiError::App { kind, .. } if kind == "NotFound"),
        "{err:?}"
    );

    std::env::set_var("LIBREOLLAMA_TEST_HOOKS", "1");
    let err = api::debug_panic().await.unwrap_err();
    std::env::remove_var("LIBREOLLAMA_TEST_HOOKS");
    match &err {
        ApiError::App {
            kind,
            class,
            message,
        } => {
            assert_eq!(kind, "Internal");
            assert_eq!(*class, ErrorClass::Fatal);
            assert!(
                message.contains("Something went wrong inside LibreOllama; it is in the log"),
                "{message}"
            );
            assert!(
                !message.contains("test panic requested"),
                "the panic text stays in the log: {message}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // The same process keeps answering.
    assert_eq!(api::about().await.unwrap().name, "LibreOllama");
    assert!(api::diagnostics().await.unwrap().healthy());
}
