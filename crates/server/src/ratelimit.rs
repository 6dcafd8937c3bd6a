//! Rate limits on opening and refreshing sessions, per client IP and per
//! site, so one client or one abused site key cannot flood the server, and
//! on messages per session, so one visitor cannot run up the site's model
//! bill. A refused call gets 429 with `Retry-After` (the `rate_limited`
//! verdict).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The limiters; cheap to clone.
#[derive(Clone, Default)]
pub struct Limits {
    per_ip: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    per_site: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    per_session: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(
    per_minute: u32,
) -> Option<Arc<DefaultKeyedRateLimiter<K>>> {
    NonZeroU32::new(per_minute).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))))
}

fn retry_after(not_until: &governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl Limits {
    /// Limits of `per_ip` and `per_site` calls a minute (each a burst too);
    /// 0 turns one off.
    pub fn new(per_ip: u32, per_site: u32) -> Limits {
        Limits {
            per_ip: limiter(per_ip),
            per_site: limiter(per_site),
            per_session: None,
        }
    }

    /// Also limits messages to `per_minute` per session (0: no limit).
    pub fn with_messages_per_session(mut self, per_minute: u32) -> Limits {
        self.per_session = limiter(per_minute);
        self
    }

    /// One more message in `session`; `Err(seconds to wait)` when over.
    pub fn check_message(&self, session: &str) -> Result<(), u64> {
        match &self.per_session {
            Some(l) => l
                .check_key(&session.to_owned())
                .map_err(|n| retry_after(&n).max(1)),
            None => Ok(()),
        }
    }

    /// One more call from `ip`; `Err(seconds to wait)` when over.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), u64> {
        match &self.per_ip {
            Some(l) => l.check_key(&ip).map_err(|n| retry_after(&n).max(1)),
            None => Ok(()),
        }
    }

    /// One more call for `site`; `Err(seconds to wait)` when over.
    pub fn check_site(&self, site: &str) -> Result<(), u64> {
        match &self.per_site {
            Some(l) => l
                .check_key(&site.to_owned())
                .map_err(|n| retry_after(&n).max(1)),
            None => Ok(()),
        }
    }

    /// Forgets keys that are back to a full allowance (bounds memory).
    pub fn shrink(&self) {
        if let Some(l) = &self.per_ip {
            l.retain_recent();
        }
        for l in [&self.per_site, &self.per_session].into_iter().flatten() {
            l.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_with_a_wait() {
        let l = Limits::new(3, 0);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(l.check_ip(ip), Ok(()));
        }
        let wait = l.check_ip(ip).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another client is not affected; sites are unlimited here.
        assert_eq!(l.check_ip("10.0.0.1".parse().unwrap()), Ok(()));
        for _ in 0..100 {
            assert_eq!(l.check_site("s"), Ok(()));
            assert_eq!(l.check_message("sid"), Ok(()));
        }
    }

    #[test]
    fn messages_are_limited_per_session() {
        let l = Limits::new(0, 0).with_messages_per_session(2);
        assert_eq!(l.check_message("a"), Ok(()));
        assert_eq!(l.check_message("a"), Ok(()));
        assert!(l.check_message("a").unwrap_err() >= 1);
        assert_eq!(l.check_message("b"), Ok(()));
    }
}
