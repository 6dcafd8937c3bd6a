use super::Store;

/// `YYYY-MM` of a Unix time, in UTC.
pub fn month_of(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), to avoid a date crate here.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}")
}

impl Store {
    /// Conversations counted for the site this month.
    pub async fn conversations_this_month(&self, site_key: &str, now: i64) -> anyhow::Result<i64> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT conversations FROM site_usage WHERE site_key = $1 AND month = $2",
        )
        .bind(site_key)
        .bind(month_of(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(n,)| n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::month_of;

    #[test]
    fn months_in_utc() {
        assert_eq!(month_of(0), "1970-01");
        assert_eq!(month_of(1_795_596_627), "2026-11");
        assert_eq!(month_of(951_782_400), "2000-02-29".get(..7).unwrap()); // 2000-02-29
        assert_eq!(month_of(951_868_799), "2000-02");
        assert_eq!(month_of(951_868_800), "2000-03");
        assert_eq!(month_of(1_704_067_199), "2023-12");
        assert_eq!(month_of(1_704_067_200), "2024-01");
    }
}
