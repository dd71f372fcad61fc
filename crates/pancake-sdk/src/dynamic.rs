//! Any API's client behind one interface ([`DynClient`]), for callers that choose the API at
//! run time (see [`crate::registry`]).

use std::sync::Arc;

use serde_json::Value;

use crate::dispatch::{Answer, JsonApi};
use crate::paginate::ItemStream;
use crate::{CallOptions, Error};

/// Any API's client, called by operation id with JSON.
pub trait DynClient: Send + Sync {
    /// The API's table of operations.
    fn descriptor(&self) -> &'static crate::api::Descriptor;

    /// Calls an operation by its id; see each client's `call_json`.
    fn call_json<'a>(&'a self, operation_id: &'a str, args: Value, options: CallOptions) -> Answer<'a>;

    /// Calls an upload operation by its id with JSON arguments and the file.
    fn call_upload<'a>(
        &'a self,
        operation_id: &'a str,
        args: Value,
        upload: crate::Upload,
        options: CallOptions,
    ) -> Answer<'a>;

    /// Every item of a list after the first `skip`; see each client's `stream_json_after`.
    fn stream_json(
        &self,
        operation_id: &str,
        args: Value,
        options: CallOptions,
        skip: u64,
    ) -> Result<ItemStream<'static, crate::Json>, Error>;

    /// A client that shares this one's state (its tokens, pacing and the secrets it learned)
    /// but has a pool of connections of its own: for a thread that drives its own runtime
    /// (see [`crate::blocking::block_on_here`]), whose connections no other runtime serves.
    fn with_own_connections(&self) -> Result<AnyClient, Error>;

    /// An error made outside the client (by the reader of an answer of its JSON door, say) as
    /// the client's own errors are: with the client's secrets redacted from what it shows.
    fn redact(&self, error: Error) -> Error;
}

impl<C: JsonApi + crate::builder::Api> DynClient for C {
    fn descriptor(&self) -> &'static crate::api::Descriptor {
        JsonApi::descriptor(self)
    }

    fn call_json<'a>(&'a self, operation_id: &'a str, args: Value, options: CallOptions) -> Answer<'a> {
        JsonApi::call_json(self, operation_id, args, options)
    }

    fn call_upload<'a>(
        &'a self,
        operation_id: &'a str,
        args: Value,
        upload: crate::Upload,
        options: CallOptions,
    ) -> Answer<'a> {
        JsonApi::call_upload(self, operation_id, args, upload, options)
    }

    fn stream_json(
        &self,
        operation_id: &str,
        args: Value,
        options: CallOptions,
        skip: u64,
    ) -> Result<ItemStream<'static, crate::Json>, Error> {
        crate::paginate::stream_json(self.clone(), operation_id, args, options, skip)
    }

    fn with_own_connections(&self) -> Result<AnyClient, Error> {
        let (state, transport) = (self.state(), self.state().transport());
        Ok(Arc::new(C::assemble(&transport.base_url, transport.connections()?, state.clone())))
    }

    fn redact(&self, error: Error) -> Error {
        error.redacted(self.state().secrets())
    }
}

/// A client of any API.
pub type AnyClient = Arc<dyn DynClient>;
