//! A blocking call on a thread's own runtime (what Python's sync client and C use) never sends
//! on a pooled connection that the server closed while the thread was not calling: a send
//! there would fail after it may have left, and a send is never repeated.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pancake_sdk::registry::ForkSafe;
use pancake_sdk::{CallOptions, Settings};

/// A server that answers one request per connection with `{"success": true}`, keeps the
/// connection (as keep-alive says) for a moment, then closes it. Counts the connections.
fn closing_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = "{\"success\":true}";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
                answer.len()
            );
            std::thread::sleep(Duration::from_millis(50));
            // Closed while idle: the client's pool still holds it.
        }
    });
    (url, accepted)
}

#[test]
fn a_send_after_the_server_closed_the_idle_connection_goes_out_on_a_new_one() {
    let (url, accepted) = closing_server();
    let mut settings = Settings::default();
    settings.page_token = Some("page-token".into());
    settings.user_token = Some("user-token".into());
    settings.base_url = Some(url);
    settings.rate_limit = Some(None);
    let client = ForkSafe::new("pancake", settings).unwrap();
    let send = || {
        let client = client.here().unwrap();
        let args = serde_json::json!({
            "page_id": "105000000000001",
            "conversation_id": "105000000000001_6100000000010003",
            "body": { "action": "reply_inbox", "message": "Dạ" },
        });
        pancake_sdk::blocking::block_on_here(client.call_json("send_message", args, CallOptions::default()))
            .unwrap()
    };
    send().expect("the first send");
    std::thread::sleep(Duration::from_millis(300));
    send().expect("the second send, after the server closed the first connection");
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "each send on a connection of its own");
}
