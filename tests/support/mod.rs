//! What the end-to-end tests stand on: the real `causette` server on a free
//! port with a fresh data directory, chromedriver driving headless
//! Chromium, and a tiny static host for pages on other origins.
#![allow(dead_code)]

use std::future::Future;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// How long a test waits for something it expects to happen.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A reply the widget shows whole: not the greeting, not still streaming.
pub const FINISHED_REPLY: &str = ".message.assistant:not(.greeting):not(.streaming)";

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `causette` binary: `CAUSETTE_BIN`, or the debug build in target/.
pub fn causette_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CAUSETTE_BIN") {
        return PathBuf::from(p);
    }
    let p = workspace_root().join("target/debug/causette");
    assert!(
        p.exists(),
        "{} is missing: run `cargo xtask test` (it builds the widget and the server first)",
        p.display()
    );
    p
}

/// A running `causette serve`.
pub struct Server {
    child: Option<Child>,
    /// The port it listens on (kept across restarts).
    pub port: u16,
    data: tempfile::TempDir,
    extra: Vec<String>,
}

impl Server {
    /// Starts a server with a fresh data directory; `extra` args are passed
    /// to `causette serve`.
    pub async fn start(extra: &[&str]) -> Server {
        let mut s = Server {
            child: None,
            port: free_port(),
            data: tempfile::tempdir().expect("temp dir"),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        s.spawn().await;
        s
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join("server.log"))
            .expect("server log");
        let child = Command::new(causette_bin())
            .arg("serve")
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data")
            .arg(self.data.path())
            .args(&self.extra)
            .env("RUST_LOG", "info,tower_http=warn,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start causette serve");
        self.child = Some(child);
        wait_until_up(
            "the server to listen",
            &format!("{}/v1/diagnose", self.url()),
        )
        .await;
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// The stored messages of a conversation, as (role, text), read with
    /// the session the widget got (`window.__session` of a probed page).
    pub async fn transcript(&self, session: &Value) -> Vec<(String, String)> {
        let token = session["access_token"]
            .as_str()
            .expect("a captured session");
        let cid = session["conversation_id"]
            .as_str()
            .expect("a conversation id");
        let t: Value = reqwest::Client::new()
            .get(format!("{}/v1/conversations/{cid}", self.url()))
            .bearer_auth(token)
            .send()
            .await
            .expect("transcript request")
            .json()
            .await
            .expect("transcript JSON");
        t["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| {
                let field = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
                (field("role"), field("text"))
            })
            .collect()
    }

    /// How many lines of the server's log contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        std::fs::read_to_string(self.data.path().join("server.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Runs an operator command (`causette site …`) on this server's data.
    pub async fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(causette_bin())
            .args(args)
            .arg("--data")
            .arg(self.data.path())
            .output()
            .await
            .expect("run causette");
        assert!(
            out.status.success(),
            "causette {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a stopped server again.
    pub async fn start_again(&mut self) {
        self.spawn().await;
    }

    /// Kills the server (no graceful shutdown, like a crash).
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
            let _ = c.wait().await;
        }
    }

    /// Kills and starts the server again on the same port and data.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }
}

/// Polls `check` until it returns true, or panics after [`PATIENCE`].
pub async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `url` answers with a success status.
async fn wait_until_up(what: &str, url: &str) {
    wait_for(what, || async {
        reqwest::get(url)
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
    })
    .await;
}

/// A static page served on its own origin (another port), for host pages
/// the server does not know.
pub struct StaticSite {
    /// The port.
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    /// Serves `html` at every path.
    pub async fn serve(html: String) -> StaticSite {
        Self::serve_on(0, html).await
    }

    /// Serves `html` on a given port (0 for any).
    pub async fn serve_on(port: u16, html: String) -> StaticSite {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let html = html.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let _ = sock.read(&mut buf).await;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        html.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(html.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        StaticSite { port, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A TCP proxy in front of a server, whose open connections can all be
/// cut at once: a dropped network path, seen from the browser.
pub struct Proxy {
    /// The port it listens on.
    pub port: u16,
    live: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Forwards connections on a free port to `upstream` on loopback.
    pub async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let port = listener.local_addr().unwrap().port();
        let live = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let conns = live.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                let mut conns = conns.lock().unwrap();
                conns.retain(|c: &tokio::task::JoinHandle<()>| !c.is_finished());
                conns.push(conn);
            }
        });
        Proxy { port, live, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every open connection (streams included) mid-flight; new
    /// connections are forwarded again.
    pub fn cut(&self) -> usize {
        let conns: Vec<_> = std::mem::take(&mut *self.live.lock().unwrap());
        let n = conns.iter().filter(|c| !c.is_finished()).count();
        for c in conns {
            c.abort();
        }
        n
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

/// A local model server speaking the OpenAI-compatible Chat Completions
/// streaming format (`data: {"choices":[{"delta":{"content":…}}]}` lines,
/// then `data: [DONE]`), which can be told to fail with a status instead.
pub struct ModelMock {
    /// The port it listens on.
    pub port: u16,
    status: std::sync::Arc<std::sync::atomic::AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl ModelMock {
    /// Answers every request with `reply`, streamed a few words at a time.
    pub async fn start(reply: &str) -> ModelMock {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let port = listener.local_addr().unwrap().port();
        let status = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(200));
        let (st, reply) = (status.clone(), reply.to_owned());
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (st, reply) = (st.clone(), reply.clone());
                tokio::spawn(async move {
                    // Read the request head and its body (Content-Length).
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Ok(n) = sock.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse::<usize>().ok())?
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    let status = st.load(std::sync::atomic::Ordering::SeqCst);
                    if status != 200 {
                        let body = format!(
                            r#"{{"error":{{"message":"mock failure {status}","type":"mock","code":"{status}"}}}}"#
                        );
                        let head = format!(
                            "HTTP/1.1 {status} Mock\r\ncontent-type: application/json\r\nretry-after: 1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(body.as_bytes()).await;
                        return;
                    }
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
                        .await;
                    let words: Vec<&str> = reply.split_inclusive(' ').collect();
                    for piece in words.chunks(4) {
                        let delta = json!({"choices": [{"index": 0, "delta": {"content": piece.concat()}}]});
                        let _ = sock
                            .write_all(format!("data: {delta}\n\n").as_bytes())
                            .await;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    let _ = sock.write_all(b"data: [DONE]\n\n").await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        ModelMock { port, status, task }
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL to give the site.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Makes `server`'s demo site answer with this model, and waits until
    /// the running server has read the change (within two seconds).
    pub async fn answer_for_demo(&self, server: &Server) {
        server
            .admin(&[
                "site",
                "update",
                "demo",
                "--model",
                "ollama:llama3.2",
                "--model-base-url",
                &self.base_url(),
            ])
            .await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
    }

    /// From now on, answer with `status` (200: stream the reply).
    pub fn respond_with(&self, status: u16) {
        self.status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for ModelMock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A host page embedding the widget from `server` with `site`, plus
/// optional extra markup in the head.
pub fn host_page(server: &str, site: &str, head: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title>{head}</head>\
         <body><p>Host page</p><script async src=\"{server}/embed.js\" data-site=\"{site}\"></script></body></html>"
    )
}

/// Headless Chromium through chromedriver.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    driver_port: u16,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium profile.
    pub async fn start() -> Browser {
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let driver_port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e} (run `cargo xtask setup`)"));
        wait_until_up(
            "chromedriver",
            &format!("http://127.0.0.1:{driver_port}/status"),
        )
        .await;
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .expect("a WebDriver session");
        Browser {
            client,
            driver,
            driver_port,
            _profile: profile,
        }
    }

    /// Opens another tab on `url` and switches to it; returns the handles
    /// of (the previous tab, the new one).
    pub async fn new_tab(
        &self,
        url: &str,
    ) -> (fantoccini::wd::WindowHandle, fantoccini::wd::WindowHandle) {
        let first = self.client.window().await.expect("current window");
        let new = self.client.new_window(true).await.expect("new tab").handle;
        self.client
            .switch_to_window(new.clone())
            .await
            .expect("switch tab");
        self.goto(url).await;
        (first, new)
    }

    /// Makes `tab` the one the next calls act on.
    pub async fn switch_to(&self, tab: &fantoccini::wd::WindowHandle) {
        self.client
            .switch_to_window(tab.clone())
            .await
            .expect("switch tab");
    }

    /// Opens a page.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// The widget host's shadow root, waiting for the loader to create it.
    pub async fn shadow(&self) -> fantoccini::elements::ShadowRoot {
        let host = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("causette-widget"))
            .await
            .expect("the causette-widget host element");
        host.shadow_root().await.expect("an open shadow root")
    }

    /// An element inside the widget's shadow root, waiting for it.
    pub async fn widget(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(e) = self.shadow().await.find(Locator::Css(css)).await {
                return e;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "timed out waiting for `{css}` in the widget"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element matching `css` in the widget, finding it again if
    /// it was re-rendered in between.
    pub async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            if self.widget(css).await.click().await.is_ok() {
                return;
            }
            assert!(start.elapsed() < PATIENCE, "could not click `{css}`");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// Text of elements matching `css` in the shadow root.
    pub async fn widget_texts(&self, css: &str) -> Vec<String> {
        let script = format!(
            "const h = document.querySelector('causette-widget'); \
             if (!h || !h.shadowRoot) return []; \
             return [...h.shadowRoot.querySelectorAll({css:?})].map(e => e.textContent);"
        );
        match self.js(&script).await {
            Value::Array(a) => a
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        }
    }

    /// Waits until some element matching `css` has text satisfying `pred`;
    /// returns that text.
    pub async fn wait_text(&self, css: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            if let Some(t) = self.widget_texts(css).await.into_iter().find(|t| pred(t)) {
                return t;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "timed out waiting for {what}; `{css}` shows {:?}",
                self.widget_texts(css).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the status line to show `state` (`unavailable`, `ended`,
    /// `reconnecting`, `offline`); returns its text and `data-code`. Read in
    /// one script call: element handles into a re-rendering shadow root can
    /// go stale between two WebDriver calls.
    pub async fn status(&self, state: &str) -> (String, Option<String>) {
        let script = format!(
            "const h = document.querySelector('causette-widget'); \
             const s = h && h.shadowRoot && h.shadowRoot.querySelector('.status.{state}'); \
             return s && !s.hidden ? [s.textContent, s.getAttribute('data-code')] : null;"
        );
        let start = Instant::now();
        loop {
            if let Value::Array(a) = self.js(&script).await {
                let text = a[0].as_str().unwrap_or_default().to_owned();
                return (text, a[1].as_str().map(str::to_owned));
            }
            assert!(
                start.elapsed() < PATIENCE,
                "timed out waiting for the {state} status"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens the panel and sends `text` with the Enter key.
    pub async fn ask(&self, text: &str) {
        let input = self.widget(".composer .input").await;
        wait_for("the composer to be visible", || async {
            input.is_displayed().await.unwrap_or(false)
        })
        .await;
        input.send_keys(text).await.expect("type");
        input.send_keys("\u{E007}").await.expect("press Enter");
    }

    /// The browser console messages so far (drained), as (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let res: Value = self
            .driver_post("se/log", json!({"type": "browser"}))
            .await
            .expect("log request")
            .json()
            .await
            .expect("log json");
        res["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or_default().to_owned(),
                            e["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Cuts the browser off the network (DevTools network emulation), or
    /// gives it back.
    pub async fn set_offline(&self, offline: bool) {
        let conditions = json!({"network_conditions": {
            "offline": offline, "latency": 0,
            "download_throughput": 1_000_000_000, "upload_throughput": 1_000_000_000
        }});
        let res = self
            .driver_post("chromium/network_conditions", conditions)
            .await
            .expect("network conditions");
        assert!(
            res.status().is_success(),
            "network conditions: {}",
            res.text().await.unwrap_or_default()
        );
    }

    /// POSTs `body` to one of chromedriver's own endpoints for this
    /// session (`/session/{id}/{path}`), which WebDriver clients lack.
    async fn driver_post(&self, path: &str, body: Value) -> reqwest::Result<reqwest::Response> {
        let sid = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let url = format!("http://127.0.0.1:{}/session/{sid}/{path}", self.driver_port);
        reqwest::Client::new().post(url).json(&body).send().await
    }

    /// Ends the browser session.
    pub async fn close(self) {
        let _ = self.client.close().await;
        drop(self.driver);
    }
}

// ── Accessibility, strict CSP and mobile ────────────────────────────────
// Helpers for tests/a11y.rs: pages served with headers of their own (a
// strict Content-Security-Policy), DevTools commands through chromedriver,
// axe-core, and screenshots.

/// One file of a [`StaticSite::serve_files`] site.
pub struct StaticFile {
    /// Its path (`/`, `/watch.js`).
    pub path: &'static str,
    /// Its `content-type`.
    pub content_type: &'static str,
    /// Its body.
    pub body: String,
}

impl StaticSite {
    /// Serves `files` by path on `port` (0 for any), every response with
    /// the `headers` given (name, value); unknown paths get 404.
    pub async fn serve_files(
        port: u16,
        files: Vec<StaticFile>,
        headers: Vec<(String, String)>,
    ) -> StaticSite {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        let port = listener.local_addr().unwrap().port();
        let files = std::sync::Arc::new(files);
        let extra: String = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (files, extra) = (files.clone(), extra.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]);
                    let path = request.split_whitespace().nth(1).unwrap_or("/");
                    let path = path.split('?').next().unwrap_or(path);
                    let (status, content_type, body) = match files.iter().find(|f| f.path == path) {
                        Some(f) => ("200 OK", f.content_type, f.body.as_str()),
                        None => ("404 Not Found", "text/plain", "not found"),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        StaticSite { port, task }
    }
}

/// Where screenshots go: `target/screenshots/` in the workspace.
pub fn screenshots_dir() -> PathBuf {
    workspace_root().join("target/screenshots")
}

impl Browser {
    /// Runs a Chrome DevTools Protocol command through chromedriver
    /// (`goog/cdp/execute`) and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let res = self
            .driver_post("goog/cdp/execute", json!({"cmd": cmd, "params": params}))
            .await
            .expect("a DevTools command");
        let ok = res.status().is_success();
        let body: Value = res.json().await.expect("DevTools JSON");
        assert!(ok, "{cmd}: {body}");
        body["value"].clone()
    }

    /// Emulates CSS media features, e.g. `[("prefers-reduced-motion",
    /// "reduce")]`; an empty list ends the emulation.
    pub async fn emulate_media(&self, features: &[(&str, &str)]) {
        let features: Vec<Value> = features
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect();
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        )
        .await;
    }

    /// Saves a PNG of the viewport as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Runs axe-core (installed by `cargo xtask setup`) against the widget,
    /// shadow root included, and returns its violations as
    /// `[{id, impact, help, nodes: [target…]}]`. The script is injected
    /// through WebDriver, never through markup on the page.
    pub async fn axe(&self) -> Vec<Value> {
        let path = workspace_root().join(".tools/axe-core/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask setup`)", path.display()));
        self.client
            .execute(&source, vec![])
            .await
            .expect("axe-core loads");
        let script = "const done = arguments[arguments.length - 1]; \
            axe.run(document.querySelector('causette-widget'), { resultTypes: ['violations'] }) \
              .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
                 nodes: v.nodes.map(n => [n.target, n.failureSummary]) })))) \
              .catch(e => done([{ id: 'axe-error', help: String(e) }]));";
        match self
            .client
            .execute_async(script, vec![])
            .await
            .expect("axe runs")
        {
            Value::Array(v) => v,
            other => panic!("axe answered {other}"),
        }
    }
}
