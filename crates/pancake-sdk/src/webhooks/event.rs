//! One webhook delivery read into an [`Event`]: its typed payload and every field it carried.

use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::generated::{EVENTS, Payload};
use super::rules::EventRule;

/// Why a body is not a webhook event. The text names the field and never repeats the body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is not JSON (or nests deeper than 128 levels).
    #[error("body: not JSON: {0}")]
    NotJson(String),
    /// The body is JSON but not an object.
    #[error("body: not a JSON object")]
    NotAnObject,
    /// The object has no text `event_type`.
    #[error("event_type: missing or not a string")]
    NoEventType,
    /// The body is larger than the receiver takes.
    #[error("body: larger than {limit} bytes")]
    TooLarge {
        /// The receiver's limit.
        limit: usize,
    },
    /// The body was cut, or did not arrive in time.
    #[error("body: {0}")]
    Incomplete(String),
}

/// A webhook event: its typed [`Payload`] and the JSON as sent, fields unknown to the spec
/// included.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    payload: Payload,
    json: Value,
    size: usize,
}

/// A JSON error as a position and a kind, never the text that was read.
fn describe(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "could not be read",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "a value of the wrong type",
        serde_json::error::Category::Eof => "it ends too early",
    };
    format!("{kind} at line {} column {}", error.line(), error.column())
}

impl Event {
    /// Reads an event from a delivery's body. An `event_type` the SDK does not know is
    /// [`Payload::Unknown`], and a known one whose fields do not fit the spec is
    /// [`Payload::Untyped`]: events either way, never errors. An error is a body that is no
    /// event at all (not JSON, not an object, no `event_type`).
    pub fn from_slice(body: &[u8]) -> Result<Event, WebhookError> {
        let json: Value = serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(describe(&e)))?;
        let mut event = Event::from_json(json)?;
        event.size = body.len();
        Ok(event)
    }

    /// Reads an event from JSON already parsed (see [`Event::from_slice`]).
    pub fn from_json(json: Value) -> Result<Event, WebhookError> {
        if !json.is_object() {
            return Err(WebhookError::NotAnObject);
        }
        let event_type = json.get("event_type").and_then(Value::as_str).ok_or(WebhookError::NoEventType)?;
        let payload = Payload::parse(event_type, &json);
        Ok(Event { payload, json, size: 0 })
    }

    /// The size of the body it was read from (0 when made from JSON).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The typed payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// Every field as sent, including those the spec does not know.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The JSON as sent.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// The `event_type` (`messaging`, `conversation`, ..., or one the SDK does not know).
    pub fn event_type(&self) -> &str {
        self.json.get("event_type").and_then(Value::as_str).unwrap_or_default()
    }

    /// The page the event happened on (`subscription` events have none).
    pub fn page_id(&self) -> Option<&str> {
        self.json.get("page_id").and_then(Value::as_str)
    }

    /// The delivery's id, for the events that carry one.
    pub fn request_id(&self) -> Option<&str> {
        self.json.get("request_id").and_then(Value::as_str)
    }

    /// A field by its dotted path (`data.message.id`).
    pub fn field(&self, dotted: &str) -> Option<&Value> {
        dotted.split('.').try_fold(&self.json, |value, key| value.get(key)).filter(|v| !v.is_null())
    }

    /// The spec's rule for this event's type; `None` for an unknown type.
    pub fn rule(&self) -> Option<&'static EventRule> {
        EVENTS.iter().find(|rule| rule.name == self.event_type())
    }

    /// What identifies this delivery: equal for a repeat of it, different for any other event.
    pub fn delivery_key(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.event_type().hash(&mut hasher);
        let fields = self.rule().map_or(&["request_id"][..], |rule| rule.dedupe);
        match fields.iter().find_map(|f| self.field(f).map(|v| (*f, v))) {
            Some(("request_id", id)) => ("request_id", id.to_string()).hash(&mut hasher),
            // An object named by its id: a repeat carries the same object with the same content,
            // an update of it does not (the rest of the event, a conversation's snapshot, may
            // differ between repeats).
            Some((field, id)) => {
                let object = field.rsplit_once('.').and_then(|(parent, _)| self.field(parent));
                (field, id.to_string(), object.map(Value::to_string)).hash(&mut hasher)
            }
            None => self.json.to_string().hash(&mut hasher),
        }
        hasher.finish()
    }

    /// The key and version that order this event among others of its key (`conversation`
    /// events: the conversation's id and version), when it has both.
    pub fn order(&self) -> Option<(&str, i64)> {
        let (key, version) = self.rule()?.order?;
        Some((self.field(key)?.as_str()?, self.field(version)?.as_i64()?))
    }
}
