//! A loopback server that emulates the Botcake and Pancake public APIs, for tests in every
//! language, for trying the SDK without a live page, and for the CLI's `--sandbox`.
//!
//! It reads the same spec files the clients are generated from, so it checks what the real API
//! would (the token, required parameters, types, bounds, request bodies) and cannot drift from
//! the spec. It serves deterministic data, remembers writes, journals every send, and
//! misbehaves on demand (see [`faults`]).
//!
//! ```
//! let sandbox = pancake_sandbox::Sandbox::start(Default::default()).unwrap();
//! println!("{}", sandbox.url()); // http://127.0.0.1:PORT
//! assert!(sandbox.journal().is_empty());
//! ```

#![warn(missing_docs)]

mod data;
pub mod faults;
mod handlers;
mod server;
mod spec;
mod state;
mod webhooks;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::Value;
use tokio::sync::oneshot;

pub use faults::FaultRule;
pub use webhooks::Registration;

/// The page token the sandbox accepts by default (Botcake and Pancake).
pub const DEFAULT_PAGE_TOKEN: &str = "sandbox-page-token";
/// The Pancake user token the sandbox accepts by default.
pub const DEFAULT_USER_TOKEN: &str = "sandbox-user-token";
/// The page the examples use ("Bếp Nhà Mỡ"); `list_pages` lists every page.
pub const PAGE_ID: &str = "105000000000001";
/// A page with many customers, for pagination at scale.
pub const LARGE_PAGE_ID: &str = "105000000000099";
/// The path stem of Botcake's routes (from `servers` of `spec/botcake.yaml`).
pub const BOTCAKE_PATH: &str = "/api/public_api/v1";

/// 2025-10-01 00:00:00 UTC: an epoch to pin ([`Config::fixed`]) where a test compares dates.
pub const FIXED_EPOCH: i64 = 1_759_276_800;

/// Settings of a sandbox.
#[derive(Clone, Debug)]
pub struct Config {
    /// The page token it accepts.
    pub page_token: String,
    /// The user token it accepts.
    pub user_token: String,
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Customers of the large page ([`LARGE_PAGE_ID`]).
    pub large_page_customers: usize,
    /// Pancake's rate limit, enforced when set: this many calls per page per second (the real
    /// API allows 5), with a burst of as many; over it the answer is 429.
    pub rate_limit: Option<u32>,
    /// Unix seconds where the data's year begins; `None`: a year ending at the start of the
    /// current UTC day, so the newest data is from the last days.
    pub epoch: Option<i64>,
}

impl Config {
    /// The defaults with the data pinned to the year from [`FIXED_EPOCH`]: the same dates on
    /// every day, for tests that compare them.
    pub fn fixed() -> Config {
        Config { epoch: Some(FIXED_EPOCH), ..Config::default() }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            page_token: DEFAULT_PAGE_TOKEN.into(),
            user_token: DEFAULT_USER_TOKEN.into(),
            port: 0,
            large_page_customers: 12_000,
            rate_limit: None,
            epoch: None,
        }
    }
}

/// A running sandbox, on its own thread; dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    world: Arc<state::World>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1 and starts serving. Works from sync and async code alike.
    pub fn start(config: Config) -> std::io::Result<Sandbox> {
        let catalog = spec::Catalog::shared().map_err(std::io::Error::other)?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let world = Arc::new(state::World::new(config, catalog));
        let (shutdown, stop) = oneshot::channel();
        let served = world.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name("pancake-sandbox".into()).spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => server::serve(listener, served, stop).await,
                    Err(e) => eprintln!("pancake-sandbox: {e}"),
                }
            })
        })?;
        Ok(Sandbox { addr, world, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the Pancake base URL, and the root of every route.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Botcake base URL: `http://127.0.0.1:PORT/api/public_api/v1`.
    pub fn botcake_url(&self) -> String {
        format!("{}{BOTCAKE_PATH}", self.url())
    }

    /// The Pancake base URL (the same as [`Sandbox::url`]).
    pub fn pancake_url(&self) -> String {
        self.url()
    }

    /// The page token it accepts.
    pub fn page_token(&self) -> &str {
        &self.world.config.page_token
    }

    /// The user token it accepts.
    pub fn user_token(&self) -> &str {
        &self.world.config.user_token
    }

    /// Every write and send so far, oldest first (also `GET /_sandbox/journal`).
    pub fn journal(&self) -> Vec<Value> {
        self.world.with_state(|s| s.journal.clone())
    }

    /// The requests received, oldest first, as they came (also `GET /_sandbox/requests`).
    pub fn requests(&self) -> Vec<Value> {
        self.world.with_state(|s| s.requests.iter().cloned().collect())
    }

    /// Queues a fault (also `POST /_sandbox/faults`). Refuses a fault text it cannot parse.
    pub fn inject(&self, rule: FaultRule) -> Result<(), String> {
        faults::parse(&rule.fault)?;
        self.world.with_state(|s| s.faults.push(rule));
        Ok(())
    }

    /// Forgets writes, the journal, the request log and queued faults (also `POST /_sandbox/reset`).
    pub fn reset(&self) {
        self.world.reset();
    }

    /// Registers a URL for webhook deliveries (also `POST /_sandbox/webhooks`): a send or a
    /// conversation change on a page then posts its events there. Refuses a URL off the loopback.
    pub fn register_webhook(&self, registration: Registration) -> Result<(), String> {
        self.world.hooks.register(registration)
    }

    /// Posts an event of `event_type` for `page_id` (also `POST /_sandbox/webhooks/emit`):
    /// `post`, `subscription`, `connect_status`, or any other type (an event the SDKs do not
    /// know), beside those that sends and conversation changes make.
    pub fn emit_webhook(&self, event_type: &str, page_id: &str) -> Result<(), String> {
        handlers::emit(&self.world, &serde_json::json!({ "event_type": event_type, "page_id": page_id }))
    }

    /// The webhook registrations, counts (`queued`, `delivered`) and latest deliveries (also
    /// `GET /_sandbox/webhooks`).
    pub fn webhooks(&self) -> Value {
        self.world.hooks.report()
    }

    /// Blocks until the server stops (for the `pancake-sandbox` binary).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
