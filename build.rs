//! Link options for release builds on Linux (glibc). Both shrink what a started window keeps
//! mapped of its own executable; benches/README.md ("startup", run 6) has the figures. Each is
//! used only if a probe program built with it links and runs here, so another linker (GNU ld
//! has no symbol ordering) or an older glibc (no packed relocations before 2.36) gets a plain
//! build instead of a broken one. Debug builds and tests are left as they are.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Functions the window runs while it starts, in first-run order, as
/// `scripts/startup-order.sh` records them. The linker places them together, so the pages the
/// kernel maps around each one (64 KiB at a time) hold start-up code rather than whatever sits
/// beside it. Names it no longer finds (code changed since the recording) are skipped: a stale
/// list costs memory, never correctness.
const STARTUP_ORDER: &str = "platforms/linux/startup-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("PROFILE") != "release"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
    {
        return;
    }
    // Only release builds read these, so recording a new list rebuilds nothing else.
    println!("cargo:rerun-if-changed={STARTUP_ORDER}");
    println!("cargo:rerun-if-env-changed=LIBREOLLAMA_LINK_MAP");
    let out = PathBuf::from(var("OUT_DIR"));
    // DT_RELR: the 2.4 MB table of relative relocations, read once at start and then kept
    // mapped, packs into a few kB.
    let relr = "-zpack-relative-relocs";
    if probe(&out, &[relr]) {
        println!("cargo:rustc-link-arg=-Wl,{relr}");
    } else {
        println!("cargo:warning=the linker or glibc here cannot pack relocations (glibc 2.36+); linking without");
    }
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join(STARTUP_ORDER);
    let order_arg = format!("--symbol-ordering-file={}", order.display());
    // `-Wl,` splits at commas: a path with one cannot be passed.
    if order.is_file() && !order_arg.contains(',') {
        if probe(&out, &[&order_arg, "--no-warn-symbol-ordering"]) {
            let bin = "cargo:rustc-link-arg-bin=libreollama-app";
            println!("{bin}=-Wl,{order_arg}");
            println!("{bin}=-Wl,--no-warn-symbol-ordering");
        } else {
            println!("cargo:warning=the linker cannot order symbols (lld can); linking without {STARTUP_ORDER}");
        }
    }
    // The link map names the function at each address: scripts/startup-order.sh reads it.
    let map = var("LIBREOLLAMA_LINK_MAP");
    if !map.is_empty() {
        println!("cargo:rustc-link-arg-bin=libreollama-app=-Wl,-Map={map}");
        // The ordering file needs symbols as the linker knows them; the map demangles them.
        println!("cargo:rustc-link-arg-bin=libreollama-app=-Wl,--no-demangle");
    }
}

/// Whether an empty program links with these linker options and then runs.
fn probe(out: &Path, link_args: &[&str]) -> bool {
    let src = out.join("probe.rs");
    let exe = out.join("probe");
    if std::fs::write(&src, "fn main() {}\n").is_err() {
        return false;
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = Command::new(rustc);
    cmd.arg("--target")
        .arg(env::var("TARGET").unwrap_or_default())
        .arg("-o")
        .arg(&exe)
        .arg(&src);
    // The flags this build links with (a chosen linker among them).
    for flag in env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .split('\x1f')
        .filter(|f| !f.is_empty())
    {
        cmd.arg(flag);
    }
    for a in link_args {
        cmd.arg(format!("-Clink-arg=-Wl,{a}"));
    }
    let quiet = |c: &mut Command| {
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    quiet(&mut cmd) && quiet(&mut Command::new(&exe))
}
