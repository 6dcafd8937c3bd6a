//! Human wording of times for reports ("3 min ago", "in 2 h").
//!
//! Reports are read by people fixing a deployment, so precision beyond the
//! largest unit only adds noise: one unit, rounded down.

/// A span of seconds in the largest fitting unit: `45 s`, `3 min`, `2 h`,
/// `5 days`.
pub fn span(secs: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    match secs {
        0..MIN => format!("{secs} s"),
        MIN..HOUR => format!("{} min", secs / MIN),
        HOUR..DAY => format!("{} h", secs / HOUR),
        _ if secs < 2 * DAY => "1 day".to_owned(),
        _ => format!("{} days", secs / DAY),
    }
}

/// `then_unix` relative to `now_unix`: `3 min ago`, `in 45 s`, or `now`.
pub fn relative(then_unix: i64, now_unix: i64) -> String {
    let delta = i128::from(now_unix) - i128::from(then_unix);
    let abs = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    if abs == 0 {
        "now".to_owned()
    } else if delta > 0 {
        format!("{} ago", span(abs))
    } else {
        format!("in {}", span(abs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(59), "59 s");
        assert_eq!(span(60), "1 min");
        assert_eq!(span(3599), "59 min");
        assert_eq!(span(3600), "1 h");
        assert_eq!(span(86_399), "23 h");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(5 * 86_400 + 7), "5 days");
        assert!(span(u64::MAX).ends_with("days"));
    }

    #[test]
    fn relatives() {
        assert_eq!(relative(100, 100), "now");
        assert_eq!(relative(100, 280), "3 min ago");
        assert_eq!(relative(145, 100), "in 45 s");
        assert_eq!(
            relative(i64::MIN, i64::MAX),
            format!("{} ago", span(u64::MAX))
        );
        assert!(relative(i64::MAX, i64::MIN).starts_with("in "));
    }
}
