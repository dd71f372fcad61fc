//! The receiver's own failure rate, measured against Pancake's suspension rule.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Pancake's rule: a URL is suspended when, within `window`, over `failure_rate` of its
/// deliveries fail and at least `failures` do ([`super::SUSPENSION`], from the spec).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Suspension {
    /// The share of failed deliveries over which the URL is suspended (0.8).
    pub failure_rate: f64,
    /// The failed deliveries needed as well (300).
    pub failures: u64,
    /// The window both are counted in (30 minutes).
    pub window: Duration,
}

/// What the receiver answered within the rule's window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Health {
    /// Deliveries answered.
    pub requests: u64,
    /// Deliveries answered with a status outside 2xx.
    pub failures: u64,
    /// Requests to a wrong path or secret (404), not counted above: anyone may make them. If
    /// every request is one, check the URL registered with Pancake.
    pub strays: u64,
    /// `failures / requests` (0 when there were none).
    pub failure_rate: f64,
    /// Over the rule's rate and at half its count: fix the endpoint before Pancake suspends it.
    pub at_risk: bool,
    /// The rule is met: Pancake would suspend the URL now.
    pub suspended: bool,
}

/// Counts answers in one-minute buckets over the rule's window (memory: one bucket a minute).
#[derive(Debug)]
pub(crate) struct Tracker {
    rule: Suspension,
    start: Instant,
    /// (minute since start, answered, failed, strays), oldest first.
    buckets: VecDeque<(u64, u64, u64, u64)>,
    warned: bool,
}

impl Tracker {
    pub(crate) fn new(rule: Suspension) -> Tracker {
        Tracker { rule, start: Instant::now(), buckets: VecDeque::new(), warned: false }
    }

    /// Records one answer at `now` (`Some(ok)`, or `None` for a stray request); returns the
    /// health when it just became at risk (to warn once).
    pub(crate) fn record(&mut self, ok: Option<bool>, now: Instant) -> Option<Health> {
        let minute = self.minute(now);
        let (answered, failed, stray) = match ok {
            Some(ok) => (1, u64::from(!ok), 0),
            None => (0, 0, 1),
        };
        match self.buckets.back_mut() {
            Some((m, a, f, s)) if *m == minute => {
                *a += answered;
                *f += failed;
                *s += stray;
            }
            _ => self.buckets.push_back((minute, answered, failed, stray)),
        }
        let health = self.health(now);
        let newly = health.at_risk && !self.warned;
        self.warned = health.at_risk;
        newly.then_some(health)
    }

    /// The health over the window ending at `now`.
    pub(crate) fn health(&mut self, now: Instant) -> Health {
        // The current minute and the `minutes` before it: the window, rounded up (a failure
        // counts a little longer than Pancake counts it, never shorter).
        let minutes = self.rule.window.as_secs().div_ceil(60).max(1);
        let current = self.minute(now);
        while self.buckets.front().is_some_and(|b| b.0 + minutes < current) {
            self.buckets.pop_front();
        }
        let requests: u64 = self.buckets.iter().map(|b| b.1).sum();
        let failures: u64 = self.buckets.iter().map(|b| b.2).sum();
        let strays: u64 = self.buckets.iter().map(|b| b.3).sum();
        let failure_rate = if requests == 0 { 0.0 } else { failures as f64 / requests as f64 };
        let over_rate = failure_rate > self.rule.failure_rate;
        Health {
            requests,
            failures,
            strays,
            failure_rate,
            at_risk: over_rate && failures * 2 >= self.rule.failures,
            suspended: over_rate && failures >= self.rule.failures,
        }
    }

    fn minute(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs() / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Suspension =
        Suspension { failure_rate: 0.8, failures: 300, window: Duration::from_secs(1800) };

    #[test]
    fn warns_once_at_half_the_count_and_reports_the_rule_met() {
        let mut tracker = Tracker::new(RULE);
        let now = Instant::now();
        for _ in 0..20 {
            assert_eq!(tracker.record(Some(true), now), None);
        }
        for _ in 0..1_000 {
            assert_eq!(tracker.record(None, now), None, "strays are no failures");
        }
        let mut warnings = 0;
        for _ in 0..149 {
            warnings += usize::from(tracker.record(Some(false), now).is_some());
        }
        assert_eq!(warnings, 0, "149 failures: under half the count");
        let warned = tracker.record(Some(false), now).expect("150 failures of 170: at risk");
        assert!(warned.at_risk && !warned.suspended);
        assert_eq!(warned.strays, 1_000);
        for _ in 0..150 {
            assert_eq!(tracker.record(Some(false), now), None, "warned once");
        }
        let health = tracker.health(now);
        assert_eq!((health.requests, health.failures), (320, 300));
        assert!(health.suspended);
    }

    #[test]
    fn a_low_rate_is_no_risk_and_old_minutes_leave_the_window() {
        let mut tracker = Tracker::new(RULE);
        let now = Instant::now();
        for i in 0..1_000 {
            tracker.record(Some(i % 4 != 0), now);
        }
        let health = tracker.health(now);
        assert_eq!(health.failures, 250);
        assert!(!health.at_risk && !health.suspended, "25 % is under the rate");
        assert_eq!(tracker.health(now + Duration::from_secs(30 * 60)).requests, 1_000, "still in the window");
        assert_eq!(tracker.health(now + Duration::from_secs(32 * 60)).requests, 0);
    }
}
