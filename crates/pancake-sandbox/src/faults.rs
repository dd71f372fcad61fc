//! Faults on demand: how the real APIs misbehave, one request at a time.
//!
//! A fault is asked for with the `x-sandbox-fault` header, the `_sandbox_fault` query parameter,
//! or queued with `POST /_sandbox/faults` (`{"fault": "...", "operation_id": "...", "times": 1}`).
//! The text is a comma-separated list:
//!
//! | fault | answer |
//! |---|---|
//! | `latency=MS` | waits MS milliseconds before answering |
//! | `status=CODE` | HTTP CODE; 500 with `"Server internal error"`, others with `{success: false}` |
//! | `rate-limit` / `rate-limit=SECONDS` | 429, without / with `Retry-After: SECONDS` |
//! | `html-502` | 502 with an HTML body, as a proxy sends it |
//! | `malformed-json` | 200, `application/json`, a body cut in half (complete on the wire) |
//! | `truncated` | 200 whose connection closes half-way through the announced body |
//! | `drop` | the connection closes with no answer at all |
//! | `redirect=CODE` | HTTP CODE (3xx) with a `Location` elsewhere, which a client must not follow |
//! | `null-lists` | the normal answer with every top-level list replaced by `null` |
//! | `repeat-page` | a list's first page, whatever its cursor (`page_number`, `current_count`, ...) asked for |
//! | `warning=CODE` | the normal answer with `success: true` and `error_code: CODE` |
//! | `api-error=CODE` / `api-error=CODE@STATUS` | `{success: false, error_code: CODE}` (HTTP 200 or STATUS) |
//! | `huge-body=BYTES` | 200 announcing and streaming BYTES bytes (never held in memory) |
//! | `endless-body` | 200, chunked, a body that never ends (it stops after 10 GiB or 10 minutes) |
//! | `echo=STATUS` | HTTP STATUS with a text body echoing the request as received, token and all (as proxies and error pages do) |
//! | `echo-json=STATUS` | `{success: false, error_code: 100, message: <the request echoed>}` at HTTP STATUS |
//!
//! Refusals (`status=4xx`, `rate-limit`, `api-error`) answer before the operation runs: nothing
//! is journaled. For every other fault the operation takes effect first (a send is journaled)
//! and the fault then shapes the answer, which is what makes a lost answer to a send dangerous.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One way to misbehave.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Wait this long before answering.
    Latency(Duration),
    /// Answer with this HTTP status.
    Status(u16),
    /// Answer 429, with `Retry-After` seconds when given.
    RateLimit(Option<u64>),
    /// Answer 502 with an HTML page.
    Html502,
    /// Answer with half of the JSON body (complete on the wire).
    MalformedJson,
    /// Close the connection half-way through the announced body.
    Truncated,
    /// Close the connection without answering.
    Drop,
    /// Add this `error_code` to a successful answer.
    Warning(i64),
    /// Answer a list's first page whatever page was asked for (a server stuck on one page).
    RepeatPage,
    /// Answer this redirect status, pointing elsewhere (a client must not follow it).
    Redirect(u16),
    /// Answer with every top-level list as `null` (valid JSON that does not fit the spec).
    NullLists,
    /// Answer 200 with a body of this many bytes, streamed.
    HugeBody(u64),
    /// Answer 200 with a chunked body that never ends.
    EndlessBody,
    /// Answer this status with the request echoed in a text body.
    Echo(u16),
    /// Answer `{success: false}` at this status with the request echoed in its `message`.
    EchoJson(u16),
    /// Answer 200 with exactly these bytes, as JSON (a server's odd but valid, or broken, text).
    Body(Vec<u8>),
    /// Answer `{success: false}` with this code, at this status.
    ApiError {
        /// The `error_code`.
        code: i64,
        /// The HTTP status.
        status: u16,
    },
}

impl Fault {
    /// Whether the server refuses the request (a 4xx, a rate limit, an API error) instead of
    /// carrying it out: such faults apply before the operation runs.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Fault::Status(400..=499) | Fault::RateLimit(_) | Fault::ApiError { .. })
    }
}

/// A queued fault: the next `times` requests (of `operation_id`, or any) get it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FaultRule {
    /// The fault text, e.g. `status=503` or `latency=2000,drop`.
    pub fault: String,
    /// Only requests of this operation; any when absent.
    #[serde(default)]
    pub operation_id: Option<String>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// A rule for the next request of any operation.
    pub fn next(fault: impl Into<String>) -> Self {
        FaultRule { fault: fault.into(), operation_id: None, times: 1 }
    }

    /// Limits the rule to one operation.
    pub fn for_operation(mut self, operation_id: impl Into<String>) -> Self {
        self.operation_id = Some(operation_id.into());
        self
    }

    /// Applies the rule to `times` requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// Parses a fault text.
pub fn parse(text: &str) -> Result<Vec<Fault>, String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(parse_one).collect()
}

fn parse_one(item: &str) -> Result<Fault, String> {
    let (name, arg) = match item.split_once('=') {
        Some((name, arg)) => (name.trim(), Some(arg.trim())),
        None => (item, None),
    };
    let number = |what: &str| -> Result<i64, String> {
        arg.and_then(|a| a.parse().ok()).ok_or(format!("fault {name}: {what} expected, as {name}=N"))
    };
    Ok(match (name, arg) {
        ("latency", _) => Fault::Latency(Duration::from_millis(number("milliseconds")?.max(0) as u64)),
        ("status", _) => {
            let code = number("an HTTP status")?;
            if !(200..=599).contains(&code) {
                return Err(format!("fault status: {code} is not an HTTP status"));
            }
            Fault::Status(code as u16)
        }
        ("rate-limit", None) => Fault::RateLimit(None),
        ("rate-limit", Some(_)) => Fault::RateLimit(Some(number("seconds")?.max(0) as u64)),
        ("html-502", None) => Fault::Html502,
        ("malformed-json", None) => Fault::MalformedJson,
        ("truncated", None) => Fault::Truncated,
        ("drop", None) => Fault::Drop,
        ("repeat-page", None) => Fault::RepeatPage,
        ("null-lists", None) => Fault::NullLists,
        ("huge-body", _) => Fault::HugeBody(number("a size in bytes")?.max(0) as u64),
        ("endless-body", None) => Fault::EndlessBody,
        ("echo" | "echo-json", _) => {
            let code = number("an HTTP status")?;
            if !(200..=599).contains(&code) {
                return Err(format!("fault {name}: {code} is not an HTTP status"));
            }
            if name == "echo" { Fault::Echo(code as u16) } else { Fault::EchoJson(code as u16) }
        }
        ("redirect", _) => {
            let code = number("a 3xx status")?;
            if !(300..=399).contains(&code) {
                return Err(format!("fault redirect: {code} is not a redirect status"));
            }
            Fault::Redirect(code as u16)
        }
        ("warning", _) => Fault::Warning(number("an error code")?),
        ("body-hex", Some(arg)) => {
            Fault::Body(from_hex(arg).ok_or("fault body-hex: the bytes in hex expected")?)
        }
        ("api-error", Some(arg)) => {
            let (code, status) = arg.split_once('@').unwrap_or((arg, "200"));
            let code = code.parse().map_err(|_| format!("fault api-error: bad code {code:?}"))?;
            let status: u16 =
                status.parse().map_err(|_| format!("fault api-error: bad status {status:?}"))?;
            Fault::ApiError { code, status }
        }
        _ => return Err(format!("unknown fault {item:?} (see the sandbox's faults documentation)")),
    })
}

/// The bytes written in hex (two digits each, either case).
fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let digit = |d: u8| (d as char).to_digit(16);
    digits.chunks(2).map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)).collect()
}

/// The message the real API gives with an error code.
pub fn message_for(code: i64) -> &'static str {
    match code {
        100 => "Invalid access token",
        102 => "Missing access token",
        103 => "Session expired",
        105 => "Access token has been renewed, or you have no permission for this page",
        121 => "Subscription problem: no seat is available",
        122 => "The subscription of this page has expired",
        10 | 551 => "This message is sent outside of allowed window",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fault() {
        let all = parse(
            "latency=250, status=503, rate-limit, rate-limit=2, html-502, malformed-json, truncated, drop, warning=121, api-error=105, api-error=100@401, repeat-page, redirect=307, null-lists, huge-body=1024, endless-body, echo=502, echo-json=401, body-hex=7B7d0aFF",
        )
        .unwrap();
        assert_eq!(
            all,
            vec![
                Fault::Latency(Duration::from_millis(250)),
                Fault::Status(503),
                Fault::RateLimit(None),
                Fault::RateLimit(Some(2)),
                Fault::Html502,
                Fault::MalformedJson,
                Fault::Truncated,
                Fault::Drop,
                Fault::Warning(121),
                Fault::ApiError { code: 105, status: 200 },
                Fault::ApiError { code: 100, status: 401 },
                Fault::RepeatPage,
                Fault::Redirect(307),
                Fault::NullLists,
                Fault::HugeBody(1024),
                Fault::EndlessBody,
                Fault::Echo(502),
                Fault::EchoJson(401),
                Fault::Body(vec![0x7b, 0x7d, 0x0a, 0xff]),
            ]
        );
    }

    #[test]
    fn refuses_unknown_or_malformed_faults() {
        assert!(parse("explode").unwrap_err().contains("unknown fault"));
        assert!(parse("status=abc").unwrap_err().contains("status"));
        assert!(parse("status=99").is_err());
        for odd in ["body-hex", "body-hex=7", "body-hex=zz", "body-hex=7b7"] {
            assert!(parse(odd).unwrap_err().contains("body-hex"), "{odd}");
        }
    }
}
