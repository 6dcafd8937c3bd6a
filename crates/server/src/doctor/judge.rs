//! The judgement: every check on a token, and the verdict. Pure: the keys,
//! the server's facts and the time are arguments.

use causette_token::keys::VerifyingKey;
use causette_token::time::relative;
use causette_token::verify::{check_claims, verify_decoded, Profile};
use causette_token::{decode_unverified, Code, DecodedToken, Finding, Report, Validation};
use serde_json::Value;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed: a finding says why.
    Fail,
    /// Worth a look, but not a reason to refuse the token.
    Warn,
    /// Could not be checked with what was given.
    NotChecked,
}

impl Status {
    /// `pass`, `fail`, `warn` or `not_checked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotChecked => "not_checked",
        }
    }

    /// The mark shown before a check's name.
    pub fn mark(self) -> char {
        match self {
            Status::Pass => '✓',
            Status::Fail => '✗',
            Status::Warn => '!',
            Status::NotChecked => '–',
        }
    }
}

/// One line of the report's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Short name (`signature`, `expiry`, `origin` …).
    pub name: &'static str,
    /// The outcome.
    pub status: Status,
    /// What was found, in plain words.
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            name,
            status,
            detail: detail.into(),
        }
    }
}

/// The keys to verify against, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Public keys (from a JWKS).
    pub public: Vec<VerifyingKey>,
    /// A shared HMAC secret, if one was given.
    pub hmac_secret: Option<Vec<u8>>,
    /// Where the keys came from, in words (`JWKS keys.json`, `--secret` …).
    pub source: String,
    /// Whether the public keys are the `--server`'s own JWKS.
    pub from_server: bool,
}

impl Keys {
    /// Whether there is anything to check a signature against.
    pub fn is_empty(&self) -> bool {
        self.public.is_empty() && self.hmac_secret.is_none()
    }

    /// The verifying keys for this token. The secret gets the token's own
    /// `kid`, since a bare secret has none and must still be found by it.
    fn for_token(&self, decoded: &DecodedToken) -> Vec<VerifyingKey> {
        let mut keys = self.public.clone();
        if let Some(secret) = &self.hmac_secret {
            let kid = decoded.header.kid.clone().unwrap_or_default();
            keys.push(VerifyingKey::hmac_secret(kid, secret));
        }
        keys
    }
}

/// What `GET /v1/diagnose` (and the JWKS) said about a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFacts {
    /// The server's base URL, as given.
    pub url: String,
    /// `api_version`.
    pub api_version: String,
    /// The server's clock, Unix seconds.
    pub server_time: i64,
    /// Server clock minus this machine's clock, in seconds.
    pub skew_secs: i64,
    /// `iss` of the server's tokens.
    pub issuer: String,
    /// `aud` of the server's tokens.
    pub audience: String,
    /// Key ids in the server's JWKS.
    pub key_ids: Vec<String>,
    /// The site key asked about.
    pub site: Option<String>,
    /// Whether the site exists.
    pub site_known: bool,
    /// The Origin sent.
    pub origin: Option<String>,
    /// Whether the server allows that origin for the site.
    pub origin_allowed: bool,
}

/// What the token is judged against.
#[derive(Debug, Clone)]
pub struct Context {
    /// Keys (possibly none: then the signature is not checked).
    pub keys: Keys,
    /// Expected `iss`; `None` leaves it unchecked.
    pub issuer: Option<String>,
    /// Expected `aud`; `None` leaves it unchecked.
    pub audience: Option<String>,
    /// Scopes the token must grant.
    pub scopes: Vec<String>,
    /// Clock leeway in seconds.
    pub leeway_secs: i64,
    /// The time to judge at, Unix seconds.
    pub now: i64,
    /// Causette's rules (`typ at+jwt`, Causette claims) or any JWT's.
    pub profile: Profile,
    /// A live deployment's facts, with `--server`.
    pub server: Option<ServerFacts>,
}

/// The outcome.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The token decoded, unless it is not a JWS at all.
    pub decoded: Option<DecodedToken>,
    /// Why the token fails; `None` when every check that ran passed.
    pub report: Option<Report>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Whether the signature was checked against a key (and so whether the
    /// verdict says anything about who made the token).
    pub signature_checked: bool,
}

/// Judges `token` in `ctx`.
pub fn judge(token: &str, ctx: &Context) -> Judgement {
    let decoded = match decode_unverified(token) {
        Ok(d) => d,
        Err(report) => return undecodable(report, ctx),
    };

    let validation = Validation::new(
        ctx.issuer.clone().unwrap_or_default(),
        ctx.audience.clone().unwrap_or_default(),
    )
    .with_leeway(ctx.leeway_secs)
    .with_scopes(ctx.scopes.iter().cloned());
    let wanted = |f: &Finding| -> bool {
        match f.code {
            Code::WrongIssuer => ctx.issuer.is_some(),
            Code::WrongAudience => ctx.audience.is_some(),
            _ => true,
        }
    };
    let claim_findings: Vec<Finding> = check_claims(&decoded.claims_json, &validation, ctx.now)
        .into_iter()
        .filter(wanted)
        .collect();

    let keys = ctx.keys.for_token(&decoded);
    let have_keys = !keys.is_empty();
    let mut details: Vec<Finding> =
        match verify_decoded(&decoded, &keys, &validation, ctx.now, ctx.profile) {
            Ok(()) => Vec::new(),
            Err(r) => r.details.into_iter().filter(wanted).collect(),
        };
    if !have_keys {
        // "No verifying keys are configured" is what the library says
        // without keys; here that is the "not checked" state, not a finding.
        details.retain(|f| f.code != Code::UnknownKey);
        // Without a signature check the claim checks are all there is.
        details.extend(claim_findings.iter().cloned());
    }
    let of = |code: Code| -> Vec<&Finding> { details.iter().filter(|f| f.code == code).collect() };
    let alg_failed = !of(Code::UnsupportedAlgorithm).is_empty();
    let key_failed = !of(Code::UnknownKey).is_empty();
    let sig_failed = !of(Code::BadSignature).is_empty();
    let verified = have_keys && !alg_failed && !key_failed && !sig_failed;

    let mut checks = Vec::new();
    let header = &decoded.header;
    let alg = clean(&header.alg, 40);

    // Structure: malformed findings not about a time claim.
    let structural: Vec<&Finding> = of(Code::Malformed)
        .into_iter()
        .filter(|f| !claim_findings.contains(f))
        .collect();
    checks.push(if structural.is_empty() {
        let mut d = "three base64url parts, JSON header and claims".to_owned();
        if ctx.profile == Profile::Causette {
            d.push_str(", typ at+jwt, Causette claims");
        }
        Check::new("structure", Status::Pass, d)
    } else {
        Check::new("structure", Status::Fail, join(&structural))
    });

    // Algorithm.
    checks.push(if alg_failed {
        Check::new(
            "algorithm",
            Status::Fail,
            join(&of(Code::UnsupportedAlgorithm)),
        )
    } else if !have_keys {
        Check::new(
            "algorithm",
            Status::NotChecked,
            format!("alg {alg}; no key to check it against"),
        )
    } else {
        let kinds = kinds_accepting(&keys, &header.alg, header.kid.as_deref());
        Check::new(
            "algorithm",
            Status::Pass,
            format!("alg {alg} fits the {kinds} key"),
        )
    });

    // Key.
    let kid_text = header.kid.as_deref().map(|k| format!("kid {}", quoted(k)));
    checks.push(if key_failed {
        Check::new("key", Status::Fail, join(&of(Code::UnknownKey)))
    } else if !have_keys {
        Check::new(
            "key",
            Status::NotChecked,
            format!("{}; no keys given", kid_text.as_deref().unwrap_or("no kid")),
        )
    } else if header.kid.is_none() && alg_failed {
        Check::new(
            "key",
            Status::NotChecked,
            "the token has no kid and no key fits its alg",
        )
    } else {
        Check::new(
            "key",
            Status::Pass,
            match &kid_text {
                Some(k) => format!("{k} is in {}", ctx.keys.source),
                None => format!(
                    "the token has no kid; every key fitting {alg} in {} was tried",
                    ctx.keys.source
                ),
            },
        )
    });

    // Signature.
    checks.push(if !have_keys {
        Check::new(
            "signature",
            Status::NotChecked,
            "not checked (give --jwks, --secret or --server)",
        )
    } else if sig_failed {
        Check::new("signature", Status::Fail, join(&of(Code::BadSignature)))
    } else if verified {
        Check::new(
            "signature",
            Status::Pass,
            format!("verified with {}", verifying_key(&keys, &decoded)),
        )
    } else {
        Check::new(
            "signature",
            Status::NotChecked,
            "not checked: the algorithm or key check failed",
        )
    });

    // Claims. Trusted when the signature verified; counted anyway when there
    // was nothing to verify it with; otherwise shown for information only.
    let claims_count = verified || !have_keys;
    let claims = &decoded.claims_json;
    let mut claim_check =
        |name: &'static str, mine: Vec<&Finding>, expected: Option<&str>, pass: String| {
            let check = match expected {
                Some(hint) => Check::new(name, Status::NotChecked, format!("{pass} ({hint})")),
                None if claims_count && mine.is_empty() => Check::new(name, Status::Pass, pass),
                None if claims_count => Check::new(name, Status::Fail, join(&mine)),
                None if mine.is_empty() => Check::new(
                    name,
                    Status::NotChecked,
                    format!("untrusted, the signature did not verify; would pass: {pass}"),
                ),
                None => Check::new(
                    name,
                    Status::NotChecked,
                    format!(
                        "untrusted, the signature did not verify; would fail: {}",
                        join(&mine)
                    ),
                ),
            };
            checks.push(check);
        };
    let routed = |code: Code, claim: Option<&[&str]>| -> Vec<&Finding> {
        claim_findings
            .iter()
            .filter(|f| match claim {
                None => f.code == code,
                Some(names) => {
                    f.code == code
                        || (f.code == Code::Malformed && names.iter().any(|n| mentions(f, n)))
                }
            })
            .collect()
    };
    claim_check(
        "issuer",
        routed(Code::WrongIssuer, None),
        ctx.issuer
            .is_none()
            .then_some("not compared: give --issuer or --server"),
        format!("iss {}", claim_text(claims, "iss")),
    );
    claim_check(
        "audience",
        routed(Code::WrongAudience, None),
        ctx.audience
            .is_none()
            .then_some("not compared: give --audience or --server"),
        format!("aud {}", claim_text(claims, "aud")),
    );
    claim_check(
        "expiry",
        routed(Code::Expired, Some(&["exp"][..])),
        None,
        match time_claim(claims, "exp") {
            Some(exp) => format!("expires {}", relative(exp, ctx.now)),
            None => "no exp claim".into(),
        },
    );
    claim_check(
        "not-before",
        routed(Code::NotYetValid, Some(&["nbf", "iat"][..])),
        None,
        match (time_claim(claims, "nbf"), time_claim(claims, "iat")) {
            (Some(t), _) => format!("valid since {}", relative(t, ctx.now)),
            (None, Some(t)) => format!("issued {}", relative(t, ctx.now)),
            (None, None) => "no nbf or iat claim".into(),
        },
    );
    claim_check(
        "scope",
        routed(Code::InsufficientScope, None),
        ctx.scopes
            .is_empty()
            .then_some("no scope required: give --scope to require one"),
        if ctx.scopes.is_empty() {
            format!("scope {}", claim_text(claims, "scope"))
        } else {
            format!("grants {}", ctx.scopes.join(" "))
        },
    );

    if let Some(server) = &ctx.server {
        details.extend(server_checks(server, &decoded, ctx, &mut checks));
    }

    let report = (!details.is_empty()).then(|| {
        let mut r = Report::new(details);
        if r.code() == Code::InsufficientScope {
            r.primary.scope = Some(validation.scope_string());
        }
        r
    });
    Judgement {
        decoded: Some(decoded),
        report,
        checks,
        signature_checked: have_keys,
    }
}

/// The judgement of a token that does not even decode.
fn undecodable(report: Report, ctx: &Context) -> Judgement {
    let mut checks = vec![Check::new("structure", Status::Fail, report.detail())];
    for name in [
        "algorithm",
        "key",
        "signature",
        "issuer",
        "audience",
        "expiry",
        "not-before",
        "scope",
    ] {
        checks.push(Check::new(
            name,
            Status::NotChecked,
            "the token could not be decoded",
        ));
    }
    let mut details = report.details;
    if let Some(server) = &ctx.server {
        // The deployment checks do not depend on the token.
        let mut server_only = Vec::new();
        details.extend(deployment_checks(server, ctx, &mut server_only));
        checks.extend(server_only);
    }
    Judgement {
        decoded: None,
        report: Some(Report::new(details)),
        checks,
        signature_checked: !ctx.keys.is_empty(),
    }
}

/// Checks of a live deployment, with the findings they add.
fn server_checks(
    server: &ServerFacts,
    decoded: &DecodedToken,
    ctx: &Context,
    checks: &mut Vec<Check>,
) -> Vec<Finding> {
    let mut findings = deployment_checks(server, ctx, checks);
    let claims = &decoded.claims_json;

    // The token against this server's own issuer, audience and keys, when
    // the checks above used something else.
    if ctx.issuer.as_deref() != Some(server.issuer.as_str()) {
        let iss = claims.get("iss").and_then(Value::as_str);
        if iss == Some(server.issuer.as_str()) {
            checks.push(Check::new(
                "server issuer",
                Status::Pass,
                "iss is this server's issuer",
            ));
        } else {
            let f = Finding::new(
                Code::WrongIssuer,
                format!(
                    "iss is {}, but this server issues {}",
                    claim_text(claims, "iss"),
                    quoted(&server.issuer)
                ),
            );
            checks.push(Check::new("server issuer", Status::Fail, f.detail.clone()));
            findings.push(f);
        }
    }
    if ctx.audience.as_deref() != Some(server.audience.as_str()) {
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == server.audience,
            Some(Value::Array(list)) => list
                .iter()
                .any(|a| a.as_str() == Some(server.audience.as_str())),
            _ => false,
        };
        if aud_ok {
            checks.push(Check::new(
                "server audience",
                Status::Pass,
                "aud is this server's audience",
            ));
        } else {
            let f = Finding::new(
                Code::WrongAudience,
                format!(
                    "aud is {}, but this server's audience is {}",
                    claim_text(claims, "aud"),
                    quoted(&server.audience)
                ),
            );
            checks.push(Check::new(
                "server audience",
                Status::Fail,
                f.detail.clone(),
            ));
            findings.push(f);
        }
    }
    let server_keys_used = ctx.keys.from_server && ctx.keys.hmac_secret.is_none();
    if !server_keys_used {
        match &decoded.header.kid {
            Some(kid) if server.key_ids.iter().any(|k| k == kid) => checks.push(Check::new(
                "server key",
                Status::Pass,
                format!("kid {} is one of this server's keys", quoted(kid)),
            )),
            Some(kid) => {
                let f = Finding::new(
                    Code::UnknownKey,
                    format!(
                        "kid {} is not among this server's keys ({})",
                        quoted(kid),
                        list(&server.key_ids)
                    ),
                );
                checks.push(Check::new("server key", Status::Fail, f.detail.clone()));
                findings.push(f);
            }
            None => checks.push(Check::new(
                "server key",
                Status::NotChecked,
                "the token has no kid to look up",
            )),
        }
    }
    findings
}

/// Clock, site and origin: what the deployment says regardless of the token.
fn deployment_checks(server: &ServerFacts, ctx: &Context, checks: &mut Vec<Check>) -> Vec<Finding> {
    let mut findings = Vec::new();
    checks.push(Check::new(
        "server",
        Status::Pass,
        format!(
            "{} answers (API {})",
            clean(&server.url, 200),
            clean(&server.api_version, 20)
        ),
    ));

    let skew = server.skew_secs;
    let words = match skew {
        0 => "the server's clock agrees with this machine's".to_owned(),
        s if s > 0 => format!(
            "the server's clock is {} ahead of this machine's",
            causette_token::time::span(s.unsigned_abs())
        ),
        s => format!(
            "the server's clock is {} behind this machine's",
            causette_token::time::span(s.unsigned_abs())
        ),
    };
    let leeway = ctx.leeway_secs.max(0);
    checks.push(if skew.abs() > leeway {
        Check::new(
            "clock",
            Status::Warn,
            format!(
                "{words}: more than the {leeway} s leeway; one of the two clocks is off (use NTP). Tokens are judged at the server's clock"
            ),
        )
    } else {
        Check::new("clock", Status::Pass, format!("{words} (within the {leeway} s leeway)"))
    });

    match &server.site {
        Some(site) if server.site_known => checks.push(Check::new(
            "site",
            Status::Pass,
            format!("site key {} exists", quoted(site)),
        )),
        Some(site) => {
            let f = Finding::new(
                Code::UnknownSite,
                format!("site key {} is not known to this server", quoted(site)),
            );
            checks.push(Check::new("site", Status::Fail, f.detail.clone()));
            findings.push(f);
        }
        None => checks.push(Check::new(
            "site",
            Status::NotChecked,
            "give --site to check a site key",
        )),
    }

    match (&server.origin, &server.site) {
        (Some(origin), Some(site)) if server.site_known => {
            if server.origin_allowed {
                checks.push(Check::new(
                    "origin",
                    Status::Pass,
                    format!(
                        "origin {} is allowed for site {}",
                        quoted(origin),
                        quoted(site)
                    ),
                ));
            } else {
                let f = Finding::new(
                    Code::OriginNotAllowed,
                    format!(
                        "origin {} is not allowed for site {}",
                        quoted(origin),
                        quoted(site)
                    ),
                );
                checks.push(Check::new("origin", Status::Fail, f.detail.clone()));
                findings.push(f);
            }
        }
        (Some(_), Some(_)) => checks.push(Check::new(
            "origin",
            Status::NotChecked,
            "the site is unknown, so it has no allowlist",
        )),
        (Some(_), None) => checks.push(Check::new(
            "origin",
            Status::NotChecked,
            "give --site too: origins are allowed per site",
        )),
        (None, _) => checks.push(Check::new(
            "origin",
            Status::NotChecked,
            "give --origin (and --site) to check the page's origin",
        )),
    }
    findings
}

/// The key that verifies the token, in words.
fn verifying_key(keys: &[VerifyingKey], decoded: &DecodedToken) -> String {
    let alg = decoded.header.alg.as_str();
    keys.iter()
        .filter(|k| {
            decoded
                .header
                .kid
                .as_deref()
                .is_none_or(|kid| k.kid() == kid)
        })
        .find(|k| k.verify_signature(alg, decoded.signing_input.as_bytes(), &decoded.signature))
        .map(|k| {
            if k.kid().is_empty() {
                format!("the {} key", k.kind())
            } else {
                format!("the {} key {}", k.kind(), quoted(k.kid()))
            }
        })
        .unwrap_or_else(|| "a known key".into())
}

/// The kinds of the keys that accept `alg` (named by `kid` when given).
fn kinds_accepting(keys: &[VerifyingKey], alg: &str, kid: Option<&str>) -> String {
    let mut kinds: Vec<&str> = keys
        .iter()
        .filter(|k| kid.is_none_or(|kid| k.kid() == kid) && k.accepts(alg))
        .map(VerifyingKey::kind)
        .collect();
    kinds.dedup();
    if kinds.is_empty() {
        "given".into()
    } else {
        kinds.join("/")
    }
}

fn mentions(f: &Finding, claim: &str) -> bool {
    f.detail.contains(&format!(" {claim} claim"))
}

fn join(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| f.detail.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A NumericDate claim as whole seconds, if it is a number.
pub fn time_claim(claims: &Value, name: &str) -> Option<i64> {
    let v = claims.get(name)?;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

/// A claim for display: strings quoted, other JSON compact, `none` if absent.
pub fn claim_text(claims: &Value, name: &str) -> String {
    match claims.get(name) {
        None => "(none)".into(),
        Some(Value::String(s)) => quoted(s),
        Some(v) => clean(&v.to_string(), 120),
    }
}

/// A string quoted for display, control characters escaped, kept short.
pub fn quoted(s: &str) -> String {
    clean(&Value::String(s.to_owned()).to_string(), 120)
}

/// Keeps text from a token one short line with no terminal control
/// characters: a hostile token must not rewrite the reader's screen.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use causette_token::keys::SigningKey;
    use causette_token::AccessClaims;

    const NOW: i64 = 1_800_000_000;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "https://chat.example".into(),
            aud: "causette".into(),
            sub: "v".into(),
            sid: "s".into(),
            cid: "c".into(),
            scope: "chat".into(),
            iat: NOW,
            nbf: NOW,
            exp: NOW + 300,
            jti: "j".into(),
        }
    }

    fn ctx(keys: Vec<VerifyingKey>) -> Context {
        Context {
            keys: Keys {
                public: keys,
                hmac_secret: None,
                source: "the test JWKS".into(),
                from_server: false,
            },
            issuer: Some("https://chat.example".into()),
            audience: None,
            scopes: vec![],
            leeway_secs: 5,
            now: NOW + 10,
            profile: Profile::AnyJwt,
            server: None,
        }
    }

    fn status(j: &Judgement, name: &str) -> Status {
        j.checks.iter().find(|c| c.name == name).unwrap().status
    }

    #[test]
    fn valid_token_passes_every_check_that_ran() {
        let key = SigningKey::generate("k");
        let j = judge(&key.sign(&claims()), &ctx(vec![key.verifying_key()]));
        assert!(j.report.is_none(), "{:?}", j.report);
        assert!(j.signature_checked);
        assert_eq!(status(&j, "signature"), Status::Pass);
        assert_eq!(status(&j, "audience"), Status::NotChecked);
        assert_eq!(status(&j, "expiry"), Status::Pass);
    }

    #[test]
    fn without_keys_claims_still_count() {
        let key = SigningKey::generate("k");
        let mut c = ctx(vec![]);
        c.now = NOW + 400;
        let j = judge(&key.sign(&claims()), &c);
        assert!(!j.signature_checked);
        assert_eq!(status(&j, "signature"), Status::NotChecked);
        assert_eq!(j.report.unwrap().code(), Code::Expired);
    }

    #[test]
    fn a_bad_signature_leaves_the_claims_untrusted() {
        let key = SigningKey::generate("k");
        let other = SigningKey::generate("k");
        let mut c = ctx(vec![other.verifying_key()]);
        c.now = NOW + 400;
        let j = judge(&key.sign(&claims()), &c);
        let r = j.report.unwrap();
        assert_eq!(r.findings, [Code::BadSignature]);
        let expiry = j.checks.iter().find(|c| c.name == "expiry").unwrap();
        assert_eq!(expiry.status, Status::NotChecked);
        assert!(expiry.detail.contains("would fail: expired"), "{expiry:?}");
    }

    #[test]
    fn missing_exp_is_an_expiry_problem_not_a_structure_one() {
        let key = SigningKey::generate("k");
        let mut raw = serde_json::to_value(claims()).unwrap();
        raw.as_object_mut().unwrap().remove("exp");
        let token = key.sign_raw(&serde_json::json!({"alg":"EdDSA","kid":"k"}), &raw);
        let j = judge(&token, &ctx(vec![key.verifying_key()]));
        assert_eq!(status(&j, "structure"), Status::Pass);
        assert_eq!(status(&j, "expiry"), Status::Fail);
        assert_eq!(j.report.unwrap().code(), Code::Malformed);
    }

    fn facts(skew_secs: i64, origin_allowed: bool) -> ServerFacts {
        ServerFacts {
            url: "https://chat.example".into(),
            api_version: "v1".into(),
            server_time: NOW,
            skew_secs,
            issuer: "https://chat.example".into(),
            audience: "causette".into(),
            key_ids: vec!["k".into()],
            site: Some("demo".into()),
            site_known: true,
            origin: Some("https://www.example.com".into()),
            origin_allowed,
        }
    }

    #[test]
    fn clock_skew_over_the_leeway_warns_without_failing() {
        let key = SigningKey::generate("k");
        let mut c = ctx(vec![key.verifying_key()]);
        c.profile = Profile::Causette;
        c.audience = Some("causette".into());
        c.keys.from_server = true;
        c.server = Some(facts(-30, true));
        let j = judge(&key.sign(&claims()), &c);
        assert!(j.report.is_none(), "{:?}", j.report);
        let clock = j.checks.iter().find(|c| c.name == "clock").unwrap();
        assert_eq!(clock.status, Status::Warn);
        assert!(clock.detail.contains("30 s behind"), "{clock:?}");
        assert_eq!(status(&j, "origin"), Status::Pass);

        c.server = Some(facts(2, false));
        let j = judge(&key.sign(&claims()), &c);
        assert_eq!(status(&j, "clock"), Status::Pass);
        assert_eq!(j.report.unwrap().code(), Code::OriginNotAllowed);
    }

    #[test]
    fn deployment_problems_show_even_for_an_undecodable_token() {
        let mut c = ctx(vec![]);
        c.server = Some(facts(0, false));
        let j = judge("junk", &c);
        let r = j.report.unwrap();
        assert_eq!(r.findings, [Code::Malformed, Code::OriginNotAllowed]);
    }

    #[test]
    fn clean_escapes_control_characters() {
        assert_eq!(clean("a\u{1b}[2Jb", 100), "a\\u{1b}[2Jb");
        assert_eq!(clean("abcdef", 3), "abc…");
    }
}
