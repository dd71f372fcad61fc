//! The SDK's one error type.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;

use crate::redact::Secrets;
use crate::token::TokenKind;

/// Everything that can go wrong with a call.
///
/// No variant's `Display` or `Debug` shows a token of the client: every error a client returns
/// has passed through its redaction step (see [`crate::redact`]), server text included. The
/// raw bodies of answers stay available through [`ErrorBody::raw`].
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

    /// The client holds no token of the kind this operation needs (for a page token: none for
    /// the page the call addresses).
    #[error("{operation} needs a {}{}, and this client has none", token.describe(), page_text(page))]
    MissingCredential {
        /// The operation's id, e.g. `list_pages`.
        operation: &'static str,
        /// The token it needs.
        token: TokenKind,
        /// The page whose token is missing, for a page token.
        page: Option<String>,
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

    /// The call's deadline (attempts, waits and backoff together) passed before an answer
    /// came; a send whose request had left is [`Error::OutcomeUnknown`] instead.
    #[error("{operation}: the call's deadline of {deadline:?} passed before an answer came")]
    Deadline {
        /// The operation's id.
        operation: &'static str,
        /// The deadline.
        deadline: Duration,
    },

    /// The answer's body was larger than the client's limit (`max_response_bytes`), or held
    /// more JSON values than decoding within a small multiple of it allows (one per 16 bytes of
    /// the limit, one object or array per 256); reading stopped there. For a send, the SDK
    /// reports [`Error::OutcomeUnknown`] instead: the request reached the server.
    #[error("{operation}: the answer (HTTP {status}) is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The operation's id.
        operation: &'static str,
        /// The status of the answer.
        status: StatusCode,
        /// The limit, in bytes.
        limit: u64,
    },

    /// The API answered with an error status and no API error object.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status.
        status: StatusCode,
        /// The body as it came (JSON string, HTML, ...).
        body: ErrorBody,
    },

    /// The API answered `success: false`, whatever the HTTP status.
    #[error("API error{} (HTTP {status}){}: {}", code_text(*error_code), page_text(page), message.as_deref().unwrap_or("no message"))]
    Api {
        /// The HTTP status (200 is possible).
        status: StatusCode,
        /// The page the call addressed, when it addressed one (for a token error: the page
        /// whose token is invalid or was renewed).
        page: Option<String>,
        /// The API's `error_code`, when it gave one.
        error_code: Option<i64>,
        /// The API's `message`, when it gave one (redacted).
        message: Option<String>,
        /// The whole error body.
        body: ErrorBody,
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
        body: Option<ErrorBody>,
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
    #[error("HTTP {status}: the body does not decode ({source}): {body}")]
    Decode {
        /// The status.
        status: StatusCode,
        /// The raw body.
        body: ErrorBody,
        /// Why it did not decode.
        #[source]
        source: serde_json::Error,
    },
}

/// What kind of failure an [`Error`] is. This list is stable: the Python exceptions, the C
/// result codes and the CLI's exit codes are mapped from it (and only from it). A new kind may
/// be added in a minor release, so match it with a fallback arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input the API would refuse, named in [`Error::field`]; nothing was sent.
    InvalidRequest,
    /// The client has no token of the kind the operation needs; nothing was sent.
    MissingCredential,
    /// No (complete) answer came: the connection failed.
    Transport,
    /// An attempt timed out.
    Timeout,
    /// The call's deadline passed.
    Deadline,
    /// The answer was larger than the client's limit.
    TooLarge,
    /// An error status without an API error object.
    Status,
    /// The API's own error (`success: false`, `error_code`).
    Api,
    /// A send failed after it may have left: it may have been carried out.
    OutcomeUnknown,
    /// A list's walk stopped (a server that repeats pages, or loses items).
    Pagination,
    /// A success whose body does not decode.
    Decode,
}

impl ErrorKind {
    /// Every kind, in a stable order.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::InvalidRequest,
        ErrorKind::MissingCredential,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Deadline,
        ErrorKind::TooLarge,
        ErrorKind::Status,
        ErrorKind::Api,
        ErrorKind::OutcomeUnknown,
        ErrorKind::Pagination,
        ErrorKind::Decode,
    ];

    /// The kind's stable name: `invalid_request`, `missing_credential`, `transport`, `timeout`,
    /// `deadline`, `too_large`, `status`, `api`, `outcome_unknown`, `pagination`, `decode`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::MissingCredential => "missing_credential",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Deadline => "deadline",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Status => "status",
            ErrorKind::Api => "api",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::Pagination => "pagination",
            ErrorKind::Decode => "decode",
        }
    }

    /// Whether nothing was sent: the request can be fixed and sent again.
    pub fn nothing_sent(self) -> bool {
        matches!(self, ErrorKind::InvalidRequest | ErrorKind::MissingCredential)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Error {
    /// What kind of failure this is (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidRequest { .. } => ErrorKind::InvalidRequest,
            Error::MissingCredential { .. } => ErrorKind::MissingCredential,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Deadline { .. } => ErrorKind::Deadline,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::Status { .. } => ErrorKind::Status,
            Error::Api { .. } => ErrorKind::Api,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Pagination { .. } => ErrorKind::Pagination,
            Error::Decode { .. } => ErrorKind::Decode,
        }
    }

    /// The page an [`ErrorKind::Api`] or [`ErrorKind::MissingCredential`] error is about (for a
    /// token error, the page whose token is missing, invalid or renewed).
    pub fn page_id(&self) -> Option<&str> {
        match self {
            Error::Api { page, .. } | Error::MissingCredential { page, .. } => page.as_deref(),
            _ => None,
        }
    }

    /// The same error, about `page` (the page the call addressed).
    pub(crate) fn on_page(mut self, page: Option<&str>) -> Self {
        if let Error::Api { page: slot, .. } = &mut self
            && slot.is_none()
        {
            *slot = page.map(str::to_owned);
        }
        self
    }

    /// The input an [`ErrorKind::InvalidRequest`] is about, when it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidRequest { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The operation the error is about, when the error says it.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::MissingCredential { operation, .. }
            | Error::Deadline { operation, .. }
            | Error::TooLarge { operation, .. }
            | Error::OutcomeUnknown { operation, .. }
            | Error::Pagination { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// The token a [`ErrorKind::MissingCredential`] needs.
    pub fn token(&self) -> Option<TokenKind> {
        match self {
            Error::MissingCredential { token, .. } => Some(*token),
            _ => None,
        }
    }

    /// The deadline a [`ErrorKind::Deadline`] passed.
    pub fn deadline(&self) -> Option<Duration> {
        match self {
            Error::Deadline { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// The size limit a [`ErrorKind::TooLarge`] passed, in bytes.
    pub fn limit(&self) -> Option<u64> {
        match self {
            Error::TooLarge { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// The API's `message` of an [`ErrorKind::Api`] (redacted).
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => message.as_deref(),
            _ => None,
        }
    }

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
            Error::TooLarge { status, .. } => Some(*status),
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

    /// The raw body of the answer, when there was one, exactly as the server sent it: it may
    /// hold what the server echoed of the request, the token included.
    pub fn body(&self) -> Option<Bytes> {
        self.error_body().map(|body| body.raw().clone())
    }

    /// The body of the answer, when there was one.
    pub fn error_body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Status { body, .. } | Error::Decode { body, .. } | Error::Api { body, .. } => Some(body),
            Error::OutcomeUnknown { body, .. } => body.as_ref(),
            _ => None,
        }
    }

    /// The same error with the client's secrets replaced in every text it renders (the raw
    /// bodies are kept, and render redacted).
    pub(crate) fn redacted(self, secrets: &Secrets) -> Self {
        if secrets.is_empty() {
            return self;
        }
        let scrub = |text: String| secrets.scrubbed(&text);
        match self {
            Error::InvalidRequest { field, message } => {
                Error::InvalidRequest { field: field.map(scrub), message: scrub(message) }
            }
            Error::Status { status, body } => Error::Status { status, body: body.with_secrets(secrets) },
            Error::Api { status, page, error_code, message, body } => Error::Api {
                status,
                page,
                error_code,
                message: message.map(scrub),
                body: body.with_secrets(secrets),
            },
            Error::OutcomeUnknown { operation, reason, status, body, source } => Error::OutcomeUnknown {
                operation,
                reason: scrub(reason),
                status,
                body: body.map(|b| b.with_secrets(secrets)),
                source,
            },
            Error::Pagination { operation, message } => {
                Error::Pagination { operation, message: scrub(message) }
            }
            Error::Decode { status, body, source } => {
                let text = source.to_string();
                let source = if secrets.scrub(&text) == text {
                    source
                } else {
                    <serde_json::Error as serde::de::Error>::custom(secrets.scrubbed(&text))
                };
                Error::Decode { status, body: body.with_secrets(secrets), source }
            }
            other => other,
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

fn page_text(page: &Option<String>) -> String {
    page.as_deref().map(|p| format!(" for page {p}")).unwrap_or_default()
}

fn code_text(code: Option<i64>) -> String {
    code.map(|c| format!(" {c}")).unwrap_or_default()
}

/// The body of an error answer: the raw bytes on explicit request ([`ErrorBody::raw`]), and
/// renderings (`Display`, `Debug`, [`ErrorBody::text`]) with the client's secrets redacted.
#[derive(Clone, Default)]
pub struct ErrorBody {
    raw: Bytes,
    secrets: Secrets,
}

impl ErrorBody {
    /// A body with nothing to redact yet (a client's redaction step adds its secrets).
    pub fn new(raw: impl Into<Bytes>) -> Self {
        ErrorBody { raw: raw.into(), secrets: Secrets::default() }
    }

    fn with_secrets(self, secrets: &Secrets) -> Self {
        ErrorBody { raw: self.raw, secrets: secrets.clone() }
    }

    /// The body exactly as the server sent it. It may hold what the server echoed of the
    /// request, the client's token included: do not log it as it is.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The whole body as text (lossy UTF-8), the client's secrets redacted.
    pub fn text(&self) -> String {
        self.secrets.scrubbed(&String::from_utf8_lossy(&self.raw))
    }

    /// The body as JSON, the client's secrets redacted in every string and key (after the
    /// JSON is decoded, so no escape hides one); `None` when it is not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        let mut value: serde_json::Value = serde_json::from_slice(&self.raw).ok()?;
        scrub_json(&mut value, &self.secrets);
        Some(value)
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The start of the body (200 characters), redacted, for messages.
    pub fn snippet(&self) -> String {
        const MAX: usize = 200;
        // Scrub before cutting, so that a secret across the cut is not half shown.
        let text = self.text();
        let text = text.trim();
        match text.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None if text.is_empty() => "(empty body)".to_string(),
            None => text.to_string(),
        }
    }
}

/// Scrubs every string and key of a JSON value, iteratively (no recursion on server data).
fn scrub_json(value: &mut serde_json::Value, secrets: &Secrets) {
    if secrets.is_empty() {
        return;
    }
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::String(text) => *text = secrets.scrubbed(text),
            serde_json::Value::Array(items) => pending.extend(items.iter_mut()),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, item) in entries {
                    map.insert(secrets.scrubbed(&key), item);
                }
                pending.extend(map.values_mut());
            }
            _ => {}
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.snippet())
    }
}

impl std::fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorBody").field("len", &self.raw.len()).field("start", &self.snippet()).finish()
    }
}
