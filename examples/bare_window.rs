//! The floor for the desktop start-up benchmark: a bare Dioxus 0.7 desktop window with one
//! heading, the same window size and background as the app, nothing else (no services, no
//! database, no stylesheet). scripts/bench-startup.sh measures it beside the app.
//! `cargo build --release --example bare_window`

use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
use dioxus::prelude::*;

fn main() {
    dioxus::LaunchBuilder::new()
        .with_cfg(
            Config::new()
                .with_menu(None)
                .with_background_color((0xf7, 0xf7, 0xf8, 0xff))
                .with_window(
                    WindowBuilder::new()
                        .with_title("bare_window")
                        .with_inner_size(LogicalSize::new(1280.0, 800.0)),
                ),
        )
        .launch(app);
}

fn app() -> Element {
    rsx! {
        h1 { "A bare Dioxus window" }
    }
}
