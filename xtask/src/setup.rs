//! `cargo xtask setup`: installs every tool the build and the tests need,
//! skipping what is already present. Safe to run again and again.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cmd::Cmd;
use crate::project::{
    self, BINARYEN_VERSION, CHROMEDRIVER, CHROMIUM, TRUNK_VERSION, WIDGET_BUILD_STD,
    WIDGET_TOOLCHAIN,
};

pub fn run() -> Result<()> {
    println!("Setting up the toolchain (skips what is present)");
    wasm_target()?;
    widget_toolchain()?;
    wasm_bindgen()?;
    trunk()?;
    wasm_opt()?;
    crate::terser::setup()?;
    crate::axe::setup()?;
    system_packages()?;
    fetch()?;
    println!("✓ setup complete");
    Ok(())
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn wasm_target() -> Result<()> {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .read()
        .context("`rustup` is needed to add the wasm target; install it from https://rustup.rs")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("✓ {WASM_TARGET} target present");
        return Ok(());
    }
    println!("→ adding the {WASM_TARGET} target");
    Cmd::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .run()
}

/// The pinned nightly that builds the widget bundle, with the standard
/// library's source for `-Zbuild-std` (see [`WIDGET_TOOLCHAIN`]).
fn widget_toolchain() -> Result<()> {
    let components = Cmd::new("rustup")
        .args([
            "component",
            "list",
            "--installed",
            "--toolchain",
            WIDGET_TOOLCHAIN,
        ])
        .probe();
    if components.is_some_and(|c| c.lines().any(|line| line.trim() == "rust-src")) {
        println!("✓ {WIDGET_TOOLCHAIN} with rust-src present");
        return Ok(());
    }
    println!("→ installing {WIDGET_TOOLCHAIN} with rust-src (builds the widget bundle)");
    Cmd::new("rustup")
        .args([
            "toolchain",
            "install",
            WIDGET_TOOLCHAIN,
            "--profile",
            "minimal",
        ])
        .args(["--component", "rust-src"])
        .run()
}

/// The wasm-bindgen version that Cargo.lock pins; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock_path = project::root().join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .with_context(|| format!("reading {}", lock_path.display()))?;
    locked_version(&lock, "wasm-bindgen").with_context(|| format!("in {}", lock_path.display()))
}

/// The version of package `name` in a Cargo.lock; an error unless exactly one.
pub fn locked_version(lock: &str, name: &str) -> Result<String> {
    let mut versions = Vec::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        if field("name").as_deref() == Some(name) {
            versions.extend(field("version"));
        }
    }
    match versions.as_slice() {
        [] => bail!("no `{name}` package in Cargo.lock"),
        [one] => Ok(one.clone()),
        many => bail!(
            "Cargo.lock has several `{name}` versions ({}); the wasm-bindgen CLI can match only one",
            many.join(", ")
        ),
    }
}

/// The second word of `tool --version` (`wasm-bindgen 0.2.130`, `trunk 0.21.14`).
fn version_word(program: &str) -> Option<String> {
    let out = Cmd::new(program).arg("--version").probe()?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

fn wasm_bindgen() -> Result<()> {
    let version = locked_wasm_bindgen_version()?;
    let cli = version_word("wasm-bindgen");
    let runner = version_word("wasm-bindgen-test-runner");
    if cli.as_deref() == Some(&version) && runner.as_deref() == Some(&version) {
        println!("✓ wasm-bindgen {version} present (matches Cargo.lock)");
        return Ok(());
    }
    match cli {
        Some(other) => println!(
            "→ installing wasm-bindgen-cli {version} (found {other}; Cargo.lock wants {version}; takes ~3 min)"
        ),
        None => println!("→ installing wasm-bindgen-cli {version} (takes ~3 min)"),
    }
    // Without --locked: one of its locked dependencies is gone from the registry.
    Cmd::new("cargo")
        .args(["install", "wasm-bindgen-cli", "--version", &version])
        .run()
        .with_context(|| {
            format!("install it by hand with: cargo install wasm-bindgen-cli --version {version}")
        })
}

fn trunk() -> Result<()> {
    if version_word("trunk").as_deref() == Some(TRUNK_VERSION) {
        println!("✓ trunk {TRUNK_VERSION} present");
        return Ok(());
    }
    println!("→ installing trunk {TRUNK_VERSION} (takes ~8 min)");
    // With --locked: without it a newer lightningcss fails to compile.
    Cmd::new("cargo")
        .args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
        .run()
        .with_context(|| {
            format!(
                "install it by hand with: cargo install trunk --version {TRUNK_VERSION} --locked"
            )
        })
}

fn binaryen_dir() -> PathBuf {
    project::tools_dir().join("binaryen")
}

fn wasm_opt_wrapper() -> PathBuf {
    project::tools_bin().join("wasm-opt")
}

/// The wrapper Trunk finds on PATH. binaryen's npm build prints
/// `wasm-opt version 132 (version_132)`, which Trunk reads as `version_132`.
fn wrapper_script() -> String {
    "#!/bin/sh\n\
     # binaryen from npm, installed by `cargo xtask setup`\n\
     here=$(CDPATH= cd -- \"$(dirname -- \"$0\")\" && pwd)\n\
     exec node \"$here/../binaryen/node_modules/binaryen/bin/wasm-opt\" \"$@\"\n"
        .to_owned()
}

/// Trunk takes the third word of `wasm-opt --version` as the version.
pub fn wasm_opt_version(output: &str) -> Option<&str> {
    output.split(' ').nth(2).map(str::trim)
}

fn wasm_opt_present() -> bool {
    let wrapper = wasm_opt_wrapper();
    fs::read_to_string(&wrapper).ok() == Some(wrapper_script())
        && Cmd::new(&wrapper)
            .arg("--version")
            .probe()
            .is_some_and(|out| wasm_opt_version(&out) == Some(BINARYEN_VERSION))
}

fn wasm_opt() -> Result<()> {
    if wasm_opt_present() {
        println!("✓ wasm-opt {BINARYEN_VERSION} present (binaryen from npm, .tools/bin/wasm-opt)");
        return Ok(());
    }
    if Cmd::new("node").arg("--version").probe().is_none()
        || Cmd::new("npm").arg("--version").probe().is_none()
    {
        bail!(
            "wasm-opt needs Node.js 20 or newer with npm, and `node`/`npm` are not on PATH.\n\
             Install Node.js (https://nodejs.org or your distribution), then run `cargo xtask setup` again.\n\
             (Debian's `binaryen` package is not a substitute: its wasm-opt 108 output breaks at runtime.)"
        );
    }
    println!(
        "→ installing binaryen@{BINARYEN_VERSION} from npm into .tools/binaryen (takes ~10 s)"
    );
    npm_install(&binaryen_dir(), &format!("binaryen@{BINARYEN_VERSION}"))?;
    write_executable(&wasm_opt_wrapper(), &wrapper_script())?;
    if !wasm_opt_present() {
        bail!(
            "{} does not report wasm-opt version {BINARYEN_VERSION}; try `{} --version`",
            wasm_opt_wrapper().display(),
            wasm_opt_wrapper().display()
        );
    }
    println!("✓ wasm-opt {BINARYEN_VERSION} ready at .tools/bin/wasm-opt");
    Ok(())
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

/// Debian packages: the browser for every user-facing test, PostgreSQL
/// for the server's database tests, WordPress, PHP and MariaDB for the
/// plugin's tests. An optional package that cannot be
/// installed is a warning: the test step that needs it is skipped.
struct Package {
    name: &'static str,
    present: fn() -> bool,
    what: &'static str,
    required: bool,
}

const PACKAGES: &[Package] = &[
    Package {
        name: "chromium",
        present: || Path::new(CHROMIUM).exists(),
        what: CHROMIUM,
        required: true,
    },
    Package {
        name: "chromium-driver",
        present: || Path::new(CHROMEDRIVER).exists(),
        what: CHROMEDRIVER,
        required: true,
    },
    Package {
        name: "postgresql",
        present: || crate::postgres::server_bin_dir().is_some(),
        what: "initdb and pg_ctl under /usr/lib/postgresql/<version>/bin",
        required: false,
    },
    // The WordPress step runs the plugin in a real WordPress on a private
    // MariaDB instance; it fails when these are missing.
    Package {
        name: "wordpress",
        present: || Path::new("/usr/share/wordpress/wp-settings.php").exists(),
        what: "/usr/share/wordpress",
        required: false,
    },
    Package {
        name: "php-cli",
        present: || Path::new("/usr/bin/php").exists(),
        what: "/usr/bin/php",
        required: false,
    },
    Package {
        name: "php-mysql",
        present: || {
            Cmd::new("php")
                .arg("-m")
                .probe()
                .is_some_and(|m| m.lines().any(|l| l.trim() == "mysqli"))
        },
        what: "the mysqli extension of PHP",
        required: false,
    },
    Package {
        name: "mariadb-server",
        present: || Path::new("/usr/sbin/mariadbd").exists(),
        what: "/usr/sbin/mariadbd",
        required: false,
    },
];

fn system_packages() -> Result<()> {
    let missing: Vec<&Package> = PACKAGES.iter().filter(|p| !(p.present)()).collect();
    for package in PACKAGES.iter().filter(|p| (p.present)()) {
        println!("✓ {} present", package.name);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
    let by_hand = format!(
        "sudo apt-get update && sudo apt-get install -y {}",
        names.join(" ")
    );
    let list: Vec<String> = missing
        .iter()
        .map(|p| format!("  {} (no {})", p.name, p.what))
        .collect();
    let list = list.join("\n");
    let is_root = Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|uid| uid.trim() == "0");
    let installed = if is_root {
        println!(
            "→ installing {} with apt-get (takes ~1 min each)",
            names.join(", ")
        );
        let apt = || -> Result<()> {
            Cmd::new("apt-get")
                .arg("update")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .run()?;
            Cmd::new("apt-get")
                .args(["install", "-y"])
                .args(["-o", "DPkg::Lock::Timeout=300"])
                .args(&names)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .run()
        };
        apt()
    } else {
        Err(anyhow::anyhow!("not root, so apt-get cannot run"))
    };
    let still: Vec<&Package> = PACKAGES.iter().filter(|p| !(p.present)()).collect();
    if still.is_empty() {
        return Ok(());
    }
    let why = match &installed {
        Ok(()) => "apt-get finished but these are still missing".to_owned(),
        Err(err) => format!("{err:#}"),
    };
    if still.iter().any(|p| p.required) {
        bail!("missing system packages:\n{list}\n({why})\nInstall them with:\n  {by_hand}\nthen run `cargo xtask setup` again.");
    }
    for package in still {
        println!(
            "! {} not installed ({why}); the tests that need it are skipped. Install it with:\n    sudo apt-get install -y {}",
            package.name, package.name
        );
    }
    Ok(())
}

/// Trunk's offline build passes --offline to cargo: every crate must be local.
fn fetch() -> Result<()> {
    println!("→ cargo fetch (Trunk builds offline)");
    Cmd::new("cargo").arg("fetch").run()?;
    // The standard library's own dependencies, rebuilt with the bundle.
    Cmd::new("cargo")
        .env("RUSTUP_TOOLCHAIN", WIDGET_TOOLCHAIN)
        .arg("fetch")
        .arg(format!("-Zbuild-std={WIDGET_BUILD_STD}"))
        .args(["--target", WASM_TARGET])
        .run()?;
    println!("✓ crates fetched");
    Ok(())
}

/// Installs one pinned npm package into a project-owned folder under `.tools/`.
pub fn npm_install(dir: &std::path::Path, package: &str) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Cmd::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(dir)
        .args(["--no-audit", "--no-fund"])
        .arg(package)
        .run()
        .with_context(|| {
            format!(
                "install it by hand with: npm install --prefix {} {package}",
                dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.53"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
]

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.130"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-futures").unwrap(),
            "0.4.53"
        );
    }

    #[test]
    fn missing_or_ambiguous_is_an_error() {
        assert!(locked_version(LOCK, "trunk").is_err());
        let twice = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        let err = locked_version(&twice, "wasm-bindgen").unwrap_err();
        assert!(err.to_string().contains("0.2.130, 0.2.99"), "{err}");
    }

    #[test]
    fn reads_the_workspace_lock() {
        let version = locked_wasm_bindgen_version().unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }

    #[test]
    fn wasm_opt_version_is_read_like_trunk_does() {
        assert_eq!(
            wasm_opt_version("wasm-opt version 132 (version_132)\n"),
            Some("132")
        );
        assert_eq!(wasm_opt_version("wasm-opt version 108\n"), Some("108"));
        assert_eq!(wasm_opt_version("garbage"), None);
    }
}
