//! Criterion micro-benchmarks of answer handling, on the sandbox's `list_page_customers`
//! answer (100 customers) and `list_tags` answer:
//! - decoding alone: into the spec's types, into a `serde_json::Value`, and the JSON door's
//!   check (`Json::from_bytes`);
//! - whole calls in one process against a replay server on a thread: bare reqwest with
//!   `.json()`, the typed `.send()`, and `call_json`.
//!
//! `cargo bench -p pancake-bench` runs them; `cargo test --benches` runs each once.

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use pancake_bench::payloads::{self, TAGS_PAGE};
use pancake_sdk::pancake::types::{PageCustomersResponse, TagsResponse};
use pancake_sdk::{CallOptions, Json, Pancake};

fn decoding(c: &mut Criterion) {
    let (tags, customers) = payloads::capture().expect("the sandbox's answers");
    let (tags, customers) = (Bytes::from(tags), Bytes::from(customers));
    let mut group = c.benchmark_group("decode customers (23.7 KB)");
    group.bench_function("typed (serde_json::from_slice::<PageCustomersResponse>)", |b| {
        b.iter(|| serde_json::from_slice::<PageCustomersResponse>(&customers).unwrap())
    });
    group.bench_function("serde_json::Value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&customers).unwrap())
    });
    group.bench_function("the JSON door's check (Json::from_bytes)", |b| {
        b.iter(|| Json::from_bytes(customers.clone()).unwrap())
    });
    group.finish();
    let mut group = c.benchmark_group("decode tags (472 B)");
    group.bench_function("typed", |b| b.iter(|| serde_json::from_slice::<TagsResponse>(&tags).unwrap()));
    group.bench_function("the JSON door's check", |b| b.iter(|| Json::from_bytes(tags.clone()).unwrap()));
    group.finish();
}

fn calls(c: &mut Criterion) {
    let (tags, customers) = payloads::capture().expect("the sandbox's answers");
    let url =
        pancake_bench::replay::spawn(Bytes::from(tags), Bytes::from(customers)).expect("a replay server");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let token = pancake_sandbox::DEFAULT_PAGE_TOKEN;
    let sdk = Pancake::builder().base_url(&url).page_access_token(token).rate_limit(None).build().unwrap();
    let http = reqwest::Client::new();
    let bare = format!("{url}{}&access_token={token}", payloads::customers_path());
    let mut group = c.benchmark_group("call list_page_customers (replay server)");
    group.bench_function("bare reqwest + .json()", |b| {
        b.to_async(&runtime).iter(|| async {
            http.get(&bare).send().await.unwrap().json::<PageCustomersResponse>().await.unwrap()
        })
    });
    group.bench_function("typed .send()", |b| {
        b.to_async(&runtime).iter(|| async { payloads::typed_customers(&sdk).await.unwrap() })
    });
    group.bench_function("call_json", |b| {
        b.to_async(&runtime).iter(|| async {
            sdk.call_json("list_page_customers", payloads::customers_args(), CallOptions::default())
                .await
                .unwrap()
        })
    });
    group.finish();
    let mut group = c.benchmark_group("call list_tags (replay server)");
    group.bench_function("typed .send()", |b| {
        b.to_async(&runtime).iter(|| async { sdk.list_tags().page_id(TAGS_PAGE).send().await.unwrap() })
    });
    group.finish();
}

criterion_group!(benches, decoding, calls);
criterion_main!(benches);
