//! Credentials: which token each operation needs, and where it goes on the request.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
pub use crate::token::TokenKind;

/// Where an API key travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// In a request header.
    Header,
    /// In a query parameter.
    Query,
}

/// The credential of one operation, from the spec's security scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiKey {
    /// The token it takes.
    pub token: TokenKind,
    /// Where it goes.
    pub location: KeyLocation,
    /// The header or query parameter's name.
    pub name: &'static str,
}

/// Answers the page token of a page id, or `None` for the client's own page token.
pub type PageTokenProvider = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The tokens of a client. `Debug` shows no secret.
#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) page: Option<SecretString>,
    pub(crate) user: Option<SecretString>,
    /// Page tokens by page id, in place of `page` for those pages.
    pub(crate) pages: std::collections::BTreeMap<String, SecretString>,
    /// Asked for a page's token before `page` (after `pages`).
    pub(crate) provider: Option<PageTokenProvider>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("page", &self.page.as_ref().map(|_| "[REDACTED]"))
            .field("user", &self.user.as_ref().map(|_| "[REDACTED]"))
            .field("pages", &self.pages.keys().collect::<Vec<_>>())
            .field("provider", &self.provider.as_ref().map(|_| "fn(page_id)"))
            .finish()
    }
}

/// A token the client found for a request: its own, or one a provider answered (a secret to
/// learn).
pub(crate) enum Found<'a> {
    Held(&'a str),
    Provided(String),
}

impl Tokens {
    fn get(&self, kind: TokenKind) -> Option<&SecretString> {
        match kind {
            TokenKind::Page => self.page.as_ref(),
            TokenKind::User => self.user.as_ref(),
        }
    }

    /// The tokens, as secrets to redact.
    pub(crate) fn secrets(&self) -> crate::redact::Secrets {
        let tokens = [&self.page, &self.user].into_iter().flatten().chain(self.pages.values());
        crate::redact::Secrets::new(tokens.map(|t| t.expose_secret()))
    }

    /// Whether a token of this kind is set (for the page token: any page's, or a provider).
    pub(crate) fn has(&self, kind: TokenKind) -> bool {
        self.get(kind).is_some()
            || (kind == TokenKind::Page && (!self.pages.is_empty() || self.provider.is_some()))
    }

    /// The token of `kind` for a request on `page`: the page's own (`pages`, then the
    /// provider), else the client's.
    fn find(&self, kind: TokenKind, page: Option<&str>) -> Option<Found<'_>> {
        if let (TokenKind::Page, Some(page)) = (kind, page) {
            if let Some(token) = self.pages.get(page) {
                return Some(Found::Held(token.expose_secret()));
            }
            if let Some(token) = self.provider.as_ref().and_then(|provider| provider(page)) {
                return Some(Found::Provided(token));
            }
        }
        self.get(kind).map(|token| Found::Held(token.expose_secret()))
    }

    /// The credential of a request for `operation` (none when it takes none), on `page`. A
    /// page token that a provider answered is handed to `learn` (to be redacted) before it is
    /// used. It is found before the request is changed: `page` may be read from the request.
    pub(crate) fn credential(
        &self,
        operation: &'static str,
        key: Option<ApiKey>,
        page: Option<&str>,
        learn: impl FnOnce(&str),
    ) -> Result<Option<Credential<'_>>, Error> {
        let Some(key) = key else { return Ok(None) };
        let found = self.find(key.token, page).ok_or_else(|| Error::MissingCredential {
            operation,
            token: key.token,
            page: page.filter(|_| key.token == TokenKind::Page).map(str::to_owned),
        })?;
        if let Found::Provided(token) = &found {
            if token.trim().is_empty() {
                return Err(Error::MissingCredential {
                    operation,
                    token: key.token,
                    page: page.map(str::to_owned),
                });
            }
            learn(token);
        }
        Ok(Some(Credential { key, token: found }))
    }
}

/// A request's credential: its token, and where the API takes it.
pub(crate) struct Credential<'a> {
    key: ApiKey,
    token: Found<'a>,
}

impl Credential<'_> {
    /// Adds the credential to the request.
    pub(crate) fn add_to(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let token = match &self.token {
            Found::Held(token) => token,
            Found::Provided(token) => token.as_str(),
        };
        let key = self.key;
        match key.location {
            KeyLocation::Header => {
                let mut value = HeaderValue::from_str(token).map_err(|_| {
                    Error::invalid(
                        key.name,
                        format!("the {} holds characters a header cannot carry", key.token.describe()),
                    )
                })?;
                value.set_sensitive(true);
                request.headers_mut().insert(key.name, value);
            }
            KeyLocation::Query => {
                request.url_mut().query_pairs_mut().append_pair(key.name, token);
            }
        }
        Ok(())
    }
}
