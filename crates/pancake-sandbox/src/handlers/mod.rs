//! What each operation answers, once its request has passed the spec's checks.

mod botcake;
mod pancake;

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::data::Page;
use crate::spec::Route;
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

    /// An error with an `error_code`.
    pub fn coded(status: u16, code: i64, message: impl Into<String>) -> Reply {
        Reply { status, body: json!({ "success": false, "message": message.into(), "error_code": code }) }
    }
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
    let answer = match page {
        Some(page) => botcake::handle(world, call, page).or_else(|| pancake::handle_page(world, call, page)),
        None => pancake::handle_account(world, call),
    };
    answer.unwrap_or_else(|| {
        Reply::error(501, format!("the sandbox does not emulate {} yet", call.route.operation_id))
    })
}

/// One page of a list: items `page_number` (from 1) of `size`.
pub fn page_slice<T: Copy>(items: &[T], page_number: i64, size: usize) -> &[T] {
    let start = ((page_number.max(1) - 1) as usize).saturating_mul(size);
    let end = start.saturating_add(size).min(items.len());
    items.get(start..end).unwrap_or(&[])
}

/// The page a call addresses (handlers run only for pages that exist).
pub type PageRef<'a> = &'a Page;
