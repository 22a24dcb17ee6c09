//! The layering rules, checked on the source: SQL only in `src/store`, arrows only pointing
//! down, and files small enough to hold one thing. A change that breaks one fails here with the
//! file and line, before review.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Code lines only: `//` comments (and doc comments) may talk about SQL and other layers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

const SQL_CALLS: [&str; 8] = [
    ".execute(",
    ".execute_batch(",
    ".prepare(",
    ".prepare_cached(",
    ".query_row(",
    ".query_map(",
    ".query_and_then(",
    "params![",
];

const SQL_TEXT: [&str; 12] = [
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    "\"DELETE ",
    "\"CREATE ",
    "\"ALTER ",
    "\"DROP ",
    "\"PRAGMA ",
    "\"WITH ",
    "\"REPLACE ",
    "\"BEGIN",
    "\"COMMIT",
];

#[test]
fn sql_lives_only_in_the_store() {
    let mut found = Vec::new();
    for (file, text) in src_files() {
        if file.starts_with("src/store/") {
            continue;
        }
        for (n, line) in code_lines(&text) {
            // SQL here is written in capitals; "Delete this task" in a button is not SQL.
            let call = SQL_CALLS.iter().find(|c| line.contains(*c));
            let sql = SQL_TEXT.iter().find(|s| line.contains(*s));
            if let Some(hit) = call.or(sql) {
                found.push(format!("{file}:{n}: {hit} in `{}`", line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside src/store ({} lines); move it into a store function:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// (files under this prefix, may not name these modules)
const ARROWS: [(&str, &[&str]); 9] = [
    (
        "src/ui/",
        &["crate::store", "crate::sync", "crate::cli", "crate::google"],
    ),
    (
        "src/store/",
        &[
            "crate::sync",
            "crate::services",
            "crate::api",
            "crate::ui",
            "crate::cli",
            "crate::google",
            "crate::ai",
        ],
    ),
    (
        "src/vault/",
        &[
            "crate::store",
            "crate::sync",
            "crate::services",
            "crate::api",
            "crate::ui",
            "crate::cli",
        ],
    ),
    (
        "src/sync/",
        &["crate::services", "crate::api", "crate::ui", "crate::cli"],
    ),
    (
        "src/google/",
        &[
            "crate::services",
            "crate::sync",
            "crate::api",
            "crate::ui",
            "crate::cli",
        ],
    ),
    (
        "src/mail/",
        &[
            "crate::services",
            "crate::sync",
            "crate::api",
            "crate::ui",
            "crate::cli",
        ],
    ),
    (
        "src/ai/",
        &[
            "crate::services",
            "crate::sync",
            "crate::api",
            "crate::ui",
            "crate::cli",
        ],
    ),
    ("src/services/", &["crate::api", "crate::ui", "crate::cli"]),
    (
        "src/cli/",
        &["crate::store", "crate::sync", "crate::api", "crate::ui"],
    ),
];

const BOTTOM: [&str; 4] = [
    "src/fsutil.rs",
    "src/clock.rs",
    "src/error.rs",
    "src/logging.rs",
];

#[test]
fn arrows_only_point_down() {
    let mut found = Vec::new();
    for (file, text) in src_files() {
        let mut banned: Vec<&str> = ARROWS
            .iter()
            .filter(|(prefix, _)| file.starts_with(prefix))
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        if BOTTOM.contains(&file.as_str()) {
            banned.extend([
                "crate::store",
                "crate::vault",
                "crate::sync",
                "crate::services",
                "crate::google",
            ]);
        }
        for (n, line) in code_lines(&text) {
            for name in &banned {
                if line.contains(&format!("{name}::"))
                    || line.contains(&format!("{name};"))
                    || line.contains(&format!("{name}::{{"))
                {
                    found.push(format!("{file}:{n}: uses {name} (`{}`)", line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "arrows pointing up (move the shared piece down a layer):\n{}",
        found.join("\n")
    );
}

/// A file this long holds two things; split it, or say in its first lines why it cannot be.
const MAX_LINES: usize = 650;

#[test]
fn files_hold_one_thing() {
    let mut found = Vec::new();
    for (file, text) in src_files() {
        let lines = text.lines().count();
        let reasoned = text
            .lines()
            .take(12)
            .any(|l| l.starts_with("//!") && l.contains("Long file:"));
        if lines > MAX_LINES && !reasoned {
            found.push(format!("{file}: {lines} lines"));
        }
    }
    assert!(
        found.is_empty(),
        "files over {MAX_LINES} lines without a `//! Long file:` reason:\n{}",
        found.join("\n")
    );
}
