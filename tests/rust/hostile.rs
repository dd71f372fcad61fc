//! Hostile inputs and hostile servers: ids that would change the route, answers that are huge,
//! endless or echo the token, servers too slow for the deadline. The process never crashes,
//! no request goes where the caller did not mean it to, memory stays bounded and no rendered
//! text shows a token.

use std::error::Error as _;
use std::time::{Duration, Instant};

use pancake_e2e::{PAGE_ID, env};
use pancake_sandbox::FaultRule;
use pancake_sdk::retry::RetryPolicy;
use pancake_sdk::{CallOptions, Error, Pancake};
use reqwest::StatusCode;
use serde_json::json;

/// Every text an error renders: `Display`, `Debug` and the whole chain of sources.
fn rendered(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("\n{cause}\n{cause:?}"));
        source = cause.source();
    }
    text
}

/// An inbox message to the sandbox page's first customer.
fn send_hi(client: &Pancake) -> pancake_sdk::pancake::builder::SendMessage<'_> {
    client
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id(format!("{PAGE_ID}_6100000000000001"))
        .body(pancake_sdk::pancake::types::SendMessageRequest::inbox_text("hi"))
}

/// Asserts that no token of the sandbox appears in what `error` renders.
fn assert_redacted(error: &Error, tokens: &[&str]) {
    let text = rendered(error);
    for token in tokens {
        assert!(!text.contains(token), "a token leaked in:\n{text}");
    }
}

#[tokio::test]
async fn ids_that_are_not_one_path_segment_are_refused_before_anything_is_sent() {
    let env = env();
    let send = |page: &'static str, conversation: &'static str| {
        let client = env.pancake.clone();
        async move {
            client
                .send_message()
                .page_id(page)
                .conversation_id(conversation)
                .body(pancake_sdk::pancake::types::SendMessageRequest::inbox_text("hi"))
                .send()
                .await
        }
    };
    for (page, conversation, field) in [
        ("..", "..", "page_id"),
        (".", "c1", "page_id"),
        (PAGE_ID, "..", "conversation_id"),
        (PAGE_ID, " ", "conversation_id"),
    ] {
        let error = send(page, conversation).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidRequest { field: Some(f), .. } if f == field),
            "{page:?}/{conversation:?}: {error:?}"
        );
    }
    // The JSON door (the bindings and the CLI) refuses them alike.
    let args = json!({ "page_id": "..", "conversation_id": "..", "body": { "action": "reply_inbox", "message": "hi" } });
    let error = env.pancake.call_json("send_message", args, CallOptions::new()).await.unwrap_err();
    assert!(matches!(&error, Error::InvalidRequest { field: Some(f), .. } if f == "page_id"), "{error:?}");
    assert!(env.sandbox.requests().is_empty(), "nothing may be sent: {:?}", env.sandbox.requests());
}

#[tokio::test]
async fn separators_in_an_id_stay_inside_its_segment() {
    let env = env();
    for id in ["a/b", "..\\..\\x", "%2e%2e", "x?y#z"] {
        let _ = env.pancake.list_tags().page_id(id).send().await;
        let request = env.sandbox.requests().pop().expect("sent");
        let path = request["path"].as_str().unwrap().to_string();
        assert!(path.starts_with("/api/public_api/v1/pages/") && path.ends_with("/tags"), "{id:?}: {path}");
        assert_eq!(path.matches('/').count(), 6, "{id:?} became more than one segment: {path}");
    }
}

#[tokio::test]
async fn a_huge_or_endless_answer_ends_in_the_size_error() {
    let env = env();
    // Announced: refused from its Content-Length, before its body is read.
    env.sandbox.inject(FaultRule::next("huge-body=1073741824")).unwrap();
    let error = env.pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(
        matches!(&error, Error::TooLarge { limit, status, .. } if *limit == pancake_sdk::DEFAULT_MAX_RESPONSE_BYTES && *status == StatusCode::OK),
        "{error:?}"
    );
    // Not announced: refused once the bytes read pass the limit.
    let small = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .base_url(env.sandbox.url())
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    env.sandbox.inject(FaultRule::next("endless-body")).unwrap();
    let error = small.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(matches!(&error, Error::TooLarge { limit: 1_048_576, .. }), "{error:?}");
    // An ordinary answer over a tiny limit.
    let tiny = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .base_url(env.sandbox.url())
        .max_response_bytes(16)
        .build()
        .unwrap();
    let error = tiny.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(matches!(&error, Error::TooLarge { limit: 16, .. }), "{error:?}");
    // A size error is not retried: the server answered.
    let requests = env.sandbox.requests().len();
    assert_eq!(requests, 3, "one request per call");
    // A send answered too large went out: its outcome is unknown, never a plain failure.
    env.sandbox.inject(FaultRule::next("huge-body=1073741824")).unwrap();
    let error = send_hi(&env.pancake).send().await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert!(Pancake::builder().max_response_bytes(0).build().is_err(), "a zero limit is refused");
}

#[tokio::test]
async fn a_call_never_outlives_its_deadline() {
    let env = env();
    let client = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .user_access_token(env.sandbox.user_token())
        .base_url(env.sandbox.url())
        .timeout(Duration::from_millis(800))
        .deadline(Duration::from_millis(1200))
        .retry(RetryPolicy::default().with_max_retries(5).with_base_delay(Duration::from_millis(100)))
        .build()
        .unwrap();
    // Every attempt is slower than the timeout: the second attempt is cut at the deadline.
    env.sandbox.inject(FaultRule::next("latency=3000").times(10)).unwrap();
    let started = Instant::now();
    let error = client.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(error, Error::Timeout { .. } | Error::Deadline { .. }), "{error:?}");
    assert!(took < Duration::from_millis(1200 + 300), "the call took {took:?}");
    assert!(took >= Duration::from_millis(1100), "the call gave up early: {took:?}");

    // A wait asked for by the server that would pass the deadline is not made.
    env.sandbox.reset();
    env.sandbox.inject(FaultRule::next("rate-limit=1").times(10)).unwrap();
    let options = CallOptions::new().deadline(Duration::from_millis(500));
    let started = Instant::now();
    let error = client.list_tags().page_id(PAGE_ID).send_with(options).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert!(started.elapsed() < Duration::from_millis(500 + 300), "{:?}", started.elapsed());

    // A send cut by the deadline may have gone out: outcome unknown, never retried.
    env.sandbox.reset();
    env.sandbox.inject(FaultRule::next("latency=3000").times(10)).unwrap();
    let options = CallOptions::new().deadline(Duration::from_millis(400));
    let started = Instant::now();
    let error = send_hi(&client).send_with(options).await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert!(started.elapsed() < Duration::from_millis(400 + 300), "{:?}", started.elapsed());
    assert_eq!(env.sandbox.requests().len(), 1);
    assert!(Pancake::builder().deadline(Duration::ZERO).build().is_err(), "a zero deadline is refused");
}

#[tokio::test]
async fn a_server_that_echoes_the_token_never_makes_an_error_show_it() {
    let env = env();
    let tokens = [env.sandbox.page_token().to_string(), env.sandbox.user_token().to_string()];
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let client = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .user_access_token(env.sandbox.user_token())
        .base_url(env.sandbox.url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // The page token in a header, the user token in the query; a text page, an API error
    // object, a 200 that does not decode.
    for fault in ["echo=502", "echo-json=401", "echo-json=200", "echo=200", "echo=400"] {
        env.sandbox.inject(FaultRule::next(fault).times(2)).unwrap();
        let by_header = client.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
        let by_query = client.list_pages().send().await.unwrap_err();
        for error in [&by_header, &by_query] {
            assert_redacted(error, &tokens);
            let raw = String::from_utf8_lossy(&error.body().expect("an answer came")).into_owned();
            assert!(tokens.iter().any(|t| raw.contains(t)), "{fault}: the raw body keeps what came: {raw}");
            assert!(rendered(error).contains("[REDACTED]"), "{fault}: {}", rendered(error));
        }
    }
    // A send whose 5xx answer echoes it: outcome unknown, redacted alike.
    env.sandbox.inject(FaultRule::next("echo=502")).unwrap();
    let error = send_hi(&client).send().await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert_redacted(&error, &tokens);
    // An input error that quotes the caller's value.
    let token = env.sandbox.page_token().to_string();
    let args = json!({ "page_id": PAGE_ID, "since": token.clone(), "until": 1 });
    let error = client.call_json("list_conversations", args, CallOptions::new()).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert_redacted(&error, &tokens);
}

#[tokio::test]
async fn bodies_are_sent_as_given() {
    let env = env();
    let args = json!({
        "page_id": PAGE_ID,
        "body": { "psid": "6100000000000001", "data": { "version": "v2", "content": {
            "messages": [{ "type": "text", "text": "hi" }], "quick_replies": [], "actions": []
        } } }
    });
    env.botcake.call_json("send_content", args, CallOptions::new()).await.unwrap();
    let sent = &env.sandbox.requests()[0];
    assert_eq!(sent["body"]["data"]["content"]["quick_replies"], json!([]));
    assert_eq!(sent["body"]["data"]["content"]["actions"], json!([]));
    let without = json!({
        "page_id": PAGE_ID,
        "body": { "psid": "6100000000000001", "data": { "version": "v2", "content": {
            "messages": [{ "type": "text", "text": "hi" }]
        } } }
    });
    env.botcake.call_json("send_content", without, CallOptions::new()).await.unwrap();
    let sent = &env.sandbox.requests()[1];
    let content = sent["body"]["data"]["content"].as_object().unwrap();
    assert!(!content.contains_key("quick_replies") && !content.contains_key("actions"), "{content:?}");

    // A POST without a body says so.
    env.botcake.create_keyword().page_id(PAGE_ID).send().await.unwrap();
    let sent = env.sandbox.requests().pop().unwrap();
    let headers: Vec<&str> =
        sent["headers"].as_array().unwrap().iter().filter_map(|h| h[0].as_str()).collect();
    assert!(headers.contains(&"content-length"), "{headers:?}");
}

/// The SDK's own code (generated files included) holds no call that panics on bad data: no
/// `unwrap`, `expect`, `panic!` or `unreachable!` outside its tests. progenitor's output, kept
/// as progenitor writes it, has two that bad data cannot reach: a `pattern` of the spec (the
/// generator refuses one that does not compile), and its `Client::new`, which the SDK never
/// calls (it builds clients with `new_with_client`, from its own builder).
#[test]
fn the_sdk_has_no_panicking_calls_outside_tests() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/pancake-sdk/src");
    let mut files = vec![source];
    let mut offenders = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let progenitor = text.lines().next().is_some_and(|l| l.contains("by progenitor"));
        // Everything from the first test module on is test code.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default();
            let known =
                line.contains("::regress::Regex::new(\"") || line.contains("client.build().unwrap(), inner)");
            if progenitor && known {
                continue;
            }
            if !progenitor && line.contains("Client::new(") {
                offenders.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
            }
            if [".unwrap()", ".expect(", "expect_err(", "panic!(", "unreachable!(", "todo!("]
                .iter()
                .any(|call| line.contains(call))
            {
                offenders.push(format!("{}:{}: {}", path.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "panicking calls:\n{}", offenders.join("\n"));
}
