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

/// The tokens of a client. `Debug` shows no secret.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub(crate) page: Option<SecretString>,
    pub(crate) user: Option<SecretString>,
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
        let tokens = [&self.page, &self.user];
        crate::redact::Secrets::new(tokens.into_iter().flatten().map(|t| t.expose_secret()))
    }

    /// Whether a token of this kind is set.
    pub(crate) fn has(&self, kind: TokenKind) -> bool {
        self.get(kind).is_some()
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
            .get(key.token)
            .ok_or(Error::MissingCredential { operation, token: key.token })?
            .expose_secret();
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
