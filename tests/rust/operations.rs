//! Every operation of both APIs, called through the generated Rust client against the sandbox:
//! the answer decodes into the spec's types, and the exact request on the wire is snapshotted.

use std::collections::BTreeSet;

use pancake_e2e::{Env, PAGE_ID, env, last_request};
use pancake_sdk::{botcake, pancake};

/// Snapshots the request the sandbox received last, under the operation's name.
fn wire(env: &Env, operation: &str) {
    let request = last_request(&env.sandbox);
    assert_eq!(request["operation_id"], operation, "the last request was not {operation}");
    // Named as when this was a binary of its own; Python and the C replay read these files.
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!(format!("operations__{operation}"), request);
    });
}

const SINCE: i64 = 1_759_276_800; // 2025-10-01
const UNTIL: i64 = 1_790_812_799; // 2026-09-30

#[tokio::test]
async fn every_operation_round_trips() {
    let env = env();
    let (bot, pc) = (&env.botcake, &env.pancake);

    // Botcake: reads.
    let flows = bot.get_flows().page_id(PAGE_ID).send().await.unwrap();
    let data = flows.data.as_ref().unwrap();
    assert_eq!((data.folders.len(), data.flows.len()), (4, 5));
    assert_eq!(data.flows[3].name.as_deref(), Some("hello flow 1"));
    assert_eq!(data.folders[2].parent_id, None);
    wire(&env, "get_flows");

    let inside = bot.get_flows_by_path().page_id(PAGE_ID).path(vec![1561, 1564]).send().await.unwrap();
    let flows: Vec<_> = inside.data.as_ref().unwrap().flows.iter().filter_map(|f| f.id).collect();
    assert_eq!(flows, [1568]);
    wire(&env, "get_flows_by_path");

    let stats = bot.get_flow_statistics().page_id(PAGE_ID).flow_id(1559).send().await.unwrap();
    assert!(stats.data.as_ref().unwrap().sent.unwrap() > 0);
    wire(&env, "get_flow_statistics");

    let keywords = bot.get_keywords().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(keywords.data[0].id, Some(641));
    assert_eq!(keywords.data[0].flow_id, None);
    wire(&env, "get_keywords");

    let ice = bot.get_ice_breakers().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(ice.data.iter().map(|i| i.flow_id).collect::<Vec<_>>(), [Some(1559), Some(1560)]);
    wire(&env, "get_ice_breakers");

    let menu = bot.get_main_menu().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(menu.data[1].url.as_deref(), Some("https://solo.com"));
    wire(&env, "get_main_menu");

    let tools = bot.get_tools().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(tools.data[0].type_.as_deref(), Some("messenger_ref_url"));
    wire(&env, "get_tools");

    // Botcake: writes and sends.
    let created = bot.create_keyword().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(created.keyword.as_ref().unwrap().id, Some(642));
    wire(&env, "create_keyword");

    let updated = bot
        .update_keyword()
        .page_id(PAGE_ID)
        .body(botcake::types::UpdateKeywordRequest {
            keyword_id: 642,
            update: botcake::types::KeywordUpdate { flow_id: 1559 },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.keyword.as_ref().unwrap().flow_id, Some(1559));
    wire(&env, "update_keyword");

    let sent = bot
        .send_flow()
        .page_id(PAGE_ID)
        .body_map(|b| {
            b.psid("6100000000010003").flow_id(1559).payload(Some(botcake::types::ContactData(
                serde_json::json!({ "user_first_name": "Lan" }).as_object().cloned().unwrap(),
            )))
        })
        .send()
        .await
        .unwrap();
    assert_eq!(sent.success, Some(true));
    wire(&env, "send_flow");

    let content = serde_json::json!({
        "version": "v2",
        "content": { "messages": [{ "type": "text", "text": "Xin chào {{user_first_name}}!" }], "quick_replies": [], "actions": [] },
    });
    let sent = bot
        .send_content()
        .page_id(PAGE_ID)
        .body_map(|b| {
            b.psid("6100000000010003")
                .data(serde_json::from_value::<botcake::types::DynamicBlock>(content).unwrap())
                .message_tag(Some("POST_PURCHASE_UPDATE".to_string()))
        })
        .send()
        .await
        .unwrap();
    assert_eq!(sent.success, Some(true));
    wire(&env, "send_content");

    // Pancake: page-token reads.
    let conversations = pc
        .list_conversations()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(UNTIL)
        .page_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(conversations.conversations.len(), 60);
    let newest = &conversations.conversations[0];
    assert_eq!(newest.id.as_deref(), Some("105000000000001_900000074_1000149"));
    wire(&env, "list_conversations");

    let inbox = "105000000000001_6100000000010003";
    let messages = pc
        .list_messages()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .customer_id("cus-01-3")
        .current_count(20)
        .send()
        .await
        .unwrap();
    assert_eq!(messages.messages.len(), 25);
    assert_eq!(messages.conversation_id.as_deref(), Some(inbox));
    wire(&env, "list_messages");

    let engagement = pc
        .get_customer_engagement_statistics()
        .page_id(PAGE_ID)
        .date_range("01/10/2025 00:00:00 - 07/10/2025 23:59:59")
        .by_hour(false)
        .send()
        .await
        .unwrap();
    assert_eq!(engagement.data.as_ref().unwrap().categories.len(), 7);
    wire(&env, "get_customer_engagement_statistics");

    let page_stats = pc
        .get_page_statistics()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(SINCE + 3 * 86_400)
        .send()
        .await
        .unwrap();
    assert_eq!(page_stats.data.len(), 4);
    wire(&env, "get_page_statistics");

    let tag_stats =
        pc.get_tag_statistics().page_id(PAGE_ID).since(SINCE).until(SINCE + 86_399).send().await.unwrap();
    assert_eq!(tag_stats.data.as_ref().unwrap().series.len(), 6);
    wire(&env, "get_tag_statistics");

    let users = pc
        .get_user_statistics()
        .page_id(PAGE_ID)
        .date_range("01/10/2025 00:00:00 - 31/10/2025 23:59:59")
        .send()
        .await
        .unwrap();
    assert!(users.data.as_ref().unwrap().users.contains_key("u-1"));
    wire(&env, "get_user_statistics");

    let new_customers = pc
        .get_new_customer_statistics()
        .page_id(PAGE_ID)
        .date_range("01/10/2025 - 03/10/2025")
        .group_by(pancake::types::NewCustomerGrouping::Day)
        .send()
        .await
        .unwrap();
    let pancake::types::NewCustomerStatisticsData::Array(days) = new_customers.data.as_ref().unwrap() else {
        panic!("grouped by day, data is a list")
    };
    assert_eq!(days.len(), 3);
    wire(&env, "get_new_customer_statistics");

    let customers = pc
        .list_page_customers()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(UNTIL)
        .page_number(3)
        .page_size(100)
        .send()
        .await
        .unwrap();
    assert_eq!(customers.total, Some(260));
    assert_eq!(customers.customers.len(), 60);
    wire(&env, "list_page_customers");

    let calls = pc
        .list_call_logs()
        .page_id(PAGE_ID)
        .id("sip-pkg-1")
        .page_number(2)
        .page_size(30)
        .send()
        .await
        .unwrap();
    assert_eq!(calls.data.len(), 15);
    wire(&env, "list_call_logs");

    let tags = pc.list_tags().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(tags.tags.len(), 6);
    assert_eq!(tags.tags[0].id, Some(pancake::types::TagId::Int64(1)));
    wire(&env, "list_tags");

    let posts = pc
        .list_posts()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(UNTIL)
        .page_number(1)
        .page_size(30)
        .send()
        .await
        .unwrap();
    assert_eq!((posts.total, posts.posts.len()), (Some(75), 30));
    wire(&env, "list_posts");

    // Pancake: page-token write.
    let tagged = pc
        .tag_conversation()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body_map(|b| b.action(pancake::types::TagAction::Add).tag_id("5"))
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.data, [pancake::types::TagId::Int64(2), pancake::types::TagId::Int64(5)]);
    wire(&env, "tag_conversation");

    // Pancake: the newer routes, with the page token as `page_access_token`.
    let staff = pc.list_users().page_id(PAGE_ID).send().await.unwrap();
    assert_eq!(staff.users.len(), 3);
    assert_eq!(staff.round_robin_users.as_ref().unwrap().inbox, ["u-1", "u-2"]);
    wire(&env, "list_users");
    let assigned = pc
        .assign_conversation()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body_map(|b| b.assignee_ids(vec!["u-2".to_string(), "u-3".to_string()]))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.assignee_ids, ["u-2", "u-3"]);
    wire(&env, "assign_conversation");
    let read = pc.mark_conversation_read().page_id(PAGE_ID).conversation_id(inbox).send().await.unwrap();
    assert_eq!(read.success, Some(true));
    wire(&env, "mark_conversation_read");
    let unread = pc.mark_conversation_unread().page_id(PAGE_ID).conversation_id(inbox).send().await.unwrap();
    assert_eq!(unread.success, Some(true));
    wire(&env, "mark_conversation_unread");

    Box::pin(current_routes(&env, inbox)).await;

    // Pancake: user-token operations.
    let pages = pc.list_pages().send().await.unwrap();
    let categorized = pages.categorized.as_ref().unwrap();
    assert!(categorized.activated_page_ids.iter().any(|id| id == PAGE_ID));
    // The 2026 reference's flat list, beside the older grouping.
    let page = pages.pages.iter().find(|p| p.id.as_deref() == Some(PAGE_ID)).unwrap();
    assert!(page.avatar_url.as_deref().is_some_and(|url| url.ends_with(".jpg")), "{page:?}");
    wire(&env, "list_pages");

    let multi = pc
        .get_multi_page_user_statistics()
        .page_ids("105000000000001,105000000000002")
        .date_range("01/10/2025 00:00:00 - 31/10/2025 23:59:59")
        .send()
        .await
        .unwrap();
    assert!(multi.data.as_ref().unwrap().statistics.contains_key("u-2"));
    wire(&env, "get_multi_page_user_statistics");

    let reply = pc
        .send_message()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body(pancake::types::SendMessageRequest::inbox_text("Dạ shop còn size M ạ"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.success, Some(true));
    assert!(reply.id.as_deref().unwrap().starts_with("m_"));
    wire(&env, "send_message");

    // Every operation the spec declares was called, each exactly once.
    let info: serde_json::Value =
        reqwest::get(format!("{}/_sandbox/info", env.sandbox.url())).await.unwrap().json().await.unwrap();
    let declared: BTreeSet<String> = info["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["operation_id"].as_str().unwrap().to_string())
        .collect();
    let called: Vec<String> =
        env.sandbox.requests().iter().map(|r| r["operation_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(called.len(), declared.len(), "one request per operation: {called:?}");
    assert_eq!(called.into_iter().collect::<BTreeSet<_>>(), declared);
}

/// The routes of Pancake's current reference, one call each (a part of
/// `every_operation_round_trips`, apart to keep its future small).
async fn current_routes(env: &Env, inbox: &str) {
    let pc = &env.pancake;
    let newest = pc
        .list_conversations_v2()
        .page_id(PAGE_ID)
        .types(vec![pancake::types::ConversationType::Inbox, pancake::types::ConversationType::Comment])
        .tags("1")
        .unread_first(true)
        .send()
        .await
        .unwrap();
    assert_eq!(newest.conversations.len(), 60);
    // Unread first (`inbox` was just marked unread), each tagged 1.
    assert_eq!(newest.conversations[0].seen, Some(false));
    assert!(
        newest
            .conversations
            .iter()
            .all(|c| c.tags.iter().any(|t| t.id == Some(pancake::types::TagId::Int64(1))))
    );
    wire(env, "list_conversations_v2");

    let sent = pc
        .send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body(pancake::types::SendPageMessageRequest::inbox_text("Dạ shop còn size M ạ"))
        .send()
        .await
        .unwrap();
    assert!(sent.id.as_deref().unwrap().starts_with("m_"));
    wire(env, "send_message_v2");

    let campaigns =
        pc.get_ads_campaign_statistics().page_id(PAGE_ID).since(SINCE).until(UNTIL).send().await.unwrap();
    assert_eq!(campaigns.len(), 2);
    assert_eq!(campaigns[0].currency.as_deref(), Some("VND"));
    wire(env, "get_ads_campaign_statistics");

    let ads = pc
        .get_ads_statistics()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(UNTIL)
        .aggregation(pancake::types::AdsAggregation::ById)
        .send()
        .await
        .unwrap();
    assert_eq!(ads.len(), 2);
    assert!(ads[0].spend.is_some());
    wire(env, "get_ads_statistics");

    let by_page = pc
        .get_page_customer_statistics()
        .page_id(PAGE_ID)
        .date_range("01/10/2025 - 03/10/2025")
        .group_by(pancake::types::NewCustomerGrouping::PageId)
        .send()
        .await
        .unwrap();
    let pancake::types::PageCustomerStatisticsData::Object(pages) = by_page.data.as_ref().unwrap() else {
        panic!("grouped by page, data is an object")
    };
    assert_eq!(pages[PAGE_ID].len(), 3);
    wire(env, "get_page_customer_statistics");

    let exported = pc
        .export_conversations_from_ads()
        .page_id(PAGE_ID)
        .since(SINCE)
        .until(UNTIL)
        .action(pancake::types::ExportAction::ConversationsFromAds)
        .offset(0)
        .send()
        .await
        .unwrap();
    assert_eq!(exported.data.len(), 50);
    assert!(exported.data.iter().all(|c| c.ad_clicks.len() == 1));
    wire(env, "export_conversations_from_ads");

    let changed = pc
        .update_customer()
        .page_id(PAGE_ID)
        .page_customer_id("cus-01-4")
        .body_map(|b| {
            b.changes(pancake::types::CustomerChanges {
                name: Some("Nguyễn Thị Lan".into()),
                gender: Some(pancake::types::Gender::Female),
                birthday: Some("1990-05-17".parse().unwrap()),
                phone_numbers: Some(vec!["0912345678".into()]),
            })
        })
        .send()
        .await
        .unwrap();
    assert_eq!(changed.success, Some(true));
    wire(env, "update_customer");

    let avatar = pc.get_customer_avatar().page_id(PAGE_ID).psid("6100000000010001").send().await.unwrap();
    assert!(avatar.url.ends_with("/6100000000010001.jpg"), "{}", avatar.url);
    wire(env, "get_customer_avatar");

    let note = pc
        .add_customer_note()
        .page_id(PAGE_ID)
        .page_customer_id("cus-01-4")
        .body_map(|b| b.message("Khách thích gọi buổi chiều"))
        .send()
        .await
        .unwrap();
    let note_id = note.note_id.clone().unwrap();
    wire(env, "add_customer_note");
    pc.update_customer_note()
        .page_id(PAGE_ID)
        .page_customer_id("cus-01-4")
        .body_map(|b| b.note_id(note_id.as_str()).message("Khách thích nhận email"))
        .send()
        .await
        .unwrap();
    wire(env, "update_customer_note");
    pc.delete_customer_note()
        .page_id(PAGE_ID)
        .page_customer_id("cus-01-4")
        .body_map(|b| b.note_id(note_id.as_str()))
        .send()
        .await
        .unwrap();
    wire(env, "delete_customer_note");

    let round_robin = pc
        .update_round_robin_users()
        .page_id(PAGE_ID)
        .body_map(|b| b.inbox(Some(vec!["u-1".into(), "u-3".into()])).comment(Some(vec!["u-2".into()])))
        .send()
        .await
        .unwrap();
    assert_eq!(round_robin.success, Some(true));
    wire(env, "update_round_robin_users");

    let uploaded = pc
        .upload_content()
        .page_id(PAGE_ID)
        .file(pancake_sdk::Upload::bytes("pancake.png", b"PNG sandbox bytes".to_vec()).mime_type("image/png"))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.attachment_type.as_deref(), Some("PHOTO"));
    wire(env, "upload_content");

    let token = pc.generate_page_access_token().page_id(PAGE_ID).send().await.unwrap();
    assert!(token.page_access_token.is_some());
    wire(env, "generate_page_access_token");

    let plugin = pc
        .send_chat_plugin_message()
        .page_id(PAGE_ID)
        .body_map(|b| {
            b.from_id("web_visitor_1")
                .dummy_id(1_765_875_902_892_i64)
                .inserted_at(1_765_875_902_892_i64)
                .message(Some("Shop ơi, còn hàng không?".into()))
                .name(Some("Khách web".into()))
        })
        .send()
        .await
        .unwrap();
    let plugin_conversation = plugin.conversation_id.clone().unwrap();
    wire(env, "send_chat_plugin_message");
    let history = pc
        .list_chat_plugin_messages()
        .conversation_id(plugin_conversation.as_str())
        .page_id(PAGE_ID)
        .offset(0)
        .send()
        .await
        .unwrap();
    assert_eq!(history.messages[0].original_message.as_deref(), Some("Shop ơi, còn hàng không?"));
    wire(env, "list_chat_plugin_messages");
}

/// The table of calls every binding replays (`tests/calls.json`).
fn calls() -> Vec<serde_json::Value> {
    let text = include_str!("../calls.json");
    let table: serde_json::Value = serde_json::from_str(text).unwrap();
    table["calls"].as_array().unwrap().clone()
}

#[tokio::test]
async fn json_calls_put_the_same_requests_on_the_wire() {
    let env = env();
    let calls = calls();
    for call in &calls {
        let (operation, mut args) = (call["operation"].as_str().unwrap(), call["args"].clone());
        let file = args.as_object_mut().unwrap().remove("file");
        let answer = match (call["api"].as_str().unwrap(), file) {
            ("botcake", _) => env.botcake.call_json(operation, args, Default::default()).await,
            (_, Some(file)) => {
                let upload = pancake_sdk::Upload::bytes(
                    file["name"].as_str().unwrap(),
                    file["text"].as_str().unwrap().as_bytes().to_vec(),
                )
                .mime_type(file["mime_type"].as_str().unwrap());
                env.pancake.call_upload(operation, args, upload, Default::default()).await
            }
            _ => env.pancake.call_json(operation, args, Default::default()).await,
        };
        let answer = answer.unwrap_or_else(|e| panic!("{operation}: {e}"));
        // An object that does not say `success: false` (some answer no `success`), or a list.
        let json = answer.json();
        assert!(json.is_array() || (json.is_object() && json["success"] != false), "{operation}: {json}");
        wire(&env, operation);
    }
    let operations = pancake_sdk::botcake::API.operations.len() + pancake_sdk::pancake::API.operations.len();
    assert_eq!(calls.len(), operations, "one call per operation");
}

#[tokio::test]
async fn json_calls_refuse_what_the_typed_call_refuses() {
    let env = env();
    let args = serde_json::json!({ "page_id": PAGE_ID, "since": 0, "until": 1, "page_number": 0 });
    let error = env.pancake.call_json("list_page_customers", args, Default::default()).await.unwrap_err();
    assert!(
        matches!(&error, pancake_sdk::Error::InvalidRequest { field: Some(f), .. } if f == "page_number"),
        "{error:?}"
    );
    let args = serde_json::json!({ "page_id": PAGE_ID, "colour": "red" });
    let error = env.pancake.call_json("list_tags", args, Default::default()).await.unwrap_err();
    assert!(
        matches!(&error, pancake_sdk::Error::InvalidRequest { field: Some(f), .. } if f == "colour"),
        "{error:?}"
    );
    let error =
        env.pancake.call_json("list_tags", serde_json::json!({}), Default::default()).await.unwrap_err();
    assert!(
        matches!(&error, pancake_sdk::Error::InvalidRequest { field: Some(f), .. } if f == "page_id"),
        "{error:?}"
    );
    let error =
        env.botcake.call_json("list_tags", serde_json::json!({}), Default::default()).await.unwrap_err();
    assert!(error.to_string().contains("no operation"), "{error}");
    // A JSON door reads no local file: an upload's file comes apart (`call_upload`).
    let args = serde_json::json!({ "page_id": PAGE_ID, "file": "/etc/hostname" });
    let error = env.pancake.call_json("upload_content", args, Default::default()).await.unwrap_err();
    assert_eq!(error.field(), Some("file"), "{error:?}");
    assert!(env.sandbox.requests().is_empty());
}

#[tokio::test]
async fn json_calls_keep_answers_the_typed_call_cannot_decode() {
    let env = env();
    // `"tags": null` does not fit the spec (a list): the typed call cannot decode it...
    env.sandbox.inject(pancake_sandbox::FaultRule::next("null-lists")).unwrap();
    let typed = env.pancake.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
    assert!(matches!(typed, pancake_sdk::Error::Decode { .. }), "{typed:?}");
    // ...but a JSON caller (Python, C, the CLI) still gets the data as it came.
    env.sandbox.inject(pancake_sandbox::FaultRule::next("null-lists")).unwrap();
    let args = serde_json::json!({ "page_id": PAGE_ID });
    let answer = env.pancake.call_json("list_tags", args.clone(), Default::default()).await.unwrap();
    assert_eq!(answer.json(), serde_json::json!({ "success": true, "tags": null }));
    env.sandbox.inject(pancake_sandbox::FaultRule::next("malformed-json")).unwrap();
    let broken = env.pancake.call_json("list_tags", args, Default::default()).await.unwrap_err();
    assert!(matches!(broken, pancake_sdk::Error::Decode { .. }), "a body that is not JSON stays an error");
}

/// An upload, then a send of its content id, in the current route; a file over the documented
/// limit is refused before anything is sent, naming the limit.
#[tokio::test]
async fn an_upload_is_sent_by_its_content_id_and_an_oversized_video_never_leaves() {
    let env = env();
    let pc = &env.pancake;
    let inbox = "105000000000001_6100000000010003";
    let photo = pc
        .upload_content()
        .page_id(PAGE_ID)
        .file(pancake_sdk::Upload::bytes("áo thun.jpg", vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]))
        .send()
        .await
        .unwrap();
    let id = photo.id.clone().unwrap();
    let sent = pc
        .send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body(pancake::types::SendPageMessageRequest::inbox_media([id.as_str()]))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.success, Some(true));
    let requests = env.sandbox.requests();
    let upload = &requests[0];
    assert_eq!(upload["body"]["file"]["content_type"], "image/jpeg");
    assert_eq!(upload["body"]["file"]["size"], 7);
    assert_eq!(requests[1]["body"]["content_ids"], serde_json::json!([id]));

    // A content id that was never uploaded is refused by the sandbox, as by the API.
    let unknown = pc
        .send_message_v2()
        .page_id(PAGE_ID)
        .conversation_id(inbox)
        .body(pancake::types::SendPageMessageRequest::inbox_media(["made-up"]))
        .send()
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("content_ids"), "{unknown}");

    env.sandbox.reset();
    let clip = pancake_sdk::Upload::bytes("clip.mp4", vec![0u8; (15 << 20) + 1]);
    let refused = pc.upload_content().page_id(PAGE_ID).file(clip.clone()).send().await.unwrap_err();
    assert_eq!(refused.field(), Some("file"));
    assert!(refused.to_string().contains("over the 15 MiB limit"), "{refused}");
    assert!(env.sandbox.requests().is_empty(), "refused before sending");
    // Shopee takes 30 MiB videos.
    let shopee = pc.upload_content().page_id(PAGE_ID).file(clip.platform("shopee")).send().await;
    assert!(shopee.is_err(), "the sandbox's pages are Facebook pages: 15 MiB");
    assert_eq!(env.sandbox.requests().len(), 1, "sent, and refused by the sandbox");
    let missing = pc.upload_content().page_id(PAGE_ID).send().await.unwrap_err();
    assert_eq!(missing.field(), Some("file"));
}

/// The send helper: files checked (their count on the platform, each against its limit), then
/// uploaded, then their content ids sent; nothing is uploaded when a check fails.
#[tokio::test]
async fn media_are_uploaded_and_sent_in_one_step_within_the_platforms_limits() {
    use pancake_sdk::Upload;
    let env = env();
    let pc = &env.pancake;
    let args =
        serde_json::json!({ "page_id": PAGE_ID, "conversation_id": "105000000000001_6100000000010003" });
    let files =
        vec![Upload::bytes("a.jpg", vec![0xff, 0xd8, 1]), Upload::bytes("b.png", vec![0x89, b'P', 2])];
    let sent = pc.send_message_v2_media(args.clone(), files.clone(), Some("facebook")).await.unwrap();
    assert_eq!(sent.json()["success"], true);
    let requests = env.sandbox.requests();
    let operations: Vec<&str> = requests.iter().map(|r| r["operation_id"].as_str().unwrap()).collect();
    assert_eq!(operations, ["upload_content", "upload_content", "send_message_v2"]);
    let ids = &requests[2]["body"]["content_ids"];
    assert_eq!(ids.as_array().unwrap().len(), 2);
    assert_eq!(requests[2]["body"]["action"], "reply_inbox");

    env.sandbox.reset();
    // Every other platform takes one file a call.
    let too_many = pc.send_message_v2_media(args.clone(), files.clone(), None).await.unwrap_err();
    assert_eq!(too_many.field(), Some("content_ids"));
    assert!(too_many.to_string().contains("at most 1"), "{too_many}");
    // A platform the spec does not name takes what every other platform takes.
    let unnamed = pc.send_message_v2_media(args.clone(), files, Some("shopee")).await.unwrap_err();
    assert!(unnamed.to_string().contains("at most 1"), "{unnamed}");
    let clip = Upload::bytes("clip.mp4", vec![0u8; (15 << 20) + 1]);
    let oversized = pc
        .send_message_v2_media(args, vec![Upload::bytes("a.jpg", vec![1]), clip], Some("facebook"))
        .await
        .unwrap_err();
    assert_eq!(oversized.field(), Some("file"));
    assert!(oversized.to_string().contains("15 MiB"), "{oversized}");
    assert!(env.sandbox.requests().is_empty(), "nothing was uploaded");
}
