//! Checks made before a request is sent, so that a bad input fails at once with an error that
//! names the field, rather than at the API (or, worse, half-way through a bulk job).
//!
//! The bounds come from the spec (`minimum`/`maximum` of query parameters, `maxItems` of body
//! arrays), in tables the generator writes; a few rules the spec cannot express are here:
//! `since` must not be after `until`, and an inbox message is a text or an attachment, not both.

use serde_json::Value;

use crate::Error;

/// A constraint of one operation, from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A numeric query parameter's bounds.
    Number {
        /// The parameter.
        name: &'static str,
        /// Its smallest value.
        minimum: Option<i64>,
        /// Its largest value.
        maximum: Option<i64>,
    },
    /// The most items a body array may hold.
    MaxItems {
        /// Where the array is in the body: object keys from the root.
        path: &'static [&'static str],
        /// How many items at most.
        max: usize,
    },
}

/// Checks a request about to be sent.
pub(crate) fn check(request: &reqwest::Request, rules: &[Rule]) -> Result<(), Error> {
    let query: Vec<(String, String)> = request.url().query_pairs().into_owned().collect();
    let number = |name: &str| -> Option<Result<i64, Error>> {
        let (_, raw) = query.iter().find(|(k, _)| k == name)?;
        Some(raw.parse().map_err(|_| Error::invalid(name, format!("{raw:?} is not a number"))))
    };
    let body: Option<Value> =
        request.body().and_then(|b| b.as_bytes()).and_then(|bytes| serde_json::from_slice(bytes).ok());

    for rule in rules {
        match *rule {
            Rule::Number { name, minimum, maximum } => {
                let Some(value) = number(name).transpose()? else { continue };
                if let Some(min) = minimum.filter(|min| value < *min) {
                    return Err(Error::invalid(name, format!("must be at least {min}, got {value}")));
                }
                if let Some(max) = maximum.filter(|max| value > *max) {
                    return Err(Error::invalid(name, format!("must be at most {max}, got {value}")));
                }
            }
            Rule::MaxItems { path, max } => {
                let found = body.as_ref().and_then(|b| path.iter().try_fold(b, |v, key| v.get(key)));
                if let Some(count) = found.and_then(Value::as_array).map(Vec::len).filter(|n| *n > max) {
                    return Err(Error::invalid(
                        &path.join("."),
                        format!("holds {count} items; at most {max} are allowed"),
                    ));
                }
            }
        }
    }

    if let (Some(since), Some(until)) = (number("since").transpose()?, number("until").transpose()?)
        && since > until
    {
        return Err(Error::invalid("since", format!("{since} is after until ({until})")));
    }
    if let Some(body) = &body {
        inbox_message(body)?;
    }
    Ok(())
}

/// An inbox message (`action: reply_inbox`) carries a text or an attachment: the API answers
/// 500 to both at once, and has nothing to send with neither.
fn inbox_message(body: &Value) -> Result<(), Error> {
    if body.get("action").and_then(Value::as_str) != Some("reply_inbox") {
        return Ok(());
    }
    let given = |key: &str| body.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if body.get("content_url").and_then(Value::as_str).is_some_and(|url| url.trim().is_empty()) {
        return Err(Error::invalid("content_url", "must not be empty"));
    }
    match (given("message"), given("content_url")) {
        (true, true) => Err(Error::invalid(
            "message",
            "an inbox message carries a text or an attachment (content_url), not both: send them in two calls",
        )),
        (false, false) => {
            Err(Error::invalid("message", "an inbox message needs a text or an attachment (content_url)"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(query: &str) -> reqwest::Request {
        reqwest::Client::new().get(format!("http://x/p?{query}")).build().unwrap()
    }

    fn post(body: Value) -> reqwest::Request {
        reqwest::Client::new().post("http://x/p").json(&body).build().unwrap()
    }

    const RULES: &[Rule] = &[
        Rule::Number { name: "page_number", minimum: Some(1), maximum: None },
        Rule::Number { name: "page_size", minimum: Some(1), maximum: Some(100) },
        Rule::MaxItems { path: &["data", "content", "messages"], max: 2 },
    ];

    fn message(result: Result<(), Error>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn numbers_are_checked_against_their_bounds() {
        assert!(check(&get("page_number=1&page_size=100"), RULES).is_ok());
        assert_eq!(
            message(check(&get("page_number=0"), RULES)),
            "invalid page_number: must be at least 1, got 0"
        );
        assert_eq!(
            message(check(&get("page_size=101"), RULES)),
            "invalid page_size: must be at most 100, got 101"
        );
    }

    #[test]
    fn since_may_not_be_after_until() {
        assert!(check(&get("since=5&until=5"), &[]).is_ok());
        assert_eq!(message(check(&get("since=6&until=5"), &[])), "invalid since: 6 is after until (5)");
    }

    #[test]
    fn body_arrays_are_bounded() {
        let ok = serde_json::json!({ "data": { "content": { "messages": [1, 2] } } });
        assert!(check(&post(ok), RULES).is_ok());
        let long = serde_json::json!({ "data": { "content": { "messages": [1, 2, 3] } } });
        assert_eq!(
            message(check(&post(long), RULES)),
            "invalid data.content.messages: holds 3 items; at most 2 are allowed"
        );
    }

    #[test]
    fn an_inbox_message_is_a_text_or_an_attachment() {
        let both =
            serde_json::json!({ "action": "reply_inbox", "message": "hi", "content_url": "https://x/y.png" });
        assert!(
            message(check(&post(both), &[]))
                .starts_with("invalid message: an inbox message carries a text or")
        );
        let neither = serde_json::json!({ "action": "reply_inbox" });
        assert!(check(&post(neither), &[]).is_err());
        let reply = serde_json::json!({ "action": "private_replies", "post_id": "p", "message": "hi" });
        assert!(check(&post(reply), &[]).is_ok());
    }
}
