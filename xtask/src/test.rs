//! `cargo xtask test`: everything CI checks, in order, stopping at the first
//! failure, with a timing summary. A step whose prerequisite truly cannot be
//! had here (PostgreSQL not installable) is skipped with its reason, and the
//! rest goes on.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};

use crate::cmd::Cmd;
use crate::postgres::{Cluster, StartError};
use crate::project::{self, CHROMEDRIVER, CHROMIUM};
use crate::{build, setup};

type Step = (&'static str, fn() -> Result<()>);

/// The steps, in order; each one's name appears in the summary and errors.
const STEPS: &[Step] = &[
    ("setup", setup::run),
    ("build", build::build),
    ("fmt", fmt),
    ("clippy", clippy),
    ("native tests", native_tests),
    ("PostgreSQL tests", postgres_tests),
    ("wasm tests (headless Chromium)", wasm_tests),
    ("end-to-end tests", end_to_end_tests),
    ("WordPress", wordpress_tests),
];

enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped(Duration),
    NotRun,
}

/// The error a step returns when it cannot run here at all: the step is
/// marked skipped, not failed, and the next one runs.
#[derive(Debug)]
struct Skipped(String);

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped: {}", self.0)
    }
}

impl std::error::Error for Skipped {}

pub fn run() -> Result<()> {
    let mut outcomes: Vec<Outcome> = STEPS.iter().map(|_| Outcome::NotRun).collect();
    let mut skipped = Vec::new();
    for (i, (name, step)) in STEPS.iter().enumerate() {
        println!("\n━━ [{}/{}] {name} ━━", i + 1, STEPS.len());
        let started = Instant::now();
        let result = step();
        let took = started.elapsed();
        match result {
            Ok(()) => outcomes[i] = Outcome::Passed(took),
            Err(err) if err.downcast_ref::<Skipped>().is_some() => {
                println!("⚠ {name} {err}");
                outcomes[i] = Outcome::Skipped(took);
                skipped.push(format!("{name}: {err}"));
            }
            Err(err) => {
                outcomes[i] = Outcome::Failed(took);
                print!("\n{}", summary(&outcomes));
                return Err(err.context(format!("test step `{name}` failed")));
            }
        }
    }
    print!("\n{}", summary(&outcomes));
    if skipped.is_empty() {
        println!("All checks passed.");
    } else {
        println!("All checks that could run passed; not run here:");
        for why in skipped {
            println!("  {why}");
        }
    }
    Ok(())
}

fn summary(outcomes: &[Outcome]) -> String {
    let width = STEPS.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut out = format!("{:<width$}  {:<7}  {:>9}\n", "step", "result", "time");
    out.push_str(&format!("{}\n", "-".repeat(width + 20)));
    let mut total = Duration::ZERO;
    for ((name, _), outcome) in STEPS.iter().zip(outcomes) {
        let (result, time) = match outcome {
            Outcome::Passed(d) => ("ok", Some(*d)),
            Outcome::Failed(d) => ("FAILED", Some(*d)),
            Outcome::Skipped(d) => ("skipped", Some(*d)),
            Outcome::NotRun => ("not run", None),
        };
        total += time.unwrap_or_default();
        let time = time.map(format_duration).unwrap_or_else(|| "-".to_owned());
        out.push_str(&format!("{name:<width$}  {result:<7}  {time:>9}\n"));
    }
    out.push_str(&format!("{}\n", "-".repeat(width + 20)));
    out.push_str(&format!(
        "{:<width$}  {:<7}  {:>9}\n",
        "total",
        "",
        format_duration(total)
    ));
    out
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    }
}

fn fmt() -> Result<()> {
    Cmd::new("cargo")
        .args(["fmt", "--all", "--check"])
        .run()
        .context("formatting differs; run `cargo fmt --all`")
}

fn clippy() -> Result<()> {
    Cmd::new("cargo")
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run()
}

fn native_tests() -> Result<()> {
    Cmd::new("cargo")
        .args([
            "test",
            "--no-fail-fast",
            "--workspace",
            "--exclude",
            "causette-widget",
        ])
        .run()?;
    Cmd::new("cargo")
        .args(["test", "-p", "causette-widget", "--lib"])
        .run()
}

/// The server's HTTP suite again, and the multi-node tests, on a private
/// PostgreSQL server started for this step and stopped at its end, whether
/// the tests pass or not.
fn postgres_tests() -> Result<()> {
    let cluster = match Cluster::start(&project::target_dir().join("postgres")) {
        Ok(cluster) => cluster,
        Err(StartError::Unavailable(reason)) => return Err(Skipped(reason).into()),
        Err(StartError::Failed(err)) => return Err(err),
    };
    // The same package selection as the native tests, so cargo resolves the
    // same features and reuses their build (`-p causette-server` alone
    // would build the server a second time); only the server has these.
    let tests = Cmd::new("cargo")
        .args([
            "test",
            "--workspace",
            "--exclude",
            "causette-widget",
            "--test",
            "http_api",
            "--test",
            "lifecycle",
            "--test",
            "cluster",
        ])
        .env("CAUSETTE_TEST_POSTGRES", cluster.admin_url())
        .run();
    let stopped = cluster.stop();
    tests?;
    stopped
}

/// Capabilities wasm-bindgen-test-runner reads (WASM_BINDGEN_TEST_WEBDRIVER_JSON).
/// The runner itself adds `headless`, `no-sandbox` and `disable-dev-shm-usage`;
/// these keep Chromium quiet on a machine without internet.
pub fn webdriver_json() -> String {
    let args = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let args: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "{{\n  \"goog:chromeOptions\": {{\n    \"binary\": \"{CHROMIUM}\",\n    \"args\": [{}]\n  }}\n}}\n",
        args.join(", ")
    )
}

fn write_webdriver_json() -> Result<PathBuf> {
    let path = project::target_dir().join("webdriver.json");
    fs::create_dir_all(project::target_dir())?;
    fs::write(&path, webdriver_json()).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn wasm_test(package_args: &[&str], webdriver_json: &Path) -> Result<()> {
    Cmd::new("cargo")
        .args(["test", "--target", "wasm32-unknown-unknown"])
        .args(package_args)
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", webdriver_json)
        .run()
}

fn wasm_tests() -> Result<()> {
    let webdriver_json = write_webdriver_json()?;
    wasm_test(&["-p", "causette-widget", "--lib"], &webdriver_json)?;
    if token_has_browser_tests()? {
        wasm_test(
            &["-p", "causette-token", "--no-default-features", "--lib"],
            &webdriver_json,
        )?;
    } else {
        println!(
            "causette-token: no wasm-bindgen-test dev-dependency, so no browser tests \
             (its wasm build is covered by the widget's)"
        );
    }
    Ok(())
}

/// causette-token's tests run in the browser once it declares wasm-bindgen-test.
fn token_has_browser_tests() -> Result<bool> {
    let manifest = project::root().join("crates/token/Cargo.toml");
    let text =
        fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    Ok(text.contains("wasm-bindgen-test"))
}

fn end_to_end_tests() -> Result<()> {
    let causette = project::causette_bin(false);
    if !causette.exists() {
        return Err(anyhow!(
            "{} is missing; the build step makes it",
            causette.display()
        ));
    }
    // The WordPress tests have their own step.
    let mut targets = Vec::new();
    for name in end_to_end_targets()? {
        if name != WORDPRESS_TEST {
            targets.push("--test".to_owned());
            targets.push(name);
        }
    }
    // Every file runs even after one fails, so a run reports all failures.
    Cmd::new("cargo")
        .args(["test", "--no-fail-fast", "-p", "causette-widget"])
        .args(&targets)
        .args(["--", "--test-threads=2"])
        .env("CAUSETTE_BIN", &causette)
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CHROMIUM", CHROMIUM)
        .run()
}

const WORDPRESS_TEST: &str = "wordpress";

/// The end-to-end test targets: the files directly under `tests/`.
fn end_to_end_targets() -> Result<Vec<String>> {
    let dir = project::root().join("tests");
    let mut names = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            if let Some(stem) = path.file_stem() {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Every PHP file of the plugin and of its test harness.
fn php_files() -> Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "php") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(&project::root().join("wordpress"), &mut files)?;
    walk(&project::root().join("tests/wordpress"), &mut files)?;
    files.sort();
    Ok(files)
}

/// `php -l` on every PHP file, then the plugin in a real WordPress
/// (tests/wordpress.rs), which must run here, not be skipped.
fn wordpress_tests() -> Result<()> {
    let files = php_files()?;
    for file in &files {
        Cmd::new("php")
            .arg("-l")
            .arg(file)
            .read()
            .with_context(|| format!("`php -l {}` (is php-cli installed?)", file.display()))?;
    }
    println!("✓ php -l: {} files", files.len());
    let causette = project::causette_bin(false);
    Cmd::new("cargo")
        .args([
            "test",
            "-p",
            "causette-widget",
            "--test",
            WORDPRESS_TEST,
            "--",
            "--test-threads=2",
        ])
        .env("CAUSETTE_BIN", &causette)
        .env("CAUSETTE_REQUIRE_WORDPRESS", "1")
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CHROMIUM", CHROMIUM)
        .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m 05s");
    }

    #[test]
    fn summary_marks_the_failed_step_and_what_did_not_run() {
        let mut outcomes: Vec<Outcome> = STEPS.iter().map(|_| Outcome::NotRun).collect();
        outcomes[0] = Outcome::Passed(Duration::from_secs(3));
        outcomes[1] = Outcome::Failed(Duration::from_secs(70));
        let table = summary(&outcomes);
        assert!(table.contains("setup"), "{table}");
        assert!(table.contains("FAILED"), "{table}");
        assert!(table.contains("1m 10s"), "{table}");
        assert_eq!(table.matches("not run").count(), STEPS.len() - 2, "{table}");
        assert!(table.contains("1m 13s"), "total in {table}");
    }

    #[test]
    fn postgres_tests_come_after_the_native_tests() {
        let names: Vec<&str> = STEPS.iter().map(|(name, _)| *name).collect();
        let native = names.iter().position(|n| *n == "native tests").unwrap();
        assert_eq!(names[native + 1], "PostgreSQL tests");
    }

    #[test]
    fn a_skipped_step_is_told_apart_from_a_failure() {
        let err: anyhow::Error = Skipped("no PostgreSQL here".to_owned()).into();
        assert!(err.downcast_ref::<Skipped>().is_some());
        assert_eq!(err.to_string(), "skipped: no PostgreSQL here");
        let mut outcomes: Vec<Outcome> = STEPS.iter().map(|_| Outcome::NotRun).collect();
        outcomes[0] = Outcome::Skipped(Duration::from_millis(100));
        let table = summary(&outcomes);
        assert!(table.contains("skipped"), "{table}");
        assert!(!table.contains("FAILED"), "{table}");
    }

    #[test]
    fn wordpress_has_its_own_step_and_php_files() {
        assert!(STEPS.iter().any(|(name, _)| *name == "WordPress"));
        assert!(end_to_end_targets()
            .unwrap()
            .contains(&WORDPRESS_TEST.to_owned()));
        let php = php_files().unwrap();
        assert!(php
            .iter()
            .any(|p| p.ends_with("wordpress/causette/causette.php")));
    }

    #[test]
    fn webdriver_json_names_chromium_and_quiet_flags() {
        let json = webdriver_json();
        assert!(json.contains("\"goog:chromeOptions\""));
        assert!(json.contains("\"binary\": \"/usr/bin/chromium\""));
        assert!(json.contains("\"--disable-background-networking\""));
    }
}
