//! The `causette` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::admin::{DbArgs, KeysCommand, SessionCommand, SiteCommand};
use crate::app::{router, AppState, Settings};

/// Causette: the server behind the chat widget.
#[derive(Debug, Parser)]
#[command(name = "causette", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the loader, the widget bundle and the demo page.
    Serve(ServeArgs),
    /// Explain a token: decode it, run every check, and say what is wrong,
    /// who can fix it and how.
    Doctor(crate::doctor::DoctorArgs),
    /// Manage sites: keys, allowed origins, plans, token lifetimes, themes.
    Site {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage a site's knowledge base: the documents the built-in answerer
    /// answers from.
    Kb {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: crate::kb::KbCommand,
    },
    /// Rotate or list the token signing keys.
    Keys {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Revoke visitor sessions.
    Session {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: SessionCommand,
    },
    /// Measure session issue and refresh rates (and SSE streams) on
    /// loopback against the budgets in DESIGN.md.
    Bench(crate::bench::BenchArgs),
}

/// Options of `causette serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CAUSETTE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// The URL visitors reach this server at (the tokens' issuer); defaults
    /// to http://ADDR.
    #[arg(long, env = "CAUSETTE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Another origin allowed to host the demo site's widget (repeatable),
    /// e.g. your local development site.
    #[arg(long = "demo-origin", value_name = "ORIGIN")]
    pub demo_origins: Vec<String>,
    /// Milliseconds between streamed chunks of a built-in answer.
    #[arg(long, default_value_t = 30, hide = true)]
    pub stream_delay_ms: u64,
    /// Session creations and refreshes allowed per minute from one client
    /// IP (0: no limit).
    #[arg(long, env = "CAUSETTE_RATE_PER_IP", default_value_t = 120)]
    pub rate_per_ip: u32,
    /// Session creations and refreshes allowed per minute for one site
    /// (0: no limit).
    #[arg(long, env = "CAUSETTE_RATE_PER_SITE", default_value_t = 6000)]
    pub rate_per_site: u32,
    /// Messages a visitor may send per minute in one session (0: no limit).
    #[arg(long, env = "CAUSETTE_MESSAGES_PER_MINUTE", default_value_t = 20)]
    pub messages_per_minute: u32,
    /// Behind a reverse proxy: take the client IP from X-Forwarded-For.
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// A file of model-provider API keys, one NAME=value a line (see
    /// README, "Answering with a model"); read before the environment, and
    /// again whenever it changes. Refused if every user may read it.
    #[arg(long, env = "CAUSETTE_SECRETS", value_name = "FILE")]
    pub secrets: Option<PathBuf>,
    /// Seconds a rotated refresh token may be replayed for the same successor.
    #[arg(long, default_value_t = 10, hide = true)]
    pub refresh_grace_secs: i64,
    /// Seconds an unused refresh token lives.
    #[arg(long, default_value_t = 24 * 3600, hide = true)]
    pub refresh_idle_secs: i64,
    /// Seconds a session's refresh tokens live at most.
    #[arg(long, default_value_t = 30 * 24 * 3600, hide = true)]
    pub refresh_absolute_secs: i64,
}

/// `$XDG_DATA_HOME/causette`, `~/.local/share/causette`, or `./causette-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("causette");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(".local/share/causette");
    }
    PathBuf::from("causette-data")
}

/// Runs the command line; the exit code says how it went.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_tracing();
            match serve(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    eprintln!("causette: {e:#}");
                    ExitCode::from(2)
                }
            }
        }
        // No tracing subscriber: the report alone goes to stdout.
        Command::Doctor(args) => crate::doctor::run(args).await,
        Command::Site { db, command } => finish(crate::admin::site(&db, command).await),
        Command::Kb { db, command } => finish(crate::kb::run(&db, command).await),
        Command::Keys { db, command } => finish(crate::admin::keys(&db, command).await),
        Command::Session { db, command } => finish(crate::admin::session(&db, command).await),
        Command::Bench(args) => crate::bench::run(args).await,
    }
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("causette: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// The origins a local server is reached at.
fn local_origins(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut origins = vec![
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ];
    if !addr.ip().is_loopback() && !addr.ip().is_unspecified() {
        origins.push(format!("http://{addr}"));
    }
    origins
}

/// Starts the HTTP server and runs until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    let issuer = match &args.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None if args.addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", args.addr.port()),
        None => format!("http://{}", args.addr),
    };
    // The demo site lets the bundled demo page chat out of the box.
    let mut origins = local_origins(args.addr);
    origins.push(crate::origin::normalize(&issuer));
    origins.extend(
        args.demo_origins
            .iter()
            .map(|o| crate::origin::normalize(o)),
    );
    let demo = store.ensure_site("demo", "Causette demo", &origins).await?;
    let settings = Settings {
        audience: format!("{issuer}/v1"),
        issuer,
        leeway_secs: 5,
        stream_delay: Duration::from_millis(args.stream_delay_ms),
        refresh: crate::store::RefreshPolicy {
            idle_secs: args.refresh_idle_secs,
            absolute_secs: args.refresh_absolute_secs,
            grace_secs: args.refresh_grace_secs,
        },
        rate_per_ip: args.rate_per_ip,
        rate_per_site: args.rate_per_site,
        messages_per_minute: args.messages_per_minute,
        trust_forwarded_for: args.trust_forwarded_for,
        kb_dir: args.db.data.join("kb"),
        secrets_file: args.secrets.clone(),
    };
    let state = AppState::new(store, settings).await?;
    crate::answer::watch_lost_replies(state.clone());
    // The demo site answers from Causette's own help pages.
    let kb = state.kb.clone();
    match tokio::task::spawn_blocking(move || kb.ensure_bundled(crate::kb::DEMO_SITE)).await? {
        Ok(true) => tracing::info!("indexed the bundled help pages for the demo site"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = ?e, "cannot index the bundled help pages"),
    }
    warn_of_missing_keys(&state).await;
    if !state.bundle.is_present() {
        tracing::warn!(
            "this binary was built without the widget bundle; run `cargo xtask build` to build it"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(
        data = %args.db.data.display(),
        database = ?state.store.backend(),
        demo_origins = ?demo.origins,
        "Causette listening on http://{local}"
    );
    println!("listening on http://{local}");
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

/// Says at start-up which sites answer with a model whose key is nowhere,
/// rather than at their first visitor's question.
async fn warn_of_missing_keys(state: &AppState) {
    let Ok(sites) = state.store.sites().await else {
        return;
    };
    for site in sites {
        match crate::provider::Target::of_site(&site) {
            Ok(Some(t)) if t.needs_key() => {
                let name = t.key_name().unwrap_or_default();
                if state.providers.secrets().get(name).is_none() {
                    tracing::warn!(site = %site.key, model = %t.model, "no API key {name} in the environment nor the secrets file: this site's visitors will get no answer until it is set");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(site = %site.key, "the site's model is not usable: {e}"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
