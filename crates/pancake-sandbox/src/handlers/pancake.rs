//! Pancake's operations.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value, json};

use super::{Call, Listing, PageRef, Reply};
use crate::data::{self, Page};
use crate::state::World;

/// Private replies go only to comments at most this old (seconds), by Facebook's rules.
pub const PRIVATE_REPLY_WINDOW: i64 = 7 * 24 * 3600;
/// The sandbox's "now" for the 7-day rule: the end of the page's data year.
fn now_of(page: &Page) -> i64 {
    page.epoch + data::SPAN
}

/// The matches of a list call on a page, before paging (the list handler pages them by the
/// spec's `x-pancake-pagination`); `None` when the call is not a list of this API, an error
/// reply for a query the API refuses.
pub fn listing<'a>(world: &'a World, call: &Call, page: PageRef<'a>) -> Option<Result<Listing<'a>, Reply>> {
    let listing =
        |count: usize, item: Box<dyn Fn(usize) -> Value + 'a>| Listing { count, item, extra: Map::new() };
    Some(Ok(match call.route.operation_id.as_str() {
        "list_conversations" => {
            let (since, until) = range(call)?;
            let by_update = call.str("order_by") == Some("updated_at");
            let time = move |i: usize| {
                if by_update { data::updated_time(page, i) } else { data::conversation_time(page, i) }
            };
            let mut matching: Vec<usize> =
                (0..page.conversations).filter(|i| in_range(time(*i), since, until)).collect();
            matching.sort_by_key(|i| std::cmp::Reverse(time(*i)));
            listing(matching.len(), Box::new(move |n| conversation_view(world, page, matching[n])))
        }
        "list_conversations_v2" => {
            let since = call.int("since").unwrap_or(i64::MIN);
            let until = call.int("until").unwrap_or(i64::MAX);
            if since > until {
                return Some(Err(Reply::error(400, "until: must not be before since")));
            }
            let by_insert = call.str("order_by") == Some("inserted_at");
            let time = move |i: usize| {
                if by_insert { data::conversation_time(page, i) } else { data::updated_time(page, i) }
            };
            let list = |name: &str| -> Vec<String> {
                call.params
                    .get(name)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            };
            let types = list("type[]");
            let posts = list("post_ids");
            if types.iter().any(|t| t == "POST") && posts.is_empty() {
                return Some(Err(Reply::error(400, "post_ids: required with type POST")));
            }
            let tags: Vec<i64> = match call.str("tags").filter(|t| !t.trim().is_empty()) {
                None => Vec::new(),
                Some(text) => match text.split(',').map(|t| t.trim().parse::<i64>()).collect() {
                    Ok(tags) => tags,
                    Err(_) => {
                        return Some(Err(Reply::error(
                            400,
                            format!("tags: {text:?} is not tag ids separated by commas"),
                        )));
                    }
                },
            };
            let unread_first = call.params.get("unread_first").and_then(Value::as_bool).unwrap_or(false);
            let mut matching: Vec<(bool, i64, usize)> = (0..page.conversations)
                .filter(|i| in_range(time(*i), since, until))
                .filter_map(|i| {
                    let view = conversation_view(world, page, i);
                    let kind = view["type"].as_str().unwrap_or_default();
                    let post = view["post_id"].as_str().unwrap_or_default();
                    let typed = types.is_empty()
                        || types
                            .iter()
                            .any(|t| same_kind(t, kind) || (t == "POST" && posts.iter().any(|p| p == post)));
                    let posted = posts.is_empty() || posts.iter().any(|p| p == post);
                    let tagged = tags
                        .iter()
                        .all(|t| view["tags"].as_array().into_iter().flatten().any(|v| v["id"] == *t));
                    let unread = !view["seen"].as_bool().unwrap_or(true);
                    (typed && posted && tagged).then_some((unread_first && unread, time(i), i))
                })
                .collect();
            // Unread first when asked, then the newest first.
            matching.sort_by_key(|(unread, t, _)| (std::cmp::Reverse(*unread), std::cmp::Reverse(*t)));
            listing(matching.len(), Box::new(move |n| conversation_view(world, page, matching[n].2)))
        }
        "export_conversations_from_ads" => {
            let (since, until) = range(call)?;
            let matching: Vec<usize> = (0..page.conversations)
                .filter(|i| from_ad(*i) && in_range(data::conversation_time(page, *i), since, until))
                .collect();
            listing(matching.len(), Box::new(move |n| exported(world, page, matching[n])))
        }
        "list_messages" => {
            let Some(i) = find_conversation(page, call.str("conversation_id")?) else {
                return Some(Err(Reply::error(404, "conversation_id: no such conversation on this page")));
            };
            let conversation = data::conversation(page, i, &[]);
            let customer = conversation["customers"][0].clone();
            if call.str("customer_id") != customer["id"].as_str() {
                return Some(Err(Reply::error(400, "customer_id: not the customer of this conversation")));
            }
            let total = data::message_count(i);
            let mut extra = Map::new();
            extra.insert("conversation_id".into(), conversation["id"].clone());
            extra.insert("customers".into(), json!([customer]));
            // Newest first.
            Listing { count: total, item: Box::new(move |n| data::message(page, i, total - 1 - n)), extra }
        }
        "list_page_customers" => {
            let (since, until) = range(call)?;
            let matching: Vec<usize> = (0..page.customers)
                .filter(|i| in_range(data::customer_time(page, *i), since, until))
                .collect();
            listing(matching.len(), Box::new(move |n| customer_view(world, page, matching[n])))
        }
        "list_posts" => {
            let (since, until) = range(call)?;
            let mut matching: Vec<usize> =
                (0..page.posts).filter(|i| in_range(data::post_time(page, *i), since, until)).collect();
            matching.reverse();
            listing(matching.len(), Box::new(move |n| data::post(page, matching[n])))
        }
        "list_call_logs" => {
            let since = call.int("since").unwrap_or(i64::MIN);
            let until = call.int("until").unwrap_or(i64::MAX);
            if since > until {
                return Some(Err(Reply::error(400, "until: must not be before since")));
            }
            let mut matching: Vec<usize> =
                (0..page.call_logs).filter(|i| in_range(data::call_time(page, *i), since, until)).collect();
            matching.reverse();
            listing(matching.len(), Box::new(move |n| data::call_log(page, matching[n])))
        }
        _ => return None,
    }))
}

/// Answers an operation on a page, or `None` when the call is not one; a send or a change
/// of a conversation posts its webhook events.
pub fn handle_page(world: &World, call: &Call, page: PageRef) -> Option<Reply> {
    let reply = answer_page(world, call, page)?;
    if reply.status == 200 {
        announce(world, call, page, &reply);
    }
    Some(reply)
}

/// The operations that change a conversation, and so post a `conversation` event.
const CONVERSATION_CHANGES: &[&str] = &[
    "send_message",
    "send_message_v2",
    "tag_conversation",
    "assign_conversation",
    "mark_conversation_read",
    "mark_conversation_unread",
];

/// Posts the webhook events of a call that succeeded: a send's `messaging` event, and the
/// `conversation` event of every change of a conversation.
fn announce(world: &World, call: &Call, page: &Page, reply: &Reply) {
    let operation = call.route.operation_id.as_str();
    if !CONVERSATION_CHANGES.contains(&operation) {
        return;
    }
    let Some(i) = call.str("conversation_id").and_then(|id| find_conversation(page, id)) else {
        return;
    };
    let mut snippet = None;
    if operation.starts_with("send_message") {
        let text = call.field("message").and_then(Value::as_str).unwrap_or_default();
        let id = reply.body["id"].as_str().unwrap_or_default();
        let from = json!({ "id": page.id, "name": page.name });
        world.hooks.emit(messaging_event(world, page, i, id, text, from));
        snippet = Some(text.to_string());
    }
    world.hooks.emit(conversation_event(world, page, i, snippet));
}

/// A conversation (as the lists show it, `view`) as a `messaging` event carries it.
fn webhook_conversation(view: &Value) -> Value {
    let tags: Vec<Value> = view["tags"].as_array().into_iter().flatten().map(|t| t["id"].clone()).collect();
    json!({
        "id": view["id"], "assignee_ids": view["assignee_ids"], "from": view["from"],
        "is_combined": false, "is_removed": false, "is_replied": true, "read_watermarks": null,
        "seen": view["seen"], "snippet": view["snippet"], "tags": tags, "type": view["type"],
    })
}

/// A `messaging` event: message `id` with `text` from `from` in conversation `i`.
fn messaging_event(world: &World, page: &Page, i: usize, id: &str, text: &str, from: Value) -> Value {
    let conversation = webhook_conversation(&conversation_view(world, page, i));
    let comment = conversation["type"] == "COMMENT";
    let post = match comment {
        true => webhook_post(page, i % page.posts.max(1)),
        false => Value::Null,
    };
    json!({
        "page_id": page.id,
        "event_type": "messaging",
        "data": {
            "conversation": conversation,
            "message": {
                "id": id, "conversation_id": conversation["id"], "page_id": page.id,
                "message": text, "original_message": text, "rich_message": null, "type": conversation["type"],
                "inserted_at": data::iso(unix_now()), "from": from, "attachments": [], "has_phone": false,
                "phone_info": [], "is_hidden": false, "is_parent": false, "is_parent_hidden": false,
                "is_removed": false, "like_count": null, "user_likes": false, "edit_history": null,
                "parent_id": null, "private_reply_conversation": null, "removed_by": null, "show_info": true,
                "can_comment": comment, "can_hide": comment, "can_like": comment, "can_remove": comment,
                "can_reply_privately": comment,
            },
            "post": post,
        },
    })
}

/// A `conversation` event for conversation `i` at its next version.
fn conversation_event(world: &World, page: &Page, i: usize, snippet: Option<String>) -> Value {
    let view = conversation_view(world, page, i);
    let mut conversation = webhook_conversation(&view);
    let id = conversation["id"].as_str().unwrap_or_default().to_string();
    if let Some(snippet) = snippet {
        conversation["snippet"] = snippet.into();
    }
    conversation["customer_id"] = view["customer_id"].clone();
    conversation["read_watermarks"] = json!([]);
    conversation["version"] = world.hooks.next_version(&id).into();
    json!({
        "event_type": "conversation",
        "page_id": page.id,
        "request_id": world.hooks.request_id(),
        "timestamp": unix_now(),
        "data": { "conversation": conversation },
    })
}

/// Post `i` as `messaging` and `post` events carry it.
fn webhook_post(page: &Page, i: usize) -> Value {
    let post = data::post(page, i);
    let media_id = format!("{}", 128_000_000 + i);
    json!({
        "id": post["id"], "page_id": page.id, "message": post["message"], "type": post["type"],
        "inserted_at": post["inserted_at"], "story": null, "admin_creator": null, "from": post["from"],
        "attachments": {
            "ids": [media_id],
            "data": [{
                "type": post["type"], "title": null, "description": null,
                "media": { "image": { "height": 720, "width": 720 } },
                "target": { "id": media_id, "url": format!("https://content.sandbox.invalid/posts/{media_id}") },
            }],
        },
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Posts an event no API call makes (`POST /_sandbox/webhooks/emit`): `{event_type, page_id?,
/// conversation_id?, connect_status?, data?}`. Any other `event_type` posts an event the SDKs
/// do not know, with `data` as given.
pub fn emit(world: &World, request: &Value) -> Result<(), String> {
    let event_type = request["event_type"].as_str().ok_or("event_type: missing or not a string")?;
    let page_id = request["page_id"].as_str().unwrap_or(crate::PAGE_ID);
    let page = world.page(page_id).ok_or_else(|| format!("page_id: {page_id} is not a sandbox page"))?;
    let conversation = match request["conversation_id"].as_str() {
        Some(id) => {
            find_conversation(page, id).ok_or("conversation_id: no such conversation on this page")?
        }
        None => 0,
    };
    let event = match event_type {
        "messaging" => {
            let view = conversation_view(world, page, conversation);
            let from = json!({ "id": view["from"]["id"], "name": view["from"]["name"], "page_customer_id": view["customer_id"] });
            let id = format!("m_sandbox_in_{}", world.hooks.next_number());
            messaging_event(world, page, conversation, &id, "Shop ơi còn hàng không?", from)
        }
        "conversation" => conversation_event(world, page, conversation, None),
        "post" => {
            json!({ "event_type": "post", "page_id": page.id, "data": { "post": webhook_post(page, 0) } })
        }
        "subscription" => json!({
            "event_type": "subscription",
            "data": { "subscription": {
                "id": "SBX001", "type": "pancake", "currency": "VND", "duration": 6, "is_activated": true,
                "is_paid": true, "auto_config": false, "accumulated_amount": 2_025_390_000, "payment_amount": 2_025_390_000,
                "activated_at": data::iso(page.epoch), "inserted_at": data::iso(page.epoch),
                "expired_at": data::iso(page.epoch + data::SPAN), "owner_id": "u-1", "page_count": world.pages.len(),
                "page_ids": world.pages.iter().map(|p| p.id).collect::<Vec<_>>(), "user_count": 3,
                "user_ids": ["u-1", "u-2", "u-3"], "shared_accounts": [], "upgrade_from": null,
            } },
        }),
        "connect_status" => {
            let status = request["connect_status"].as_str().unwrap_or("disconnected");
            if !["connected", "disconnected"].contains(&status) {
                return Err("connect_status: connected or disconnected".into());
            }
            json!({
                "event_type": "connect_status", "page_id": page.id, "request_id": world.hooks.request_id(),
                "timestamp": unix_now(), "data": { "connect_status": status, "page_id": page.id },
            })
        }
        other => json!({
            "event_type": other, "page_id": page.id, "request_id": world.hooks.request_id(),
            "timestamp": unix_now(), "data": request.get("data").cloned().unwrap_or_else(|| json!({})),
        }),
    };
    world.hooks.emit(event);
    Ok(())
}

/// Answers an operation on a page, or `None` when the call is not one.
fn answer_page(world: &World, call: &Call, page: PageRef) -> Option<Reply> {
    Some(match call.route.operation_id.as_str() {
        "list_tags" => {
            let tags: Vec<Value> = data::TAGS
                .iter()
                .map(|(id, text, color)| json!({ "id": id, "text": text, "color": color, "lighten_color": format!("{color}33") }))
                .collect();
            Reply::ok(json!({ "success": true, "tags": tags }))
        }
        "tag_conversation" => tag_conversation(world, call, page)?,
        "mark_conversation_read" => mark_seen(world, call, page, true)?,
        "assign_conversation" => assign_conversation(world, call, page)?,
        "list_users" => {
            let mut users = data::staff_users();
            if let Some(round_robin) = world.with_state(|s| s.round_robin.clone()) {
                users["round_robin_users"] = round_robin;
            }
            Reply::ok(users)
        }
        "update_round_robin_users" => update_round_robin_users(world, call, page)?,
        "send_message_v2" => send_message_v2(world, call, page)?,
        "update_customer" => update_customer(world, call, page)?,
        "add_customer_note" | "update_customer_note" | "delete_customer_note" => {
            customer_note(world, call, page)?
        }
        "get_customer_avatar" => {
            let psid = call.str("psid")?;
            if !(0..page.customers).any(|i| data::psid(i) == psid) {
                return Some(Reply::error(404, "psid: no such customer on this page"));
            }
            Reply::redirect(format!("https://content.sandbox.invalid/avatars/{}/{psid}.jpg", page.id))
        }
        "generate_page_access_token" => {
            // A new token for the page; the page's previous generated token stops working.
            let token = world.with_state(|s| {
                let count = s.generated_page_tokens.len() + s.renewed_page_tokens.len() + 1;
                let token = format!("sandbox-page-token-{}-{count}", page.id);
                if let Some(old) = s.generated_page_tokens.insert(page.id.to_string(), token.clone()) {
                    s.renewed_page_tokens.insert(old);
                }
                s.journal(call.journal_entry(page.id, json!({})));
                token
            });
            Reply::ok(json!({ "success": true, "page_access_token": token }))
        }
        "send_chat_plugin_message" => send_chat_plugin_message(world, call, page)?,
        "upload_content" => {
            let file = call.field("file")?;
            let kind = match file["content_type"].as_str().unwrap_or_default() {
                t if t.starts_with("image/") => "PHOTO",
                t if t.starts_with("video/") => "VIDEO",
                t if t.starts_with("audio/") => "AUDIO_ATTACHMENT_ID",
                _ => "DOCUMENT",
            };
            let id = world.with_state(|s| {
                let id = format!("sandbox-content-{}-{}", page.id, s.uploads.len() + 1);
                s.uploads.insert(id.clone(), page.id.to_string());
                s.journal(call.journal_entry(page.id, json!({ "file": file, "id": id })));
                id
            });
            Reply::ok(json!({ "success": true, "id": id, "attachment_type": kind }))
        }
        "list_chat_plugin_messages" => {
            let conversation_id = call.str("conversation_id")?;
            let Some(messages) = world.with_state(|s| s.chat_plugin.get(conversation_id).cloned()) else {
                return Some(Reply::error(404, "conversation_id: no such chat plugin conversation"));
            };
            let offset = call.int("offset").unwrap_or(0).max(0) as usize;
            let messages: Vec<Value> = messages.into_iter().skip(offset).take(30).collect();
            Reply::ok(json!({ "messages": messages, "can_request_feedback": true }))
        }
        "get_ads_campaign_statistics" => {
            let (since, until) = range(call)?;
            if since > until {
                return Some(Reply::error(400, "until: must not be before since"));
            }
            let campaigns: Vec<Value> = (1..=2)
                .map(|k| {
                    json!({
                        "account_id": format!("act_{}", page.id), "ad_id": format!("1202{k:011}"),
                        "adset_id": format!("1203{k:011}"), "budget_remaining": (150_000 * k).to_string(),
                        "currency": "VND", "daily_budget": (500_000 * k).to_string(),
                        "status": if k == 1 { "ACTIVE" } else { "PAUSED" },
                    })
                })
                .collect();
            Reply::ok(Value::Array(campaigns))
        }
        "get_ads_statistics" => {
            let (since, until) = range(call)?;
            if since > until {
                return Some(Reply::error(400, "until: must not be before since"));
            }
            let stats = |name: String, n: i64| {
                json!({
                    "name": name, "status": "ACTIVE", "currency": "VND",
                    "reach": (1_000 + n * 37).to_string(), "impressions": (2_000 + n * 53).to_string(),
                    "spend": (50_000 + n * 1_000).to_string(),
                })
            };
            let rows: Vec<Value> = match call.str("type")? {
                "by_time" => days(since, until).map(|d| stats(day_label(d), d / 86_400 % 100)).collect(),
                _ => (1..=2).map(|k| stats(format!("{} quảng cáo {k}", page.name), k)).collect(),
            };
            Reply::ok(Value::Array(rows))
        }
        "get_page_customer_statistics" => {
            let (start, end) = match parse_date_range(call.str("date_range")?) {
                Ok(range) => range,
                Err(message) => return Some(Reply::error(400, message)),
            };
            let bucket = |label: String, from: i64, to: i64| {
                let new =
                    (0..page.customers).filter(|i| in_range(data::customer_time(page, *i), from, to)).count();
                json!({
                    "date": label, "new_customer_count": new, "new_page_inbox_count": new / 2,
                    "new_phone_number_count": new / 3, "phone_number_count": new / 3,
                })
            };
            let by_day = || -> Vec<Value> {
                days(start, end).map(|d| bucket(data::iso(d)[..10].to_string(), d, d + 86_399)).collect()
            };
            let data = match call.str("group_by").unwrap_or("day") {
                "page_id" => json!({ page.id: by_day() }),
                "hour" => Value::Array(
                    (start..=end)
                        .step_by(3_600)
                        .take(24 * 31)
                        .map(|h| bucket(data::iso(h), h, h + 3_599))
                        .collect(),
                ),
                _ => Value::Array(by_day()),
            };
            Reply::ok(json!({ "success": true, "data": data }))
        }
        "mark_conversation_unread" => mark_seen(world, call, page, false)?,
        "send_message" => send_message(world, call, page)?,
        "get_page_statistics" => {
            let (since, until) = range(call)?;
            let buckets: Vec<Value> = days(since, until)
                .map(|day| {
                    let n = (day / 86_400) as usize;
                    json!({
                        "hour": data::iso(day),
                        "customer_comment_count": n % 7, "customer_inbox_count": 10 + n % 13,
                        "new_customer_count": n % 5, "new_inbox_count": 1 + n % 4,
                        "page_comment_count": n % 3, "page_inbox_count": 8 + n % 11, "phone_number_count": n % 2,
                    })
                })
                .collect();
            Reply::ok(json!({ "success": true, "data": buckets }))
        }
        "get_tag_statistics" => {
            let (since, until) = range(call)?;
            let days: Vec<i64> = days(since, until).collect();
            let mut series = Map::new();
            for (id, text, _) in data::TAGS {
                series.insert(text.to_string(), days.iter().map(|d| (d / 86_400 + id) % 6).collect());
            }
            let tags: Vec<Value> = data::TAGS
                .iter()
                .map(|(id, text, color)| json!({ "id": id.to_string(), "text": text, "color": color }))
                .collect();
            let categories: Vec<String> = days.iter().map(|d| day_label(*d)).collect();
            Reply::ok(
                json!({ "success": true, "data": { "categories": categories, "series": series }, "tags": tags }),
            )
        }
        "get_customer_engagement_statistics" => {
            let (start, end) = match parse_date_time_range(call.str("date_range")?) {
                Ok(range) => range,
                Err(message) => return Some(Reply::error(400, message)),
            };
            let by_hour = call.params.get("by_hour").and_then(Value::as_bool).unwrap_or(false);
            let step = if by_hour { 3_600 } else { 86_400 };
            let points: Vec<i64> =
                (0..).map(|k| start + k * step).take_while(|t| *t <= end).take(400).collect();
            let inbox: Vec<i64> = points.iter().map(|t| (t / step) % 17).collect();
            let comment: Vec<i64> = points.iter().map(|t| (t / step) % 5).collect();
            let statistics: Vec<Value> = points
                .iter()
                .zip(inbox.iter().zip(&comment))
                .map(|(t, (i, c))| json!({ "hour": data::iso(*t), "inbox": i, "comment": c, "total": i + c, "new_customer": i / 3 }))
                .collect();
            let categories: Vec<String> =
                points.iter().map(|t| if by_hour { hour_label(*t) } else { day_label(*t) }).collect();
            Reply::ok(json!({
                "success": true,
                "data": { "categories": categories, "series": [{ "name": "inbox", "data": inbox }, { "name": "comment", "data": comment }] },
                "statistics": statistics,
            }))
        }
        "get_user_statistics" => {
            if let Err(message) = parse_date_time_range(call.str("date_range")?) {
                return Some(Reply::error(400, message));
            }
            Reply::ok(json!({ "success": true, "data": staff_statistics(1) }))
        }
        "get_new_customer_statistics" => {
            let (start, end) = match parse_date_range(call.str("date_range")?) {
                Ok(range) => range,
                Err(message) => return Some(Reply::error(400, message)),
            };
            let count = |from: i64, to: i64| {
                (0..page.customers).filter(|i| in_range(data::customer_time(page, *i), from, to)).count()
            };
            let data = match call.str("group_by").unwrap_or("day") {
                "page_id" => json!({ page.id: count(start, end) }),
                "hour" => Value::Array(
                    (0..24)
                        .map(|h| {
                            let n = (start..=end)
                                .step_by(86_400)
                                .map(|d| count(d + h * 3_600, d + h * 3_600 + 3_599))
                                .sum::<usize>();
                            json!({ "hour": format!("{h:02}"), "count": n })
                        })
                        .collect(),
                ),
                _ => Value::Array(
                    days(start, end)
                        .map(|d| json!({ "date": data::iso(d)[..10].to_string(), "count": count(d, d + 86_399) }))
                        .collect(),
                ),
            };
            Reply::ok(json!({ "success": true, "data": data }))
        }
        _ => return None,
    })
}

/// Whether a `type[]` filter takes a conversation of `kind`: the filter's `COMMENT_LIVESTREAM`
/// is the answers' `LIVESTREAM`.
fn same_kind(filter: &str, kind: &str) -> bool {
    let livestream = |t: &str| t == "LIVESTREAM" || t == "COMMENT_LIVESTREAM";
    filter == kind || (livestream(filter) && livestream(kind))
}

/// Answers an account-level (user token) operation, or `None`.
pub fn handle_account(world: &World, call: &Call) -> Option<Reply> {
    Some(match call.route.operation_id.as_str() {
        "list_pages" => {
            let pages: Vec<Value> = world
                .pages
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id, "name": p.name, "platform": "facebook",
                        "avatar_url": format!("https://content.sandbox.invalid/pages/{}.jpg", p.id),
                    })
                })
                .collect();
            let ids: Vec<&str> = world.pages.iter().map(|p| p.id).collect();
            // The older answer groups the pages by state; the 2026 reference's is a flat list.
            Reply::ok(json!({ "success": true, "pages": pages, "categorized": {
                "activated": pages, "activated_page_ids": ids, "hidden": [], "inactivated": [], "nopermission": [],
            }}))
        }
        "get_multi_page_user_statistics" => {
            let ids: Vec<&str> = call.str("page_ids")?.split(',').map(str::trim).collect();
            if let Some(unknown) = ids.iter().find(|id| world.page(id).is_none()) {
                return Some(Reply::coded(403, 105, format!("page_ids: no permission for page {unknown}")));
            }
            if let Err(message) = parse_date_time_range(call.str("date_range")?) {
                return Some(Reply::error(400, message));
            }
            Reply::ok(json!({ "success": true, "data": staff_statistics(ids.len() as i64) }))
        }
        _ => return None,
    })
}

/// Conversation `i` as the conversation lists show it, with the sandbox's writes (tags, read
/// state, assignees).
fn conversation_view(world: &World, page: &Page, i: usize) -> Value {
    let id = data::conversation_id(page, i);
    let (tags, seen, assignees) = world.with_state(|s| {
        (s.conversation_tags(&id, i).clone(), s.seen.get(&id).copied(), s.assignees.get(&id).cloned())
    });
    let mut conversation = data::conversation(page, i, &tags);
    if let Some(seen) = seen {
        conversation["seen"] = seen.into();
    }
    if let Some(assignees) = assignees {
        conversation["assignee_ids"] = assignees.into();
    }
    conversation["customer_id"] = conversation["customers"][0]["id"].clone();
    conversation["recent_phone_numbers"] = json!([]);
    conversation
}

/// Whether conversation `i` began from an ad (every third).
fn from_ad(i: usize) -> bool {
    i.is_multiple_of(3)
}

/// Conversation `i` as `export_data` answers it.
fn exported(world: &World, page: &Page, i: usize) -> Value {
    let view = conversation_view(world, page, i);
    let staff: Vec<Value> = view["assignee_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| data::staff_users()["users"].as_array()?.iter().find(|u| u["id"] == *id).cloned())
        .map(|u| json!({ "id": u["id"], "name": u["name"] }))
        .collect();
    json!({
        "id": view["id"],
        "tags": view["tags"].as_array().into_iter().flatten().map(|t| t["id"].to_string()).collect::<Vec<_>>(),
        "from": view["from"],
        "inserted_at": view["inserted_at"],
        "updated_at": view["updated_at"],
        "customers": view["customers"],
        "recent_phone_numbers": [],
        "recent_seen_users": [],
        "thread_key": format!("t_{}", view["from"]["id"].as_str().unwrap_or_default()),
        "psid": view["from"]["id"],
        "ad_clicks": [format!("1202{:011}", 1 + i % 2)],
        "is_banned": false,
        "assignees": staff,
    })
}

/// Customer `i` with the sandbox's writes (changes, notes).
fn customer_view(world: &World, page: &Page, i: usize) -> Value {
    let mut customer = data::customer(page, i);
    let id = customer["id"].as_str().unwrap_or_default().to_string();
    let (changes, notes) =
        world.with_state(|s| (s.customer_changes.get(&id).cloned(), s.notes.get(&id).cloned()));
    for (key, value) in changes.into_iter().flatten() {
        customer[key] = value;
    }
    if let (Some(notes), Some(list)) = (notes, customer["notes"].as_array_mut()) {
        list.extend(notes);
    }
    customer
}

/// The index of a customer id on a page.
fn find_customer(page: &Page, id: &str) -> Option<usize> {
    (0..page.customers).find(|i| data::customer(page, *i)["id"] == id)
}

fn update_customer(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let id = call.str("page_customer_id")?;
    if find_customer(page, id).is_none() {
        return Some(Reply::error(404, "page_customer_id: no such customer on this page"));
    }
    let changes = call.field("changes")?.as_object()?.clone();
    world.with_state(|s| {
        s.customer_changes.entry(id.to_string()).or_default().extend(changes);
        s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
    });
    Some(Reply::ok(json!({ "success": true })))
}

/// Adds, changes or deletes a customer's note (only the notes the sandbox added).
fn customer_note(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let id = call.str("page_customer_id")?.to_string();
    if find_customer(page, &id).is_none() {
        return Some(Reply::error(404, "page_customer_id: no such customer on this page"));
    }
    let message = call.field("message").and_then(Value::as_str).map(str::to_string);
    let note_id = call.field("note_id").and_then(Value::as_str).map(str::to_string);
    let operation = call.route.operation_id.as_str();
    world.with_state(|s| {
        let answer = if operation == "add_customer_note" {
            s.notes_made += 1;
            let note = format!("note-{}", s.notes_made);
            let created = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            s.notes
                .entry(id.clone())
                .or_default()
                .push(json!({ "id": note, "message": message, "created_at": created }));
            json!({ "success": true, "note_id": note })
        } else {
            let notes = s.notes.entry(id.clone()).or_default();
            let Some(index) = notes.iter().position(|n| n["id"].as_str() == note_id.as_deref()) else {
                return Some(Reply::error(404, "note_id: no such note of this customer"));
            };
            if operation == "delete_customer_note" {
                notes.remove(index);
            } else {
                notes[index]["message"] = message.into();
            }
            json!({ "success": true })
        };
        s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
        Some(Reply::ok(answer))
    })
}

/// Sets the round robin: every id an active staff user.
fn update_round_robin_users(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let staff = data::staff_users();
    let mut round_robin = staff["round_robin_users"].clone();
    for key in ["inbox", "comment"] {
        let Some(ids) = call.field(key).and_then(Value::as_array) else { continue };
        if let Some(stranger) =
            ids.iter().find(|id| !staff["users"].as_array().into_iter().flatten().any(|u| u["id"] == **id))
        {
            return Some(Reply::error(400, format!("{key}: {stranger} is not an active user of this page")));
        }
        round_robin[key] = Value::Array(ids.clone());
    }
    world.with_state(|s| {
        s.round_robin = Some(round_robin);
        s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
    });
    Some(Reply::ok(json!({ "success": true, "message": "Cài đặt đã được cập nhật thành công" })))
}

/// The current route's send: inbox text, media or template; comment reply; private reply.
fn send_message_v2(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    let Some(i) = find_conversation(page, conversation_id) else {
        return Some(Reply::error(404, "conversation_id: no such conversation on this page"));
    };
    let body = call.body.as_ref()?;
    let text = body.get("message").and_then(Value::as_str).filter(|t| !t.is_empty());
    let kind = data::conversation(page, i, &[])["type"].as_str().unwrap_or_default().to_string();
    if let Some(refusal) = unknown_content(world, page, body) {
        return Some(refusal);
    }
    match body.get("action")?.as_str()? {
        "reply_inbox" => {
            let media = body.get("content_ids").and_then(Value::as_array);
            let given = [text.is_some(), media.is_some(), body.get("template_id").is_some()];
            match given.iter().filter(|g| **g).count() {
                0 => return Some(Reply::error(400, "message: give a message, content_ids or a template_id")),
                1 => {}
                _ => {
                    return Some(Reply::error(
                        500,
                        "message: a text and content_ids cannot be sent in one call",
                    ));
                }
            }
            if let Some(media) = media {
                // Sandbox pages are Facebook pages: 30 a call.
                if media.len() > 30 {
                    return Some(Reply::error(400, "content_ids: at most 30 a call on Facebook"));
                }
            }
        }
        "reply_comment" if kind != "COMMENT" => {
            return Some(Reply::error(
                400,
                "conversation_id: comment replies answer comments; this is an inbox",
            ));
        }
        "reply_comment" => {}
        _ => return private_reply(world, call, page, i).or_else(|| send_done(world, call, page, text)),
    }
    send_done(world, call, page, text)
}

/// Refuses content ids (`content_ids`) that were not uploaded to this page.
fn unknown_content(world: &World, page: &Page, body: &Value) -> Option<Reply> {
    let media = body.get("content_ids").and_then(Value::as_array)?;
    let unknown = world.with_state(|s| {
        media
            .iter()
            .find(|id| s.uploads.get(id.as_str().unwrap_or_default()).map(String::as_str) != Some(page.id))
            .cloned()
    })?;
    Some(Reply::error(
        400,
        format!("content_ids: {unknown} is no content uploaded to this page (upload_content)"),
    ))
}

/// Journals a send and answers its id.
fn send_done(world: &World, call: &Call, page: &Page, text: Option<&str>) -> Option<Reply> {
    let body = call.body.clone().unwrap_or_default();
    let id = world.with_state(|s| {
        s.journal(call.journal_entry(page.id, body));
        format!("m_sandbox_{}", s.journal.len())
    });
    Some(Reply::ok(json!({ "success": true, "id": id, "message": text.unwrap_or_default() })))
}

/// Refuses a private reply that Facebook would refuse (not a comment, too old, already
/// answered); `None` when it may go.
fn private_reply(world: &World, call: &Call, page: &Page, i: usize) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    let conversation = data::conversation(page, i, &[]);
    if conversation["type"] != "COMMENT" {
        return Some(Reply::error(400, "conversation_id: private replies answer comments; this is an inbox"));
    }
    if now_of(page) - data::conversation_time(page, i) > PRIVATE_REPLY_WINDOW {
        return Some(Reply::coded(
            400,
            10,
            "The comment is more than 7 days old; Facebook allows no private reply",
        ));
    }
    let comment = call.field("message_id").and_then(Value::as_str).unwrap_or(conversation_id).to_string();
    if !world.with_state(|s| s.private_replies.insert(comment)) {
        return Some(Reply::error(400, "message_id: a private reply was already sent for this comment"));
    }
    None
}

/// A chat plugin message: into its conversation, or a new one.
fn send_chat_plugin_message(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let body = call.body.as_ref()?;
    let from_id = body.get("from_id")?.as_str()?.to_string();
    let conversation_id = match body.get("conversation_id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => format!("web_{}_{from_id}", page.id),
    };
    let dummy_id = body.get("dummy_id").cloned().unwrap_or(Value::Null);
    world.with_state(|s| {
        let new = body.get("conversation_id").and_then(Value::as_str).is_none();
        if !new && !s.chat_plugin.contains_key(&conversation_id) {
            return Some(Reply::error(404, "conversation_id: no such chat plugin conversation"));
        }
        s.journal(call.journal_entry(page.id, body.clone()));
        let id = format!("web_{}_{}", page.id, s.journal.len());
        let text = body.get("message").and_then(Value::as_str).unwrap_or_default();
        let message = json!({
            "id": id, "message": format!("<div>{text}</div>"), "original_message": text, "type": "INBOX",
            "seen": false, "show_info": true,
            "from": { "id": from_id, "name": body.get("name").cloned().unwrap_or(Value::Null), "admin_id": null, "admin_name": null },
            "inserted_at": data::iso(body.get("inserted_at").and_then(Value::as_i64).unwrap_or(0) / 1000),
            "page_id": page.id, "conversation_id": conversation_id,
            "attachments": body.get("attachments").cloned().unwrap_or(json!([])),
            "has_phone": false, "is_removed": false, "is_hidden": false, "message_tags": [], "user_likes": false,
        });
        s.chat_plugin.entry(conversation_id.clone()).or_default().push(message);
        Some(Reply::ok(json!({
            "id": id, "success": true, "conversation_id": conversation_id, "from_id": from_id, "dummy_id": dummy_id,
        })))
    })
}

/// Sets a conversation's assignees, each an active staff user of the page.
fn assign_conversation(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    let Some(i) = find_conversation(page, conversation_id) else {
        return Some(Reply::error(404, "conversation_id: no such conversation on this page"));
    };
    let ids: Vec<String> = call
        .field("assignee_ids")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let active = data::staff_users();
    let known =
        |id: &String| active["users"].as_array().into_iter().flatten().any(|u| u["id"] == id.as_str());
    if let Some(stranger) = ids.iter().find(|id| !known(id)) {
        return Some(Reply::error(
            400,
            format!("assignee_ids: {stranger} is not an active user of this page"),
        ));
    }
    let seen = world.with_state(|s| {
        s.assignees.insert(conversation_id.to_string(), ids.clone());
        s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
        s.seen.get(conversation_id).copied()
    });
    let conversation = data::conversation(page, i, &[]);
    Some(Reply::ok(json!({
        "success": true,
        "assignee_group_id": Value::Null,
        "assignee_ids": ids,
        "customers": conversation["customers"],
        "from": conversation["from"],
        "seen": seen.unwrap_or(conversation["seen"].as_bool().unwrap_or(false)),
        "updated_at": conversation["updated_at"],
    })))
}

/// Marks a conversation read or unread; the conversation lists show it (`seen`).
fn mark_seen(world: &World, call: &Call, page: &Page, seen: bool) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    if find_conversation(page, conversation_id).is_none() {
        return Some(Reply::error(404, "conversation_id: no such conversation on this page"));
    }
    world.with_state(|s| {
        s.seen.insert(conversation_id.to_string(), seen);
        s.journal(call.journal_entry(page.id, json!({ "seen": seen })));
    });
    Some(Reply::ok(json!({ "success": true })))
}

fn tag_conversation(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    let Some(i) = find_conversation(page, conversation_id) else {
        return Some(Reply::error(404, "conversation_id: no such conversation on this page"));
    };
    let raw = call.field("tag_id")?.as_str()?;
    let Some(tag) = raw.trim().parse::<i64>().ok().filter(|id| data::TAGS.iter().any(|t| t.0 == *id)) else {
        return Some(Reply::error(400, format!("tag_id: no tag {raw:?} on this page (see list_tags)")));
    };
    let add = call.field("action")?.as_str()? == "add";
    let tags = world.with_state(|s| {
        let tags = s.conversation_tags(conversation_id, i);
        tags.retain(|t| *t != tag);
        if add {
            tags.push(tag);
            tags.sort_unstable();
        }
        let tags = tags.clone();
        s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
        tags
    });
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Some(Reply::ok(json!({ "success": true, "data": tags, "timestamp": now })))
}

fn send_message(world: &World, call: &Call, page: &Page) -> Option<Reply> {
    let conversation_id = call.str("conversation_id")?;
    let Some(i) = find_conversation(page, conversation_id) else {
        return Some(Reply::error(404, "conversation_id: no such conversation on this page"));
    };
    let body = call.body.as_ref()?;
    let text = body.get("message").and_then(Value::as_str).filter(|t| !t.is_empty());
    match body.get("action")?.as_str()? {
        "reply_inbox" => {
            let attachment = body.get("content_url").and_then(Value::as_str).is_some();
            if text.is_some() && attachment {
                return Some(Reply::error(
                    500,
                    "message: a text and an attachment cannot be sent in one call",
                ));
            }
            if text.is_none() && !attachment {
                return Some(Reply::error(400, "message: give a message or a content_url"));
            }
        }
        _ => {
            if let Some(refusal) = private_reply(world, call, page, i) {
                return Some(refusal);
            }
        }
    }
    let id = world.with_state(|s| {
        s.journal(call.journal_entry(page.id, body.clone()));
        format!("m_sandbox_{}", s.journal.len())
    });
    Some(Reply::ok(json!({ "success": true, "id": id, "message": text.unwrap_or_default() })))
}

/// The index of a conversation id on a page.
fn find_conversation(page: &Page, id: &str) -> Option<usize> {
    let candidate = if let Some(rest) = id.strip_prefix(page.id).and_then(|r| r.strip_prefix('_')) {
        match rest.split('_').collect::<Vec<_>>().as_slice() {
            [psid] => psid.parse::<usize>().ok()?.checked_sub(data::psid(0).parse().ok()?)?,
            [_post, comment] => comment.parse::<usize>().ok()?.checked_sub(1_000_000)?,
            _ => return None,
        }
    } else {
        return None;
    };
    (candidate < page.conversations && data::conversation_id(page, candidate) == id).then_some(candidate)
}

fn range(call: &Call) -> Option<(i64, i64)> {
    Some((call.int("since")?, call.int("until")?))
}

fn in_range(t: i64, since: i64, until: i64) -> bool {
    since <= t && t <= until
}

/// Day starts from `since` to `until`, at most 366.
fn days(since: i64, until: i64) -> impl Iterator<Item = i64> {
    let first = since.div_euclid(86_400) * 86_400;
    (0..366).map(move |k| first + k * 86_400).take_while(move |d| *d <= until)
}

fn day_label(t: i64) -> String {
    let iso = data::iso(t);
    format!("{}/{}", &iso[8..10], &iso[5..7])
}

fn hour_label(t: i64) -> String {
    let iso = data::iso(t);
    format!("{} {}", day_label(t), &iso[11..16])
}

fn staff_statistics(scale: i64) -> Value {
    let mut statistics = Map::new();
    let mut users = Map::new();
    for (k, (id, name)) in data::STAFF.iter().enumerate() {
        let k = k as i64 + 1;
        statistics.insert(
            id.to_string(),
            json!([{ "average_response_time": 60 * k + 35, "comment_count": 4 * k * scale, "inbox_count": 31 * k * scale }]),
        );
        users.insert(id.to_string(), json!({ "user_name": name }));
    }
    json!({ "statistics": statistics, "users": users })
}

/// `dd/mm/yyyy HH:MM:SS - dd/mm/yyyy HH:MM:SS` as Unix seconds (UTC).
fn parse_date_time_range(text: &str) -> Result<(i64, i64), String> {
    let (start, end) = text.split_once(" - ").ok_or("date_range: expected `start - end`")?;
    let parse = |s: &str| {
        NaiveDateTime::parse_from_str(s.trim(), "%d/%m/%Y %H:%M:%S")
            .map(|t| t.and_utc().timestamp())
            .map_err(|_| format!("date_range: {s:?} is not a date and time dd/mm/yyyy HH:MM:SS"))
    };
    ordered(parse(start)?, parse(end)?)
}

/// `dd/mm/yyyy - dd/mm/yyyy` as Unix seconds: the start of the first day, the end of the last.
fn parse_date_range(text: &str) -> Result<(i64, i64), String> {
    let (start, end) = text.split_once(" - ").ok_or("date_range: expected `start - end`")?;
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y")
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp())
            .map_err(|_| format!("date_range: {s:?} is not a date dd/mm/yyyy"))
    };
    ordered(parse(start)?, parse(end)? + 86_399)
}

fn ordered(start: i64, end: i64) -> Result<(i64, i64), String> {
    if start > end {
        return Err("date_range: the start is after the end".into());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_round_trip() {
        let page = &data::pages(10, crate::FIXED_EPOCH)[0];
        for i in [0, 4, 9, 149] {
            assert_eq!(find_conversation(page, &data::conversation_id(page, i)), Some(i));
        }
        assert_eq!(find_conversation(page, "105000000000001_61000000000000"), None);
        assert_eq!(find_conversation(page, "nope"), None);
    }

    #[test]
    fn date_ranges_parse_and_refuse_nonsense() {
        assert_eq!(
            parse_date_time_range("01/10/2025 00:00:00 - 01/10/2025 23:59:59"),
            Ok((crate::FIXED_EPOCH, crate::FIXED_EPOCH + 86_399))
        );
        assert_eq!(
            parse_date_range("01/10/2025 - 02/10/2025"),
            Ok((crate::FIXED_EPOCH, crate::FIXED_EPOCH + 2 * 86_400 - 1))
        );
        assert!(parse_date_range("31/02/2025 - 01/03/2025").unwrap_err().contains("date_range"));
        assert!(
            parse_date_time_range("02/10/2025 00:00:00 - 01/10/2025 00:00:00").unwrap_err().contains("after")
        );
    }
}
