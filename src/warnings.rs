//! Warnings meant for the user, kept under a count. A hostile archive can
//! give a million of one kind (a process tree of a million orphans, a
//! million odd member names); each would be a `String` held and a line
//! printed, so past [`MAX_WARNINGS`] they are only counted.

/// Most warnings of one kind kept; the rest are counted in one line.
pub const MAX_WARNINGS: usize = 20;

/// Warnings of one kind: the first [`MAX_WARNINGS`], and how many more.
#[derive(Debug, Clone, Default)]
pub struct Warnings {
    kept: Vec<String>,
    dropped: u64,
}

impl Warnings {
    /// Keep `warning`, or count it when enough are kept.
    pub fn push(&mut self, warning: String) {
        if self.kept.len() < MAX_WARNINGS {
            self.kept.push(warning);
        } else {
            self.dropped += 1;
        }
    }

    /// The kept warnings, then `rest(n)` if `n` more were only counted.
    pub fn finish(mut self, rest: impl FnOnce(u64) -> String) -> Vec<String> {
        if self.dropped > 0 {
            self.kept.push(rest(self.dropped));
        }
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_and_counts_the_rest() {
        let mut warnings = Warnings::default();
        for i in 0..MAX_WARNINGS + 5 {
            warnings.push(format!("w{i}"));
        }
        let all = warnings.finish(|n| format!("{n} more"));
        assert_eq!(all.len(), MAX_WARNINGS + 1);
        assert_eq!(all[0], "w0");
        assert_eq!(all[MAX_WARNINGS], "5 more");
        assert_eq!(
            Warnings::default().finish(|n| format!("{n}")),
            Vec::<String>::new()
        );
    }
}
