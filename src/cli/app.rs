//! `libreollama` with no subcommand opens the app: the window lives in the `libreollama-app`
//! binary beside this one, so the terminal command never loads GTK or WebKit (about 170 shared
//! libraries) just to print help or run a search.

use std::path::PathBuf;
use std::process::ExitCode;

/// The window binary's file name.
pub const APP_BIN: &str = "libreollama-app";

/// Where the window binary is: the folder this executable runs from.
pub fn app_path() -> std::io::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me.parent().unwrap_or_else(|| std::path::Path::new("."));
    Ok(dir.join(format!("{APP_BIN}{}", std::env::consts::EXE_SUFFIX)))
}

/// Replaces this process with the app (same PID on Unix, so whoever started `libreollama` can
/// signal or wait for the window), passing every argument through. Returns only on failure.
pub fn open_app() -> ExitCode {
    if !cfg!(feature = "server") {
        eprintln!(
            "error: this build has no user interface (built without the `desktop` feature); \
             see `libreollama --help` for the commands it has"
        );
        return ExitCode::from(2);
    }
    let app = match app_path() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: could not find where libreollama runs from: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !app.is_file() {
        eprintln!(
            "error: the app is not installed: {} is missing (it is built with `cargo build`; \
             the commands of `libreollama --help` work without it)",
            app.display()
        );
        return ExitCode::FAILURE;
    }
    let mut cmd = std::process::Command::new(&app);
    cmd.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        eprintln!("error: could not start {}: {e}", app.display());
        ExitCode::FAILURE
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(s) => match s.code() {
            Some(0) => ExitCode::SUCCESS,
            Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("error: could not start {}: {e}", app.display());
            ExitCode::FAILURE
        }
    }
}
