//! What a successful call returns.

use std::ops::Deref;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::ApiErrorKind;

/// A successful answer: the typed value (through `Deref`), and the status, headers and raw body.
///
/// The typed value keeps fields the spec does not know in each object's `extra` map;
/// [`Response::json`] gives the body exactly as the server sent it.
#[derive(Clone, Debug)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    warning: Option<ApiWarning>,
}

/// An `error_code` that came with `success: true`: the call succeeded (a send went out), and
/// the API flagged something (e.g. 121, a subscription problem).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiWarning {
    /// The `error_code`.
    pub error_code: i64,
    /// The API's `message`, when it gave one (the client's tokens redacted).
    pub message: Option<String>,
}

impl ApiWarning {
    /// What kind of code it is.
    pub fn kind(&self) -> ApiErrorKind {
        ApiErrorKind::from_code(self.error_code)
    }
}

impl<T> Response<T> {
    pub(crate) fn new(
        value: T,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        warning: Option<ApiWarning>,
    ) -> Self {
        Response { value, status, headers, body, warning }
    }

    /// The same answer with the warning's message (server text) redacted.
    pub(crate) fn redacted(mut self, secrets: &crate::redact::Secrets) -> Self {
        if let Some(message) = self.warning.as_mut().and_then(|w| w.message.as_mut()) {
            *message = secrets.scrubbed(message);
        }
        self
    }

    /// The warning the API gave with a success (`success: true` with an `error_code`).
    pub fn warning(&self) -> Option<&ApiWarning> {
        self.warning.as_ref()
    }

    /// The typed value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as it came.
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }

    /// The same answer with the raw JSON as its value (what the bindings hand their users).
    pub fn into_json(self) -> Response<serde_json::Value> {
        let value = serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null);
        Response { value, status: self.status, headers: self.headers, body: self.body, warning: self.warning }
    }

    /// The body as JSON, every field kept (including ones the spec does not know, and nulls).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}
