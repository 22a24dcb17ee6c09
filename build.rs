//! Link options for the Linux (glibc, x86-64) binaries. Both shrink what a started window keeps
//! mapped of its own executable; benches/README.md ("startup") has the figures.

use std::env;
use std::path::Path;

/// Functions the window runs while it starts, in first-run order, as
/// `scripts/startup-order.sh` records them. The linker places them together, so the pages the
/// kernel maps around each one (64 KiB at a time) hold start-up code rather than whatever sits
/// beside it. Names it no longer finds (code changed since the recording) are skipped: a stale
/// list costs memory, never correctness.
const STARTUP_ORDER: &str = "platforms/linux/startup-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={STARTUP_ORDER}");
    println!("cargo:rerun-if-env-changed=LIBREOLLAMA_LINK_MAP");
    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    // DT_RELR (glibc 2.36, Debian 12): the 2.4 MB table of relative relocations, read once
    // at start and then kept mapped, packs into a few kB.
    println!("cargo:rustc-link-arg=-Wl,-z,pack-relative-relocs");
    // The options below are lld's, the default linker for this target since Rust 1.90.
    if var("CARGO_CFG_TARGET_ARCH") != "x86_64" {
        return;
    }
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join(STARTUP_ORDER);
    if var("PROFILE") == "release" && order.is_file() {
        let order = order.display();
        println!("cargo:rustc-link-arg-bin=libreollama-app=-Wl,--symbol-ordering-file={order}");
        println!("cargo:rustc-link-arg-bin=libreollama-app=-Wl,--no-warn-symbol-ordering");
    }
    // The link map names the function at each address: scripts/startup-order.sh reads it.
    let map = var("LIBREOLLAMA_LINK_MAP");
    if !map.is_empty() {
        println!("cargo:rustc-link-arg-bin=libreollama-app=-Wl,-Map={map}");
    }
}
