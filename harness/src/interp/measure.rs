//! Measurements the harness keeps for a case (resident memory by label, timings
//! of `timed` blocks) and the checks of bounds on them.

use std::collections::HashMap;
use std::time::Duration;

use super::step::{missing, Step};
use crate::outcome::Actual;
use crate::script::Bound;

/// Memory measurements and timings, by label.
#[derive(Debug, Default)]
pub(super) struct Measures {
    memory: HashMap<String, u64>,
    /// Every timing of each label; checks use the fastest, which is robust
    /// against a busy machine.
    timings: HashMap<String, Vec<Duration>>,
}

impl Measures {
    pub(super) fn memory(&mut self, label: &str, rss_bytes: u64) {
        self.memory.insert(label.to_string(), rss_bytes);
    }

    pub(super) fn timing(&mut self, label: &str, took: Duration) {
        self.timings
            .entry(label.to_string())
            .or_default()
            .push(took);
    }

    /// The change of resident memory from `from` to `to`, checked against
    /// `bound`; only kept where `collector_timed` (the figure depends on when
    /// the host's collector ran by itself).
    pub(super) fn growth(
        &self,
        from: &str,
        to: &str,
        bound: &Bound,
        collector_timed: bool,
    ) -> Step {
        let (Some(a), Some(b)) = (self.memory.get(from), self.memory.get(to)) else {
            return missing(format!("no memory measurement named {from:?} and {to:?}"));
        };
        let bytes = *b as i64 - *a as i64;
        let within = match bound {
            Bound::AtMost(n) => bytes <= *n,
            Bound::AtLeast(n) => bytes >= *n,
        };
        match collector_timed {
            true => Step::Observed(Actual::CollectorTimed { bytes, within }),
            false => Step::Observed(Actual::Growth { bytes, within }),
        }
    }

    /// How many times as long `later` took as `first` (fastest of each, to
    /// two decimals), checked against `at_most`.
    pub(super) fn slowdown(&self, first: &str, later: &str, at_most: u32) -> Step {
        let fastest = |label: &str| self.timings.get(label).and_then(|t| t.iter().min());
        let (Some(a), Some(b)) = (fastest(first), fastest(later)) else {
            return missing(format!("no timing named {first:?} and {later:?}"));
        };
        let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-9);
        let ratio = (ratio * 100.0).round() / 100.0;
        Step::Observed(Actual::Slowdown {
            ratio,
            within: ratio <= f64::from(at_most),
        })
    }
}

/// A bound in words: `at most 16 MiB`.
pub(super) fn describe_bound(bound: &Bound) -> String {
    let (word, n) = match bound {
        Bound::AtMost(n) => ("at most", *n),
        Bound::AtLeast(n) => ("at least", *n),
    };
    let size = if n != 0 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n != 0 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    };
    format!("{word} {size}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(step: Step) -> Actual {
        match step {
            Step::Observed(actual) => actual,
            _ => panic!("not an observation"),
        }
    }

    #[test]
    fn growth_is_checked_against_its_bound() {
        let mut m = Measures::default();
        m.memory("before", 1 << 20);
        m.memory("after", 3 << 20);
        let growth = |bound| observed(m.growth("before", "after", &bound, false));
        assert_eq!(
            growth(Bound::AtMost(2 << 20)),
            Actual::Growth {
                bytes: 2 << 20,
                within: true
            }
        );
        assert_eq!(
            growth(Bound::AtLeast(3 << 20)),
            Actual::Growth {
                bytes: 2 << 20,
                within: false
            }
        );
        assert!(matches!(
            m.growth("before", "later", &Bound::AtMost(0), false),
            Step::Failed(_)
        ));
        assert_eq!(
            observed(m.growth("before", "after", &Bound::AtMost(0), true)),
            Actual::CollectorTimed {
                bytes: 2 << 20,
                within: false
            }
        );
        assert_eq!(describe_bound(&Bound::AtMost(16 << 20)), "at most 16 MiB");
        assert_eq!(describe_bound(&Bound::AtLeast(3 << 10)), "at least 3 KiB");
        assert_eq!(describe_bound(&Bound::AtMost(0)), "at most 0 bytes");
    }

    #[test]
    fn a_slowdown_compares_the_fastest_timings() {
        let mut m = Measures::default();
        m.timing("first", Duration::from_millis(10));
        m.timing("first", Duration::from_millis(40));
        m.timing("later", Duration::from_millis(25));
        assert_eq!(
            observed(m.slowdown("first", "later", 2)),
            Actual::Slowdown {
                ratio: 2.5,
                within: false
            }
        );
        assert!(matches!(m.slowdown("first", "none", 2), Step::Failed(_)));
    }
}
