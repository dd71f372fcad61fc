//! Settings of one call, overriding the client's: `builder.send_with(CallOptions::new()...)`.

use std::time::Duration;

use crate::retry::RetryPolicy;

/// Per-call overrides of the client's settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Total time each attempt may take, in place of the client's timeout (the connect
    /// timeout stays the client's: reqwest sets it per connection pool).
    pub timeout: Option<Duration>,
    /// The retry policy, in place of the client's.
    pub retry: Option<RetryPolicy>,
    /// Total time of this call (attempts, waits and backoff together), in place of the
    /// client's deadline.
    pub deadline: Option<Duration>,
    /// The JSON door (`call_json`) hands the answer's bytes over as they came, leaving the
    /// check that they are UTF-8 and one JSON text to the reader, which decodes them anyway
    /// (and whose error is then the one seen): one pass over the bytes instead of two. The
    /// typed calls and the lists (`stream_json`) always check.
    pub defer_json_check: bool,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Total time each attempt may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Total time of this call, attempts, waits and backoff together.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Leaves the check of the answer's JSON to its reader (see
    /// [`CallOptions::defer_json_check`]).
    pub fn defer_json_check(mut self) -> Self {
        self.defer_json_check = true;
        self
    }

    /// The retry policy of this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}
