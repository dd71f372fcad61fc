//! Webhooks for C: an event read from a delivery's body (its kind, type, page, JSON), and the
//! SDK's receiver to put behind a server of your own.

use std::ffi::{CString, c_char};
use std::time::Duration;

use pancake_sdk::webhooks::{Event, Events, Receiver};

use crate::error::{invalid, record};
use crate::generated::{kind_of, pk_webhook_kind};
use crate::{guard, input, pk_result};

/// One webhook event (opaque): read it with the `pk_webhook_event_*` functions, release it
/// with [`pk_webhook_event_free`]. The strings it returns live as long as it does.
pub struct pk_webhook_event {
    kind: pk_webhook_kind,
    event_type: CString,
    page_id: Option<CString>,
    request_id: Option<CString>,
    version: Option<i64>,
    untyped: Option<CString>,
    json: CString,
}

/// A C string of a JSON text (NUL, which JSON strings may hold, becomes U+FFFD).
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default()
}

impl pk_webhook_event {
    fn new(event: &Event) -> pk_webhook_event {
        pk_webhook_event {
            kind: kind_of(event.event_type()),
            event_type: c_text(event.event_type()),
            page_id: event.page_id().map(c_text),
            request_id: event.request_id().map(c_text),
            version: event.order().map(|(_, version)| version),
            untyped: match event.payload() {
                pancake_sdk::webhooks::Payload::Untyped { reason, .. } => Some(c_text(reason)),
                _ => None,
            },
            json: c_text(&event.json().to_string()),
        }
    }
}

/// Reads a delivery's body (`len` bytes of JSON) into an event. An `event_type` the library
/// does not know is `PK_WEBHOOK_UNKNOWN`, and a known one whose fields no longer fit the spec
/// is an event too ([`pk_webhook_event_untyped_reason`]): neither is an error.
/// `PK_RESULT_VALIDATION` when the body is no event at all (not JSON, not an object, no
/// `event_type`): [`crate::pk_last_error`] says why, never repeating the body.
///
/// Safety: `body` points to `len` readable bytes (or is NULL with `len` 0); `out` points to
/// writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_parse(
    body: *const u8,
    len: usize,
    out: *mut *mut pk_webhook_event,
) -> pk_result {
    guard(|| {
        input::non_null("out", out)?;
        let body = unsafe { bytes("body", body, len)? };
        let event = Event::from_slice(body)
            .map_err(|e| record(pk_result::PK_RESULT_VALIDATION, e.to_string(), 0, None))?;
        unsafe { *out = Box::into_raw(Box::new(pk_webhook_event::new(&event))) };
        Ok(())
    })
}

/// `len` bytes at `ptr` (NULL allowed when `len` is 0).
unsafe fn bytes<'a>(name: &str, ptr: *const u8, len: usize) -> Result<&'a [u8], pk_result> {
    if len == 0 {
        return Ok(&[]);
    }
    input::non_null(name, ptr.cast_mut())?;
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The event's kind; `PK_WEBHOOK_UNKNOWN` for NULL.
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_kind(event: *const pk_webhook_event) -> pk_webhook_kind {
    unsafe { event.as_ref() }.map_or(pk_webhook_kind::PK_WEBHOOK_UNKNOWN, |e| e.kind)
}

/// The event's `event_type` (`""` for NULL); it lives as long as the event.
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_type(event: *const pk_webhook_event) -> *const c_char {
    unsafe { event.as_ref() }.map_or(c"".as_ptr(), |e| e.event_type.as_ptr())
}

/// The page the event happened on, or NULL (`subscription` events have none).
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_page_id(event: *const pk_webhook_event) -> *const c_char {
    unsafe { event.as_ref() }.and_then(|e| e.page_id.as_ref()).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The delivery's id, or NULL for the events that carry none.
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_request_id(event: *const pk_webhook_event) -> *const c_char {
    unsafe { event.as_ref() }.and_then(|e| e.request_id.as_ref()).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Writes a `conversation` event's version to `*out`; false (nothing written) for an event
/// without one.
///
/// Safety: `event` is NULL or an event of this library; `out` points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_version(event: *const pk_webhook_event, out: *mut i64) -> bool {
    match (unsafe { event.as_ref() }.and_then(|e| e.version), out.is_null()) {
        (Some(version), false) => {
            unsafe { *out = version };
            true
        }
        _ => false,
    }
}

/// For a known event type whose fields do not fit the spec (the API changed): which field,
/// never its value; NULL for an event that fits (or an unknown type). It lives as long as the
/// event.
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_untyped_reason(event: *const pk_webhook_event) -> *const c_char {
    unsafe { event.as_ref() }.and_then(|e| e.untyped.as_ref()).map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The whole event as compact JSON, every field as sent (`"{}"` for NULL); it lives as long
/// as the event.
///
/// Safety: `event` is NULL or an event of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_json(event: *const pk_webhook_event) -> *const c_char {
    unsafe { event.as_ref() }.map_or(c"{}".as_ptr(), |e| e.json.as_ptr())
}

/// Releases an event; NULL is accepted.
///
/// Safety: `event` is NULL or an event of this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_event_free(event: *mut pk_webhook_event) {
    if !event.is_null() {
        drop(unsafe { Box::from_raw(event) });
    }
}

/// A webhook receiver (opaque), to put behind an HTTP server of your own: pass each request
/// to [`pk_webhook_receiver_handle`] and answer the status it gives; read the events with
/// [`pk_webhook_receiver_next`], each once, the updates of a conversation in version order.
/// Handling may happen on several threads; `next` on one at a time.
pub struct pk_webhook_receiver {
    receiver: Receiver,
    events: std::sync::Mutex<Events>,
    pid: u32,
}

/// Makes a receiver whose URL ends with `secret` (16 characters or more, no `/`); a
/// conversation update waits `reorder_window_ms` for older ones that are late.
///
/// Safety: `secret` is a NUL-terminated string; `out` points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_receiver_new(
    secret: *const c_char,
    reorder_window_ms: u32,
    out: *mut *mut pk_webhook_receiver,
) -> pk_result {
    guard(|| {
        input::non_null("out", out)?;
        let secret = unsafe { input::required_str("secret", secret)? };
        let (receiver, events) = Receiver::builder(secret)
            .reorder_window(Duration::from_millis(reorder_window_ms.into()))
            .build()
            .map_err(|weak| invalid(&weak.to_string()))?;
        let made =
            pk_webhook_receiver { receiver, events: std::sync::Mutex::new(events), pid: std::process::id() };
        unsafe { *out = Box::into_raw(Box::new(made)) };
        Ok(())
    })
}

/// Handles one request (`method`, the URL's `path`, the body's `len` bytes): writes the status
/// to answer to `*out_status`. Never blocks: the event is queued for
/// [`pk_webhook_receiver_next`]. The answer's text is not needed (any short text will do).
///
/// Safety: `receiver` is a receiver of this library; `method` and `path` are NUL-terminated
/// strings; `body` points to `len` readable bytes (or is NULL with `len` 0); `out_status`
/// points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_receiver_handle(
    receiver: *const pk_webhook_receiver,
    method: *const c_char,
    path: *const c_char,
    body: *const u8,
    len: usize,
    out_status: *mut u16,
) -> pk_result {
    guard(|| {
        let receiver = unsafe { input::reference("receiver", receiver)? };
        input::non_null("out_status", out_status)?;
        let method = unsafe { input::required_str("method", method)? };
        let path = unsafe { input::required_str("path", path)? };
        let body = unsafe { bytes("body", body, len)? };
        let answer = receiver.receiver.handle(&method, &path, body);
        unsafe { *out_status = answer.status };
        Ok(())
    })
}

/// Writes the next event to `*out` (release it with [`pk_webhook_event_free`]), waiting up to
/// `timeout_ms`; `*out` is NULL when none came.
///
/// Safety: `receiver` is a receiver of this library; `out` points to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_receiver_next(
    receiver: *const pk_webhook_receiver,
    timeout_ms: u32,
    out: *mut *mut pk_webhook_event,
) -> pk_result {
    guard(|| {
        let receiver = unsafe { input::reference("receiver", receiver)? };
        input::non_null("out", out)?;
        if pancake_sdk::blocking::forked_since(receiver.pid) {
            return Err(invalid("the receiver was made before a fork: make one in this process"));
        }
        let mut events = receiver.events.lock().unwrap_or_else(|p| p.into_inner());
        let timeout = Duration::from_millis(timeout_ms.into());
        let next = pancake_sdk::blocking::block_on(events.next_within(timeout))
            .map_err(|e| invalid(&format!("cannot start the runtime: {e}")))?;
        let made = next.map_or(std::ptr::null_mut(), |e| Box::into_raw(Box::new(pk_webhook_event::new(&e))));
        unsafe { *out = made };
        Ok(())
    })
}

/// Releases a receiver; NULL is accepted.
///
/// Safety: `receiver` is NULL or a receiver of this library, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pk_webhook_receiver_free(receiver: *mut pk_webhook_receiver) {
    if !receiver.is_null() {
        let receiver = unsafe { Box::from_raw(receiver) };
        let made_in = receiver.pid;
        pancake_sdk::blocking::release(receiver, made_in);
    }
}
