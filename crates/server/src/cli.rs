//! The `causette` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::app::{router, AppState, Settings};
use crate::store::Store;

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
}

/// Options of `causette serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CAUSETTE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Directory for the database and keys.
    #[arg(long, env = "CAUSETTE_DATA", default_value_os_t = default_data_dir())]
    pub data: PathBuf,
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
    let store = Store::open(&args.data).await?;
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
        refresh: crate::store::RefreshPolicy::default(),
    };
    let state = AppState::new(store, settings).await?;
    if !state.bundle.is_present() {
        tracing::warn!(
            "this binary was built without the widget bundle; run `cargo xtask build` to build it"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(
        data = %args.data.display(),
        demo_origins = ?demo.origins,
        "Causette listening on http://{local}"
    );
    println!("listening on http://{local}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
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
