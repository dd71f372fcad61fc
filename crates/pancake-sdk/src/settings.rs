//! A client's settings as plain data, for callers that hold them as values (the Python and C
//! bindings, the CLI) and may need to make the client again (in a process that forked).

use std::time::Duration;

use crate::rate_limit::RateLimit;
use crate::{Api, Botcake, ClientBuilder, Error, Pancake};

/// Everything a client is made from. `Debug` shows no token. Start from `Settings::default()`
/// (the builder's defaults) and set what you need.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Settings {
    /// Botcake's token, or Pancake's page token.
    pub page_token: Option<String>,
    /// Pancake's user token (Botcake has none).
    pub user_token: Option<String>,
    /// Page tokens by page id, used for those pages' calls in place of `page_token`.
    pub page_tokens: std::collections::BTreeMap<String, String>,
    /// The base URL in place of the real API's.
    pub base_url: Option<String>,
    /// Total time of one request.
    pub timeout: Option<Duration>,
    /// Time to connect.
    pub connect_timeout: Option<Duration>,
    /// Total time of a call (attempts, waits and backoff together).
    pub deadline: Option<Duration>,
    /// The largest answer body read, in bytes.
    pub max_response_bytes: Option<u64>,
    /// Retries of a read after a transient failure.
    pub max_retries: Option<u32>,
    /// Pacing: `None` keeps the API's default (Pancake: [`RateLimit::PANCAKE`]; Botcake: none),
    /// `Some(None)` switches it off.
    pub rate_limit: Option<Option<RateLimit>>,
    /// A product token put before the SDK's own in `User-Agent`.
    pub user_agent: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |token: &Option<String>| token.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Settings")
            .field("page_token", &hidden(&self.page_token))
            .field("user_token", &hidden(&self.user_token))
            .field("page_tokens", &self.page_tokens.keys().collect::<Vec<_>>())
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_retries", &self.max_retries)
            .field("rate_limit", &self.rate_limit)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl Settings {
    /// A client of the API `C` (`page_token` is Botcake's token).
    pub fn build<C: Api>(&self) -> Result<C, Error> {
        let mut builder =
            ClientBuilder::<C>::default().tokens(self.page_token.clone(), self.user_token.clone());
        for (page, token) in &self.page_tokens {
            builder = builder.page_token_for(page.clone(), token.clone());
        }
        if let Some(limit) = self.rate_limit {
            builder = builder.rate_limit(limit);
        }
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(deadline) = self.deadline {
            builder = builder.deadline(deadline);
        }
        if let Some(limit) = self.max_response_bytes {
            builder = builder.max_response_bytes(limit);
        }
        if let Some(retries) = self.max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(product) = &self.user_agent {
            builder = builder.user_agent(product.clone());
        }
        builder.build()
    }

    /// A Botcake client (its token is `page_token`).
    pub fn botcake(&self) -> Result<Botcake, Error> {
        self.build()
    }

    /// A Pancake client.
    pub fn pancake(&self) -> Result<Pancake, Error> {
        self.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_token() {
        let settings = Settings { page_token: Some("tok-SECRET-s".into()), ..Settings::default() };
        assert!(!format!("{settings:?}").contains("tok-SECRET"));
        assert!(format!("{settings:?}").contains("[REDACTED]"));
    }

    #[test]
    fn settings_make_both_clients_and_refuse_what_the_builder_refuses() {
        let settings = Settings { page_token: Some("t".into()), ..Settings::default() };
        assert!(settings.botcake().is_ok() && settings.pancake().is_ok());
        let bad = Settings { base_url: Some("ftp://x".into()), ..Settings::default() };
        assert!(
            matches!(bad.pancake(), Err(Error::InvalidRequest { field: Some(f), .. }) if f == "base_url")
        );
    }
}
