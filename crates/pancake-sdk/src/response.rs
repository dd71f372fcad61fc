//! What a successful call returns.

use std::ops::Deref;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

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
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Response { value, status, headers, body }
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
