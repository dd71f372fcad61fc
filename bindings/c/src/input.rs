//! Checks of the arguments C hands over: pointers, UTF-8, JSON.

use std::ffi::{CStr, c_char};

use serde_json::{Map, Value};

use crate::error::invalid;
use crate::pk_result;

/// Refuses a NULL output pointer.
pub(crate) fn non_null<T>(name: &str, ptr: *mut T) -> Result<(), pk_result> {
    if ptr.is_null() { Err(invalid(&format!("{name} is NULL"))) } else { Ok(()) }
}

/// A reference to a handle, refusing NULL.
pub(crate) unsafe fn reference<'a, T>(name: &str, ptr: *const T) -> Result<&'a T, pk_result> {
    unsafe { ptr.as_ref() }.ok_or_else(|| invalid(&format!("{name} is NULL")))
}

/// A string that may be NULL (absent); refuses invalid UTF-8.
pub(crate) unsafe fn optional_str(name: &str, ptr: *const c_char) -> Result<Option<String>, pk_result> {
    if ptr.is_null() {
        return Ok(None);
    }
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map(|s| Some(s.to_string())).map_err(|_| invalid(&format!("{name} is not valid UTF-8")))
}

/// A string that must be given.
pub(crate) unsafe fn required_str(name: &str, ptr: *const c_char) -> Result<String, pk_result> {
    unsafe { optional_str(name, ptr) }?.ok_or_else(|| invalid(&format!("{name} is NULL")))
}

/// A JSON object given as text (NULL: an empty object).
pub(crate) unsafe fn json_object(name: &str, ptr: *const c_char) -> Result<Map<String, Value>, pk_result> {
    match unsafe { optional_str(name, ptr) }? {
        None => Ok(Map::new()),
        Some(text) => match serde_json::from_str(&text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(invalid(&format!("{name} is not a JSON object"))),
            Err(e) => Err(invalid(&format!("{name} is not valid JSON: {e}"))),
        },
    }
}

/// Any JSON value given as text, which must be present.
pub(crate) unsafe fn json_value(name: &str, ptr: *const c_char) -> Result<Value, pk_result> {
    let text = unsafe { required_str(name, ptr) }?;
    serde_json::from_str(&text).map_err(|e| invalid(&format!("{name} is not valid JSON: {e}")))
}

/// An array of integers given as a pointer and a length.
pub(crate) unsafe fn int_array(name: &str, ptr: *const i64, len: usize) -> Result<Value, pk_result> {
    if len == 0 {
        return Ok(Value::Array(Vec::new()));
    }
    if ptr.is_null() {
        return Err(invalid(&format!("{name} is NULL with a length of {len}")));
    }
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    Ok(Value::Array(items.iter().map(|i| Value::from(*i)).collect()))
}

/// An array of strings given as a pointer and a length; `None` (absent) when the pointer is NULL
/// and the length 0. Every string must be non-NULL UTF-8.
pub(crate) unsafe fn str_array(
    name: &str,
    ptr: *const *const c_char,
    len: usize,
) -> Result<Option<Value>, pk_result> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(invalid(&format!("{name} is NULL with a length of {len}")))
        };
    }
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    let mut values = Vec::with_capacity(len);
    for (i, item) in items.iter().enumerate() {
        values.push(Value::String(unsafe { required_str(&format!("{name}[{i}]"), *item) }?));
    }
    Ok(Some(Value::Array(values)))
}

/// The file of an upload: `len` bytes at `ptr` (copied), named `name`, of the MIME type
/// `mime_type` (NULL: guessed from the name), for the platform `platform` (NULL: `other`).
pub(crate) unsafe fn upload(
    field: &str,
    ptr: *const u8,
    len: usize,
    name: *const c_char,
    mime_type: *const c_char,
    platform: *const c_char,
) -> Result<pancake_sdk::Upload, pk_result> {
    if ptr.is_null() && len > 0 {
        return Err(invalid(&format!("{field} is NULL with a length of {len}")));
    }
    let bytes = if len == 0 { Vec::new() } else { unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec() };
    let name = unsafe { required_str(&format!("{field}_name"), name) }?;
    let mut upload = pancake_sdk::Upload::bytes(name, bytes);
    if let Some(mime_type) = unsafe { optional_str("mime_type", mime_type) }? {
        upload = upload.mime_type(mime_type);
    }
    if let Some(platform) = unsafe { optional_str("platform", platform) }? {
        upload = upload.platform(platform);
    }
    Ok(upload)
}

/// The files of a media send: `len` [`crate::pk_file`]s at `ptr`.
pub(crate) unsafe fn files(
    name: &str,
    ptr: *const crate::pk_file,
    len: usize,
) -> Result<Vec<pancake_sdk::Upload>, pk_result> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(Vec::new())
        } else {
            Err(invalid(&format!("{name} is NULL with a length of {len}")))
        };
    }
    let files = unsafe { std::slice::from_raw_parts(ptr, len) };
    files
        .iter()
        .enumerate()
        .map(|(i, file)| unsafe {
            upload(&format!("{name}[{i}]"), file.data, file.len, file.name, file.mime_type, std::ptr::null())
        })
        .collect()
}
