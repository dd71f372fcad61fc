//! Path parameters: each value is one path segment, so that no id (from a webhook, a CSV, a
//! caller) can change the route a token is sent to.
//!
//! The generated builders check each path parameter as it is set, and refuse (naming the
//! field, before anything is sent) a value that is empty, blank, `.` or `..` (a URL parser
//! resolves dot segments, so `/pages/../messages` would reach `/messages`) or that holds a `\`
//! (which a URL parser reads as `/`). progenitor's encoder then percent-encodes `/`, `%`, `?`,
//! `#` and the other bytes that could end a segment. As a second line, the request's path is
//! compared with the operation's route template before it is sent ([`matches_route`]).

use crate::Error;

/// A path parameter's value: its text must be one path segment. The generated builders call
/// it as a method, so that a value reaches its text as `to_string` would (through `Deref`).
pub(crate) trait Segment {
    /// Why its text is not one path segment, if it is not.
    fn segment_problem(&self) -> Option<String>;

    /// Its text as the generated code puts it in a URL: percent-encoded ([`Encoded`]).
    fn encoded(&self) -> Encoded<'_, Self> {
        Encoded(self)
    }
}

impl<T: std::fmt::Display + ?Sized> Segment for T {
    fn segment_problem(&self) -> Option<String> {
        problem(self)
    }
}

/// Why a value's text is not one path segment, if it is not: read as the value writes itself
/// (no copy of it is made unless it is refused).
pub(crate) fn problem(value: &(impl std::fmt::Display + ?Sized)) -> Option<String> {
    use std::fmt::Write;
    let mut shape = Shape::default();
    // `Shape` never fails a write, so neither does this.
    let _ = write!(shape, "{value}");
    if !shape.visible {
        return Some("must not be empty (it is a segment of the URL's path)".into());
    }
    if shape.length == shape.dots && shape.length <= 2 {
        return Some(format!(
            "{:?} is not an id: as a segment of the URL's path it would change the route",
            value.to_string()
        ));
    }
    if shape.backslash {
        return Some("holds a backslash, which a URL parser reads as `/`: it would change the route".into());
    }
    None
}

/// What a segment's text holds, as far as the route is concerned (read by bytes: `.` and `\\`
/// are one byte in UTF-8, and no other character holds their byte).
#[derive(Default)]
struct Shape {
    /// Its length in bytes.
    length: usize,
    dots: usize,
    /// Whether a character that is not white space came.
    visible: bool,
    backslash: bool,
}

impl std::fmt::Write for Shape {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let bytes = text.as_bytes();
        self.length += bytes.len();
        self.dots += bytes.iter().filter(|byte| **byte == b'.').count();
        self.visible = self.visible || !text.trim().is_empty();
        self.backslash = self.backslash || bytes.contains(&b'\\');
        Ok(())
    }
}

/// The bytes a path parameter's text has percent-encoded: progenitor's own set (its
/// `encode_path`), so that the URL is the one progenitor's code makes.
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A path parameter in the generated code's URL ([`Segment::encoded`]): its text
/// percent-encoded as the URL is formatted, as progenitor's `encode_path(&value.to_string())`
/// would have it (without the two strings that makes).
pub(crate) struct Encoded<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Display + ?Sized> std::fmt::Display for Encoded<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// Writes what is written to it percent-encoded (a `str` is written whole, so a
        /// character is never split).
        struct Encoding<'a, 'b>(&'a mut std::fmt::Formatter<'b>);
        impl std::fmt::Write for Encoding<'_, '_> {
            fn write_str(&mut self, text: &str) -> std::fmt::Result {
                percent_encoding::utf8_percent_encode(text, PATH_SET)
                    .try_for_each(|part| self.0.write_str(part))
            }
        }
        std::fmt::Write::write_fmt(&mut Encoding(f), format_args!("{}", self.0))
    }
}

/// `base` with `path` after its own path: the URL that parsing the base URL's text followed by
/// `path` makes, without parsing the base again (its scheme, host and port are kept as they
/// are; only the path is read).
pub(crate) fn join(base: &reqwest::Url, path: std::fmt::Arguments<'_>) -> reqwest::Url {
    use std::fmt::Write;
    // The base's text has no `/` at its end: a parsed path that ends with one (`/` for none,
    // or where a dot segment ended it) loses that one.
    let own = base.path().strip_suffix('/').unwrap_or(base.path());
    let mut full = String::with_capacity(own.len() + 96);
    full.push_str(own);
    // Writing to a `String` does not fail.
    let _ = full.write_fmt(path);
    let mut url = base.clone();
    url.set_path(&full);
    url
}

/// Checks that `value` is a single path segment, naming `field` when it is not.
pub fn check_segment(field: &str, value: &str) -> Result<(), Error> {
    match problem(value) {
        Some(message) => Err(Error::invalid(field, message)),
        None => Ok(()),
    }
}

/// Whether a request's path ends with the shape of `route` (`/pages/{page_id}/tags`): as many
/// segments, the same literal ones, and no empty one where a parameter goes.
pub fn matches_route(path: &str, route: &str) -> bool {
    // From the last segment back: the route's segments against the path's tail (by bytes: `/`
    // is one byte in UTF-8). A literal segment is compared where it must end the path, so
    // only a parameter's bytes are walked in the path.
    fn trimmed(text: &str) -> &[u8] {
        let bytes = text.as_bytes();
        &bytes[bytes.iter().take_while(|byte| **byte == b'/').count()..]
    }
    /// The last segment, and what comes before its slash (none without a slash).
    fn last(text: &[u8]) -> (&[u8], Option<&[u8]>) {
        match text.iter().rposition(|byte| *byte == b'/') {
            Some(slash) => (&text[slash + 1..], Some(&text[..slash])),
            None => (text, None),
        }
    }
    /// What comes before the last segment when it is `literal`: `Err` when it is not.
    fn before<'a>(text: &'a [u8], literal: &[u8]) -> Result<Option<&'a [u8]>, ()> {
        let rest = text.strip_suffix(literal).ok_or(())?;
        match rest.split_last() {
            None => Ok(None),
            Some((b'/', before)) => Ok(Some(before)),
            Some(_) => Err(()),
        }
    }
    let (mut path, mut route) = (Some(trimmed(path)), Some(trimmed(route)));
    while let Some(rest) = route {
        let Some(text) = path else { return false };
        let (wanted, route_before) = last(rest);
        let path_before = if wanted.first() == Some(&b'{') {
            match last(text) {
                (actual, before) if !actual.is_empty() => before,
                _ => return false,
            }
        } else {
            match before(text, wanted) {
                Ok(before) => before,
                Err(()) => return false,
            }
        };
        (path, route) = (path_before, route_before);
    }
    true
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The path a URL parser makes of `/pages/{value}/tags`, encoded as the generated code does.
    fn parsed_path(value: &str) -> String {
        let url = format!("http://host/pages/{}/tags", Encoded(value));
        reqwest::Url::parse(&url).expect("an encoded segment makes a valid URL").path().to_string()
    }

    #[test]
    fn dot_segments_blanks_and_backslashes_are_refused_naming_the_field() {
        for bad in ["", " ", "\t", ".", "..", "..\\..", "a\\b"] {
            let error = check_segment("page_id", bad).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidRequest { field: Some(f), .. } if f == "page_id"),
                "{bad:?}: {error:?}"
            );
        }
        for good in ["105000000000001", "...", ".a", "a.", "1_2", "%2e%2e", "1561,1564"] {
            assert!(check_segment("page_id", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn the_route_check_sees_a_changed_route() {
        let route = "/pages/{page_id}/tags";
        assert!(matches_route("/api/v1/pages/105/tags", route));
        assert!(!matches_route("/api/v1/pages//tags", route));
        assert!(!matches_route("/api/v1/tags", route));
        assert!(!matches_route("/api/v1/pages/1/2/tags", route));
        assert_eq!(parsed_path("a/b?c#d%2e"), "/pages/a%2Fb%3Fc%23d%252e/tags");
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
            let route = "/pages/{page_id}/tags";
            prop_assert!(matches_route(&path, route));
            let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8().unwrap();
            prop_assert_eq!(decoded, value.as_str());
        }

        /// The route check agrees with its plain statement: the route's segments, from the
        /// last, against the path's (leading slashes dropped), a parameter taking any
        /// non-empty segment.
        #[test]
        fn the_route_check_is_segment_by_segment(
            path in "/{0,2}([a-z{}]{0,3}/){0,4}[a-z{}]{0,3}",
            route in "/{0,2}([a-z]{0,2}/|\\{p\\}/){0,3}([a-z]{0,2}|\\{p\\})",
        ) {
            let segments = |text: &str| -> Vec<String> {
                text.trim_start_matches('/').split('/').rev().map(str::to_string).collect()
            };
            let (actual, wanted) = (segments(&path), segments(&route));
            let expected = wanted.len() <= actual.len()
                && wanted.iter().zip(&actual).all(|(w, a)| if w.starts_with('{') { !a.is_empty() } else { w == a });
            prop_assert_eq!(matches_route(&path, &route), expected, "{} against {}", path, route);
        }

        /// A parameter is encoded as progenitor's `encode_path` would (the generated code's URLs
        /// are the ones progenitor makes), whether its text comes whole or in pieces.
        #[test]
        fn a_parameter_is_encoded_as_progenitor_encodes_it(
            pieces in proptest::collection::vec(any::<String>(), 0..4),
            number in any::<i64>(),
        ) {
            struct Pieces<'a>(&'a [String]);
            impl std::fmt::Display for Pieces<'_> {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.iter().try_for_each(|piece| f.write_str(piece))
                }
            }
            let whole = pieces.concat();
            let expected = progenitor_client::encode_path(&whole);
            prop_assert_eq!(Encoded(whole.as_str()).to_string(), expected.as_str());
            prop_assert_eq!(Encoded(&Pieces(&pieces)).to_string(), expected);
            prop_assert_eq!(Encoded(&number).to_string(), progenitor_client::encode_path(&number.to_string()));
        }

        /// A request's URL is the one that parsing the base URL's text followed by the path
        /// makes (what progenitor's code did), whatever the base and the parameters.
        #[test]
        fn a_url_is_its_base_and_path_parsed_together(
            scheme in prop_oneof![Just("http"), Just("https")],
            host in prop_oneof![
                Just("127.0.0.1"), Just("localhost"), Just("pages.fm"), Just("[::1]"), Just("XN--PHP-9NA.example"),
                Just("user:p%40ss@pages.fm"), Just("0x7f.1")
            ],
            port in proptest::option::of(1u16..),
            prefix in "(/[a-zA-Z0-9._~%-]{0,6}){0,3}/{0,2}",
            values in proptest::collection::vec(prop_oneof![
                any::<String>(), Just(".".to_string()), Just("..".to_string()), Just("a\\b".to_string()),
                Just("%2e%2E".to_string()), Just("a/b?c#d".to_string()), "[./\\%a]{0,4}"
            ], 1..3),
        ) {
            let base = format!("{scheme}://{host}{}{prefix}", port.map(|p| format!(":{p}")).unwrap_or_default());
            let base = base.trim_end_matches('/');
            let parsed = reqwest::Url::parse(base).unwrap();
            let path = format!("/pages/{}/tags/{}", Encoded(values[0].as_str()), Encoded(values.last().unwrap().as_str()));
            let expected = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
            prop_assert_eq!(join(&parsed, format_args!("{path}")), expected);
        }

        /// Text is checked as one segment the same way whether it comes whole or in pieces
        /// (as a value's `Display` may write it).
        #[test]
        fn a_segment_is_checked_whole_or_in_pieces(pieces in proptest::collection::vec("[ .\\\\a\\u{a0}]{0,3}", 0..4)) {
            struct Pieces<'a>(&'a [String]);
            impl std::fmt::Display for Pieces<'_> {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.iter().try_for_each(|piece| f.write_str(piece))
                }
            }
            let whole = pieces.concat();
            prop_assert_eq!(problem(&Pieces(&pieces)), problem(whole.as_str()));
            let plain = whole.trim().is_empty() || whole == "." || whole == ".." || whole.contains('\\');
            prop_assert_eq!(problem(whole.as_str()).is_some(), plain, "{:?}", whole);
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
