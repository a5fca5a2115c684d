//! Timestamps as checkpointctl prints them: RFC 3339 to the second.
//!
//! Engines write RFC 3339 with nanoseconds (`2026-12-03T18:45:07.362022099Z`)
//! or, in containerd's `status`, nanoseconds since the Unix epoch. Reports
//! show whole seconds with the writer's own offset, `Z` for UTC, which is what
//! Go's `time.RFC3339` layout gives. Go's zero time (`0001-01-01T00:00:00Z`)
//! means "never" and is reported as absent.

/// Reformat an RFC 3339 timestamp to whole seconds. Returns `None` for Go's
/// zero time; a string that is not RFC 3339 is returned unchanged, so that
/// an odd writer never hides the value.
pub fn rfc3339_seconds(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0001-01-01T00:00:00") {
        return None;
    }
    let Some(parsed) = parse(text) else {
        return Some(text.to_string());
    };
    Some(parsed)
}

fn parse(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // "YYYY-MM-DDTHH:MM:SS" is 19 bytes, then an optional fraction, then the
    // zone: "Z" or "+HH:MM" / "-HH:MM".
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let digits_at = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digits_at.iter().all(|&i| bytes[i].is_ascii_digit())
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = &fraction[end..];
    }
    let zone = match rest {
        "Z" | "z" | "+00:00" | "-00:00" => "Z".to_string(),
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            rest.to_string()
        }
        _ => return None,
    };
    Some(format!("{}T{}{}", &text[..10], &text[11..19], zone))
}

/// Format nanoseconds since the Unix epoch (UTC) as RFC 3339 seconds.
/// Zero means "not set" and gives `None`.
pub fn from_unix_nanos(nanos: i64) -> Option<String> {
    if nanos == 0 {
        return None;
    }
    Some(seconds_utc(nanos.div_euclid(1_000_000_000)))
}

/// Format seconds since the Unix epoch as RFC 3339 in UTC (a tar header's
/// modification time).
pub fn rfc3339_utc(secs: u64) -> String {
    // Past i64 seconds lies beyond any calendar; cap rather than wrap.
    seconds_utc(i64::try_from(secs).unwrap_or(i64::MAX / 2))
}

fn seconds_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// well-known civil-from-days arithmetic).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_fraction_and_keeps_zone() {
        assert_eq!(
            rfc3339_seconds("2026-12-03T18:45:07.362022099Z").as_deref(),
            Some("2026-12-03T18:45:07Z")
        );
        assert_eq!(
            rfc3339_seconds("2026-12-03T18:45:07.5+05:30").as_deref(),
            Some("2026-12-03T18:45:07+05:30")
        );
        assert_eq!(
            rfc3339_seconds("2026-12-03T18:45:07+00:00").as_deref(),
            Some("2026-12-03T18:45:07Z")
        );
    }

    #[test]
    fn zero_time_is_absent_and_garbage_passes_through() {
        assert_eq!(rfc3339_seconds("0001-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339_seconds(""), None);
        assert_eq!(rfc3339_seconds("yesterday").as_deref(), Some("yesterday"));
    }

    #[test]
    fn formats_unix_nanoseconds() {
        // containerd's `status` of the real containerd-cri archive.
        assert_eq!(
            from_unix_nanos(1_796_323_545_199_761_228).as_deref(),
            Some("2026-12-03T18:45:45Z")
        );
        assert_eq!(from_unix_nanos(0), None);
        assert_eq!(
            from_unix_nanos(951_782_400_000_000_000).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
    }
}
