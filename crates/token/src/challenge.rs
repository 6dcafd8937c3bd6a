//! Parsing `WWW-Authenticate` (RFC 9110 §11.6.1) well enough to find the
//! Bearer challenge's parameters, whatever else the header holds.
//!
//! The grammar mixes commas between challenges with commas between
//! parameters, so the parser works on tokens: a bare token followed by `=`
//! starts a parameter; any other bare token starts a new challenge.
//! Malformed input never fails; it yields what could be read.

/// One challenge: an auth scheme and its parameters (names lowercased).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    /// The scheme as written (`Bearer`, `Basic`, …).
    pub scheme: String,
    /// `token68` data, if the challenge carries that instead of parameters.
    pub token68: Option<String>,
    /// Parameters in order, names lowercased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The first value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Eq,
    Comma,
}

/// Longest header read; a real challenge list is a few hundred bytes.
const MAX_HEADER: usize = 8 * 1024;

fn lex(header: &str) -> Vec<Tok> {
    let header = match header.char_indices().nth(MAX_HEADER) {
        Some((i, _)) => &header[..i],
        None => header,
    };
    let mut out = Vec::new();
    let mut chars = header.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                chars.next();
            }
            ',' => {
                chars.next();
                out.push(Tok::Comma);
            }
            '=' => {
                chars.next();
                out.push(Tok::Eq);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                s.push(escaped);
                            }
                        }
                        _ => s.push(c),
                    }
                }
                out.push(Tok::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ' ' | '\t' | '\r' | '\n' | ',' | '=' | '"') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Tok::Word(s));
            }
        }
    }
    out
}

/// Parses every challenge in a `WWW-Authenticate` value.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let toks = lex(header);
    let mut out: Vec<Challenge> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Word(word) => {
                let next = toks.get(i + 1);
                match (out.last_mut(), next) {
                    // `name = value` inside the current challenge.
                    (Some(current), Some(Tok::Eq)) if !token68_follows(&toks, i) => {
                        let value = match toks.get(i + 2) {
                            Some(Tok::Word(v) | Tok::Quoted(v)) => {
                                i += 1;
                                v.clone()
                            }
                            _ => String::new(),
                        };
                        current.params.push((word.to_ascii_lowercase(), value));
                        i += 2;
                    }
                    _ => {
                        // A new challenge; a token68 may follow the scheme.
                        let mut challenge = Challenge {
                            scheme: word.clone(),
                            ..Challenge::default()
                        };
                        i += 1;
                        if let Some(Tok::Word(data)) = toks.get(i) {
                            if !matches!(toks.get(i + 1), Some(Tok::Eq))
                                || token68_follows(&toks, i)
                            {
                                let mut data = data.clone();
                                i += 1;
                                while let Some(Tok::Eq) = toks.get(i) {
                                    data.push('=');
                                    i += 1;
                                }
                                challenge.token68 = Some(data);
                            }
                        }
                        out.push(challenge);
                    }
                }
            }
            // Stray commas, quotes or `=`: skip.
            _ => i += 1,
        }
    }
    out
}

/// Whether the word at `i` is token68 data ending in `=` padding (`abc==`),
/// rather than a parameter name: after the `=`s comes a comma or the end.
fn token68_follows(toks: &[Tok], i: usize) -> bool {
    let mut j = i + 1;
    let mut eqs = 0;
    while let Some(Tok::Eq) = toks.get(j) {
        eqs += 1;
        j += 1;
    }
    eqs >= 2
        || (eqs == 1 && matches!(toks.get(j), None | Some(Tok::Comma)) && i > 0 && {
            // `scheme data=` (token68 right after a scheme) vs `, name=` (an
            // empty parameter): token68 only directly follows a scheme word.
            matches!(toks.get(i - 1), Some(Tok::Word(_)))
        })
}

/// The first `Bearer` challenge (scheme compared case-insensitively).
pub fn bearer(header: &str) -> Option<Challenge> {
    parse_challenges(header)
        .into_iter()
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(c: &Challenge) -> Vec<(&str, &str)> {
        c.params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect()
    }

    #[test]
    fn plain_bearer() {
        let c = bearer("Bearer").unwrap();
        assert!(c.params.is_empty());
        assert_eq!(c.token68, None);
    }

    #[test]
    fn bearer_with_params() {
        let c =
            bearer(r#"Bearer realm="example", error="invalid_token", error_description="expired""#)
                .unwrap();
        assert_eq!(
            params(&c),
            [
                ("realm", "example"),
                ("error", "invalid_token"),
                ("error_description", "expired")
            ]
        );
        assert_eq!(c.param("ERROR"), Some("invalid_token"));
    }

    #[test]
    fn several_schemes_and_odd_spacing() {
        let h = r#"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"",bearer   error = insufficient_scope ,scope="chat history""#;
        let all = parse_challenges(h);
        assert_eq!(
            all.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>(),
            ["Basic", "Newauth", "bearer"]
        );
        assert_eq!(all[1].param("title"), Some(r#"Login to "apps""#));
        assert_eq!(all[1].param("type"), Some("1"));
        let b = bearer(h).unwrap();
        assert_eq!(b.param("error"), Some("insufficient_scope"));
        assert_eq!(b.param("scope"), Some("chat history"));
    }

    #[test]
    fn bearer_first_then_others() {
        let h = r#"Bearer error="invalid_token", DPoP algs="ES256 EdDSA", error="ignored""#;
        let all = parse_challenges(h);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].param("error"), Some("invalid_token"));
        assert_eq!(all[1].param("algs"), Some("ES256 EdDSA"));
    }

    #[test]
    fn token68_and_padding() {
        let all = parse_challenges("Negotiate abc+/d==, Bearer error=\"x\"");
        assert_eq!(all[0].token68.as_deref(), Some("abc+/d=="));
        assert_eq!(all[1].param("error"), Some("x"));
        let all = parse_challenges("Foo abc=");
        assert_eq!(all[0].token68.as_deref(), Some("abc="));
    }

    #[test]
    fn junk_never_fails() {
        for h in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer error=\"unterminated",
            "Bearer error=",
            "Bearer =x",
            "Bearer error=\"a\\",
            "Bearer ,, error=\"x\",,",
        ] {
            let _ = parse_challenges(h);
        }
        assert_eq!(
            bearer("Bearer error=\"unterminated")
                .unwrap()
                .param("error"),
            Some("unterminated")
        );
        assert_eq!(
            bearer("Bearer ,, error=\"x\",,").unwrap().param("error"),
            Some("x")
        );
        assert_eq!(
            bearer("Bearer realm=\"r\", error=").unwrap().param("error"),
            Some("")
        );
        // Grammatically a token68, not an empty parameter.
        assert_eq!(
            bearer("Bearer error=").unwrap().token68.as_deref(),
            Some("error=")
        );
        assert!(bearer("Basic realm=\"x\"").is_none());
        let huge = "Bearer ".to_owned() + &"a=b, ".repeat(100_000);
        assert!(bearer(&huge).unwrap().params.len() < 2000);
    }
}
