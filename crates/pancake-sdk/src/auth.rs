//! Credentials: which token each operation needs, and where it goes on the request.

use std::sync::Arc;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// Which of the two tokens an operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A page token: Botcake's `access-token`, Pancake's page `access_token`.
    Page,
    /// A Pancake user token (account settings; valid about 90 days).
    User,
}

impl TokenKind {
    /// How users know this token.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Page => "page access token",
            TokenKind::User => "user access token",
        }
    }
}

/// Where an API key travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyLocation {
    /// In a request header.
    Header,
    /// In a query parameter.
    Query,
}

/// The credential of one operation, from the spec's security scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ApiKey {
    /// The token it takes.
    pub token: TokenKind,
    /// Where it goes.
    pub location: KeyLocation,
    /// The header or query parameter's name.
    pub name: &'static str,
}

/// The tokens of a client, shared by all of its clones. `Debug` shows no secret.
#[derive(Clone, Debug, Default)]
pub struct ClientState {
    tokens: Arc<Tokens>,
}

#[derive(Debug, Default)]
struct Tokens {
    page: Option<SecretString>,
    user: Option<SecretString>,
}

impl ClientState {
    pub(crate) fn new(page: Option<SecretString>, user: Option<SecretString>) -> Self {
        ClientState { tokens: Arc::new(Tokens { page, user }) }
    }

    /// Whether the client holds a token of this kind.
    pub fn has_token(&self, kind: TokenKind) -> bool {
        self.token(kind).is_some()
    }

    fn token(&self, kind: TokenKind) -> Option<&SecretString> {
        match kind {
            TokenKind::Page => self.tokens.page.as_ref(),
            TokenKind::User => self.tokens.user.as_ref(),
        }
    }

    /// Adds the operation's credential to the request, and drops progenitor's `api-version`
    /// header, which the real APIs do not know.
    pub(crate) fn authorize(
        &self,
        request: &mut reqwest::Request,
        operation: &'static str,
        key: Option<ApiKey>,
    ) -> Result<(), Error> {
        request.headers_mut().remove("api-version");
        let Some(key) = key else { return Ok(()) };
        let token = self
            .token(key.token)
            .ok_or(Error::MissingCredential { operation, token: key.token })?
            .expose_secret();
        match key.location {
            KeyLocation::Header => {
                let mut value = HeaderValue::from_str(token).map_err(|_| Error::InvalidRequest {
                    message: format!("the {} holds characters a header cannot carry", key.token.describe()),
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
