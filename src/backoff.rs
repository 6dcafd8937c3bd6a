//! Retry delays: exponential backoff with full jitter.
//!
//! Base 1 s, doubling, capped at 30 s; a server's `Retry-After` wins. Full
//! jitter (a uniform draw in `[0, ceiling]`) spreads the reconnects of many
//! visitors after an outage instead of having them all retry together.

/// First ceiling, in milliseconds.
pub const BASE_MS: u64 = 1_000;
/// Largest ceiling, in milliseconds.
pub const CAP_MS: u64 = 30_000;

/// The ceiling of the delay before retry number `attempt` (1-based).
pub fn ceiling_ms(attempt: u32) -> u64 {
    let doublings = attempt.saturating_sub(1).min(16);
    (BASE_MS << doublings).min(CAP_MS)
}

/// The delay before retry number `attempt`, given a uniform draw `random`
/// in `[0, 1)` and the server's `Retry-After` seconds, if any.
///
/// ```
/// use causette_widget::backoff::delay_ms;
/// assert!(delay_ms(1, 0.5, None) <= 1_000);
/// assert_eq!(delay_ms(1, 0.5, Some(7)), 7_000);
/// ```
pub fn delay_ms(attempt: u32, random: f64, retry_after_secs: Option<u64>) -> u64 {
    if let Some(secs) = retry_after_secs {
        return secs.saturating_mul(1_000);
    }
    let r = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ceiling_ms(attempt) as f64 * r) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_then_cap() {
        let c: Vec<u64> = (1..=7).map(ceiling_ms).collect();
        assert_eq!(c, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
        assert_eq!(ceiling_ms(0), 1_000);
        assert_eq!(ceiling_ms(u32::MAX), 30_000);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for attempt in 0..40 {
            for i in 0..=100 {
                let r = i as f64 / 100.0;
                let d = delay_ms(attempt, r, None);
                assert!(d <= ceiling_ms(attempt), "attempt {attempt} r {r}");
            }
        }
        assert_eq!(delay_ms(3, 0.0, None), 0);
        assert_eq!(delay_ms(3, f64::NAN, None), 0);
        assert_eq!(delay_ms(3, 7.0, None), 4_000);
    }

    #[test]
    fn retry_after_wins() {
        assert_eq!(delay_ms(9, 0.1, Some(2)), 2_000);
        assert_eq!(delay_ms(1, 0.1, Some(0)), 0);
        assert_eq!(delay_ms(1, 0.1, Some(u64::MAX)), u64::MAX);
    }
}
