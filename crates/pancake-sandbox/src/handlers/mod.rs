//! What each operation answers, once its request has passed the spec's checks.

mod botcake;
mod pancake;

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::data::Page;
use crate::spec::{ApiName, PageCursor, Paging, Route};
use crate::state::World;

/// A request that passed authentication and validation, its values converted to JSON.
pub struct Call<'a> {
    pub route: &'a Route,
    pub params: HashMap<String, Value>,
    pub body: Option<Value>,
}

impl Call<'_> {
    /// A parameter as text.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }

    /// A parameter as an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.params.get(name).and_then(Value::as_i64)
    }

    /// The journal's entry for this call, a write or a send on `page`.
    pub fn journal_entry(&self, page: &str, body: Value) -> Value {
        json!({
            "api": self.route.api,
            "operation_id": self.route.operation_id,
            "page_id": page,
            "conversation_id": self.params.get("conversation_id"),
            "body": body,
        })
    }

    /// A body field.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.get(name))
    }
}

/// An answer: status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// 200 with a body.
    pub fn ok(body: Value) -> Reply {
        Reply { status: 200, body }
    }

    /// An error in the APIs' object shape, naming the problem.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply { status, body: json!({ "success": false, "message": message.into() }) }
    }

    /// A `301 Moved Permanently` to `location` (the server puts it in the `Location` header).
    pub fn redirect(location: impl Into<String>) -> Reply {
        Reply { status: 301, body: json!({ "location": location.into() }) }
    }

    /// An error with an `error_code`.
    pub fn coded(status: u16, code: i64, message: impl Into<String>) -> Reply {
        Reply { status, body: json!({ "success": false, "message": message.into(), "error_code": code }) }
    }
}

/// Posts a webhook event that no API call makes (`POST /_sandbox/webhooks/emit`).
pub fn emit(world: &World, request: &Value) -> Result<(), String> {
    pancake::emit(world, request)
}

/// Answers a validated call.
pub fn handle(world: &World, call: &Call) -> Reply {
    let page = match call.str("page_id") {
        Some(id) => match world.page(id) {
            Some(page) => Some(page),
            None => {
                return Reply::coded(
                    403,
                    105,
                    format!("page_id: {id} is not a sandbox page; list_pages lists them"),
                );
            }
        },
        None => None,
    };
    if let (Some(paging), Some(page)) = (&call.route.paging, page) {
        let listing = match call.route.api {
            ApiName::Botcake => botcake::listing(world, call, page),
            ApiName::Pancake => pancake::listing(world, call, page),
        };
        return match listing {
            Some(Ok(listing)) => paged(paging, &call.params, listing),
            Some(Err(refusal)) => refusal,
            None => {
                Reply::error(501, format!("the sandbox does not emulate {} yet", call.route.operation_id))
            }
        };
    }
    let answer = match page {
        Some(page) => botcake::handle(world, call, page).or_else(|| pancake::handle_page(world, call, page)),
        None => pancake::handle_account(world, call),
    };
    answer.unwrap_or_else(|| {
        Reply::error(501, format!("the sandbox does not emulate {} yet", call.route.operation_id))
    })
}

/// Every item a list call matches, in the API's order, before paging: how many, how to make
/// item `n`, and the answer's other fields.
pub struct Listing<'a> {
    /// How many items match.
    pub count: usize,
    /// Item `n` (from 0) of the matches.
    pub item: Box<dyn Fn(usize) -> Value + 'a>,
    /// The answer's fields besides the items and the total.
    pub extra: Map<String, Value>,
}

/// One call's page of a list, as the route's `x-pancake-pagination` says the API pages it
/// (`params`: the call's parameters).
pub fn paged(paging: &Paging, params: &HashMap<String, Value>, listing: Listing) -> Reply {
    let int = |name: &str| params.get(name).and_then(Value::as_i64);
    let size = match int("page_size") {
        Some(size) => Some(size.max(0) as usize),
        None => paging.default_size,
    };
    let required_size =
        || size.ok_or_else(|| Reply::error(400, "page_size: the sandbox needs it for this list"));
    let window = match &paging.cursor {
        PageCursor::PageNumber => required_size().map(|size| {
            let number = int("page_number").unwrap_or(1).max(1) as usize;
            ((number - 1).saturating_mul(size), size)
        }),
        PageCursor::CurrentCount { first, next } => Ok(match int("current_count") {
            None => (0, *first),
            Some(count) => (count.max(0) as usize, *next),
        }),
        PageCursor::Offset { param } => {
            required_size().map(|size| (int(param).unwrap_or(0).max(0) as usize, size))
        }
        PageCursor::LastItem { param, field } => required_size().map(|size| {
            let after = params.get(param.as_str()).and_then(Value::as_str).map(|last| {
                (0..listing.count)
                    .position(|n| (listing.item)(n).get(field).and_then(Value::as_str) == Some(last))
                    .map_or(listing.count, |n| n + 1)
            });
            (after.unwrap_or(0), size)
        }),
    };
    let (skip, take) = match window {
        Ok(window) => window,
        Err(refusal) => return refusal,
    };
    let end = skip.saturating_add(take).min(listing.count);
    let items: Vec<Value> = (skip.min(end)..end).map(|n| (listing.item)(n)).collect();
    let mut answer = Map::new();
    answer.insert("success".into(), true.into());
    if let Some(total) = &paging.total {
        answer.insert(total.clone(), listing.count.into());
    }
    answer.insert(paging.items.clone(), Value::Array(items));
    answer.extend(listing.extra);
    Reply::ok(Value::Object(answer))
}

/// The page a call addresses (handlers run only for pages that exist).
pub type PageRef<'a> = &'a Page;

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids a list of `count` items answers for these parameters.
    fn ids(cursor: PageCursor, default_size: Option<usize>, params: &[(&str, Value)], count: usize) -> Value {
        let paging = Paging { items: "things".into(), cursor, default_size, total: Some("total".into()) };
        let params: HashMap<String, Value> = params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let listing =
            Listing { count, item: Box::new(|n| json!({ "id": format!("t{n}") })), extra: Map::new() };
        let reply = paged(&paging, &params, listing);
        assert_eq!(reply.body["total"], count, "{:?}", reply.body);
        let things = reply.body["things"].as_array().cloned().unwrap_or_default();
        Value::Array(things.iter().map(|t| t["id"].clone()).collect())
    }

    #[test]
    fn one_handler_pages_every_kind_of_list() {
        let page_number = |n: i64| [("page_number", json!(n)), ("page_size", json!(2))];
        assert_eq!(ids(PageCursor::PageNumber, None, &page_number(2), 5), json!(["t2", "t3"]));
        assert_eq!(ids(PageCursor::PageNumber, None, &page_number(4), 5), json!([]));
        assert_eq!(ids(PageCursor::PageNumber, Some(3), &[], 5), json!(["t0", "t1", "t2"]));

        let counted = PageCursor::CurrentCount { first: 2, next: 3 };
        assert_eq!(ids(counted.clone(), None, &[], 9), json!(["t0", "t1"]));
        assert_eq!(ids(counted, None, &[("current_count", json!(2))], 9), json!(["t2", "t3", "t4"]));

        let offset = PageCursor::Offset { param: "offset".into() };
        assert_eq!(ids(offset, Some(2), &[("offset", json!(3))], 9), json!(["t3", "t4"]));

        let after = PageCursor::LastItem { param: "last_id".into(), field: "id".into() };
        assert_eq!(ids(after.clone(), Some(2), &[], 5), json!(["t0", "t1"]));
        assert_eq!(ids(after.clone(), Some(2), &[("last_id", json!("t1"))], 5), json!(["t2", "t3"]));
        assert_eq!(ids(after, Some(2), &[("last_id", json!("t4"))], 5), json!([]));
    }

    #[test]
    fn a_list_without_a_size_is_refused_naming_page_size() {
        let paging = Paging {
            items: "things".into(),
            cursor: PageCursor::PageNumber,
            default_size: None,
            total: None,
        };
        let listing = Listing { count: 3, item: Box::new(|n| json!(n)), extra: Map::new() };
        let reply = paged(&paging, &HashMap::new(), listing);
        assert_eq!(reply.status, 400);
        assert!(reply.body["message"].as_str().unwrap().starts_with("page_size:"));
    }
}
