//! Running the `libreollama` binary as a second process, the way a person at a terminal does.

use std::path::Path;
use std::process::{Command, Output};

/// `libreollama --data-dir DIR ARGS…` with the file vault (no keyring in tests). Callers add
/// environment, stdin or `spawn` as they need.
pub fn command(data_dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_libreollama"));
    c.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("LIBREOLLAMA_DATA_DIR")
        .env("LIBREOLLAMA_VAULT_BACKEND", "file");
    c
}

/// Both streams, for failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs the command, checks that it succeeded (else fails the test with what it printed), and
/// returns its standard output.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the libreollama binary runs");
    assert!(out.status.success(), "{:?} failed: {}", cmd, text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `run_ok(command(data_dir, args))`.
pub fn ok(data_dir: &Path, args: &[&str]) -> String {
    run_ok(&mut command(data_dir, args))
}
