//! What the sandbox remembers: writes (keywords, tags, private replies), the journal of writes
//! and sends, the log of requests, and queued faults.

use std::collections::{HashMap, HashSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::Mutex;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use serde_json::Value;

use crate::Config;
use crate::data::{self, Page};
use crate::faults::FaultRule;
use crate::spec::Catalog;

/// Requests kept in the log; older ones are dropped.
pub const REQUEST_LOG_LIMIT: usize = 10_000;

/// Everything a request handler can see.
pub struct World {
    pub config: Config,
    pub pages: Vec<Page>,
    pub catalog: std::sync::Arc<Catalog>,
    /// Pancake's rate limit per page, when enforced.
    pub limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// Webhook registrations and deliveries.
    pub hooks: crate::webhooks::Hooks,
    state: Mutex<State>,
}

/// Mutable state.
#[derive(Default)]
pub struct State {
    keywords: HashMap<String, Vec<Value>>,
    conversation_tags: HashMap<String, Vec<i64>>,
    /// Conversations marked read (`true`) or unread (`false`), by id.
    pub seen: HashMap<String, bool>,
    /// Conversations' assignees set by `assign_conversation`, by id.
    pub assignees: HashMap<String, Vec<String>>,
    pub private_replies: HashSet<String>,
    /// Customers' changes from `update_customer`, by customer id (shown by the customer list).
    pub customer_changes: HashMap<String, serde_json::Map<String, Value>>,
    /// Notes added by `add_customer_note`, by customer id, oldest first.
    pub notes: HashMap<String, Vec<Value>>,
    /// Notes made so far (numbers their ids).
    pub notes_made: usize,
    /// The round robin set by `update_round_robin_users`.
    pub round_robin: Option<Value>,
    /// Page tokens made by `generate_page_access_token`: each page's current one (accepted
    /// for that page only, beside the configured token).
    pub generated_page_tokens: HashMap<String, String>,
    /// Generated page tokens that a newer one replaced (refused with error 105).
    pub renewed_page_tokens: HashSet<String>,
    /// Uploaded contents (`upload_content`): id -> the page it was uploaded to.
    pub uploads: HashMap<String, String>,
    /// Chat plugin conversations' messages, by conversation id, oldest first.
    pub chat_plugin: HashMap<String, Vec<Value>>,
    pub journal: Vec<Value>,
    pub requests: VecDeque<Value>,
    pub faults: Vec<FaultRule>,
}

impl World {
    /// A world with fresh state.
    pub fn new(config: Config, catalog: std::sync::Arc<Catalog>) -> World {
        let limiter = config.rate_limit.and_then(NonZeroU32::new).map(|calls| {
            // A bucket of `calls` that refills `calls` times a second: bursts pass, a sustained
            // rate above the limit does not.
            RateLimiter::keyed(Quota::per_second(calls).allow_burst(calls))
        });
        World {
            pages: data::pages(
                config.large_page_customers,
                config.epoch.unwrap_or_else(data::relative_epoch),
            ),
            config,
            catalog,
            limiter,
            hooks: crate::webhooks::Hooks::new(),
            state: Mutex::default(),
        }
    }

    /// The page with this id.
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// Runs `f` with the state locked.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut state)
    }

    /// Forgets every write, the journal, the request log, queued faults and webhook
    /// registrations.
    pub fn reset(&self) {
        self.with_state(|s| *s = State::default());
        self.hooks.reset();
    }
}

impl State {
    /// A page's keywords (created on first use).
    pub fn keywords(&mut self, page: &str) -> &mut Vec<Value> {
        self.keywords.entry(page.to_string()).or_insert_with(data::initial_keywords)
    }

    /// A conversation's tag ids (initialised on first use from conversation `index`).
    pub fn conversation_tags(&mut self, id: &str, index: usize) -> &mut Vec<i64> {
        self.conversation_tags.entry(id.to_string()).or_insert_with(|| data::initial_tags(index))
    }

    /// Records a write or a send (an entry made by `Call::journal_entry`), numbering it.
    pub fn journal(&mut self, mut entry: Value) {
        if let Some(fields) = entry.as_object_mut() {
            fields.insert("seq".into(), (self.journal.len() + 1).into());
        }
        self.journal.push(entry);
    }

    /// How many times a flow was sent on a page.
    pub fn sends_of_flow(&self, page: &str, flow: i64) -> i64 {
        let sent = |e: &&Value| {
            e["operation_id"] == "send_flow" && e["page_id"] == page && e["body"]["flow_id"] == flow
        };
        self.journal.iter().filter(sent).count() as i64
    }

    /// Logs a request.
    pub fn log_request(&mut self, request: Value) {
        if self.requests.len() == REQUEST_LOG_LIMIT {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    /// Takes one use of the first queued fault that applies to this operation.
    pub fn take_fault(&mut self, operation_id: &str) -> Option<String> {
        let index = self
            .faults
            .iter()
            .position(|rule| rule.operation_id.as_deref().is_none_or(|op| op == operation_id))?;
        let rule = &mut self.faults[index];
        let fault = rule.fault.clone();
        rule.times = rule.times.saturating_sub(1);
        if rule.times == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}
