//! Shared state and the router, merged from one router per resource.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use causette_token::keys::KeySet;
use causette_token::{AccessClaims, Report, Validation};
use tokio::sync::RwLock;
use tower_http::trace::TraceLayer;

use crate::bundle::Bundle;
use crate::bus::Bus;
use crate::routes;
use crate::store::Store;

/// The largest request body accepted (messages are far smaller).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Settings fixed at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `iss` of the tokens: this deployment's public URL.
    pub issuer: String,
    /// `aud` of the tokens: this deployment's API.
    pub audience: String,
    /// Seconds of clock leeway when verifying tokens.
    pub leeway_secs: i64,
    /// Delay between streamed chunks of a built-in answer.
    pub stream_delay: Duration,
    /// Refresh-token lifetimes and grace window.
    pub refresh: crate::store::RefreshPolicy,
    /// Session creations and refreshes allowed per minute per client IP
    /// and per site (0: no limit).
    pub rate_per_ip: u32,
    /// See `rate_per_ip`.
    pub rate_per_site: u32,
    /// Messages a visitor may send per minute in one session (0: no limit).
    pub messages_per_minute: u32,
    /// Take the client IP from the first `X-Forwarded-For` entry (behind a
    /// reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Where the sites' knowledge bases are (`<data>/kb`).
    pub kb_dir: std::path::PathBuf,
    /// The file holding model-provider API keys (`serve --secrets`); the
    /// environment alone when `None`.
    pub secrets_file: Option<std::path::PathBuf>,
}

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Signing and verifying keys.
    pub keys: Arc<RwLock<KeySet>>,
    /// Live conversation events.
    pub bus: Bus,
    /// The embedded widget bundle.
    pub bundle: Arc<Bundle>,
    /// Every site's knowledge base, for the built-in answerer.
    pub kb: Arc<crate::kb::Library>,
    /// Start-up settings.
    pub settings: Arc<Settings>,
    /// Key deriving refresh-token successors.
    pub refresh_secret: Arc<Vec<u8>>,
    /// Revocations, session sites and sites, cached per node.
    pub access: crate::access::Access,
    /// Rate limits on sessions and messages.
    pub limits: crate::ratelimit::Limits,
    /// Replies being written, one at a time per conversation.
    pub answering: crate::answer::Answering,
    /// Model providers: HTTP client, API keys, failure counters.
    pub providers: crate::provider::Providers,
    known_origins: Arc<RwLock<(Option<Instant>, HashSet<String>)>>,
}

impl AppState {
    /// State over an opened store.
    pub async fn new(store: Store, settings: Settings) -> anyhow::Result<AppState> {
        let keys = Arc::new(RwLock::new(store.key_set(crate::now_unix()).await?));
        let refresh_secret = Arc::new(store.refresh_secret().await?);
        let access = crate::access::Access::start(store.clone(), keys.clone()).await?;
        let limits = crate::ratelimit::Limits::new(settings.rate_per_ip, settings.rate_per_site)
            .with_messages_per_session(settings.messages_per_minute);
        let secrets = match &settings.secrets_file {
            Some(path) => crate::provider::Secrets::open(path)?,
            None => crate::provider::Secrets::from_env(),
        };
        let providers = crate::provider::Providers::new(secrets)?;
        let shrink = limits.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                shrink.shrink();
            }
        });
        Ok(AppState {
            providers,
            limits,
            answering: crate::answer::Answering::default(),
            refresh_secret,
            access,
            store,
            keys,
            bus: Bus::default(),
            bundle: Arc::new(Bundle::load()),
            kb: Arc::new(crate::kb::Library::new(settings.kb_dir.clone())),
            settings: Arc::new(settings),
            known_origins: Arc::default(),
        })
    }

    /// The checks every access token must pass here.
    pub fn validation(&self) -> Validation {
        Validation::new(&self.settings.issuer, &self.settings.audience)
            .with_scopes(["chat"])
            .with_leeway(self.settings.leeway_secs)
    }

    /// Verifies an access token at the current time. A key id this node
    /// does not know may come from a rotation on another node: the keys are
    /// re-read once before the token is refused.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, Report> {
        let validation = self.validation();
        let result = self
            .keys
            .read()
            .await
            .verify(token, &validation, crate::now_unix());
        match result {
            Err(r) if r.code() == causette_token::Code::UnknownKey => {
                if let Err(e) = self.access.reload_keys().await {
                    tracing::warn!(error = ?e, "cannot reload signing keys");
                }
                self.keys
                    .read()
                    .await
                    .verify(token, &validation, crate::now_unix())
            }
            other => other,
        }
    }

    /// Whether `origin` is on any site's allowlist (cached for two seconds),
    /// which decides whether a page may read an error response.
    async fn origin_known(&self, origin: &str) -> bool {
        let origin = crate::origin::normalize(origin);
        {
            let cache = self.known_origins.read().await;
            if cache
                .0
                .is_some_and(|t| t.elapsed() < Duration::from_secs(2))
            {
                return cache.1.contains(&origin);
            }
        }
        let fresh: HashSet<String> = match self.store.all_origins().await {
            // Cached for two seconds: this runs on every cross-origin response.
            Ok(list) => list.iter().map(|o| crate::origin::normalize(o)).collect(),
            Err(e) => {
                tracing::warn!(error = ?e, "cannot load site origins");
                return false;
            }
        };
        let known = fresh.contains(&origin);
        *self.known_origins.write().await = (Some(Instant::now()), fresh);
        known
    }
}

/// The calling client's IP: the peer, or the first `X-Forwarded-For`
/// entry when the server is told it sits behind a proxy.
pub fn client_ip(
    state: &AppState,
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    if state.settings.trust_forwarded_for {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
    }
    peer.ip()
}

/// The whole HTTP service.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::assets::router())
        .merge(routes::sessions::router())
        .merge(routes::conversations::router())
        .merge(routes::diagnose::router())
        .merge(routes::jwks::router())
        .merge(routes::sites::router())
        .merge(crate::provider::router())
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

const ALLOW_HEADERS: &str = "authorization, content-type, idempotency-key, last-event-id";
const EXPOSE_HEADERS: &str = "www-authenticate, retry-after";

/// CORS. Preflights cannot know the site (it is in the body or the token),
/// so they allow the request shape; whether the page may read the answer is
/// decided on the real response: open resources for everyone, the rest only
/// for origins some site allows. Handlers enforce each site's own list.
async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let path = req.uri().path().to_owned();
    let public =
        path == "/embed.js" || path.starts_with("/widget/") || path.starts_with("/.well-known/");
    let open = path == "/v1/diagnose";
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        if let Some(o) = origin {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        }
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        return res;
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if public {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    } else if let Some(o) = origin {
        let readable = open || state.origin_known(o.to_str().unwrap_or_default()).await;
        let h = res.headers_mut();
        if readable {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}
