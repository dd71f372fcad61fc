//! Building a client: tokens, base URL, timeouts, deadline, size limit, User-Agent.

use std::marker::PhantomData;
use std::time::Duration;

use secrecy::SecretString;

use crate::Error;
use crate::auth::{TokenKind, Tokens};
use crate::rate_limit::{Pacer, RateLimit};
use crate::retry::RetryPolicy;
use crate::state::{ClientState, Limits};

/// Connect timeout when none is set.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total timeout of one request when none is set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Total time of a call (attempts, waits and backoff together) when none is set.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);
/// The largest answer body a client reads when no limit is set: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// A generated client of one API ([`crate::Botcake`], [`crate::Pancake`]).
pub trait Api: Sized + sealed::Sealed {
    /// Where the real API lives.
    const DEFAULT_BASE_URL: &'static str;
    /// The client-side pacing a new client gets.
    const DEFAULT_RATE_LIMIT: Option<RateLimit>;
    /// Assembles the client. `http` is made from the state's transport
    /// (`Transport::connections`): a call leaves the attempt's timeout to
    /// it when the timeout is the client's (`limits.timeout`), so it must have that timeout.
    #[doc(hidden)]
    fn assemble(base_url: &str, http: reqwest::Client, state: ClientState) -> Self;
}

/// A page token provider; `Debug` shows that there is one.
#[derive(Clone)]
struct Provider(crate::auth::PageTokenProvider);

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokenProvider")
    }
}

pub(crate) mod sealed {
    /// Implemented by each API's generated client only.
    pub trait Sealed {}
}

/// Settings of a client; make one with `Botcake::builder()` or `Pancake::builder()`.
///
/// `Debug` shows no token.
#[derive(Debug)]
pub struct ClientBuilder<C> {
    page_token: Option<SecretString>,
    user_token: Option<SecretString>,
    page_tokens: std::collections::BTreeMap<String, SecretString>,
    page_token_provider: Option<Provider>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    deadline: Duration,
    max_response_bytes: u64,
    user_agent: Option<String>,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
    errors: Vec<Error>,
    api: PhantomData<fn() -> C>,
}

impl<C: Api> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            page_token: None,
            user_token: None,
            page_tokens: Default::default(),
            page_token_provider: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: None,
            retry: RetryPolicy::default(),
            rate_limit: C::DEFAULT_RATE_LIMIT,
            errors: Vec::new(),
            api: PhantomData,
        }
    }
}

impl<C: Api> ClientBuilder<C> {
    /// The API's base URL, in place of the real one (a sandbox, a proxy). For Botcake it
    /// includes the path stem: `http://127.0.0.1:8080/api/public_api/v1`. An http(s) URL with
    /// no query and no fragment (each operation's path goes after its own); blanks around it
    /// are ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Total time one request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total time of a call, its attempts, waits for pacing and backoff together (default
    /// 60 s): a call never takes longer. A read cut short fails with [`Error::Deadline`] or
    /// [`Error::Timeout`]; a send whose request had left, with [`Error::OutcomeUnknown`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest answer body the client reads, in bytes (default 32 MiB,
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A larger answer fails with [`Error::TooLarge`] as
    /// soon as its size shows (its `Content-Length`, or the bytes read so far), so memory stays
    /// bounded whatever the server sends.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// A product token added before the SDK's own in `User-Agent`, e.g. `my-shop-bot/2.1`.
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// How calls are retried (see [`RetryPolicy`]; `RetryPolicy::none()` disables retries).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Retries after the first attempt (default 3); 0 disables retrying.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Client-side pacing per page id, shared by all clones of the client; `None` switches it
    /// off. Pancake clients start with [`RateLimit::PANCAKE`] (5 per page per second),
    /// Botcake clients with none.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The page token of one page, used for that page's calls in place of the client's page
    /// token: one client serves many pages (each Pancake page has its own token). Errors name
    /// the page whose token is missing, invalid or renewed, never the token.
    pub fn page_token_for(mut self, page_id: impl Into<String>, token: impl Into<String>) -> Self {
        let page_id = page_id.into();
        if page_id.trim().is_empty() {
            self.errors.push(Error::invalid("page_id", "must not be empty"));
            return self;
        }
        if let Some(token) = self.token("page_token", token.into()) {
            self.page_tokens.insert(page_id, token);
        }
        self
    }

    /// A function that answers a page's token from its id (`None`: the client's page token),
    /// asked on each call that needs one after the tokens of [`Self::page_token_for`]: tokens
    /// kept in a store, pages added while the client runs. The tokens it answers are redacted
    /// like the client's own.
    pub fn page_token_provider(
        mut self,
        provider: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.page_token_provider = Some(Provider(std::sync::Arc::new(provider)));
        self
    }

    /// A token of `kind`, given through the setter `field` (each API's token setters are
    /// generated from its security schemes).
    pub(crate) fn with_token(mut self, kind: TokenKind, field: &str, token: String) -> Self {
        let token = self.token(field, token);
        match kind {
            TokenKind::Page => self.page_token = token,
            TokenKind::User => self.user_token = token,
        }
        self
    }

    /// Both tokens at once (for [`crate::Settings`]): the page token (Botcake's only one) and
    /// the user token.
    pub(crate) fn tokens(mut self, page: Option<String>, user: Option<String>) -> Self {
        self.page_token = page.and_then(|token| self.token("page_token", token));
        self.user_token = user.and_then(|token| self.token("user_token", token));
        self
    }

    fn token(&mut self, field: &str, token: String) -> Option<SecretString> {
        if token.trim().is_empty() {
            self.errors.push(Error::invalid(field, "must not be empty"));
            return None;
        }
        Some(SecretString::from(token))
    }

    /// Builds the client; fails on an empty token, a bad base URL or a bad User-Agent.
    pub fn build(self) -> Result<C, Error> {
        if let Some(error) = self.errors.into_iter().next() {
            return Err(error);
        }
        if self.deadline.is_zero() {
            return Err(Error::invalid("deadline", "must be longer than zero"));
        }
        if self.max_response_bytes == 0 {
            return Err(Error::invalid("max_response_bytes", "must be at least 1"));
        }
        let base_url = self.base_url.as_deref().unwrap_or(C::DEFAULT_BASE_URL).trim().trim_end_matches('/');
        // Parsed once: each request's URL is this one with the operation's path after its own.
        let base = match reqwest::Url::parse(base_url) {
            Ok(url)
                if matches!(url.scheme(), "http" | "https")
                    && url.query().is_none()
                    && url.fragment().is_none() =>
            {
                url
            }
            Ok(_) | Err(_) => {
                return Err(Error::invalid(
                    "base_url",
                    format!("must be an http(s) URL without a query or fragment, got {base_url:?}"),
                ));
            }
        };
        let sdk = format!("pancake-sdk-rust/{}", crate::VERSION);
        let user_agent = match self.user_agent {
            Some(product) => format!("{product} {sdk}"),
            None => sdk,
        };
        let transport = crate::transport::Transport {
            base_url: base_url.to_string(),
            base,
            user_agent,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
        };
        let http = transport.connections()?;
        let tokens = Tokens {
            page: self.page_token,
            user: self.user_token,
            pages: self.page_tokens,
            provider: self.page_token_provider.map(|p| p.0),
        };
        let pacer = self.rate_limit.and_then(Pacer::new);
        let limits = Limits {
            timeout: self.timeout,
            deadline: self.deadline,
            max_response_bytes: self.max_response_bytes,
        };
        Ok(C::assemble(base_url, http, ClientState::new(tokens, limits, self.retry, pacer, transport)))
    }
}
