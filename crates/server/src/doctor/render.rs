//! The report: aligned plain text for people, one JSON object for scripts.

use causette_token::time::{relative, span};
use causette_token::{Recovery, VisitorState, WhoCanFix};
use serde_json::{json, Map, Value};

use super::judge::{claim_text, clean, time_claim, Status};
use super::Examination;

/// Width of the label column.
const LABEL: usize = 11;

/// `2026-11-25T09:00:00Z`, or `unix N` for times chrono cannot show.
pub fn utc(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("unix {secs}"))
}

/// The start of the token and its length, e.g. `eyJhbGciOi…(412 chars)`.
pub fn preview(token: &str) -> String {
    let n = token.chars().count();
    if n == 0 {
        return "(empty)".into();
    }
    let head = clean(token, 10);
    if n <= 10 {
        format!("{head} ({n} chars)")
    } else {
        format!("{}…({n} chars)", head.trim_end_matches('…'))
    }
}

/// Who has to act, in words.
pub fn who(w: WhoCanFix) -> &'static str {
    match w {
        WhoCanFix::NoOne => "nobody needed",
        WhoCanFix::Visitor => "the visitor",
        WhoCanFix::SiteOwner => "the site owner",
        WhoCanFix::Operator => "the operator of the server",
        _ => "someone",
    }
}

fn recovery(r: Recovery) -> &'static str {
    match r {
        Recovery::RefreshSilently => "refreshes the token silently",
        Recovery::NewSession => "starts a new session",
        Recovery::RetryAfter { .. } => "retries later",
        Recovery::WaitForNetwork => "waits for the network",
        Recovery::CorrectClockAndRetry => "corrects its clock offset and retries",
        Recovery::DisableFeature => "hides the feature",
        Recovery::Stop => "stops (retrying cannot help)",
        _ => "recovers as it can",
    }
}

fn visitor(v: VisitorState) -> &'static str {
    match v {
        VisitorState::Nothing => "the visitor sees nothing",
        VisitorState::Reconnecting => "the visitor sees \"reconnecting\"",
        VisitorState::ReconnectingIn => "the visitor sees \"reconnecting in N s\"",
        VisitorState::Offline => "the visitor sees \"offline\"",
        VisitorState::SessionEnded => "the visitor sees \"session ended\"",
        VisitorState::Unavailable => "the visitor sees \"chat unavailable\"",
        VisitorState::FeatureHidden => "the feature is hidden from the visitor",
        _ => "the visitor sees a notice",
    }
}

fn line(out: &mut String, label: &str, text: &str) {
    out.push_str(&format!("{label:<LABEL$}{text}\n"));
}

fn more(out: &mut String, text: &str) {
    line(out, "", text);
}

/// Words for a time claim relative to the judging time.
fn when(name: &str, t: i64, now: i64) -> String {
    let rel = relative(t, now);
    match name {
        "exp" if t <= now => format!("expired {rel}"),
        "exp" => format!("expires {rel}"),
        "nbf" if t > now => format!("valid only {rel}"),
        _ => rel,
    }
}

/// The human report.
pub fn text(x: &Examination) -> String {
    let j = &x.judgement;
    let ctx = &x.context;
    let now = ctx.now;
    let mut out = String::new();

    line(&mut out, "Token", &preview(&x.token));
    if let Some(d) = &j.decoded {
        let mut parts = vec![format!("alg {}", clean(&d.header.alg, 40))];
        if let Some(obj) = d.header.raw.as_object() {
            for (k, v) in obj {
                if k == "alg" {
                    continue;
                }
                let v = match v {
                    Value::String(s) => clean(s, 60),
                    other => clean(&other.to_string(), 60),
                };
                parts.push(format!("{} {v}", clean(k, 30)));
            }
        }
        line(&mut out, "Header", &parts.join(" · "));

        let claims = &d.claims_json;
        let mut first = true;
        if let Some(obj) = claims.as_object() {
            let order = ["iss", "aud", "sub", "scope"];
            let mut names: Vec<&String> = obj.keys().collect();
            names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(order.len()));
            for name in names {
                if ["iat", "nbf", "exp"].contains(&name.as_str()) {
                    continue;
                }
                let text = format!("{:<6}{}", clean(name, 30), claim_text(claims, name));
                line(&mut out, if first { "Claims" } else { "" }, &text);
                first = false;
            }
        }
        if first {
            line(&mut out, "Claims", "(none besides times)");
        }
        for (label, name) in [("Issued", "iat"), ("Not before", "nbf"), ("Expires", "exp")] {
            match time_claim(claims, name) {
                Some(t) => {
                    let mut s = format!("{} ({})", utc(t), when(name, t, now));
                    if name == "exp" {
                        if let Some(iat) = time_claim(claims, "iat").filter(|i| *i <= t) {
                            s.push_str(&format!(" · lifetime {}", span(t.abs_diff(iat))));
                        }
                    }
                    line(&mut out, label, &s);
                }
                None if claims.get(name).is_some() => line(
                    &mut out,
                    label,
                    &format!("{} (not a number)", claim_text(claims, name)),
                ),
                None => line(&mut out, label, "(none)"),
            }
        }
    }
    line(
        &mut out,
        "Judged at",
        &format!("{} ({})", utc(now), x.now_source),
    );
    if !ctx.keys.is_empty() {
        let n = ctx.keys.public.len();
        let mut s = ctx.keys.source.clone();
        if n > 0 {
            s.push_str(&format!(" ({n} key{})", if n == 1 { "" } else { "s" }));
        }
        line(&mut out, "Keys", &s);
        for skipped in &x.skipped_keys {
            more(&mut out, &format!("skipped {}", clean(skipped, 200)));
        }
    }
    if let Some(s) = &ctx.server {
        line(
            &mut out,
            "Server",
            &format!(
                "{} · issuer {} · audience {}",
                clean(&s.url, 200),
                clean(&s.issuer, 200),
                clean(&s.audience, 200)
            ),
        );
    }

    let width = j.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for (i, c) in j.checks.iter().enumerate() {
        let s = format!("{} {:<width$}  {}", c.status.mark(), c.name, c.detail);
        line(&mut out, if i == 0 { "Checks" } else { "" }, &s);
    }

    match &j.report {
        Some(r) => {
            let d = &r.primary;
            line(
                &mut out,
                "Verdict",
                &format!("{} — {}", d.code, d.explanation),
            );
            line(&mut out, "Detail", &clean(r.detail(), 300));
            for f in r.details.iter().skip(1) {
                line(
                    &mut out,
                    "Also",
                    &format!("{}: {}", f.code, clean(&f.detail, 300)),
                );
            }
            line(
                &mut out,
                "Who",
                &format!(
                    "{}: the widget {}; {}",
                    who(d.who_can_fix),
                    recovery(d.recovery),
                    visitor(d.visitor)
                ),
            );
            line(&mut out, "Fix", d.fix);
            if let Some(scope) = &d.scope {
                more(
                    &mut out,
                    &format!("(the scope needed: {})", clean(scope, 200)),
                );
            }
            if !j.signature_checked && j.decoded.is_some() {
                line(
                    &mut out,
                    "Note",
                    "the signature was not checked (give --jwks, --secret or --server)",
                );
            }
        }
        None if j.signature_checked => {
            line(&mut out, "Verdict", "valid — every check passed");
        }
        None => {
            line(
                &mut out,
                "Verdict",
                "no problem found in what could be checked — but the signature was not checked",
            );
            more(
                &mut out,
                "(give --jwks, --secret or --server), so nothing shows who made this token",
            );
        }
    }
    out
}

fn time_json(t: Option<i64>, name: &str, now: i64) -> Value {
    match t {
        Some(t) => json!({ "unix": t, "utc": utc(t), "relative": when(name, t, now) }),
        None => Value::Null,
    }
}

/// The JSON report (one object).
pub fn json(x: &Examination) -> Value {
    let j = &x.judgement;
    let ctx = &x.context;
    let now = ctx.now;
    let mut o = Map::new();

    let valid = j.report.is_none();
    o.insert("valid".into(), valid.into());
    o.insert(
        "verdict".into(),
        match (valid, j.signature_checked) {
            (false, _) => "invalid",
            (true, true) => "valid",
            (true, false) => "unverified",
        }
        .into(),
    );
    o.insert("signature_checked".into(), j.signature_checked.into());
    match &j.report {
        Some(r) => {
            let d = &r.primary;
            o.insert("reason".into(), json!(d.code));
            o.insert("findings".into(), json!(r.findings));
            o.insert("details".into(), json!(r.details));
            o.insert("who_can_fix".into(), json!(d.who_can_fix));
            o.insert("explanation".into(), d.explanation.into());
            o.insert("fix".into(), d.fix.into());
            o.insert("recovery".into(), json!(d.recovery));
            o.insert("visitor".into(), json!(d.visitor));
            o.insert("scope".into(), json!(d.scope));
        }
        None => {
            o.insert("reason".into(), Value::Null);
            o.insert("findings".into(), json!([]));
            o.insert("details".into(), json!([]));
            for k in [
                "who_can_fix",
                "explanation",
                "fix",
                "recovery",
                "visitor",
                "scope",
            ] {
                o.insert(k.into(), Value::Null);
            }
        }
    }
    o.insert(
        "token".into(),
        json!({ "length": x.token.chars().count(), "preview": preview(&x.token) }),
    );
    match &j.decoded {
        Some(d) => {
            o.insert("header".into(), d.header.raw.clone());
            o.insert("claims".into(), d.claims_json.clone());
            let c = &d.claims_json;
            o.insert(
                "times".into(),
                json!({
                    "iat": time_json(time_claim(c, "iat"), "iat", now),
                    "nbf": time_json(time_claim(c, "nbf"), "nbf", now),
                    "exp": time_json(time_claim(c, "exp"), "exp", now),
                }),
            );
        }
        None => {
            o.insert("header".into(), Value::Null);
            o.insert("claims".into(), Value::Null);
            o.insert("times".into(), Value::Null);
        }
    }
    o.insert(
        "judged_at".into(),
        json!({ "unix": now, "utc": utc(now), "source": x.now_source }),
    );
    o.insert(
        "checks".into(),
        j.checks
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "ok": match c.status {
                        Status::Pass => Value::Bool(true),
                        Status::Fail => Value::Bool(false),
                        Status::Warn => Value::Bool(false),
                        Status::NotChecked => Value::Null,
                    },
                    "status": c.status.as_str(),
                    "detail": c.detail,
                })
            })
            .collect(),
    );
    o.insert(
        "expected".into(),
        json!({
            "issuer": ctx.issuer,
            "audience": ctx.audience,
            "scopes": ctx.scopes,
            "leeway_secs": ctx.leeway_secs,
        }),
    );
    o.insert(
        "keys".into(),
        if ctx.keys.is_empty() {
            Value::Null
        } else {
            json!({
                "source": ctx.keys.source,
                "key_ids": ctx.keys.public.iter().map(|k| k.kid()).collect::<Vec<_>>(),
                "secret": ctx.keys.hmac_secret.is_some(),
                "skipped": x.skipped_keys,
            })
        },
    );
    if let Some(s) = &ctx.server {
        o.insert(
            "server".into(),
            json!({
                "url": s.url,
                "api_version": s.api_version,
                "server_time": s.server_time,
                "clock_skew_secs": s.skew_secs,
                "issuer": s.issuer,
                "audience": s.audience,
                "key_ids": s.key_ids,
                "site": s.site,
                "site_known": s.site_known,
                "origin": s.origin,
                "origin_allowed": s.origin_allowed,
            }),
        );
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_and_times() {
        assert_eq!(preview(""), "(empty)");
        assert_eq!(preview("abc"), "abc (3 chars)");
        assert_eq!(preview("eyJhbGciOiJFZERTQSJ9"), "eyJhbGciOi…(20 chars)");
        assert_eq!(utc(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(utc(i64::MAX), format!("unix {}", i64::MAX));
        assert_eq!(when("exp", 100, 160), "expired 1 min ago");
        assert_eq!(when("exp", 400, 160), "expires in 4 min");
    }
}
