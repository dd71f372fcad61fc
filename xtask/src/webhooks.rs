//! The webhook events of the specs (`x-pancake-webhooks`), generated into the Rust SDK (the
//! typed `Payload` and the rules), the Python package (event names and payload types) and the
//! C library's glue (the event kinds, [`c_kinds`]). At most one spec declares webhooks.

use std::path::PathBuf;

use quote::{format_ident, quote};

use crate::Result;
use crate::model::{Spec, Webhooks};
use crate::output::Generated;

/// The spec that declares webhooks, and its events (none when no spec does).
fn declaring(specs: &[Spec]) -> Result<Option<(&Spec, &Webhooks)>> {
    let declaring: Vec<&Spec> = specs.iter().filter(|s| s.webhooks.is_some()).collect();
    match declaring.as_slice() {
        [] => Ok(None),
        [one] => Ok(one.webhooks.as_ref().map(|hooks| (*one, hooks))),
        _ => Err("x-pancake-webhooks: only one spec may declare webhooks".into()),
    }
}

/// The Rust and Python files for the spec that declares webhooks.
pub fn files(specs: &[Spec]) -> Result<Vec<Generated>> {
    match declaring(specs)? {
        Some((spec, hooks)) => Ok(vec![rust(spec, hooks)?, python(spec, hooks)]),
        None => Ok(Vec::new()),
    }
}

/// The C glue's part: the `pk_webhook_kind` enum and `kind_of` (`PK_WEBHOOK_UNKNOWN` alone
/// when no spec declares webhooks).
pub fn c_kinds(specs: &[Spec]) -> Result<String> {
    let empty = Webhooks { failure_rate: 0.0, failures: 0, minutes: 0, events: Vec::new() };
    let hooks = declaring(specs)?.map_or(&empty, |(_, hooks)| hooks);
    c(hooks)
}

/// `messaging` -> `Messaging`, `connect_status` -> `ConnectStatus`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn doc_lines(text: &str) -> Vec<String> {
    crate::model::flat(text).lines().map(|l| format!(" {l}")).collect()
}

fn rust(spec: &Spec, hooks: &Webhooks) -> Result<Generated> {
    let module = format_ident!("{}", spec.module);
    let variants = hooks.events.iter().map(|e| {
        let variant = format_ident!("{}", camel(&e.name));
        let ty = format_ident!("{}", e.schema);
        let docs = doc_lines(&e.description);
        quote! { #(#[doc = #docs])* #variant(Box<crate::#module::types::#ty>), }
    });
    let parse_arms = hooks.events.iter().map(|e| {
        let variant = format_ident!("{}", camel(&e.name));
        let name = &e.name;
        quote! { #name => typed(json).map(|payload| Payload::#variant(Box::new(payload))), }
    });
    let name_arms = hooks.events.iter().map(|e| {
        let variant = format_ident!("{}", camel(&e.name));
        let name = &e.name;
        quote! { Payload::#variant(_) => #name, }
    });
    let rules = hooks.events.iter().map(|e| {
        let name = &e.name;
        let dedupe = &e.dedupe;
        let order = match &e.order {
            Some((key, version)) => quote! { Some((#key, #version)) },
            None => quote! { None },
        };
        quote! { EventRule { name: #name, dedupe: &[#(#dedupe),*], order: #order }, }
    });
    let (rate, failures, seconds) = (hooks.failure_rate, hooks.failures, hooks.minutes * 60);
    let tokens = quote! {
        //! The webhook events of the spec, typed (`x-pancake-webhooks`).

        use super::Suspension;
        use super::rules::{EventRule, typed};

        /// An event's payload, typed by its `event_type`.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Payload {
            #(#variants)*
            /// An event type the SDK does not know: its `event_type` (the fields are in
            /// [`super::Event::json`]).
            Unknown(String),
            /// A known event type whose fields do not have the spec's types (the API changed):
            /// still an event, its fields in [`super::Event::json`]; `reason` names the field.
            Untyped {
                /// The `event_type`.
                event_type: String,
                /// Which field does not fit (never its value).
                reason: String,
            },
        }

        impl Payload {
            /// Reads the payload of an event of type `event_type`; never fails.
            pub(crate) fn parse(event_type: &str, json: &serde_json::Value) -> Payload {
                let payload = match event_type {
                    #(#parse_arms)*
                    other => return Payload::Unknown(other.to_string()),
                };
                payload.unwrap_or_else(|reason| Payload::Untyped { event_type: event_type.to_string(), reason })
            }

            /// The `event_type` it was sent as.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#name_arms)*
                    Payload::Unknown(name) | Payload::Untyped { event_type: name, .. } => name,
                }
            }
        }

        /// The events the spec lists, and how their deliveries are told apart and ordered.
        pub const EVENTS: &[EventRule] = &[#(#rules)*];

        /// Pancake's suspension rule for a webhook URL.
        pub const SUSPENSION: Suspension = Suspension {
            failure_rate: #rate,
            failures: #failures,
            window: ::std::time::Duration::from_secs(#seconds),
        };
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("webhooks: does not parse: {e}"))?;
    let text = format!(
        "// @generated by `cargo xtask generate` from {}. Do not edit by hand.\n\
         #![cfg_attr(rustfmt, rustfmt::skip)]\n\n{}",
        spec.file,
        prettyplease::unparse(&file)
    );
    Ok(Generated { path: PathBuf::from("crates/pancake-sdk/src/webhooks/generated.rs"), text })
}

fn python(spec: &Spec, hooks: &Webhooks) -> Generated {
    let names: Vec<String> = hooks.events.iter().map(|e| format!("{:?}", e.name)).collect();
    let payloads: Vec<String> =
        hooks.events.iter().map(|e| format!("{}.{}", spec.module, e.schema)).collect();
    let schemas: Vec<String> =
        hooks.events.iter().map(|e| format!("    {:?}: {:?},", e.name, e.schema)).collect();
    let text = format!(
        "# @generated by `cargo xtask generate` from {file}. Do not edit by hand.\n\
         \"\"\"The webhook events of {file} (`x-pancake-webhooks`): their names and payload types.\"\"\"\n\n\
         from __future__ import annotations\n\n\
         from typing import Literal, Union\n\n\
         from .types import {module}\n\n\
         __all__ = [\"EVENT_TYPES\", \"EventType\", \"Payload\", \"PAYLOAD_SCHEMAS\"]\n\n\
         EventType = Literal[{names}]\n\
         \"\"\"The `event_type`s the SDK knows (an event of another type is still delivered).\"\"\"\n\n\
         EVENT_TYPES: tuple[str, ...] = ({names},)\n\
         \"\"\"The known `event_type`s, in the spec's order.\"\"\"\n\n\
         PAYLOAD_SCHEMAS: dict[str, str] = {{\n{schemas}\n}}\n\
         \"\"\"Each known event's payload type in `pancake_sdk.types.{module}`.\"\"\"\n\n\
         Payload = Union[{payloads}]\n\
         \"\"\"A known event's payload (a dict; every key optional, unknown keys kept).\"\"\"\n",
        file = spec.file,
        module = spec.module,
        names = names.join(", "),
        payloads = payloads.join(", "),
        schemas = schemas.join("\n"),
    );
    Generated { path: PathBuf::from("bindings/python/python/pancake_sdk/_webhook_events.py"), text }
}

fn c(hooks: &Webhooks) -> Result<String> {
    let variants = hooks.events.iter().enumerate().map(|(i, e)| {
        let variant = format_ident!("PK_WEBHOOK_{}", e.name.to_ascii_uppercase());
        let value = proc_macro2::Literal::usize_unsuffixed(i + 1);
        let doc = format!(" A `{}` event.", e.name);
        quote! { #[doc = #doc] #variant = #value, }
    });
    let arms = hooks.events.iter().map(|e| {
        let variant = format_ident!("PK_WEBHOOK_{}", e.name.to_ascii_uppercase());
        let name = &e.name;
        quote! { #name => pk_webhook_kind::#variant, }
    });
    let tokens = quote! {
        /// The kind of a webhook event (its `event_type`).
        #[repr(C)]
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum pk_webhook_kind {
            /// An event type the library does not know (read its JSON).
            PK_WEBHOOK_UNKNOWN = 0,
            #(#variants)*
        }

        /// The kind of an event of type `event_type`.
        pub(crate) fn kind_of(event_type: &str) -> pk_webhook_kind {
            match event_type {
                #(#arms)*
                _ => pk_webhook_kind::PK_WEBHOOK_UNKNOWN,
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("webhook kinds: does not parse: {e}"))?;
    Ok(format!("\n{}", prettyplease::unparse(&file)))
}
