//! Webhook deliveries: the events a send or a conversation change makes, posted to the URLs
//! registered with `POST /_sandbox/webhooks`, with Pancake's habits on demand (a delivery
//! repeated, conversation updates out of order).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Deliveries kept in the log; older ones are dropped.
const LOG_LIMIT: usize = 1_000;
/// How long a held delivery waits for the next one to overtake it, at most.
const HOLD: Duration = Duration::from_secs(2);

/// A URL to deliver to, and the faults of its deliveries.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Where to post: an `http://` URL on 127.0.0.1, `localhost` or `[::1]`.
    pub url: String,
    /// Every n-th event is delivered twice (0: never).
    #[serde(default)]
    pub duplicate_every: u32,
    /// Every other `conversation` event is held until the next delivery overtakes it.
    #[serde(default)]
    pub reorder: bool,
    /// Only this page's events (all pages when absent).
    #[serde(default)]
    pub page_id: Option<String>,
}

impl Registration {
    /// Deliveries to `url` without faults.
    pub fn new(url: impl Into<String>) -> Registration {
        Registration { url: url.into(), duplicate_every: 0, reorder: false, page_id: None }
    }

    /// Refuses a URL off the loopback (as the HTTP client reads it): the sandbox posts
    /// nowhere else.
    pub fn check(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.url).map_err(|e| format!("url: not a URL: {e}"))?;
        let loopback = ["127.0.0.1", "localhost", "[::1]"].contains(&url.host_str().unwrap_or_default());
        if url.scheme() == "http" && loopback && url.username().is_empty() && url.password().is_none() {
            Ok(())
        } else {
            Err("url: the sandbox delivers only to http:// URLs on 127.0.0.1, localhost or [::1]".into())
        }
    }

    /// The URL without its path (which may hold a secret), for the log.
    fn target(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(url) => format!(
                "http://{}:{}",
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or(80)
            ),
            Err(_) => "http://?".into(),
        }
    }
}

/// One post to make.
#[derive(Debug)]
pub struct Delivery {
    /// The registrations' generation it was made in (a reset drops older deliveries).
    generation: u64,
    url: String,
    target: String,
    body: Value,
    /// Held until the next delivery of another event has gone.
    hold: bool,
}

#[derive(Default)]
struct State {
    /// Raised by every reset: deliveries made before it are not posted.
    generation: u64,
    registrations: Vec<(Registration, u64, u64)>,
    /// Each conversation's version, raised by every change.
    versions: HashMap<String, i64>,
    events: u64,
    queued: u64,
    done: u64,
    log: VecDeque<Value>,
}

/// The registered URLs, the deliveries made, and the queue to the delivering task.
pub struct Hooks {
    state: Mutex<State>,
    sender: mpsc::UnboundedSender<Delivery>,
    queue: Mutex<Option<mpsc::UnboundedReceiver<Delivery>>>,
}

impl Hooks {
    pub fn new() -> Hooks {
        let (sender, queue) = mpsc::unbounded_channel();
        Hooks { state: Mutex::default(), sender, queue: Mutex::new(Some(queue)) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Registers a URL (refusing one off the loopback).
    pub fn register(&self, registration: Registration) -> Result<(), String> {
        registration.check()?;
        self.with(|s| s.registrations.push((registration, 0, 0)));
        Ok(())
    }

    /// Forgets every registration and delivery (queued ones are not posted). Versions and
    /// ids go on from where they were, so a receiver that outlives the reset takes new events.
    pub fn reset(&self) {
        self.with(|s| {
            s.generation += 1;
            s.registrations.clear();
            s.log.clear();
            s.queued = 0;
            s.done = 0;
        });
    }

    /// A conversation's next version.
    pub fn next_version(&self, conversation: &str) -> i64 {
        self.with(|s| {
            let version = s.versions.entry(conversation.to_string()).or_insert(100);
            *version += 1;
            *version
        })
    }

    /// A number no event had before (for delivery and message ids).
    pub fn next_number(&self) -> u64 {
        self.with(|s| {
            s.events += 1;
            s.events
        })
    }

    /// A new delivery id, in the shape Pancake sends (a UUID).
    pub fn request_id(&self) -> String {
        format!("5a9d0b1e-0000-4000-8000-{:012x}", self.next_number())
    }

    /// Posts `event` to every URL registered for its page, with their faults.
    pub fn emit(&self, event: Value) {
        let page = event.get("page_id").and_then(Value::as_str).map(str::to_string);
        let conversation = event["event_type"] == "conversation";
        let deliveries = self.with(|s| {
            let mut out = Vec::new();
            for (registration, sent, conversations) in &mut s.registrations {
                if registration.page_id.is_some() && registration.page_id != page {
                    continue;
                }
                *sent += 1;
                let twice = registration.duplicate_every > 0
                    && (*sent).is_multiple_of(registration.duplicate_every.into());
                let hold = conversation && registration.reorder && {
                    *conversations += 1;
                    *conversations % 2 == 1
                };
                for _ in 0..if twice { 2 } else { 1 } {
                    out.push(Delivery {
                        generation: s.generation,
                        url: registration.url.clone(),
                        target: registration.target(),
                        body: event.clone(),
                        hold,
                    });
                }
            }
            s.queued += out.len() as u64;
            out
        });
        for delivery in deliveries {
            let _ = self.sender.send(delivery);
        }
    }

    /// The registrations (their URLs' paths left out), counts, and the latest deliveries.
    pub fn report(&self) -> Value {
        self.with(|s| {
            json!({
                "registrations": s.registrations.iter().map(|(r, _, _)| json!({
                    "target": r.target(), "duplicate_every": r.duplicate_every, "reorder": r.reorder, "page_id": r.page_id,
                })).collect::<Vec<_>>(),
                "queued": s.queued,
                "delivered": s.done,
                "deliveries": s.log,
            })
        })
    }

    /// Delivers queued events, one at a time, until the sandbox stops.
    pub async fn deliver(&self) {
        let Some(mut queue) = self.queue.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        let client = match reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build() {
            Ok(client) => client,
            Err(e) => return eprintln!("pancake-sandbox: no webhook client: {e}"),
        };
        // Held deliveries: copies of one event, posted after the next other delivery.
        let mut held: Vec<Delivery> = Vec::new();
        loop {
            let next = match held.is_empty() {
                false => tokio::time::timeout(HOLD, queue.recv()).await.unwrap_or(None),
                true => queue.recv().await,
            };
            match next {
                Some(delivery) if delivery.hold && held.iter().all(|h| h.body == delivery.body) => {
                    held.push(delivery)
                }
                Some(delivery) => {
                    self.post(&client, delivery).await;
                    for late in held.drain(..) {
                        self.post(&client, late).await;
                    }
                }
                None if held.is_empty() => return,
                None => {
                    for late in held.drain(..) {
                        self.post(&client, late).await;
                    }
                }
            }
        }
    }

    async fn post(&self, client: &reqwest::Client, delivery: Delivery) {
        if self.with(|s| s.generation != delivery.generation) {
            return;
        }
        let outcome = match client.post(&delivery.url).json(&delivery.body).send().await {
            Ok(response) => json!({ "status": response.status().as_u16() }),
            Err(e) => json!({ "error": if e.is_timeout() { "timed out" } else { "no connection" } }),
        };
        let body = &delivery.body;
        let mut entry = json!({
            "target": delivery.target,
            "event_type": body["event_type"],
            "request_id": body.get("request_id"),
            "version": body.pointer("/data/conversation/version"),
        });
        if let (Some(entry), Some(outcome)) = (entry.as_object_mut(), outcome.as_object()) {
            entry.extend(outcome.clone());
        }
        self.with(|s| {
            if s.generation != delivery.generation {
                return;
            }
            s.done += 1;
            entry["seq"] = s.done.into();
            if s.log.len() == LOG_LIMIT {
                s.log.pop_front();
            }
            s.log.push_back(entry);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(url: &str) -> Registration {
        Registration::new(url)
    }

    #[test]
    fn only_loopback_urls_are_taken() {
        for url in ["http://127.0.0.1:8788/hooks/s", "http://localhost:1/x", "http://[::1]:9/"] {
            assert_eq!(registration(url).check(), Ok(()), "{url}");
        }
        for url in [
            "http://localhost:1@example.com/",
            "http://127.0.0.1@example.com/",
            "http://example.com/127.0.0.1",
            "https://127.0.0.1/",
            "http://127.0.0.1.example.com/",
            "http://user:pw@127.0.0.1/",
            "not a url",
        ] {
            assert!(registration(url).check().is_err(), "{url}");
        }
        assert_eq!(registration("http://127.0.0.1:8788/hooks/secret").target(), "http://127.0.0.1:8788");
    }
}
