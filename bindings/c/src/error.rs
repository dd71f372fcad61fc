//! Result codes, and the last error of each thread.

use std::cell::RefCell;
use std::ffi::{CString, c_char};

/// The outcome of a call. Anything but `PK_RESULT_OK` leaves the outputs untouched and sets
/// the thread's last error ([`pk_last_error`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum pk_result {
    /// Success; the outputs are written.
    PK_RESULT_OK = 0,
    /// A NULL pointer, or a string that is not UTF-8 or not valid JSON; nothing was sent.
    PK_RESULT_INVALID_ARGUMENT = 1,
    /// An input the API would refuse (named in the message); nothing was sent.
    PK_RESULT_VALIDATION = 2,
    /// The client has no token of the kind the operation needs; nothing was sent.
    PK_RESULT_MISSING_CREDENTIAL = 3,
    /// No (complete) answer: the connection failed (a read was retried first).
    PK_RESULT_TRANSPORT = 4,
    /// The request timed out (a read was retried first).
    PK_RESULT_TIMEOUT = 5,
    /// An error status without an API error object ([`pk_last_error_status`]).
    PK_RESULT_HTTP_STATUS = 6,
    /// `success: false` from the API ([`pk_last_error_api_code`], [`pk_last_error_status`]).
    PK_RESULT_API_ERROR = 7,
    /// A send failed after it left: it may have been delivered. Never retried; check before
    /// sending again.
    PK_RESULT_OUTCOME_UNKNOWN = 8,
    /// A success whose body does not decode (for a send: it went out).
    PK_RESULT_DECODE = 9,
    /// A list's server repeated a page; the walk stopped.
    PK_RESULT_PAGINATION = 10,
    /// The library panicked (a bug); the call did not complete.
    PK_RESULT_PANIC = 11,
    /// The answer was larger than the limit (`pk_options_set_max_response_bytes`); reading stopped there. The
    /// request reached the server: a send may have been carried out.
    PK_RESULT_TOO_LARGE = 12,
    /// A failure of a kind this library's version does not name (a newer SDK's); the message
    /// says what happened.
    PK_RESULT_OTHER = 13,
}

struct LastError {
    message: CString,
    status: u16,
    api_code: Option<i64>,
}

thread_local! {
    static LAST: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Records the thread's last error.
pub(crate) fn record(code: pk_result, message: String, status: u16, api_code: Option<i64>) -> pk_result {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let _ = LAST.try_with(|last| *last.borrow_mut() = Some(LastError { message, status, api_code }));
    code
}

/// An invalid argument, recorded.
pub(crate) fn invalid(message: &str) -> pk_result {
    record(pk_result::PK_RESULT_INVALID_ARGUMENT, message.to_string(), 0, None)
}

/// The result code of an SDK error kind.
pub(crate) fn code(kind: pancake_sdk::ErrorKind) -> pk_result {
    use pancake_sdk::ErrorKind as K;
    match kind {
        K::InvalidRequest => pk_result::PK_RESULT_VALIDATION,
        K::MissingCredential => pk_result::PK_RESULT_MISSING_CREDENTIAL,
        K::Transport => pk_result::PK_RESULT_TRANSPORT,
        K::Timeout | K::Deadline => pk_result::PK_RESULT_TIMEOUT,
        K::TooLarge => pk_result::PK_RESULT_TOO_LARGE,
        K::Status => pk_result::PK_RESULT_HTTP_STATUS,
        K::Api => pk_result::PK_RESULT_API_ERROR,
        K::OutcomeUnknown => pk_result::PK_RESULT_OUTCOME_UNKNOWN,
        K::Decode => pk_result::PK_RESULT_DECODE,
        K::Pagination => pk_result::PK_RESULT_PAGINATION,
        _ => pk_result::PK_RESULT_OTHER,
    }
}

/// The SDK's error as a result code, recorded.
pub(crate) fn fail(error: pancake_sdk::Error) -> pk_result {
    let code = code(error.kind());
    let status = error.status().map_or(0, |s| s.as_u16());
    record(code, error.to_string(), status, error.error_code())
}

/// The message of this thread's last error (static until the thread's next failing call; do
/// not free), or an empty string when there is none. Never shows a token of the client: the
/// SDK redacts it, server text included.
#[unsafe(no_mangle)]
pub extern "C" fn pk_last_error() -> *const c_char {
    LAST.try_with(|last| match last.borrow().as_ref() {
        Some(error) => error.message.as_ptr(),
        None => c"".as_ptr(),
    })
    .unwrap_or(c"".as_ptr())
}

/// The HTTP status of this thread's last error, or 0 when no answer came.
#[unsafe(no_mangle)]
pub extern "C" fn pk_last_error_status() -> u16 {
    LAST.try_with(|last| last.borrow().as_ref().map_or(0, |e| e.status)).unwrap_or(0)
}

/// Writes the API's `error_code` of this thread's last error to `*out` and returns true, or
/// returns false when it had none (`out` is then untouched).
///
/// Safety: `out` is NULL (then only the answer is given) or points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_last_error_api_code(out: *mut i64) -> bool {
    let code = LAST.try_with(|last| last.borrow().as_ref().and_then(|e| e.api_code)).ok().flatten();
    match code {
        Some(code) => {
            if !out.is_null() {
                unsafe { *out = code };
            }
            true
        }
        None => false,
    }
}

/// The name of a result code, e.g. `"PK_RESULT_TIMEOUT"`, or `"PK_RESULT_UNKNOWN"` for a value
/// that is none (static; do not free). Takes an `int` so that any value is safe to pass.
#[unsafe(no_mangle)]
pub extern "C" fn pk_result_name(result: std::ffi::c_int) -> *const c_char {
    use pk_result as R;
    let known = [
        R::PK_RESULT_OK,
        R::PK_RESULT_INVALID_ARGUMENT,
        R::PK_RESULT_VALIDATION,
        R::PK_RESULT_MISSING_CREDENTIAL,
        R::PK_RESULT_TRANSPORT,
        R::PK_RESULT_TIMEOUT,
        R::PK_RESULT_HTTP_STATUS,
        R::PK_RESULT_API_ERROR,
        R::PK_RESULT_OUTCOME_UNKNOWN,
        R::PK_RESULT_DECODE,
        R::PK_RESULT_PAGINATION,
        R::PK_RESULT_PANIC,
        R::PK_RESULT_TOO_LARGE,
        R::PK_RESULT_OTHER,
    ];
    let Some(result) = known.into_iter().find(|r| *r as std::ffi::c_int == result) else {
        return c"PK_RESULT_UNKNOWN".as_ptr();
    };
    let name = match result {
        R::PK_RESULT_OK => c"PK_RESULT_OK",
        R::PK_RESULT_INVALID_ARGUMENT => c"PK_RESULT_INVALID_ARGUMENT",
        R::PK_RESULT_VALIDATION => c"PK_RESULT_VALIDATION",
        R::PK_RESULT_MISSING_CREDENTIAL => c"PK_RESULT_MISSING_CREDENTIAL",
        R::PK_RESULT_TRANSPORT => c"PK_RESULT_TRANSPORT",
        R::PK_RESULT_TIMEOUT => c"PK_RESULT_TIMEOUT",
        R::PK_RESULT_HTTP_STATUS => c"PK_RESULT_HTTP_STATUS",
        R::PK_RESULT_API_ERROR => c"PK_RESULT_API_ERROR",
        R::PK_RESULT_OUTCOME_UNKNOWN => c"PK_RESULT_OUTCOME_UNKNOWN",
        R::PK_RESULT_DECODE => c"PK_RESULT_DECODE",
        R::PK_RESULT_PAGINATION => c"PK_RESULT_PAGINATION",
        R::PK_RESULT_PANIC => c"PK_RESULT_PANIC",
        R::PK_RESULT_TOO_LARGE => c"PK_RESULT_TOO_LARGE",
        R::PK_RESULT_OTHER => c"PK_RESULT_OTHER",
    };
    name.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_has_a_code_of_its_own() {
        use pancake_sdk::ErrorKind as K;
        let codes: std::collections::BTreeSet<i32> = K::ALL.iter().map(|k| code(*k) as i32).collect();
        assert!(!codes.contains(&(pk_result::PK_RESULT_OTHER as i32)));
        assert!(!codes.contains(&(pk_result::PK_RESULT_OK as i32)));
        // Only a timeout and a passed deadline share one (PK_RESULT_TIMEOUT).
        assert_eq!(codes.len(), K::ALL.len() - 1);
    }
}
