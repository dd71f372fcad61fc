//! What the generated event table is made of: each event's rule, and the reader of a typed
//! payload.

use serde_json::Value;

/// How the spec tells one event's deliveries apart and orders them (`x-pancake-webhooks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRule {
    /// The `event_type`.
    pub name: &'static str,
    /// Dotted fields that identify a delivery, the first present one counting: `request_id`
    /// names one delivery; any other field names an object, compared with its content.
    pub dedupe: &'static [&'static str],
    /// `(key, version)` fields when the events of one key are ordered by a version.
    pub order: Option<(&'static str, &'static str)>,
}

/// A payload of type `T`, or which field does not fit (its path, never its value).
pub(crate) fn typed<T: serde::de::DeserializeOwned>(json: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(json).map_err(|e| {
        let field = e.path().to_string();
        let missing = e.inner().to_string();
        match missing.strip_prefix("missing field `") {
            Some(rest) => format!("{field}: missing field {}", rest.trim_end_matches('`')),
            None => format!("{field}: not of the type the spec gives"),
        }
    })
}
