//! `libreollama`: the terminal command. It never calls into the user interface, so the linker
//! leaves GTK and WebKit out of it; with no subcommand it starts `libreollama-app` (the window,
//! src/bin/libreollama-app.rs) from the same folder with the same arguments.

fn main() -> std::process::ExitCode {
    match libreollama::cli::run() {
        libreollama::cli::Outcome::Exit(code) => code,
        libreollama::cli::Outcome::LaunchUi(_) => libreollama::cli::app::open_app(),
    }
}
