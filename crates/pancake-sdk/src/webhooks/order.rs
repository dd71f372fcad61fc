//! The reading side of a receiver: events handed out once each, conversation updates in
//! version order.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::Event;

/// Events held for ordering, at most: past it, the oldest group is handed out early.
const MAX_HELD: usize = 10_000;
/// Versions remembered (one per conversation), at most; the oldest are forgotten first.
const MAX_VERSIONS: usize = 100_000;

/// The events a [`super::Receiver`] accepted, each handed out once. An event with a version
/// (`conversation`) is held for the reorder window, so that the updates of one conversation
/// that arrive out of order within it are handed out in version order; one not newer than a
/// version already handed out is dropped.
#[derive(Debug)]
pub struct Events {
    queue: mpsc::Receiver<Event>,
    window: Duration,
    ready: VecDeque<Event>,
    /// Held events by key: when the group is due, and its events.
    held: HashMap<u64, (Instant, Vec<(i64, Event)>)>,
    held_count: usize,
    versions: Versions,
    /// The receiver's count of bytes queued or held: given back as events leave.
    queued: Arc<AtomicUsize>,
}

impl Events {
    pub(crate) fn new(queue: mpsc::Receiver<Event>, window: Duration, queued: Arc<AtomicUsize>) -> Events {
        Events {
            queue,
            window,
            ready: VecDeque::new(),
            held: HashMap::new(),
            held_count: 0,
            versions: Versions::default(),
            queued,
        }
    }

    /// Gives back an event's bytes to the receiver's budget (it is handed out or dropped).
    fn release_bytes(&self, event: &Event) {
        self.queued.fetch_sub(event.size(), Ordering::AcqRel);
    }

    /// The next event; `None` once every [`super::Receiver`] clone is dropped and all is read.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                self.release_bytes(&event);
                return Some(event);
            }
            let now = Instant::now();
            if self.release(|due| due <= now) {
                continue;
            }
            let due = self.held.values().map(|(due, _)| *due).min();
            tokio::select! {
                received = self.queue.recv() => match received {
                    Some(event) => self.take(event),
                    None if self.held.is_empty() => return None,
                    None => {
                        self.release(|_| true);
                    }
                },
                _ = tokio::time::sleep_until(due.unwrap_or(now)), if due.is_some() => {}
            }
        }
    }

    /// The next event within `timeout`; `None` when none came (or all is read).
    pub async fn next_within(&mut self, timeout: Duration) -> Option<Event> {
        tokio::time::timeout(timeout, self.next()).await.ok().flatten()
    }

    fn take(&mut self, event: Event) {
        let Some((key, version)) = event.order().map(|(k, v)| (hash(k), v)) else {
            self.ready.push_back(event);
            return;
        };
        if self.versions.get(key).is_some_and(|last| version <= last) {
            tracing::debug!(target: "pancake_sdk::webhooks", "dropped an update older than one handed out");
            self.release_bytes(&event);
            return;
        }
        let due = Instant::now() + self.window;
        let (_, group) = self.held.entry(key).or_insert_with(|| (due, Vec::new()));
        if group.iter().any(|(v, _)| *v == version) {
            self.queued.fetch_sub(event.size(), Ordering::AcqRel);
            return;
        }
        group.push((version, event));
        self.held_count += 1;
        if self.held_count > MAX_HELD
            && let Some(oldest) = self.held.iter().min_by_key(|(_, (due, _))| *due).map(|(k, _)| *k)
        {
            self.hand_out(oldest);
        }
    }

    /// Hands out the groups `due` says are due, oldest first; whether any was.
    fn release(&mut self, due: impl Fn(Instant) -> bool) -> bool {
        let mut keys: Vec<(Instant, u64)> =
            self.held.iter().filter(|(_, (at, _))| due(*at)).map(|(k, (at, _))| (*at, *k)).collect();
        keys.sort_unstable();
        for (_, key) in &keys {
            self.hand_out(*key);
        }
        !keys.is_empty()
    }

    fn hand_out(&mut self, key: u64) {
        let Some((_, mut group)) = self.held.remove(&key) else { return };
        self.held_count -= group.len();
        group.sort_by_key(|(version, _)| *version);
        for (version, event) in group {
            if self.versions.get(key).is_none_or(|last| version > last) {
                self.versions.set(key, version);
                self.ready.push_back(event);
            } else {
                self.release_bytes(&event);
            }
        }
    }
}

fn hash(key: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The last version handed out per key, for at most [`MAX_VERSIONS`] keys.
#[derive(Debug, Default)]
struct Versions {
    last: HashMap<u64, i64>,
    order: VecDeque<u64>,
}

impl Versions {
    fn get(&self, key: u64) -> Option<i64> {
        self.last.get(&key).copied()
    }

    fn set(&mut self, key: u64, version: i64) {
        if self.last.insert(key, version).is_none() {
            self.order.push_back(key);
            if self.order.len() > MAX_VERSIONS
                && let Some(oldest) = self.order.pop_front()
            {
                self.last.remove(&oldest);
            }
        }
    }
}
