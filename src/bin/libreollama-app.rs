//! `libreollama-app`: the window (desktop, mobile, the fullstack server of the web preview and
//! the wasm client), and every subcommand too, so `cargo run -- doctor` works. People start it
//! through `libreollama` (src/main.rs), which replaces itself with this binary when it is given
//! no subcommand.

#[cfg(feature = "backend")]
fn main() -> std::process::ExitCode {
    #[cfg(all(feature = "desktop", target_os = "linux"))]
    libreollama::ui::disable_webkit_jit();
    match libreollama::cli::run() {
        libreollama::cli::Outcome::Exit(code) => code,
        #[cfg(feature = "server")]
        libreollama::cli::Outcome::LaunchUi(config) => libreollama::ui::launch(*config),
        #[cfg(not(feature = "server"))]
        libreollama::cli::Outcome::LaunchUi(_) => {
            eprintln!(
                "error: this build has no user interface (built without the `desktop` feature); \
                 see `libreollama --help` for the commands it has"
            );
            std::process::ExitCode::from(2)
        }
    }
}

/// The wasm client: the services run on the fullstack server.
#[cfg(all(feature = "web", not(feature = "backend")))]
fn main() {
    libreollama::ui::launch_web();
}
