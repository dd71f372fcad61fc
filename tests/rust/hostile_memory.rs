//! A gigabyte answer, announced or endless, ends in the size error with the process's peak
//! memory staying well under 100 MiB above what it used before (its own figures, from
//! `/proc/self/status`). Alone in its binary, so that no other test moves the figures.

use std::time::Duration;

use pancake_e2e::{PAGE_ID, env};
use pancake_sandbox::FaultRule;
use pancake_sdk::{Error, Pancake};

/// A figure of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// A raw-socket server answering every request with `{"<key>": [item,item,...]}` of about
/// `size` bytes, written a chunk at a time (never held whole).
fn packed_server(item: &'static str, key: &'static str, size: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.read(&mut [0u8; 8192]);
            let chunk = format!("{item},").repeat(64 * 1024 / (item.len() + 1));
            let count = size / chunk.len();
            let head = format!("{{\"{key}\":[");
            let length = head.len() + count * chunk.len() + item.len() + 2;
            let mut sent = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nContent-Type: application/json\r\n\r\n{head}"
            );
            for _ in 0..count {
                sent = sent.and_then(|()| stream.write_all(chunk.as_bytes()));
            }
            let _ = sent.and_then(|()| write!(stream, "{item}]}}"));
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_answer_keeps_memory_bounded() {
    let env = env();
    // The deadline makes "within seconds" part of the outcome: a client that read the whole
    // gigabyte would end in a deadline error, not the size error.
    let client = Pancake::builder()
        .page_access_token(env.sandbox.page_token())
        .base_url(env.sandbox.url())
        .deadline(Duration::from_secs(20))
        .build()
        .unwrap();
    client.list_tags().page_id(PAGE_ID).send().await.unwrap();
    // Reset the peak to the current size where the kernel allows it (else the peak so far).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmHWM:");
    for fault in ["huge-body=1073741824", "endless-body"] {
        env.sandbox.inject(FaultRule::next(fault)).unwrap();
        let error = client.list_tags().page_id(PAGE_ID).send().await.unwrap_err();
        assert!(matches!(error, Error::TooLarge { .. }), "{fault}: {error:?}");
    }
    // Bodies within the limit, packed to blow up when decoded: 30 MiB of `{},` and of `1,`.
    for (item, key) in [("{}", "conversations"), ("1", "tags")] {
        let url = packed_server(item, key, 30 * 1024 * 1024);
        let packed = Pancake::builder()
            .page_access_token(env.sandbox.page_token())
            .base_url(url)
            .deadline(Duration::from_secs(20))
            .build()
            .unwrap();
        // (Only the kind is shown on failure: the answer itself is 30 MiB.)
        let typed = packed.list_tags().page_id(PAGE_ID).send().await;
        assert!(matches!(typed, Err(Error::TooLarge { .. })), "{item}: typed: not refused as too large");
        let json =
            packed.call_json("list_tags", serde_json::json!({ "page_id": PAGE_ID }), Default::default());
        assert!(matches!(json.await, Err(Error::TooLarge { .. })), "{item}: JSON: not refused as too large");
    }
    let peak = status_kib("VmHWM:");
    let grown_mib = peak.saturating_sub(before) / 1024;
    eprintln!("peak memory: {before} KiB before, {peak} KiB after ({grown_mib} MiB more)");
    assert!(grown_mib < 100, "the peak grew by {grown_mib} MiB ({before} KiB -> {peak} KiB)");
}
