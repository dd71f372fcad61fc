//! What every clone of a client shares: its tokens, its limits, its retry policy and its pacer.

use std::sync::Arc;
use std::time::Duration;

use crate::Error;
use crate::auth::{ApiKey, Credential, TokenKind, Tokens};
use crate::pacemaker::Pacemaker;
use crate::rate_limit::Pacer;
use crate::redact::Secrets;
use crate::retry::RetryPolicy;
use crate::transport::Transport;

/// The shared state of a client and its clones. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct ClientState {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    tokens: Tokens,
    secrets: Secrets,
    limits: Limits,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
    pacemaker: Arc<Pacemaker>,
    transport: Transport,
}

/// How long a call may take and how much it may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Total time of one attempt.
    pub timeout: Duration,
    /// Total time of a call: attempts, waits and backoff together.
    pub deadline: Duration,
    /// The largest answer body read, in bytes.
    pub max_response_bytes: u64,
}

impl ClientState {
    pub(crate) fn new(
        tokens: Tokens,
        limits: Limits,
        retry: RetryPolicy,
        pacer: Option<Pacer>,
        transport: Transport,
    ) -> Self {
        let secrets = tokens.secrets();
        let pacemaker = Arc::default();
        ClientState {
            shared: Arc::new(Shared { tokens, secrets, limits, retry, pacer, pacemaker, transport }),
        }
    }

    /// How the client reaches its server.
    pub(crate) fn transport(&self) -> &Transport {
        &self.shared.transport
    }

    /// The URL of a request to `path` (an operation's path, its parameters encoded): the base
    /// URL, parsed when the client was built, with `path` after its own path. The generated
    /// code's URLs are made here (see xtask's `lean.rs`).
    pub(crate) fn url(&self, path: std::fmt::Arguments<'_>) -> reqwest::Url {
        crate::path::join(&self.shared.transport.base, path)
    }

    /// The client's secrets, which its errors never show.
    pub(crate) fn secrets(&self) -> &Secrets {
        &self.shared.secrets
    }

    /// The client's timeout, deadline and size limit.
    pub(crate) fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// Total time of a call (attempts, waits and backoff together).
    pub fn deadline(&self) -> Duration {
        self.shared.limits.deadline
    }

    /// The largest answer body the client reads, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.shared.limits.max_response_bytes
    }

    /// Whether the client holds a token of this kind.
    pub fn has_token(&self, kind: TokenKind) -> bool {
        self.shared.tokens.has(kind)
    }

    /// The client's retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.shared.retry
    }

    /// Keeps the runtime's timer driver from being woken by each call's timer.
    pub(crate) fn pacemaker(&self) -> &Arc<Pacemaker> {
        &self.shared.pacemaker
    }

    pub(crate) fn pacer(&self) -> Option<&Pacer> {
        self.shared.pacer.as_ref()
    }

    /// The credential of a request for `operation` on `page` (see `Tokens::credential`).
    pub(crate) fn credential(
        &self,
        operation: &'static str,
        key: Option<ApiKey>,
        page: Option<&str>,
    ) -> Result<Option<Credential<'_>>, Error> {
        let secrets = &self.shared.secrets;
        self.shared.tokens.credential(operation, key, page, |token| secrets.extend([token]))
    }
}
