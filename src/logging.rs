//! tracing to a size-capped, rotated log file in the data dir (and stderr). Secrets reach the
//! log only as fingerprints: their types (vault::SecretString, KeyBytes) print nothing else.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use file_rotate::{compression::Compression, suffix::AppendCount, ContentLimit, FileRotate};
use tracing_subscriber::{
    layer::SubscriberExt, reload, util::SubscriberInitExt, EnvFilter, Registry,
};

pub const LOG_FILE: &str = "libreollama.log";
const MAX_BYTES: usize = 5 * 1024 * 1024;
const KEEP_FILES: usize = 5;
pub const DEFAULT_FILTER: &str = "info";

struct Installed {
    handle: reload::Handle<EnvFilter, Registry>,
    file: Option<PathBuf>,
    env_override: bool,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Installs the global subscriber once per process. Later calls (tests that start several
/// services) keep the first log file.
pub fn init(log_dir: &Path, env_filter: Option<&str>, to_stderr: bool) -> Option<PathBuf> {
    INSTALLED
        .get_or_init(|| {
            // file-rotate panics when it cannot create its folder: only use it when we could.
            let file = crate::fsutil::create_private_dir(log_dir)
                .ok()
                .map(|()| log_dir.join(LOG_FILE));
            let writer = file.as_ref().map(|file| {
                let mut opts = std::fs::OpenOptions::new();
                opts.append(true).create(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                FileRotate::new(
                    file,
                    AppendCount::new(KEEP_FILES),
                    ContentLimit::BytesSurpassed(MAX_BYTES),
                    Compression::None,
                    Some(opts),
                )
            });
            let filter = parse_filter(env_filter.unwrap_or(DEFAULT_FILTER));
            let (filter, handle) = reload::Layer::new(filter);
            let file_layer = writer.map(|w| {
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_target(true)
                    .with_writer(Mutex::new(w))
            });
            let stderr_layer = to_stderr.then(|| {
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .with_writer(std::io::stderr)
            });
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(file_layer)
                .with(stderr_layer)
                .try_init();
            install_panic_hook();
            Installed {
                handle,
                file,
                env_override: env_filter.is_some(),
            }
        })
        .file
        .clone()
}

/// A panic is a bug report: its message, place and backtrace go to the log file as well as to
/// stderr (the default hook's output), so "it is in the log" is true.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(%place, panic = %what, %backtrace, "panic");
        previous(info);
    }));
}

fn parse_filter(s: &str) -> EnvFilter {
    EnvFilter::try_new(s).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// Applies the level stored in Settings, unless the environment variable overrides it.
pub fn apply_setting(level: &str) -> bool {
    match INSTALLED.get() {
        Some(i) if !i.env_override => i.handle.reload(parse_filter(level)).is_ok(),
        _ => false,
    }
}

pub fn current_file() -> Option<PathBuf> {
    INSTALLED.get().and_then(|i| i.file.clone())
}
