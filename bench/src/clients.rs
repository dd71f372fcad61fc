//! The Rust clients, each timed over the same loop: `calls` calls, `in_flight` at a time,
//! after a warm-up that opens the connections.

use std::future::Future;
use std::time::Instant;

use futures::StreamExt;
use pancake_sdk::pancake::types::{PageCustomersResponse, TagsResponse};
use pancake_sdk::{CallOptions, Pancake};

use pancake_bench::Op;
use pancake_bench::payloads::{TAGS_PAGE, customers_args, customers_path, tags_path, typed_customers};

/// One timed run.
#[derive(clap::Args)]
pub struct Run {
    /// The client.
    #[arg(long, value_enum)]
    client: Client,
    /// The operation.
    #[arg(long, value_enum)]
    op: Op,
    /// The server's URL (the replay server's or a sandbox's).
    #[arg(long)]
    url: String,
    /// The page token it takes.
    #[arg(long, default_value = pancake_sandbox::DEFAULT_PAGE_TOKEN)]
    token: String,
    /// Calls timed.
    #[arg(long, default_value_t = 2000)]
    calls: usize,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
    /// tokio's runtime: `multi-thread` (what a service runs), or `current-thread` (one thread:
    /// what `cargo xtask bench` counts instructions on, so that no second thread's spinning
    /// blurs the count).
    #[arg(long, value_enum, default_value_t = Runtime::MultiThread)]
    runtime: Runtime,
}

/// tokio's runtimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Runtime {
    MultiThread,
    CurrentThread,
}

/// The Rust clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Client {
    /// reqwest alone: `get(url).send().await?.json::<T>()`, into the SDK's own types.
    Reqwest,
    /// The SDK's typed call: `pancake.list_tags().page_id(..).send()`.
    Typed,
    /// The SDK's JSON door (what Python, C and the CLI use): `call_json`, whose checked bytes
    /// are then skimmed for the items.
    Json,
}

/// Calls per second of one client.
pub fn time(run: &Run) -> Result<f64, Box<dyn std::error::Error>> {
    let runtime = match run.runtime {
        Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread().enable_all().build()?,
        Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
    };
    runtime.block_on(async {
        let sdk =
            Pancake::builder().base_url(&run.url).page_access_token(&run.token).rate_limit(None).build()?;
        let http = reqwest::Client::new();
        let url = match run.op {
            Op::Tags => format!("{}{}?access_token={}", run.url, tags_path(), run.token),
            Op::Customers => format!("{}{}&access_token={}", run.url, customers_path(), run.token),
        };
        let one = || {
            let (sdk, http, url) = (sdk.clone(), http.clone(), url.clone());
            async move { call(run.client, run.op, &sdk, &http, &url).await }
        };
        // Warm-up: connections opened, caches filled.
        repeat(run.calls.div_ceil(10).max(run.in_flight), run.in_flight, &one).await?;
        let started = Instant::now();
        repeat(run.calls, run.in_flight, &one).await?;
        Ok(run.calls as f64 / started.elapsed().as_secs_f64())
    })
}

async fn repeat<F, Fut>(calls: usize, in_flight: usize, one: &F) -> Result<(), Box<dyn std::error::Error>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<usize, Box<dyn std::error::Error>>>,
{
    let mut calls = futures::stream::iter(0..calls).map(|_| one()).buffer_unordered(in_flight.max(1));
    while let Some(done) = calls.next().await {
        // Each call answers the items it read: all of them must have come through.
        if done? == 0 {
            return Err("a call answered no items".into());
        }
    }
    Ok(())
}

/// The items of either answer, skimmed (each one read through, none kept): what reading the
/// JSON door's bytes takes at the least.
#[derive(serde::Deserialize)]
struct Items {
    #[serde(alias = "tags", alias = "customers")]
    items: Vec<serde::de::IgnoredAny>,
}

/// One call; answers how many items it read.
async fn call(
    client: Client,
    op: Op,
    sdk: &Pancake,
    http: &reqwest::Client,
    url: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    Ok(match (client, op) {
        (Client::Reqwest, Op::Tags) => http.get(url).send().await?.json::<TagsResponse>().await?.tags.len(),
        (Client::Reqwest, Op::Customers) => {
            http.get(url).send().await?.json::<PageCustomersResponse>().await?.customers.len()
        }
        (Client::Typed, Op::Tags) => sdk.list_tags().page_id(TAGS_PAGE).send().await?.tags.len(),
        (Client::Typed, Op::Customers) => typed_customers(sdk).await?.customers.len(),
        (Client::Json, Op::Tags) => {
            let args = serde_json::json!({ "page_id": TAGS_PAGE });
            let answer = sdk.call_json("list_tags", args, CallOptions::default()).await?;
            answer.decode::<Items>()?.items.len()
        }
        (Client::Json, Op::Customers) => {
            let answer =
                sdk.call_json("list_page_customers", customers_args(), CallOptions::default()).await?;
            answer.decode::<Items>()?.items.len()
        }
    })
}
