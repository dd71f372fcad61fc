//! Checks made before a request is sent, so that a bad input fails at once with an error that
//! names the field, rather than at the API (or, worse, half-way through a bulk job).
//!
//! Every rule comes from the spec, in the table the generator writes for each API: the bounds of
//! numeric query parameters (`minimum`/`maximum`), of body arrays (`minItems`/`maxItems`), and the rules
//! across fields of the `x-pancake-rules` extension (`since` not after `until`; an inbox message
//! is a text or an attachment, not both).

use std::borrow::Cow;

use serde_json::Value;

use crate::Error;

/// A constraint of one operation, from the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    /// The fewest items a body array may hold.
    MinItems {
        /// Where the array is in the body: object keys from the root.
        path: &'static [&'static str],
        /// How many items at least.
        min: usize,
    },
    /// A numeric query parameter that may not be larger than another (`since`, `until`).
    NotAfter {
        /// The parameter that comes first.
        field: &'static str,
        /// The one it may not pass.
        other: &'static str,
    },
    /// Exactly one of the body's text fields is given (and none is blank), when the body's
    /// `when.0` is `when.1`.
    OneOf {
        /// The fields.
        fields: &'static [&'static str],
        /// The body's discriminating field and value, if the rule holds for one kind of body.
        when: Option<(&'static str, &'static str)>,
        /// The message when more than one is given.
        both: &'static str,
        /// The message when none is given.
        neither: &'static str,
    },
}

/// Checks a request about to be sent.
pub(crate) fn check(request: &reqwest::Request, rules: &[Rule]) -> Result<(), Error> {
    if rules.is_empty() {
        return Ok(());
    }
    // Each is read once, by the first rule that needs it: the query's pairs (borrowed where
    // they need no decoding), the body decoded.
    let pairs = std::cell::OnceCell::new();
    let number = |name: &str| -> Option<Result<i64, Error>> {
        let pairs: &Vec<_> = pairs.get_or_init(|| request.url().query_pairs().collect());
        let (_, raw) = pairs.iter().find(|(k, _): &&(Cow<str>, Cow<str>)| k == name)?;
        Some(raw.parse().map_err(|_| Error::invalid(name, format!("{raw:?} is not a number"))))
    };
    let decoded = std::cell::OnceCell::new();
    let body = || -> Option<&Value> {
        decoded
            .get_or_init(|| {
                request.body().and_then(|b| b.as_bytes()).and_then(|bytes| serde_json::from_slice(bytes).ok())
            })
            .as_ref()
    };

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
                if let Some(count) = items(body(), path).filter(|n| *n > max) {
                    return Err(Error::invalid(
                        &path.join("."),
                        format!("holds {count} items; at most {max} are allowed"),
                    ));
                }
            }
            Rule::MinItems { path, min } => {
                if let Some(count) = items(body(), path).filter(|n| *n < min) {
                    return Err(Error::invalid(
                        &path.join("."),
                        format!("holds {count} items; at least {min} are needed"),
                    ));
                }
            }
            Rule::NotAfter { field, other } => {
                if let (Some(first), Some(second)) = (number(field).transpose()?, number(other).transpose()?)
                    && first > second
                {
                    return Err(Error::invalid(field, format!("{first} is after {other} ({second})")));
                }
            }
            Rule::OneOf { fields, when, both, neither } => {
                if let Some(body) = body() {
                    one_of(body, fields, when, both, neither)?;
                }
            }
        }
    }
    Ok(())
}

/// How many items the body's array at `path` holds, if there is one.
fn items(body: Option<&Value>, path: &[&str]) -> Option<usize> {
    let found = path.iter().try_fold(body?, |value, key| value.get(key))?;
    found.as_array().map(Vec::len)
}

/// [`Rule::OneOf`] on a body.
fn one_of(
    body: &Value,
    fields: &[&str],
    when: Option<(&str, &str)>,
    both: &str,
    neither: &str,
) -> Result<(), Error> {
    if let Some((key, value)) = when
        && body.get(key).and_then(Value::as_str) != Some(value)
    {
        return Ok(());
    }
    let mut given = Vec::new();
    for field in fields {
        match body.get(*field) {
            Some(Value::String(text)) if text.trim().is_empty() => {
                return Err(Error::invalid(field, "must not be empty"));
            }
            Some(Value::Null) | None => {}
            Some(_) => given.push(*field),
        }
    }
    match given.as_slice() {
        [_] => Ok(()),
        [] => Err(Error::invalid(fields[0], neither)),
        [first, ..] => Err(Error::invalid(first, both)),
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
        Rule::MinItems { path: &["assignee_ids"], min: 1 },
    ];

    const SINCE: &[Rule] = &[Rule::NotAfter { field: "since", other: "until" }];

    const INBOX: &[Rule] = &[Rule::OneOf {
        fields: &["message", "content_url"],
        when: Some(("action", "reply_inbox")),
        both: "an inbox message carries a text or an attachment, not both",
        neither: "an inbox message needs a text or an attachment",
    }];

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
    fn a_body_array_may_need_an_item() {
        assert!(check(&post(serde_json::json!({ "assignee_ids": ["u-1"] })), RULES).is_ok());
        assert_eq!(
            message(check(&post(serde_json::json!({ "assignee_ids": [] })), RULES)),
            "invalid assignee_ids: holds 0 items; at least 1 are needed"
        );
    }

    #[test]
    fn since_may_not_be_after_until() {
        assert!(check(&get("since=5&until=5"), SINCE).is_ok());
        assert_eq!(message(check(&get("since=6&until=5"), SINCE)), "invalid since: 6 is after until (5)");
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
            message(check(&post(both), INBOX))
                .starts_with("invalid message: an inbox message carries a text or")
        );
        let neither = serde_json::json!({ "action": "reply_inbox" });
        assert_eq!(
            message(check(&post(neither), INBOX)),
            "invalid message: an inbox message needs a text or an attachment"
        );
        let blank = serde_json::json!({ "action": "reply_inbox", "content_url": " " });
        assert_eq!(message(check(&post(blank), INBOX)), "invalid content_url: must not be empty");
        let reply = serde_json::json!({ "action": "private_replies", "post_id": "p", "message": "hi" });
        assert!(check(&post(reply), INBOX).is_ok());
    }
}
