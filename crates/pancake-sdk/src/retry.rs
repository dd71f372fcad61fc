//! When to try a request again, and how long to wait first.
//!
//! Reads (GET) are retried on connection errors, timeouts, an interrupted body, and the
//! statuses 408, 429, 500, 502, 503 and 504. Writes (POST: sends, tags, keywords) are retried
//! only when the request provably never reached the server: the connection could not be made
//! (refused, DNS, TLS handshake). Sends are not idempotent, so a customer never gets a message
//! twice because of a retry.
//!
//! Waits grow exponentially from [`RetryPolicy::base_delay`] with jitter, up to
//! [`RetryPolicy::max_delay`]; a `Retry-After` header (seconds or an HTTP date) is honoured,
//! and one that asks for longer than `max_delay` ends the retries (the error is returned).
//! No wait or attempt reaches past the call's deadline (`ClientBuilder::deadline`,
//! `CallOptions::deadline`): a wait that would is not made, and an attempt is cut at it.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a client retries. The default: 3 retries, 250 ms base delay, 10 s cap.
/// Change it with the `with_*` methods: `RetryPolicy::default().with_max_retries(5)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each retry (with jitter).
    pub base_delay: Duration,
    /// The longest wait between two attempts, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// Retries after the first attempt; 0 disables retrying.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait between two attempts.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The wait before retry number `retry` (from 0): `Retry-After` when the answer gave one
    /// (no retry at all when it asks for longer than `max_delay`), else exponential backoff
    /// with jitter, capped at `max_delay`.
    pub(crate) fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Option<Duration> {
        if let Some(after) = headers.and_then(retry_after) {
            return (after <= self.max_delay).then_some(after);
        }
        let exponential = self.base_delay.saturating_mul(1u32 << retry.min(20)).min(self.max_delay);
        // "Equal jitter": half fixed, half random, so waits never collapse to zero.
        let half = exponential / 2;
        Some(half + half.mul_f64(fastrand::f64()))
    }
}

/// Statuses after which a read is tried again.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether an error shows that the request never reached the server.
pub(crate) fn never_sent(error: &reqwest::Error) -> bool {
    error.is_connect()
}

/// The `Retry-After` header as a duration: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        headers
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        for retry in 0..8 {
            let full = Duration::from_millis(100 << retry).min(Duration::from_secs(1));
            let delay = policy.delay(retry, None).unwrap();
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?} not in [{:?}, {full:?}]",
                full / 2
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_in_both_forms_and_capped() {
        let policy = RetryPolicy::default().with_max_delay(Duration::from_secs(5));
        assert_eq!(policy.delay(0, Some(&headers("2"))), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay(0, Some(&headers("120"))), None, "longer than the cap: no retry");
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
        let wait = retry_after(&headers(&soon)).unwrap();
        assert!(wait <= Duration::from_secs(3) && wait >= Duration::from_secs(1), "{wait:?}");
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
    }

    #[test]
    fn only_transient_statuses_are_retryable() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 400, 401, 403, 404, 422, 501] {
            assert!(!retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
