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
    let peak = status_kib("VmHWM:");
    let grown_mib = peak.saturating_sub(before) / 1024;
    eprintln!("peak memory: {before} KiB before, {peak} KiB after ({grown_mib} MiB more)");
    assert!(grown_mib < 100, "the peak grew by {grown_mib} MiB ({before} KiB -> {peak} KiB)");
}
