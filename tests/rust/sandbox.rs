//! The sandbox itself, over plain HTTP: what it checks, what it remembers, how it misbehaves.

use std::collections::HashSet;

use pancake_e2e::{LARGE_PAGE_ID, PAGE_ID, env};
use pancake_sandbox::{Config, FaultRule, Sandbox};
use pancake_sdk::pancake::types::{TagConversationRequest, TagConversationResponse};
use serde_json::{Value, json};

/// A GET with the page token in the query, answering (status, JSON body).
async fn get(sandbox: &Sandbox, path_and_query: &str) -> (u16, Value) {
    send(reqwest::Client::new().get(format!("{}{path_and_query}", sandbox.url()))).await
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn pancake(path: &str, query: &str) -> String {
    format!("/api/public_api/v1/pages/{PAGE_ID}/{path}?access_token=sandbox-page-token&{query}")
}

#[tokio::test]
async fn tokens_are_checked_as_the_real_apis_check_them() {
    let env = env();
    let sb = &env.sandbox;
    let (status, body) = get(sb, &format!("/api/public_api/v1/pages/{PAGE_ID}/tags")).await;
    assert_eq!((status, body["error_code"].clone()), (401, json!(102)));
    let (status, body) =
        get(sb, &format!("/api/public_api/v1/pages/{PAGE_ID}/tags?access_token=wrong")).await;
    assert_eq!(
        (status, body["error_code"].clone(), body["success"].clone()),
        (401, json!(100), json!(false))
    );
    // A user token does not open a page-token route, nor the reverse.
    let (status, _) =
        get(sb, &format!("/api/public_api/v1/pages/{PAGE_ID}/tags?access_token=sandbox-user-token")).await;
    assert_eq!(status, 401);
    let (status, _) = get(sb, "/api/v1/pages?access_token=sandbox-page-token").await;
    assert_eq!(status, 401);
    // Botcake's token belongs in the header; in the query it is refused with 400.
    let flows = format!("{}/api/public_api/v1/pages/{PAGE_ID}/flows", sb.url());
    let (status, body) =
        send(reqwest::Client::new().get(format!("{flows}?access-token=sandbox-page-token"))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        send(reqwest::Client::new().get(&flows).header("access-token", "sandbox-page-token")).await;
    assert_eq!((status, body["success"].clone()), (200, json!(true)));
}

#[tokio::test]
async fn parameters_and_bodies_are_checked_against_the_spec_naming_the_field() {
    let env = env();
    let sb = &env.sandbox;
    let (status, body) =
        get(sb, &pancake("page_customers", "since=0&until=1&page_number=1&page_size=101")).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "page_size: 101 is greater than the maximum of 100");
    let (_, body) = get(sb, &pancake("page_customers", "until=1&page_number=1")).await;
    assert_eq!(body["message"], "since: required query parameter is missing");
    let (_, body) = get(sb, &pancake("posts", "since=0&until=1&page_number=1&page_size=31")).await;
    assert_eq!(body["message"], "page_size: 31 is greater than the maximum of 30");
    let (_, body) = get(sb, &pancake("conversations", "since=0&until=1&page_number=1&order_by=newest")).await;
    assert!(body["message"].as_str().unwrap().starts_with("order_by: "), "{body}");
    let (_, body) = get(sb, &pancake("statistics/users", "date_range=yesterday")).await;
    assert!(body["message"].as_str().unwrap().starts_with("date_range: "), "{body}");
    let (_, body) = get(sb, &pancake("conversations", "since=soon&until=1&page_number=1")).await;
    assert_eq!(body["message"], "since: expected an integer, got \"soon\"");

    let tag =
        format!("{}{}", sb.url(), pancake(&format!("conversations/{PAGE_ID}_6100000000010003/tags"), ""));
    let client = reqwest::Client::new();
    let (status, body) = send(client.post(&tag).json(&json!({ "action": "toggle", "tag_id": "1" }))).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().starts_with("body.action: "), "{body}");
    let (_, body) = send(client.post(&tag).json(&json!({ "action": "add" }))).await;
    assert_eq!(body["message"], "body.tag_id: required field is missing");
    let (_, body) = send(client.post(&tag).body("{not json")).await;
    assert!(body["message"].as_str().unwrap().starts_with("body: not valid JSON"), "{body}");
    let (_, body) = send(client.post(&tag)).await;
    assert_eq!(body["message"], "body: a JSON request body is required");

    let empty_path = format!("/api/public_api/v1/pages/{PAGE_ID}/flows/");
    let (status, body) =
        send(client.get(format!("{}{empty_path}", sb.url())).header("access-token", "sandbox-page-token"))
            .await;
    assert_eq!(status, 400, "an empty folder path is not the flows list: {body}");
    assert!(body["message"].as_str().unwrap().starts_with("path: "), "{body}");
    let (status, _) = get(sb, "/api/v2/nothing").await;
    assert_eq!(status, 404);
    let (status, _) = send(client.delete(format!("{}/api/v1/pages", sb.url()))).await;
    assert_eq!(status, 405);
    let (status, body) = get(sb, "/api/public_api/v1/pages/42/tags?access_token=sandbox-page-token").await;
    assert_eq!((status, body["error_code"].clone()), (403, json!(105)));
    assert!(sb.journal().is_empty(), "nothing refused reached the journal");
}

#[tokio::test]
async fn writes_have_effect() {
    let env = env();
    let (bot, pc) = (&env.botcake, &env.pancake);

    let created = bot.create_keyword().page_id(PAGE_ID).send().await.unwrap();
    let id = created.keyword.as_ref().unwrap().id.unwrap();
    let keywords = bot.get_keywords().page_id(PAGE_ID).send().await.unwrap();
    assert!(keywords.data.iter().any(|k| k.id == Some(id) && k.is_activated == Some(false)));

    let conversation = format!("{PAGE_ID}_6100000000010002"); // starts with no tag
    let tag = |action: &'static str, tag: &'static str| {
        pc.tag_conversation().page_id(PAGE_ID).conversation_id(conversation.clone()).body(
            serde_json::from_value::<TagConversationRequest>(json!({ "action": action, "tag_id": tag }))
                .unwrap(),
        )
    };
    let tags_of = |answer: &pancake_sdk::Response<TagConversationResponse>| answer.json()["data"].clone();
    assert_eq!(tags_of(&tag("add", "4").send().await.unwrap()), json!([4]));
    assert_eq!(tags_of(&tag("add", "1").send().await.unwrap()), json!([1, 4]));
    assert_eq!(tags_of(&tag("remove", "4").send().await.unwrap()), json!([1]));
    let listed = pc
        .list_conversations()
        .page_id(PAGE_ID)
        .since(0)
        .until(2_000_000_000)
        .page_number(3)
        .send()
        .await
        .unwrap();
    let shown = listed.json()["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == conversation.as_str())
        .map(|c| c["tags"].clone())
        .expect("the conversation is on page 3");
    assert_eq!(shown, json!([{ "id": 1, "text": "Khách mới", "color": "#4caf50" }]));

    let error = tag("add", "99").send().await.unwrap_err();
    assert!(error.to_string().contains("tag_id"), "{error}");
}

#[tokio::test]
async fn sends_follow_the_documented_rules_and_are_journaled() {
    let env = env();
    let sb = &env.sandbox;
    let url = |conversation: &str| {
        format!(
            "{}/api/v1/pages/{PAGE_ID}/conversations/{conversation}/messages?access_token=sandbox-user-token",
            sb.url()
        )
    };
    let client = reqwest::Client::new();
    let inbox = format!("{PAGE_ID}_6100000000010003");

    let both = json!({ "action": "reply_inbox", "message": "hi", "content_url": "https://i.ibb.co/x.png" });
    let (status, _) = send(client.post(url(&inbox)).json(&both)).await;
    assert_eq!(status, 500, "a text and an attachment in one call are refused with 500");

    // Comment conversation 149 is within 7 days of the sandbox's "now"; 144 is not.
    let recent = format!("{PAGE_ID}_900000074_1000149");
    let old = format!("{PAGE_ID}_900000069_1000144");
    let reply = |conversation: &str| {
        let body = json!({ "action": "private_replies", "post_id": "p", "message_id": conversation, "message": "Shop inbox bạn nhé" });
        client.post(url(conversation)).json(&body)
    };
    let (status, body) = send(reply(&recent)).await;
    assert_eq!((status, body["success"].clone()), (200, json!(true)));
    let (status, body) = send(reply(&recent)).await;
    assert_eq!(status, 400, "a private reply goes once per comment: {body}");
    let (status, body) = send(reply(&old)).await;
    assert_eq!((status, body["error_code"].clone()), (400, json!(10)));
    let (status, _) = send(reply(&inbox)).await;
    assert_eq!(status, 400, "private replies answer comments only");

    let (status, _) =
        send(client.post(url(&inbox)).json(&json!({ "action": "reply_inbox", "message": "Dạ" }))).await;
    assert_eq!(status, 200);

    let journal = sb.journal();
    assert_eq!(journal.len(), 2, "only accepted sends are journaled: {journal:#?}");
    assert_eq!(journal[0]["conversation_id"], recent.as_str());
    assert_eq!(journal[1]["body"]["message"], "Dạ");
    let (_, over_http) = get(sb, "/_sandbox/journal").await;
    assert_eq!(over_http["entries"], Value::Array(journal));

    sb.reset();
    assert!(sb.journal().is_empty() && sb.requests().is_empty());
}

#[tokio::test]
async fn queued_faults_apply_to_exactly_the_requests_they_name() {
    let env = env();
    let sb = &env.sandbox;
    let client = reqwest::Client::new();
    let rule = json!({ "fault": "status=503", "operation_id": "list_tags", "times": 2 });
    let (status, _) = send(client.post(format!("{}/_sandbox/faults", sb.url())).json(&rule)).await;
    assert_eq!(status, 200);

    let tags = pancake("tags", "");
    let (status, _) = get(sb, &pancake("posts", "since=0&until=1&page_number=1&page_size=30")).await;
    assert_eq!(status, 200, "another operation is not affected");
    assert_eq!(get(sb, &tags).await.0, 503);
    assert_eq!(get(sb, &tags).await.0, 503);
    assert_eq!(get(sb, &tags).await.0, 200, "the fault was used up");

    // By query flag or header, for one request.
    assert_eq!(get(sb, &format!("{tags}&_sandbox_fault=status=404")).await.0, 404);
    let with_header = client.get(format!("{}{tags}", sb.url())).header("x-sandbox-fault", "rate-limit=7");
    let response = with_header.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");

    let bad = json!({ "fault": "explode" });
    let (status, body) = send(client.post(format!("{}/_sandbox/faults", sb.url())).json(&bad)).await;
    assert_eq!(status, 400, "{body}");
    assert!(sb.inject(FaultRule::next("status=oops")).is_err());
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_still_took_effect() {
    let env = env();
    env.sandbox.inject(FaultRule::next("drop").for_operation("send_flow")).unwrap();
    let error = env
        .botcake
        .send_flow()
        .page_id(PAGE_ID)
        .body_map(|b| b.psid("6100000000010003").flow_id(1559))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    let journal = env.sandbox.journal();
    assert_eq!(journal.len(), 1, "the flow went out once even though the answer was lost");
    assert_eq!(journal[0]["operation_id"], "send_flow");
}

#[tokio::test]
async fn large_lists_paginate_completely() {
    let sandbox = Sandbox::start(Config { large_page_customers: 10_500, ..Config::fixed() }).unwrap();
    let client = reqwest::Client::new();
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        let url = format!(
            "{}/api/public_api/v1/pages/{LARGE_PAGE_ID}/page_customers?access_token=sandbox-page-token&since=0&until=2000000000&page_number={page}&page_size=100",
            sandbox.url()
        );
        let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["total"], 10_500);
        let customers = body["customers"].as_array().unwrap();
        if customers.is_empty() {
            break;
        }
        for customer in customers {
            assert!(seen.insert(customer["psid"].as_str().unwrap().to_string()), "a customer came twice");
        }
        page += 1;
    }
    assert_eq!((seen.len(), page), (10_500, 106));

    // Messages: the 20 newest, then 25 at a time from `current_count`.
    let env = env();
    let list = |count: Option<i64>| {
        let mut call = env
            .pancake
            .list_messages()
            .page_id(PAGE_ID)
            .conversation_id(format!("{PAGE_ID}_6100000000010003"))
            .customer_id("cus-01-3");
        if let Some(count) = count {
            call = call.current_count(count);
        }
        call.send()
    };
    let first = list(None).await.unwrap();
    let second = list(Some(20)).await.unwrap();
    let third = list(Some(45)).await.unwrap();
    assert_eq!((first.messages.len(), second.messages.len(), third.messages.len()), (20, 25, 9));
    assert_eq!(first.messages[0].id.as_deref(), Some("m_3_53"), "newest first");
    assert_eq!(third.messages[8].id.as_deref(), Some("m_3_0"));
}

/// The last 30 days' conversations of the example page, by `list_conversations`.
async fn last_month(sandbox: &Sandbox) -> Vec<Value> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let query = format!("since={}&until={now}&page_number=1", now - 30 * 86_400);
    let (status, body) = get(sandbox, &pancake("conversations", &query)).await;
    assert_eq!(status, 200, "{body}");
    body["conversations"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn data_is_dated_relative_to_today_unless_pinned() {
    let today = Sandbox::start(Config::default()).unwrap();
    let recent = last_month(&today).await;
    assert!(recent.len() >= 10, "the last 30 days hold conversations: {}", recent.len());
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let now = chrono::DateTime::from_timestamp(seconds as i64, 0).unwrap().naive_utc();
    for conversation in &recent {
        let inserted = conversation["inserted_at"].as_str().unwrap();
        let at = chrono::NaiveDateTime::parse_from_str(inserted, "%Y-%m-%dT%H:%M:%S").unwrap();
        assert!(at <= now && now - at <= chrono::Duration::days(31), "{inserted}");
    }
    let pinned = Sandbox::start(Config::fixed()).unwrap();
    assert!(last_month(&pinned).await.is_empty(), "pinned to 2025-10-01 .. 2026-09-30");
}
