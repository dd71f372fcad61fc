//! What the client makes of each way the APIs fail, for a read and for a send, with the
//! sandbox's journal as proof that no send is ever made twice.

use std::time::{Duration, Instant};

use pancake_e2e::{PAGE_ID, env};
use pancake_sandbox::{Config, FaultRule, Sandbox};
use pancake_sdk::pancake::types::SendMessageRequest;
use pancake_sdk::rate_limit::RateLimit;
use pancake_sdk::retry::RetryPolicy;
use pancake_sdk::{ApiErrorKind, CallOptions, Error, Pancake};
use reqwest::StatusCode;

const INBOX: &str = "105000000000001_6100000000010003";
const KNOWN_CODES: [(i64, ApiErrorKind); 8] = [
    (100, ApiErrorKind::InvalidToken),
    (102, ApiErrorKind::MissingToken),
    (103, ApiErrorKind::SessionExpired),
    (105, ApiErrorKind::TokenRenewedOrNoPermission),
    (121, ApiErrorKind::SubscriptionProblem),
    (122, ApiErrorKind::SubscriptionExpired),
    (10, ApiErrorKind::OutsideMessagingWindow),
    (551, ApiErrorKind::OutsideMessagingWindow),
];

/// Fast retries, a short timeout, and no pacing, so that the matrix runs quickly.
fn client(sandbox: &Sandbox) -> Pancake {
    Pancake::builder()
        .page_access_token(sandbox.page_token())
        .user_access_token(sandbox.user_token())
        .base_url(sandbox.url())
        .timeout(Duration::from_millis(400))
        .retry(
            RetryPolicy::default()
                .with_max_retries(3)
                .with_base_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_secs(2)),
        )
        .deadline(Duration::from_secs(10))
        .rate_limit(None)
        .build()
        .unwrap()
}

/// What one call under one fault gave: the result, how many requests the sandbox saw, and how
/// many sends it journaled.
struct Outcome<T> {
    result: Result<pancake_sdk::Response<T>, Error>,
    requests: usize,
    journaled: usize,
    elapsed: Duration,
}

async fn read_under(fault: &str, times: u32) -> Outcome<pancake_sdk::pancake::types::TagsResponse> {
    let env = env();
    env.sandbox.inject(FaultRule::next(fault).for_operation("list_tags").times(times)).unwrap();
    let started = Instant::now();
    let result = client(&env.sandbox).list_tags().page_id(PAGE_ID).send().await;
    let elapsed = started.elapsed();
    Outcome {
        result,
        requests: env.sandbox.requests().len(),
        journaled: env.sandbox.journal().len(),
        elapsed,
    }
}

async fn send_under(fault: &str) -> Outcome<pancake_sdk::pancake::types::SendMessageResponse> {
    let env = env();
    env.sandbox.inject(FaultRule::next(fault).for_operation("send_message").times(10)).unwrap();
    let started = Instant::now();
    let result = client(&env.sandbox)
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id(INBOX)
        .body(SendMessageRequest::inbox_text("Dạ shop còn hàng ạ"))
        .send()
        .await;
    let elapsed = started.elapsed();
    Outcome {
        result,
        requests: env.sandbox.requests().len(),
        journaled: env.sandbox.journal().len(),
        elapsed,
    }
}

#[tokio::test]
async fn reads_are_retried_through_transient_faults() {
    for fault in [
        "latency=2000",
        "status=500",
        "html-502",
        "status=503",
        "status=504",
        "status=408",
        "rate-limit",
        "truncated",
        "drop",
    ] {
        let outcome = read_under(fault, 1).await;
        let answer =
            outcome.result.unwrap_or_else(|e| panic!("{fault}: the retry should have succeeded: {e:?}"));
        assert_eq!(answer.tags.len(), 6, "{fault}");
        assert_eq!(outcome.requests, 2, "{fault}: one failed attempt, one retry");
    }
}

#[tokio::test]
async fn a_read_honours_retry_after() {
    let outcome = read_under("rate-limit=1", 1).await;
    assert!(outcome.result.is_ok());
    assert_eq!(outcome.requests, 2);
    assert!(outcome.elapsed >= Duration::from_millis(950), "waited only {:?}", outcome.elapsed);
}

#[tokio::test]
async fn a_read_gives_up_after_max_retries_with_the_last_error() {
    let outcome = read_under("status=503", 10).await;
    let error = outcome.result.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(outcome.requests, 4, "the first attempt and 3 retries");
}

#[tokio::test]
async fn reads_are_not_retried_on_definite_answers() {
    let outcome = read_under("malformed-json", 1).await;
    assert!(matches!(outcome.result, Err(Error::Decode { .. })), "{:?}", outcome.result.err());
    assert_eq!(outcome.requests, 1);

    for (code, kind) in KNOWN_CODES {
        let outcome = read_under(&format!("api-error={code}"), 1).await;
        let error = outcome.result.unwrap_err();
        assert_eq!(error.api_error_kind(), Some(kind), "{code}");
        assert_eq!(error.error_code(), Some(code));
        assert_eq!(outcome.requests, 1, "{code}: an API error is not retried");
    }
    let outcome = read_under("api-error=4242@400", 1).await;
    assert_eq!(outcome.result.unwrap_err().api_error_kind(), Some(ApiErrorKind::Other(4242)));
}

#[tokio::test]
async fn a_warning_comes_with_the_success() {
    let outcome = read_under("warning=121", 1).await;
    let answer = outcome.result.unwrap();
    let warning = answer.warning().expect("a warning");
    assert_eq!((warning.error_code, warning.kind()), (121, ApiErrorKind::SubscriptionProblem));
    assert_eq!(answer.tags.len(), 6);
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_is_never_repeated() {
    for fault in ["latency=2000", "status=500", "html-502", "status=503", "truncated", "drop"] {
        let outcome = send_under(fault).await;
        let error = outcome.result.unwrap_err();
        assert!(error.is_outcome_unknown(), "{fault}: {error:?}");
        assert!(error.to_string().contains("may have been delivered"), "{fault}: {error}");
        assert_eq!(outcome.requests, 1, "{fault}: a send is never retried after it left");
        assert_eq!(outcome.journaled, 1, "{fault}: the message went out exactly once");
    }
}

#[tokio::test]
async fn a_refused_send_is_a_definite_error_and_sent_nothing() {
    for fault in ["rate-limit", "rate-limit=1", "status=400", "status=403"] {
        let outcome = send_under(fault).await;
        let error = outcome.result.unwrap_err();
        assert!(!error.is_outcome_unknown(), "{fault}: {error:?}");
        assert!(error.status().is_some_and(|s| s.is_client_error()), "{fault}: {error:?}");
        assert_eq!((outcome.requests, outcome.journaled), (1, 0), "{fault}");
    }
    for (code, kind) in KNOWN_CODES {
        let outcome = send_under(&format!("api-error={code}")).await;
        assert_eq!(outcome.result.unwrap_err().api_error_kind(), Some(kind), "{code}");
        assert_eq!((outcome.requests, outcome.journaled), (1, 0), "{code}");
    }
}

#[tokio::test]
async fn a_send_that_went_out_reports_what_it_can() {
    let outcome = send_under("warning=121").await;
    let answer = outcome.result.unwrap();
    assert_eq!(answer.success, Some(true));
    assert_eq!(answer.warning().map(|w| w.kind()), Some(ApiErrorKind::SubscriptionProblem));
    assert_eq!(outcome.journaled, 1);

    let outcome = send_under("malformed-json").await;
    assert!(matches!(outcome.result, Err(Error::Decode { status: StatusCode::OK, .. })));
    assert_eq!((outcome.requests, outcome.journaled), (1, 1));
}

#[tokio::test]
async fn a_send_that_never_connected_is_retried_until_the_server_is_up() {
    // A port with nothing behind it yet: the connection is refused, so the send provably never
    // left, and the client may try again.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        Sandbox::start(Config { port, ..Config::fixed() }).unwrap()
    });
    let client = Pancake::builder()
        .user_access_token(pancake_sandbox::DEFAULT_USER_TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(
            RetryPolicy::default()
                .with_max_retries(8)
                .with_base_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    let body = serde_json::json!({ "action": "reply_inbox", "message": "Dạ" });
    let result = client
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id(INBOX)
        .body(serde_json::from_value::<SendMessageRequest>(body).unwrap())
        .send()
        .await;
    let sandbox = starter.join().unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sandbox.journal().len(), 1);
}

#[tokio::test]
async fn the_deadline_stops_retries() {
    let env = env();
    env.sandbox.inject(FaultRule::next("status=503").times(10)).unwrap();
    let policy = RetryPolicy::default()
        .with_max_retries(5)
        .with_base_delay(Duration::from_millis(400))
        .with_max_delay(Duration::from_secs(1));
    let options = CallOptions::new().retry(policy).deadline(Duration::from_millis(150));
    let error = env.pancake.list_tags().page_id(PAGE_ID).send_with(options).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(env.sandbox.requests().len(), 1, "the first retry would have passed the deadline");
}

#[tokio::test]
async fn a_call_can_have_its_own_timeout() {
    let env = env();
    env.sandbox.inject(FaultRule::next("latency=1500")).unwrap();
    let options = CallOptions::new().timeout(Duration::from_millis(200)).retry(RetryPolicy::none());
    let error = env.pancake.list_tags().page_id(PAGE_ID).send_with(options).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

/// Twelve calls at once on one page, against a sandbox that enforces 5 per page per second.
async fn burst(limit: Option<RateLimit>) -> Vec<Result<(), Error>> {
    let sandbox = Sandbox::start(Config { rate_limit: Some(5), ..Config::fixed() }).unwrap();
    let client = Pancake::builder()
        .page_access_token(sandbox.page_token())
        .base_url(sandbox.url())
        .rate_limit(limit)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let calls = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.list_tags().page_id(PAGE_ID).send().await.map(|_| ()) })
    });
    let mut results = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        results.push(call.await.unwrap());
    }
    results
}

#[tokio::test]
async fn pacing_keeps_a_burst_under_the_rate_limit() {
    let paced = burst(Some(RateLimit::PANCAKE)).await;
    assert!(paced.iter().all(Result::is_ok), "paced calls met a 429: {paced:?}");

    let unpaced = burst(None).await;
    let limited =
        unpaced.iter().filter(|r| matches!(r, Err(e) if e.status() == Some(StatusCode::TOO_MANY_REQUESTS)));
    assert!(limited.count() > 0, "without pacing the sandbox should have refused some calls");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_ends_the_retries() {
    let outcome = read_under("rate-limit=30", 1).await;
    assert_eq!(outcome.result.unwrap_err().status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(outcome.requests, 1, "waiting 30 s is past the 2 s cap: the 429 is returned at once");
}

#[tokio::test]
async fn redirects_are_never_followed() {
    // A read gets the redirect as an error (following it would carry the query token along).
    let outcome = read_under("redirect=301", 1).await;
    assert_eq!(outcome.result.unwrap_err().status(), Some(StatusCode::MOVED_PERMANENTLY));
    assert_eq!(outcome.requests, 1);
    // A send answered with a redirect may have been carried out: outcome unknown, sent once.
    for fault in ["redirect=303", "redirect=307"] {
        let outcome = send_under(fault).await;
        let error = outcome.result.unwrap_err();
        assert!(error.is_outcome_unknown(), "{fault}: {error:?}");
        assert_eq!((outcome.requests, outcome.journaled), (1, 1), "{fault}");
    }
}
