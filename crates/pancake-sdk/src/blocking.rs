//! One tokio runtime per process, for callers that are not async themselves (the Python and
//! C bindings). A process that forks gets a new runtime in the child: the parent's worker
//! threads do not exist there, so its runtime is left alone, never dropped.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::runtime::Runtime;

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The runtime of this process (made on first use, and anew after a fork).
pub fn runtime() -> std::io::Result<Arc<Runtime>> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(runtime.clone());
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pancake-sdk")
            .enable_all()
            .build()?,
    );
    if let Some(parent) = slot.replace((pid, runtime.clone())) {
        std::mem::forget(parent);
    }
    Ok(runtime)
}

/// Runs a future to completion on the process's runtime, blocking this thread (which must not
/// be one of the runtime's own).
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    Ok(runtime()?.block_on(future))
}

/// Whether the process forked since `pid` was recorded (a client made before must be made
/// anew: its pooled connections belong to the parent).
pub fn forked_since(pid: u32) -> bool {
    std::process::id() != pid
}
