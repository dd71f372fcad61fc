//! One tokio runtime per process, for callers that are not async themselves (the Python and
//! C bindings). A process that forks gets a new runtime in the child: the parent's worker
//! threads do not exist there, so its runtime is left alone, never dropped.
//!
//! A host that is about to exit (a Python interpreter, from `atexit`) calls [`shutdown`]: the
//! runtime's tasks end and its worker threads stop before the host tears itself down, so no
//! worker touches the host while it finalizes. Calls after that fail with an error.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

static RUNTIME: Mutex<Option<(u32, Runtime)>> = Mutex::new(None);
static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

/// A handle to the runtime of this process (made on first use, and anew after a fork).
pub fn handle() -> std::io::Result<Handle> {
    if SHUT_DOWN.load(Ordering::Acquire) {
        return Err(std::io::Error::other("the SDK's runtime was shut down (the process is exiting)"));
    }
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(runtime.handle().clone());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pancake-sdk")
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    if let Some(parent) = slot.replace((pid, runtime)) {
        // The parent's runtime: its threads are not in this process, so it cannot be dropped.
        std::mem::forget(parent);
    }
    Ok(handle)
}

/// Runs a future to completion on the process's runtime, blocking this thread (which must not
/// be one of the runtime's own).
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    Ok(handle()?.block_on(future))
}

thread_local! {
    /// This thread's own runtime (see [`block_on_here`]), with the process it was made in.
    static HERE: RefCell<Option<(u32, Runtime)>> = const { RefCell::new(None) };
}

/// Runs a future to completion on this thread's own single-threaded runtime, which this call
/// drives: the network's readiness is waited for here, so no other thread has to wake this one
/// (the process's runtime costs two thread switches per wait). The runtime is made on first
/// use, anew after a fork (the parent's is left alone), and dropped with the thread; its tasks
/// run only during such calls.
///
/// What the future uses must belong to this thread's runtime: a client's pooled connections
/// are served by the runtime that opened them, so give each thread a client of its own
/// ([`crate::dynamic::DynClient::with_own_connections`]). Such a client's idle connections
/// wait, unread, until the thread's next call (or its end). Fails after [`shutdown`], inside a
/// runtime, and within another such call on the same thread.
pub fn block_on_here<F: Future>(future: F) -> std::io::Result<F::Output> {
    if SHUT_DOWN.load(Ordering::Acquire) {
        return Err(std::io::Error::other("the SDK's runtime was shut down (the process is exiting)"));
    }
    if Handle::try_current().is_ok() {
        return Err(std::io::Error::other("a blocking call cannot be made from inside a runtime"));
    }
    HERE.with(|slot| {
        let mut slot = slot
            .try_borrow_mut()
            .map_err(|_| std::io::Error::other("a blocking call cannot be made from inside another one"))?;
        let pid = std::process::id();
        let (_, runtime) = match slot.take() {
            Some((owner, runtime)) if owner == pid => slot.insert((owner, runtime)),
            stale => {
                // One made before a fork: its driver's descriptors are shared with the parent.
                std::mem::forget(stale);
                slot.insert((pid, tokio::runtime::Builder::new_current_thread().enable_all().build()?))
            }
        };
        Ok(runtime.block_on(async {
            // Nothing drives this runtime between calls: what came meanwhile (a server closing
            // an idle pooled connection) is handled before the call picks a connection, or a
            // send could go out on a closed one. Yielding lets the scheduler pull the pending
            // events; yielding again lets the tasks they woke run (tokio's single-threaded
            // scheduler runs woken tasks before it polls this future again).
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            future.await
        }))
    })
}

/// Stops the runtime of this process: its tasks are dropped, and its worker threads are given
/// up to `timeout` to finish what they are doing. Later calls fail. Safe to call more than once.
pub fn shutdown(timeout: Duration) {
    SHUT_DOWN.store(true, Ordering::Release);
    let taken = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    match taken {
        Some((owner, runtime)) if owner == std::process::id() => runtime.shutdown_timeout(timeout),
        Some(parent) => std::mem::forget(parent),
        None => {}
    }
}

/// Whether [`shutdown`] was called.
pub fn is_shut_down() -> bool {
    SHUT_DOWN.load(Ordering::Acquire)
}

/// Releases `value`, made in the process `pid`. A value made before a fork (a client, a
/// stream) holds connections registered with the parent's runtime: dropping it in the child
/// could wait forever on a lock that one of the parent's threads held at the moment of the
/// fork (those threads do not exist in the child to release it). Such a value is leaked
/// instead, once per fork.
pub fn release<T>(value: T, pid: u32) {
    if forked_since(pid) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// For a shared value (an `Arc`, a client) made in the process `pid` and about to be dropped:
/// in a forked child, a leaked clone keeps it from ever being dropped (see [`release`]).
pub fn release_shared<T: Clone>(value: &T, pid: u32) {
    if forked_since(pid) {
        std::mem::forget(value.clone());
    }
}

/// Whether the process forked since `pid` was recorded (a client made before must be made
/// anew: its pooled connections belong to the parent).
pub fn forked_since(pid: u32) -> bool {
    std::process::id() != pid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_here_runs_its_tasks_on_this_thread() {
        let caller = std::thread::current().id();
        let ran_on =
            block_on_here(async { tokio::spawn(async { std::thread::current().id() }).await.unwrap() });
        assert_eq!(ran_on.unwrap(), caller);
        // The runtime stays for the thread's next call, timers and all.
        block_on_here(async { tokio::time::sleep(Duration::from_millis(1)).await }).unwrap();
    }

    #[test]
    fn a_call_here_inside_a_runtime_or_another_call_fails_instead_of_panicking() {
        let nested = block_on_here(async { block_on_here(async {}) }).unwrap();
        assert!(nested.is_err());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert!(runtime.block_on(async { block_on_here(async {}) }).is_err());
        assert!(block_on_here(async {}).is_ok(), "the thread's runtime is still usable");
    }

    #[test]
    fn a_thread_that_ends_drops_its_runtime() {
        let thread = std::thread::spawn(|| {
            block_on_here(async {
                // A task still pending when the thread ends is dropped with the runtime.
                tokio::spawn(tokio::time::sleep(Duration::from_secs(3600)));
                tokio::time::sleep(Duration::from_millis(1)).await;
            })
            .unwrap();
        });
        thread.join().expect("the thread ended without a panic");
    }
}
