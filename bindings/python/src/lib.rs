//! `pancake_sdk._native`: the Rust SDK as a Python extension module.
//!
//! It knows no operation by name: Python's generated glue passes an operation id and its
//! arguments as a dict, and this module runs them through the SDK's `call_json` (the typed
//! client, with every check, retry and pacing of the Rust core). Requests run on one tokio
//! runtime per process, with the GIL released; after a `fork` the child makes its own runtime
//! and HTTP connections. Before the interpreter exits, an `atexit` hook stops the runtime, so
//! that no worker thread touches Python while it finalizes.

mod completions;
mod convert;
mod decode;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use std::panic::AssertUnwindSafe;

use completions::{Completions, Outcome};
use decode::Tape;
use futures::{FutureExt, StreamExt};
use pancake_sdk::dynamic::{AnyClient, DynClient};
use pancake_sdk::paginate::ItemStream;
use pancake_sdk::registry::ForkSafe;
use pancake_sdk::{CallOptions, Error, Json, Response};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use serde_json::Value;
use tokio::runtime::Handle;

/// The process's runtime (see `pancake_sdk::blocking`).
fn runtime(py: Python<'_>) -> PyResult<Handle> {
    pancake_sdk::blocking::handle()
        .map_err(|e| sdk_error(py, &format!("cannot start the SDK's runtime: {e}")))
}

/// The status an item of a list is shown with when it fails to become Python objects.
const OK: http::StatusCode = http::StatusCode::OK;

/// What an awaiting caller hears when the SDK panicked (a bug) instead of answering.
const PANICKED: &str = "the SDK panicked (a bug): the call did not complete";

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
        PyValueError::new_err(format!("{name} must be a positive number of seconds, got {value}"))
    })
}

fn options(timeout: Option<f64>, deadline: Option<f64>) -> PyResult<CallOptions> {
    let mut options = CallOptions::new();
    if let Some(timeout) = timeout {
        options = options.timeout(seconds("timeout", timeout)?);
    }
    if let Some(deadline) = deadline {
        options = options.deadline(seconds("deadline", deadline)?);
    }
    Ok(options)
}

/// The SDK's error as the matching exception of `pancake_sdk._exceptions`, chosen by its
/// [`pancake_sdk::ErrorKind`]'s name; its details come from the error's accessors.
fn exception(py: Python<'_>, error: Error) -> PyErr {
    let details = PyDict::new(py);
    let _ = details.set_item("field", error.field());
    let _ = details.set_item("operation", error.operation());
    let _ = details.set_item("token", error.token().map(|t| t.describe()));
    let _ = details.set_item("deadline", error.deadline().map(|d| d.as_secs_f64()));
    let _ = details.set_item("limit", error.limit());
    let _ = details.set_item("status_code", error.status().map(|s| s.as_u16()));
    let _ = details.set_item("error_code", error.error_code());
    let _ = details.set_item("api_message", error.api_message());
    let _ = details.set_item("page_id", error.page_id());
    if let Some(body) = error.error_body() {
        body_details(py, &details, body, error.kind() == pancake_sdk::ErrorKind::Api);
    }
    let kind = error.kind().name();
    let message = error.to_string();
    let made = py
        .import("pancake_sdk._exceptions")
        .and_then(|module| module.getattr("_from_native"))
        .and_then(|from_native| from_native.call1((kind, message.clone(), details)));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(import_error) => import_error,
    }
}

/// An error body as the exception's `body` (redacted: text, or JSON for an API error) and
/// `raw_body` (the bytes as they came).
fn body_details(py: Python<'_>, details: &Bound<'_, PyDict>, body: &pancake_sdk::ErrorBody, json: bool) {
    let shown = match body.json().filter(|_| json) {
        Some(value) => pythonize::pythonize(py, &value).ok().map(Bound::unbind),
        None => body.text().into_pyobject(py).ok().map(|s| s.into_any().unbind()),
    };
    let _ = details.set_item("body", shown);
    let _ = details.set_item("raw_body", PyBytes::new(py, body.raw()));
}

/// A call's answer with its JSON read onto a tape (without the GIL), or the call's error.
pub(crate) type Answer = Result<Read, Error>;

/// What Python gets of a successful answer: its status, its warning (`(error_code, message)`)
/// and its JSON read onto a tape (the answer's bytes are not kept beside the tape's copy).
pub(crate) struct Read {
    status: u16,
    warning: Option<(i64, Option<String>)>,
    tape: Tape,
}

/// A list's next item read onto a tape (`None` at the end), or the error.
pub(crate) type Item = Option<Result<Tape, Error>>;

/// Reads a JSON answer of `client` onto a tape, which also checks it (see [`decode`]); meant
/// to run without the GIL. The error of a bad one shows none of the client's secrets.
fn read(json: &Json, status: http::StatusCode, client: &dyn DynClient) -> Result<Tape, Error> {
    Tape::read(json).map_err(|source| {
        let body = pancake_sdk::ErrorBody::new(json.clone().into_bytes());
        client.redact(Error::Decode { status, body, source })
    })
}

/// A call's outcome with its answer read (see [`read`]).
pub(crate) fn read_answer(result: Result<Response<Json>, Error>, client: &dyn DynClient) -> Answer {
    let response = result?;
    let tape = read(&response, response.status(), client)?;
    let warning = response.warning().map(|w| (w.error_code, w.message.clone()));
    Ok(Read { status: response.status().as_u16(), warning, tape })
}

/// A list's next item with its JSON read (see [`read`]).
pub(crate) fn read_item(item: Option<Result<Json, Error>>, client: &dyn DynClient) -> Item {
    item.map(|item| read(&item?, OK, client))
}

/// A successful answer as `(body, status, warning)`; `warning` is `(error_code, message)` or None.
fn answer(py: Python<'_>, answer: Answer) -> PyResult<Bound<'_, PyTuple>> {
    let Read { status, warning, tape } = answer.map_err(|error| exception(py, error))?;
    let body = tape.to_python(py)?;
    PyTuple::new(py, [body, status.into_pyobject(py)?.into_any(), warning.into_pyobject(py)?.into_any()])
}

/// A list's next item as Python objects (None at the end).
fn item(py: Python<'_>, item: Item) -> PyResult<Option<Bound<'_, PyAny>>> {
    match item {
        None => Ok(None),
        Some(Ok(tape)) => Ok(Some(tape.to_python(py)?)),
        Some(Err(error)) => Err(exception(py, error)),
    }
}

/// Arguments from Python (a dict of JSON-compatible values); a refusal is a `ValidationError`
/// naming the argument.
fn arguments(args: &Bound<'_, PyAny>) -> PyResult<Value> {
    convert::arguments(args).map_err(|refusal| {
        exception(args.py(), Error::InvalidRequest { field: Some(refusal.field), message: refusal.message })
    })
}

// The signature's default of `max_response_bytes`, written as a number for the stubs.
const _: () = assert!(pancake_sdk::DEFAULT_MAX_RESPONSE_BYTES == 33_554_432);

/// A client of one API. Safe to share between threads; made anew in a forked child.
#[pyclass(frozen, module = "pancake_sdk._native")]
struct NativeClient {
    client: ForkSafe,
}

impl NativeClient {
    /// The client of this process.
    fn current(&self, py: Python<'_>) -> PyResult<AnyClient> {
        self.client.current().map_err(|e| exception(py, e))
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (api, *, page_token=None, user_token=None, page_tokens=None, base_url=None, timeout=30.0, connect_timeout=10.0, deadline=60.0, max_response_bytes=33554432, max_retries=3, rate_limit=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api: &str,
        page_token: Option<String>,
        user_token: Option<String>,
        page_tokens: Option<std::collections::BTreeMap<String, String>>,
        base_url: Option<String>,
        timeout: f64,
        connect_timeout: f64,
        deadline: f64,
        max_response_bytes: u64,
        max_retries: u32,
        rate_limit: bool,
    ) -> PyResult<Self> {
        log_bridge(py);
        if !pancake_sdk::registry::apis().contains(&api) {
            let known = pancake_sdk::registry::apis().join("', '");
            return Err(PyValueError::new_err(format!("api must be one of '{known}', got {api:?}")));
        }
        let mut sdk = pancake_sdk::Settings::default();
        sdk.page_token = page_token;
        sdk.user_token = user_token;
        sdk.page_tokens = page_tokens.unwrap_or_default();
        sdk.base_url = base_url;
        sdk.timeout = Some(seconds("timeout", timeout)?);
        sdk.connect_timeout = Some(seconds("connect_timeout", connect_timeout)?);
        sdk.deadline = Some(seconds("deadline", deadline)?);
        sdk.max_response_bytes = Some(max_response_bytes);
        sdk.max_retries = Some(max_retries);
        // On: the API's own pacing (Pancake's published limit; none for Botcake).
        sdk.rate_limit = if rate_limit { None } else { Some(None) };
        sdk.user_agent = Some(format!("pancake-sdk-python/{}", env!("CARGO_PKG_VERSION")));
        let client = ForkSafe::new(api, sdk).map_err(|e| exception(py, e))?;
        Ok(NativeClient { client })
    }

    /// Calls `operation` with `args` (and the file of an upload, or the files of a media
    /// send); blocks (without the GIL) until it ends.
    #[pyo3(signature = (operation, args, timeout=None, deadline=None, file=None, media=None))]
    #[allow(clippy::too_many_arguments)]
    fn call<'py>(
        &self,
        py: Python<'py>,
        operation: &str,
        args: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        deadline: Option<f64>,
        file: Option<FileArg>,
        media: Option<MediaArg>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        // This thread drives the call on its own runtime with its own connections (no other
        // thread has to wake it when the answer comes); the answer's JSON is checked by the
        // pass that makes its Python objects.
        let (args, options) = (arguments(args)?, options(timeout, deadline)?.defer_json_check());
        let client = self.client.here().map_err(|e| exception(py, e))?;
        let files = Files { file, media };
        // The answer is read onto its tape here too, so that the GIL is taken back only to
        // make its objects.
        let result = py.detach(|| {
            pancake_sdk::blocking::block_on_here(dispatch(&client, operation, args, files, options))
                .map(|result| read_answer(result, &*client))
        });
        let result = result.map_err(|e| sdk_error(py, &format!("cannot run the call: {e}")))?;
        answer(py, result)
    }

    /// Starts a call of `operation` and returns at once; its outcome goes to `completions`
    /// under `id` (see `Completions.drain`), never touching Python from another thread.
    #[pyo3(signature = (operation, args, completions, id, timeout=None, deadline=None, file=None, media=None))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        py: Python<'_>,
        operation: &str,
        args: &Bound<'_, PyAny>,
        completions: &Completions,
        id: u64,
        timeout: Option<f64>,
        deadline: Option<f64>,
        file: Option<FileArg>,
        media: Option<MediaArg>,
    ) -> PyResult<Task> {
        let (args, options, client, runtime) = (
            arguments(args)?,
            options(timeout, deadline)?.defer_json_check(),
            self.current(py)?,
            runtime(py)?,
        );
        let operation = operation.to_string();
        let files = Files { file, media };
        let queue = completions.queue();
        let handle = runtime.spawn(async move {
            // Read onto its tape on this runtime thread (the event loop's thread only makes the
            // objects), within the guard: whatever panics, the caller hears of it.
            let answer = AssertUnwindSafe(async {
                read_answer(dispatch(&client, &operation, args, files, options).await, &*client)
            })
            .catch_unwind()
            .await;
            queue.push(id, answer.map_or(Outcome::Panicked, Outcome::Answer));
        });
        Ok(Task { abort: handle.abort_handle() })
    }

    /// Every item of the list `operation`, page after page.
    #[pyo3(signature = (operation, args, timeout=None, deadline=None))]
    fn stream(
        &self,
        py: Python<'_>,
        operation: &str,
        args: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        deadline: Option<f64>,
    ) -> PyResult<Pager> {
        let (args, options) = (arguments(args)?, options(timeout, deadline)?);
        let client = self.current(py)?;
        let stream = client.stream_json(operation, args, options, 0).map_err(|e| exception(py, e))?;
        Ok(Pager { stream: Arc::new(tokio::sync::Mutex::new(stream)), pid: std::process::id(), client })
    }

    fn __repr__(&self) -> String {
        let base = self.client.settings().base_url.as_deref().unwrap_or("(default)");
        format!("<pancake_sdk._native.NativeClient api={} base_url={base}>", self.client.api())
    }
}

/// The file of an upload from Python: its bytes or a path, its name, MIME type and platform.
type FileArg = (BytesOrPath, Option<String>, Option<String>, Option<String>);

/// A file's bytes, or the path of a file to read.
#[derive(FromPyObject)]
enum BytesOrPath {
    Bytes(Vec<u8>),
    Path(String),
}

/// The files of a media send: each file (bytes or a path, name, MIME type, platform), and the
/// page's platform.
type MediaArg = (Vec<FileArg>, Option<String>);

/// The files a call carries: an upload's file, or a media send's files.
struct Files {
    file: Option<FileArg>,
    media: Option<MediaArg>,
}

/// An [`pancake_sdk::Upload`] from Python's file (a path is read here, without the GIL).
fn upload_of((data, filename, mime_type, platform): FileArg) -> Result<pancake_sdk::Upload, Error> {
    let mut upload = match (data, filename) {
        (BytesOrPath::Bytes(bytes), name) => {
            pancake_sdk::Upload::bytes(name.unwrap_or_else(|| "file".into()), bytes)
        }
        (BytesOrPath::Path(path), None) => pancake_sdk::Upload::from_path(path)?,
        (BytesOrPath::Path(path), Some(name)) => pancake_sdk::Upload::from_path(path)?.named(name),
    };
    if let Some(mime_type) = mime_type {
        upload = upload.mime_type(mime_type);
    }
    if let Some(platform) = platform {
        upload = upload.platform(platform);
    }
    Ok(upload)
}

/// A call; an upload when a file is given; uploads then a send for a media send.
async fn dispatch(
    client: &AnyClient,
    operation: &str,
    args: serde_json::Value,
    files: Files,
    options: pancake_sdk::CallOptions,
) -> Result<pancake_sdk::Response<Json>, Error> {
    if let Some((media, platform)) = files.media {
        let uploads = media.into_iter().map(upload_of).collect::<Result<Vec<_>, _>>()?;
        return pancake_sdk::media::send_media(
            &**client,
            operation,
            args,
            uploads,
            platform.as_deref(),
            options,
        )
        .await;
    }
    match files.file {
        Some(file) => client.call_upload(operation, args, upload_of(file)?, options).await,
        None => client.call_json(operation, args, options).await,
    }
}

/// Hands an outcome to a Python callback; an exception raised by the callback is reported,
/// not lost. The callback is released here, with the GIL held: a reference released without it
/// waits in a queue under a lock, which a `fork()` at that moment would leave locked forever
/// in the child.
pub(crate) fn deliver(py: Python<'_>, done: Py<PyAny>, outcome: PyResult<Bound<'_, PyAny>>) {
    let value = match outcome {
        Ok(value) => value,
        Err(error) => error.into_value(py).into_bound(py).into_any(),
    };
    if let Err(error) = done.call1(py, (value,)) {
        error.write_unraisable(py, None);
    }
    drop(done);
}

/// A call under way; `cancel()` stops waiting for it (a send may still have gone out).
#[pyclass(frozen, module = "pancake_sdk._native")]
pub(crate) struct Task {
    pub(crate) abort: tokio::task::AbortHandle,
}

#[pymethods]
impl Task {
    /// Stops the call.
    fn cancel(&self) {
        self.abort.abort();
    }
}

/// The items of a list, fetched page by page.
#[pyclass(frozen, module = "pancake_sdk._native")]
struct Pager {
    stream: Arc<tokio::sync::Mutex<ItemStream<'static, Json>>>,
    /// The process that made it: its connections do not survive a fork.
    pid: u32,
    /// The client it lists with (whose secrets its errors redact).
    client: AnyClient,
}

impl Drop for Pager {
    fn drop(&mut self) {
        pancake_sdk::blocking::release_shared(&self.stream, self.pid);
        pancake_sdk::blocking::release_shared(&self.client, self.pid);
    }
}

impl Pager {
    fn usable(&self, py: Python<'_>) -> PyResult<()> {
        if pancake_sdk::blocking::forked_since(self.pid) {
            return Err(sdk_error(
                py,
                "this iterator was made before a fork: start a new one in this process",
            ));
        }
        Ok(())
    }
}

/// A plain `PancakeSDKError`.
fn sdk_error(py: Python<'_>, message: &str) -> PyErr {
    let made = py
        .import("pancake_sdk._exceptions")
        .and_then(|module| module.getattr("_from_native"))
        .and_then(|from_native| from_native.call1(("sdk", message, PyDict::new(py))));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

#[pymethods]
impl Pager {
    /// The next item, or None at the end; blocks (without the GIL) while a page is fetched.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.usable(py)?;
        let (stream, runtime) = (self.stream.clone(), runtime(py)?);
        let client = &*self.client;
        let next = py
            .detach(|| read_item(runtime.block_on(async move { stream.lock().await.next().await }), client));
        item(py, next)
    }

    /// Fetches the next item in the background; it goes to `completions` under `id` (None at
    /// the end, or the exception).
    fn start_next(&self, py: Python<'_>, completions: &Completions, id: u64) -> PyResult<Task> {
        self.usable(py)?;
        let (stream, runtime, queue) = (self.stream.clone(), runtime(py)?, completions.queue());
        let client = self.client.clone();
        let handle = runtime.spawn(async move {
            let item = AssertUnwindSafe(async move { read_item(stream.lock().await.next().await, &*client) })
                .catch_unwind()
                .await;
            queue.push(id, item.map_or(Outcome::Panicked, Outcome::Item));
        });
        Ok(Task { abort: handle.abort_handle() })
    }
}

/// Stops the SDK's runtime before the interpreter finalizes (registered with `atexit`): calls
/// under way end, worker threads stop, and none of them touches Python afterwards.
#[pyfunction]
fn _shutdown(py: Python<'_>) {
    py.detach(|| pancake_sdk::blocking::shutdown(Duration::from_secs(2)));
}

/// Forgets the cached levels of the `pancake_sdk` loggers (call after changing them).
#[pyfunction]
fn reset_log_cache(py: Python<'_>) {
    if let Some(Some(handle)) = LOG_BRIDGE.get(py) {
        handle.reset();
    }
}

/// The bridge of the SDK's log records to Python's `logging`, once installed.
static LOG_BRIDGE: pyo3::sync::PyOnceLock<Option<pyo3_log::ResetHandle>> = pyo3::sync::PyOnceLock::new();

/// Installs the bridge that takes the SDK's `tracing` events to Python's `logging` (logger
/// `pancake_sdk`), through `log`; only the SDK's own records cross (not those of the HTTP
/// crates under it). Done by the first client or receiver, not by `import pancake_sdk`, which
/// so does not load `logging`.
pub(crate) fn log_bridge(py: Python<'_>) {
    LOG_BRIDGE.get_or_init(py, || {
        pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)
            .map(|logger| {
                logger
                    .filter(log::LevelFilter::Off)
                    .filter_target("pancake_sdk".to_string(), log::LevelFilter::Debug)
            })
            .and_then(|logger| logger.install().map_err(|e| PyValueError::new_err(e.to_string())))
            .ok()
    });
}

/// The module.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(_shutdown, module)?)?;
    module.add_function(wrap_pyfunction!(reset_log_cache, module)?)?;
    module.add_class::<NativeClient>()?;
    module.add_class::<Task>()?;
    module.add_class::<Completions>()?;
    module.add_class::<Pager>()?;
    module.add_class::<webhooks::NativeReceiver>()?;
    module.add_function(wrap_pyfunction!(webhooks::parse_webhook, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let kinds: Vec<&str> = pancake_sdk::ErrorKind::ALL.iter().map(|k| k.name()).collect();
    module.add("ERROR_KINDS", kinds)?;
    Ok(())
}
