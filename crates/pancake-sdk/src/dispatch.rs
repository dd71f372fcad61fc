//! Calling an operation by its id with JSON arguments: the door the Python and C bindings and
//! the CLI use. Each API's `call_json` is generated; these are the helpers it shares.
//!
//! ```no_run
//! # async fn demo(pancake: pancake_sdk::Pancake) -> Result<(), pancake_sdk::Error> {
//! let args = serde_json::json!({ "page_id": "105", "since": 0, "until": 1_800_000_000, "page_number": 1 });
//! let answer = pancake.call_json("list_page_customers", args, Default::default()).await?;
//! println!("{}", answer.json()["total"]);
//! # Ok(()) }
//! ```

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Error;

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

/// A typed answer as raw JSON. A success (2xx) whose JSON does not fit the spec's types is
/// still the caller's data: JSON callers get it as it came (only a body that is not JSON at
/// all stays an error).
pub(crate) fn json_answer<T>(
    result: Result<crate::Response<T>, Error>,
) -> Result<crate::Response<Value>, Error> {
    match result {
        Ok(response) => Ok(response.into_json()),
        Err(Error::Decode { status, body, source }) => match serde_json::from_slice::<Value>(body.raw()) {
            Ok(value) => {
                Ok(crate::Response::new(value, status, Default::default(), body.raw().clone(), None))
            }
            Err(_) => Err(Error::Decode { status, body, source }),
        },
        Err(other) => Err(other),
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

macro_rules! call_json_method {
    ($api:path, $generated:path) => {
        impl $api {
            /// Calls an operation by its id (`list_tags`, `send_flow`, ...) with its parameters,
            /// and its request body under `body`, as a JSON object; answers the raw JSON. Every
            /// check, retry and pacing of the typed call applies, and its errors are redacted
            /// alike.
            pub async fn call_json(
                &self,
                operation_id: &str,
                args: serde_json::Value,
                options: crate::CallOptions,
            ) -> Result<crate::Response<serde_json::Value>, crate::Error> {
                let result = async {
                    let args = crate::dispatch::object(args)?;
                    use $generated as generated;
                    generated::dispatch_json(self, operation_id, args, options).await
                };
                result.await.map_err(|error| error.redacted(self.inner.secrets()))
            }
        }
    };
}

call_json_method!(crate::botcake::Client, crate::botcake::generated);
call_json_method!(crate::pancake::Client, crate::pancake::generated);
