//! The Pancake (pages.fm) API: conversations, messages, customers, posts, call logs, tags,
//! statistics, pages, and sending messages.
//!
//! Make a client with [`Client::builder`], giving the page token, the user token, or both:
//! each operation uses the one its route needs.

mod generated;

use progenitor_client::{ClientHooks, OperationInfo};

pub use generated::{Client, builder, types};

use crate::builder::{Api, ClientBuilder};
use crate::exchange;
use crate::rate_limit::RateLimit;
use crate::state::{ClientState, OperationTables};

/// What the generated code knows of each operation.
const TABLES: OperationTables =
    OperationTables { auth: generated::operation_auth, rules: generated::operation_rules };

impl Client {
    /// Settings for a Pancake client.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::default()
    }
}

impl Api for Client {
    const DEFAULT_BASE_URL: &'static str = "https://pages.fm";

    const DEFAULT_RATE_LIMIT: Option<RateLimit> = Some(RateLimit::PANCAKE);

    fn assemble(base_url: &str, http: reqwest::Client, state: ClientState) -> Self {
        Client::new_with_client(base_url, http, state)
    }
}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner.prepare(request, info, &TABLES)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        exchange::execute(&self.inner, &self.client, request, info.operation_id).await
    }
}
