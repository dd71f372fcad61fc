//! One request/response exchange: executes a generated operation, keeps the raw answer, and
//! turns progenitor's result into the SDK's [`Response`] or [`Error`].
//!
//! The generated code decodes the body itself and drops the status of an undecodable error
//! body; so the hooks record the raw answer in a task-local slot that [`run`] reads back.

use std::cell::RefCell;
use std::future::Future;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::{Error, Response};

tokio::task_local! {
    static EXCHANGE: RefCell<Exchange>;
}

/// What the hooks saw of one call.
#[derive(Default)]
struct Exchange {
    answer: Option<Answer>,
    error: Option<Error>,
}

/// The raw answer to a request.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The envelope fields every API object may carry.
#[derive(Deserialize)]
struct Envelope {
    success: Option<bool>,
    message: Option<String>,
    error_code: Option<i64>,
}

/// Keeps an error raised inside a hook, so that [`run`] returns it as it is.
pub(crate) fn fail<E>(error: Error) -> progenitor_client::Error<E> {
    let text = error.to_string();
    let _ = EXCHANGE.try_with(|slot| slot.borrow_mut().error = Some(error));
    progenitor_client::Error::Custom(text)
}

/// Sends the request, reads the whole body, and records the answer for [`run`].
pub(crate) async fn execute(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let response = client.execute(request).await?;
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let _ = EXCHANGE.try_with(|slot| {
        slot.borrow_mut().answer = Some(Answer { status, headers: headers.clone(), body: body.clone() })
    });
    let mut rebuilt = http::Response::new(reqwest::Body::from(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// Runs a generated `dispatch` future and maps its outcome.
pub(crate) async fn run<T, E, F>(dispatch: F) -> Result<Response<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let (result, exchange) = EXCHANGE
        .scope(RefCell::new(Exchange::default()), async {
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
            Ok(Response::new(value.into_inner(), answer.status, answer.headers, answer.body))
        }
        (Ok(value), None) => {
            let (status, headers) = (value.status(), value.headers().clone());
            Ok(Response::new(value.into_inner(), status, headers, Bytes::new()))
        }
        (Err(error), answer) => Err(map_error(error, answer)),
    }
}

/// `success: false` in an object body, whatever the status.
fn api_failure(answer: &Answer) -> Option<Error> {
    if !answer.body.trim_ascii_start().starts_with(b"{") {
        return None;
    }
    let envelope: Envelope = serde_json::from_slice(&answer.body).ok()?;
    let failed = envelope.success == Some(false)
        || (!answer.status.is_success() && (envelope.error_code.is_some() || envelope.message.is_some()));
    failed.then(|| Error::Api {
        status: answer.status,
        error_code: envelope.error_code,
        message: envelope.message,
        body: serde_json::from_slice(&answer.body).unwrap_or_default(),
    })
}

fn map_error<E>(error: progenitor_client::Error<E>, answer: Option<Answer>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest { message },
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
            None => Error::InvalidRequest { message: "no answer was recorded".into() },
        },
    }
}
