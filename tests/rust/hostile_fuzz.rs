//! Property tests, bounded, over a raw-socket server of the test's own that answers whatever
//! bytes a case gives it: every answer is decoded or classified without a panic, no error
//! shows the token (which the server echoes at will), and any JSON arguments are converted or
//! refused with an error naming a field, before anything is sent.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use pancake_sdk::retry::RetryPolicy;
use pancake_sdk::{CallOptions, Error, Pancake};
use proptest::prelude::*;
use serde_json::{Value, json};

const TOKEN: &str = "fuzz-SECRET-token";

/// A server answering every connection with the bytes in `answer`, and counting requests.
struct RawServer {
    url: String,
    answer: Arc<Mutex<Vec<u8>>>,
    requests: Arc<Mutex<usize>>,
}

fn raw_server() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(Mutex::new(0));
    let (canned, counter) = (answer.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 8192];
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let _ = stream.read(&mut head);
            *counter.lock().unwrap() += 1;
            let bytes = canned.lock().unwrap().clone();
            let _ = stream.write_all(&bytes);
            // Closing ends any body without a length.
        }
    });
    RawServer { url, answer, requests }
}

fn client(server: &RawServer) -> Pancake {
    Pancake::builder()
        .page_access_token(TOKEN)
        .user_access_token(TOKEN)
        .base_url(&server.url)
        .retry(RetryPolicy::none())
        .timeout(std::time::Duration::from_secs(2))
        .rate_limit(None)
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap()
}

fn json_values() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::from(TOKEN)),
        Just(Value::from("..")),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An HTTP answer: a status, a body that is JSON-like, an echo of the token, or bytes; a
/// length that is honest, missing, or a lie.
fn answers() -> impl Strategy<Value = Vec<u8>> {
    let body = prop_oneof![
        json_values().prop_map(|v| v.to_string().into_bytes()),
        json_values().prop_map(|v| json!({ "success": true, "tags": v }).to_string().into_bytes()),
        json_values().prop_map(|v| {
            json!({ "success": false, "message": format!("echo {TOKEN}"), "error_code": v })
                .to_string()
                .into_bytes()
        }),
        proptest::collection::vec(any::<u8>(), 0..256),
        Just(format!("GET /x?access_token={TOKEN}").into_bytes()),
    ];
    (100u16..600, body, 0u8..3).prop_map(|(status, body, length)| {
        let mut head =
            format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nConnection: close\r\n");
        match length {
            0 => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
            1 => {}
            _ => head.push_str(&format!("Content-Length: {}\r\n", body.len() * 2 + 1)),
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    })
}

fn assert_clean(error: &Error) -> Result<(), TestCaseError> {
    let shown = format!("{error}\n{error:?}");
    prop_assert!(!shown.contains(TOKEN), "{}", shown);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn any_answer_is_decoded_or_classified(answer in answers()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let server = raw_server();
        *server.answer.lock().unwrap() = answer;
        let client = client(&server);
        runtime.block_on(async {
            if let Err(error) = client.list_tags().page_id("105").send().await {
                assert_clean(&error)?;
            }
            if let Err(error) = client.call_json("list_pages", json!({}), CallOptions::new()).await {
                assert_clean(&error)?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    #[test]
    fn any_json_arguments_are_converted_or_refused_by_name(
        operation in prop_oneof![Just("list_tags"), Just("send_message"), Just("list_page_customers"), Just("tag_conversation"), Just("nope")],
        args in json_values(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let server = raw_server();
        *server.answer.lock().unwrap() = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec();
        let client = client(&server);
        let outcome = runtime.block_on(client.call_json(operation, args, CallOptions::new()));
        if let Err(error) = &outcome {
            assert_clean(error)?;
            if let Error::InvalidRequest { field, .. } = error {
                prop_assert!(field.is_some(), "a refusal names its field: {:?}", error);
                prop_assert_eq!(*server.requests.lock().unwrap(), 0, "refused, yet sent");
            }
        }
    }
}

/// The texts a server controls in a success (a warning's message) and in an error body read as
/// JSON (where an escape such as `\u0066` could spell the token) never show it.
#[test]
fn warnings_and_decoded_error_bodies_are_redacted() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = raw_server();
    let client = client(&server);
    let answer = |body: &str| {
        format!(
            // The server closes after each answer, and says so: a second call must not be sent on
            // a connection that the client has not yet seen closed.
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    *server.answer.lock().unwrap() =
        answer(&format!(r#"{{"success":true,"error_code":121,"message":"echo {TOKEN}","tags":[]}}"#));
    let warned = runtime.block_on(client.list_tags().page_id("105").send()).unwrap();
    let warning = warned.warning().expect("a warning");
    assert!(!warning.message.as_deref().unwrap_or_default().contains(TOKEN), "{warning:?}");

    let escaped = TOKEN.replacen('f', "\\u0066", 1);
    *server.answer.lock().unwrap() =
        answer(&format!(r#"{{"success":false,"message":"no","echo":"{escaped}"}}"#));
    let error = runtime.block_on(client.list_tags().page_id("105").send()).unwrap_err();
    let json = error.error_body().and_then(|b| b.json()).expect("a JSON body");
    assert_eq!(json["echo"], "[REDACTED]", "{json}");
    assert!(String::from_utf8_lossy(&error.body().unwrap()).contains(&escaped), "the raw body is kept");
}
