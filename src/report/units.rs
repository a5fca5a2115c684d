//! Sizes in IEC units, printed exactly as checkpointctl prints them: whole
//! bytes below 1 KiB (`204 B`), else one decimal and the largest unit that
//! keeps the number at or above 1 (`130.8 KiB`, `1024.0 KiB` for one byte
//! short of a MiB, because the unit is chosen before rounding).

/// Format `bytes` in IEC units.
pub fn iec(bytes: u64) -> String {
    const UNIT: u64 = 1024;
    if bytes < UNIT {
        return format!("{bytes} B");
    }
    let mut divisor = UNIT;
    let mut exponent = 0;
    let mut n = bytes / UNIT;
    while n >= UNIT {
        divisor *= UNIT;
        exponent += 1;
        n /= UNIT;
    }
    let unit = ['K', 'M', 'G', 'T', 'P', 'E'][exponent];
    format!("{:.1} {unit}iB", bytes as f64 / divisor as f64)
}

/// Format a duration given in microseconds as checkpointctl prints CRIU's
/// statistics: `µs` below a millisecond, `ms` below a second, else `s`, with
/// five significant digits and no trailing zeros (`152.98 ms`, `2.41 ms`).
pub fn micros(us: u64) -> String {
    let (value, unit) = if us < 1_000 {
        return format!("{us} µs");
    } else if us < 1_000_000 {
        (us as f64 / 1e3, "ms")
    } else {
        (us as f64 / 1e6, "s")
    };
    let integer_digits = (value.abs().log10().floor() as i32 + 1).max(1);
    let decimals = usize::try_from(5 - integer_digits).unwrap_or(0);
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {unit}")
}

#[cfg(test)]
mod tests {
    use super::{iec, micros};

    #[test]
    fn durations_match_the_reference() {
        // Values and output of checkpointctl on the real archives.
        assert_eq!(micros(1962), "1.962 ms");
        assert_eq!(micros(152_977), "152.98 ms");
        assert_eq!(micros(2410), "2.41 ms");
        assert_eq!(micros(250), "250 µs");
        assert_eq!(micros(101_210), "101.21 ms");
        assert_eq!(micros(1_000), "1 ms");
        assert_eq!(micros(12_345_678), "12.346 s");
        assert_eq!(micros(999_999), "1000 ms");
    }

    #[test]
    fn matches_reference_formatting() {
        assert_eq!(iec(0), "0 B");
        assert_eq!(iec(204), "204 B");
        assert_eq!(iec(1023), "1023 B");
        assert_eq!(iec(1024), "1.0 KiB");
        assert_eq!(iec(133_939), "130.8 KiB");
        assert_eq!(iec(1_048_575), "1024.0 KiB");
        assert_eq!(iec(1_048_576), "1.0 MiB");
        assert_eq!(iec(15_186_908), "14.5 MiB");
        // Values from the real archives' `show` output.
        assert_eq!(iec(807_206), "788.3 KiB");
        assert_eq!(iec(270_848), "264.5 KiB");
        assert_eq!(iec(u64::MAX), "16.0 EiB");
    }
}
