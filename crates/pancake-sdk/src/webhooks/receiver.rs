//! The accepting side of a receiver: checks the secret, reads the event, drops repeats, queues
//! it and answers at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;

use super::dedupe::Seen;
use super::health::{Health, Tracker};
use super::{Event, Events, SUSPENSION, WebhookError};

/// The largest body a receiver reads by default (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1 << 20;
/// How long a versioned event waits for older ones that are late, by default.
pub const DEFAULT_REORDER_WINDOW: Duration = Duration::from_secs(1);
/// Bytes of events accepted but not yet read, at most, by default (64 MiB).
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 64 << 20;
/// Deliveries remembered to spot repeats.
const REMEMBERED: usize = 100_000;

/// A secret the receiver refuses: too short to be unguessable, or holding a `/` (it is the URL's
/// last path segment).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("secret: at least {MIN_SECRET} characters, no `/` (it is the URL's last path segment)")]
pub struct WeakSecret;

/// The shortest secret a receiver takes.
pub const MIN_SECRET: usize = 16;

/// Settings of a [`Receiver`].
#[derive(Debug)]
pub struct ReceiverBuilder {
    secret: SecretString,
    max_body: usize,
    window: Duration,
    queue: usize,
    queued_bytes: usize,
}

impl ReceiverBuilder {
    /// The largest body read; a larger one is answered 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// How long a versioned event (`conversation`) waits for older ones before it is handed
    /// out ([`DEFAULT_REORDER_WINDOW`]); zero hands out at once, dropping late older ones.
    pub fn reorder_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Events accepted but not yet read, at most; past it deliveries are answered 503 (and
    /// Pancake's repeat of them is taken later).
    pub fn queue(mut self, events: usize) -> Self {
        self.queue = events.max(1);
        self
    }

    /// The bytes of events accepted but not yet read (their bodies' sizes), at most
    /// (64 MiB by default); past it deliveries are answered 503.
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.queued_bytes = bytes.max(1);
        self
    }

    /// The receiver to mount, and the events it accepts; [`WeakSecret`] for a secret shorter
    /// than [`MIN_SECRET`] or holding a `/`.
    pub fn build(self) -> Result<(Receiver, Events), WeakSecret> {
        let secret = self.secret.expose_secret();
        if secret.chars().count() < MIN_SECRET || secret.contains('/') {
            return Err(WeakSecret);
        }
        let (sender, queue) = mpsc::channel(self.queue);
        let queued = Arc::new(AtomicUsize::new(0));
        let inner = Inner {
            secret: self.secret,
            max_body: self.max_body,
            budget: self.queued_bytes,
            queued: queued.clone(),
            sender,
            seen: Mutex::new(Seen::new(REMEMBERED)),
            health: Mutex::new(Tracker::new(SUSPENSION)),
        };
        Ok((Receiver { inner: Arc::new(inner) }, Events::new(queue, self.window, queued)))
    }
}

/// Accepts Pancake's deliveries: cheap to clone, one per server. See [the module](super).
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

struct Inner {
    secret: SecretString,
    max_body: usize,
    /// Bytes of events queued or held, at most ([`ReceiverBuilder::max_queued_bytes`]).
    budget: usize,
    /// Bytes of events queued or held now (the [`Events`] give them back as they go).
    queued: Arc<AtomicUsize>,
    sender: mpsc::Sender<Event>,
    seen: Mutex<Seen>,
    health: Mutex<Tracker>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("secret", &"[redacted]")
            .field("max_body", &self.inner.max_body)
            .finish()
    }
}

/// What became of one delivery.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// Queued for [`Events`].
    Accepted,
    /// A repeat of a delivery already accepted: answered 200 and dropped.
    Duplicate,
    /// The URL's secret is wrong or missing (404). Not counted toward the suspension rule
    /// (scanners make such requests), but in [`Health::strays`].
    WrongSecret,
    /// Not an HTTP method that delivers (405).
    WrongMethod,
    /// Not an event (400) or too large (413).
    Invalid(WebhookError),
    /// The queue or its byte budget is full, or the events are no longer read (503).
    Busy,
}

impl Verdict {
    /// The HTTP status the receiver answers.
    pub fn status(&self) -> u16 {
        match self {
            Verdict::Accepted | Verdict::Duplicate => 200,
            Verdict::WrongSecret => 404,
            Verdict::WrongMethod => 405,
            Verdict::Invalid(WebhookError::TooLarge { .. }) => 413,
            Verdict::Invalid(WebhookError::Incomplete(_)) => 408,
            Verdict::Invalid(_) => 400,
            Verdict::Busy => 503,
        }
    }
}

/// An answer to give: status and a short plain-text body (never the secret or the body).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The text to send.
    pub body: String,
    /// What became of the delivery.
    pub verdict: Verdict,
}

impl Receiver {
    /// A receiver whose URL ends with `secret` (make it long and random), with defaults.
    pub fn builder(secret: impl Into<String>) -> ReceiverBuilder {
        ReceiverBuilder {
            secret: SecretString::from(secret.into()),
            max_body: DEFAULT_MAX_BODY,
            window: DEFAULT_REORDER_WINDOW,
            queue: 10_000,
            queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
        }
    }

    /// The largest body it reads.
    pub fn max_body(&self) -> usize {
        self.inner.max_body
    }

    /// Answers one HTTP request to the webhook URL: `path` is the request's path (its last
    /// segment is the secret). A `GET` with the right secret is answered 200 (a check that the
    /// URL works); a `POST` delivers. Never blocks: the event is queued for [`Events`].
    pub fn handle(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        match self.check(method, path) {
            Some(answer) => answer,
            None => self.answer(self.accept(body)),
        }
    }

    /// The answer to a request that needs no body read (a wrong secret, a `GET`, another
    /// method); `None` for a delivery, whose body goes to [`Receiver::accept`]. A server checks
    /// this before reading a body.
    pub fn check(&self, method: &str, path: &str) -> Option<Answer> {
        let secret = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        if !self.secret_is(secret) {
            return Some(self.answer(Verdict::WrongSecret));
        }
        if method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD") {
            return Some(Answer { status: 200, body: "ok".into(), verdict: Verdict::Accepted });
        }
        (!method.eq_ignore_ascii_case("POST")).then(|| self.answer(Verdict::WrongMethod))
    }

    /// Counts an answer the server gave without reaching [`Receiver::handle`] (a body too large
    /// to read, a connection cut): it counts toward the suspension rule.
    pub fn answer(&self, verdict: Verdict) -> Answer {
        let status = verdict.status();
        let outcome = match verdict {
            Verdict::WrongSecret => None,
            _ => Some((200..300).contains(&status)),
        };
        let warned = lock(&self.inner.health).record(outcome, Instant::now());
        if let Some(health) = warned {
            tracing::warn!(
                target: "pancake_sdk::webhooks",
                failures = health.failures,
                requests = health.requests,
                "webhook receiver at risk of suspension: over {:.0} % of deliveries failed in the last {} minutes (Pancake suspends at {} failures)",
                SUSPENSION.failure_rate * 100.0,
                SUSPENSION.window.as_secs() / 60,
                SUSPENSION.failures,
            );
        }
        let body = match &verdict {
            Verdict::Accepted | Verdict::Duplicate => "ok".to_string(),
            Verdict::WrongSecret => "not found".to_string(),
            Verdict::WrongMethod => "POST a webhook event here".to_string(),
            Verdict::Invalid(error) => error.to_string(),
            Verdict::Busy => "busy".to_string(),
        };
        Answer { status, body, verdict }
    }

    /// Checks, dedupes and queues a delivery's body (the secret already checked).
    pub fn accept(&self, body: &[u8]) -> Verdict {
        if body.len() > self.inner.max_body {
            return Verdict::Invalid(WebhookError::TooLarge { limit: self.inner.max_body });
        }
        let event = match Event::from_slice(body) {
            Ok(event) => event,
            Err(error) => return Verdict::Invalid(error),
        };
        let key = event.delivery_key();
        if !lock(&self.inner.seen).insert(key) {
            return Verdict::Duplicate;
        }
        let size = event.size();
        let queued = self.inner.queued.fetch_add(size, Ordering::AcqRel) + size;
        let sent = queued <= self.inner.budget && self.inner.sender.try_send(event).is_ok();
        if sent {
            return Verdict::Accepted;
        }
        // Not taken: Pancake's repeat of it later is not a duplicate.
        self.inner.queued.fetch_sub(size, Ordering::AcqRel);
        lock(&self.inner.seen).remove(key);
        Verdict::Busy
    }

    /// Its answers within Pancake's suspension window.
    pub fn health(&self) -> Health {
        lock(&self.inner.health).health(Instant::now())
    }

    /// Compares in time independent of where the texts differ.
    fn secret_is(&self, given: &str) -> bool {
        let expected = self.inner.secret.expose_secret().as_bytes();
        let given = given.as_bytes();
        let differences = expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        !expected.is_empty() && expected.len() == given.len() && differences == 0
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
