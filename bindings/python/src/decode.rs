//! JSON bytes into Python objects in one pass, with no `serde_json::Value` in between: objects
//! become dicts, arrays lists, and numbers, strings, booleans and null what `json.loads` makes
//! of them (an integer beyond 64 bits becomes a float). A key met again in the same text (every
//! customer of a page has the same keys) is made once and shared. The GIL is held for this
//! pass only. Nesting is bounded by `serde_json`'s recursion limit, so no text can exhaust the
//! stack.

use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The Python object of a JSON text, checked as it is read: its UTF-8 once as a whole (then its
/// strings are not checked again one by one), its grammar during the one pass that builds the
/// objects.
pub fn to_python<'py>(py: Python<'py>, json: &[u8]) -> Result<Bound<'py, PyAny>, serde_json::Error> {
    let json = std::str::from_utf8(json).map_err(|e| {
        <serde_json::Error as de::Error>::custom(format_args!("the answer is not UTF-8: {e}"))
    })?;
    let mut keys = Keys::default();
    let mut text = serde_json::Deserializer::from_str(json);
    let value = Seed { py, keys: &mut keys }.deserialize(&mut text)?;
    text.end()?;
    Ok(value)
}

/// The keys made so far, by their text (hashed with foldhash, seeded per process: much cheaper
/// than SipHash on short keys, and a server cannot choose colliding ones).
type Keys<'de, 'py> = HashMap<&'de str, Bound<'py, PyString>, foldhash::fast::RandomState>;

struct Seed<'a, 'de, 'py> {
    py: Python<'py>,
    keys: &'a mut Keys<'de, 'py>,
}

fn failed<E: de::Error>(error: PyErr) -> E {
    E::custom(format_args!("cannot make the Python object: {error}"))
}

impl<'de, 'py> DeserializeSeed<'de> for Seed<'_, 'de, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Seed<'_, 'de, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        let Ok(flag) = v.into_pyobject(self.py);
        Ok(flag.to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let Ok(number) = v.into_pyobject(self.py);
        Ok(number.into_any())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(Seed { py: self.py, keys: &mut *self.keys })? {
            list.append(item).map_err(failed)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key_seed(Key { py: self.py, keys: &mut *self.keys })? {
            let value = map.next_value_seed(Seed { py: self.py, keys: &mut *self.keys })?;
            dict.set_item(key, value).map_err(failed)?;
        }
        Ok(dict.into_any())
    }
}

/// A key: shared when its text was met before (and holds no escape).
struct Key<'a, 'de, 'py> {
    py: Python<'py>,
    keys: &'a mut Keys<'de, 'py>,
}

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'de, 'py> {
    type Value = Bound<'py, PyString>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'de, 'py> {
    type Value = Bound<'py, PyString>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        let py = self.py;
        Ok(self.keys.entry(v).or_insert_with(|| PyString::new(py, v)).clone())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v))
    }
}
