//! [`Json`]: a JSON text as the server sent it, checked. The JSON door (`call_json`,
//! `stream_json`) answers it: the bytes are handed over as they came, never decoded into a
//! type and encoded again; whoever reads them decodes them once (into a `serde_json::Value`,
//! a type of their own, Python objects, or a C program's own parser).

use std::fmt;

use bytes::Bytes;
use serde::de::{DeserializeOwned, IgnoredAny};

/// One JSON text (valid UTF-8, valid JSON), held as the bytes that came. Cloning it shares the
/// bytes. Its `Debug` shows only its size: a server's text is the caller's to show.
///
/// A call made with [`crate::CallOptions::defer_json_check`] answers the bytes unchecked: its
/// reader checks them. (`as_str` is then empty when they are not UTF-8, and `value` `null`
/// when they are no JSON.)
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Json(Bytes);

impl Json {
    /// Checks that `bytes` are one JSON text.
    pub fn from_bytes(bytes: Bytes) -> Result<Json, serde_json::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            <serde_json::Error as serde::de::Error>::custom(format_args!("the answer is not UTF-8: {e}"))
        })?;
        serde_json::from_str::<IgnoredAny>(text)?;
        Ok(Json(bytes))
    }

    /// Bytes whose check is made elsewhere: a part of a text already checked (an item of a
    /// checked list), or an answer whose reader checks it as it decodes it
    /// ([`crate::CallOptions::defer_json_check`]).
    pub(crate) fn checked_elsewhere(bytes: Bytes) -> Json {
        Json(bytes)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Checked when made, unless the check was left to the reader.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, shared.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Decodes the text into a [`serde_json::Value`] (every field kept).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_slice(&self.0).unwrap_or(serde_json::Value::Null)
    }

    /// Decodes the text into `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.0)
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json({} bytes)", self.0.len())
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Encodes as the JSON text itself (with `serde_json`: the bytes as they are).
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(self.as_str()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl AsRef<[u8]> for Json {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_json_text_is_accepted() {
        for bad in [&b"{"[..], b"", b"{} {}", b"\"\xff\"", b"[1,]", b"nul"] {
            assert!(
                Json::from_bytes(Bytes::copy_from_slice(bad)).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let json = Json::from_bytes(Bytes::from_static(b" {\"a\": [1, \"\xc3\xa9\"]} ")).unwrap();
        assert_eq!(json.value(), serde_json::json!({ "a": [1, "é"] }));
        assert_eq!(json.as_str(), " {\"a\": [1, \"é\"]} ");
        assert_eq!(format!("{json:?}"), "Json(18 bytes)");
    }
}
