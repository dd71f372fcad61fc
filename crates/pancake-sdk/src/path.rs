//! Path parameters: each value is one path segment, checked and encoded before the URL is made,
//! so that no id (from a webhook, a CSV, a caller) can change the route a token is sent to.
//!
//! A value is refused when it is empty, blank, `.` or `..` (a URL parser resolves dot
//! segments, so `/pages/../messages` would reach `/messages`). Every other value is sent as one
//! segment: every byte that RFC 3986 does not allow in a segment as it is (`pchar`: letters,
//! digits, `- . _ ~`, `! $ & ' ( ) * + , ; =`, `:` and `@`) is percent-encoded, so neither `/`
//! nor `\` nor `%`, `?` or `#` can end it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Error;

/// Every byte but RFC 3986's `pchar` (unreserved, sub-delims, `:` and `@`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Checks that `value` is a single path segment, naming `field` when it is not.
pub fn check_segment(field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty (it is a segment of the URL's path)"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid(
            field,
            format!("{value:?} is not an id: as a segment of the URL's path it would change the route"),
        ));
    }
    Ok(())
}

/// `value` as one encoded path segment.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// The generated code's path encoder: checks, then encodes; the error names `field`.
// The error type is progenitor's, as the generated code requires.
#[allow(clippy::result_large_err)]
pub(crate) fn segment<E>(field: &str, value: &str) -> Result<String, progenitor_client::Error<E>> {
    check_segment(field, value).map_err(crate::exchange::fail)?;
    Ok(encode_segment(value))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The path a URL parser makes of `/pages/{value}/tags`.
    fn parsed_path(value: &str) -> String {
        let url = format!("http://host/pages/{}/tags", encode_segment(value));
        reqwest::Url::parse(&url).expect("an encoded segment makes a valid URL").path().to_string()
    }

    #[test]
    fn dot_segments_and_blanks_are_refused_naming_the_field() {
        for bad in ["", " ", "\t", ".", ".."] {
            let error = check_segment("page_id", bad).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidRequest { field: Some(f), .. } if f == "page_id"),
                "{bad:?}: {error:?}"
            );
        }
        for good in ["105000000000001", "...", ".a", "a.", "1_2", "%2e%2e"] {
            assert!(check_segment("page_id", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn separators_are_encoded() {
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(encode_segment("..\\.."), "..%5C..");
        assert_eq!(encode_segment("%2e%2e"), "%252e%252e");
        assert_eq!(encode_segment("x?y#z"), "x%3Fy%23z");
        assert_eq!(encode_segment("1561,1564"), "1561,1564");
        assert_eq!(parsed_path("..\\..\\x"), "/pages/..%5C..%5Cx/tags");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the value, a value that passes the check stays one segment: the route keeps
        /// its prefix, its suffix and its number of segments, and the segment decodes back.
        #[test]
        fn an_accepted_value_is_exactly_one_segment(value in any::<String>()) {
            prop_assume!(check_segment("id", &value).is_ok());
            let path = parsed_path(&value);
            let segments: Vec<&str> = path.split('/').collect();
            prop_assert_eq!(segments.len(), 4, "{:?} -> {}", value, path);
            prop_assert_eq!(segments[1], "pages");
            prop_assert_eq!(segments[3], "tags");
            let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8().unwrap();
            prop_assert_eq!(decoded, value.as_str());
        }

        /// Dot segments, made of any mix of `.` and its encodings, never survive.
        #[test]
        fn dots_in_any_spelling_never_reach_the_parser(parts in proptest::collection::vec(
            prop_oneof![Just("."), Just("%2e"), Just("%2E"), Just("/"), Just("\\"), Just("%2f")], 0..6)
        ) {
            let value = parts.concat();
            if check_segment("id", &value).is_ok() {
                prop_assert_eq!(parsed_path(&value).split('/').count(), 4);
            }
        }
    }
}
