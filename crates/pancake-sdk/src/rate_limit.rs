//! Client-side pacing per page, so that bulk jobs do not hit the API's rate limit (Pancake:
//! 5 calls per page per second) in the first place. A 429 that still arrives is handled by the
//! retry policy.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// At most `calls` requests per `per` for each page id, evenly spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in each window.
    pub calls: u32,
    /// The window.
    pub per: Duration,
}

impl RateLimit {
    /// Pancake's published limit: 5 calls per page per second (the Pancake client's default).
    pub const PANCAKE: RateLimit = RateLimit { calls: 5, per: Duration::from_secs(1) };

    /// `calls` per second.
    pub fn per_second(calls: u32) -> Self {
        RateLimit { calls, per: Duration::from_secs(1) }
    }

    /// `calls` per `per`.
    pub fn new(calls: u32, per: Duration) -> Self {
        RateLimit { calls, per }
    }
}

/// The shared pacer of a client and its clones: one token bucket per page id.
pub(crate) struct Pacer {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pacer")
    }
}

impl Pacer {
    /// `None` when the limit allows nothing (0 calls) or no time is given.
    pub(crate) fn new(limit: RateLimit) -> Option<Pacer> {
        let calls = NonZeroU32::new(limit.calls)?;
        // Evenly spaced, with no burst: any window of `per` then holds at most `calls` requests.
        let period = limit.per / calls.get();
        let quota = Quota::with_period(period)?.allow_burst(NonZeroU32::MIN);
        Some(Pacer { limiter: RateLimiter::keyed(quota) })
    }

    /// Whether a request for `page` may go now (it then counts as sent); when not,
    /// [`Pacer::wait`] waits for its turn.
    pub(crate) fn ready(&self, page: &str) -> bool {
        // Forget pages idle long enough to be full again, so that the table stays small.
        if self.limiter.len() > 1_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&page.to_string()).is_ok()
    }

    /// Waits until a request for `page` may go.
    pub(crate) async fn wait(&self, page: &str) {
        self.limiter.until_key_ready(&page.to_string()).await;
    }
}

/// Where the page a request addresses is in its path: the segment after `pages` (a request
/// keeps this, not a copy of the text).
pub(crate) fn page_span(path: &str) -> Option<std::ops::Range<usize>> {
    // By bytes: a path's segments are short, and `/` is one byte in UTF-8 (so each segment of
    // a `str` is one too, and starts and ends on a character's boundary).
    let bytes = path.as_bytes();
    let mut start = 0;
    let mut segments = bytes.split(|byte| *byte == b'/').map(|segment| {
        let span = start..start + segment.len();
        start = span.end + 1;
        span
    });
    segments.by_ref().find(|span| &bytes[span.clone()] == b"pages")?;
    segments.next().filter(|span| !span.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(path: &str) -> Option<&str> {
        page_span(path).map(|span| &path[span])
    }

    #[test]
    fn the_page_comes_from_the_route() {
        assert_eq!(page_of("/api/public_api/v1/pages/105/conversations"), Some("105"));
        assert_eq!(page_of("/api/v1/pages/7/conversations/7_1/messages"), Some("7"));
        assert_eq!(page_of("/api/v1/pages"), None);
        assert_eq!(page_of("/api/v1/statistics/user"), None);
        assert_eq!(page_of("/api/v1/pages/"), None);
        assert_eq!(page_of("/pages/tr%C3%A0/x"), Some("tr%C3%A0"));
        assert_eq!(page_of("/api/v1/pagesx/7/pages/8"), Some("8"));
    }

    #[test]
    fn a_zero_limit_means_no_pacer() {
        assert!(Pacer::new(RateLimit::new(0, Duration::from_secs(1))).is_none());
        assert!(Pacer::new(RateLimit::PANCAKE).is_some());
    }
}
