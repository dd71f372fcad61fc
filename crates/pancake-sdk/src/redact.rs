//! The one redaction step every error of a client passes through before the caller sees it:
//! the client's own secrets (its tokens) are replaced by `[REDACTED]` in every text an error
//! renders, `Display` and `Debug` alike, including text that came from the server (proxies and
//! error pages echo requests, token and all).
//!
//! A token is found as it was given, percent-encoded (as it travels in a query string) and
//! JSON-escaped (as a server echoes it inside a JSON string). The raw body of an answer stays
//! available to whoever asks for it explicitly ([`crate::ErrorBody::raw`]); it may hold what
//! the server echoed.

use std::borrow::Cow;
use std::sync::Arc;

/// What a rendered secret becomes.
pub const REDACTED: &str = "[REDACTED]";

/// The secrets of one client, in every spelling they may take in a text. `Debug` shows how
/// many there are, never what they are.
/// Secrets learned later (the page tokens a provider answers) join the clones' shared set.
#[derive(Clone, Default)]
pub struct Secrets {
    spellings: Arc<std::sync::RwLock<Arc<[String]>>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} spellings)", self.current().len())
    }
}

impl Secrets {
    /// The secrets among `values` (empty ones are ignored).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let secrets = Secrets::default();
        secrets.extend(values);
        secrets
    }

    /// Adds secrets (a page token learned from a provider); every clone redacts them too.
    pub fn extend<'a>(&self, values: impl IntoIterator<Item = &'a str>) {
        // Held from the read to the write: two tokens learned at once are both kept.
        let mut held = self.spellings.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut spellings: Vec<String> = held.to_vec();
        let before = spellings.len();
        for value in values.into_iter().filter(|v| !v.is_empty()) {
            let encoded: String =
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string();
            let form: String = form_urlencoded(value);
            // The JSON string without its two quotes.
            let quoted = serde_json::to_string(value).unwrap_or_default();
            let json = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_string();
            for spelling in [value.to_string(), encoded, form, json] {
                if !spelling.is_empty() && !spellings.contains(&spelling) {
                    spellings.push(spelling);
                }
            }
        }
        if spellings.len() == before {
            return;
        }
        // Longest first, so that a secret that contains another is replaced whole.
        spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
        *held = spellings.into();
    }

    fn current(&self) -> Arc<[String]> {
        self.spellings.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.current().is_empty()
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for secret in self.current().iter() {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
            }
        }
        text
    }

    /// `text` scrubbed, as an owned string.
    pub fn scrubbed(&self, text: &str) -> String {
        self.scrub(text).into_owned()
    }
}

/// `application/x-www-form-urlencoded` spelling (spaces as `+`), as query strings carry it.
fn form_urlencoded(value: &str) -> String {
    const FORM: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_').remove(b' ');
    percent_encoding::utf8_percent_encode(value, FORM).to_string().replace(' ', "+")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn every_spelling_is_replaced() {
        let secrets = Secrets::new(["tok/en+1 \"x\"", ""]);
        for leak in ["tok/en+1 \"x\"", "tok%2Fen%2B1%20%22x%22", "tok%2Fen%2B1+%22x%22", "tok/en+1 \\\"x\\\""]
        {
            let text = format!("echo: access_token={leak}&x=1");
            assert_eq!(secrets.scrub(&text), "echo: access_token=[REDACTED]&x=1", "{leak}");
        }
        assert!(matches!(secrets.scrub("nothing here"), Cow::Borrowed(_)));
        assert_eq!(format!("{secrets:?}"), "Secrets(4 spellings)");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Wherever a secret sits in a text, the scrubbed text does not hold it.
        #[test]
        fn a_scrubbed_text_never_holds_the_secret(
            secret in "[a-z0-9_.~+/= -]{6,40}",
            before in ".{0,40}",
            after in ".{0,40}",
        ) {
            let secrets = Secrets::new([secret.as_str()]);
            let text = format!("{before}{secret}{after}");
            let scrubbed = secrets.scrubbed(&text);
            prop_assert!(!scrubbed.contains(&secret), "{:?}", scrubbed);
        }
    }
}
