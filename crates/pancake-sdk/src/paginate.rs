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

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde::Serialize;

use serde_json::{Map, Value};

use crate::pancake::{builder, types};
use crate::{CallOptions, Error};

/// A stream of the items of every page.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

/// How a list operation pages, from the spec's `x-pancake-pagination`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct List {
    /// The operation.
    pub operation: &'static str,
    /// The answer's field holding the items.
    pub items: &'static str,
    /// The parameter that moves through the list.
    pub cursor: Cursor,
    /// The `page_size` each call sends (the documented maximum).
    pub page_size: Option<i64>,
    /// The answer's field counting every match, if any.
    pub total: Option<&'static str>,
    /// Items of the first call (`current_count` lists).
    pub first: Option<usize>,
    /// Items of each later call (`current_count` lists).
    pub next: Option<usize>,
}

/// The parameter that moves through a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// `page_number`, from 1.
    PageNumber,
    /// `current_count`: the number of items already read; absent on the first call.
    CurrentCount,
}

impl List {
    /// The number of items a full answer to call `call` (from 1) holds, when known.
    fn expected(&self, call: u64) -> Option<usize> {
        match self.cursor {
            Cursor::PageNumber => self.page_size.map(|size| size as usize),
            Cursor::CurrentCount if call == 1 => self.first,
            Cursor::CurrentCount => self.next,
        }
    }
}

/// How `operation` pages, if it is a list.
pub fn list(operation: &str) -> Option<&'static List> {
    crate::pancake::generated::LISTS.iter().find(|list| list.operation == operation)
}

/// How `operation` pages; an error when the spec lost its `x-pancake-pagination`.
fn known(operation: &'static str) -> Result<&'static List, Error> {
    list(operation).ok_or_else(|| Error::Pagination {
        operation,
        message: "the spec gives this operation no x-pancake-pagination".into(),
    })
}

/// A stream that yields only `error`.
fn failed<'a, T: Send + 'a>(error: Error) -> ItemStream<'a, T> {
    stream::once(async move { Err(error) }).boxed()
}

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
    /// Fingerprints of the pages seen (one number a page).
    pages: HashSet<u64>,
    done: bool,
}

/// Walks pages: `fetch(builder, call, seen)` gets call number `call` (from 1), `seen` items
/// having come before.
fn walk<'a, B, T, F, Fut>(list: &'static List, builder: B, fetch: F) -> ItemStream<'a, T>
where
    B: Clone + Send + 'a,
    T: Serialize + Send + 'a,
    F: Fn(B, u64, u64) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    walk_from(list, builder, (1, 0), fetch)
}

/// Walks pages from call `start.0`, `start.1` items having come before it.
fn walk_from<'a, B, T, F, Fut>(
    list: &'static List,
    builder: B,
    start: (u64, u64),
    fetch: F,
) -> ItemStream<'a, T>
where
    B: Clone + Send + 'a,
    T: Serialize + Send + 'a,
    F: Fn(B, u64, u64) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    let start =
        Walk { builder, call: start.0, seen: start.1, largest: 0, pages: HashSet::new(), done: false };
    let pages = stream::try_unfold((start, fetch), move |(mut walk, fetch)| async move {
        if walk.done {
            return Ok(None);
        }
        let page = fetch(walk.builder.clone(), walk.call, walk.seen).await?;
        let count = page.items.len();
        if count > 0 && !walk.pages.insert(fingerprint(&page.items)) {
            return Err(Error::Pagination {
                operation: list.operation,
                message: format!(
                    "call {} answered {count} items that an earlier call had answered",
                    walk.call
                ),
            });
        }
        walk.largest = walk.largest.max(count);
        walk.seen += count as u64;
        walk.done = match page.total {
            // With a total, only reaching it ends the walk (a server may give fewer than
            // `page_size` items a page); an empty page before it is an error, not an end.
            Some(total) if count == 0 && walk.seen < total.max(0) as u64 => {
                return Err(Error::Pagination {
                    operation: list.operation,
                    message: format!("call {} answered no items after {} of {total}", walk.call, walk.seen),
                });
            }
            Some(total) => count == 0 || walk.seen >= total.max(0) as u64,
            None => count == 0 || count < list.expected(walk.call).unwrap_or(walk.largest),
        };
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
        let list = match known("list_conversations") {
            Ok(list) => list,
            Err(error) => return failed(error),
        };
        walk(list, self, |b: Self, call, _| async move {
            let answer = b.page_number(call).send().await?.into_inner();
            Ok(Page { items: answer.conversations, total: None })
        })
    }
}

impl<'a> builder::ListPageCustomers<'a> {
    /// Every customer of the query, 100 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Customer> {
        let list = match known("list_page_customers") {
            Ok(list) => list,
            Err(error) => return failed(error),
        };
        walk(list, self.page_size(list.page_size.unwrap_or(100) as u64), |b: Self, call, _| async move {
            let answer = b.page_number(call).send().await?.into_inner();
            Ok(Page { items: answer.customers, total: answer.total })
        })
    }
}

impl<'a> builder::ListPosts<'a> {
    /// Every post of the query, 30 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::Post> {
        let list = match known("list_posts") {
            Ok(list) => list,
            Err(error) => return failed(error),
        };
        walk(list, self.page_size(list.page_size.unwrap_or(30) as u64), |b: Self, call, _| async move {
            let answer = b.page_number(call).send().await?.into_inner();
            Ok(Page { items: answer.posts, total: answer.total })
        })
    }
}

impl<'a> builder::ListCallLogs<'a> {
    /// Every call log of the query, 30 per call (see [`crate::paginate`]).
    pub fn stream(self) -> ItemStream<'a, types::CallLog> {
        let list = match known("list_call_logs") {
            Ok(list) => list,
            Err(error) => return failed(error),
        };
        walk(list, self.page_size(list.page_size.unwrap_or(30) as u64), |b: Self, call, _| async move {
            let answer = b.page_number(call).send().await?.into_inner();
            Ok(Page { items: answer.data, total: None })
        })
    }
}

impl<'a> builder::ListMessages<'a> {
    /// Every message of the conversation, newest first: the 20 newest, then 25 at a time
    /// from `current_count` (see [`crate::paginate`]). Do not set `current_count` on the
    /// builder: the walk sets it (to start further back, use `stream_json` with it).
    pub fn stream(self) -> ItemStream<'a, types::Message> {
        let list = match known("list_messages") {
            Ok(list) => list,
            Err(error) => return failed(error),
        };
        walk(list, self, |b: Self, call, seen| async move {
            let b = if call == 1 { b } else { b.current_count(seen as i64) };
            let answer = b.send().await?.into_inner();
            Ok(Page { items: answer.messages, total: None })
        })
    }
}

impl crate::pancake::Client {
    /// Every item of a list operation called by its id with JSON arguments (what the bindings
    /// use); the cursor and `page_size` are set by the walk. Fails at once for an operation
    /// that is not a list.
    pub fn stream_json(
        &self,
        operation_id: &str,
        args: Value,
        options: CallOptions,
    ) -> Result<ItemStream<'static, Value>, Error> {
        self.stream_json_after(operation_id, args, options, 0)
    }

    /// Like [`stream_json`](Self::stream_json), leaving out the first `skip` items (to resume
    /// an interrupted walk): whole pages are not fetched again where the page size is known.
    pub fn stream_json_after(
        &self,
        operation_id: &str,
        args: Value,
        options: CallOptions,
        skip: u64,
    ) -> Result<ItemStream<'static, Value>, Error> {
        let list = list(operation_id)
            .ok_or_else(|| Error::invalid("operation", format!("{operation_id} is not a list operation")))?;
        let mut args = crate::dispatch::object(args)?;
        // A `current_count` given by the caller is where the walk starts.
        let offset = match list.cursor {
            Cursor::CurrentCount => args.remove("current_count").and_then(|v| v.as_u64()),
            Cursor::PageNumber => None,
        };
        let fetch = move |(client, mut args): (Self, Map<String, Value>), call: u64, seen: u64| async move {
            match list.cursor {
                Cursor::PageNumber => {
                    args.insert("page_number".into(), call.into());
                    if let Some(size) = list.page_size {
                        args.insert("page_size".into(), size.into());
                    }
                }
                Cursor::CurrentCount if call > 1 || offset.is_some() => {
                    args.insert("current_count".into(), (offset.unwrap_or(0) + seen).into());
                }
                Cursor::CurrentCount => {}
            }
            let answer = client.call_json(list.operation, Value::Object(args), options).await?.into_inner();
            let total = list.total.and_then(|field| answer[field].as_i64());
            let items = match answer.get(list.items) {
                Some(Value::Array(items)) => items.clone(),
                _ => {
                    return Err(Error::Pagination {
                        operation: list.operation,
                        message: format!("call {call} answered no `{}` list", list.items),
                    });
                }
            };
            Ok(Page { items, total })
        };
        // Whole pages before the first item wanted are skipped by the cursor, the rest one by one.
        let (start, within) = match (list.cursor, list.page_size) {
            (Cursor::PageNumber, Some(size)) if size > 0 => {
                let size = size as u64;
                ((skip / size + 1, skip / size * size), skip % size)
            }
            (Cursor::CurrentCount, _) => ((if skip > 0 { 2 } else { 1 }, skip), 0),
            _ => ((1, 0), skip),
        };
        let items = walk_from(list, (self.clone(), args), start, fetch);
        Ok(items.skip(within as usize).boxed())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    const LIST: List = List {
        operation: "list_things",
        items: "things",
        cursor: Cursor::PageNumber,
        page_size: Some(4),
        total: None,
        first: None,
        next: None,
    };

    /// Walks a list whose server answers `pages[call - 1]` (then nothing) with `total`.
    async fn walk_pages(
        list: &'static List,
        pages: Vec<Vec<u32>>,
        total: Option<i64>,
    ) -> (Vec<u32>, Option<Error>, usize) {
        let calls = Arc::new(Mutex::new(0));
        let counter = calls.clone();
        let mut stream = walk(list, (), move |(), call, _| {
            let items = pages.get(call as usize - 1).cloned().unwrap_or_default();
            *counter.lock().unwrap() += 1;
            async move { Ok(Page { items, total }) }
        });
        let mut items = Vec::new();
        let mut error = None;
        while let Some(next) = stream.next().await {
            match next {
                Ok(item) => items.push(item),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let calls = *calls.lock().unwrap();
        (items, error, calls)
    }

    #[tokio::test]
    async fn a_total_keeps_the_walk_going_past_short_pages() {
        static TOTALLED: List = List { total: Some("total"), ..LIST };
        let (items, error, calls) =
            walk_pages(&TOTALLED, vec![vec![1, 2], vec![3, 4], vec![5]], Some(5)).await;
        assert_eq!((items, error.is_none(), calls), (vec![1, 2, 3, 4, 5], true, 3));
    }

    #[tokio::test]
    async fn an_empty_page_before_the_total_is_an_error() {
        static TOTALLED: List = List { total: Some("total"), ..LIST };
        let (items, error, _) = walk_pages(&TOTALLED, vec![vec![1, 2, 3, 4], vec![]], Some(6)).await;
        assert_eq!(items, vec![1, 2, 3, 4]);
        assert!(matches!(error, Some(Error::Pagination { .. })), "{error:?}");
    }

    #[tokio::test]
    async fn without_a_total_a_short_page_is_the_last() {
        static UNTOTALLED: List = LIST;
        let (items, _, calls) = walk_pages(&UNTOTALLED, vec![vec![1, 2, 3, 4], vec![5], vec![6]], None).await;
        assert_eq!((items, calls), (vec![1, 2, 3, 4, 5], 2));
    }

    #[tokio::test]
    async fn a_server_cycling_through_pages_is_stopped() {
        static UNSIZED: List = List { page_size: None, ..LIST };
        let cycle = vec![vec![1, 2], vec![3, 4], vec![1, 2], vec![3, 4], vec![1, 2]];
        let (items, error, calls) = walk_pages(&UNSIZED, cycle, None).await;
        assert_eq!(items, vec![1, 2, 3, 4]);
        assert!(matches!(error, Some(Error::Pagination { operation: "list_things", .. })), "{error:?}");
        assert_eq!(calls, 3);
    }
}
