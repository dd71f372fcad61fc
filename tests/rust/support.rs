//! Shared set-up of the end-to-end tests: a sandbox on loopback and clients pointed at it.

use pancake_sandbox::{Config, Sandbox};
use pancake_sdk::{Botcake, Pancake};
use serde_json::{Value, json};

pub use pancake_sandbox::{LARGE_PAGE_ID, PAGE_ID};

/// A sandbox and a client of each API, holding the sandbox's tokens.
pub struct Env {
    pub sandbox: Sandbox,
    pub botcake: Botcake,
    pub pancake: Pancake,
}

/// Starts a sandbox of its own (tests run in parallel) with clients for it.
pub fn env() -> Env {
    let sandbox = Sandbox::start(Config::fixed()).expect("sandbox starts");
    let botcake = Botcake::builder()
        .access_token(sandbox.page_token())
        .base_url(sandbox.botcake_url())
        .build()
        .expect("botcake client");
    let pancake = Pancake::builder()
        .page_access_token(sandbox.page_token())
        .user_access_token(sandbox.user_token())
        .base_url(sandbox.pancake_url())
        .build()
        .expect("pancake client");
    Env { sandbox, botcake, pancake }
}

/// The last request the sandbox received, as a stable snapshot: tokens replaced by their
/// names, and the headers that vary between runs (host port, SDK version) normalised.
pub fn last_request(sandbox: &Sandbox) -> Value {
    let request = sandbox.requests().pop().expect("the sandbox received a request");
    let secrets = [
        (sandbox.page_token().to_string(), "[page token]"),
        (sandbox.user_token().to_string(), "[user token]"),
    ];
    let redact = |text: &str| -> String {
        secrets.iter().fold(text.to_string(), |acc, (secret, name)| acc.replace(secret.as_str(), name))
    };
    let pairs = |value: &Value, separator: &str| -> Vec<Value> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| {
                let [k, v] = pair.as_array()?.as_slice() else { return None };
                let (k, v) = (k.as_str()?, v.as_str()?);
                let v = match k {
                    "host" => "127.0.0.1:[port]".to_string(),
                    "user-agent" => v.replace(pancake_sdk::VERSION, "[version]"),
                    _ => redact(v),
                };
                Some(json!(format!("{k}{separator}{v}")))
            })
            .collect()
    };
    json!({
        "operation_id": request["operation_id"],
        "method": request["method"],
        "path": request["path"],
        "query": pairs(&request["query"], "="),
        "headers": pairs(&request["headers"], ": "),
        "body": request["body"],
    })
}
