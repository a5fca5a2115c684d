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

#[cfg(test)]
mod tests {
    use super::iec;

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
