//! What the Rust client does around the generated code: credentials, errors, raw bodies.

use std::time::Duration;

use pancake_e2e::{PAGE_ID, env};
use pancake_sandbox::FaultRule;
use pancake_sdk::auth::TokenKind;
use pancake_sdk::retry::RetryPolicy;
use pancake_sdk::{Botcake, Error, Pancake};
use reqwest::StatusCode;

const SECRET: &str = "tok-SECRET-5f1e";

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "a token leaked into: {text}");
}

#[tokio::test]
async fn tokens_never_appear_in_debug_output_or_errors() {
    let env = env();
    let builder =
        Pancake::builder().page_access_token(SECRET).user_access_token(SECRET).base_url(env.sandbox.url());
    assert_no_secret(&format!("{builder:?}"));
    let pancake = builder.build().unwrap();
    assert_no_secret(&format!("{pancake:?}"));
    let botcake =
        Botcake::builder().access_token(SECRET).base_url(env.sandbox.botcake_url()).build().unwrap();
    assert_no_secret(&format!("{botcake:?}"));

    // The sandbox refuses the token: an API error, with no token in it.
    let error = pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(error.error_code(), Some(100));
    assert_no_secret(&format!("{error} {error:?}"));
    let error = botcake.get_flows().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert_no_secret(&format!("{error} {error:?}"));

    // A transport error on a URL that carries the token in its query.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let offline =
        Pancake::builder().page_access_token(SECRET).base_url(format!("http://{closed}")).build().unwrap();
    let error = offline.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_no_secret(&format!("{error} {error:?}"));
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        assert_no_secret(&format!("{cause} {cause:?}"));
        source = cause.source();
    }
}

#[tokio::test]
async fn each_token_goes_only_where_its_route_needs_it() {
    let env = env();
    let page_only = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .base_url(env.sandbox.url())
        .build()
        .unwrap();
    page_only.list_tags().page_id(PAGE_ID).send().await.unwrap();

    let error = page_only.list_pages().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::MissingCredential { operation: "list_pages", token: TokenKind::User, page: None }
        ),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "list_pages needs a user access token, and this client has none");
    assert_eq!(env.sandbox.requests().len(), 1, "nothing was sent without the token");
}

/// The field an input error names.
fn field(error: Error) -> String {
    match error {
        Error::InvalidRequest { field: Some(field), .. } => field,
        other => panic!("expected an input error naming its field, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_inputs_are_refused_before_sending_and_named() {
    let env = env();
    let (bot, pc) = (&env.botcake, &env.pancake);
    let stats = pc.get_user_statistics().page_id(PAGE_ID).date_range("2025-10-01 to 2025-10-31").send().await;
    assert_eq!(field(stats.unwrap_err()), "date_range");
    assert_eq!(field(bot.get_flows().page_id("").send().await.unwrap_err()), "page_id");
    assert_eq!(field(pc.list_tags().send().await.unwrap_err()), "page_id");

    let customers = || pc.list_page_customers().page_id(PAGE_ID).since(0).until(100);
    assert_eq!(field(customers().page_number(0).send().await.unwrap_err()), "page_number");
    let error = customers().page_number(1).page_size(101).send().await.unwrap_err();
    assert_eq!(error.to_string(), "invalid page_size: must be at most 100, got 101");
    let posts = pc.list_posts().page_id(PAGE_ID).since(0).until(100).page_number(1).page_size(31);
    assert_eq!(field(posts.send().await.unwrap_err()), "page_size");
    let backwards = pc.list_page_customers().page_id(PAGE_ID).since(200).until(100).page_number(1);
    assert_eq!(backwards.send().await.unwrap_err().to_string(), "invalid since: 200 is after until (100)");

    let both = serde_json::json!({ "action": "reply_inbox", "message": "hi", "content_url": "https://i.ibb.co/x.png" });
    let send = pc
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id("c")
        .body(serde_json::from_value::<pancake_sdk::pancake::types::SendMessageRequest>(both).unwrap());
    assert_eq!(field(send.send().await.unwrap_err()), "message");
    // A send without its (required) body names it, in the typed call and in the JSON door.
    let missing = pc.send_message().page_id(PAGE_ID).conversation_id("c").send().await.unwrap_err();
    assert_eq!(missing.to_string(), "invalid body: is required, and was not set");
    let args = serde_json::json!({ "page_id": PAGE_ID, "conversation_id": "c" });
    let missing = pc.call_json("send_message", args, pancake_sdk::CallOptions::default()).await.unwrap_err();
    assert_eq!(missing.to_string(), "invalid body: is required, and was not set");
    let no_post = pancake_sdk::pancake::types::SendMessageRequest::private_reply("", "1000149", "hi");
    assert_eq!(field(no_post.unwrap_err()), "post_id");
    let no_post = serde_json::json!({ "action": "private_replies", "message": "hi" });
    assert!(serde_json::from_value::<pancake_sdk::pancake::types::SendMessageRequest>(no_post).is_err());

    let eleven: Vec<_> =
        (0..11).map(|i| serde_json::json!({ "type": "text", "text": i.to_string() })).collect();
    let content = serde_json::json!({ "version": "v2", "content": { "messages": eleven } });
    let block: pancake_sdk::botcake::types::DynamicBlock = serde_json::from_value(content).unwrap();
    let send = bot.send_content().page_id(PAGE_ID).body_map(|b| b.psid("6100000000010003").data(block));
    assert_eq!(field(send.send().await.unwrap_err()), "data.content.messages");

    let empty = bot.get_flows_by_path().page_id(PAGE_ID).path(Vec::<i64>::new()).send().await;
    assert_eq!(field(empty.unwrap_err()), "path");
    let image = pancake_sdk::pancake::types::SendMessageRequest::inbox_attachment(
        "",
        pancake_sdk::pancake::types::AttachmentType::Photo,
        "image/png",
        "x.png",
    );
    let send = pc.send_message().page_id(PAGE_ID).conversation_id("c").body(image);
    assert_eq!(field(send.send().await.unwrap_err()), "content_url");
    let no_comment = pancake_sdk::pancake::types::SendMessageRequest::private_reply("p", " ", "hi");
    assert_eq!(field(no_comment.unwrap_err()), "message_id");

    assert!(env.sandbox.requests().is_empty(), "nothing was sent: {:?}", env.sandbox.requests());

    assert_eq!(field(Botcake::builder().access_token("  ").build().unwrap_err()), "access_token");
    assert_eq!(field(Pancake::builder().base_url("ftp://example.com").build().unwrap_err()), "base_url");
    // A base URL is where each operation's path goes after: a query or fragment has no place.
    for base in ["https://pages.fm/api?x=1", "https://pages.fm/api#top"] {
        assert_eq!(field(Pancake::builder().base_url(base).build().unwrap_err()), "base_url", "{base}");
    }
}

#[tokio::test]
async fn fields_the_spec_does_not_know_reach_the_user() {
    let env = env();
    let answer = env
        .pancake
        .list_page_customers()
        .page_id(PAGE_ID)
        .since(0)
        .until(2_000_000_000)
        .page_number(1)
        .send()
        .await
        .unwrap();
    // `loyalty_points` is not in the spec: kept in the typed value's `extra` map...
    assert_eq!(answer.customers[1].extra["loyalty_points"], 1);
    // ...and in the raw JSON, with the nulls the typed value folds into `None`.
    let json = answer.json();
    assert_eq!(json["customers"][0]["birthday"], serde_json::Value::Null);
    assert!(json["customers"][0].as_object().unwrap().contains_key("birthday"));
    assert_eq!(answer.status(), StatusCode::OK);
}

/// The outcome of one call of `list_tags` under a fault, with retries off: the raw JSON of a
/// success. (What retries make of each fault is in `resilience.rs`.)
async fn list_tags_under(fault: &str, timeout: Duration) -> Result<serde_json::Value, Error> {
    let env = env();
    env.sandbox.inject(FaultRule::next(fault)).unwrap();
    let client = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .base_url(env.sandbox.url())
        .timeout(timeout)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let answer = client.list_tags().page_id(PAGE_ID).send().await?;
    Ok(answer.json())
}

const LONG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn each_fault_becomes_the_documented_error() {
    let error = list_tags_under("status=500", LONG).await.unwrap_err();
    match &error {
        Error::Status { status, body } => {
            assert_eq!(*status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(&body.raw()[..], b"\"Server internal error\"");
        }
        other => panic!("{other:?}"),
    }

    let error = list_tags_under("status=503", LONG).await.unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, error_code: None, .. } if *status == StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );
    // An API's error names the page the call addressed (read from the request, after its only
    // attempt).
    assert!(matches!(&error, Error::Api { page: Some(page), .. } if page == PAGE_ID), "{error:?}");

    let error = list_tags_under("html-502", LONG).await.unwrap_err();
    match &error {
        Error::Status { status, body } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(body.text().contains("502 Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }

    let error = list_tags_under("rate-limit=2", LONG).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));

    let error = list_tags_under("malformed-json", LONG).await.unwrap_err();
    assert!(matches!(&error, Error::Decode { status, .. } if *status == StatusCode::OK), "{error:?}");

    let error = list_tags_under("truncated", LONG).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");

    let error = list_tags_under("drop", LONG).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");

    let error = list_tags_under("latency=2000", Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");

    let error = list_tags_under("api-error=122", LONG).await.unwrap_err();
    match &error {
        Error::Api { status, error_code, message, body, page, .. } => {
            assert_eq!(*status, StatusCode::OK, "success:false at HTTP 200 is still an error");
            assert_eq!(page.as_deref(), Some(PAGE_ID));
            assert_eq!(*error_code, Some(122));
            assert_eq!(message.as_deref(), Some("The subscription of this page has expired"));
            assert_eq!(body.json().unwrap()["success"], false);
        }
        other => panic!("{other:?}"),
    }

    let answer = list_tags_under("warning=121", LONG).await.unwrap();
    assert_eq!(answer["success"], true);
    assert_eq!(answer["error_code"], 121);
}

#[tokio::test]
async fn clones_of_a_client_work_from_many_tasks_at_once() {
    let env = env();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = env.pancake.clone();
            tokio::spawn(
                async move { client.list_tags().page_id(PAGE_ID).send().await.map(|r| r.tags.len()) },
            )
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 6);
    }
    assert_eq!(env.sandbox.requests().len(), 8);
}

#[tokio::test]
async fn tokens_stay_out_of_outcome_unknown_and_retried_errors() {
    let sandbox = pancake_sandbox::Sandbox::start(pancake_sandbox::Config {
        page_token: SECRET.into(),
        user_token: SECRET.into(),
        ..pancake_sandbox::Config::fixed()
    })
    .unwrap();
    let client = Pancake::builder()
        .page_access_token(SECRET)
        .user_access_token(SECRET)
        .base_url(sandbox.url())
        .timeout(Duration::from_millis(300))
        .max_retries(1)
        .build()
        .unwrap();
    sandbox.inject(FaultRule::next("drop").for_operation("send_message")).unwrap();
    let body = serde_json::json!({ "action": "reply_inbox", "message": "hi" });
    let error = client
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id("105000000000001_6100000000010003")
        .body(serde_json::from_value::<pancake_sdk::pancake::types::SendMessageRequest>(body).unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    sandbox.inject(FaultRule::next("latency=1000").times(5)).unwrap();
    let timeout = client.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(matches!(timeout, Error::Timeout { .. }), "{timeout:?}");
    for error in [error, timeout] {
        assert_no_secret(&format!("{error} {error:?}"));
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            assert_no_secret(&format!("{cause} {cause:?}"));
            source = cause.source();
        }
    }
}
