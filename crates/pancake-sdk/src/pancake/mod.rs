//! The Pancake (pages.fm) API: conversations, messages, customers, posts, call logs, tags,
//! statistics, pages, and sending messages.
//!
//! Make a client with [`Client::builder`], giving the page token, the user token, or both:
//! each operation uses the one its route needs.

mod generated;

use progenitor_client::{ClientHooks, OperationInfo};

pub use generated::{Client, builder, types};

use crate::auth::ClientState;
use crate::builder::{Api, ClientBuilder};
use crate::exchange;

impl Client {
    /// Settings for a Pancake client.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::default()
    }
}

impl Api for Client {
    const DEFAULT_BASE_URL: &'static str = "https://pages.fm";

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
        let key = generated::operation_auth(info.operation_id);
        self.inner.authorize(request, info.operation_id, key).map_err(exchange::fail)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        exchange::execute(&self.client, request).await
    }
}
