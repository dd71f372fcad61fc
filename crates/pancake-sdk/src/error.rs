//! The SDK's one error type.

use bytes::Bytes;
use reqwest::StatusCode;

use crate::auth::TokenKind;

/// Everything that can go wrong with a call. No variant's `Display` or `Debug` shows a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input was refused before any request was sent; the message names the field.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong, naming the field.
        message: String,
    },

    /// The client holds no token of the kind this operation needs.
    #[error("{operation} needs a {}, and this client has none", token.describe())]
    MissingCredential {
        /// The operation's id, e.g. `list_pages`.
        operation: &'static str,
        /// The token it needs.
        token: TokenKind,
    },

    /// The request could not be sent, or the connection failed before the whole answer came.
    #[error("transport error: {source}")]
    Transport {
        /// The underlying error (its URL, which may carry a token, is removed).
        #[source]
        source: reqwest::Error,
    },

    /// The connect or total timeout passed.
    #[error("timed out: {source}")]
    Timeout {
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
    },

    /// The API answered with an error status and no API error object.
    #[error("HTTP {status}: {}", snippet(body))]
    Status {
        /// The status.
        status: StatusCode,
        /// The body as it came (JSON string, HTML, ...).
        body: Bytes,
    },

    /// The API answered `success: false`, whatever the HTTP status.
    #[error("API error{} (HTTP {status}): {}", code_text(*error_code), message.as_deref().unwrap_or("no message"))]
    Api {
        /// The HTTP status (200 is possible).
        status: StatusCode,
        /// The API's `error_code`, when it gave one.
        error_code: Option<i64>,
        /// The API's `message`, when it gave one.
        message: Option<String>,
        /// The whole error body.
        body: serde_json::Value,
    },

    /// A successful answer whose body does not decode into the spec's type.
    #[error("HTTP {status}: the body does not decode ({source}): {}", snippet(body))]
    Decode {
        /// The status.
        status: StatusCode,
        /// The raw body.
        body: Bytes,
        /// Why it did not decode.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status { status, .. } | Error::Api { status, .. } | Error::Decode { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The API's `error_code`, for an API error.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            Error::Api { error_code, .. } => *error_code,
            _ => None,
        }
    }

    /// The raw body of the answer, when there was one.
    pub fn body(&self) -> Option<Bytes> {
        match self {
            Error::Status { body, .. } | Error::Decode { body, .. } => Some(body.clone()),
            Error::Api { body, .. } => Some(Bytes::from(body.to_string())),
            _ => None,
        }
    }

    /// A transport or timeout error, with the URL (and so any query token) removed.
    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        let source = error.without_url();
        if source.is_timeout() { Error::Timeout { source } } else { Error::Transport { source } }
    }
}

fn code_text(code: Option<i64>) -> String {
    code.map(|c| format!(" {c}")).unwrap_or_default()
}

/// The start of a body, for messages.
fn snippet(body: &Bytes) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None if text.is_empty() => "(empty body)".to_string(),
        None => text.to_string(),
    }
}
