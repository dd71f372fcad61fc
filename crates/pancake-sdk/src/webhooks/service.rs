//! The receiver as a tower `Service`, to mount in axum (`Router::route_service`) or serve
//! with hyper.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Buf;
use http_body_util::BodyExt;

use super::{Receiver, Verdict, WebhookError};

/// How long a delivery's body may take to arrive.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A body over the limit is still read (and dropped) up to this many bytes, so that the client
/// reads the 413 instead of a reset connection.
const DRAIN: usize = 8 << 20;

impl<B> tower_service::Service<http::Request<B>> for Receiver
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let receiver = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let answer = match receiver.check(parts.method.as_str(), parts.uri.path()) {
                Some(answer) => answer,
                None => {
                    let limit = receiver.max_body();
                    let read = tokio::time::timeout(BODY_TIMEOUT, read(body, limit)).await;
                    let verdict = match read {
                        Ok(Ok(body)) => receiver.accept(&body),
                        Ok(Err(error)) => Verdict::Invalid(error),
                        Err(_) => Verdict::Invalid(WebhookError::Incomplete(format!(
                            "not sent within {} s",
                            BODY_TIMEOUT.as_secs()
                        ))),
                    };
                    receiver.answer(verdict)
                }
            };
            let mut response = http::Response::new(answer.body);
            *response.status_mut() =
                http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            Ok(response)
        })
    }
}

/// Reads a body of at most `limit` bytes; a larger one is read on (and dropped) up to
/// [`DRAIN`] bytes before it is refused.
async fn read<B>(body: B, limit: usize) -> Result<Vec<u8>, WebhookError>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut body = std::pin::pin!(body);
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| WebhookError::Incomplete("the connection was cut".into()))?;
        let Ok(mut data) = frame.into_data() else { continue };
        seen = seen.saturating_add(data.remaining());
        if seen > limit {
            if seen > DRAIN {
                break;
            }
            continue;
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            kept.extend_from_slice(chunk);
            let n = chunk.len();
            data.advance(n);
        }
    }
    if seen > limit { Err(WebhookError::TooLarge { limit }) } else { Ok(kept) }
}
