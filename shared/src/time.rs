//! The time source: `--now RFC3339`, else `SOURCE_DATE_EPOCH`, else the clock.

use anyhow::{bail, Context, Result};
use jiff::Timestamp;

/// The time to use: the `--now` flag when given, else `SOURCE_DATE_EPOCH`
/// (whole seconds since 1970), else the system clock.
pub fn now(flag: Option<&str>) -> Result<Timestamp> {
    now_from(flag, std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())
}

/// [`now`] with the environment given, for tests.
pub fn now_from(flag: Option<&str>, source_date_epoch: Option<&str>) -> Result<Timestamp> {
    if let Some(s) = flag {
        return parse_rfc3339(s).context("--now");
    }
    if let Some(s) = source_date_epoch {
        let secs: i64 = s.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH: {s:?} is not a whole number of seconds")
        })?;
        return Timestamp::from_second(secs)
            .with_context(|| format!("SOURCE_DATE_EPOCH: {secs} is out of range"));
    }
    Ok(Timestamp::now())
}

/// Parses an RFC 3339 time with an offset (`2026-11-21T08:00:00Z`,
/// `2026-11-21T09:00:00.5+01:00`).
pub fn parse_rfc3339(s: &str) -> Result<Timestamp> {
    match s.parse::<Timestamp>() {
        Ok(t) => Ok(t),
        Err(e) => {
            bail!("{s:?} is not an RFC 3339 time with an offset, like 2026-11-21T08:00:00Z: {e}")
        }
    }
}

/// RFC 3339 in UTC with milliseconds: `2026-11-21T08:00:00.000Z`.
pub fn utc_millis(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The compact UTC form used in run IDs: `20261121T080000Z`.
pub fn utc_compact(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_flag_then_epoch_then_clock() {
        let t = now_from(Some("2026-11-21T09:00:00.5+01:00"), Some("0")).unwrap();
        assert_eq!(utc_millis(t), "2026-11-21T08:00:00.500Z");
        let t = now_from(None, Some("1700000000")).unwrap();
        assert_eq!(utc_millis(t), "2023-11-14T22:13:20.000Z");
        assert_eq!(utc_compact(t), "20231114T221320Z");
        assert!(now_from(None, None).is_ok());
    }

    #[test]
    fn bad_times_say_why() {
        assert!(
            format!("{:#}", now_from(Some("yesterday"), None).unwrap_err())
                .starts_with("--now: \"yesterday\" is not an RFC 3339")
        );
        assert!(
            format!("{:#}", now_from(None, Some("x")).unwrap_err()).contains("SOURCE_DATE_EPOCH")
        );
        assert!(parse_rfc3339("2026-11-21T08:00:00").is_err());
    }
}
