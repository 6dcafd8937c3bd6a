//! Origin allowlists: which web pages may host a site's widget.
//!
//! Entries are exact `scheme://host[:port]` origins. A subdomain wildcard is
//! allowed only when written out (`https://*.example.com`) and never
//! matches the bare domain or another scheme.

/// Normalizes an origin for comparison: lower case, no trailing slash,
/// default ports dropped.
pub fn normalize(origin: &str) -> String {
    let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if let Some(rest) = o.strip_prefix("https://") {
        return format!("https://{}", rest.strip_suffix(":443").unwrap_or(rest));
    }
    if let Some(rest) = o.strip_prefix("http://") {
        return format!("http://{}", rest.strip_suffix(":80").unwrap_or(rest));
    }
    o
}

/// Whether `origin` is allowed by the `allowlist`.
///
/// ```
/// use causette_server::origin::is_allowed;
/// let list = ["https://shop.example".to_owned(), "https://*.example.org".to_owned()];
/// assert!(is_allowed(&list, "https://shop.example"));
/// assert!(is_allowed(&list, "https://blog.example.org"));
/// assert!(!is_allowed(&list, "https://example.org"));
/// assert!(!is_allowed(&list, "http://shop.example"));
/// ```
pub fn is_allowed(allowlist: &[String], origin: &str) -> bool {
    let origin = normalize(origin);
    if origin == "null" || origin.is_empty() {
        return false;
    }
    allowlist.iter().any(|entry| {
        let entry = normalize(entry);
        match entry.split_once("://*.") {
            Some((scheme, suffix)) => origin
                .strip_prefix(scheme)
                .and_then(|r| r.strip_prefix("://"))
                .and_then(|host| host.strip_suffix(suffix))
                .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1 && !sub.contains('/')),
            None => entry == origin,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_match_ignores_case_trailing_slash_and_default_ports() {
        let l = list(&["https://Shop.Example/", "http://localhost:8080"]);
        assert!(is_allowed(&l, "https://shop.example"));
        assert!(is_allowed(&l, "https://shop.example:443"));
        assert!(is_allowed(&l, "http://localhost:8080"));
        assert!(!is_allowed(&l, "http://localhost:8081"));
        assert!(!is_allowed(&l, "http://localhost"));
    }

    #[test]
    fn scheme_and_port_must_match() {
        let l = list(&["https://shop.example"]);
        assert!(!is_allowed(&l, "http://shop.example"));
        assert!(!is_allowed(&l, "https://shop.example:8443"));
    }

    #[test]
    fn wildcards_only_when_written_and_only_for_subdomains() {
        let l = list(&["https://*.example.org"]);
        assert!(is_allowed(&l, "https://a.example.org"));
        assert!(is_allowed(&l, "https://a.b.example.org"));
        assert!(!is_allowed(&l, "https://example.org"));
        assert!(!is_allowed(&l, "https://evilexample.org"));
        assert!(!is_allowed(&l, "https://example.org.evil.com"));
        assert!(!is_allowed(&l, "http://a.example.org"));
    }

    #[test]
    fn null_and_empty_origins_are_refused() {
        let l = list(&["null", ""]);
        assert!(!is_allowed(&l, "null"));
        assert!(!is_allowed(&l, ""));
    }
}
