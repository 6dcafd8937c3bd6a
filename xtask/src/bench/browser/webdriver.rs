//! chromedriver over its plain-HTTP WebDriver API, driving headless
//! Chromium: sessions with a fresh profile, scripts run in the page, typing
//! into an element, and, through chromedriver's DevTools endpoints, mouse
//! clicks as the system sends them, Chromium's network events (its
//! performance log) and response bodies.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use crate::project::{CHROMEDRIVER, CHROMIUM};

/// WebDriver's key for an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The Enter key, as WebDriver types it.
pub const ENTER: char = '\u{E007}';

/// A running chromedriver; stopped when dropped.
pub struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Driver {
    /// Starts chromedriver on a free port, logging to `log`.
    pub fn start(log: &Path) -> Result<Driver> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {CHROMEDRIVER}"))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let started = Instant::now();
        while driver.call("GET", "/status", None).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!(
                    "chromedriver did not answer within 20 s (log: {})",
                    log.display()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
        Ok(driver)
    }

    /// One WebDriver command; its `value`, or the error it reports.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = match body {
            Some(body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string()),
            None if method == "DELETE" => self.agent.delete(&url).call(),
            None => self.agent.get(&url).call(),
        };
        let mut response = response.with_context(|| format!("WebDriver {method} {path}"))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_string()
            .with_context(|| format!("reading the answer to WebDriver {method} {path}"))?;
        let mut answer: Value = serde_json::from_str(&text)
            .with_context(|| format!("WebDriver {method} {path} answered non-JSON: {text:.200}"))?;
        let value = answer["value"].take();
        if !status.is_success() {
            bail!(
                "WebDriver {method} {path}: {} — {}",
                value["error"].as_str().unwrap_or("error"),
                value["message"]
                    .as_str()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
            );
        }
        Ok(value)
    }

    /// A new browser with a fresh profile under `profile`.
    pub fn session(&self, profile: PathBuf) -> Result<Session<'_>> {
        fs::create_dir_all(&profile)?;
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,800",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                // Navigation returns at DOMContentLoaded; the page's own
                // probe says when the launcher has painted.
                "pageLoadStrategy": "eager",
                "goog:loggingPrefs": { "performance": "ALL" },
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": args,
                    "perfLoggingPrefs": { "enableNetwork": true, "enablePage": false },
                },
            }},
        });
        let value = self
            .call("POST", "/session", Some(&capabilities))
            .context("starting headless Chromium")?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {value}"))?
            .to_owned();
        let session = Session {
            driver: self,
            id,
            profile,
        };
        session.command(
            "POST",
            "timeouts",
            json!({ "script": 180_000, "pageLoad": 60_000 }),
        )?;
        Ok(session)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver element reference.
pub struct Element(Value);

/// One browser; closed (and its profile removed) when dropped.
pub struct Session<'d> {
    driver: &'d Driver,
    id: String,
    profile: PathBuf,
}

impl Session<'_> {
    fn command(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        let path = format!("/session/{}/{path}", self.id);
        let body = (method == "POST").then_some(body);
        self.driver.call(method, &path, body.as_ref())
    }

    pub fn navigate(&self, url: &str) -> Result<()> {
        self.command("POST", "url", json!({ "url": url }))?;
        Ok(())
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub fn execute(&self, script: &str) -> Result<Value> {
        self.command(
            "POST",
            "execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// Runs `script`, which calls `done(value)` (its last argument) when
    /// it is finished; that value.
    pub fn execute_async(&self, script: &str) -> Result<Value> {
        let script = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.command(
            "POST",
            "execute/async",
            json!({ "script": script, "args": [] }),
        )
    }

    /// The element `script` returns.
    pub fn element(&self, script: &str) -> Result<Element> {
        let value = self.execute(script)?;
        if value.get(ELEMENT_KEY).is_none() {
            bail!("`{script}` returned no element (got {value})");
        }
        Ok(Element(value))
    }

    fn element_id(element: &Element) -> &str {
        element.0[ELEMENT_KEY].as_str().unwrap_or_default()
    }

    /// A mouse click at `x`, `y` in the viewport, as the browser gets one
    /// from the system: the pointer moves there, presses and releases. The
    /// events go straight to the browser's input pipeline, so a page whose
    /// main thread is busy handles them late, as it would a visitor's.
    pub fn click_at(&self, x: i64, y: i64) -> Result<()> {
        for (kind, buttons) in [("mouseMoved", 0), ("mousePressed", 1), ("mouseReleased", 0)] {
            let mut event = json!({ "type": kind, "x": x, "y": y, "buttons": buttons });
            if kind != "mouseMoved" {
                event["button"] = json!("left");
                event["clickCount"] = json!(1);
            }
            self.devtools("Input.dispatchMouseEvent", event)?;
        }
        Ok(())
    }

    /// Types `text` into the element, key by key, as a visitor would.
    pub fn type_text(&self, element: &Element, text: &str) -> Result<()> {
        let path = format!("element/{}/value", Self::element_id(element));
        self.command("POST", &path, json!({ "text": text }))?;
        Ok(())
    }

    /// The DevTools events logged since the last call, as `{method, params}`.
    pub fn network_events(&self) -> Result<Vec<Value>> {
        let entries = self.command("POST", "se/log", json!({ "type": "performance" }))?;
        let entries = entries.as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter_map(|entry| entry["message"].as_str())
            .filter_map(|message| serde_json::from_str::<Value>(message).ok())
            .map(|mut message| message["message"].take())
            .filter(|event| {
                event["method"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Network."))
            })
            .collect())
    }

    /// A DevTools command on the page, such as `Network.getResponseBody`.
    pub fn devtools(&self, command: &str, params: Value) -> Result<Value> {
        self.command(
            "POST",
            "goog/cdp/execute",
            json!({ "cmd": command, "params": params }),
        )
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
        let _ = fs::remove_dir_all(&self.profile);
    }
}
