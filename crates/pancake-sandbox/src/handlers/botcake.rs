//! Botcake's operations.

use serde_json::{Value, json};

use super::{Call, Listing, PageRef, Reply};
use crate::data;
use crate::state::World;

/// Answers a Botcake operation, or `None` when the call is not one.
/// The matches of a Botcake list call, before paging; Botcake's specs have no list yet, so
/// none (the list handler answers 501 for a list the sandbox does not fill).
pub fn listing<'a>(
    _world: &'a World,
    _call: &Call,
    _page: PageRef<'a>,
) -> Option<Result<Listing<'a>, Reply>> {
    None
}

pub fn handle(world: &World, call: &Call, page: PageRef) -> Option<Reply> {
    let (folders, flows) = data::flow_nodes();
    let flow_exists = |id: i64| flows.iter().any(|f| f["id"] == id);
    Some(match call.route.operation_id.as_str() {
        "get_flows" => Reply::ok(json!({ "success": true, "data": { "folders": folders, "flows": flows } })),
        "get_flows_by_path" => {
            let path: Vec<i64> = call.params["path"].as_array()?.iter().filter_map(Value::as_i64).collect();
            let mut parent: Option<i64> = None;
            for id in &path {
                let Some(folder) = folders.iter().find(|f| f["id"] == *id) else {
                    return Some(Reply::error(404, format!("path: no folder {id}")));
                };
                if folder["parent_id"].as_i64() != parent {
                    return Some(Reply::error(404, format!("path: folder {id} is not inside {parent:?}")));
                }
                parent = Some(*id);
            }
            let inside = |nodes: &[Value]| -> Vec<Value> {
                nodes.iter().filter(|n| n["parent_id"].as_i64() == parent).cloned().collect()
            };
            Reply::ok(
                json!({ "success": true, "data": { "folders": inside(&folders), "flows": inside(&flows) } }),
            )
        }
        "get_flow_statistics" => {
            let id = call.int("flow_id")?;
            if !flow_exists(id) {
                return Some(Reply::error(404, format!("flow_id: no flow {id}")));
            }
            let sent = 100 + id % 97;
            let journaled = world.with_state(|s| s.sends_of_flow(page.id, id));
            Reply::ok(json!({ "success": true, "data": {
                "sent": sent + journaled, "delivery": sent - 5 + journaled, "seen": sent * 4 / 5,
                "is_clicked": sent / 9, "total_phone_number": sent / 20,
            }}))
        }
        "get_keywords" => {
            let keywords = world.with_state(|s| s.keywords(page.id).clone());
            Reply::ok(json!({ "success": true, "data": keywords }))
        }
        "get_ice_breakers" => Reply::ok(json!({ "success": true, "data": data::ice_breakers() })),
        "get_main_menu" => Reply::ok(json!({ "success": true, "data": data::main_menu() })),
        "get_tools" => Reply::ok(json!({ "success": true, "data": data::tools() })),
        "create_keyword" => {
            let keyword = world.with_state(|s| {
                let keywords = s.keywords(page.id);
                let id = keywords.iter().filter_map(|k| k["id"].as_i64()).max().unwrap_or(640) + 1;
                let keyword = json!({ "is_activated": false, "id": id, "flow_id": null });
                keywords.push(keyword.clone());
                s.journal(call.journal_entry(page.id, json!(null)));
                keyword
            });
            Reply::ok(json!({ "success": true, "keyword": { "id": keyword["id"], "flow_id": null } }))
        }
        "update_keyword" => {
            let id = call.field("keyword_id")?.as_i64()?;
            let flow_id = call.field("update")?.get("flow_id")?.as_i64()?;
            if !flow_exists(flow_id) {
                return Some(Reply::error(400, format!("update.flow_id: no flow {flow_id}")));
            }
            let updated = world.with_state(|s| {
                let keyword = s.keywords(page.id).iter_mut().find(|k| k["id"] == id)?;
                keyword["flow_id"] = json!(flow_id);
                let answer = json!({ "id": id, "flow_id": flow_id });
                s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()));
                Some(answer)
            });
            match updated {
                Some(keyword) => Reply::ok(json!({ "success": true, "keyword": keyword })),
                None => Reply::error(404, format!("keyword_id: no keyword {id}")),
            }
        }
        "send_flow" => {
            let flow_id = call.field("flow_id")?.as_i64()?;
            if !flow_exists(flow_id) {
                return Some(Reply::error(400, "your params wrong"));
            }
            world.with_state(|s| {
                s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()))
            });
            Reply::ok(json!({ "success": true }))
        }
        "send_content" => {
            world.with_state(|s| {
                s.journal(call.journal_entry(page.id, call.body.clone().unwrap_or_default()))
            });
            Reply::ok(json!({ "success": true }))
        }
        _ => return None,
    })
}
