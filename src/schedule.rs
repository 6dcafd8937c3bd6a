//! When to refresh the access token, on the server's clock.
//!
//! The page's clock may be minutes off. Each token response carries the
//! server's time, so the offset between the clocks is estimated at receipt
//! and every expiry decision is made on the server's clock.

/// How many seconds before expiry to refresh a token of `lifetime` seconds:
/// min(max(30 s, 20 % of the lifetime), 50 % of the lifetime).
///
/// ```
/// use causette_widget::schedule::lead_secs;
/// assert_eq!(lead_secs(300), 60);
/// assert_eq!(lead_secs(10), 5);
/// ```
pub fn lead_secs(lifetime: i64) -> i64 {
    let lifetime = lifetime.max(0);
    (lifetime / 5).max(30).min(lifetime / 2)
}

/// The server clock minus the page clock, in ms, estimated from a response
/// that said `server_time` (s) and arrived at `received_ms` (page clock),
/// after a request sent at `sent_ms`. The server read its clock somewhere
/// in between; the midpoint halves the error.
pub fn clock_offset_ms(server_time: i64, sent_ms: f64, received_ms: f64) -> f64 {
    let midpoint = sent_ms + (received_ms - sent_ms).max(0.0) / 2.0;
    // `server_time` is whole seconds: half a second is the best guess within.
    server_time as f64 * 1_000.0 + 500.0 - midpoint
}

/// A token's life on the server's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenTimes {
    /// Issued at, server seconds.
    pub issued_at: i64,
    /// Expires at, server seconds.
    pub expires_at: i64,
}

impl TokenTimes {
    /// From a token response: `server_time` and `expires_in`.
    pub fn new(server_time: i64, expires_in: i64) -> TokenTimes {
        TokenTimes {
            issued_at: server_time,
            expires_at: server_time + expires_in,
        }
    }

    /// When to refresh, on the page clock (ms), given the clock offset.
    pub fn refresh_at_ms(&self, offset_ms: f64) -> f64 {
        let lead = lead_secs(self.expires_at - self.issued_at);
        (self.expires_at - lead) as f64 * 1_000.0 - offset_ms
    }

    /// Whether it is time to refresh at page time `now_ms`.
    pub fn due(&self, now_ms: f64, offset_ms: f64) -> bool {
        now_ms >= self.refresh_at_ms(offset_ms)
    }

    /// Whether the token has expired at page time `now_ms`.
    pub fn expired(&self, now_ms: f64, offset_ms: f64) -> bool {
        now_ms + offset_ms >= self.expires_at as f64 * 1_000.0
    }
}

/// A timer that should have fired at `expected_ms` fired at `actual_ms`:
/// was the page asleep (a laptop lid, a frozen background tab) meanwhile?
pub fn slept(expected_ms: f64, actual_ms: f64) -> bool {
    actual_ms - expected_ms > 5_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_times() {
        assert_eq!(lead_secs(300), 60); // 20 %
        assert_eq!(lead_secs(3_600), 720);
        assert_eq!(lead_secs(120), 30); // at least 30 s
        assert_eq!(lead_secs(40), 20); // at most half
        assert_eq!(lead_secs(10), 5);
        assert_eq!(lead_secs(1), 0);
        assert_eq!(lead_secs(0), 0);
        assert_eq!(lead_secs(-5), 0);
        for lifetime in 0..10_000 {
            let l = lead_secs(lifetime);
            assert!(l <= lifetime / 2 && l >= 0, "{lifetime}");
            assert!(l >= 30.min(lifetime / 2));
        }
    }

    #[test]
    fn offsets_from_skewed_pages() {
        // Server at 1_000_000 s; page clock 10 min ahead; 200 ms round trip.
        let true_ms = 1_000_000_000.0 + 600_000.0;
        let off = clock_offset_ms(1_000_000, true_ms, true_ms + 200.0);
        assert!((off + 600_000.0).abs() <= 1_000.0, "{off}");
        // 10 min behind.
        let true_ms = 1_000_000_000.0 - 600_000.0;
        let off = clock_offset_ms(1_000_000, true_ms, true_ms + 200.0);
        assert!((off - 600_000.0).abs() <= 1_000.0, "{off}");
        // A response received "before" it was sent (clock jumped) does not
        // push the estimate past the send time.
        assert_eq!(clock_offset_ms(0, 1_000.0, 500.0), -500.0);
    }

    #[test]
    fn a_skewed_page_still_refreshes_before_expiry() {
        for skew_ms in [-600_000.0, -1_000.0, 0.0, 1_000.0, 600_000.0] {
            let server_now = 2_000_000i64;
            let page_now = server_now as f64 * 1_000.0 + skew_ms;
            let times = TokenTimes::new(server_now, 10);
            let off = clock_offset_ms(server_now, page_now, page_now + 50.0);
            let at = times.refresh_at_ms(off);
            // 5 s before expiry on the server's clock, within a second.
            let wait = at - page_now;
            assert!(
                (4_000.0..=6_000.0).contains(&wait),
                "skew {skew_ms}: wait {wait}"
            );
            assert!(!times.due(page_now, off));
            assert!(times.due(page_now + 5_500.0, off));
            assert!(!times.expired(page_now + 8_000.0, off));
            assert!(times.expired(page_now + 11_000.0, off));
        }
    }

    #[test]
    fn sleep_gaps() {
        assert!(!slept(1_000.0, 1_100.0));
        assert!(!slept(1_000.0, 6_000.0));
        assert!(slept(1_000.0, 6_001.0));
        assert!(slept(0.0, 7_200_000.0));
    }
}
