//! The outcomes of background calls (the async client's), handed to the event loop's thread
//! without the GIL. A runtime thread that finishes a call reads its answer onto a tape (see
//! `decode`), queues it, and wakes the loop through a socket (one byte, only when the queue
//! was empty); the loop's reader ([`Completions::drain`]) takes every queued outcome at once
//! and makes its Python objects there, where the GIL is held anyway. No runtime thread ever
//! waits for the GIL, so calls in flight never queue behind a busy event loop.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// What a background call ended with.
pub(crate) enum Outcome {
    /// A call's answer, read onto its tape.
    Answer(crate::Answer),
    /// A pager's next item, read onto its tape (`None` at the end).
    Item(crate::Item),
    /// The SDK panicked (a bug).
    Panicked,
}

/// The queue of one event loop, shared with the runtime's threads.
pub(crate) struct Queue {
    outcomes: Mutex<Vec<(u64, Outcome)>>,
    wake: UnixStream,
}

impl Queue {
    /// Queues an outcome; wakes the loop when it was the first one waiting.
    pub(crate) fn push(&self, id: u64, outcome: Outcome) {
        let first = {
            let mut outcomes = self.outcomes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            outcomes.push((id, outcome));
            outcomes.len() == 1
        };
        if first {
            // A full socket already holds a wake-up the loop has not read.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The outcomes of one event loop's background calls: register `fileno()` with the loop's
/// `add_reader` and call `drain()` when it is readable.
#[pyclass(frozen, module = "pancake_sdk._native")]
pub(crate) struct Completions {
    queue: Arc<Queue>,
    readable: UnixStream,
}

impl Completions {
    /// The queue the runtime's threads push to.
    pub(crate) fn queue(&self) -> Arc<Queue> {
        self.queue.clone()
    }
}

#[pymethods]
impl Completions {
    #[new]
    fn new() -> PyResult<Completions> {
        let (readable, wake) = UnixStream::pair()?;
        readable.set_nonblocking(true)?;
        wake.set_nonblocking(true)?;
        Ok(Completions { queue: Arc::new(Queue { outcomes: Mutex::new(Vec::new()), wake }), readable })
    }

    /// The descriptor that becomes readable when outcomes are waiting.
    fn fileno(&self) -> i32 {
        self.readable.as_raw_fd()
    }

    /// Every waiting outcome as `(id, value)`: a call's `(body, status, warning)`, a pager's
    /// item (None at the end), or the exception.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut scratch = [0u8; 256];
        loop {
            match (&self.readable).read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let outcomes =
            std::mem::take(&mut *self.queue.outcomes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let drained = PyList::empty(py);
        for (id, outcome) in outcomes {
            let value = match outcome {
                Outcome::Answer(answer) => crate::answer(py, answer).map(Bound::into_any),
                Outcome::Item(item) => {
                    crate::item(py, item).map(|item| item.unwrap_or_else(|| py.None().into_bound(py)))
                }
                Outcome::Panicked => Err(crate::sdk_error(py, crate::PANICKED)),
            };
            let value = value.unwrap_or_else(|error| error.into_value(py).into_bound(py).into_any());
            drained.append(PyTuple::new(py, [id.into_pyobject(py)?.into_any(), value])?)?;
        }
        Ok(drained)
    }
}
