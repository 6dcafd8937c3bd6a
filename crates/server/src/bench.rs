//! `causette bench`: the server's figures against DESIGN.md's budgets,
//! measured in one run on loopback and printed — never a timed test.
//!
//! 1. The raw Ed25519 signing rate of an access token, on one thread.
//! 2. Session creations and refreshes per second over HTTP, with p50 and
//!    p99 latency, at a fixed concurrency, against the real router served
//!    in-process on 127.0.0.1 — on SQLite in a temporary directory, and on
//!    PostgreSQL when given a URL (of an empty database).
//! 3. Optionally, N concurrent SSE streams held open, with the process's
//!    resident memory.
//!
//! The budget: issuing and refreshing sessions runs at no less than half
//! the raw signing rate measured in the same run. Every count and duration
//! is bounded, so the command stops by itself.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use causette_token::keys::SigningKey;
use causette_token::AccessClaims;
use clap::Args;
use serde_json::{json, Value};

use crate::app::{router, AppState, Settings};
use crate::store::{new_id, Backend, Plan, RefreshPolicy, SiteChanges, Store};

/// Issue and refresh rates must reach this share of the signing rate.
pub const RATE_BUDGET: f64 = 0.5;
/// Concurrent SSE streams a 2-core machine must hold.
pub const STREAMS_BUDGET: usize = 10_000;

/// Options of `causette bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Also measure on this PostgreSQL database (give an empty one: the
    /// bench fills it with sessions). SQLite, in a temporary directory, is
    /// always measured.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Requests per measurement (creations, then refreshes) ...
    #[arg(long, default_value_t = 4_000)]
    pub requests: usize,
    /// ... or this many seconds, whichever comes first.
    #[arg(long, default_value_t = 10)]
    pub max_secs: u64,
    /// Seconds spent measuring the raw signing rate.
    #[arg(long, default_value_t = 2.0)]
    pub sign_secs: f64,
    /// Concurrent SSE streams to hold open (0: skip).
    #[arg(long, default_value_t = 1_000)]
    pub streams: usize,
    /// Seconds the streams are held open.
    #[arg(long, default_value_t = 3)]
    pub hold_secs: u64,
    /// Exit with status 1 when a budget is missed.
    #[arg(long)]
    pub check: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the bench; the exit code says how it went.
pub async fn run(args: BenchArgs) -> ExitCode {
    // Server errors (a 500's cause) go to stderr; RUST_LOG says more.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match measure(&args).await {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
                );
            } else {
                print!("{}", report.render());
            }
            if args.check && !report.within_budget() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("causette bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Everything measured in one run.
#[derive(Debug)]
pub struct Report {
    /// CPUs available to the process.
    pub cpus: usize,
    /// Requests in flight.
    pub concurrency: usize,
    /// Raw signatures per second, one thread.
    pub signing_rate: f64,
    /// One per database.
    pub backends: Vec<BackendFigures>,
    /// The SSE streams, when measured.
    pub streams: Option<Streams>,
    /// Things worth knowing that are not figures.
    pub notes: Vec<String>,
}

/// The HTTP figures on one database.
#[derive(Debug)]
pub struct BackendFigures {
    /// `SQLite` or `PostgreSQL`.
    pub name: &'static str,
    /// `POST /v1/sessions`.
    pub create: Load,
    /// `POST /v1/sessions/refresh`.
    pub refresh: Load,
}

/// One HTTP load: successes per second and their latencies.
#[derive(Debug, Default)]
pub struct Load {
    /// Successful answers (201 or 200).
    pub ok: usize,
    /// Wall time of the whole load.
    pub elapsed: Duration,
    /// Median latency of successes.
    pub p50: Duration,
    /// 99th percentile latency of successes.
    pub p99: Duration,
    /// Failures by kind (`HTTP 500`, `connect: …`).
    pub errors: BTreeMap<String, usize>,
}

impl Load {
    /// Successes per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }
}

/// Concurrent SSE streams.
#[derive(Debug)]
pub struct Streams {
    /// Streams asked for.
    pub requested: usize,
    /// Streams open (200 received and still open at the end of the hold).
    pub held: usize,
    /// Streams that ended during the hold.
    pub dropped: usize,
    /// How long opening them all took.
    pub open_time: Duration,
    /// How long they were held.
    pub hold: Duration,
    /// Resident memory before opening them, bytes.
    pub rss_before: u64,
    /// Resident memory while they were open, bytes.
    pub rss_held: u64,
    /// The open-file limit in force.
    pub nofile: u64,
    /// Failures by kind.
    pub errors: BTreeMap<String, usize>,
}

impl Report {
    fn ratio(&self, load: &Load) -> f64 {
        load.rate() / self.signing_rate.max(1e-9)
    }

    fn rate_ok(&self, load: &Load) -> bool {
        self.ratio(load) >= RATE_BUDGET
    }

    /// Whether the streams budget was judged and met (`None`: fewer streams
    /// than the budget were asked for, so it is not judged).
    fn streams_ok(&self) -> Option<bool> {
        let s = self.streams.as_ref()?;
        (s.requested >= STREAMS_BUDGET).then_some(s.held >= STREAMS_BUDGET)
    }

    /// Whether every budget judged in this run was met.
    pub fn within_budget(&self) -> bool {
        self.backends
            .iter()
            .all(|b| self.rate_ok(&b.create) && self.rate_ok(&b.refresh))
            && self.streams_ok() != Some(false)
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mark = |ok: bool| if ok { "✓" } else { "✗" };
        out.push_str(&format!(
            "causette bench — {} CPU(s), loopback, client and server in one process, {} requests in flight\n\n",
            self.cpus, self.concurrency
        ));
        out.push_str(&format!(
            "raw Ed25519 signing (1 thread): {} signatures/s\n\n",
            thousands(self.signing_rate)
        ));
        out.push_str(&format!(
            "{:<11} {:<10} {:>8} {:>10} {:>9} {:>9} {:>11} {:>7}\n",
            "database", "call", "ok", "rate/s", "p50", "p99", "÷ signing", "errors"
        ));
        for b in &self.backends {
            for (call, load) in [("create", &b.create), ("refresh", &b.refresh)] {
                out.push_str(&format!(
                    "{:<11} {:<10} {:>8} {:>10} {:>9} {:>9} {:>9.3} {} {:>7}\n",
                    b.name,
                    call,
                    load.ok,
                    thousands(load.rate()),
                    millis(load.p50),
                    millis(load.p99),
                    self.ratio(load),
                    mark(self.rate_ok(load)),
                    load.error_count()
                ));
            }
        }
        for b in &self.backends {
            for (call, load) in [("create", &b.create), ("refresh", &b.refresh)] {
                for (kind, n) in &load.errors {
                    out.push_str(&format!("  {} {call} error: {kind} × {n}\n", b.name));
                }
            }
        }
        out.push_str(&format!(
            "\nbudget: issuing and refreshing sessions at ≥ {RATE_BUDGET} × the signing rate\n"
        ));
        for b in &self.backends {
            for (call, load) in [("create", &b.create), ("refresh", &b.refresh)] {
                let ok = self.rate_ok(load);
                out.push_str(&format!(
                    "  {} {:<10} {:<8} {:.3} × signing ({} of the {} /s needed)\n",
                    mark(ok),
                    b.name,
                    call,
                    self.ratio(load),
                    thousands(load.rate()),
                    thousands(self.signing_rate * RATE_BUDGET),
                ));
            }
        }
        if let Some(s) = &self.streams {
            let per = s.rss_held.saturating_sub(s.rss_before) / s.held.max(1) as u64;
            out.push_str(&format!(
                "\nSSE streams: {} of {} held for {:.1} s (opened in {:.2} s), {} ended early; \
                 RSS {} MiB before, {} MiB held (≈ {} KiB per stream, client side included); \
                 open-file limit {}\n",
                s.held,
                s.requested,
                s.hold.as_secs_f64(),
                s.open_time.as_secs_f64(),
                s.dropped,
                s.rss_before >> 20,
                s.rss_held >> 20,
                per >> 10,
                s.nofile,
            ));
            for (kind, n) in &s.errors {
                out.push_str(&format!("  stream error: {kind} × {n}\n"));
            }
            match self.streams_ok() {
                Some(ok) => out.push_str(&format!(
                    "  {} {STREAMS_BUDGET} concurrent SSE streams held\n",
                    mark(ok)
                )),
                None => out.push_str(&format!(
                    "  – {STREAMS_BUDGET} concurrent streams not judged (run with --streams {STREAMS_BUDGET})\n"
                )),
            }
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str(if self.within_budget() {
            "\nall budgets judged in this run are met\n"
        } else {
            "\nover budget\n"
        });
        out
    }

    /// The machine-readable report.
    pub fn to_json(&self) -> Value {
        let load = |l: &Load| {
            json!({
                "ok": l.ok,
                "elapsed_s": l.elapsed.as_secs_f64(),
                "rate_per_s": l.rate(),
                "p50_ms": l.p50.as_secs_f64() * 1e3,
                "p99_ms": l.p99.as_secs_f64() * 1e3,
                "ratio_to_signing": self.ratio(l),
                "within_budget": self.rate_ok(l),
                "errors": l.errors,
            })
        };
        json!({
            "cpus": self.cpus,
            "concurrency": self.concurrency,
            "signing_rate_per_s": self.signing_rate,
            "rate_budget_ratio": RATE_BUDGET,
            "backends": self.backends.iter().map(|b| json!({
                "database": b.name,
                "create": load(&b.create),
                "refresh": load(&b.refresh),
            })).collect::<Vec<_>>(),
            "streams": self.streams.as_ref().map(|s| json!({
                "requested": s.requested,
                "held": s.held,
                "ended_early": s.dropped,
                "open_s": s.open_time.as_secs_f64(),
                "hold_s": s.hold.as_secs_f64(),
                "rss_before_bytes": s.rss_before,
                "rss_held_bytes": s.rss_held,
                "nofile_limit": s.nofile,
                "errors": s.errors,
                "budget": STREAMS_BUDGET,
                "within_budget": self.streams_ok(),
            })),
            "notes": self.notes,
            "within_budget": self.within_budget(),
        })
    }
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Runs every measurement.
pub async fn measure(args: &BenchArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let mut notes = Vec::new();
    let postgres = match args.database_url.as_deref().filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Some(u),
        Some(_) => {
            notes.push("the database URL is not PostgreSQL's; only SQLite was measured".into());
            None
        }
        None => None,
    };
    let nofile = raise_nofile(args.streams);
    eprintln!("measuring the raw signing rate…");
    let sign_secs = Duration::from_secs_f64(args.sign_secs.clamp(0.1, 60.0));
    let signing_rate = tokio::task::spawn_blocking(move || signing_rate(sign_secs)).await?;

    let mut backends = Vec::new();
    let mut streams = None;
    let dir = temp_dir();
    let result = async {
        eprintln!("SQLite in {}…", dir.display());
        let store = Store::open(&dir, None).await?;
        let loaded = http_loads(store, args).await?;
        backends.push(loaded.figures);
        if args.streams > 0 {
            eprintln!("holding {} SSE streams…", args.streams);
            streams = Some(hold_streams(&loaded.server, loaded.sessions, args, nofile).await?);
        }
        loaded.server.stop().await;
        if let Some(url) = postgres {
            eprintln!("PostgreSQL…");
            let store = Store::open(&dir, Some(url)).await?;
            refuse_if_used(&store).await?;
            let loaded = http_loads(store, args).await?;
            backends.push(loaded.figures);
            loaded.server.stop().await;
        }
        anyhow::Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    if postgres.is_none() {
        notes.push(
            "PostgreSQL not measured (give --database-url postgres://… of an empty database)"
                .into(),
        );
    }
    Ok(Report {
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        concurrency: args.concurrency,
        signing_rate,
        backends,
        streams,
        notes,
    })
}

/// A bench must not fill a real deployment's database with sessions.
async fn refuse_if_used(store: &Store) -> anyhow::Result<()> {
    let others: Vec<String> = store
        .sites()
        .await?
        .into_iter()
        .map(|s| s.key)
        .filter(|k| k != "demo")
        .collect();
    anyhow::ensure!(
        others.is_empty(),
        "the PostgreSQL database already has sites ({}); give the bench an empty database",
        others.join(", ")
    );
    Ok(())
}

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "causette-bench-{}-{}",
        std::process::id(),
        new_id("run")
    ))
}

/// Signs a realistic access token in a loop on this thread.
pub fn signing_rate(for_how_long: Duration) -> f64 {
    let key = SigningKey::generate("bench-key");
    let now = crate::now_unix();
    let mut claims = AccessClaims {
        iss: "http://127.0.0.1:8080".into(),
        aud: "http://127.0.0.1:8080/v1".into(),
        sub: new_id("vis"),
        sid: new_id("ses"),
        cid: new_id("cnv"),
        scope: Plan::Business.scopes().to_owned(),
        iat: now,
        nbf: now,
        exp: now + 300,
        jti: new_id("jti"),
    };
    let start = Instant::now();
    let mut n: u64 = 0;
    loop {
        for _ in 0..64 {
            claims.iat = now + (n & 0xff) as i64;
            std::hint::black_box(key.sign(std::hint::black_box(&claims)));
            n += 1;
        }
        let elapsed = start.elapsed();
        if elapsed >= for_how_long {
            return n as f64 / elapsed.as_secs_f64();
        }
    }
}

/// The real router on a loopback port, in this process.
struct Server {
    origin: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(store: Store) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot listen on 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let origin = format!("http://127.0.0.1:{}", addr.port());
        store
            .ensure_site("demo", "Causette demo", std::slice::from_ref(&origin))
            .await?;
        // The free plan's monthly quota would stop the bench at 100.
        store
            .update_site(
                "demo",
                &SiteChanges {
                    plan: Some(Plan::Business),
                    ..SiteChanges::default()
                },
            )
            .await?;
        let settings = Settings {
            issuer: origin.clone(),
            audience: format!("{origin}/v1"),
            leeway_secs: 5,
            stream_delay: Duration::from_millis(30),
            refresh: RefreshPolicy::default(),
            rate_per_ip: 0,
            rate_per_site: 0,
            messages_per_minute: 0,
            trust_forwarded_for: false,
            // Nothing is asked during the bench: no index is ever opened.
            kb_dir: std::env::temp_dir().join("causette-bench-kb"),
            secrets_file: None,
        };
        let state = AppState::new(store, settings).await?;
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                eprintln!("causette bench: the server stopped: {e}");
            }
        });
        Ok(Server { origin, stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(3), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// An HTTP/1.1 client; `timeout` bounds each whole request.
fn client(max_idle: usize, timeout: Option<Duration>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(max_idle);
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    Ok(builder.build()?)
}

/// What a created session left for later measurements.
struct Created {
    refresh_token: String,
    access_token: String,
    conversation_id: String,
}

/// What the HTTP loads on one database leave behind.
struct Loaded {
    figures: BackendFigures,
    /// Still serving.
    server: Server,
    /// Access tokens and conversation ids of the sessions created.
    sessions: Vec<(String, String)>,
}

/// Creations, then refreshes, on one database.
async fn http_loads(store: Store, args: &BenchArgs) -> anyhow::Result<Loaded> {
    let name = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let server = Server::start(store).await?;
    let client = client(args.concurrency, Some(Duration::from_secs(30)))?;
    let origin = server.origin.clone();
    let budget = Duration::from_secs(args.max_secs.max(1));

    // A short warm-up fills the pools (connections, database).
    let warm = run_load(args.concurrency, args.concurrency * 4, budget, {
        let (client, origin) = (client.clone(), origin.clone());
        move |_| {
            let (client, origin) = (client.clone(), origin.clone());
            async move { create(client, origin).await.map(drop) }
        }
    })
    .await;
    drop(warm);

    let created: Arc<Mutex<Vec<Created>>> = Arc::default();
    let create_load = run_load(args.concurrency, args.requests, budget, {
        let (client, origin, created) = (client.clone(), origin.clone(), created.clone());
        move |_| {
            let (client, origin, created) = (client.clone(), origin.clone(), created.clone());
            async move {
                let c = create(client, origin).await?;
                created.lock().expect("lock").push(c);
                Ok(())
            }
        }
    })
    .await;

    // Each worker takes a token, exchanges it, and queues the successor:
    // every token is presented once, never replayed.
    let created = std::mem::take(&mut *created.lock().expect("lock"));
    let queue: Arc<Mutex<VecDeque<String>>> = Arc::new(Mutex::new(
        created.iter().map(|c| c.refresh_token.clone()).collect(),
    ));
    let refresh_load = run_load(args.concurrency, args.requests, budget, {
        let (client, origin, queue) = (client.clone(), origin.clone(), queue.clone());
        move |_| {
            let (client, origin, queue) = (client.clone(), origin.clone(), queue.clone());
            async move {
                let token = queue
                    .lock()
                    .expect("lock")
                    .pop_front()
                    .ok_or_else(|| "no refresh token left".to_owned())?;
                let next = refresh(client, origin, token).await?;
                queue.lock().expect("lock").push_back(next);
                Ok(())
            }
        }
    })
    .await;
    let sessions = created
        .into_iter()
        .map(|c| (c.access_token, c.conversation_id))
        .collect();
    Ok(Loaded {
        figures: BackendFigures {
            name,
            create: create_load,
            refresh: refresh_load,
        },
        server,
        sessions,
    })
}

/// `total` calls of `call`, `concurrency` at a time, stopping early after
/// `budget`; latencies of successes, failures by kind.
async fn run_load<F, Fut>(concurrency: usize, total: usize, budget: Duration, call: F) -> Load
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + budget;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors: BTreeMap<String, usize> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || Instant::now() >= deadline {
                        break;
                    }
                    let t = Instant::now();
                    match call(i).await {
                        Ok(()) => latencies.push(t.elapsed()),
                        Err(kind) => *errors.entry(kind).or_default() += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for w in workers {
        match w.await {
            Ok((l, e)) => {
                latencies.extend(l);
                for (k, n) in e {
                    *errors.entry(k).or_default() += n;
                }
            }
            Err(e) => *errors.entry(format!("worker: {e}")).or_default() += 1,
        }
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Load {
        ok: latencies.len(),
        elapsed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        errors,
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// A failure's kind, for counting.
fn failure(e: reqwest::Error) -> String {
    if e.is_connect() {
        "cannot connect".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_decode() {
        "bad response body".into()
    } else {
        format!("request failed: {e}")
    }
}

async fn post(
    client: &reqwest::Client,
    origin: &str,
    path: &str,
    body: Value,
    expect: reqwest::StatusCode,
) -> Result<Value, String> {
    let res = client
        .post(format!("{origin}{path}"))
        .header(reqwest::header::ORIGIN, origin)
        .json(&body)
        .send()
        .await
        .map_err(failure)?;
    let status = res.status();
    let body = res.bytes().await.map_err(failure)?;
    if status != expect {
        let code = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("reason").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("HTTP {} {code}", status.as_u16()).trim().to_owned());
    }
    serde_json::from_slice(&body).map_err(|_| "bad response body".to_owned())
}

fn field(v: &Value, name: &str) -> Result<String, String> {
    v.get(name)
        .and_then(|s| s.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("no {name} in the answer"))
}

async fn create(client: reqwest::Client, origin: String) -> Result<Created, String> {
    let v = post(
        &client,
        &origin,
        "/v1/sessions",
        json!({ "site_key": "demo" }),
        reqwest::StatusCode::CREATED,
    )
    .await?;
    Ok(Created {
        refresh_token: field(&v, "refresh_token")?,
        access_token: field(&v, "access_token")?,
        conversation_id: field(&v, "conversation_id")?,
    })
}

async fn refresh(client: reqwest::Client, origin: String, token: String) -> Result<String, String> {
    let v = post(
        &client,
        &origin,
        "/v1/sessions/refresh",
        json!({ "refresh_token": token }),
        reqwest::StatusCode::OK,
    )
    .await?;
    field(&v, "refresh_token")
}

/// Opens `args.streams` SSE streams (more sessions are created when the
/// creation load left too few), holds them, then closes them.
async fn hold_streams(
    server: &Server,
    mut sessions: Vec<(String, String)>,
    args: &BenchArgs,
    nofile: u64,
) -> anyhow::Result<Streams> {
    let origin = server.origin.clone();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    // Both ends of every stream live in this process: two descriptors
    // each, and some to spare for the databases and the runtime.
    let fit = (nofile.saturating_sub(512) / 2) as usize;
    let wanted = if nofile == 0 {
        args.streams
    } else {
        args.streams.min(fit)
    };
    if wanted < args.streams {
        errors.insert(
            format!(
                "the open-file limit ({nofile}) fits only {fit} streams with both ends in one process"
            ),
            args.streams - wanted,
        );
    }
    let setup = client(args.concurrency, Some(Duration::from_secs(30)))?;
    while sessions.len() < wanted {
        let missing = wanted - sessions.len();
        let extra: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let load = run_load(args.concurrency, missing, Duration::from_secs(60), {
            let (client, origin, extra) = (setup.clone(), origin.clone(), extra.clone());
            move |_| {
                let (client, origin, extra) = (client.clone(), origin.clone(), extra.clone());
                async move {
                    let c = create(client, origin).await?;
                    extra
                        .lock()
                        .expect("lock")
                        .push((c.access_token, c.conversation_id));
                    Ok(())
                }
            }
        })
        .await;
        for (k, n) in load.errors {
            *errors
                .entry(format!("creating its session: {k}"))
                .or_default() += n;
        }
        let extra = std::mem::take(&mut *extra.lock().expect("lock"));
        if extra.is_empty() {
            break;
        }
        sessions.extend(extra);
    }
    sessions.truncate(wanted);
    drop(setup);

    let rss_before = rss();
    // One connection per stream: a body being read keeps its connection.
    let client = client(0, None)?;
    let open: Arc<Mutex<Vec<reqwest::Response>>> = Arc::default();
    let queue = Arc::new(Mutex::new(sessions));
    let start = Instant::now();
    let openers = args.concurrency.max(64);
    let load = run_load(openers, wanted, Duration::from_secs(120), {
        let (client, origin, open, queue) = (client, origin, open.clone(), queue.clone());
        move |_| {
            let (client, origin, open, queue) =
                (client.clone(), origin.clone(), open.clone(), queue.clone());
            async move {
                let (token, cid) = queue
                    .lock()
                    .expect("lock")
                    .pop()
                    .ok_or_else(|| "no session left".to_owned())?;
                let opening = client
                    .get(format!("{origin}/v1/conversations/{cid}/events"))
                    .header(reqwest::header::ORIGIN, &origin)
                    .header(reqwest::header::ACCEPT, "text/event-stream")
                    .bearer_auth(token)
                    .send();
                // Only the opening is bounded: the body stays open.
                let res = tokio::time::timeout(Duration::from_secs(10), opening)
                    .await
                    .map_err(|_| "no answer within 10 s".to_owned())?
                    .map_err(failure)?;
                if res.status() != reqwest::StatusCode::OK {
                    return Err(format!("HTTP {}", res.status().as_u16()));
                }
                open.lock().expect("lock").push(res);
                Ok(())
            }
        }
    })
    .await;
    let open_time = start.elapsed();
    for (k, n) in load.errors {
        *errors.entry(k).or_default() += n;
    }
    let mut responses = std::mem::take(&mut *open.lock().expect("lock"));
    let hold = Duration::from_secs(args.hold_secs.max(1));
    tokio::time::sleep(hold).await;
    let rss_held = rss();
    // A stream still open has no end yet: polling its body must not finish.
    let mut dropped = 0;
    for res in &mut responses {
        match tokio::time::timeout(Duration::from_millis(0), res.chunk()).await {
            Ok(Ok(Some(_))) | Err(_) => {}
            Ok(Ok(None)) | Ok(Err(_)) => dropped += 1,
        }
    }
    let held = responses.len() - dropped;
    drop(responses);
    Ok(Streams {
        requested: args.streams,
        held,
        dropped,
        open_time,
        hold,
        rss_before,
        rss_held,
        nofile,
        errors,
    })
}

/// The resident set size of this process, bytes (0 where unknown).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Raises the open-file limit so `streams` streams fit (two descriptors
/// each: client and server side, both in this process); returns the limit
/// in force.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not everywhere
fn raise_nofile(streams: usize) -> u64 {
    let want = (streams as u64 * 2 + 1_024).max(4_096);
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur as u64 >= want {
            return lim.rlim_cur as u64;
        }
        // Raising the hard limit needs privileges; try, then settle for it.
        let raised = libc::rlimit {
            rlim_cur: want as libc::rlim_t,
            rlim_max: (lim.rlim_max as u64).max(want) as libc::rlim_t,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return want;
        }
        let soft = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0 {
            return lim.rlim_max as u64;
        }
        lim.rlim_cur as u64
    }
}

#[cfg(not(unix))]
fn raise_nofile(_streams: usize) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_ranks() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&d, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
