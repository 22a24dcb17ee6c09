//! The `libreollama` binary: doctor's exit codes and clear messages for bad input.

#![cfg(feature = "backend")]

mod support;

use std::process::{Command, Output};

use support::cli::text;

fn run(args: &[&str], data_dir: Option<&std::path::Path>) -> Output {
    match data_dir {
        Some(d) => support::cli::command(d, args).output().unwrap(),
        None => Command::new(env!("CARGO_BIN_EXE_libreollama"))
            .args(args)
            .env_remove("LIBREOLLAMA_DATA_DIR")
            .env("LIBREOLLAMA_VAULT_BACKEND", "file")
            .output()
            .unwrap(),
    }
}

#[test]
fn doctor_is_healthy_on_a_fresh_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["doctor"], Some(dir.path()));
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("Overall: healthy"), "{t}");
    assert!(t.contains("[ok  ] Database integrity"), "{t}");

    let out = run(&["doctor", "--json"], Some(dir.path()));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applied_migrations"][0]["version"], 1);
    assert_eq!(v["vault"]["backend"], "file");
}

#[test]
fn data_dir_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_libreollama"))
        .arg("doctor")
        .env("LIBREOLLAMA_DATA_DIR", dir.path())
        .env("LIBREOLLAMA_VAULT_BACKEND", "file")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("libreollama.db").exists());
}

#[test]
fn doctor_fails_on_a_foreign_key_violation() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&["doctor"], Some(dir.path())).status.success());
    let conn = rusqlite::Connection::open(dir.path().join("libreollama.db")).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys=OFF; INSERT INTO task_id_map (local_id, account_id, created_at, updated_at) VALUES ('t', 'nobody', 0, 0);",
    )
    .unwrap();
    drop(conn);
    let out = run(&["doctor"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("[FAIL] Database integrity") && t.contains("foreign key violations: 1"),
        "{t}"
    );
    assert!(t.contains("PROBLEMS FOUND"));
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&["doctor"], Some(dir.path())).status.success());
    let db = dir.path().join("libreollama.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (99, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('keep', '1', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = run(&["doctor"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("schema could not be upgraded"), "{t}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM settings WHERE key='keep'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, 1);
}

#[test]
fn bad_arguments_get_a_clear_message_not_a_panic() {
    let out = run(&["doctr"], None);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("unrecognized subcommand 'doctr'") || t.contains("doctr"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");

    let out = Command::new(env!("CARGO_BIN_EXE_libreollama"))
        .arg("doctor")
        .env("LIBREOLLAMA_DATA_DIR", "/proc/forbidden/libreollama")
        .env("LIBREOLLAMA_VAULT_BACKEND", "file")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("Could not access /proc/forbidden/libreollama"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_libreollama"))
        .args(["doctor", "--data-dir"])
        .arg(dir.path())
        .env("LIBREOLLAMA_VAULT_BACKEND", "vaultish")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("unknown vault backend 'vaultish'"),
        "{}",
        text(&out)
    );
}

#[test]
fn mail_search_and_sync_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["mail", "search", "is:shiny"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("could not be read: is:shiny is not one of unread"),
        "{}",
        text(&out)
    );
    let out = run(&["mail", "search", "from:ada", "--json"], Some(dir.path()));
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty());
    let out = run(&["mail", "sync"], Some(dir.path()));
    assert!(out.status.success());
    assert!(
        text(&out).contains("No active accounts to sync"),
        "{}",
        text(&out)
    );
}

#[test]
fn mail_import_then_labels_show_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("in.mbox");
    std::fs::write(
        &mbox,
        "From a@example.com Mon Nov 16 09:00:00 2026\nFrom: Ada <ada@example.com>\nTo: you@example.com\n\
         Subject: Gears\nDate: Mon, 16 Nov 2026 09:00:00 +0000\nMessage-ID: <g@example.com>\n\n\
         The gears arrived.\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = run(&["mail", "import", mbox.to_str().unwrap()], Some(&data));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&["mail", "labels"], Some(&data));
    assert!(
        text(&out).contains("Imported archive") && text(&out).contains("Archive"),
        "{}",
        text(&out)
    );
    let out = run(&["mail", "search", "gears", "--json"], Some(&data));
    let hit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = hit["id"].as_str().unwrap().to_string();
    let out = run(&["mail", "show", &id], Some(&data));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("From: Ada <ada@example.com>")
            && text(&out).contains("The gears arrived."),
        "{}",
        text(&out)
    );
    let out = run(&["mail", "show", "no-such-id"], Some(&data));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("mail search"), "{}", text(&out));
}

/// With no subcommand `libreollama` opens the app: it becomes `libreollama-app` from its own
/// folder (same process), with every argument; without that file it says which file is missing.
#[cfg(all(unix, feature = "server"))]
#[test]
fn no_subcommand_execs_the_app_beside_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cli = dir.path().join("libreollama");
    std::fs::copy(env!("CARGO_BIN_EXE_libreollama"), &cli).unwrap();
    let out = Command::new(&cli)
        .args(["--data-dir", "/tmp/somewhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let missing = dir.path().join("libreollama-app");
    assert!(
        text(&out).contains(&format!("{} is missing", missing.display())),
        "{}",
        text(&out)
    );

    // A stand-in app that reports its arguments and process id.
    std::fs::write(&missing, "#!/bin/sh\necho \"app $$ $*\"\n").unwrap();
    std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o755)).unwrap();
    let child = Command::new(&cli)
        .args(["--data-dir", "/tmp/some where"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("app {pid} --data-dir /tmp/some where")
    );
}

/// Without the window libraries: `libreollama` links neither GTK nor WebKit (they stay in
/// `libreollama-app`), so the terminal command starts in a few milliseconds.
#[cfg(target_os = "linux")]
#[test]
fn the_terminal_command_links_no_window_libraries() {
    let bin = std::fs::read(env!("CARGO_BIN_EXE_libreollama")).unwrap();
    // As text: std's substring search is quick even in a debug build of this test.
    let bin = String::from_utf8_lossy(&bin);
    for lib in [
        "libgtk-3",
        "libwebkit2gtk",
        "libjavascriptcoregtk",
        "libsoup",
    ] {
        assert!(
            !bin.contains(lib),
            "libreollama names {lib}: it would load the window's libraries"
        );
    }
}

/// A search opens the database and nothing else (no vault key, no log file), and every command
/// closes the database before it exits: the write-ahead log is folded back and removed.
#[test]
fn mail_search_opens_only_the_database_and_commands_close_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["mail", "search", "anything"], Some(dir.path()));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("No messages match."), "{}", text(&out));
    assert!(dir.path().join("libreollama.db").exists());
    assert!(
        !dir.path().join("keys").exists(),
        "the search read the vault"
    );
    assert!(
        !dir.path().join("logs").exists(),
        "the search opened the log"
    );
    let wal = dir.path().join("libreollama.db-wal");
    assert!(!wal.exists(), "the search left its write-ahead log");

    let out = run(&["doctor"], Some(dir.path()));
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("keys").exists());
    assert!(!wal.exists(), "doctor left its write-ahead log");
}

/// `libreollama … | head -1`: the reader leaves early, and the command ends quietly, as any
/// Unix tool does (Rust's default was a panic in `println!`).
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_a_command_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_libreollama");
    // `true` has gone long before the command has started, let alone printed.
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" --data-dir "$1" doctor | true"#)
        .arg(bin)
        .arg(dir.path())
        .env_remove("LIBREOLLAMA_DATA_DIR")
        .env("LIBREOLLAMA_VAULT_BACKEND", "file")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}
