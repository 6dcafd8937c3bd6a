//! Answers from a site's model, against local servers that speak each
//! vendor's documented streaming format (fixtures in
//! `tests/fixtures/providers/`, sent in pieces cut inside lines and inside
//! UTF-8 characters): what is sent, what is relayed, how failures are
//! judged, logged and counted — and that the API key shows nowhere.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use causette_server::app::{AppState, Settings};
use causette_server::kb::{parse, Kind};
use causette_server::provider::{reply_stream, ProviderError, Role, Turn};
use causette_server::store::{Plan, RefreshPolicy, Site, Store};
use futures::StreamExt as _;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const OPENAI: &str = include_str!("fixtures/providers/openai.sse");
const ANTHROPIC: &str = include_str!("fixtures/providers/anthropic.sse");
const GEMINI: &str = include_str!("fixtures/providers/gemini.sse");
/// What every fixture's pieces add up to.
const EXPECTED: &str = "Hello! The gardening club costs **twelve euros** a month — café inclus, 日本語も大丈夫です。\n\nSources: [Pricing](https://shop.example/help/pricing.md)";

const KEY: &str = "sk-test-K3y-n3v3r-sh0wn-0123456789";
const KEY_NAME: &str = "SHOP_MODEL_KEY";
const QUESTION: &str = "How much does the gardening club cost?";
/// A sentence of the site's passage the prompt must carry.
const PASSAGE: &str = "The gardening club costs twelve euros a month, paid yearly.";

// ---- A vendor's server, on loopback ----

/// A request the fake vendor received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    /// Path and query.
    target: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the fake vendor answers.
#[derive(Clone)]
enum Answer {
    /// 200 and an event stream, sent `piece` bytes at a time. `cut`: stop
    /// after that many bytes. `chunked`: chunked transfer coding (a cut
    /// then breaks a chunk), else the body ends when the connection closes.
    Stream {
        body: Vec<u8>,
        piece: usize,
        cut: Option<usize>,
        chunked: bool,
    },
    /// A status with headers and a body (JSON unless `headers` say otherwise).
    Status {
        status: u16,
        headers: Vec<(&'static str, &'static str)>,
        body: String,
    },
}

fn stream(fixture: &str) -> Answer {
    Answer::Stream {
        body: fixture.as_bytes().to_vec(),
        piece: 7,
        cut: None,
        chunked: true,
    }
}

struct Vendor {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Vendor {
    async fn start(answer: Answer) -> Vendor {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let answer = answer.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    log.lock().unwrap().push(req);
                    let _ = respond(&mut sock, &answer).await;
                });
            }
        });
        Vendor { url, received }
    }

    fn only_request(&self) -> Received {
        let r = self.received.lock().unwrap();
        assert_eq!(r.len(), 1, "{r:?}");
        r[0].clone()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, target) = (start.next()?.to_owned(), start.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}

async fn respond(sock: &mut tokio::net::TcpStream, answer: &Answer) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    match answer {
        Answer::Status {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Whatever\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            if !headers.iter().any(|(n, _)| *n == "content-type") {
                head.push_str("content-type: application/json\r\n");
            }
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(body.as_bytes()).await?;
        }
        Answer::Stream {
            body,
            piece,
            cut,
            chunked,
        } => {
            let coding = if *chunked {
                "transfer-encoding: chunked\r\n"
            } else {
                ""
            };
            sock.write_all(
                format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n{coding}connection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
            let end = cut.unwrap_or(body.len()).min(body.len());
            for p in body[..end].chunks(*piece) {
                if *chunked {
                    sock.write_all(format!("{:x}\r\n", p.len()).as_bytes())
                        .await?;
                    sock.write_all(p).await?;
                    sock.write_all(b"\r\n").await?;
                } else {
                    sock.write_all(p).await?;
                }
                sock.flush().await?;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            if *chunked && cut.is_none() {
                sock.write_all(b"0\r\n\r\n").await?;
            }
        }
    }
    sock.shutdown().await
}

// ---- The server's state, in this process ----

/// Log lines written while a test runs (on its own thread).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct Setup {
    state: AppState,
    logs: Logs,
    _guard: tracing::subscriber::DefaultGuard,
    _dir: tempfile::TempDir,
}

/// A server state whose site `shop` answers with `model` at `base_url`
/// with the key named `key_name` (`KEY` is in the secrets file under
/// `KEY_NAME`), and one help page about the gardening club.
async fn setup(model: &str, base_url: &str, key_name: Option<&str>) -> Setup {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().unwrap();
    let secrets = secrets_file(
        dir.path(),
        &format!("# model keys\n{KEY_NAME}={KEY}\n"),
        0o600,
    );
    let store = Store::open(dir.path(), None).await.unwrap();
    store
        .add_site(&Site {
            key: "shop".into(),
            name: "Gardening club".into(),
            origins: vec!["https://shop.example".into()],
            plan: Plan::Free,
            access_ttl_secs: 300,
            theme: serde_json::json!({}),
            model: Some(model.into()),
            model_base_url: Some(base_url.into()),
            model_key: key_name.map(Into::into),
        })
        .await
        .unwrap();
    let settings = Settings {
        issuer: "http://127.0.0.1:9".into(),
        audience: "http://127.0.0.1:9/v1".into(),
        leeway_secs: 5,
        stream_delay: Duration::from_millis(1),
        refresh: RefreshPolicy::default(),
        rate_per_ip: 0,
        rate_per_site: 0,
        messages_per_minute: 0,
        trust_forwarded_for: false,
        kb_dir: dir.path().join("kb"),
        secrets_file: Some(secrets),
    };
    let state = AppState::new(store, settings).await.unwrap();
    let link = "https://shop.example/help/pricing.md";
    let page = format!("# Pricing\n\n## Plans\n\n{PASSAGE}\n");
    state
        .kb
        .site("shop", true)
        .unwrap()
        .unwrap()
        .add(&[parse(Kind::Markdown, link, Some(link.into()), &page)])
        .unwrap();
    Setup {
        state,
        logs,
        _guard: guard,
        _dir: dir,
    }
}

/// `secrets.env` in `dir` holding `text`, with Unix permissions `mode`.
fn secrets_file(dir: &std::path::Path, text: &str, mode: u32) -> std::path::PathBuf {
    let file = dir.join("secrets.env");
    std::fs::write(&file, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    file
}

fn history() -> Vec<Turn> {
    vec![
        Turn {
            role: Role::Visitor,
            text: "Hi there".into(),
        },
        Turn {
            role: Role::Assistant,
            text: "Hello! What would you like to know?".into(),
        },
    ]
}

/// Everything the site's model stream yields.
async fn ask(state: &AppState) -> Vec<Result<String, ProviderError>> {
    let pieces = reply_stream(state, "shop", QUESTION, &history())
        .await
        .unwrap()
        .expect("the site answers with a model");
    tokio::time::timeout(Duration::from_secs(30), pieces.collect())
        .await
        .expect("the stream ends")
}

/// The error ending `items`, which must be the last and only one.
fn failure(items: &[Result<String, ProviderError>]) -> &ProviderError {
    let errors: Vec<_> = items.iter().filter(|i| i.is_err()).collect();
    assert_eq!(errors.len(), 1, "{items:?}");
    match items.last() {
        Some(Err(e)) => e,
        other => panic!("the stream does not end with its error: {other:?}"),
    }
}

struct Case {
    vendor: &'static str,
    model: &'static str,
    fixture: &'static str,
    /// The base URL's path after the fake server's address.
    base_path: &'static str,
    path: &'static str,
    auth: (&'static str, String),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            vendor: "openai",
            model: "openai:gpt-4o",
            fixture: OPENAI,
            base_path: "/v1",
            path: "/v1/chat/completions",
            auth: ("authorization", format!("Bearer {KEY}")),
        },
        Case {
            vendor: "anthropic",
            model: "anthropic:claude-sonnet-4-5",
            fixture: ANTHROPIC,
            base_path: "",
            path: "/v1/messages",
            auth: ("x-api-key", KEY.to_owned()),
        },
        Case {
            vendor: "gemini",
            model: "gemini:gemini-2.0-flash",
            fixture: GEMINI,
            base_path: "",
            path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
            auth: ("x-goog-api-key", KEY.to_owned()),
        },
    ]
}

/// The prompt's text, wherever the vendor puts it.
fn prompt_text(body: &Value) -> String {
    body.to_string()
}

// ---- Streaming ----

#[tokio::test]
async fn a_follow_up_question_brings_the_passages_of_the_one_before() {
    let vendor = Vendor::start(stream(OPENAI)).await;
    let s = setup(
        "openai:gpt-4o",
        &format!("{}/v1", vendor.url),
        Some(KEY_NAME),
    )
    .await;
    let follow_up = "And for children?";
    let mut history = history();
    history.extend([
        Turn {
            role: Role::Visitor,
            text: QUESTION.into(),
        },
        Turn {
            role: Role::Assistant,
            text: "Twelve euros a month.".into(),
        },
        // Stored before it is answered.
        Turn {
            role: Role::Visitor,
            text: follow_up.into(),
        },
    ]);
    let pieces = reply_stream(&s.state, "shop", follow_up, &history)
        .await
        .unwrap()
        .expect("the site answers with a model");
    let _: Vec<_> = tokio::time::timeout(Duration::from_secs(30), pieces.collect())
        .await
        .expect("the stream ends");
    let prompt = prompt_text(&vendor.only_request().body);
    assert!(
        prompt.contains(PASSAGE),
        "the follow-up names nothing the pages hold; the question before it does: {prompt}"
    );
    assert!(!prompt.contains("No passage of the site's pages matches"));
}

#[tokio::test]
async fn each_vendor_streams_the_reply_in_order_from_its_documented_format() {
    assert!(
        GEMINI.contains("\r\n\r\n"),
        "the Gemini fixture keeps its CRLF line breaks"
    );
    for c in cases() {
        let vendor = Vendor::start(stream(c.fixture)).await;
        let s = setup(
            c.model,
            &format!("{}{}", vendor.url, c.base_path),
            Some(KEY_NAME),
        )
        .await;
        let items = ask(&s.state).await;
        let pieces: Vec<String> = items
            .iter()
            .map(|i| i.clone().unwrap_or_else(|e| panic!("{}: {e}", c.vendor)))
            .collect();
        assert!(pieces.len() >= 4, "{}: {pieces:?}", c.vendor);
        assert_eq!(pieces.concat(), EXPECTED, "{}", c.vendor);
        assert!(pieces.iter().all(|p| !p.is_empty()));

        let req = vendor.only_request();
        assert_eq!(req.method, "POST", "{}", c.vendor);
        assert_eq!(req.target, c.path, "{}", c.vendor);
        assert_eq!(
            req.header(c.auth.0),
            Some(c.auth.1.as_str()),
            "{}",
            c.vendor
        );
        assert!(!req.target.contains(KEY), "{}: key in the URL", c.vendor);
        assert!(!req.target.contains("key="), "{}: key in the URL", c.vendor);
        let prompt = prompt_text(&req.body);
        assert!(
            prompt.contains(PASSAGE),
            "{}: no passage in {prompt}",
            c.vendor
        );
        assert!(prompt.contains(QUESTION), "{}: no question", c.vendor);
        assert!(
            prompt.contains("Hello! What would you like to know?"),
            "{}: no history",
            c.vendor
        );
        assert!(
            prompt.contains("https://shop.example/help/pricing.md"),
            "{}: no link",
            c.vendor
        );
        assert!(!prompt.contains(KEY), "{}", c.vendor);
        match c.vendor {
            "openai" => {
                assert_eq!(req.body["model"], "gpt-4o");
                assert_eq!(req.body["stream"], true);
                assert_eq!(req.body["messages"][0]["role"], "system");
                let last = req.body["messages"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .clone();
                assert_eq!(last["role"], "user");
                assert_eq!(last["content"], QUESTION);
            }
            "anthropic" => {
                assert_eq!(req.body["model"], "claude-sonnet-4-5");
                assert_eq!(req.body["stream"], true);
                assert!(req.body["max_tokens"].as_u64().unwrap() > 0);
                assert!(req.body["system"].as_str().unwrap().contains(PASSAGE));
                assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(req.body["messages"][0]["role"], "user");
            }
            "gemini" => {
                let system = &req.body["systemInstruction"]["parts"][0]["text"];
                assert!(system.as_str().unwrap().contains(PASSAGE));
                let contents = req.body["contents"].as_array().unwrap();
                assert_eq!(contents.last().unwrap()["role"], "user");
                assert_eq!(contents[1]["role"], "model");
                assert_eq!(contents.last().unwrap()["parts"][0]["text"], QUESTION);
            }
            _ => unreachable!(),
        }
        let metrics = s.state.providers.metrics().render();
        assert!(
            metrics.contains(&format!(
                "causette_provider_replies_total{{provider=\"{}\"}} 1",
                c.vendor
            )),
            "{metrics}"
        );
        assert!(!s.logs.text().contains(KEY));
    }
}

#[tokio::test]
async fn ollama_and_mistral_speak_chat_completions_and_a_local_server_needs_no_key() {
    let vendor = Vendor::start(stream(OPENAI)).await;
    // The site names no key: a local server gets none.
    let s = setup("ollama:llama3.2:1b", &format!("{}/v1", vendor.url), None).await;
    let items = ask(&s.state).await;
    assert_eq!(
        items.into_iter().map(Result::unwrap).collect::<String>(),
        EXPECTED
    );
    let req = vendor.only_request();
    assert_eq!(req.target, "/v1/chat/completions");
    assert_eq!(req.body["model"], "llama3.2:1b");
    assert_eq!(req.header("authorization"), None);

    let vendor = Vendor::start(stream(OPENAI)).await;
    let s = setup(
        "mistral:mistral-large-latest",
        &format!("{}/v1", vendor.url),
        Some(KEY_NAME),
    )
    .await;
    let items = ask(&s.state).await;
    assert!(items.iter().all(Result::is_ok));
    let req = vendor.only_request();
    assert_eq!(req.body["model"], "mistral-large-latest");
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn a_site_without_a_model_answers_from_its_knowledge_base() {
    let vendor = Vendor::start(stream(OPENAI)).await;
    let s = setup("kb", &vendor.url, Some(KEY_NAME)).await;
    assert!(reply_stream(&s.state, "shop", QUESTION, &[])
        .await
        .unwrap()
        .is_none());
    assert!(reply_stream(&s.state, "no-such-site", QUESTION, &[])
        .await
        .is_err());
    assert!(vendor.received.lock().unwrap().is_empty());
}

// ---- Failures ----

#[tokio::test]
async fn http_failures_get_their_upstream_code_one_log_line_and_a_count() {
    // (status, headers, body, the code it gets)
    type Failing = (
        u16,
        Vec<(&'static str, &'static str)>,
        &'static str,
        &'static str,
    );
    let statuses: [Failing; 3] = [
        (
            401,
            vec![],
            // OpenAI echoes a masked key; this one echoes it whole.
            r#"{"error":{"message":"Incorrect API key provided: sk-test-K3y-n3v3r-sh0wn-0123456789. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            "provider_key_rejected",
        ),
        (
            429,
            vec![("retry-after", "20")],
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
            "provider_rate_limited",
        ),
        (
            500,
            vec![],
            r#"{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}"#,
            "provider_unavailable",
        ),
    ];
    for c in cases() {
        for (status, headers, body, code) in &statuses {
            let vendor = Vendor::start(Answer::Status {
                status: *status,
                headers: headers.clone(),
                body: body.to_string(),
            })
            .await;
            let s = setup(
                c.model,
                &format!("{}{}", vendor.url, c.base_path),
                Some(KEY_NAME),
            )
            .await;
            let metrics = s.state.providers.metrics().clone();
            assert_eq!(metrics.failures(code, c.vendor), 0);
            let items = ask(&s.state).await;
            assert_eq!(items.len(), 1, "{}/{status}: {items:?}", c.vendor);
            let e = failure(&items);
            assert_eq!(e.code(), *code, "{}/{status}", c.vendor);
            assert_eq!(e.provider(), c.vendor);
            assert_eq!(e.verdict().status, Some(*status));
            if *status == 429 {
                assert_eq!(e.retry_after(), Some(20));
                assert!(e.is_transient());
            }
            assert_eq!(metrics.failures(code, c.vendor), 1, "{}/{status}", c.vendor);

            let logs = s.logs.text();
            let lines: Vec<&str> = logs.lines().filter(|l| l.contains("upstream=")).collect();
            assert_eq!(lines.len(), 1, "one line per failure:\n{logs}");
            let line = lines[0];
            for needle in [
                format!("upstream={code}"),
                format!("provider=\"{}\"", c.vendor),
                "site=shop".to_owned(),
                format!("status={status}"),
            ] {
                assert!(line.contains(&needle), "{needle} missing from {line}");
            }
            assert!(!logs.contains(KEY), "the key is in the logs:\n{logs}");
            assert!(!format!("{e} {e:?}").contains(KEY));
            assert!(!metrics.render().contains(KEY));
        }
    }
}

#[tokio::test]
async fn gemini_answers_a_bad_key_with_400_and_it_is_still_a_rejected_key() {
    let vendor = Vendor::start(Answer::Status {
        status: 400,
        headers: vec![],
        body: r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}"#.into(),
    })
    .await;
    let s = setup("gemini:gemini-2.0-flash", &vendor.url, Some(KEY_NAME)).await;
    let items = ask(&s.state).await;
    assert_eq!(failure(&items).code(), "provider_key_rejected");

    // An unknown model is a bad request.
    let vendor = Vendor::start(Answer::Status {
        status: 404,
        headers: vec![],
        body: r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#.into(),
    })
    .await;
    let s = setup(
        "openai:gpt-9",
        &format!("{}/v1", vendor.url),
        Some(KEY_NAME),
    )
    .await;
    let items = ask(&s.state).await;
    let e = failure(&items);
    assert_eq!(e.code(), "provider_bad_request");
    assert!(e.verdict().detail.contains("gpt-9"), "{:?}", e.verdict());
}

#[tokio::test]
async fn a_stream_cut_midway_ends_with_an_error_not_a_short_success() {
    for c in cases() {
        for chunked in [true, false] {
            let half = c.fixture.len() / 2;
            let vendor = Vendor::start(Answer::Stream {
                body: c.fixture.as_bytes().to_vec(),
                piece: 5,
                cut: Some(half),
                chunked,
            })
            .await;
            let s = setup(
                c.model,
                &format!("{}{}", vendor.url, c.base_path),
                Some(KEY_NAME),
            )
            .await;
            let items = ask(&s.state).await;
            let e = failure(&items);
            assert_eq!(
                e.code(),
                "provider_unavailable",
                "{} chunked={chunked}",
                c.vendor
            );
            let text: String = items
                .iter()
                .filter_map(|i| i.as_ref().ok())
                .cloned()
                .collect();
            assert!(
                !text.is_empty() && EXPECTED.starts_with(&text) && text != EXPECTED,
                "{} chunked={chunked}: {text:?}",
                c.vendor
            );
            assert_eq!(
                s.state
                    .providers
                    .metrics()
                    .failures("provider_unavailable", c.vendor),
                1
            );
            assert!(!s.logs.text().contains(KEY));
        }
    }
}

#[tokio::test]
async fn an_error_event_after_the_first_pieces_is_a_failure() {
    let cut = ANTHROPIC.find("event: content_block_stop").unwrap();
    let body = format!(
        "{}event: error\ndata: {{\"type\": \"error\", \"error\": {{\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}}}\n\n",
        &ANTHROPIC[..cut]
    );
    let vendor = Vendor::start(stream(&body)).await;
    let s = setup("anthropic:claude-sonnet-4-5", &vendor.url, Some(KEY_NAME)).await;
    let items = ask(&s.state).await;
    let e = failure(&items);
    assert_eq!(e.code(), "provider_unavailable");
    assert!(e.verdict().detail.contains("overloaded_error"));
    assert_eq!(items.len(), 8, "the seven pieces, then the error");
}

#[tokio::test]
async fn a_missing_key_an_unreachable_provider_and_a_web_page_are_named() {
    // A key name that is set nowhere.
    let vendor = Vendor::start(stream(OPENAI)).await;
    let s = setup(
        "openai:gpt-4o",
        &format!("{}/v1", vendor.url),
        Some("CAUSETTE_TEST_NO_SUCH_KEY"),
    )
    .await;
    let items = ask(&s.state).await;
    let e = failure(&items);
    assert_eq!(e.code(), "provider_key_missing");
    assert!(e.verdict().detail.contains("CAUSETTE_TEST_NO_SUCH_KEY"));
    assert!(
        vendor.received.lock().unwrap().is_empty(),
        "nothing is sent without the key"
    );

    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = setup(
        "anthropic:claude-sonnet-4-5",
        &format!("http://127.0.0.1:{port}"),
        Some(KEY_NAME),
    )
    .await;
    assert_eq!(failure(&ask(&s.state).await).code(), "provider_unavailable");

    // A base URL that serves a web page.
    let vendor = Vendor::start(Answer::Status {
        status: 200,
        headers: vec![("content-type", "text/html")],
        body: "<!doctype html><html><body>Welcome to nginx!</body></html>\n".into(),
    })
    .await;
    let s = setup("openai:gpt-4o", &vendor.url, Some(KEY_NAME)).await;
    assert_eq!(
        failure(&ask(&s.state).await).code(),
        "provider_bad_response"
    );
}

// ---- /metrics ----

#[tokio::test]
async fn metrics_count_failures_for_loopback_callers_and_never_show_the_key() {
    let vendor = Vendor::start(Answer::Status {
        status: 429,
        headers: vec![("retry-after", "3")],
        body: format!(r#"{{"error":{{"message":"slow down, {KEY}","type":"requests","code":"rate_limit_exceeded"}}}}"#),
    })
    .await;
    let s = setup(
        "openai:gpt-4o",
        &format!("{}/v1", vendor.url),
        Some(KEY_NAME),
    )
    .await;
    ask(&s.state).await;
    ask(&s.state).await;

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = causette_server::app::router(s.state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let c = reqwest::Client::new();
    let res = c
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert!(
        text.contains("causette_provider_failures_total{code=\"provider_rate_limited\",provider=\"openai\"} 2"),
        "{text}"
    );
    assert!(text.contains("# TYPE causette_provider_failures_total counter"));
    assert!(!text.contains(KEY));
    assert!(!s.logs.text().contains(KEY), "{}", s.logs.text());
    // Through a proxy (which adds X-Forwarded-For) it is not served.
    let res = c
        .get(format!("http://{addr}/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

// ---- The command line ----

#[tokio::test]
async fn site_model_settings_round_trip_through_the_command_line() {
    let db = support::Database::fresh().await;
    let out = db
        .admin(&[
            "site",
            "add",
            "shop",
            "--model",
            "anthropic:claude-sonnet-4-5",
        ])
        .await;
    assert!(
        out.contains("model        anthropic:claude-sonnet-4-5"),
        "{out}"
    );
    assert!(out.contains("key from ANTHROPIC_API_KEY"), "{out}");

    db.admin(&[
        "site",
        "update",
        "shop",
        "--model",
        "ollama:llama3.2:1b",
        "--model-base-url",
        "http://gpu.lan:11434/v1/",
    ])
    .await;
    let out = db.admin(&["site", "show", "shop"]).await;
    assert!(out.contains("model        ollama:llama3.2:1b"), "{out}");
    assert!(out.contains("API http://gpu.lan:11434/v1\n"), "{out}");
    assert!(out.contains("no key"), "{out}");

    db.admin(&[
        "site",
        "update",
        "shop",
        "--model",
        "openai:gpt-4o",
        "--model-base-url",
        "",
        "--model-key",
        "SHOP_OPENAI_KEY",
    ])
    .await;
    let out = db.admin(&["site", "show", "shop"]).await;
    assert!(out.contains("model        openai:gpt-4o"), "{out}");
    assert!(
        out.contains("API https://api.openai.com/v1 (the vendor's own)"),
        "{out}"
    );
    assert!(out.contains("key from SHOP_OPENAI_KEY"), "{out}");

    for (args, says) in [
        (
            vec!["--model", "gpt-4o"],
            "is not a model: write vendor:model",
        ),
        (
            vec!["--model", "openia:gpt-4o"],
            "unknown model vendor \"openia\"",
        ),
        (
            vec!["--model-key", "sk-live-0123456789"],
            "not the key itself",
        ),
        (
            vec![
                "--model-base-url",
                "https://api.example.com/v1?key=sk-live-0123456789",
            ],
            "never in the URL",
        ),
    ] {
        let mut all = vec!["site", "update", "shop"];
        all.extend(args.iter().copied());
        let err = db.admin_fails(&all).await;
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("sk-live"), "the command repeats a key: {err}");
    }
    // Nothing changed by the refused commands.
    let out = db.admin(&["site", "show", "shop"]).await;
    assert!(out.contains("model        openai:gpt-4o"), "{out}");

    // Back to the knowledge base, both ways.
    let out = db.admin(&["site", "update", "shop", "--no-model"]).await;
    assert!(out.contains("model        knowledge base (kb)"), "{out}");
    db.admin(&[
        "site",
        "update",
        "shop",
        "--model",
        "gemini:gemini-2.0-flash",
    ])
    .await;
    let out = db.admin(&["site", "update", "shop", "--model", "kb"]).await;
    assert!(out.contains("model        knowledge base (kb)"), "{out}");
    let err = db
        .admin_fails(&["site", "update", "shop", "--model-key", "X"])
        .await;
    assert!(err.contains("go with a model"), "{err}");
}

#[tokio::test]
async fn serve_refuses_a_secrets_file_every_user_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = secrets_file(dir.path(), &format!("OPENAI_API_KEY={KEY}\n"), 0o644);
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_causette"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .arg("--secrets")
        .arg(&file)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("serve stops at once")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if cfg!(unix) {
        assert!(!out.status.success());
        assert!(stderr.contains("chmod 600"), "{stderr}");
    }
    assert!(!stderr.contains(KEY));
}

#[tokio::test]
async fn site_ask_prints_the_streamed_reply_or_the_failure_with_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = secrets_file(dir.path(), &format!("{KEY_NAME}={KEY}\n"), 0o600);
    let secrets = secrets.display().to_string();
    let db = support::Database::fresh().await;
    let vendor = Vendor::start(stream(GEMINI)).await;
    db.admin(&[
        "site",
        "add",
        "shop",
        "--model",
        "gemini:gemini-2.0-flash",
        "--model-base-url",
        &vendor.url,
        "--model-key",
        KEY_NAME,
    ])
    .await;
    let out = db
        .admin(&["site", "ask", "shop", QUESTION, "--secrets", &secrets])
        .await;
    assert_eq!(out, format!("{EXPECTED}\n"));
    assert_eq!(vendor.only_request().header("x-goog-api-key"), Some(KEY));

    let vendor = Vendor::start(Answer::Status {
        status: 401,
        headers: vec![],
        body: r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#.into(),
    })
    .await;
    db.admin(&[
        "site",
        "update",
        "shop",
        "--model",
        "anthropic:claude-sonnet-4-5",
        "--model-base-url",
        &vendor.url,
    ])
    .await;
    let err = db
        .admin_fails(&["site", "ask", "shop", QUESTION, "--secrets", &secrets])
        .await;
    for needle in [
        "provider_key_rejected (anthropic)",
        "status   401",
        "invalid x-api-key",
        "fix ",
    ] {
        assert!(err.contains(needle), "{needle} missing from {err}");
    }
    assert!(!err.contains(KEY));

    // Back on the knowledge base, it answers from there.
    db.admin(&["site", "update", "shop", "--no-model"]).await;
    let out = db
        .admin(&["site", "ask", "shop", "What is the weather?"])
        .await;
    assert!(out.starts_with("I don't know"), "{out}");
}

#[tokio::test]
async fn the_running_server_serves_metrics_on_loopback() {
    let (s, _db) = support::Server::start().await;
    let res = reqwest::get(format!("{}/metrics", s.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("# TYPE causette_provider_failures_total counter"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE causette_provider_replies_total counter"),
        "{text}"
    );
}
