//! Dioxus components. They call `api::*` only: no SQL, no HTTP here.

mod about;
mod accounts;
mod ai_settings;
mod ask;
mod calendar;
mod chat;
mod clipboard;
mod diagnostics;
mod hooks;
mod mail;
mod markdown;
mod palette;
mod settings;
mod shell;
mod signature;
mod tasks;
mod timer;

use dioxus::prelude::*;

pub use about::About;
pub use accounts::Accounts;
pub use ai_settings::AiSettings;
pub use ask::Ask;
pub use calendar::{Calendar, CalendarMonth};
pub use chat::{Chat, ChatWith};
pub use diagnostics::Diagnostics;
pub use hooks::{use_theme, ThemeState};
pub use mail::first_list_query;
pub use mail::{Compose, Mail, MailDrafts, MailOutbox, MailSnoozed, MailThread};
pub use settings::SettingsPage;
pub use shell::Shell;
pub use tasks::Tasks;

pub const CSS: &str = include_str!("../../assets/main.css");
/// The phone layout and touch targets (after `CSS`, whose rules it refines; the 900 px and
/// 1440 px layouts are in `CSS`).
pub const CSS_SMALL: &str = include_str!("../../assets/small-screens.css");
/// The palette, ticked rows, the reader's toolbar (after both, whose rules it refines).
pub const CSS_ACTIONS: &str = include_str!("../../assets/actions.css");
/// The style sheets in the order the page loads them (later ones refine earlier ones).
const STYLES: [(&str, &str); 3] = [
    ("main.css", CSS),
    ("small-screens.css", CSS_SMALL),
    ("actions.css", CSS_ACTIONS),
];

/// True once `launch` has put the style sheets in the desktop page's head, so `App` does not
/// add them again. Added by `App`, they arrived after the first paint: one frame of unstyled
/// links at every start (about 60 ms at 100,000 messages). A flag rather than a `cfg`: builds
/// with the desktop feature also render `App` without a window (the UI tests' SSR).
static STYLES_IN_HEAD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[derive(Debug, Clone, PartialEq, Routable)]
#[rustfmt::skip]
pub enum Route {
    #[layout(Shell)]
        #[route("/")]
        Mail {},
        #[route("/mail/:account/:thread")]
        MailThread { account: String, thread: String },
        #[route("/mail/compose/:id")]
        Compose { id: String },
        #[route("/mail/drafts")]
        MailDrafts {},
        #[route("/mail/outbox")]
        MailOutbox {},
        #[route("/mail/snoozed")]
        MailSnoozed {},
        #[route("/tasks")]
        Tasks {},
        #[route("/calendar")]
        Calendar {},
        #[route("/calendar/month")]
        CalendarMonth {},
        #[route("/chat")]
        Chat {},
        #[route("/chat/:id")]
        ChatWith { id: String },
        #[route("/ask")]
        Ask {},
        #[route("/diagnostics")]
        Diagnostics {},
        #[route("/settings")]
        SettingsPage {},
        #[route("/settings/accounts")]
        Accounts {},
        #[route("/settings/ai")]
        AiSettings {},
        #[route("/about")]
        About {},
}

/// The root component on every target.
#[component]
pub fn App() -> Element {
    hooks::provide_theme();
    // The page's language for screen readers, on every platform (the repo keeps no index.html
    // of its own: dx's default page has no `lang`).
    use_effect(|| {
        let _ = document::eval("document.documentElement.lang = 'en';");
    });
    rsx! {
        document::Title { "LibreOllama" }
        // interactive-widget: an on-screen keyboard shrinks the layout (hence 100dvh), so the
        // editor's and chat's input boxes stay above it.
        document::Meta {
            name: "viewport",
            content: "width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content",
        }
        document::Meta { name: "color-scheme", content: "light dark" }
        if !STYLES_IN_HEAD.load(std::sync::atomic::Ordering::Relaxed) {
            for (name, css) in STYLES {
                document::Style { key: "{name}", {css} }
            }
        }
        Router::<Route> {}
    }
}

/// WebKitGTK's JavaScript runs without its JIT compilers (JavaScriptCore's `useJIT` option,
/// read from the environment by the web process WebKit starts). The window's script is
/// Dioxus's interpreter of DOM edits, and mail is shown in frames that run no script: the JIT
/// only added memory (6.6 MB of the web process, measured on a 100,000-message inbox: its
/// compilers' code and the code they make) and attack surface. Set `JSC_useJIT=1` to have it.
///
/// Called first thing in `main`, while the process has one thread: setting the environment
/// later would race with threads that read it.
#[cfg(all(feature = "desktop", target_os = "linux"))]
pub fn disable_webkit_jit() {
    if std::env::var_os("JSC_useJIT").is_none() {
        std::env::set_var("JSC_useJIT", "0");
    }
}

/// Desktop/mobile entry: the window opens while the services start on `rt` (the web
/// preview's server starts them first, then serves).
#[cfg(feature = "server")]
pub fn launch(config: crate::config::AppConfig) -> std::process::ExitCode {
    // This runtime outlives the window: background work (scheduled sync) runs on it.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: the background runtime could not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The fullstack server of the web preview: the same app behind a gate that answers only
    // the person who started it (see api::web_preview).
    #[cfg(not(any(feature = "desktop", feature = "mobile")))]
    {
        if let Err(e) = rt.block_on(start_services(config)) {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
        let served = rt.block_on(crate::api::web_preview::serve(App));
        drop(rt);
        return match served {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the web preview's server could not listen: {e}. Is another one running on that port? Set PORT to use another.");
                std::process::ExitCode::FAILURE
            }
        };
    }
    // The window opens while the services start (the database, the vault): the two overlap,
    // and the first commands wait for them. A failure is shown by the window, not only on a
    // terminal a person who clicked an icon never sees.
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    {
        // Ours before the window's: Dioxus installs its own logger at launch unless one is
        // there, and then nothing would reach the log file.
        crate::logging::init(
            &config.log_dir(),
            config.log_filter.as_deref(),
            config.log_to_stderr,
        );
        crate::api::starting();
        rt.spawn(async move {
            use futures_util::FutureExt;
            let started = std::panic::AssertUnwindSafe(start_services(config))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err("an internal error stopped the start (it is in the log)".into())
                });
            if let Err(e) = started {
                eprintln!("error: {e}");
                crate::api::start_failed(e);
            }
        });
    }
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    let builder = dioxus::LaunchBuilder::new();
    #[cfg(feature = "desktop")]
    let builder = {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        // The sheets hold none of `<>&'"` (`tests::inlined_css_survives_server_side_rendering`),
        // so they go in as they are.
        let head: String = STYLES
            .iter()
            .map(|(name, css)| format!("<style data-sheet=\"{name}\">{css}</style>"))
            .collect();
        STYLES_IN_HEAD.store(true, std::sync::atomic::Ordering::Relaxed);
        builder.with_cfg(
            Config::new()
                .with_custom_head(head)
                .with_menu(None)
                // Files are added through pickers; without wry's file-drop handler the page's
                // own drag and drop (tasks between lists, tasks onto the calendar) gets every drag.
                .with_disable_drag_drop_handler(true)
                .with_background_color((0xf7, 0xf7, 0xf8, 0xff))
                .with_window(
                    WindowBuilder::new()
                        .with_title("LibreOllama")
                        .with_inner_size(LogicalSize::new(1280.0, 800.0))
                        .with_min_inner_size(LogicalSize::new(640.0, 480.0)),
                ),
        )
    };
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    {
        builder.launch(App);
        drop(rt);
        std::process::ExitCode::SUCCESS
    }
}

/// Starts the services and their background work, then hands them to the command layer.
#[cfg(feature = "server")]
async fn start_services(config: crate::config::AppConfig) -> Result<(), String> {
    let services = crate::services::AppServices::start(config)
        .await
        .map_err(|e| e.to_string())?;
    services.mail.start_polling();
    services.tasks.start_background();
    services.calendar.start_background();
    services.compose.start_background();
    #[cfg(feature = "desktop")]
    services.notify.start(std::sync::Arc::new(
        crate::services::desktop_notifier::DesktopNotifier,
    ));
    crate::api::install(services);
    // Ready before the window's first render (the services start some 250 ms before it), so
    // that render shows the inbox instead of waiting a render cycle for it.
    // (A task of its own: whatever happens to it cannot touch the start's outcome.)
    #[cfg(any(feature = "desktop", feature = "mobile"))]
    tokio::spawn(async {
        let (query, limit) = mail::first_list_query();
        crate::api::prefetch_first_view(&query, limit).await;
    });
    Ok(())
}

/// wasm entry: the services live on the fullstack server.
#[cfg(all(feature = "web", not(feature = "backend")))]
pub fn launch_web() {
    dioxus::launch(App);
}

#[cfg(test)]
mod tests {
    #[test]
    fn inlined_css_survives_server_side_rendering() {
        // SSR escapes these inside <style>, which would break the rules that contain them; and
        // `launch` puts the sheets in the desktop page's head as they are.
        for (name, css) in super::STYLES {
            for c in ['"', '\'', '<', '>', '&'] {
                assert!(!css.contains(c), "assets/{name} contains {c:?}");
            }
        }
    }
}
