//! Calling an operation by its id with JSON arguments: the door the Python and C bindings and
//! the CLI use. Each API's dispatch (one arm per operation, through its typed builder) is
//! generated; the rest is here, once for every API ([`JsonApi`]).
//!
//! ```no_run
//! # async fn demo(pancake: pancake_sdk::Pancake) -> Result<(), pancake_sdk::Error> {
//! let args = serde_json::json!({ "page_id": "105", "since": 0, "until": 1_800_000_000, "page_number": 1 });
//! let answer = pancake.call_json("list_page_customers", args, Default::default()).await?;
//! // The answer's bytes as they came, checked; decode them once, as you need them.
//! println!("{}", answer.value()["total"]);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{CallOptions, Error};

/// One argument, converted to the type the operation's builder takes; the error names it.
pub(crate) fn arg<T: DeserializeOwned>(name: &str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::invalid(name, e.to_string()))
}

/// Refuses arguments the operation does not take.
pub(crate) fn no_more(args: Map<String, Value>) -> Result<(), Error> {
    match args.keys().next() {
        Some(name) => Err(Error::invalid(name, "the operation takes no such argument")),
        None => Ok(()),
    }
}

/// The error for an operation id the API does not have.
pub(crate) fn unknown_operation(operation_id: &str) -> Error {
    Error::invalid("operation", format!("no operation {operation_id:?}"))
}

/// JSON arguments: an object, or nothing.
pub(crate) fn object(args: Value) -> Result<Map<String, Value>, Error> {
    match args {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::invalid("arguments", format!("must be a JSON object, got {other}"))),
    }
}

/// The boxed answer of [`JsonApi::dispatch`]: the JSON as it came, checked, never decoded into
/// the spec's types (a success whose JSON does not fit them is still the caller's data).
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<crate::Response<crate::Json>, Error>> + Send + 'a>>;

/// A client that calls its API's operations by id with JSON: each API's generated client is
/// one. The JSON door and `stream_json` are written once over it.
pub trait JsonApi: Clone + Send + Sync + 'static {
    /// The API's table of operations.
    fn descriptor(&self) -> &'static crate::api::Descriptor;

    /// The client's shared state (its secrets, for redaction).
    fn state(&self) -> &crate::ClientState;

    /// Calls one operation through its typed builder (generated).
    fn dispatch<'a>(
        &'a self,
        operation_id: &'a str,
        args: Map<String, Value>,
        upload: Option<crate::Upload>,
        options: CallOptions,
    ) -> Answer<'a>;

    /// Calls an operation by its id with JSON arguments; see each client's `call_json`.
    fn call_json<'a>(&'a self, operation_id: &'a str, args: Value, options: CallOptions) -> Answer<'a> {
        Box::pin(call_json(self, operation_id, args, None, options))
    }

    /// Calls an upload operation by its id with JSON arguments and the file.
    fn call_upload<'a>(
        &'a self,
        operation_id: &'a str,
        args: Value,
        upload: crate::Upload,
        options: CallOptions,
    ) -> Answer<'a> {
        Box::pin(call_json(self, operation_id, args, Some(upload), options))
    }
}

/// The refusal of a file given among JSON arguments: a file comes apart (`call_upload`), so
/// that no JSON caller can make the SDK read a local file.
pub(crate) fn file_in_json(field: &str) -> Error {
    Error::invalid(field, "give the file apart from the JSON arguments (call_upload), not among them")
}

/// The JSON door: arguments as an object, the call, its errors redacted.
pub(crate) async fn call_json<C: JsonApi>(
    client: &C,
    operation_id: &str,
    args: Value,
    upload: Option<crate::Upload>,
    options: CallOptions,
) -> Result<crate::Response<crate::Json>, Error> {
    let result = async {
        let args = object(args)?;
        client.dispatch(operation_id, args, upload, options).await
    };
    result.await.map_err(|error| error.redacted(client.state().secrets()))
}
