//! The C input layer under arbitrary bytes, bounded: whatever a C caller passes as an operation
//! name, JSON arguments, an id or a body, the library answers a result code (never a panic)
//! and, when it refuses, names the problem; a refused input is never sent.

use std::ffi::{CStr, CString, c_char};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{
    pk_options_free, pk_options_new, pk_options_set_base_url, pk_options_set_max_retries,
    pk_options_set_page_token, pk_options_set_rate_limit, pk_options_set_timeout_ms,
    pk_options_set_user_token, pk_pancake, pk_pancake_call, pk_pancake_free, pk_pancake_new, pk_result,
    pk_string_free,
};
use proptest::prelude::*;

/// A listener that counts connections and never answers (calls end at the timeout).
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

fn client(url: &CStr) -> *mut pk_pancake {
    let mut options = std::ptr::null_mut();
    let ok = pk_result::PK_RESULT_OK;
    unsafe {
        assert_eq!(pk_options_new(&mut options), ok);
        assert_eq!(pk_options_set_page_token(options, c"fuzz-page-token".as_ptr()), ok);
        assert_eq!(pk_options_set_user_token(options, c"fuzz-user-token".as_ptr()), ok);
        assert_eq!(pk_options_set_base_url(options, url.as_ptr()), ok);
        assert_eq!(pk_options_set_max_retries(options, 0), ok);
        assert_eq!(pk_options_set_timeout_ms(options, 200), ok);
        assert_eq!(pk_options_set_rate_limit(options, false), ok);
    }
    let mut client = std::ptr::null_mut();
    assert_eq!(unsafe { pk_pancake_new(options, &mut client) }, ok);
    unsafe { pk_options_free(options) };
    client
}

/// Bytes a C string can hold (no NUL inside).
fn c_text() -> impl Strategy<Value = CString> {
    prop_oneof![
        proptest::collection::vec(1u8..=255, 0..48),
        "[a-z_]{0,20}".prop_map(String::into_bytes),
        Just(b"..".to_vec()),
        Just(b"{\"page_id\":\"..\"}".to_vec()),
        "\\{\"page_id\":\"[./a-z0-9]{0,6}\"(,\"[a-z_]{1,10}\":(1|-1|\"x\"|null|\\[\\]|\\{\\}|1e999)){0,3}\\}"
            .prop_map(String::into_bytes),
    ]
    .prop_map(|bytes| CString::new(bytes).unwrap())
}

/// A read (or with `send`, a send) of the Pancake API that takes a path parameter, from its
/// table of operations.
fn known(send: bool) -> CString {
    let op =
        pancake_sdk::pancake::API.operations.iter().find(|op| op.send == send && !op.path_params.is_empty());
    CString::new(op.expect("such an operation").id).unwrap()
}

/// The arguments of `known(true)`: every path parameter `id`, and `body`.
fn send_with(id: &str, body: serde_json::Value) -> CString {
    let op =
        pancake_sdk::pancake::API.operations.iter().find(|op| op.send && !op.path_params.is_empty()).unwrap();
    let mut args = serde_json::Map::new();
    for name in op.path_params {
        args.insert((*name).to_string(), id.into());
    }
    args.insert("body".into(), body);
    CString::new(serde_json::Value::Object(args).to_string()).unwrap()
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(crate::pk_last_error()) }.to_string_lossy().into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_input_gets_a_result_code_and_refusals_are_not_sent(
        operation in prop_oneof![Just(known(false)), Just(known(true)), c_text()],
        args in c_text(),
        id in "[./a-z0-9%\\\\]{0,6}",
        body in c_text(),
    ) {
        let (url, connections) = counting_listener();
        let url = CString::new(url).unwrap();
        let client = client(&url);
        let mut out: *mut c_char = std::ptr::null_mut();
        // The send again, its ids and body from the fuzzer, as a C caller passes them.
        let body = serde_json::from_slice::<serde_json::Value>(body.as_bytes()).unwrap_or_else(|_| body.to_string_lossy().into());
        let send = send_with(&id, body);
        for result in [
            unsafe { pk_pancake_call(client, operation.as_ptr(), args.as_ptr(), &mut out) },
            unsafe { pk_pancake_call(client, known(true).as_ptr(), send.as_ptr(), &mut out) },
        ] {
            prop_assert_ne!(result, pk_result::PK_RESULT_PANIC, "{}", last_error());
            if matches!(result, pk_result::PK_RESULT_INVALID_ARGUMENT | pk_result::PK_RESULT_VALIDATION) {
                prop_assert!(!last_error().is_empty());
            }
            if result == pk_result::PK_RESULT_OK {
                unsafe { pk_string_free(out) };
                out = std::ptr::null_mut();
            }
            prop_assert!(!last_error().contains("fuzz-page-token") && !last_error().contains("fuzz-user-token"));
        }
        // `..` as an id is refused before any connection.
        let before = connections.load(Ordering::SeqCst);
        let refused = unsafe { pk_pancake_call(client, known(true).as_ptr(), send_with("..", serde_json::json!({})).as_ptr(), &mut out) };
        prop_assert_eq!(refused, pk_result::PK_RESULT_VALIDATION);
        prop_assert_eq!(connections.load(Ordering::SeqCst), before);
        unsafe { pk_pancake_free(client) };
    }
}
