//! The pagination streams walk every page of a list once, and stop.

use std::collections::HashSet;

use futures::TryStreamExt;
use pancake_e2e::{LARGE_PAGE_ID, PAGE_ID, env};
use pancake_sandbox::{Config, FaultRule, Sandbox};
use pancake_sdk::{Error, Pancake};

const UNTIL: i64 = 2_000_000_000;

fn unpaced(sandbox: &Sandbox) -> Pancake {
    Pancake::builder()
        .page_access_token(sandbox.page_token())
        .base_url(sandbox.url())
        .rate_limit(None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_customer_of_a_large_page_comes_once() {
    let sandbox = Sandbox::start(Config { large_page_customers: 10_050, ..Config::fixed() }).unwrap();
    let client = unpaced(&sandbox);
    let mut customers = client.list_page_customers().page_id(LARGE_PAGE_ID).since(0).until(UNTIL).stream();
    let mut seen = HashSet::new();
    while let Some(customer) = customers.try_next().await.unwrap() {
        assert!(seen.insert(customer.psid.clone().unwrap()), "{:?} came twice", customer.psid);
    }
    assert_eq!(seen.len(), 10_050);
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 101, "100 full pages of 100 and a short one");
    assert!(requests.iter().all(|r| {
        r["query"].as_array().unwrap().iter().any(|p| p == &serde_json::json!(["page_size", "100"]))
    }));
}

#[tokio::test]
async fn v2_conversations_walk_their_cursor_and_exports_their_offset() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let conversations: Vec<_> =
        client.list_conversations_v2().page_id(PAGE_ID).stream().try_collect().await.unwrap();
    let ids: HashSet<_> = conversations.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!((conversations.len(), ids.len()), (150, 150));
    let requests = env.sandbox.requests();
    // 60 + 60 + 30, then nothing more: each call after the last id of the one before.
    assert_eq!(requests.len(), 3);
    let cursor = |n: usize| {
        requests[n]["query"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == "last_conversation_id")
            .map(|p| p[1].clone())
    };
    assert_eq!(cursor(0), None);
    assert_eq!(cursor(1).unwrap(), serde_json::json!(conversations[59].id.clone().unwrap()));
    assert_eq!(cursor(2).unwrap(), serde_json::json!(conversations[119].id.clone().unwrap()));

    let inboxes: Vec<_> = client
        .list_conversations_v2()
        .page_id(PAGE_ID)
        .types(vec![pancake_sdk::pancake::types::ConversationType::Inbox])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(inboxes.len(), 120, "four of every five conversations are inboxes");
    assert!(inboxes.iter().all(|c| c.type_.as_deref() == Some("INBOX")));

    env.sandbox.reset();
    let exported: Vec<_> = client
        .export_conversations_from_ads()
        .page_id(PAGE_ID)
        .since(0)
        .until(UNTIL)
        .action(pancake_sdk::pancake::types::ExportAction::ConversationsFromAds)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<_> = exported.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!((exported.len(), ids.len()), (50, 50), "every third of 150 came from an ad, once");
    let offsets: Vec<_> = env
        .sandbox
        .requests()
        .iter()
        .map(|r| r["query"].as_array().unwrap().iter().find(|p| p[0] == "offset").map(|p| p[1].clone()))
        .collect();
    assert_eq!(offsets, [Some(serde_json::json!("0"))], "50 < 60: the first page is the last");
}

#[tokio::test]
async fn conversations_posts_and_call_logs_walk_page_numbers() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let conversations: Vec<_> = client
        .list_conversations()
        .page_id(PAGE_ID)
        .since(0)
        .until(UNTIL)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<_> = conversations.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!((conversations.len(), ids.len()), (150, 150));

    let posts: Vec<_> =
        client.list_posts().page_id(PAGE_ID).since(0).until(UNTIL).stream().try_collect().await.unwrap();
    assert_eq!(posts.len(), 75);
    let logs: Vec<_> =
        client.list_call_logs().page_id(PAGE_ID).id("sip-pkg-1").stream().try_collect().await.unwrap();
    assert_eq!(logs.len(), 45);
    // 150 conversations: 60 + 60 + 30; 75 posts: 30 + 30 + 15; 45 call logs: 30 + 15.
    assert_eq!(env.sandbox.requests().len(), 3 + 3 + 2);
}

#[tokio::test]
async fn messages_walk_current_count() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let messages: Vec<_> = client
        .list_messages()
        .page_id(PAGE_ID)
        .conversation_id(format!("{PAGE_ID}_6100000000010003"))
        .customer_id("cus-01-3")
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = messages.iter().map(|m| m.id.clone().unwrap()).collect();
    let expected: Vec<_> = (0..54).rev().map(|n| format!("m_3_{n}")).collect();
    assert_eq!(ids, expected, "all 54 messages, newest first, once each");
    let counts: Vec<_> = env
        .sandbox
        .requests()
        .iter()
        .map(|r| {
            r["query"].as_array().unwrap().iter().find(|p| p[0] == "current_count").map(|p| p[1].clone())
        })
        .collect();
    assert_eq!(counts, [None, Some("20".into()), Some("45".into())]);
}

#[tokio::test]
async fn a_server_that_repeats_a_page_cannot_make_a_stream_loop() {
    let env = env();
    env.sandbox
        .inject(FaultRule::next("repeat-page").for_operation("list_page_customers").times(1_000))
        .unwrap();
    let client = unpaced(&env.sandbox);
    let mut customers = client.list_page_customers().page_id(PAGE_ID).since(0).until(UNTIL).stream();
    let mut count = 0;
    let error = loop {
        match customers.try_next().await {
            Ok(Some(_)) => count += 1,
            Ok(None) => panic!("the stream ended as if complete after {count} items"),
            Err(error) => break error,
        }
    };
    assert!(matches!(error, Error::Pagination { operation: "list_page_customers", .. }), "{error:?}");
    assert_eq!(count, 100, "the first page, once");
    assert_eq!(env.sandbox.requests().len(), 2);
}

#[tokio::test]
async fn json_streams_walk_lists_like_typed_ones() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let args = serde_json::json!({ "page_id": PAGE_ID, "since": 0, "until": UNTIL });
    let customers: Vec<serde_json::Value> = client
        .stream_json("list_page_customers", args, Default::default())
        .unwrap()
        .map_ok(|item| item.value())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(customers.len(), 260);
    assert_eq!(customers[0]["loyalty_points"], 0, "raw items keep every field");
    let args = serde_json::json!({ "page_id": PAGE_ID, "conversation_id": format!("{PAGE_ID}_6100000000010003"), "customer_id": "cus-01-3" });
    let messages: Vec<serde_json::Value> = client
        .stream_json("list_messages", args, Default::default())
        .unwrap()
        .map_ok(|m| m.value())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(messages.len(), 54);
    assert!(client.stream_json("list_tags", serde_json::json!({}), Default::default()).is_err());
}

/// Every list of every API has a stream; `stream_json` exists on both clients and refuses, at
/// once, an operation that is not a list; the tables the core reads agree with the spec.
#[tokio::test]
async fn every_api_describes_its_lists_and_streams_them_by_id() {
    let env = env();
    for api in [&pancake_sdk::botcake::API, &pancake_sdk::pancake::API] {
        for op in api.operations {
            assert_eq!(op.send, op.method != "GET", "{}: a send is what is not a read", op.id);
            for param in op.path_params {
                assert!(op.route.contains(&format!("{{{param}}}")), "{}: {param} is in its route", op.id);
            }
        }
    }
    let mut lists: Vec<&str> = pancake_sdk::pancake::API.lists().map(|op| op.id).collect();
    lists.sort_unstable();
    assert_eq!(
        lists,
        [
            "export_conversations_from_ads",
            "list_call_logs",
            "list_conversations",
            "list_conversations_v2",
            "list_messages",
            "list_page_customers",
            "list_posts"
        ]
    );
    assert_eq!(pancake_sdk::botcake::API.lists().count(), 0);
    let not_a_list =
        env.botcake.stream_json("get_flows", serde_json::json!({ "page_id": PAGE_ID }), Default::default());
    let error = not_a_list.err().expect("get_flows is not a list");
    assert_eq!(error.kind(), pancake_sdk::ErrorKind::InvalidRequest);
    assert_eq!(error.field(), Some("operation"));
    assert!(env.sandbox.requests().is_empty(), "nothing was sent");
}

/// A stream resumed after `skip` items goes on where it stopped, without fetching whole pages
/// again where the list pages by number.
#[tokio::test]
async fn a_json_stream_resumes_after_the_items_already_read() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let args = serde_json::json!({ "page_id": PAGE_ID, "since": 0, "until": UNTIL });
    let all: Vec<serde_json::Value> = client
        .stream_json("list_page_customers", args.clone(), Default::default())
        .unwrap()
        .map_ok(|item| item.value())
        .try_collect()
        .await
        .unwrap();
    let calls = env.sandbox.requests().len();
    let rest: Vec<serde_json::Value> = client
        .stream_json_after("list_page_customers", args, Default::default(), 150)
        .unwrap()
        .map_ok(|item| item.value())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, all[150..].to_vec());
    let resumed = env.sandbox.requests().len() - calls;
    assert_eq!(resumed, 2, "pages 2 and 3 of 100, not page 1 again");
}

/// Marking a conversation read or unread shows in the conversation list (`seen`), and an id
/// of another page's conversation is refused by the sandbox.
#[tokio::test]
async fn read_marks_show_in_the_conversation_list() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let inbox = format!("{PAGE_ID}_6100000000010003");
    let seen = || async {
        let conversations = client.list_conversations().page_id(PAGE_ID).since(0).until(UNTIL).stream();
        let all: Vec<_> = conversations.try_collect().await.unwrap();
        all.iter().find(|c| c.id.as_deref() == Some(inbox.as_str())).and_then(|c| c.seen)
    };
    client.mark_conversation_unread().page_id(PAGE_ID).conversation_id(inbox.as_str()).send().await.unwrap();
    assert_eq!(seen().await, Some(false));
    client.mark_conversation_read().page_id(PAGE_ID).conversation_id(inbox.as_str()).send().await.unwrap();
    assert_eq!(seen().await, Some(true));
    let elsewhere = client.mark_conversation_read().page_id(PAGE_ID).conversation_id("1_2").send().await;
    assert_eq!(elsewhere.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    let sent = env.sandbox.requests();
    let marked = sent.iter().find(|r| r["operation_id"] == "mark_conversation_read").unwrap();
    let query: Vec<&str> = marked["query"].as_array().unwrap().iter().filter_map(|q| q[0].as_str()).collect();
    assert_eq!(query, ["page_access_token"], "the newer routes' name for the page token");
}

/// An assignment shows in the conversation list; an id that is no active staff user is refused.
#[tokio::test]
async fn assignees_are_staff_users_and_show_in_the_conversation_list() {
    let env = env();
    let client = unpaced(&env.sandbox);
    let inbox = format!("{PAGE_ID}_6100000000010003");
    let staff = client.list_users().page_id(PAGE_ID).send().await.unwrap();
    let first = staff.users[0].id.clone().unwrap();
    let assign = |ids: Vec<String>| {
        client
            .assign_conversation()
            .page_id(PAGE_ID)
            .conversation_id(inbox.as_str())
            .body_map(move |b| b.assignee_ids(ids))
    };
    assign(vec![first.clone()]).send().await.unwrap();
    let conversations: Vec<_> = client
        .list_conversations()
        .page_id(PAGE_ID)
        .since(0)
        .until(UNTIL)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let assigned = conversations.iter().find(|c| c.id.as_deref() == Some(inbox.as_str())).unwrap();
    assert_eq!(assigned.assignee_ids, [first]);
    let stranger = assign(vec!["u-9".to_string()]).send().await.unwrap_err();
    assert_eq!(stranger.status().map(|s| s.as_u16()), Some(400));
    let nobody = assign(Vec::new()).send().await.unwrap_err();
    assert_eq!(nobody.kind(), pancake_sdk::ErrorKind::InvalidRequest, "{nobody}");
}
