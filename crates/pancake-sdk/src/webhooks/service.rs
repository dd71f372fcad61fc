//! The receiver as a tower `Service`, to mount in axum (`Router::route_service`) or serve
//! with hyper.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body_util::BodyExt;

use super::{Receiver, Verdict, WebhookError};

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
            let limit = receiver.max_body();
            let answer = match receiver.check(parts.method.as_str(), parts.uri.path()) {
                Some(answer) => answer,
                None => match http_body_util::Limited::new(body, limit).collect().await {
                    Ok(body) => receiver.answer(receiver.accept(&body.to_bytes())),
                    Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                        receiver.answer(Verdict::Invalid(WebhookError::TooLarge { limit }))
                    }
                    Err(_) => {
                        receiver.answer(Verdict::Invalid(WebhookError::NotJson("the body was cut".into())))
                    }
                },
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
