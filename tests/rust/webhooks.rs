//! Webhooks end to end: the sandbox posts its events (some twice, some out of order) to a
//! receiver served on loopback, which hands each out once, conversation updates in version
//! order; and the receiver against what is not a delivery.

use std::net::SocketAddr;
use std::time::Duration;

use pancake_sandbox::{Config, PAGE_ID, Registration, Sandbox};
use pancake_sdk::webhooks::{Event, Events, Payload, Receiver, Verdict, WebhookError};
use pancake_sdk::{Pancake, pancake};
use serde_json::{Value, json};

const SECRET: &str = "whsec-7f3a9c1e5b2d4f60";
const INBOX: &str = "105000000000001_6100000000010003";

/// Serves `receiver` on a free loopback port until the test ends.
async fn serve(receiver: Receiver) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(pancake_sdk::webhooks::serve(listener, receiver, std::future::pending()));
    addr
}

/// Reads events until none comes for `quiet`.
async fn drain(events: &mut Events, quiet: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(event) = events.next_within(quiet).await {
        out.push(event);
    }
    out
}

/// Waits until the sandbox has made every delivery it queued.
async fn delivered(sandbox: &Sandbox) -> Value {
    for _ in 0..200 {
        let report = sandbox.webhooks();
        if report["queued"].as_u64() > Some(0) && report["queued"] == report["delivered"] {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the sandbox did not deliver: {}", sandbox.webhooks());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sandbox_event_is_received_once_in_version_order() {
    let sandbox = Sandbox::start(Config::fixed()).unwrap();
    let (receiver, mut events) =
        Receiver::builder(SECRET).reorder_window(Duration::from_millis(800)).build().unwrap();
    let addr = serve(receiver.clone()).await;
    let url = format!("http://{addr}/hooks/pancake/{SECRET}");
    sandbox.register_webhook(Registration { url, duplicate_every: 2, reorder: true, page_id: None }).unwrap();

    let pc = Pancake::builder()
        .page_access_token(sandbox.page_token())
        .base_url(sandbox.pancake_url())
        .build()
        .unwrap();
    pc.send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(INBOX)
        .body(pancake::types::SendPageMessageRequest::inbox_text("Dạ shop còn size M ạ"))
        .send()
        .await
        .unwrap();
    for action in [pancake::types::TagAction::Add, pancake::types::TagAction::Remove] {
        pc.tag_conversation()
            .page_id(PAGE_ID)
            .conversation_id(INBOX)
            .body_map(|b| b.action(action).tag_id("5"))
            .send()
            .await
            .unwrap();
    }
    pc.mark_conversation_read().page_id(PAGE_ID).conversation_id(INBOX).send().await.unwrap();
    for event_type in ["post", "subscription", "connect_status", "page_rating"] {
        sandbox.emit_webhook(event_type, PAGE_ID).unwrap();
    }
    let report = delivered(&sandbox).await;
    let got = drain(&mut events, Duration::from_millis(1_500)).await;

    // The sandbox repeated some deliveries and sent some conversation updates out of order.
    let log = report["deliveries"].as_array().unwrap();
    assert!(log.len() > 9, "repeats were delivered: {report}");
    assert!(log.iter().all(|d| d["status"] == 200), "{report}");
    let sent_versions: Vec<i64> = log.iter().filter_map(|d| d["version"].as_i64()).collect();
    assert!(sent_versions.windows(2).any(|w| w[0] > w[1]), "delivered out of order: {sent_versions:?}");
    assert!(!report.to_string().contains(SECRET), "the report names no secret");

    // The receiver handed out each event once, conversation updates in version order.
    let types: Vec<&str> = got.iter().map(Event::event_type).collect();
    let count = |t: &str| types.iter().filter(|x| **x == t).count();
    assert_eq!(got.len(), 9, "{types:?}");
    for (event_type, times) in [
        ("messaging", 1),
        ("conversation", 4),
        ("post", 1),
        ("subscription", 1),
        ("connect_status", 1),
        ("page_rating", 1),
    ] {
        assert_eq!(count(event_type), times, "{event_type}: {types:?}");
    }
    let versions: Vec<i64> = got.iter().filter_map(|e| e.order().map(|(_, v)| v)).collect();
    assert_eq!(versions, [101, 102, 103, 104]);

    // Typed: each known type its variant, the unknown one its own; every field kept.
    for event in &got {
        match (event.event_type(), event.payload()) {
            ("messaging", Payload::Messaging(m)) => {
                let message = m.data.message.as_ref().unwrap();
                assert_eq!(message.message.as_deref(), Some("Dạ shop còn size M ạ"));
                assert_eq!(message.conversation_id.as_deref(), Some(INBOX));
            }
            ("conversation", Payload::Conversation(c)) => {
                assert_eq!(c.data.conversation.as_ref().unwrap().id.as_deref(), Some(INBOX));
            }
            ("post", Payload::Post(p)) => assert!(p.data.post.as_ref().unwrap().id.is_some()),
            ("subscription", Payload::Subscription(s)) => {
                assert_eq!(s.data.subscription.as_ref().unwrap().currency.as_deref(), Some("VND"));
            }
            ("connect_status", Payload::ConnectStatus(c)) => {
                assert_eq!(event.page_id(), Some(PAGE_ID));
                assert!(c.data.connect_status.is_some());
            }
            ("page_rating", Payload::Unknown(name)) => {
                assert_eq!(name, "page_rating");
                assert!(event.request_id().is_some());
            }
            (t, payload) => panic!("{t}: typed as {payload:?}"),
        }
    }
    let last = got.iter().rev().find(|e| e.event_type() == "conversation").unwrap();
    assert_eq!(last.json()["data"]["conversation"]["seen"], true, "the last update is the newest state");
    let health = receiver.health();
    assert_eq!(health.failures, 0);
    assert!(health.requests >= 10);
}

#[tokio::test]
async fn updates_of_a_conversation_come_out_in_version_order_and_stale_ones_are_dropped() {
    let event = |conversation: &str, version: i64, request: &str| {
        json!({
            "event_type": "conversation", "page_id": PAGE_ID, "request_id": request,
            "data": { "conversation": { "id": conversation, "version": version } },
        })
        .to_string()
    };
    let (receiver, mut events) =
        Receiver::builder(SECRET).reorder_window(Duration::from_millis(200)).build().unwrap();
    for (conversation, version, request) in [("a", 3, "r3"), ("b", 7, "r7"), ("a", 1, "r1"), ("a", 2, "r2")] {
        assert_eq!(receiver.accept(event(conversation, version, request).as_bytes()), Verdict::Accepted);
    }
    assert_eq!(receiver.accept(event("a", 2, "r2").as_bytes()), Verdict::Duplicate, "the same request_id");
    let got: Vec<(String, i64)> = drain(&mut events, Duration::from_millis(500))
        .await
        .iter()
        .map(|e| e.order().map(|(k, v)| (k.to_string(), v)).unwrap())
        .collect();
    assert_eq!(got, [("a".into(), 1), ("a".into(), 2), ("a".into(), 3), ("b".into(), 7)]);
    // Later: an older state (a new delivery of it) is dropped; a newer one passes.
    assert_eq!(receiver.accept(event("a", 2, "r2-again").as_bytes()), Verdict::Accepted);
    assert_eq!(receiver.accept(event("a", 4, "r4").as_bytes()), Verdict::Accepted);
    let got = drain(&mut events, Duration::from_millis(500)).await;
    assert_eq!(got.iter().map(|e| e.order().unwrap().1).collect::<Vec<_>>(), [4]);

    // Without a request_id, a message repeated with the same content is a repeat; an edit is not.
    let message = |text: &str| {
        json!({ "event_type": "messaging", "page_id": PAGE_ID, "data": { "message": { "id": "m_1", "message": text } } })
            .to_string()
    };
    assert_eq!(receiver.accept(message("alo").as_bytes()), Verdict::Accepted);
    assert_eq!(receiver.accept(message("alo").as_bytes()), Verdict::Duplicate);
    assert_eq!(receiver.accept(message("alo abc").as_bytes()), Verdict::Accepted, "an edit passes");
    assert_eq!(drain(&mut events, Duration::from_millis(300)).await.len(), 2);
}

#[tokio::test]
async fn the_spec_examples_read_as_typed_events_and_unknown_fields_are_kept() {
    let spec: Value = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/pancake.yaml")).unwrap(),
    )
    .unwrap();
    let hooks = &spec["x-pancake-webhooks"]["events"];
    assert_eq!(hooks.as_object().unwrap().len(), 5);
    for (name, rule) in hooks.as_object().unwrap() {
        let schema = rule["schema"].as_str().unwrap();
        assert!(spec["components"]["schemas"][schema].is_object(), "{name}: {schema} is a schema");
        let mut example = rule["example"].clone();
        assert!(example.is_object(), "{name} has an example");
        example["field_of_2027"] = json!({ "nested": [1, 2] });
        let event = Event::from_json(example).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type(), name);
        assert_eq!(event.payload().event_type(), name);
        assert!(!matches!(event.payload(), Payload::Unknown(_)), "{name}");
        assert_eq!(event.json()["field_of_2027"]["nested"][1], 2, "unknown fields are kept");
    }
    let unknown = Event::from_slice(br#"{"event_type": "order_created", "data": {"id": 1}}"#).unwrap();
    assert_eq!(unknown.payload(), &Payload::Unknown("order_created".into()));
    assert_eq!(unknown.json()["data"]["id"], 1);
    // A known type whose field has another type (the API changed) is still an event: untyped,
    // the field named, its value never repeated.
    let changed = Event::from_slice(
        br#"{"event_type": "conversation", "page_id": "1", "data": {"conversation": {"version": "secret-v9"}}}"#,
    )
    .unwrap();
    match changed.payload() {
        Payload::Untyped { event_type, reason } => {
            assert_eq!(event_type, "conversation");
            assert!(reason.starts_with("data.conversation.version:"), "{reason}");
            assert!(!reason.contains("secret-v9"), "{reason}");
        }
        other => panic!("typed as {other:?}"),
    }
    assert_eq!(changed.order(), None, "no version to order it by");
    let missing = Event::from_slice(br#"{"event_type": "post", "data": {}}"#).unwrap();
    assert!(
        matches!(missing.payload(), Payload::Untyped { reason, .. } if reason.contains("missing field page_id"))
    );
    let not_json = Event::from_slice(br#"{"event_type": "post", "token": "secret-v9""#).unwrap_err();
    assert!(
        matches!(not_json, WebhookError::NotJson(_)) && !not_json.to_string().contains("secret-v9"),
        "{not_json}"
    );
}

#[tokio::test]
async fn the_queue_is_bounded_in_bytes_and_frees_as_events_are_read() {
    let (receiver, mut events) = Receiver::builder(SECRET).max_queued_bytes(1_000).build().unwrap();
    let post = |i: usize| {
        let text = "x".repeat(200);
        format!(
            r#"{{"event_type":"post","page_id":"1","data":{{"post":{{"id":"p{i}","message":"{text}"}}}}}}"#
        )
    };
    let verdicts: Vec<Verdict> = (0..6).map(|i| receiver.accept(post(i).as_bytes())).collect();
    assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Accepted).count(), 3, "{verdicts:?}");
    assert_eq!(verdicts[5], Verdict::Busy);
    assert_eq!(Verdict::Busy.status(), 503);
    for _ in 0..3 {
        assert!(events.next_within(Duration::from_secs(1)).await.is_some());
    }
    assert_eq!(
        receiver.accept(post(5).as_bytes()),
        Verdict::Accepted,
        "room again, and a refused one is no repeat"
    );
}

/// Posts `body` to `path` on `addr`; the status and text.
async fn post(addr: SocketAddr, path: &str, body: Vec<u8>) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client.post(format!("http://{addr}{path}")).body(body).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_answers_what_is_not_a_delivery_without_crashing_or_echoing() {
    let (receiver, mut events) = Receiver::builder(SECRET).max_body(64 * 1024).build().unwrap();
    let addr = serve(receiver.clone()).await;
    let path = format!("/hooks/{SECRET}");
    let wrong = "/hooks/whsec-7f3a9c1e5b2d4f61";

    let (status, text) = post(addr, wrong, br#"{"event_type":"post"}"#.to_vec()).await;
    assert_eq!((status, text.as_str()), (404, "not found"));
    let (status, _) = post(addr, "/", br#"{"event_type":"post"}"#.to_vec()).await;
    assert_eq!(status, 404, "no secret");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let check = client.get(format!("http://{addr}{path}")).send().await.unwrap();
    assert_eq!(check.status().as_u16(), 200, "a GET checks the URL");

    let hostile: Vec<(Vec<u8>, u16, &str)> = vec![
        (vec![b'x'; 200 * 1024], 413, "larger than 65536 bytes"),
        (
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()[..60_000].to_vec(),
            400,
            "body: not JSON",
        ),
        (format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(), 400, "body: not JSON"),
        (b"[1, 2]".to_vec(), 400, "not a JSON object"),
        (format!(r#"{{"event_type": 7, "token": "{SECRET}"}}"#).into_bytes(), 400, "event_type: missing"),
        (vec![0xff, 0xfe, 0x00], 400, "body: not JSON"),
    ];
    for (body, expected, says) in hostile {
        let (status, text) = post(addr, &path, body).await;
        assert_eq!(status, expected, "{text}");
        assert!(text.contains(says), "{text}");
        assert!(!text.contains(SECRET) && text.len() < 300, "the answer never echoes: {text}");
    }
    let (status, _) = post(addr, &path, br#"{"event_type":"post","page_id":"1","data":{}}"#.to_vec()).await;
    assert_eq!(status, 200, "the server still serves");
    assert_eq!(events.next_within(Duration::from_secs(2)).await.unwrap().event_type(), "post");

    let (status, _) = post(addr, &path, br#"{"event_type":"post","data":{"post":{"id":7}}}"#.to_vec()).await;
    assert_eq!(status, 200, "a known type that no longer fits the spec is still taken");
    let untyped = events.next_within(Duration::from_secs(2)).await.unwrap();
    assert!(matches!(untyped.payload(), Payload::Untyped { .. }), "{:?}", untyped.payload());

    let health = receiver.health();
    assert_eq!((health.requests, health.failures, health.strays), (8, 6, 2));
    assert!(!health.at_risk, "6 failures are far from the rule's 300");
    assert!(!format!("{receiver:?}").contains(SECRET), "Debug hides the secret");
    for weak in ["short-secret", "whsec-with/a-slash-in-it"] {
        let refused = Receiver::builder(weak).build().map(|_| ()).unwrap_err();
        assert!(refused.to_string().starts_with("secret: at least 16 characters"), "{refused}");
        assert!(!refused.to_string().contains(weak));
    }
}
