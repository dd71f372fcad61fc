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
//! Every list of every API has a generated `.stream()`, and `stream_json` walks any list by its
//! id; how each list walks comes from the spec's `x-pancake-pagination` ([`List`]): by
//! `page_number` from 1, by `current_count` (the items read so far), by an offset, or by a
//! cursor taken from the last item, at the documented largest `page_size`. A stream ends on an
//! empty or short page, or once `total` items came; a server that repeats a page ends it with an
//! error rather than looping forever. Each request goes through the client's pacing and retries.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

use futures::{Stream, StreamExt, TryStreamExt, stream};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub use crate::api::{Cursor, List};
use crate::dispatch::JsonApi;
use crate::{CallOptions, Error, Json};

/// A stream of the items of every page.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

/// The number of items a full answer to call `call` (from 1) holds, when known.
fn expected(list: &List, call: u64) -> Option<usize> {
    let size = |n: Option<i64>| n.and_then(|n| usize::try_from(n).ok());
    match list.cursor {
        Cursor::CurrentCount { first, .. } if call == 1 => size(first),
        Cursor::CurrentCount { next, .. } => size(next),
        _ => size(list.page_size.or(list.default_page_size)),
    }
}

/// Where a walk stands before a call: the call's number (from 1), the items read before it,
/// and the cursor the last page gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// The call's number, from 1.
    pub call: u64,
    /// The items read before it.
    pub seen: u64,
    /// The cursor the last page gave (cursor lists).
    pub cursor: Option<String>,
}

/// One fetched page: its items, the total the server reported, and where the next starts.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub total: Option<i64>,
    pub next: Option<String>,
}

/// A stream that yields only `error`.
pub(crate) fn failed<'a, T: Send + 'a>(error: Error) -> ItemStream<'a, T> {
    stream::once(async move { Err(error) }).boxed()
}

/// The error for a list that the API's table does not know.
pub(crate) fn not_a_list(operation: &'static str) -> Error {
    Error::Pagination { operation, message: "the spec gives this operation no x-pancake-pagination".into() }
}

/// The cursor of the next call: `field` of the last item, as text (for the generated streams of
/// cursor lists).
#[allow(dead_code)]
pub(crate) fn next_cursor<T: Serialize>(items: &[T], field: &str) -> Option<String> {
    let last = serde_json::to_value(items.last()?).ok()?;
    value_text(last.get(field)?)
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Where a walk stands.
struct Walk<B> {
    builder: B,
    position: Position,
    largest: usize,
    /// Fingerprints of the pages seen (one number a page).
    pages: HashSet<u64>,
    done: bool,
}

/// Walks pages from the start: `fetch(builder, position)` gets one page.
pub(crate) fn walk<'a, B, T, F, Fut>(
    operation: &'static str,
    list: &'static List,
    builder: B,
    fetch: F,
) -> ItemStream<'a, T>
where
    B: Clone + Send + 'a,
    T: Serialize + Send + 'a,
    F: Fn(B, Position) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    walk_from(operation, list, builder, Position { call: 1, seen: 0, cursor: None }, fetch)
}

/// Walks pages from `start`.
fn walk_from<'a, B, T, F, Fut>(
    operation: &'static str,
    list: &'static List,
    builder: B,
    start: Position,
    fetch: F,
) -> ItemStream<'a, T>
where
    B: Clone + Send + 'a,
    T: Serialize + Send + 'a,
    F: Fn(B, Position) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    let start = Walk { builder, position: start, largest: 0, pages: HashSet::new(), done: false };
    let pages = stream::try_unfold((start, fetch), move |(mut walk, fetch)| async move {
        if walk.done {
            return Ok(None);
        }
        let call = walk.position.call;
        let page = fetch(walk.builder.clone(), walk.position.clone()).await?;
        let count = page.items.len();
        if count > 0 && !walk.pages.insert(fingerprint(&page.items)) {
            return Err(Error::Pagination {
                operation,
                message: format!("call {call} answered {count} items that an earlier call had answered"),
            });
        }
        walk.largest = walk.largest.max(count);
        walk.position.seen += count as u64;
        let seen = walk.position.seen;
        walk.done = match page.total {
            // With a total, only reaching it ends the walk (a server may give fewer than
            // `page_size` items a page); an empty page before it is an error, not an end.
            Some(total) if count == 0 && seen < total.max(0) as u64 => {
                return Err(Error::Pagination {
                    operation,
                    message: format!("call {call} answered no items after {seen} of {total}"),
                });
            }
            Some(total) => count == 0 || seen >= total.max(0) as u64,
            None => count == 0 || count < expected(list, call).unwrap_or(walk.largest),
        };
        if let Cursor::LastItem { .. } = list.cursor {
            walk.done |= page.next.is_none() || page.next == walk.position.cursor;
        }
        walk.position.cursor = page.next;
        walk.position.call += 1;
        Ok(Some((page.items, (walk, fetch))))
    });
    pages.map_ok(|items| stream::iter(items.into_iter().map(Ok))).try_flatten().boxed()
}

/// What tells a page from the others: its count and its first and last items (a list never
/// gives an item twice, so another page with both is the same page again). Two items are
/// encoded, not the page.
fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    items.len().hash(&mut hasher);
    for item in [items.first(), items.last()].into_iter().flatten() {
        serde_json::to_vec(item).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

/// One page of the JSON door, read from the answer's bytes: its items are parts of those
/// bytes (shared, never copied or encoded again), with the total and the next cursor.
fn json_page(
    operation: &'static str,
    list: &List,
    call: u64,
    answer: crate::Json,
) -> Result<Page<Json>, Error> {
    let bytes = answer.into_bytes();
    let no_list =
        || Error::Pagination { operation, message: format!("call {call} answered no `{}` list", list.items) };
    let top: HashMap<String, &RawValue> = serde_json::from_slice(&bytes).map_err(|_| no_list())?;
    let raw_items = top.get(list.items).ok_or_else(no_list)?;
    let raw_items: Vec<&RawValue> = serde_json::from_str(raw_items.get()).map_err(|_| no_list())?;
    let items: Vec<Json> =
        raw_items.iter().map(|raw| Json::checked_elsewhere(bytes.slice_ref(raw.get().as_bytes()))).collect();
    let total = list.total.and_then(|field| serde_json::from_str::<i64>(top.get(field)?.get()).ok());
    let next = match list.cursor {
        Cursor::LastItem { next_field, .. } => items.last().and_then(|item| {
            let fields: HashMap<String, Value> = serde_json::from_str(item.as_str()).ok()?;
            value_text(fields.get(next_field)?)
        }),
        _ => None,
    };
    Ok(Page { items, total, next })
}

/// Every item of a list operation called by its id with JSON arguments, leaving out the first
/// `skip` (what `stream_json` and `stream_json_after` of each client run).
pub(crate) fn stream_json<C: JsonApi>(
    client: C,
    operation_id: &str,
    args: Value,
    options: CallOptions,
    skip: u64,
) -> Result<ItemStream<'static, Json>, Error> {
    let operation = client.descriptor().operation(operation_id);
    let Some((operation, list)) = operation.and_then(|op| op.list.as_ref().map(|list| (op.id, list))) else {
        return Err(Error::invalid("operation", format!("{operation_id} is not a list operation")));
    };
    let mut args = crate::dispatch::object(args)?;
    // A starting point given by the caller is where the walk starts.
    let offset = match list.cursor {
        Cursor::CurrentCount { .. } => args.remove("current_count").and_then(|v| v.as_u64()),
        Cursor::Offset { param } => args.remove(param).and_then(|v| v.as_u64()),
        _ => None,
    };
    let given = offset.is_some();
    let offset = offset.unwrap_or(0);
    let fetch = move |(client, mut args): (C, Map<String, Value>), position: Position| async move {
        let mut put = |name: &str, value: Value| {
            args.insert(name.to_string(), value);
        };
        match list.cursor {
            Cursor::PageNumber => put("page_number", position.call.into()),
            Cursor::CurrentCount { .. } if position.call > 1 || given => {
                put("current_count", offset.saturating_add(position.seen).into())
            }
            Cursor::CurrentCount { .. } => {}
            Cursor::Offset { param } => put(param, offset.saturating_add(position.seen).into()),
            Cursor::LastItem { param, .. } => {
                if let Some(cursor) = position.cursor {
                    put(param, cursor.into());
                }
            }
        }
        if let Some(size) = list.page_size {
            put("page_size", size.into());
        }
        // The page is split into its items: it is checked first.
        let options = CallOptions { defer_json_check: false, ..options };
        let answer = client.call_json(operation, Value::Object(args), options).await?.into_inner();
        json_page(operation, list, position.call, answer)
    };
    // Whole pages before the first item wanted are skipped by the cursor, the rest one by one.
    let (start, within) = match (list.cursor, list.page_size) {
        (Cursor::PageNumber, Some(size)) if size > 0 => {
            let size = size as u64;
            (Position { call: skip / size + 1, seen: skip / size * size, cursor: None }, skip % size)
        }
        (Cursor::CurrentCount { .. }, _) => {
            (Position { call: if skip > 0 { 2 } else { 1 }, seen: skip, cursor: None }, 0)
        }
        (Cursor::Offset { .. }, _) => (Position { call: 1, seen: skip, cursor: None }, 0),
        _ => (Position { call: 1, seen: 0, cursor: None }, skip),
    };
    let items = walk_from(operation, list, (client, args), start, fetch);
    Ok(items.skip(within as usize).boxed())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    const LIST: List = List {
        items: "things",
        cursor: Cursor::PageNumber,
        page_size: Some(4),
        default_page_size: None,
        total: None,
    };

    /// Walks a list whose server answers `pages[call - 1]` (then nothing) with `total`.
    async fn walk_pages(
        list: &'static List,
        pages: Vec<Vec<u32>>,
        total: Option<i64>,
    ) -> (Vec<u32>, Option<Error>, usize) {
        let calls = Arc::new(Mutex::new(0));
        let counter = calls.clone();
        let mut stream = walk("list_things", list, (), move |(), position: Position| {
            let items = pages.get(position.call as usize - 1).cloned().unwrap_or_default();
            *counter.lock().unwrap() += 1;
            async move { Ok(Page { items, total, next: None }) }
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

    /// A list that continues after its last item: each call starts after the previous page's
    /// last id; the walk ends when a page gives no next cursor or the same one again.
    #[tokio::test]
    async fn a_last_item_list_walks_by_the_ids_it_reads() {
        static AFTER: List = List {
            items: "things",
            cursor: Cursor::LastItem { param: "after", next_field: "id" },
            page_size: Some(2),
            default_page_size: None,
            total: None,
        };
        let all: Vec<u32> = (1..=5).collect();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let stream = walk("list_things", &AFTER, (), move |(), position: Position| {
            log.lock().unwrap().push(position.cursor.clone());
            let start = position.cursor.as_deref().map_or(0, |c| c.parse::<usize>().unwrap());
            let items: Vec<u32> = all.iter().copied().skip(start).take(2).collect();
            let next = next_cursor(
                &items.iter().map(|id| serde_json::json!({ "id": id })).collect::<Vec<_>>(),
                "id",
            );
            async move { Ok(Page { items, total: None, next }) }
        });
        let items: Vec<u32> = stream.try_collect().await.unwrap();
        assert_eq!(items, vec![1, 2, 3, 4, 5]);
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked, vec![None, Some("2".to_string()), Some("4".to_string())]);
    }
}
