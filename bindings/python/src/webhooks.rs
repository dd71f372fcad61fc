//! Webhooks for Python: events read by the Rust SDK, and its receiver (secret, repeats,
//! version order, suspension health) behind `pancake_sdk.webhooks.WebhookReceiver`.

use std::sync::Arc;
use std::time::Duration;

use pancake_sdk::webhooks::{Event, Events, Receiver, Verdict, WebhookError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{Task, deliver, runtime};

/// An event for Python: its JSON (a dict) and, for an event ordered by a version (the spec's
/// `order` rule), that version.
type PyEvent<'py> = (Bound<'py, PyAny>, Option<i64>);

fn to_python<'py>(py: Python<'py>, event: &Event) -> PyResult<PyEvent<'py>> {
    Ok((pythonize::pythonize(py, event.json())?, event.order().map(|(_, version)| version)))
}

/// Reads one delivery's body into `(json, version)`; raises `ValueError` when it is no event,
/// saying why (never repeating the body).
#[pyfunction]
pub fn parse_webhook<'py>(py: Python<'py>, body: &[u8]) -> PyResult<PyEvent<'py>> {
    let event = Event::from_slice(body).map_err(|e| PyValueError::new_err(e.to_string()))?;
    to_python(py, &event)
}

/// The Rust receiver and the events it accepted.
#[pyclass(frozen, module = "pancake_sdk._native")]
pub struct NativeReceiver {
    receiver: Receiver,
    events: Arc<tokio::sync::Mutex<Events>>,
    /// The process that made it.
    pid: u32,
}

impl Drop for NativeReceiver {
    fn drop(&mut self) {
        pancake_sdk::blocking::release_shared(&self.events, self.pid);
    }
}

#[pymethods]
impl NativeReceiver {
    #[new]
    #[pyo3(signature = (secret, reorder_window, max_body, queue))]
    fn new(
        py: Python<'_>,
        secret: String,
        reorder_window: f64,
        max_body: usize,
        queue: usize,
    ) -> PyResult<Self> {
        crate::log_bridge(py);
        let window = Duration::try_from_secs_f64(reorder_window).map_err(|_| {
            PyValueError::new_err(format!(
                "reorder_window: a number of seconds, 0 or more, got {reorder_window}"
            ))
        })?;
        let (receiver, events) = Receiver::builder(secret)
            .reorder_window(window)
            .max_body(max_body)
            .queue(queue)
            .build()
            .map_err(|weak| PyValueError::new_err(weak.to_string()))?;
        Ok(NativeReceiver {
            receiver,
            events: Arc::new(tokio::sync::Mutex::new(events)),
            pid: std::process::id(),
        })
    }

    /// The largest body read.
    #[getter]
    fn max_body(&self) -> usize {
        self.receiver.max_body()
    }

    /// `(status, text)` for a request answered without reading its body, else None.
    fn check(&self, method: &str, path: &str) -> Option<(u16, String)> {
        self.receiver.check(method, path).map(|a| (a.status, a.body))
    }

    /// `(status, text)` for a delivery; never blocks.
    fn handle(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let answer = self.receiver.handle(method, path, body);
        (answer.status, answer.body)
    }

    /// `(status, text)` for a body larger than `max_body` that the server did not read
    /// whole (counted like every answer).
    fn too_large(&self) -> (u16, String) {
        let limit = self.receiver.max_body();
        let answer = self.receiver.answer(Verdict::Invalid(WebhookError::TooLarge { limit }));
        (answer.status, answer.body)
    }

    /// The next event's `(json, version)` within `timeout` seconds, or None; blocks without
    /// the GIL.
    fn next<'py>(&self, py: Python<'py>, timeout: f64) -> PyResult<Option<PyEvent<'py>>> {
        if pancake_sdk::blocking::forked_since(self.pid) {
            return Err(PyValueError::new_err(
                "this receiver was made before a fork: make one in this process",
            ));
        }
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|_| {
            PyValueError::new_err(format!("timeout: a number of seconds, 0 or more, got {timeout}"))
        })?;
        let (events, runtime) = (self.events.clone(), runtime(py)?);
        let event =
            py.detach(|| runtime.block_on(async move { events.lock().await.next_within(timeout).await }));
        event.map(|event| to_python(py, &event)).transpose()
    }

    /// Waits for the next event in the background (at most `timeout` seconds); `done` gets its
    /// `(json, version)`, or None when none came. Cancelling the task while it waits loses nothing (the
    /// wait is cancel-safe); an event it already took still reaches `done`.
    fn start_next(&self, py: Python<'_>, timeout: f64, done: Py<PyAny>) -> PyResult<Task> {
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|_| {
            PyValueError::new_err(format!("timeout: a number of seconds, 0 or more, got {timeout}"))
        })?;
        let (events, runtime) = (self.events.clone(), runtime(py)?);
        let handle = runtime.spawn(async move {
            let event = events.lock().await.next_within(timeout).await;
            Python::attach(move |py| {
                let outcome = match event {
                    Some(event) => {
                        to_python(py, &event).and_then(|pair| pair.into_pyobject(py).map(Bound::into_any))
                    }
                    None => Ok(py.None().into_bound(py)),
                };
                deliver(py, done, outcome);
            });
        });
        Ok(Task { abort: handle.abort_handle() })
    }

    /// Its answers within Pancake's suspension window.
    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let health = self.receiver.health();
        let out = PyDict::new(py);
        out.set_item("requests", health.requests)?;
        out.set_item("failures", health.failures)?;
        out.set_item("strays", health.strays)?;
        out.set_item("failure_rate", health.failure_rate)?;
        out.set_item("at_risk", health.at_risk)?;
        out.set_item("suspended", health.suspended)?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        "<pancake_sdk._native.NativeReceiver secret=[redacted]>".to_string()
    }
}
