use crate::error::{LibreOllamaError, Result};
use crate::model::{Theme, UiSettings, LOG_LEVELS};
use crate::store::{settings, Store};

const THEME: &str = "ui.theme";
const LOG_LEVEL: &str = "log.level";
const RECENT_SEARCHES: &str = "mail.recent_searches";
const CONVERSATIONS: &str = "mail.conversations";
/// Searches kept for the palette, newest first.
const RECENT_KEPT: usize = 8;
/// A longer query is kept cut to this many characters.
const RECENT_CHARS: usize = 500;

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
                    conversations: settings::get(conn, CONVERSATIONS)?.unwrap_or(true),
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

    /// One row per conversation in the mail list (on), or one per message.
    pub async fn set_conversations(&self, on: bool) -> Result<UiSettings> {
        self.store
            .write(move |conn| settings::set(conn, CONVERSATIONS, &on))
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

    /// The mail searches made lately (in any window or process), newest first.
    pub async fn recent_searches(&self) -> Result<Vec<String>> {
        self.store
            .read(|conn| Ok(settings::get(conn, RECENT_SEARCHES)?.unwrap_or_default()))
            .await
    }

    /// Puts a search first in the recent ones (once), keeping the newest few; the list after.
    pub async fn remember_search(&self, query: String) -> Result<Vec<String>> {
        let q: String = query.trim().chars().take(RECENT_CHARS).collect();
        self.store
            .write(move |conn| {
                // Read and written by one writer: another process's search is not lost.
                let mut recent: Vec<String> =
                    settings::get(conn, RECENT_SEARCHES)?.unwrap_or_default();
                if !q.is_empty() {
                    recent.retain(|x| *x != q);
                    recent.insert(0, q);
                    recent.truncate(RECENT_KEPT);
                    settings::set(conn, RECENT_SEARCHES, &recent)?;
                }
                Ok(recent)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn recent_searches_are_kept_newest_first_once_each() {
        let (_dir, store) = crate::store::testing::store_with_account();
        let s = SettingsService::new(store.clone());
        assert!(s.recent_searches().await.unwrap().is_empty());
        for q in ["from:ada", " is:unread ", "from:ada", "   "] {
            s.remember_search(q.into()).await.unwrap();
        }
        assert_eq!(
            s.recent_searches().await.unwrap(),
            ["from:ada", "is:unread"]
        );
        for i in 0..20 {
            s.remember_search(format!("q{i}")).await.unwrap();
        }
        let r = SettingsService::new(store).recent_searches().await.unwrap();
        assert_eq!(r.len(), RECENT_KEPT);
        assert_eq!(r[0], "q19");
        let long = s.remember_search("x".repeat(5_000)).await.unwrap();
        assert_eq!(long[0].chars().count(), RECENT_CHARS);
    }
}
