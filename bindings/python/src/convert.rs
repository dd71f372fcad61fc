//! Python arguments into JSON, refusing what cannot be sent before anything is: structures
//! nested deeper than [`MAX_DEPTH`] or that contain themselves, non-finite floats, integers
//! beyond 64 bits, keys that are not strings, and values of other types. Each refusal names
//! the argument (`body.data.content.messages[2]`). The walk is bounded by [`MAX_DEPTH`], so no
//! input can exhaust the stack.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// The deepest nesting an argument may have (the APIs' bodies need a handful of levels).
pub const MAX_DEPTH: usize = 64;

/// Why an argument was refused: the field it names, and what is wrong.
pub struct Refusal {
    pub field: String,
    pub message: String,
}

/// The JSON of a dict of arguments.
pub fn arguments(args: &Bound<'_, PyAny>) -> Result<Value, Refusal> {
    let mut walk = Walk { path: Vec::new(), open: Vec::new() };
    match args.cast::<PyDict>() {
        Ok(_) => walk.value(args),
        Err(_) => Err(Refusal { field: "arguments".into(), message: "must be a dict".into() }),
    }
}

struct Walk {
    /// Keys and indices from the root to the value being converted.
    path: Vec<String>,
    /// The containers being converted (their addresses), to find one that contains itself.
    open: Vec<usize>,
}

impl Walk {
    fn field(&self) -> String {
        let mut field = String::new();
        for part in &self.path {
            if part.starts_with('[') || field.is_empty() {
                field.push_str(part);
            } else {
                field.push('.');
                field.push_str(part);
            }
        }
        if field.is_empty() { "arguments".into() } else { field }
    }

    fn refuse(&self, message: impl Into<String>) -> Refusal {
        Refusal { field: self.field(), message: message.into() }
    }

    fn value(&mut self, value: &Bound<'_, PyAny>) -> Result<Value, Refusal> {
        if value.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(flag) = value.cast::<PyBool>() {
            return Ok(Value::Bool(flag.is_true()));
        }
        if value.cast::<PyInt>().is_ok() {
            if let Ok(n) = value.extract::<i64>() {
                return Ok(Value::from(n));
            }
            if let Ok(n) = value.extract::<u64>() {
                return Ok(Value::from(n));
            }
            return Err(self.refuse("is an integer outside the 64-bit range the API takes"));
        }
        if let Ok(float) = value.cast::<PyFloat>() {
            let x = float.value();
            return Number::from_f64(x)
                .map(Value::Number)
                .ok_or_else(|| self.refuse(format!("must be a finite number, got {x}")));
        }
        if let Ok(text) = value.cast::<PyString>() {
            return text.to_cow().map(|s| Value::String(s.into_owned())).map_err(|_| {
                self.refuse("is a string that is not valid Unicode (it holds a lone surrogate)")
            });
        }
        let is_dict = value.cast::<PyDict>().is_ok();
        let is_list = value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok();
        if !is_dict && !is_list {
            let kind = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
            return Err(self.refuse(format!(
                "a {kind} cannot be sent: use None, a bool, an int, a float, a str, a list or a dict"
            )));
        }
        let address = value.as_ptr() as usize;
        if self.open.contains(&address) {
            return Err(self.refuse("contains itself (a cycle)"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(self.refuse(format!("is nested deeper than {MAX_DEPTH} levels")));
        }
        self.open.push(address);
        let converted =
            if let Ok(dict) = value.cast::<PyDict>() { self.dict(dict) } else { self.list(value) };
        self.open.pop();
        converted
    }

    fn dict(&mut self, dict: &Bound<'_, PyDict>) -> Result<Value, Refusal> {
        let mut map = Map::new();
        // A snapshot of the items (no code of the caller's runs to make it, and a key's
        // `__str__` is never called), so that nothing can change the dict while it is walked.
        for entry in dict.items().iter() {
            let Ok((key, item)) = entry.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>() else {
                return Err(self.refuse("cannot be read"));
            };
            let Ok(key) = key
                .cast::<PyString>()
                .map_err(|_| ())
                .and_then(|k| k.to_cow().map(|c| c.into_owned()).map_err(|_| ()))
            else {
                return Err(self.refuse("has a key that is not a str"));
            };
            self.path.push(key.clone());
            let converted = self.value(&item);
            self.path.pop();
            map.insert(key, converted?);
        }
        Ok(Value::Object(map))
    }

    fn list(&mut self, list: &Bound<'_, PyAny>) -> Result<Value, Refusal> {
        // The items as stored (a subclass's `__iter__` never runs, so it cannot be endless).
        let stored: Vec<Bound<'_, PyAny>> = match (list.cast::<PyList>(), list.cast::<PyTuple>()) {
            (Ok(list), _) => list.iter().collect(),
            (_, Ok(tuple)) => tuple.iter().collect(),
            _ => return Err(self.refuse("cannot be iterated")),
        };
        let mut items = Vec::with_capacity(stored.len());
        for (index, item) in stored.into_iter().enumerate() {
            self.path.push(format!("[{index}]"));
            let converted = self.value(&item);
            self.path.pop();
            items.push(converted?);
        }
        Ok(Value::Array(items))
    }
}
