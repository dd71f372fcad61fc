//! One call: pacing, attempts and retries, the raw answer kept, and progenitor's result
//! turned into the SDK's [`Response`] or [`Error`].
//!
//! The generated code decodes the body itself and drops the status of an undecodable error
//! body; so the hooks record the raw answer (and any error of their own) in a task-local slot
//! that [`run`] reads back.

use std::cell::RefCell;
use std::future::Future;
use std::time::Instant;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Version};
use serde::Deserialize;

use crate::options::CallOptions;
use crate::response::ApiWarning;
use crate::retry::{never_sent, retryable_status};
use crate::state::ClientState;
use crate::{Error, Response, rate_limit};

tokio::task_local! {
    static EXCHANGE: RefCell<Exchange>;
}

/// What the hooks saw of one call.
#[derive(Default)]
struct Exchange {
    options: CallOptions,
    answer: Option<Answer>,
    error: Option<Error>,
}

/// The raw answer to a request.
struct Answer {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

/// The envelope fields every API object may carry.
#[derive(Deserialize)]
struct Envelope {
    success: Option<bool>,
    message: Option<String>,
    error_code: Option<i64>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    error_code: Option<i64>,
}

impl Envelope {
    fn read(body: &Bytes) -> Option<Envelope> {
        if !body.trim_ascii_start().starts_with(b"{") {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// `error_code`, or the first one of `errors[]`.
    fn code(&self) -> Option<i64> {
        self.error_code.or_else(|| self.errors.iter().find_map(|e| e.error_code))
    }
}

/// Keeps an error raised inside a hook, so that [`run`] returns it as it is.
pub(crate) fn fail<E>(error: Error) -> progenitor_client::Error<E> {
    let text = error.to_string();
    record_error(error);
    progenitor_client::Error::Custom(text)
}

fn record_error(error: Error) {
    let _ = EXCHANGE.try_with(|slot| slot.borrow_mut().error = Some(error));
}

/// The `exec` hook: paces, sends, reads the whole body, retries what may be retried, and
/// records the final answer for [`run`].
pub(crate) async fn execute(
    state: &ClientState,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let options = EXCHANGE.try_with(|slot| slot.borrow().options).unwrap_or_default();
    let policy = options.retry.unwrap_or(state.retry_policy());
    if let Some(timeout) = options.timeout {
        *request.timeout_mut() = Some(timeout);
    }
    // Reads are safe to repeat; a POST may have taken effect as soon as it left.
    let idempotent = matches!(*request.method(), Method::GET | Method::HEAD);
    let page = rate_limit::page_of(request.url().path()).map(str::to_owned);
    let started = Instant::now();
    let mut retries = 0;
    loop {
        if let (Some(pacer), Some(page)) = (state.pacer(), &page) {
            pacer.wait(page).await;
        }
        let copy = if retries < policy.max_retries { request.try_clone() } else { None };
        let last_chance = copy.is_none();
        let outcome = attempt(http, copy.unwrap_or_else(|| clone_or_take(&mut request))).await;

        let retry = match &outcome {
            Ok(answer) => idempotent && retryable_status(answer.status),
            Err(error) => (idempotent && !error.is_builder()) || never_sent(error),
        };
        if retry && !last_chance {
            let delay = policy.delay(retries, outcome.as_ref().ok().map(|a| &a.headers));
            if let Some(delay) = delay.filter(|d| started.elapsed() + *d <= policy.deadline) {
                tokio::time::sleep(delay).await;
                retries += 1;
                continue;
            }
        }
        return finish(http, outcome, idempotent, operation);
    }
}

/// The request for a last attempt: a copy when the body allows one, else the request itself.
fn clone_or_take(request: &mut reqwest::Request) -> reqwest::Request {
    request.try_clone().unwrap_or_else(|| {
        let placeholder = reqwest::Request::new(request.method().clone(), request.url().clone());
        std::mem::replace(request, placeholder)
    })
}

async fn attempt(http: &reqwest::Client, request: reqwest::Request) -> reqwest::Result<Answer> {
    let response = http.execute(request).await?;
    let (status, version, headers) = (response.status(), response.version(), response.headers().clone());
    let body = response.bytes().await?;
    Ok(Answer { status, version, headers, body })
}

/// Records the final outcome and hands the generated code a response it can decode.
fn finish(
    http: &reqwest::Client,
    outcome: reqwest::Result<Answer>,
    idempotent: bool,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    match outcome {
        Ok(answer) => {
            // A send answered with neither a success nor a refusal (a 5xx, a redirect) may
            // have been carried out.
            if !idempotent && (answer.status.is_server_error() || answer.status.is_redirection()) {
                record_error(Error::OutcomeUnknown {
                    operation,
                    reason: format!("the server answered HTTP {}", answer.status),
                    status: Some(answer.status),
                    body: Some(answer.body.clone()),
                    source: None,
                });
            }
            let mut rebuilt = http::Response::new(reqwest::Body::from(answer.body.clone()));
            // The spec declares 200; any 2xx is a success, decoded as such (the real status is
            // kept in the `Response`).
            *rebuilt.status_mut() = if answer.status.is_success() { StatusCode::OK } else { answer.status };
            *rebuilt.version_mut() = answer.version;
            *rebuilt.headers_mut() = answer.headers.clone();
            let _ = EXCHANGE.try_with(|slot| slot.borrow_mut().answer = Some(answer));
            Ok(reqwest::Response::from(rebuilt))
        }
        Err(error) => {
            if !idempotent && !never_sent(&error) {
                let source = error.without_url();
                let reason = if source.is_timeout() {
                    "timed out after the request was sent".to_string()
                } else {
                    format!("the connection failed after the request was sent ({source})")
                };
                record_error(Error::OutcomeUnknown {
                    operation,
                    reason,
                    status: None,
                    body: None,
                    source: Some(source),
                });
                // The generated code needs an error of its own kind; `run` returns the one above.
                return Err(stand_in_error(http));
            }
            Err(error)
        }
    }
}

/// reqwest errors can be neither built by hand nor cloned: the original moved into the
/// recorded error, and the generated code gets this stand-in, which `run` never shows.
fn stand_in_error(http: &reqwest::Client) -> reqwest::Error {
    // An invalid URL makes a builder error without any I/O.
    http.get("http://").build().expect_err("an empty host is refused")
}

/// Runs a generated `dispatch` future with per-call options and maps its outcome.
pub(crate) async fn run<T, E, F>(options: CallOptions, dispatch: F) -> Result<Response<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let slot = RefCell::new(Exchange { options, ..Exchange::default() });
    let (result, exchange) = EXCHANGE
        .scope(slot, async {
            let result = dispatch.await;
            (result, EXCHANGE.with(|slot| slot.take()))
        })
        .await;
    if let Some(error) = exchange.error {
        return Err(error);
    }
    match (result, exchange.answer) {
        (Ok(value), Some(answer)) => {
            if let Some(error) = api_failure(&answer) {
                return Err(error);
            }
            let warning = Envelope::read(&answer.body).and_then(|e| {
                let code = e.code()?;
                (e.success == Some(true)).then_some(ApiWarning { error_code: code, message: e.message })
            });
            Ok(Response::new(value.into_inner(), answer.status, answer.headers, answer.body, warning))
        }
        (Ok(value), None) => {
            let (status, headers) = (value.status(), value.headers().clone());
            Ok(Response::new(value.into_inner(), status, headers, Bytes::new(), None))
        }
        (Err(error), answer) => Err(map_error(error, answer)),
    }
}

/// `success: false` in an object body, whatever the status; or an error status with an error
/// object.
fn api_failure(answer: &Answer) -> Option<Error> {
    let envelope = Envelope::read(&answer.body)?;
    let failed = envelope.success == Some(false)
        || (!answer.status.is_success() && (envelope.code().is_some() || envelope.message.is_some()));
    failed.then(|| Error::Api {
        status: answer.status,
        error_code: envelope.code(),
        message: envelope.message,
        body: serde_json::from_slice(&answer.body).unwrap_or_default(),
    })
}

fn map_error<E>(error: progenitor_client::Error<E>, answer: Option<Answer>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(message) | P::Custom(message) => {
            // progenitor names the field in backticks or before "was not initialized".
            let field = message
                .split_once(" for ")
                .map(|(_, rest)| rest.split_whitespace().next().unwrap_or(rest).to_string())
                .or_else(|| {
                    message.strip_suffix(" was not initialized").map(|f| f.trim_matches('`').to_string())
                });
            Error::InvalidRequest { field, message }
        }
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => Error::from_reqwest(e),
        P::InvalidResponsePayload(body, source) => match answer {
            Some(answer) if answer.status.is_success() => {
                Error::Decode { status: answer.status, body, source }
            }
            Some(answer) => api_failure(&answer).unwrap_or(Error::Status { status: answer.status, body }),
            None => Error::Decode { status: StatusCode::OK, body, source },
        },
        P::ErrorResponse(_) | P::UnexpectedResponse(_) => match answer {
            Some(answer) => {
                api_failure(&answer).unwrap_or(Error::Status { status: answer.status, body: answer.body })
            }
            None => Error::InvalidRequest { field: None, message: "no answer was recorded".into() },
        },
    }
}
