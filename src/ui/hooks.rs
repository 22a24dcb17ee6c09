//! Typed hooks through which components reach the command layer and shared UI state.

use dioxus::prelude::*;

use crate::api::{self, ApiResult};
use crate::model::{DiagnosticsReport, Theme, UiSettings};

/// The theme in effect, shared through context.
#[derive(Clone, Copy)]
pub struct ThemeState {
    pub theme: Signal<Theme>,
    pub error: Signal<Option<String>>,
}

pub(super) fn provide_theme() -> ThemeState {
    let theme = use_signal(Theme::default);
    let error = use_signal(|| None::<String>);
    let state = use_context_provider(|| ThemeState { theme, error });
    // Load the stored preference once; the UI follows the system until it arrives.
    let (mut theme_w, mut error_w) = (state.theme, state.error);
    use_future(move || async move {
        match api::get_settings().await {
            Ok(settings) => theme_w.set(settings.theme),
            Err(e) => error_w.set(Some(format!("Your saved theme could not be loaded: {e}"))),
        }
    });
    state
}

pub fn use_theme() -> ThemeState {
    use_context::<ThemeState>()
}

impl ThemeState {
    /// Applies at once and persists; a failed save is shown and the choice still holds for now.
    pub fn set(mut self, theme: Theme) {
        self.theme.set(theme);
        spawn(async move {
            match api::set_theme(theme).await {
                Ok(_) => self.error.set(None),
                Err(e) => self
                    .error
                    .set(Some(format!("Your theme choice was not saved: {e}"))),
            }
        });
    }
}

pub fn use_diagnostics() -> Resource<ApiResult<DiagnosticsReport>> {
    use_resource(api::diagnostics)
}

pub fn use_settings() -> Resource<ApiResult<UiSettings>> {
    use_resource(api::get_settings)
}

/// A named text field of a submitted form ("" when absent).
pub(crate) fn form_text(e: &FormEvent, name: &str) -> String {
    match e.get_first(name) {
        Some(dioxus::html::FormValue::Text(t)) => t,
        _ => String::new(),
    }
}
