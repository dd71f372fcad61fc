//! The answers replayed: taken from a sandbox, so that they hold what the API's answers hold.

use pancake_sandbox::{Config, LARGE_PAGE_ID, PAGE_ID, Sandbox};

/// The page of `list_tags`.
pub const TAGS_PAGE: &str = PAGE_ID;
/// The page of `list_page_customers` (it has thousands of customers).
pub const CUSTOMERS_PAGE: &str = LARGE_PAGE_ID;
/// `since` and `until` of `list_page_customers`: the sandbox's whole pinned year.
pub const SINCE: i64 = pancake_sandbox::FIXED_EPOCH;
/// See [`SINCE`].
pub const UNTIL: i64 = pancake_sandbox::FIXED_EPOCH + 365 * 86_400;
/// Customers per answer.
pub const PAGE_SIZE: i64 = 100;

/// The path and query of each operation's request (the token is added by each client).
pub fn tags_path() -> String {
    format!("/api/public_api/v1/pages/{TAGS_PAGE}/tags")
}

/// See [`tags_path`].
pub fn customers_path() -> String {
    format!(
        "/api/public_api/v1/pages/{CUSTOMERS_PAGE}/page_customers?since={SINCE}&until={UNTIL}&page_number=1&page_size={PAGE_SIZE}"
    )
}

/// The bodies of both answers, as a sandbox with pinned dates sends them.
pub fn capture() -> Result<(Vec<u8>, Vec<u8>), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(Config::fixed())?;
    let token = sandbox.page_token().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let get = |path: String| {
            let separator = if path.contains('?') { '&' } else { '?' };
            let url = format!("{}{path}{separator}access_token={token}", sandbox.url());
            let http = http.clone();
            async move {
                let answer = http.get(url).send().await?.error_for_status()?;
                Ok::<_, reqwest::Error>(answer.bytes().await?.to_vec())
            }
        };
        Ok((get(tags_path()).await?, get(customers_path()).await?))
    })
}

/// The typed `list_page_customers` call every benchmark makes.
pub async fn typed_customers(
    sdk: &pancake_sdk::Pancake,
) -> Result<pancake_sdk::Response<pancake_sdk::pancake::types::PageCustomersResponse>, pancake_sdk::Error> {
    let page_size = std::num::NonZeroU64::new(PAGE_SIZE as u64).unwrap_or(std::num::NonZeroU64::MIN);
    sdk.list_page_customers()
        .page_id(CUSTOMERS_PAGE)
        .since(SINCE)
        .until(UNTIL)
        .page_number(1)
        .page_size(page_size)
        .send()
        .await
}

/// The JSON arguments of the same call, for `call_json`.
pub fn customers_args() -> serde_json::Value {
    serde_json::json!({
        "page_id": CUSTOMERS_PAGE, "since": SINCE, "until": UNTIL, "page_number": 1, "page_size": PAGE_SIZE,
    })
}
