//! Webhooks for Python: events read by the Rust SDK, and its receiver (secret, repeats,
//! version order, suspension health) behind `pancake_sdk.webhooks.WebhookReceiver`.

use std::sync::Arc;
use std::time::Duration;

use pancake_sdk::webhooks::{Event, Events, Receiver};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{Task, deliver, runtime};

/// Reads one delivery's body into the event's JSON (a dict), checking the known types' fields;
/// raises `ValueError` naming what is wrong (never repeating the body).
#[pyfunction]
pub fn parse_webhook<'py>(py: Python<'py>, body: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let event = Event::from_slice(body).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(pythonize::pythonize(py, event.json())?)
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
    fn new(secret: String, reorder_window: f64, max_body: usize, queue: usize) -> PyResult<Self> {
        let window = Duration::try_from_secs_f64(reorder_window).map_err(|_| {
            PyValueError::new_err(format!(
                "reorder_window: a number of seconds, 0 or more, got {reorder_window}"
            ))
        })?;
        if secret.len() < 16 || secret.contains('/') {
            return Err(PyValueError::new_err(
                "secret: at least 16 characters, no `/` (it is the URL's last path segment)",
            ));
        }
        let (receiver, events) =
            Receiver::builder(secret).reorder_window(window).max_body(max_body).queue(queue).build();
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

    /// Counts an answer given without `handle` (a body too large to read: 413).
    fn count(&self, status: u16) {
        let verdict = match status {
            413 => pancake_sdk::webhooks::Verdict::Invalid(pancake_sdk::webhooks::WebhookError::TooLarge {
                limit: self.receiver.max_body(),
            }),
            _ => pancake_sdk::webhooks::Verdict::Busy,
        };
        self.receiver.answer(verdict);
    }

    /// The next event's JSON within `timeout` seconds, or None; blocks without the GIL.
    fn next<'py>(&self, py: Python<'py>, timeout: f64) -> PyResult<Option<Bound<'py, PyAny>>> {
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
        match event {
            Some(event) => Ok(Some(pythonize::pythonize(py, event.json())?)),
            None => Ok(None),
        }
    }

    /// Waits for the next event in the background (at most `timeout` seconds); `done(json)` gets
    /// its JSON, or None when none came. Cancelling the task while it waits loses nothing (the
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
                    Some(event) => pythonize::pythonize(py, event.json()).map_err(PyErr::from),
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
