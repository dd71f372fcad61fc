//! Typed clients for the [Pancake](https://pages.fm) and [Botcake](https://botcake.io) public
//! APIs, generated from the OpenAPI files in `spec/` by progenitor.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pancake_sdk::Error> {
//! use pancake_sdk::{Botcake, Pancake};
//!
//! let bot = Botcake::builder().access_token("PAGE_TOKEN").build()?;
//! let flows = bot.get_flows().page_id("105000000000001").send().await?;
//! println!("{} flows", flows.data.as_ref().map_or(0, |d| d.flows.len()));
//!
//! let pancake = Pancake::builder().page_access_token("PAGE_TOKEN").build()?;
//! let tags = pancake.list_tags().page_id("105000000000001").send().await?;
//! println!("{:?}", tags.json()); // every field the server sent, known to the spec or not
//! # Ok(()) }
//! ```
//!
//! Every operation is a builder: set its parameters, then `send()` (or `send_with` and
//! [`CallOptions`]). A call returns a [`Response`] (the typed value, the status, the headers, the
//! raw body, and any [`ApiWarning`]) or an [`Error`]. Around the generated code, the client:
//!
//! - checks inputs before sending, naming the field ([`validate`]); a path parameter is always
//!   one path segment ([`path`]);
//! - injects the token each route needs, never showing it in `Debug` output or errors;
//! - paces its calls per page ([`rate_limit`]), retries reads and never repeats a send that may
//!   have gone out ([`retry`], [`Error::OutcomeUnknown`]);
//! - keeps every call within its deadline and every answer within the size limit
//!   ([`ClientBuilder::deadline`], [`ClientBuilder::max_response_bytes`]);
//! - redacts its tokens from every error it returns, server text included ([`redact`]);
//! - logs each call and attempt with `tracing` (target `pancake_sdk`: operation, method, route
//!   template, attempt, status, duration; never an id, a query or a token);
//! - walks lists page after page with `.stream()` ([`paginate`]);
//! - takes real date/time values for `since`, `until` and `date_range` ([`dates`]).
//!
//! [`webhooks`] types the events Pancake posts to a registered URL and receives them safely.

#![warn(missing_docs)]

pub mod api;
mod apis;
pub mod auth;
pub mod blocking;
pub mod botcake;
mod builder;
pub mod dates;
pub mod dispatch;
pub mod dynamic;
mod error;
mod exchange;
mod json;
pub mod media;
mod options;
mod pacemaker;
pub mod paginate;
pub mod pancake;
pub mod path;
pub mod rate_limit;
pub mod redact;
pub mod registry;
mod response;
pub mod retry;
pub(crate) mod scan;
mod settings;
#[cfg(test)]
mod shop;
mod state;
mod tls;
mod token;
mod transport;
pub mod upload;
pub mod validate;
pub mod webhooks;

pub use botcake::Client as Botcake;
pub use builder::{Api, ClientBuilder};
pub use builder::{DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES};
pub use error::{ApiErrorKind, Error, ErrorBody, ErrorKind};
pub use json::Json;
pub use options::CallOptions;
pub use pancake::Client as Pancake;
pub use response::{ApiWarning, Response};
pub use settings::Settings;
pub use state::ClientState;
pub use upload::Upload;

/// The SDK's version, as sent in the `User-Agent` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
