use crate::error::{LibreOllamaError, Result};
use crate::model::{Theme, UiSettings, LOG_LEVELS};
use crate::store::{settings, Store};

const THEME: &str = "ui.theme";
const LOG_LEVEL: &str = "log.level";

#[derive(Clone)]
pub struct SettingsService {
    store: Store,
}

impl SettingsService {
    pub fn new(store: Store) -> Self {
        SettingsService { store }
    }

    pub async fn get(&self) -> Result<UiSettings> {
        self.store
            .read(|conn| {
                Ok(UiSettings {
                    theme: settings::get(conn, THEME)?.unwrap_or_default(),
                    log_level: settings::get(conn, LOG_LEVEL)?
                        .unwrap_or_else(|| crate::logging::DEFAULT_FILTER.to_string()),
                })
            })
            .await
    }

    pub async fn set_theme(&self, theme: Theme) -> Result<UiSettings> {
        self.store
            .write(move |conn| settings::set(conn, THEME, &theme))
            .await?;
        self.get().await
    }

    pub async fn set_log_level(&self, level: String) -> Result<UiSettings> {
        let level = level.trim().to_ascii_lowercase();
        if !LOG_LEVELS.contains(&level.as_str()) {
            return Err(LibreOllamaError::InvalidInput(format!(
                "log level '{level}' is not one of {}",
                LOG_LEVELS.join(", ")
            )));
        }
        let stored = level.clone();
        self.store
            .write(move |conn| settings::set(conn, LOG_LEVEL, &stored))
            .await?;
        crate::logging::apply_setting(&level);
        tracing::info!(%level, "log level changed");
        self.get().await
    }
}
