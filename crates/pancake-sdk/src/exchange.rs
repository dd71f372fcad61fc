//! One call: its request built and checked, pacing, attempts and retries, the raw answer
//! kept, and the answer turned into the SDK's [`Response`] or [`Error`].
//!
//! Progenitor's generated `send` only builds the request: [`build`] polls it once, and the
//! request it hands to its `exec` hook ([`take`]) is checked, given its credential and taken
//! there; the generated code waits at that point for good and is dropped (it never sends, so it
//! never decodes). [`run`] then sends the request and decodes the answer's bytes straight into
//! the operation's type; the JSON door ([`run_raw`]) checks them and hands them over as they
//! came.
//!
//! Each answer is scanned once ([`crate::scan`]) as it is read: that pass bounds what decoding
//! it may take and finds the envelope (`success`, `error_code`, `message`), which is never
//! decoded twice.

use std::cell::Cell;
use std::future::Future;
use std::ops::Range;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use progenitor_client::ResponseValue;
use reqwest::header::{CONTENT_LENGTH, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::api::{Check, Operation};
use crate::options::CallOptions;
use crate::response::ApiWarning;
use crate::retry::{never_sent, retryable_status};
use crate::state::ClientState;
use crate::{Error, ErrorBody, Json, Response, scan, validate};

thread_local! {
    /// What the `exec` hook needs of the request being built. Set and read within one
    /// synchronous poll of the generated `send` ([`build`]), on this thread.
    static INPUTS: Cell<Option<Inputs>> = const { Cell::new(None) };
    /// What the `exec` hook made of the request being built.
    static BUILT: Cell<Option<Result<Request, Error>>> = const { Cell::new(None) };
}

/// What the `exec` hook needs of one request being built.
struct Inputs {
    operation: &'static Operation,
    /// A body to send as the caller gave it, in place of the typed one.
    body: Option<serde_json::Value>,
    /// The file of an upload, sent as `multipart/form-data`.
    upload: Option<crate::Upload>,
}

/// A request built and checked, its credential added: ready to send.
pub(crate) struct Request {
    request: reqwest::Request,
    operation: &'static Operation,
    /// Where the page the request addresses is in its URL's path (errors name it; pacing is
    /// by page): read there, never copied.
    page: Option<Range<usize>>,
}

/// The raw answer to a request.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The envelope read from `body` (none when it is not an object).
    envelope: Option<Envelope>,
    /// The answer of an operation that answers a redirect: `body` is made from its `Location`.
    located: bool,
}

/// The envelope fields every API object may carry (those of another type are left out).
#[derive(Debug, Default)]
struct Envelope {
    success: Option<bool>,
    message: Option<String>,
    /// `error_code`, or the first one of `errors[]`.
    code: Option<i64>,
}

impl Envelope {
    fn of(found: Option<scan::Envelope<'_>>) -> Option<Envelope> {
        found.map(|e| Envelope { success: e.success(), message: e.message(), code: e.code() })
    }

    /// The warning of a success that carries an `error_code`.
    fn warning(&self) -> Option<ApiWarning> {
        let code = self.code?;
        (self.success == Some(true)).then(|| ApiWarning { error_code: code, message: self.message.clone() })
    }
}

/// Builds the request of `operation` with progenitor's generated `send` (`generated`, pinned
/// by the caller where it is made), which is polled once: its `exec` hook checks the request
/// against the spec's rules and its route, adds the credential, and takes the request, so the
/// generated code never sends anything. The builder's own checks (`check`) come first: nothing
/// is built for a call they refuse.
pub(crate) fn build<T, E, F>(
    state: &ClientState,
    operation: &'static Operation,
    mut check: Check,
    generated: std::pin::Pin<&mut F>,
) -> Result<Request, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let built = check.finish().and_then(|()| {
        INPUTS.set(Some(Inputs { operation, body: check.take_body(), upload: check.take_upload() }));
        // Inputs the hook did not take (it did not run, or the build unwound) are not left for
        // another request, nor for a hook run outside a build.
        let _cleared = ClearsInputs;
        // Nothing left from a build that unwound (a request is only ever this call's).
        BUILT.set(None);
        let polled = generated.poll(&mut Context::from_waker(Waker::noop()));
        match (BUILT.take(), polled) {
            (Some(built), _) => built,
            (None, Poll::Ready(Err(error))) => Err(map_error(error)),
            (None, _) => Err(Error::InvalidRequest {
                field: None,
                message: "the generated code made no request".into(),
            }),
        }
    });
    built.map_err(|error| error.redacted(state.secrets()))
}

/// Empties [`INPUTS`] when dropped, unwinding included.
struct ClearsInputs;

impl Drop for ClearsInputs {
    fn drop(&mut self) {
        INPUTS.take();
    }
}

/// The `exec` hook: puts in a body given as JSON, checks the request against the spec's rules
/// and its route, adds the credential, then takes the request for [`build`]. The generated code
/// hands the request over by value, so nothing is left in its place; its future then waits for
/// good (a build polls it once, and drops it).
pub(crate) fn take(
    state: &ClientState,
    mut request: reqwest::Request,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
    let in_build = match INPUTS.take() {
        Some(Inputs { operation, body, upload }) => {
            let built = prepared(state, &mut request, operation, body, upload).map(|page| Request {
                request,
                operation,
                page,
            });
            BUILT.set(Some(built));
            true
        }
        None => false,
    };
    async move {
        if in_build {
            return std::future::pending().await;
        }
        // Outside a build (the builders never do this): an answer that is no success, so that
        // the generated code fails; nothing was sent.
        let mut answer = http::Response::new(Vec::<u8>::new());
        *answer.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        Ok(reqwest::Response::from(answer))
    }
}

/// What the `exec` hook does to the request; answers where the page it addresses is in its
/// path.
fn prepared(
    state: &ClientState,
    request: &mut reqwest::Request,
    operation: &'static Operation,
    body: Option<serde_json::Value>,
    upload: Option<crate::Upload>,
) -> Result<Option<Range<usize>>, Error> {
    if let Some(body) = body {
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::invalid("body", e.to_string()))?;
        *request.body_mut() = Some(reqwest::Body::from(bytes));
    }
    // The page the request addresses, found once: errors name it, and its own token is used.
    let page = crate::rate_limit::page_span(request.url().path());
    check(state, request, operation, upload, page.clone()).map(|()| page)
}

/// The page a request addresses, at `page` in its path.
fn page_in<'a>(request: &'a reqwest::Request, page: &Option<Range<usize>>) -> Option<&'a str> {
    page.clone().and_then(|span| request.url().path().get(span))
}

/// Puts in the file of an upload, checks the request against the spec's rules and its route,
/// then adds the credential of the page at `page` in its path (or the client's).
fn check(
    state: &ClientState,
    request: &mut reqwest::Request,
    operation: &'static Operation,
    upload: Option<crate::Upload>,
    page: Option<Range<usize>>,
) -> Result<(), Error> {
    if let (Some(upload), Some(rule)) = (upload, &operation.upload) {
        let (content_type, body) = upload.into_form(rule.field)?;
        let headers = request.headers_mut();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type).map_err(|e| Error::invalid(rule.field, e.to_string()))?,
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        *request.body_mut() = Some(reqwest::Body::from(body));
    }
    validate::check(request, operation.rules)?;
    let path = request.url().path();
    if !crate::path::matches_route(path, operation.route) {
        return Err(Error::invalid(
            operation.path_params.first().copied().unwrap_or("path"),
            "a path parameter changed the request's route",
        ));
    }
    // Found while the page is read from the path; added once the request is done with.
    let credential = state.credential(operation.id, operation.auth, page_in(request, &page))?;
    // The API's names first; the token is added after, under its own name.
    rename_query(request, operation.renamed);
    credential.map_or(Ok(()), |credential| credential.add_to(request))
}

/// Puts the API's names on the query parameters the SDK names otherwise (`types` is sent as
/// `type[]`).
fn rename_query(request: &mut reqwest::Request, renamed: &[(&str, &str)]) {
    let url = request.url_mut();
    let renames = |key: &str| renamed.iter().any(|(name, _)| *name == key);
    if renamed.is_empty() || !url.query_pairs().any(|(k, _)| renames(&k)) {
        return;
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let key = renamed
                .iter()
                .find(|(name, _)| **name == *k)
                .map_or(k.to_string(), |(_, wire)| wire.to_string());
            (key, v.into_owned())
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

/// Sends a built request: paces, sends, reads the body (up to the size limit), and retries
/// what may be retried within the call's deadline. Answers the final answer, or the call's
/// error. Copies of `request` are sent, so that it still says which page it addresses (at
/// `page` in its path) after the call; one whose body cannot be copied is sent once, leaving
/// only its method and URL.
async fn execute(
    state: &ClientState,
    http: &reqwest::Client,
    request: &mut reqwest::Request,
    operation: &'static Operation,
    options: CallOptions,
    page: Option<Range<usize>>,
) -> Result<Answer, Error> {
    let Operation { redirect, secret, route, id, .. } = *operation;
    let policy = options.retry.unwrap_or(state.retry_policy());
    let limits = state.limits();
    let deadline = options.deadline.unwrap_or(limits.deadline);
    let attempt_timeout = options.timeout.unwrap_or(limits.timeout);
    // Reads are safe to repeat; a POST may have taken effect as soon as it left.
    let idempotent = matches!(*request.method(), Method::GET | Method::HEAD);
    if !idempotent && request.body().is_none() {
        // A POST without a body still says so: some proxies refuse one without a length (411).
        *request.body_mut() = Some(reqwest::Body::from(Bytes::new()));
        request.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
    state.pacemaker().call_started();
    let call = Call {
        operation: id,
        method: request.method().clone(),
        route,
        idempotent,
        redirect,
        deadline,
        started: Instant::now(),
    };
    let mut retries = 0;
    // When the next attempt starts: the first one, when the call does (the clock is read again
    // only after a wait).
    let mut now = call.started;
    loop {
        if let Some((pacer, page)) = state.pacer().zip(page_in(request, &page)) {
            // Boxed: most requests go at once, with no wait in the call's future.
            if !pacer.ready(page)
                && Box::pin(tokio::time::timeout(call.remaining(), pacer.wait(page))).await.is_err()
            {
                // Nothing was sent in this wait: the deadline simply passed.
                return call.fail(Error::Deadline { operation: id, deadline }, retries);
            }
            now = Instant::now();
        }
        let remaining = deadline.saturating_sub(now.duration_since(call.started));
        if remaining.is_zero() {
            return call.fail(Error::Deadline { operation: id, deadline }, retries);
        }
        // Each attempt sends a copy: the request stays, to name its page. One whose body
        // cannot be copied goes once, and leaves its method and URL.
        let (mut sent, last_chance) = match copy_of(request) {
            Some(copy) => (copy, retries >= policy.max_retries),
            None => {
                let rest = reqwest::Request::new(request.method().clone(), request.url().clone());
                (std::mem::replace(request, rest), true)
            }
        };
        // reqwest's own timer bounds the attempt, body included (one timer, not one more of
        // ours): cut at the deadline, it is the deadline that passed. The client's timeout is
        // `limits.timeout`: a request carries its own only when it is another.
        let timeout = attempt_timeout.min(remaining);
        if timeout != limits.timeout {
            *sent.timeout_mut() = Some(timeout);
        }
        let attempt_started = now;
        let outcome = match attempt(http.execute(sent), limits.max_response_bytes).await {
            Err(Failure::Http(error)) if error.is_timeout() && call.remaining().is_zero() => {
                Err(Failure::Deadline)
            }
            outcome => outcome,
        };
        call.log_attempt(retries + 1, &outcome, attempt_started);

        let retry = match &outcome {
            Ok(answer) => idempotent && retryable_status(answer.status),
            Err(Failure::Http(error)) => (idempotent && !error.is_builder()) || never_sent(error),
            Err(Failure::TooLarge { .. } | Failure::Deadline) => false,
        };
        if retry && !last_chance {
            let delay = policy.delay(retries, outcome.as_ref().ok().map(|a| &a.headers));
            // A wait that would reach the deadline is not made: the last outcome stands.
            if let Some(delay) = delay.filter(|d| *d < call.remaining()) {
                // Boxed, like the pacer's wait: a retry is rare, and its timer is no part of
                // every call's future.
                Box::pin(tokio::time::sleep(delay)).await;
                retries += 1;
                now = Instant::now();
                continue;
            }
        }
        if let (Some(field), Ok(answer)) = (secret, &outcome) {
            learn_secret(state, field, answer);
        }
        return call.finish(outcome, retries + 1);
    }
}

/// A credential that a successful answer carries (a generated page token, `x-pancake-secret`)
/// joins the client's secrets before anyone sees the answer: from then on, every text the
/// client renders redacts it like the client's own tokens.
fn learn_secret(state: &ClientState, field: &str, answer: &Answer) {
    if !answer.status.is_success() {
        return;
    }
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(&answer.body) else {
        return;
    };
    if let Some(token) = object.get(field).and_then(serde_json::Value::as_str) {
        state.secrets().extend([token]);
    }
}

/// One call as [`execute`] runs it.
struct Call {
    operation: &'static str,
    method: Method,
    route: &'static str,
    idempotent: bool,
    /// The field that answers a redirect's `Location`, for an operation that answers one.
    redirect: Option<&'static str>,
    deadline: Duration,
    started: Instant,
}

/// How an attempt failed.
enum Failure {
    /// No (complete) answer.
    Http(reqwest::Error),
    /// The body passed the size limit (the status is the answer's).
    TooLarge { status: StatusCode, limit: u64 },
    /// The call's deadline passed during the attempt.
    Deadline,
}

impl Call {
    /// Time left before the deadline.
    fn remaining(&self) -> Duration {
        self.deadline.saturating_sub(self.started.elapsed())
    }

    /// Logs an attempt that began at `began` (its duration is measured only when logged).
    fn log_attempt(&self, attempt: u32, outcome: &Result<Answer, Failure>, began: Instant) {
        let status = outcome.as_ref().ok().map(|a| a.status.as_u16());
        let failure = match outcome {
            Ok(_) => None,
            Err(Failure::Http(e)) if e.is_timeout() => Some("timeout"),
            Err(Failure::Http(e)) if e.is_connect() => Some("connect"),
            Err(Failure::Http(_)) => Some("transport"),
            Err(Failure::TooLarge { .. }) => Some("too_large"),
            Err(Failure::Deadline) => Some("deadline"),
        };
        tracing::debug!(
            target: "pancake_sdk",
            operation = self.operation,
            method = %self.method,
            route = self.route,
            attempt,
            status,
            failure,
            duration_ms = began.elapsed().as_millis() as u64,
            "attempt"
        );
    }

    fn log_call(&self, attempts: u32, status: Option<StatusCode>, outcome: &str) {
        tracing::info!(
            target: "pancake_sdk",
            operation = self.operation,
            method = %self.method,
            route = self.route,
            attempts,
            status = status.map(|s| s.as_u16()),
            outcome,
            duration_ms = self.started.elapsed().as_millis() as u64,
            "call"
        );
    }

    /// Logs `error` as the call's outcome.
    fn fail(&self, error: Error, attempts: u32) -> Result<Answer, Error> {
        self.log_call(attempts, error.status(), error.kind().name());
        Err(error)
    }

    /// The call's final outcome: its answer, or its error.
    fn finish(&self, outcome: Result<Answer, Failure>, attempts: u32) -> Result<Answer, Error> {
        let operation = self.operation;
        match outcome {
            Ok(mut answer) => {
                // A send answered with neither a success nor a refusal (a 5xx, a redirect) may
                // have been carried out.
                if !self.idempotent && (answer.status.is_server_error() || answer.status.is_redirection()) {
                    let error = Error::OutcomeUnknown {
                        operation,
                        reason: format!("the server answered HTTP {}", answer.status),
                        status: Some(answer.status),
                        body: Some(ErrorBody::new(answer.body)),
                        source: None,
                    };
                    self.log_call(attempts, Some(answer.status), "outcome_unknown");
                    return Err(error);
                }
                self.log_call(attempts, Some(answer.status), "answered");
                // An operation that answers a redirect answers where it points (never followed).
                let location = self
                    .redirect
                    .filter(|_| answer.status.is_redirection())
                    .zip(answer.headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()))
                    .map(|(field, location)| serde_json::json!({ field: location }).to_string());
                if let Some(located) = location {
                    answer.body = Bytes::from(located);
                    answer.envelope = None;
                    answer.located = true;
                }
                Ok(answer)
            }
            // A send that was answered went out: whatever the answer said is unread, so its
            // outcome is unknown, never a plain failure that invites sending again.
            Err(Failure::TooLarge { status, limit }) if !self.idempotent => {
                let error = Error::OutcomeUnknown {
                    operation,
                    reason: format!("the answer (HTTP {status}) was larger than the limit of {limit} bytes"),
                    status: Some(status),
                    body: None,
                    source: None,
                };
                self.fail(error, attempts)
            }
            Err(Failure::TooLarge { status, limit }) => {
                self.fail(Error::TooLarge { operation, status, limit }, attempts)
            }
            Err(Failure::Deadline) if self.idempotent => {
                self.fail(Error::Deadline { operation, deadline: self.deadline }, attempts)
            }
            Err(Failure::Deadline) => {
                let error = Error::OutcomeUnknown {
                    operation,
                    reason: format!(
                        "the call's deadline of {:?} passed after the request was sent",
                        self.deadline
                    ),
                    status: None,
                    body: None,
                    source: None,
                };
                self.fail(error, attempts)
            }
            Err(Failure::Http(error)) => {
                if !self.idempotent && !never_sent(&error) {
                    let source = error.without_url();
                    let reason = if source.is_timeout() {
                        "timed out after the request was sent".to_string()
                    } else {
                        format!("the connection failed after the request was sent ({source})")
                    };
                    let error = Error::OutcomeUnknown {
                        operation,
                        reason,
                        status: None,
                        body: None,
                        source: Some(source),
                    };
                    return self.fail(error, attempts);
                }
                let kind = if error.is_timeout() { "timeout" } else { "transport" };
                self.log_call(attempts, None, kind);
                Err(Error::from_reqwest(error))
            }
        }
    }
}

/// A copy of a request to send, when its body can be copied. A request without a body is
/// copied by its parts (method, URL, headers, version): it carries no extension (the timeout
/// is set on what is sent), and `try_clone` would make an empty extension map for it.
fn copy_of(request: &reqwest::Request) -> Option<reqwest::Request> {
    debug_assert!(request.timeout().is_none(), "the request kept for retries carries no timeout");
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    Some(copy)
}

/// Sends one request and reads its body, never more than `limit` bytes: an answer whose
/// `Content-Length` says more fails before any of its body is read, one that turns out longer
/// fails as soon as it passes the limit.
// Given the request already handed to reqwest (`sending`): the request is not kept in this
// future, only reqwest's small one.
async fn attempt(
    sending: impl Future<Output = reqwest::Result<reqwest::Response>>,
    limit: u64,
) -> Result<Answer, Failure> {
    let mut response = sending.await.map_err(Failure::Http)?;
    let declared = response.content_length();
    // The headers are moved out, not copied: the body is read from the response without them.
    let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
    if declared.is_some_and(|length| length > limit) {
        return Err(Failure::TooLarge { status, limit });
    }
    // Room for what was announced (never more than the limit), else a small start.
    let capacity = declared.unwrap_or(8 * 1024).min(limit).min(1024 * 1024) as usize;
    // Copied, even when it comes in one chunk: a chunk is a slice of the connection's read
    // buffer (8 KiB to 400 KiB), which an answer kept by its caller would keep whole.
    let mut body = BytesMut::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(Failure::Http)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(Failure::TooLarge { status, limit });
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let found = scan::scan(&body);
    if !scan::decodes_within(&found, limit) {
        return Err(Failure::TooLarge { status, limit });
    }
    let envelope = Envelope::of(found.envelope);
    Ok(Answer { status, headers, body, envelope, located: false })
}

/// Sends a built request and decodes its answer into `T`; every error passes through the
/// client's redaction step. The answer's bytes are decoded once, straight into `T`.
// Not an `async fn` (nor `run_raw`): the call's future is `answered`'s, not one more around it.
pub(crate) fn run<'a, T: serde::de::DeserializeOwned + 'a>(
    state: &'a ClientState,
    http: &'a reqwest::Client,
    request: Result<Request, Error>,
    options: CallOptions,
) -> impl Future<Output = Result<Response<T>, Error>> + 'a {
    answered(state, http, request, options, typed_answer)
}

/// Sends a built request in the JSON door: the answer is checked (no error in its status or
/// envelope, one JSON text) and handed over as the bytes that came.
pub(crate) fn run_raw<'a>(
    state: &'a ClientState,
    http: &'a reqwest::Client,
    request: Result<Request, Error>,
    options: CallOptions,
) -> impl Future<Output = Result<Response<Json>, Error>> + 'a {
    let read = if options.defer_json_check { unchecked_answer } else { raw_answer };
    answered(state, http, request, options, read)
}

/// Sends a built request (or answers why none was built) and reads its answer with `read`.
// The request is used where it is, in the future's arguments: moved out of them, it would be
// held twice (an `async fn` keeps its arguments' room for its whole life).
async fn answered<U>(
    state: &ClientState,
    http: &reqwest::Client,
    mut built: Result<Request, Error>,
    options: CallOptions,
    read: fn(Answer) -> Result<Response<U>, Error>,
) -> Result<Response<U>, Error> {
    let Request { request, operation, page } = match built {
        Ok(ref mut request) => request,
        Err(error) => return Err(error),
    };
    let outcome = execute(state, http, request, operation, options, page.clone()).await.and_then(read);
    match outcome {
        Ok(response) => Ok(response.redacted(state.secrets())),
        Err(error) => Err(error.on_page(page_in(request, page)).redacted(state.secrets())),
    }
}

/// The typed reading of an answer: its body decoded into `T`.
fn typed_answer<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<Response<T>, Error> {
    read_answer(answer, |body| serde_json::from_slice(body))
}

/// A successful answer's body read with `decode`; the error its envelope or status tells
/// otherwise.
fn read_answer<U>(
    answer: Answer,
    decode: impl FnOnce(&Bytes) -> Result<U, serde_json::Error>,
) -> Result<Response<U>, Error> {
    if let Some(error) = api_failure(&answer) {
        return Err(error);
    }
    if !answer.status.is_success() && !answer.located {
        return Err(Error::Status { status: answer.status, body: ErrorBody::new(answer.body) });
    }
    let value = decode(&answer.body).map_err(|source| Error::Decode {
        status: answer.status,
        body: ErrorBody::new(answer.body.clone()),
        source,
    })?;
    let warning = answer.envelope.as_ref().and_then(Envelope::warning);
    Ok(Response::new(value, answer.status, answer.headers, answer.body, warning))
}

/// The JSON door's reading of an answer: its bytes, checked to be one JSON text.
fn raw_answer(answer: Answer) -> Result<Response<Json>, Error> {
    read_answer(answer, |body| Json::from_bytes(body.clone()))
}

/// The JSON door's reading of an answer whose check its reader makes
/// ([`CallOptions::defer_json_check`]).
fn unchecked_answer(answer: Answer) -> Result<Response<Json>, Error> {
    read_answer(answer, |body| Ok(Json::checked_elsewhere(body.clone())))
}

/// `success: false` in an object body, whatever the status; or an error status with an error
/// object.
fn api_failure(answer: &Answer) -> Option<Error> {
    let envelope = answer.envelope.as_ref()?;
    let failed = envelope.success == Some(false)
        || (!answer.status.is_success() && (envelope.code.is_some() || envelope.message.is_some()));
    failed.then(|| Error::Api {
        status: answer.status,
        page: None,
        error_code: envelope.code,
        message: envelope.message.clone(),
        body: ErrorBody::new(answer.body.clone()),
    })
}

/// An error of the generated code when its `exec` hook made no request.
fn map_error<E>(error: progenitor_client::Error<E>) -> Error {
    use progenitor_client::Error as P;
    match error {
        // The builders check every setter's value and every required input, so what progenitor
        // still refuses is the body its builder makes (`body_map`).
        P::InvalidRequest(message) => Error::InvalidRequest { field: Some("body".into()), message },
        // No hook raises it (the `exec` hook's outcome is read from `BUILT`; `pre` and `post`
        // are progenitor's own, which pass): kept so that every error has its meaning.
        P::Custom(message) => Error::InvalidRequest { field: None, message },
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => Error::from_reqwest(e),
        P::InvalidResponsePayload(body, source) => {
            Error::Decode { status: StatusCode::OK, body: ErrorBody::new(body), source }
        }
        P::ErrorResponse(_) | P::UnexpectedResponse(_) => {
            Error::InvalidRequest { field: None, message: "the generated code made no request".into() }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::redact::Secrets;

    const TOKEN: &str = "tok-SECRET-123";

    fn answer(status: u16, body: Vec<u8>) -> Answer {
        let envelope = Envelope::of(scan::scan(&body).envelope);
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from(body),
            envelope,
            located: false,
        }
    }

    /// Bodies a server may send: JSON objects with the envelope's fields in any type, echoes
    /// of the token, and arbitrary bytes.
    fn bodies() -> impl Strategy<Value = Vec<u8>> {
        let scalar = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)),
            ".{0,20}".prop_map(serde_json::Value::from),
            Just(serde_json::Value::from(TOKEN)),
        ];
        let envelope = (scalar.clone(), scalar.clone(), scalar.clone(), proptest::collection::vec(scalar, 0..3))
            .prop_map(|(success, code, message, errors)| {
                serde_json::json!({ "success": success, "error_code": code, "message": message, "errors": errors })
                    .to_string()
                    .into_bytes()
            });
        prop_oneof![
            envelope,
            proptest::collection::vec(any::<u8>(), 0..64),
            ".{0,40}".prop_map(String::into_bytes)
        ]
    }

    /// A client of a closed port: nothing is sent by these tests.
    fn offline() -> crate::Pancake {
        crate::Pancake::builder()
            .page_access_token(TOKEN)
            .base_url("http://127.0.0.1:9")
            .rate_limit(None)
            .build()
            .unwrap()
    }

    /// What progenitor's generated `send` does: makes the request and hands it to the `exec`
    /// hook (and would read the answer, were there one).
    async fn generated(
        state: &ClientState,
        url: &str,
    ) -> Result<ResponseValue<()>, progenitor_client::Error<()>> {
        let request = reqwest::Request::new(Method::GET, reqwest::Url::parse(url).unwrap());
        let answer = take(state, request).await;
        Err(progenitor_client::Error::Custom(format!("the hook answered {answer:?}")))
    }

    fn list_tags() -> &'static Operation {
        crate::pancake::API.operation("list_tags").unwrap()
    }

    /// `list_tags` built as the generated code builds it, to `url`.
    fn built(client: &crate::Pancake, url: &str) -> Result<Request, Error> {
        let generated = std::pin::pin!(generated(client.state(), url));
        build(client.state(), list_tags(), Check::new(&[]), generated)
    }

    /// The request the hook checked and authorized is the one built: the credential added,
    /// its page read, and nothing left in the cells.
    #[test]
    fn a_build_takes_the_request_its_hook_prepared() {
        let client = offline();
        let built = built(&client, "http://127.0.0.1:9/api/public_api/v1/pages/105/tags").unwrap();
        assert_eq!(built.operation.id, "list_tags");
        assert_eq!(page_in(&built.request, &built.page), Some("105"));
        assert_eq!(built.request.url().path(), "/api/public_api/v1/pages/105/tags");
        assert_eq!(built.request.url().query(), Some(format!("access_token={TOKEN}").as_str()));
        assert!(INPUTS.take().is_none() && BUILT.take().is_none());
    }

    /// Each attempt sends a copy of the request, which stays (errors read its page from it);
    /// one whose body cannot be copied is sent once, even where a retry would follow, and
    /// leaves its method and URL.
    #[tokio::test]
    async fn attempts_send_copies_and_a_body_that_cannot_be_copied_goes_once() {
        let client = offline();
        let state = client.state();
        let http = state.transport().connections().unwrap();
        let url = "http://127.0.0.1:9/api/public_api/v1/pages/105/tags";
        let request = |body: reqwest::Body| {
            let mut request = reqwest::Request::new(Method::GET, reqwest::Url::parse(url).unwrap());
            *request.body_mut() = Some(body);
            request
        };
        let page = crate::rate_limit::page_span("/api/public_api/v1/pages/105/tags");
        // A refused connection was never sent: retried, with no wait between attempts.
        let retries =
            crate::retry::RetryPolicy::default().with_max_retries(2).with_base_delay(Duration::ZERO);
        let options = CallOptions::new().retry(retries);

        let mut copied = request(reqwest::Body::from("{}"));
        let error =
            execute(state, &http, &mut copied, list_tags(), options, page.clone()).await.err().unwrap();
        assert!(matches!(error, Error::Transport { .. }), "{error:?}");
        assert!(copied.body().is_some_and(|body| body.as_bytes() == Some(b"{}")), "the request stays whole");

        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{}"))]);
        let mut streamed = request(reqwest::Body::wrap_stream(chunks));
        let error =
            execute(state, &http, &mut streamed, list_tags(), options, page.clone()).await.err().unwrap();
        assert!(matches!(error, Error::Transport { .. }), "{error:?}");
        assert!(streamed.body().is_none(), "the body went with the only attempt");
        assert_eq!(streamed.url().as_str(), url);
        assert_eq!(page_in(&streamed, &page), Some("105"));
    }

    /// The hook's refusal is the build's error, naming the field.
    #[test]
    fn a_build_refused_by_its_hook_names_the_field() {
        let client = offline();
        let url = "http://127.0.0.1:9/api/public_api/v1/pages/105/x/tags";
        let error = built(&client, url).err().expect("refused");
        assert_eq!(error.field(), Some("page_id"), "{error:?}");
    }

    /// When the hook does not run (the generated code failed before it, or did not finish), the
    /// build fails, and never hands over a request left from another build.
    #[test]
    fn a_build_whose_hook_did_not_run_fails_and_takes_nothing_stale() {
        let client = offline();
        let stale = built(&client, "http://127.0.0.1:9/api/public_api/v1/pages/105/tags").unwrap();
        // As if a build had unwound after its hook ran.
        BUILT.set(Some(Ok(stale)));
        let early = std::pin::pin!(async {
            Err::<ResponseValue<()>, _>(progenitor_client::Error::<()>::InvalidRequest("no body".into()))
        });
        let error = build(client.state(), list_tags(), Check::new(&[]), early).err().expect("refused");
        assert_eq!(error.field(), Some("body"), "{error:?}");
        let pending =
            std::pin::pin!(std::future::pending::<Result<ResponseValue<()>, progenitor_client::Error<()>>>());
        let error = build(client.state(), list_tags(), Check::new(&[]), pending).err().expect("refused");
        assert!(error.to_string().contains("made no request"), "{error}");
        assert!(INPUTS.take().is_none() && BUILT.take().is_none());
    }

    /// Outside a build, the hook takes nothing and answers at once with an answer that is no
    /// success (so the generated code fails instead of waiting): nothing is sent.
    #[test]
    fn the_hook_outside_a_build_takes_nothing() {
        let client = offline();
        let url = reqwest::Url::parse("http://127.0.0.1:9/api/public_api/v1/pages/105/tags").unwrap();
        let answered = std::pin::pin!(take(client.state(), reqwest::Request::new(Method::GET, url)));
        match answered.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(answer)) => assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR),
            other => panic!("answered {other:?}"),
        }
        assert!(BUILT.take().is_none());
    }

    /// In a build, the hook takes the request it is handed and its future waits: the generated
    /// code goes no further (it would read an answer next).
    #[test]
    fn the_hook_in_a_build_takes_the_request_and_waits() {
        let client = offline();
        let url = reqwest::Url::parse("http://127.0.0.1:9/api/public_api/v1/pages/105/tags").unwrap();
        INPUTS.set(Some(Inputs { operation: list_tags(), body: None, upload: None }));
        let answered = std::pin::pin!(take(client.state(), reqwest::Request::new(Method::GET, url)));
        assert!(answered.poll(&mut Context::from_waker(Waker::noop())).is_pending());
        let built = BUILT.take().expect("the hook made its request").expect("a valid request");
        assert_eq!(page_in(&built.request, &built.page), Some("105"));
        assert!(INPUTS.take().is_none(), "the hook took its inputs");
    }

    /// A build that unwinds before its hook ran leaves no inputs behind: a hook run after it,
    /// outside a build, answers at once instead of taking them and waiting.
    #[test]
    fn a_build_that_unwinds_leaves_no_inputs() {
        let client = offline();
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let panics = std::pin::pin!(async {
                panic!("the generated code panicked");
                #[allow(unreachable_code)]
                Err::<ResponseValue<()>, progenitor_client::Error<()>>(progenitor_client::Error::Custom(
                    String::new(),
                ))
            });
            build(client.state(), list_tags(), Check::new(&[]), panics)
        }));
        assert!(unwound.is_err(), "the build unwound");
        assert!(INPUTS.take().is_none(), "no inputs were left");
    }

    /// The copy kept for a retry is the request: method, URL, headers, version and body.
    #[test]
    fn a_copy_for_a_retry_is_the_request() {
        let url = reqwest::Url::parse("http://127.0.0.1:9/pages/1/tags?access_token=t").unwrap();
        for body in [None, Some(&b"{\"x\":1}"[..])] {
            let mut request = reqwest::Request::new(Method::POST, url.clone());
            request.headers_mut().insert("accept", HeaderValue::from_static("application/json"));
            *request.version_mut() = reqwest::Version::HTTP_11;
            *request.body_mut() = body.map(|b| reqwest::Body::from(b.to_vec()));
            let copy = copy_of(&request).expect("a body of bytes can be copied");
            assert_eq!(copy.method(), request.method());
            assert_eq!(copy.url(), request.url());
            assert_eq!(copy.headers(), request.headers());
            assert_eq!(copy.version(), request.version());
            assert_eq!(copy.body().and_then(reqwest::Body::as_bytes), body);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Whatever the status and body, classifying an answer never panics, a failure keeps
        /// the raw body, and once redacted no rendering shows the token.
        #[test]
        fn any_answer_is_classified_and_redacted(status in 200u16..600, body in bodies()) {
            let secrets = Secrets::new([TOKEN]);
            let raw = body.clone();
            // Typed readings that fit no body (a struct) and any body (a `Value`).
            #[derive(serde::Deserialize)]
            struct Strict {
                #[allow(dead_code)]
                never_sent: u8,
            }
            let errors = [
                api_failure(&answer(status, body.clone())),
                typed_answer::<Strict>(answer(status, body.clone())).err(),
                typed_answer::<serde_json::Value>(answer(status, body.clone())).err(),
                raw_answer(answer(status, body)).err(),
            ];
            for error in errors.into_iter().flatten() {
                let error = error.redacted(&secrets);
                if let Some(kept) = error.body() {
                    prop_assert_eq!(&kept[..], &raw[..]);
                }
                let shown = format!("{error}\n{error:?}");
                prop_assert!(!shown.contains(TOKEN), "{}", shown);
            }
        }

        /// An envelope is read from a body that opens an object, never from anything else.
        #[test]
        fn an_envelope_needs_an_object(body in bodies()) {
            let read = scan::scan(&body).envelope;
            let opens_object = body.trim_ascii_start().first() == Some(&b'{');
            prop_assert!(read.is_none() || opens_object);
        }

        /// The JSON door hands over a success's bytes exactly as they came, or fails without
        /// losing them; it never answers a success for an API error.
        #[test]
        fn the_json_door_keeps_the_bytes(status in 200u16..600, body in bodies()) {
            let raw = body.clone();
            match raw_answer(answer(status, body)) {
                Ok(response) => {
                    prop_assert!(status < 300);
                    prop_assert_eq!(response.as_bytes(), &raw[..]);
                    prop_assert!(serde_json::from_slice::<serde_json::Value>(&raw).is_ok());
                }
                Err(error) => prop_assert_eq!(error.body().map(|b| b.to_vec()).unwrap_or_else(|| raw.clone()), raw),
            }
        }
    }
}
