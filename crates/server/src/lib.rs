//! The Causette server: issues the widget's short-lived tokens, stores
//! conversations, streams replies, and answers visitors.
//!
//! | module | concern |
//! |---|---|
//! | [`cli`] | the `causette` command line |
//! | [`doctor`] | `causette doctor`: a token explained, a deployment checked |
//! | [`app`] | shared state and the router, merged from one router per resource |
//! | [`routes`] | HTTP handlers, one module per resource |
//! | [`admin`] | the operator's commands: sites, keys, sessions |
//! | [`bench`] | `causette bench`: session rates and SSE streams against the budgets |
//! | [`access`] | revocations, session sites and sites cached per node |
//! | [`auth`] | bearer tokens and origins, judged by `causette-token` |
//! | [`ratelimit`] | per-IP and per-site limits on sessions |
//! | [`store`] | the database (SQLite) and its migrations |
//! | [`bus`] | live fan-out of conversation events |
//! | [`answer`] | the built-in answerer |
//! | [`kb`] | per-site knowledge bases: search indexes, `causette kb` |
//! | [`markdown`] | replies as a safe tree the widget builds DOM from |
//! | [`provider`] | answers from a site's model (OpenAI-compatible, Anthropic, Gemini), keys, `/metrics` |
//! | [`bundle`] | the widget bundle embedded at build time |
//! | [`error`] | the one error type every handler returns |
#![warn(missing_docs)]

pub mod access;
pub mod admin;
pub mod answer;
pub mod app;
pub mod auth;
pub mod bench;
pub mod bundle;
pub mod bus;
pub mod cli;
pub mod doctor;
pub mod error;
pub mod identity;
pub mod kb;
pub mod markdown;
pub mod origin;
pub mod provider;
pub mod ratelimit;
pub mod routes;
pub mod store;

/// Seconds since the Unix epoch: the one place the server reads the clock
/// for token decisions, which take time as an argument.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
