//! Counters of model-provider replies and failures, and `GET /metrics`,
//! which shows them in the Prometheus text format.
//!
//! `/metrics` answers only requests made straight from the server's own
//! machine (a loopback peer, with no `Forwarded` or `X-Forwarded-For`
//! header, which a reverse proxy on the same machine would add); anyone
//! else gets 404. It never shows a key: only codes, vendor names and counts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

/// The counters; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    /// (upstream code, provider) → failures.
    failures: BTreeMap<(&'static str, &'static str), u64>,
    /// provider → replies streamed to their end.
    replies: BTreeMap<&'static str, u64>,
}

impl Metrics {
    /// Counts one failure.
    pub fn failure(&self, code: &'static str, provider: &'static str) {
        *self
            .inner
            .lock()
            .expect("metrics lock")
            .failures
            .entry((code, provider))
            .or_default() += 1;
    }

    /// Counts one complete reply.
    pub fn reply(&self, provider: &'static str) {
        *self
            .inner
            .lock()
            .expect("metrics lock")
            .replies
            .entry(provider)
            .or_default() += 1;
    }

    /// Failures counted so far for `code` and `provider`.
    pub fn failures(&self, code: &str, provider: &str) -> u64 {
        let counts = self.inner.lock().expect("metrics lock");
        counts
            .failures
            .iter()
            .find(|((c, p), _)| *c == code && *p == provider)
            .map_or(0, |(_, n)| *n)
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let counts = self.inner.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP causette_provider_failures_total Failed model-provider calls, by upstream code and provider.\n");
        out.push_str("# TYPE causette_provider_failures_total counter\n");
        for ((code, provider), n) in &counts.failures {
            out.push_str(&format!(
                "causette_provider_failures_total{{code=\"{code}\",provider=\"{provider}\"}} {n}\n"
            ));
        }
        out.push_str("# HELP causette_provider_replies_total Model-provider replies streamed to their end, by provider.\n");
        out.push_str("# TYPE causette_provider_replies_total counter\n");
        for (provider, n) in &counts.replies {
            out.push_str(&format!(
                "causette_provider_replies_total{{provider=\"{provider}\"}} {n}\n"
            ));
        }
        out
    }
}

/// `GET /metrics`.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if !peer.ip().is_loopback() || proxied {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.providers.metrics().render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        assert!(m
            .render()
            .contains("# TYPE causette_provider_failures_total counter"));
        m.failure("provider_rate_limited", "openai");
        m.failure("provider_rate_limited", "openai");
        m.failure("provider_key_rejected", "gemini");
        m.reply("anthropic");
        let text = m.render();
        assert!(text.contains(
            "causette_provider_failures_total{code=\"provider_rate_limited\",provider=\"openai\"} 2\n"
        ));
        assert!(text.contains(
            "causette_provider_failures_total{code=\"provider_key_rejected\",provider=\"gemini\"} 1\n"
        ));
        assert!(text.contains("causette_provider_replies_total{provider=\"anthropic\"} 1\n"));
        assert_eq!(m.failures("provider_rate_limited", "openai"), 2);
        assert_eq!(m.failures("provider_rate_limited", "gemini"), 0);
    }
}
