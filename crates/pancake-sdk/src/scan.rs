//! One pass over an answer's bytes, before anything decodes them: how many values and
//! containers they hold (a body packed to blow up when decoded is refused like a larger one),
//! and where the envelope's top-level fields are (`success`, `error_code`, `message`,
//! `errors`), so that the envelope is read without decoding the rest.
//!
//! The pass only finds structure; it does not check the JSON. Strings are skipped with
//! `memchr`, so most of a body is passed over at memory speed.

use serde::Deserialize;

/// What [`scan`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan<'a> {
    /// Values outside strings (each comma and each container counts).
    pub values: u64,
    /// Objects and arrays.
    pub containers: u64,
    /// The envelope, when the body is an object.
    pub envelope: Option<Envelope<'a>>,
}

/// The raw values of the envelope's fields in a top-level object.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    success: Option<&'a [u8]>,
    error_code: Option<&'a [u8]>,
    message: Option<&'a [u8]>,
    errors: Option<&'a [u8]>,
}

impl Envelope<'_> {
    /// `success`, when it is a boolean.
    pub fn success(&self) -> Option<bool> {
        self.success.and_then(|raw| serde_json::from_slice(raw).ok())
    }

    /// `message`, when it is a string.
    pub fn message(&self) -> Option<String> {
        self.message.and_then(|raw| serde_json::from_slice(raw).ok())
    }

    /// `error_code`, or else the first `error_code` of `errors[]`, when it is an integer.
    pub fn code(&self) -> Option<i64> {
        #[derive(Deserialize)]
        struct Item {
            error_code: Option<i64>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Lenient {
            Item(Item),
            Other(serde::de::IgnoredAny),
        }
        self.error_code.and_then(|raw| serde_json::from_slice(raw).ok()).or_else(|| {
            let items: Vec<Lenient> = serde_json::from_slice(self.errors?).ok()?;
            items.into_iter().find_map(|item| match item {
                Lenient::Item(item) => item.error_code,
                Lenient::Other(_) => None,
            })
        })
    }
}

/// Which envelope field a top-level key names.
#[derive(Clone, Copy)]
enum Field {
    Success,
    ErrorCode,
    Message,
    Errors,
}

impl Field {
    fn of(key: &[u8]) -> Option<Field> {
        match key {
            b"success" => Some(Field::Success),
            b"error_code" => Some(Field::ErrorCode),
            b"message" => Some(Field::Message),
            b"errors" => Some(Field::Errors),
            _ => None,
        }
    }
}

/// The index just past the string that opens at `body[open]` (a `"`), or the body's length
/// when it never closes.
fn string_end(body: &[u8], open: usize) -> usize {
    let mut at = open + 1;
    while let Some(found) = memchr::memchr2(b'"', b'\\', &body[at.min(body.len())..]) {
        let index = at + found;
        if body[index] == b'"' {
            return index + 1;
        }
        at = index + 2;
    }
    body.len()
}

/// The bytes the scan acts on.
const STRUCTURE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = *b"\"{}[],:";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// Scans `body` once.
pub(crate) fn scan(body: &[u8]) -> Scan<'_> {
    let mut found = Scan::default();
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let object = body.get(start) == Some(&b'{');
    let mut envelope = Envelope::default();
    let mut depth: u32 = 0;
    // At depth 1 of the top-level object: the key just read, and where its value started.
    let mut key: Option<Field> = None;
    let mut expecting_key = false;
    let mut value_start: Option<usize> = None;
    let mut at = start;
    while at < body.len() {
        // Bytes that are no structure (digits, letters of literals, blanks) are passed over.
        if !STRUCTURE[body[at] as usize] {
            at += 1;
            continue;
        }
        let byte = body[at];
        match byte {
            b'"' => {
                let end = string_end(body, at);
                if object && depth == 1 && expecting_key {
                    key = Field::of(&body[at + 1..end.saturating_sub(1).max(at + 1)]);
                    expecting_key = false;
                }
                at = end;
                continue;
            }
            b'{' | b'[' => {
                found.containers += 1;
                found.values += 1;
                depth += 1;
                if depth == 1 && byte == b'{' {
                    expecting_key = true;
                }
            }
            b'}' | b']' => {
                if object && depth == 1 {
                    finish(body, &mut value_start, at, key.take(), &mut envelope);
                }
                depth = depth.saturating_sub(1);
            }
            b',' => {
                found.values += 1;
                if object && depth == 1 {
                    finish(body, &mut value_start, at, key.take(), &mut envelope);
                    expecting_key = true;
                }
            }
            b':' if object && depth == 1 => value_start = Some(at + 1),
            _ => {}
        }
        at += 1;
    }
    if object {
        found.envelope = Some(envelope);
    }
    found
}

/// Records the value that ends at `end` under its key, when the key is an envelope field.
fn finish<'a>(
    body: &'a [u8],
    value_start: &mut Option<usize>,
    end: usize,
    key: Option<Field>,
    envelope: &mut Envelope<'a>,
) {
    let (Some(start), Some(field)) = (value_start.take(), key) else { return };
    let raw = body[start..end].trim_ascii();
    let slot = match field {
        Field::Success => &mut envelope.success,
        Field::ErrorCode => &mut envelope.error_code,
        Field::Message => &mut envelope.message,
        Field::Errors => &mut envelope.errors,
    };
    *slot = Some(raw);
}

/// Whether decoding a body with these counts stays within a small multiple of `limit` in
/// memory: a JSON text may hold at most one value per 16 bytes of the limit, and one object
/// or array per 256 (an empty `{}` decodes into a whole typed struct). Real answers hold far
/// fewer; a body packed with `{},{},...` or `1,1,...` to blow up when decoded is refused like a
/// larger one.
pub(crate) fn decodes_within(scan: &Scan<'_>, limit: u64) -> bool {
    scan.values <= (limit / 16).max(4096) && scan.containers <= (limit / 256).max(1024)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_envelope_is_found_at_the_top_level_only() {
        let body = br#" {"data": {"success": true, "message": "inner"}, "success" : false ,
            "message": "a \"quoted\" }, text", "errors": [{"error_code": 102}], "x": [1, {"error_code": 5}]}"#;
        let found = scan(body);
        let envelope = found.envelope.unwrap();
        assert_eq!(envelope.success(), Some(false));
        assert_eq!(envelope.message().as_deref(), Some("a \"quoted\" }, text"));
        assert_eq!(envelope.code(), Some(102));
        assert_eq!(found.containers, 6);
    }

    #[test]
    fn fields_of_another_type_are_absent_not_errors() {
        let envelope =
            scan(br#"{"success": "yes", "error_code": "121", "message": 7, "errors": 3}"#).envelope.unwrap();
        assert_eq!((envelope.success(), envelope.code(), envelope.message()), (None, None, None));
        let envelope = scan(br#"{"error_code": 121, "errors": "x"}"#).envelope.unwrap();
        assert_eq!(envelope.code(), Some(121));
        let envelope = scan(br#"{"errors": [1, "a", {"error_code": 9}]}"#).envelope.unwrap();
        assert_eq!(envelope.code(), Some(9));
    }

    #[test]
    fn only_an_object_has_an_envelope() {
        for body in [&br#"[{"success": false}]"#[..], b"\"success\"", b"", b"   ", b"nul"] {
            assert_eq!(scan(body).envelope, None, "{}", String::from_utf8_lossy(body));
        }
        assert!(scan(b"{").envelope.is_some());
    }

    /// Any JSON object: what the scan reads of the envelope is what a full decode reads.
    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(Into::into),
            any::<i64>().prop_map(Into::into),
            "[\"\\\\{}\\[\\],: a-z\u{e9}]{0,12}".prop_map(Into::into),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Into::into),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("success".to_string()),
                        Just("error_code".to_string()),
                        Just("message".to_string()),
                        Just("errors".to_string()),
                        "[a-z\"{]{0,6}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn the_scan_agrees_with_a_full_decode(value in json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let found = scan(text.as_bytes());
            match &value {
                serde_json::Value::Object(map) => {
                    let envelope = found.envelope.expect("an object has an envelope");
                    prop_assert_eq!(envelope.success(), map.get("success").and_then(|v| v.as_bool()));
                    prop_assert_eq!(envelope.message(), map.get("message").and_then(|v| v.as_str()).map(str::to_string));
                    let code = map.get("error_code").and_then(|v| v.as_i64()).or_else(|| {
                        map.get("errors")?.as_array()?.iter().find_map(|e| e.get("error_code")?.as_i64())
                    });
                    prop_assert_eq!(envelope.code(), code);
                }
                _ => prop_assert!(found.envelope.is_none()),
            }
        }

        /// Values are counted outside strings only, and a packed body is refused.
        #[test]
        fn packed_bodies_are_refused_and_strings_are_not_counted(n in 1usize..2000, text in "[{},\\[\\]\"\\\\a]{0,64}") {
            let packed = format!("[{}]", vec!["{}"; n].join(","));
            prop_assert_eq!(decodes_within(&scan(packed.as_bytes()), 1024 * 256), n < 1024);
            let quoted = serde_json::to_string(&vec![text; 3]).unwrap();
            prop_assert!(decodes_within(&scan(quoted.as_bytes()), 0));
            prop_assert_eq!(scan(quoted.as_bytes()).containers, 1);
        }

        /// Whatever the bytes, the scan ends without a panic.
        #[test]
        fn any_bytes_are_scanned(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = scan(&body);
        }
    }
}
