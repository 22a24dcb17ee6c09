//! The Google Tasks fake of `tests/support` (checked against tasks.v1.json) as a standalone
//! server, for the browser walk (`scripts/web-preview.sh`): no Tasks emulator exists, and the
//! walk's web preview server is a separate process. Prints its base URL, then serves until killed.
//! Usage: cargo run --example tasks_peer [LIST_TITLE…]

// Only the fake and its HTTP reader (the fake reaches it as `super::http`): the rest of
// tests/support needs the test harness.
#[allow(dead_code)]
#[path = "../tests/support/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "../tests/support/tasks_fake.rs"]
mod tasks_fake;

use std::io::Write;

#[tokio::main]
async fn main() {
    let fake = tasks_fake::start().await;
    {
        let mut state = fake.state.lock().expect("fresh state");
        for title in std::env::args().skip(1) {
            state.add_list(&title);
        }
    }
    println!("{}", fake.base);
    std::io::stdout().flush().expect("stdout");
    std::future::pending::<()>().await;
}
