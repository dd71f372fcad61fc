//! The SDK's one error type.

use bytes::Bytes;
use reqwest::StatusCode;

use crate::auth::TokenKind;

/// Everything that can go wrong with a call. No variant's `Display` or `Debug` shows a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input was refused before any request was sent.
    #[error("invalid {}: {message}", field.as_deref().unwrap_or("request"))]
    InvalidRequest {
        /// The parameter or body field at fault (`page_size`, `data.content.messages`), when known.
        field: Option<String>,
        /// What is wrong.
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

    /// A send (a POST) whose outcome is unknown: it may have reached the server and taken
    /// effect (a message may have been delivered) although no answer says so. It is never
    /// retried by the SDK; check (e.g. list the conversation's messages) before sending again.
    #[error(
        "{operation}: the outcome is unknown, the request may have been carried out (a message may have been delivered): {reason}"
    )]
    OutcomeUnknown {
        /// The operation's id, e.g. `send_message`.
        operation: &'static str,
        /// What happened: a timeout, a dropped connection, a 5xx answer.
        reason: String,
        /// The status, when an answer (a 5xx) came.
        status: Option<StatusCode>,
        /// The body of that answer.
        body: Option<Bytes>,
        /// The transport error, when no answer came (its URL removed).
        #[source]
        source: Option<reqwest::Error>,
    },

    /// A list's pages did not add up (the server repeated a page); the walk stopped rather
    /// than loop forever, and the items already yielded may not be all.
    #[error("{operation}: pagination stopped: {message}")]
    Pagination {
        /// The list operation.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },

    /// A successful answer (2xx) whose body does not decode into the spec's type. The server
    /// accepted the call: for a send, it went out; do not send it again.
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
    /// An input error about `field`.
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::InvalidRequest { field: Some(field.to_string()), message: message.into() }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status { status, .. } | Error::Api { status, .. } | Error::Decode { status, .. } => {
                Some(*status)
            }
            Error::OutcomeUnknown { status, .. } => *status,
            _ => None,
        }
    }

    /// What kind of API error this is, for an API error.
    pub fn api_error_kind(&self) -> Option<ApiErrorKind> {
        self.error_code().map(ApiErrorKind::from_code)
    }

    /// Whether the request may have been carried out although it failed ([`Error::OutcomeUnknown`]).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
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
            Error::OutcomeUnknown { body, .. } => body.clone(),
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

/// The `error_code`s the APIs are known to give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 100: the token is invalid.
    InvalidToken,
    /// 102: no token was sent.
    MissingToken,
    /// 103: the session expired (a user token older than about 90 days).
    SessionExpired,
    /// 105: the token was renewed (a new page token invalidates the old one), or the account
    /// has no permission for the page.
    TokenRenewedOrNoPermission,
    /// 121: a subscription or seat problem.
    SubscriptionProblem,
    /// 122: the page's subscription expired.
    SubscriptionExpired,
    /// 10 or 551: outside Facebook's 24-hour messaging window (a message tag is needed).
    OutsideMessagingWindow,
    /// Any other code, kept as it came.
    Other(i64),
}

impl ApiErrorKind {
    /// The kind of an `error_code`.
    pub fn from_code(code: i64) -> Self {
        match code {
            100 => ApiErrorKind::InvalidToken,
            102 => ApiErrorKind::MissingToken,
            103 => ApiErrorKind::SessionExpired,
            105 => ApiErrorKind::TokenRenewedOrNoPermission,
            121 => ApiErrorKind::SubscriptionProblem,
            122 => ApiErrorKind::SubscriptionExpired,
            10 | 551 => ApiErrorKind::OutsideMessagingWindow,
            other => ApiErrorKind::Other(other),
        }
    }

    /// Whether a new or renewed token is needed.
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            ApiErrorKind::InvalidToken
                | ApiErrorKind::MissingToken
                | ApiErrorKind::SessionExpired
                | ApiErrorKind::TokenRenewedOrNoPermission
        )
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
