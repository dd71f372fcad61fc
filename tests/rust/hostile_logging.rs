//! Each call is logged (`tracing`, target `pancake_sdk`) with its operation, method, route
//! template, attempts, status and duration, and never an id, a query or a token. Alone in its
//! binary: a scoped subscriber shares tracing's global callsite cache with any test running
//! beside it.

use pancake_e2e::{PAGE_ID, env};
use pancake_sandbox::FaultRule;

/// A writer that keeps what the log subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_call_is_logged_without_ids_queries_or_tokens() {
    let env = env();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    env.sandbox.inject(FaultRule::next("status=503")).unwrap();
    env.pancake.list_tags().page_id(PAGE_ID).send().await.unwrap();
    env.pancake.list_pages().send().await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "operation=\"list_tags\"",
        "method=GET",
        "route=\"/api/public_api/v1/pages/{page_id}/tags\"",
        "attempt=1",
        "attempt=2",
        "status=503",
        "status=200",
        "attempts=2",
        "duration_ms=",
        "route=\"/api/v1/pages\"",
    ] {
        assert!(log.contains(expected), "no {expected} in the log:\n{log}");
    }
    for secret in [PAGE_ID, env.sandbox.page_token(), env.sandbox.user_token(), "access_token", "?"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}
