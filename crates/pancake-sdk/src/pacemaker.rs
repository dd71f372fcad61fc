//! Keeps one timer of the runtime due soon while a client is making calls, so that the timer
//! each call sets (its timeout, due much later) never has to wake the runtime's driver to
//! re-arm it.
//!
//! tokio wakes its parked driver whenever a timer is set that is due before every other one:
//! on a runtime with no timer pending, every call would pay that wake-up (two thread switches
//! on the hot path). With a beat due within [`TICK`] pending, a call's timer is never the
//! earliest. The beat is a task on the runtime of the call that started it; it stops after a
//! few idle beats, or when its client is gone, or with its runtime, and the next call starts
//! it again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often the pacemaker beats while calls are made.
const TICK: Duration = Duration::from_millis(500);

/// Beats without a call before the pacemaker stops.
const IDLE_BEATS: u64 = 4;

/// One client's pacemaker (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Pacemaker {
    running: AtomicBool,
    /// Calls started so far (the beat sees whether any came since it last looked; no clock is
    /// read per call).
    calls: AtomicU64,
}

/// Marks the pacemaker stopped when its task ends, however it ends (its runtime may drop it).
struct Running(Weak<Pacemaker>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(pacemaker) = self.0.upgrade() {
            pacemaker.running.store(false, Ordering::Release);
        }
    }
}

impl Pacemaker {
    /// Notes a call's start; starts the beat on the current runtime when it is not running and
    /// the runtime has threads of its own. (A single-threaded runtime's driver is parked only
    /// by the thread that sets the timer: there is nothing to keep awake, and a beat there
    /// would stand still between calls.)
    pub(crate) fn call_started(self: &Arc<Self>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.running.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current()
            && runtime.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread
        {
            self.start(&runtime);
        }
    }

    /// Starts the beat on `runtime`, unless it runs already.
    fn start(self: &Arc<Self>, runtime: &tokio::runtime::Handle) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let running = Running(Arc::downgrade(self));
        runtime.spawn(async move {
            let running = running;
            let (mut seen, mut idle) = (0, 0);
            loop {
                tokio::time::sleep(TICK).await;
                let Some(pacemaker) = running.0.upgrade() else { return };
                let calls = pacemaker.calls.load(Ordering::Relaxed);
                idle = if calls == seen { idle + 1 } else { 0 };
                seen = calls;
                if idle >= IDLE_BEATS {
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call on a runtime whose time is paused (which only a single-threaded one can be):
    /// counted, and the beat started there as a call on a threaded runtime would.
    fn call(pacemaker: &Arc<Pacemaker>) {
        pacemaker.call_started();
        pacemaker.start(&tokio::runtime::Handle::current());
    }

    #[tokio::test(start_paused = true)]
    async fn it_beats_while_calls_come_and_stops_when_they_stop() {
        let pacemaker = Arc::new(Pacemaker::default());
        call(&pacemaker);
        assert!(pacemaker.running.load(Ordering::Acquire));
        // A second call does not start a second beat.
        call(&pacemaker);
        tokio::time::sleep(TICK * (IDLE_BEATS as u32 + 3)).await;
        tokio::task::yield_now().await;
        assert!(!pacemaker.running.load(Ordering::Acquire), "idle: it stopped");
        call(&pacemaker);
        assert!(pacemaker.running.load(Ordering::Acquire), "a new call starts it again");
    }

    #[test]
    fn a_single_threaded_runtime_starts_none() {
        let pacemaker = Arc::new(Pacemaker::default());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async { pacemaker.call_started() });
        assert!(!pacemaker.running.load(Ordering::Acquire));
        assert_eq!(pacemaker.calls.load(Ordering::Acquire), 1, "the call is counted");
    }

    #[test]
    fn a_runtime_that_ends_stops_it_and_no_runtime_starts_none() {
        let pacemaker = Arc::new(Pacemaker::default());
        pacemaker.call_started();
        assert!(!pacemaker.running.load(Ordering::Acquire), "no runtime: nothing runs");
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_time().build().unwrap();
        runtime.block_on(async { pacemaker.call_started() });
        assert!(pacemaker.running.load(Ordering::Acquire));
        drop(runtime);
        assert!(!pacemaker.running.load(Ordering::Acquire), "its runtime ended: it is stopped");
    }
}
