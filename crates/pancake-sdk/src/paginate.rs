//! Streams that walk every page of a list and yield its items, one page in memory at a time.
//!
//! Set up the list call as usual, then call `.stream()` instead of `.send()`:
//!
//! ```no_run
//! # async fn demo(pancake: pancake_sdk::Pancake) -> Result<(), pancake_sdk::Error> {
//! use futures::TryStreamExt;
//!
//! let mut customers = pancake.list_page_customers().page_id("105").since(0).until(2_000_000_000).stream();
//! while let Some(customer) = customers.try_next().await? {
//!     println!("{:?}", customer.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Conversations, customers, posts and call logs walk `page_number` from 1 (customers, posts
//! and call logs at the documented largest `page_size`); messages walk `current_count` (the 20
//! newest first, then 25 older ones at a time). A stream ends on an empty or short page, or
//! once `total` items came; a server that repeats a page ends it with an error rather than
//! looping forever. Each request goes through the client's pacing and retries.

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde::Serialize;

use crate::Error;
use crate::pancake::{builder, types};

/// A stream of the items of every page.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

/// Largest `page_size` of `list_page_customers`.
pub const CUSTOMERS_PAGE_SIZE: u64 = 100;
/// Largest `page_size` of `list_posts` and `list_call_logs`.
pub const POSTS_PAGE_SIZE: u64 = 30;
/// Messages of the first `list_messages` call (without `current_count`).
pub const FIRST_MESSAGES: usize = 20;
/// Messages of each later call.
pub const MORE_MESSAGES: usize = 25;

/// One fetched page: its items, and the total the server reported, if any.
struct Page<T> {
    items: Vec<T>,
    total: Option<i64>,
}

/// Where a walk stands.
struct Walk<B> {
    builder: B,
    call: u64,
    seen: u64,
    largest: usize,
    previous: Option<u64>,
    done: bool,
}

/// Walks pages: `fetch(builder, call, seen)` gets call number `call` (from 1), `seen` items
/// having come before; `expected(call)` is the size of a full page, when known.
fn walk<'a, B, T, F, Fut>(
    operation: &'static str,
    builder: B,
    expected: fn(u64) -> Option<usize>,
    fetch: F,
) -> ItemStream<'a, T>
where
    B: Clone + Send + 'a,
    T: Serialize + Send + 'a,
    F: Fn(B, u64, u64) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    let start = Walk { builder, call: 1, seen: 0, largest: 0, previous: None, done: false };
    let pages = stream::try_unfold((start, fetch), move |(mut walk, fetch)| async move {
        if walk.done {
            return Ok(None);
        }
        let page = fetch(walk.builder.clone(), walk.call, walk.seen).await?;
        let count = page.items.len();
        let fingerprint = fingerprint(&page.items);
        if count > 0 && walk.previous == Some(fingerprint) {
            return Err(Error::Pagination {
                operation,
                message: format!("call {} answered the same {count} items as the call before it", walk.call),
            });
        }
        walk.largest = walk.largest.max(count);
        walk.seen += count as u64;
        let full = expected(walk.call).unwrap_or(walk.largest);
        let reached_total = page.total.is_some_and(|total| walk.seen >= total.max(0) as u64);
        walk.done = count == 0 || count < full || reached_total;
        walk.previous = Some(fingerprint);
        walk.call += 1;
        Ok(Some((page.items, (walk, fetch))))
    });
    pages.map_ok(|items| stream::iter(items.into_iter().map(Ok))).try_flatten().boxed()
}

fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_vec(items).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

impl<'a> builder::ListConversations<'a> {
    /// Every conversation of the query, page after page (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Conversation> {
        walk(
            "list_conversations",
            self,
            |_| None,
            |b: Self, call, _| async move {
                let answer = b.page_number(call).send().await?.into_inner();
                Ok(Page { items: answer.conversations, total: None })
            },
        )
    }
}

impl<'a> builder::ListPageCustomers<'a> {
    /// Every customer of the query, 100 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Customer> {
        let size = CUSTOMERS_PAGE_SIZE;
        walk(
            "list_page_customers",
            self.page_size(size),
            |_| Some(CUSTOMERS_PAGE_SIZE as usize),
            |b: Self, call, _| async move {
                let answer = b.page_number(call).send().await?.into_inner();
                Ok(Page { items: answer.customers, total: answer.total })
            },
        )
    }
}

impl<'a> builder::ListPosts<'a> {
    /// Every post of the query, 30 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Post> {
        let size = POSTS_PAGE_SIZE;
        walk(
            "list_posts",
            self.page_size(size),
            |_| Some(POSTS_PAGE_SIZE as usize),
            |b: Self, call, _| async move {
                let answer = b.page_number(call).send().await?.into_inner();
                Ok(Page { items: answer.posts, total: answer.total })
            },
        )
    }
}

impl<'a> builder::ListCallLogs<'a> {
    /// Every call log of the query, 30 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::CallLog> {
        let size = POSTS_PAGE_SIZE;
        walk(
            "list_call_logs",
            self.page_size(size),
            |_| Some(POSTS_PAGE_SIZE as usize),
            |b: Self, call, _| async move {
                let answer = b.page_number(call).send().await?.into_inner();
                Ok(Page { items: answer.data, total: None })
            },
        )
    }
}

impl<'a> builder::ListMessages<'a> {
    /// Every message of the conversation, newest first: the 20 newest, then 25 at a time
    /// from `current_count` (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Message> {
        let expected = |call| Some(if call == 1 { FIRST_MESSAGES } else { MORE_MESSAGES });
        walk("list_messages", self, expected, |b: Self, call, seen| async move {
            let b = if call == 1 { b } else { b.current_count(seen as i64) };
            let answer = b.send().await?.into_inner();
            Ok(Page { items: answer.messages, total: None })
        })
    }
}
