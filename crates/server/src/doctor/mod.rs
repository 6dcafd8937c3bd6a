//! `causette doctor`: explains a token to the person who has to fix it.
//!
//! | module | concern |
//! |---|---|
//! | [`judge`] | every check and the verdict; pure, time and keys are arguments |
//! | [`fetch`] | reading the token, keys and secrets; asking a live server |
//! | [`render`] | the report, as aligned text or one JSON object |
//!
//! The verdict covers what could be checked. Without `--jwks`, `--secret`
//! or `--server` the signature is "not checked" (`signature_checked: false`,
//! `verdict: "unverified"`), the claim checks still run, and the exit status
//! is 0 only when none of them failed.

pub mod fetch;
pub mod judge;
pub mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use causette_token::validation::DEFAULT_LEEWAY_SECS;
use causette_token::verify::Profile;
use clap::Args;

use fetch::Trouble;
use judge::{Context, Keys};

const AFTER_HELP: &str = "\
The report shows the header and claims decoded, every check with its result
(✓ pass, ✗ fail, ! warning, – not checked), times both in UTC and relative
to now, and the verdict: its reason code, who can fix it, and how.

Signature: without --jwks, --secret or --server there is nothing to check the
signature against. The report then says \"signature: not checked\" and the JSON
has \"signature_checked\": false; the claim checks (times, and issuer, audience
and scopes when asked for) still run. The verdict covers only what could be
checked: \"valid\": true with \"verdict\": \"unverified\" means no check failed,
not that the token is genuine. A token with alg none always fails.

Time: judged at --at if given, else (with --server) at the server's clock,
else at this machine's clock. With --server a difference between the two
clocks larger than the leeway is a warning (!), not a failure.

Rules: with --server the token is judged as that server would judge it: its
JWKS (unless --jwks or --secret is given), its issuer and audience (unless
--issuer or --audience is given), typ at+jwt and Causette's claims. Without
--server any issuer's JWT is accepted in shape: EdDSA (Ed25519), ES256,
RS256/384/512, PS256/384/512 and HS256/384/512.

Exit status: 0 no check failed; 1 the token or the deployment has a problem,
named in the report (a token that is not a JWS at all is `malformed`); 2 usage
or I/O error (unreadable file, unreachable server, bad --at).

Examples:
  causette doctor --jwks https://chat.example.com/.well-known/jwks.json \"$TOKEN\"
  pbpaste | causette doctor --server https://chat.example.com \\
      --origin https://www.example.com --site SITE_KEY
  causette doctor --secret-file hs.key --issuer https://auth.example.com --json -";

/// Options of `causette doctor`.
#[derive(Debug, Args)]
#[command(
    after_help = "Without --jwks, --secret or --server the signature is not checked (see --help).\n\
                  Exit status: 0 no check failed, 1 a problem found, 2 usage or I/O error.",
    after_long_help = AFTER_HELP
)]
pub struct DoctorArgs {
    /// The access token; `-` or nothing reads it from stdin. Surrounding
    /// whitespace and a `Bearer ` prefix are ignored.
    #[arg(value_name = "TOKEN")]
    pub token: Option<String>,
    /// JWKS to verify the signature against: a file or an http(s) URL.
    #[arg(long, value_name = "PATH|URL")]
    pub jwks: Option<String>,
    /// Shared secret for HS256/HS384/HS512 tokens (other users of this
    /// machine can see arguments; prefer --secret-file).
    #[arg(long, value_name = "S", conflicts_with = "secret_file")]
    pub secret: Option<String>,
    /// File holding the HS256/HS384/HS512 secret (one trailing newline is
    /// ignored).
    #[arg(long, value_name = "F")]
    pub secret_file: Option<PathBuf>,
    /// Expected issuer (`iss`).
    #[arg(long, value_name = "ISS")]
    pub issuer: Option<String>,
    /// Expected audience (`aud`).
    #[arg(long, value_name = "AUD")]
    pub audience: Option<String>,
    /// A scope the token must grant (repeatable).
    #[arg(long = "scope", value_name = "S")]
    pub scopes: Vec<String>,
    /// Clock leeway for exp, nbf and iat, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_LEEWAY_SECS as u32)]
    pub leeway: u32,
    /// Judge as if now were TIME: RFC 3339 (2026-11-25T09:00:00Z) or Unix
    /// seconds.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Check a live Causette deployment too: its keys, issuer, audience and
    /// clock, via /.well-known/jwks.json and /v1/diagnose.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// With --server: the page origin hosting the widget (scheme, host and
    /// port), checked against the site's allowlist.
    #[arg(long, value_name = "ORIGIN", requires = "server")]
    pub origin: Option<String>,
    /// With --server: the site key from the embed snippet (data-site).
    #[arg(long, value_name = "KEY", requires = "server")]
    pub site: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `causette doctor`: prints the report on stdout, problems with the
/// command itself on stderr.
pub async fn run(args: DoctorArgs) -> ExitCode {
    match examine(&args).await {
        Ok(out) => {
            let text = if args.json {
                let mut s = render::json(&out).to_string();
                s.push('\n');
                s
            } else {
                render::text(&out)
            };
            print(&text);
            if out.judgement.report.is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(Trouble(msg)) => {
            eprintln!("causette doctor: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`causette doctor … | head`).
fn print(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Examination {
    /// The token as read, before cleaning (only its length and start are shown).
    pub token: String,
    /// What it was judged against.
    pub context: Context,
    /// Where the time came from (`--at`, `the server's clock`, …).
    pub now_source: &'static str,
    /// Keys in the JWKS that could not be used, and why.
    pub skipped_keys: Vec<String>,
    /// The outcome.
    pub judgement: judge::Judgement,
}

async fn examine(args: &DoctorArgs) -> Result<Examination, Trouble> {
    let at = args.at.as_deref().map(parse_time).transpose()?;

    let raw = match args.token.as_deref() {
        None | Some("-") => fetch::read_stdin()?,
        Some(t) => t.to_owned(),
    };
    let token = fetch::clean_token(&raw).to_owned();

    let hmac_secret = match (&args.secret, &args.secret_file) {
        (Some(s), _) => Some(s.as_bytes().to_vec()),
        (None, Some(path)) => Some(fetch::read_secret_file(path)?),
        (None, None) => None,
    };
    if hmac_secret.as_ref().is_some_and(Vec::is_empty) {
        return Err(Trouble("the secret is empty".into()));
    }

    let needs_http = args.server.is_some() || args.jwks.as_deref().is_some_and(fetch::is_url);
    let client = if needs_http {
        Some(fetch::client()?)
    } else {
        None
    };

    let mut keys = Keys {
        hmac_secret,
        ..Keys::default()
    };
    let mut skipped_keys = Vec::new();
    if let Some(location) = &args.jwks {
        let jwks = fetch::load_jwks(client.as_ref(), location).await?;
        usable(&jwks, location)?;
        keys.public = jwks.keys;
        skipped_keys = jwks.skipped;
        keys.source = format!("the JWKS {location}");
    }

    let mut server = None;
    if let (Some(url), Some(client)) = (&args.server, &client) {
        let (facts, jwks) =
            fetch::server_facts(client, url, args.site.as_deref(), args.origin.as_deref()).await?;
        if args.jwks.is_none() && keys.hmac_secret.is_none() {
            keys.public = jwks.keys;
            skipped_keys = jwks.skipped;
            keys.source = "the server's JWKS".into();
            keys.from_server = true;
        }
        server = Some(facts);
    }
    if keys.hmac_secret.is_some() && keys.public.is_empty() {
        keys.source = "the secret given".into();
    } else if keys.hmac_secret.is_some() {
        keys.source.push_str(" and the secret given");
    }

    let (now, now_source) = match (at, &server) {
        (Some(t), _) => (t, "--at"),
        (None, Some(s)) => (
            crate::now_unix().saturating_add(s.skew_secs),
            "the server's clock",
        ),
        (None, None) => (crate::now_unix(), "this machine's clock"),
    };

    let context = Context {
        keys,
        issuer: args
            .issuer
            .clone()
            .or_else(|| server.as_ref().map(|s| s.issuer.clone())),
        audience: args
            .audience
            .clone()
            .or_else(|| server.as_ref().map(|s| s.audience.clone())),
        scopes: args
            .scopes
            .iter()
            .flat_map(|s| s.split_ascii_whitespace())
            .map(str::to_owned)
            .collect(),
        leeway_secs: i64::from(args.leeway),
        now,
        profile: if server.is_some() {
            Profile::Causette
        } else {
            Profile::AnyJwt
        },
        server,
    };
    let judgement = judge::judge(&token, &context);
    Ok(Examination {
        token,
        context,
        now_source,
        skipped_keys,
        judgement,
    })
}

/// A JWKS with no usable key is a mistake in the command, not in the token.
fn usable(jwks: &causette_token::keys::Jwks, location: &str) -> Result<(), Trouble> {
    if jwks.keys.is_empty() {
        let why = if jwks.skipped.is_empty() {
            "it lists no keys".to_owned()
        } else {
            jwks.skipped.join("; ")
        };
        return Err(Trouble(format!(
            "the JWKS {location} has no key this command can verify with: {why}"
        )));
    }
    Ok(())
}

/// `--at`: RFC 3339, or Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, Trouble> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|e| {
            Trouble(format!(
                "--at {s:?} is not a time ({e}); give RFC 3339 like 2026-11-25T09:00:00Z or Unix seconds"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("1800000000").unwrap(), 1_800_000_000);
        assert_eq!(parse_time("2027-01-15T08:00:00Z").unwrap(), 1_800_000_000);
        assert_eq!(
            parse_time("2027-01-15T09:00:00+01:00").unwrap(),
            1_800_000_000
        );
        assert!(parse_time("yesterday").is_err());
    }
}
