//! The C replay of `tests/calls.json`: a C program, written from the calls and the operation
//! model, calls each operation through its typed `pk_<api>_<operation>` function against a
//! sandbox; then what the sandbox received is compared with the Rust client's snapshots
//! (`tests/rust/snapshots/operations__<operation>.snap`), as the Rust and Python tests do.

use std::fmt::Write;
use std::io::{Read, Write as _};

use serde_json::{Value, json};

use crate::c::{Kind, kind};
use crate::model::Spec;
use crate::{Result, root};

/// The calls of `tests/calls.json`: `(api, operation, args)`.
fn calls() -> Result<Vec<(String, String, Value)>> {
    let text = std::fs::read_to_string(root().join("tests/calls.json"))
        .map_err(|e| format!("tests/calls.json: {e}"))?;
    let table: Value = serde_json::from_str(&text).map_err(|e| format!("tests/calls.json: {e}"))?;
    let calls = table["calls"].as_array().ok_or("tests/calls.json: no calls")?;
    Ok(calls
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_string();
            (text("api"), text("operation"), c["args"].clone())
        })
        .collect())
}

/// A C string literal (octal escapes, which never swallow the next character).
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for byte in text.bytes() {
        match byte {
            b'"' | b'\\' | b'?' => {
                let _ = write!(out, "\\{}", byte as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push('"');
    out
}

/// The C source of the replay.
pub fn source(specs: &[Spec]) -> Result<String> {
    let mut body = String::new();
    for (api, operation, args) in calls()? {
        let spec = specs.iter().find(|s| s.module == api).ok_or(format!("calls.json: no API {api}"))?;
        let op = spec
            .operations
            .iter()
            .find(|o| o.id == operation)
            .ok_or(format!("calls.json: {api} has no operation {operation}"))?;
        let mut arguments = vec![format!("{api}_client")];
        for param in &op.params {
            let value = &args[&param.name];
            let given = !value.is_null();
            let argument = match kind(spec, &param.schema)? {
                Kind::Str if given => literal(value.as_str().unwrap_or(&value.to_string())),
                Kind::Int if given && param.required => format!("(int64_t){value}"),
                Kind::Int if given => format!("&(int64_t){{{value}}}"),
                Kind::Float if given && param.required => format!("(double){value}"),
                Kind::Float if given => format!("&(double){{{value}}}"),
                Kind::Bool if given && param.required => value.to_string(),
                Kind::Bool if given => format!("&(bool){{{value}}}"),
                Kind::IntArray if given => {
                    let items: Vec<String> =
                        value.as_array().into_iter().flatten().map(Value::to_string).collect();
                    format!("(const int64_t[]){{{}}}, {}", items.join(", "), items.len())
                }
                Kind::IntArray => "NULL, 0".to_string(),
                Kind::StrArray if given => {
                    let items: Vec<String> = value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|item| literal(item.as_str().unwrap_or_default()))
                        .collect();
                    format!("(const char *const[]){{{}}}, {}", items.join(", "), items.len())
                }
                Kind::StrArray => "NULL, 0".to_string(),
                Kind::Int | Kind::Float | Kind::Bool if param.required => {
                    return Err(format!("calls.json: {operation} lacks its required {}", param.name));
                }
                _ => "NULL".to_string(),
            };
            arguments.push(argument);
        }
        if let Some(upload) = &op.upload {
            let file = &args[&upload.field];
            let text =
                file["text"].as_str().ok_or(format!("calls.json: {operation}: its file has no text"))?;
            arguments.push(format!("(const uint8_t *){}, {}", literal(text), text.len()));
            arguments.push(literal(file["name"].as_str().unwrap_or("file")));
            arguments.push(file["mime_type"].as_str().map_or("NULL".to_string(), literal));
            arguments.push("NULL".to_string());
        }
        if op.body.is_some() {
            arguments.push(literal(&args["body"].to_string()));
        }
        arguments.push("&json".to_string());
        let _ = write!(
            body,
            "    if (pk_{api}_{operation}({}) != PK_RESULT_OK) {{\n        fprintf(stderr, \"{operation}: %s\\n\", pk_last_error());\n        return 1;\n    }}\n    pk_string_free(json);\n    json = NULL;\n    printf(\"{operation}\\n\");\n",
            arguments.join(", ")
        );
    }
    let mut clients = String::new();
    let mut frees = String::new();
    for spec in specs {
        let api = &spec.module;
        let _ = write!(
            clients,
            "    pk_{api} *{api}_client = NULL;\n    if (pk_{api}_new(options, &{api}_client) != PK_RESULT_OK) {{\n        fprintf(stderr, \"{api}: %s\\n\", pk_last_error());\n        return 1;\n    }}\n"
        );
        let _ = writeln!(frees, "    pk_{api}_free({api}_client);");
    }
    Ok(format!(
        r#"/* @generated by `cargo xtask test` from tests/calls.json: each call through its typed function. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pancake_sdk.h"

int main(void) {{
    const char *url = getenv("PANCAKE_SANDBOX_URL");
    const char *botcake_url = getenv("BOTCAKE_SANDBOX_URL");
    if (url == NULL || botcake_url == NULL) {{
        fprintf(stderr, "set PANCAKE_SANDBOX_URL and BOTCAKE_SANDBOX_URL\n");
        return 2;
    }}
    char *json = NULL;
    pk_options *options = NULL;
    if (pk_options_new(&options) != PK_RESULT_OK || pk_options_set_page_token(options, "sandbox-page-token") != PK_RESULT_OK ||
        pk_options_set_user_token(options, "sandbox-user-token") != PK_RESULT_OK ||
        pk_options_set_rate_limit(options, false) != PK_RESULT_OK || pk_options_set_max_retries(options, 0) != PK_RESULT_OK) {{
        return 1;
    }}
    pk_options_set_base_url(options, botcake_url);
{botcake}    pk_options_set_base_url(options, url);
{pancake}    pk_options_free(options);
{body}{frees}    return 0;
}}
"#,
        botcake = clients.split("    pk_pancake").next().unwrap_or_default(),
        pancake = clients
            .split_once("    pk_pancake")
            .map(|(_, rest)| format!("    pk_pancake{rest}"))
            .unwrap_or_default(),
    ))
}

/// `GET path` on the sandbox (HTTP/1.0: the answer ends with the connection).
fn get(url: &str, path: &str) -> Result<Value> {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| format!("sandbox {address}: {e}"))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").map_err(|e| format!("sandbox: {e}"))?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| format!("sandbox: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    let (_, body) = text.split_once("\r\n\r\n").ok_or("sandbox: an answer without a body")?;
    serde_json::from_str(body).map_err(|e| format!("sandbox {path}: {e}"))
}

/// A request of the sandbox's log in the snapshots' form.
fn normalized(request: &Value) -> Value {
    let pairs = |value: &Value, separator: &str| -> Vec<Value> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| {
                let (k, v) = (pair[0].as_str()?, pair[1].as_str()?);
                let v = match k {
                    "host" => "127.0.0.1:[port]".to_string(),
                    // Each language says its own name; the snapshots are the Rust client's.
                    "user-agent" if v.starts_with("pancake-sdk-c/") => {
                        "pancake-sdk-rust/[version]".to_string()
                    }
                    _ => v.to_string(),
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

/// Compares what the sandbox at `url` received with the snapshot of each call, in order.
pub fn compare(url: &str) -> Result {
    let log = get(url, "/_sandbox/requests")?;
    let requests = log.as_array().or_else(|| log["requests"].as_array()).ok_or("sandbox: no request log")?;
    let calls = calls()?;
    if requests.len() != calls.len() {
        return Err(format!("the C replay made {} requests for {} calls", requests.len(), calls.len()));
    }
    let mut differing = Vec::new();
    for ((_, operation, _), request) in calls.iter().zip(requests) {
        let path = root().join(format!("tests/rust/snapshots/operations__{operation}.snap"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let wanted: Value = text
            .splitn(3, "---")
            .nth(2)
            .and_then(|json| serde_json::from_str(json).ok())
            .ok_or(format!("{}: not a JSON snapshot", path.display()))?;
        let sent = normalized(request);
        if sent != wanted {
            differing.push(format!("{operation}:\n  sent:     {sent}\n  snapshot: {wanted}"));
        }
    }
    if differing.is_empty() {
        println!(
            "the C replay of tests/calls.json put on the wire what the snapshots hold ({} calls)",
            calls.len()
        );
        Ok(())
    } else {
        Err(format!("the C calls differ from the snapshots:\n{}", differing.join("\n")))
    }
}
