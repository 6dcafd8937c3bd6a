//! Where things live in the workspace, and the versions the project pins.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Trunk release that still builds with the project's Rust (see TOOLCHAIN.md).
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen release on npm; Trunk.toml says `wasm_opt = "version_132"`.
pub const BINARYEN_VERSION: &str = "132";
/// The toolchain the widget bundle is built with. A pinned nightly, for
/// one reason: rebuilding std with the bundle (`-Zbuild-std`) and panics
/// as a bare trap (`-Cpanic=immediate-abort`) leaves out std's panic
/// messages and formatting, about 15 KB of the gzipped bundle. Everything
/// else (server, tests, tooling) builds with the stable toolchain.
pub const WIDGET_TOOLCHAIN: &str = "nightly-2026-05-19";
/// What `-Zbuild-std` rebuilds for the bundle.
pub const WIDGET_BUILD_STD: &str = "std,panic_abort";
/// rustc flags for the bundle's target only (build scripts and proc
/// macros keep their usual panics). With panics a bare trap, their source
/// locations are dead weight too.
pub const WIDGET_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The workspace root: the parent of this crate.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Project-owned tools (binaryen, the `wasm-opt` wrapper); git-ignored.
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

pub fn tools_bin() -> PathBuf {
    tools_dir().join("bin")
}

pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

pub fn target_dir() -> PathBuf {
    root().join("target")
}

/// The `causette` binary of a debug or release build.
pub fn causette_bin(release: bool) -> PathBuf {
    target_dir()
        .join(if release { "release" } else { "debug" })
        .join("causette")
}

fn cargo_bin() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|cargo_home| cargo_home.join("bin"))
}

/// PATH for every subprocess: project tools first, then cargo-installed
/// tools, then whatever the caller had.
pub fn search_path() -> OsString {
    let mut dirs = vec![tools_bin()];
    dirs.extend(cargo_bin());
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path));
    }
    env::join_paths(dirs).expect("no PATH entry contains ':'")
}
