//! How a client reaches its server: the settings a new pool of connections is made from, kept
//! in the client's state so that a thread can get a pool of its own
//! ([`crate::dynamic::DynClient::with_own_connections`]).

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};

use crate::Error;

/// How a client reaches its server: what a new pool of connections is made from (see
/// [`crate::dynamic::DynClient::with_own_connections`]).
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    /// The base URL, without a trailing `/`.
    pub base_url: String,
    /// The base URL, parsed (no query, no fragment).
    pub base: reqwest::Url,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Total time of one request.
    pub timeout: Duration,
    /// Time to connect.
    pub connect_timeout: Duration,
}

impl Transport {
    /// A new HTTP client (a pool of connections of its own).
    pub(crate) fn connections(&self) -> Result<reqwest::Client, Error> {
        reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::config()?)
            // HTTP/1.1 only: an HTTP/2 server's GOAWAY carries text of its own choosing into
            // the transport error's rendering, where redaction cannot reach.
            .http1_only()
            // Redirects are not followed: following one could send a POST twice, and would
            // carry the token (in the header or the URL's query) to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            // Every operation answers JSON: the header goes on every request from here, so that
            // a request's own header map stays empty (see xtask's `lean.rs`).
            .default_headers(HeaderMap::from_iter([(ACCEPT, HeaderValue::from_static("application/json"))]))
            .user_agent(self.user_agent.as_str())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::InvalidRequest { field: None, message: e.without_url().to_string() })
    }
}
