//! JSON bytes into Python objects in two passes, so that the GIL is held only for the second:
//!
//! 1. [`Tape::read`], without the GIL: simd-json checks the text (UTF-8, grammar, nesting) and
//!    parses it into a tape, unescaping its strings in place in a copy of the text; that tape
//!    becomes ours, where every key met again has the id of its first copy (an object's keys
//!    are first compared with those of the last object at its depth, which are mostly the
//!    same, before any is hashed), and so has a short string value under a key whose values
//!    repeat.
//! 2. [`Tape::to_python`], with the GIL: objects become dicts, arrays lists, and numbers,
//!    strings, booleans and null what `json.loads` makes of them (an integer beyond 64 bits
//!    becomes a float). A string met again is made once and shared.
//!
//! Nesting is bounded (`MAX_DEPTH`, what `serde_json` accepts), so no text can exhaust the stack in
//! either pass; the shared strings are bounded in number, so a text of ever new ones
//! costs no more than one without sharing.

use std::cell::RefCell;
use std::collections::HashMap;

use pancake_sdk::Json;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::{PyErr, ffi};
use serde::de;
use simd_json::{Node as Parsed, StaticNode};

/// The deepest nesting of arrays and objects read: 127 levels, as `serde_json` reads (simd-json
/// refuses a level past this number).
const MAX_DEPTH: usize = 127;
/// A string value this long or shorter is shared with its equals (names of cities, genders,
/// statuses); a longer one is made on its own.
const SHARED_VALUE_MAX: usize = 32;
/// A key this long or shorter is shared with its equals.
const SHARED_KEY_MAX: usize = 64;
/// At most this many distinct strings are shared; later ones are made on their own.
const SHARED_MAX: usize = 4096;
/// The values of a key are shared while at least a quarter of them are met again, judged after
/// this many (ids, dates and phone numbers never repeat; genders and cities do).
const SHARING_TRIAL: u32 = 16;
/// The parser's buffers are kept for the thread's next answer after one of at most this many
/// bytes and `KEEP_NODES_MAX` nodes (a few MiB per thread at most); after a larger one they
/// are dropped.
const KEEP_BUFFERS_MAX: usize = 256 * 1024;
const KEEP_NODES_MAX: usize = 32 * 1024;

thread_local! {
    /// This thread's parser buffers and tape, kept between answers.
    static PARSER: RefCell<Option<(simd_json::Buffers, simd_json::Tape<'static>)>> = const { RefCell::new(None) };
}

/// A JSON text read into nodes (see the module's documentation), ready to become Python
/// objects.
pub struct Tape {
    /// A copy of the text in which the strings were unescaped in place: each string's bytes
    /// are UTF-8 (checked by the parser), the whole need not be.
    text: Vec<u8>,
    nodes: Vec<Node>,
    texts: Vec<Text>,
}

#[derive(Clone, Copy)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A string, by text id.
    Str(u32),
    /// An array of so many values (the nodes that follow).
    List(u32),
    /// An object of so many pairs (each a `Str` key node and a value).
    Dict(u32),
}

/// Where a string is in the tape's text, and how many nodes refer to it.
#[derive(Clone, Copy)]
struct Text {
    start: u32,
    len: u32,
    uses: u32,
}

/// A failure to read a text, as `serde_json`'s error type (what the SDK's errors carry).
fn refused(message: impl std::fmt::Display) -> serde_json::Error {
    de::Error::custom(message)
}

impl Tape {
    /// Reads a JSON text; fails on a text that is not JSON (RFC 8259) or not UTF-8.
    pub fn read(json: &Json) -> Result<Tape, serde_json::Error> {
        let bytes = json.as_bytes();
        let size = bytes.len();
        if u32::try_from(size).is_err() {
            return Err(refused("the answer is too large to decode (4 GiB or more)"));
        }
        // The parser reads whole blocks: the copy ends with padding that is not part of the text.
        let mut text = Vec::with_capacity(size + simd_json::INPUT_PADDING);
        text.extend_from_slice(bytes);
        text.resize(size + simd_json::INPUT_PADDING, 0);
        let base = text.as_ptr() as usize;
        // (Not at hand while the thread ends: fresh buffers then.)
        let kept = PARSER.try_with(|kept| kept.borrow_mut().take()).ok().flatten();
        let (mut buffers, parsed) = kept
            .unwrap_or_else(|| (simd_json::Buffers::with_max_depth(0, MAX_DEPTH), simd_json::Tape::null()));
        let mut parsed = parsed.reset();
        let filled = simd_json::fill_tape_padded(&mut text, size, &mut buffers, &mut parsed);
        let read =
            filled.map_err(|e| Self::refusal(bytes, &e)).and_then(|()| Self::convert(&parsed.0, base, size));
        if size <= KEEP_BUFFERS_MAX && parsed.0.capacity() <= KEEP_NODES_MAX {
            let _ = PARSER.try_with(|kept| *kept.borrow_mut() = Some((buffers, parsed.reset())));
        }
        Ok(Tape { text, ..read? })
    }

    /// Why `bytes` are no JSON text, as `serde_json` tells it (the line and column) when it
    /// agrees, else as the parser told it.
    fn refusal(bytes: &[u8], parser: &simd_json::Error) -> serde_json::Error {
        match std::str::from_utf8(bytes) {
            Err(e) => refused(format_args!("the answer is not UTF-8: {e}")),
            Ok(text) => serde_json::from_str::<de::IgnoredAny>(text)
                .err()
                .unwrap_or_else(|| refused(format_args!("the answer is not JSON: {parser}"))),
        }
    }

    /// Our tape of the parser's, whose strings lie in the text at `base`, of `size` bytes (the
    /// tape answered holds no text yet).
    fn convert(parsed: &[Parsed<'_>], base: usize, size: usize) -> Result<Tape, serde_json::Error> {
        let mut reader = Reader {
            parsed,
            next: 0,
            base,
            size,
            nodes: Vec::with_capacity(parsed.len()),
            texts: Vec::with_capacity(parsed.len() / 2),
            shared: HashMap::with_capacity_and_hasher(parsed.len().min(256), Default::default()),
            keys: Vec::new(),
            last_keys: Vec::new(),
            depth: 0,
            under: None,
            sharing: Vec::new(),
        };
        reader.value()?;
        if reader.next != parsed.len() {
            return Err(refused("the answer is not one JSON text"));
        }
        Ok(Tape { text: Vec::new(), nodes: reader.nodes, texts: reader.texts })
    }

    /// The Python object of the text.
    pub fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut maker =
            Maker { py, tape: self, next: 0, strings: vec![None; self.texts.len()], wide: Vec::new() };
        maker.value()
    }
}

/// Turns the parser's tape into ours.
struct Reader<'p, 'de> {
    parsed: &'p [Parsed<'de>],
    /// The next node of `parsed`.
    next: usize,
    /// Where the copy of the text starts in memory, and its size (without the padding).
    base: usize,
    size: usize,
    nodes: Vec<Node>,
    texts: Vec<Text>,
    /// The shared strings read so far, by their text (hashed with foldhash, seeded per process:
    /// much cheaper than SipHash on short strings, and a server cannot choose colliding ones).
    shared: HashMap<&'de str, u32, foldhash::fast::RandomState>,
    /// The keys of the objects being read, the innermost one's last (their ids, and texts).
    keys: Vec<(u32, &'de str)>,
    /// The keys of the last object read at each depth: the next one's are likely the same.
    last_keys: Vec<Vec<(u32, &'de str)>>,
    /// How deep the value being read is (arrays and objects).
    depth: usize,
    /// The key whose value is being read (an array's items are under its key).
    under: Option<u32>,
    /// By key id: how many of its string values were looked for among the shared ones, and
    /// how many were found.
    sharing: Vec<(u32, u32)>,
}

impl<'de> Reader<'_, 'de> {
    fn parsed(&mut self) -> Result<Parsed<'de>, serde_json::Error> {
        let node = self.parsed.get(self.next).copied();
        self.next += 1;
        node.ok_or_else(|| refused("the answer ended early"))
    }

    /// Reads one value (and all it holds).
    fn value(&mut self) -> Result<(), serde_json::Error> {
        let node = match self.parsed()? {
            Parsed::Static(StaticNode::Null) => Node::Null,
            Parsed::Static(StaticNode::Bool(v)) => Node::Bool(v),
            Parsed::Static(StaticNode::I64(v)) => Node::Int(v),
            Parsed::Static(StaticNode::U64(v)) => Node::Uint(v),
            Parsed::Static(StaticNode::F64(v)) => Node::Float(v),
            Parsed::String(text) => Node::Str(self.string_value(text)?),
            Parsed::Array { len, .. } => return self.array(len),
            Parsed::Object { len, .. } => return self.object(len),
        };
        self.nodes.push(node);
        Ok(())
    }

    fn array(&mut self, len: usize) -> Result<(), serde_json::Error> {
        let items = u32::try_from(len).map_err(|_| refused("an array has too many items"))?;
        self.nodes.push(Node::List(items));
        let under = self.under;
        self.depth += 1;
        for _ in 0..items {
            self.under = under;
            self.value()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self, len: usize) -> Result<(), serde_json::Error> {
        let pairs = u32::try_from(len).map_err(|_| refused("an object has too many keys"))?;
        self.nodes.push(Node::Dict(pairs));
        let from = self.keys.len();
        self.depth += 1;
        for index in 0..len {
            let Parsed::String(text) = self.parsed()? else {
                return Err(refused("an object's key is not a string"));
            };
            let key = self.key(text, index)?;
            self.keys.push((key, text));
            self.nodes.push(Node::Str(key));
            self.under = Some(key);
            self.value()?;
        }
        // Its keys are those expected of the next object at its depth.
        if self.last_keys.len() <= self.depth {
            self.last_keys.resize_with(self.depth + 1, Vec::new);
        }
        let last = &mut self.last_keys[self.depth];
        last.clear();
        last.extend_from_slice(&self.keys[from..]);
        self.keys.truncate(from);
        self.depth -= 1;
        Ok(())
    }

    /// The id of a string value: its first equal's when it is shared.
    fn string_value(&mut self, text: &'de str) -> Result<u32, serde_json::Error> {
        let key = self.under.map(|key| key as usize);
        let worth = text.len() <= SHARED_VALUE_MAX
            && key.is_none_or(|key| {
                self.sharing
                    .get(key)
                    .is_none_or(|&(tried, found)| tried < SHARING_TRIAL || found.saturating_mul(4) >= tried)
            });
        let id = self.text(text, worth)?;
        if let (true, Some(key)) = (worth, key) {
            if self.sharing.len() <= key {
                self.sharing.resize(key + 1, (0, 0));
            }
            let (tried, found) = &mut self.sharing[key];
            *tried += 1;
            *found += u32::from(self.texts[id as usize].uses > 1);
        }
        Ok(id)
    }

    /// The id of the `index`th key of an object: the id of the key in that place in the last
    /// object of the same depth when it is the same text, else its first equal's.
    fn key(&mut self, text: &'de str, index: usize) -> Result<u32, serde_json::Error> {
        if let Some(&(guess, known)) = self.last_keys.get(self.depth).and_then(|keys| keys.get(index))
            && known == text
        {
            self.texts[guess as usize].uses += 1;
            return Ok(guess);
        }
        self.text(text, text.len() <= SHARED_KEY_MAX)
    }

    /// The id of a string of the text: when `shared`, its first equal's (if there is room for
    /// one more shared string).
    fn text(&mut self, text: &'de str, shared: bool) -> Result<u32, serde_json::Error> {
        if shared && let Some(&id) = self.shared.get(text) {
            self.texts[id as usize].uses += 1;
            return Ok(id);
        }
        // The parser's strings are slices of the copy of the text.
        let start = (text.as_ptr() as usize)
            .checked_sub(self.base)
            .filter(|start| start.checked_add(text.len()).is_some_and(|end| end <= self.size))
            .ok_or_else(|| refused("a string lies outside the answer"))?;
        // Within the text, which is under 4 GiB.
        let id = self.texts.len() as u32;
        self.texts.push(Text { start: start as u32, len: text.len() as u32, uses: 1 });
        if shared && self.shared.len() < SHARED_MAX {
            self.shared.insert(text, id);
        }
        Ok(id)
    }
}

/// Makes the Python objects of a tape, with the GIL.
struct Maker<'t, 'py> {
    py: Python<'py>,
    tape: &'t Tape,
    /// The next node.
    next: usize,
    /// The strings used more than once, once made.
    strings: Vec<Option<Bound<'py, PyString>>>,
    /// The code units of the string beyond ASCII being made.
    wide: Vec<libc::wchar_t>,
}

impl<'py> Maker<'_, 'py> {
    fn node(&mut self) -> PyResult<Node> {
        let node = self.tape.nodes.get(self.next).copied();
        self.next += 1;
        node.ok_or_else(|| pyo3::exceptions::PyValueError::new_err("the decoded answer ended early"))
    }

    fn value(&mut self) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match self.node()? {
            Node::Null => py.None().into_bound(py),
            Node::Bool(v) => {
                let Ok(flag) = v.into_pyobject(py);
                flag.to_owned().into_any()
            }
            Node::Int(v) => v.into_pyobject(py)?.into_any(),
            Node::Uint(v) => v.into_pyobject(py)?.into_any(),
            Node::Float(v) => v.into_pyobject(py)?.into_any(),
            Node::Str(id) => self.string(id)?.into_any(),
            Node::List(items) => self.list(items)?,
            Node::Dict(pairs) => self.dict(pairs)?.into_any(),
        })
    }

    fn string(&mut self, id: u32) -> PyResult<Bound<'py, PyString>> {
        let text = self.tape.texts[id as usize];
        if text.uses > 1
            && let Some(made) = &self.strings[id as usize]
        {
            return Ok(made.clone());
        }
        let (start, end) = (text.start as usize, text.start as usize + text.len as usize);
        let bytes = self.tape.text.get(start..end).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err("a decoded string lies outside the answer")
        })?;
        // SAFETY: these bytes were a `str` of the parser's (see `Reader::text`), and the text is
        // not changed after.
        let chars = unsafe { std::str::from_utf8_unchecked(bytes) };
        // (Where `wchar_t` is no Unicode code unit, CPython reads it through the locale.)
        let made = if chars.is_ascii() || cfg!(any(target_os = "solaris", target_os = "illumos")) {
            PyString::new(self.py, chars)
        } else {
            self.wide(chars)?
        };
        if text.uses > 1 {
            self.strings[id as usize] = Some(made.clone());
        }
        Ok(made)
    }

    /// A string beyond ASCII, made from its code points: CPython sizes it by its largest one
    /// and copies them in (its UTF-8 decoder builds such a string in steps, several times the
    /// work).
    fn wide(&mut self, text: &str) -> PyResult<Bound<'py, PyString>> {
        self.wide.clear();
        // `wchar_t` holds a code point, or a UTF-16 unit where it is 16 bits wide (Windows,
        // Cygwin).
        if std::mem::size_of::<libc::wchar_t>() == 2 {
            self.wide.extend(text.encode_utf16().map(|unit| unit as libc::wchar_t));
        } else {
            self.wide.extend(text.chars().map(|c| c as libc::wchar_t));
        }
        let size = ffi::Py_ssize_t::try_from(self.wide.len())
            .map_err(|_| pyo3::exceptions::PyValueError::new_err("a decoded string is too long"))?;
        // SAFETY: `PyUnicode_FromWideChar` reads `size` units of the buffer and answers a new
        // reference to a `str` (or null, with the exception set).
        unsafe {
            Ok(Bound::from_owned_ptr_or_err(self.py, ffi::PyUnicode_FromWideChar(self.wide.as_ptr(), size))?
                .cast_into_unchecked())
        }
    }

    /// A list of the next `items` values, made at its final size. While it has empty slots the
    /// garbage collector does not track it, so no Python code that a collection runs meanwhile
    /// (a finalizer, `gc.callbacks`) can reach it.
    fn list(&mut self, items: u32) -> PyResult<Bound<'py, PyAny>> {
        if items == 0 {
            return Ok(PyList::empty(self.py).into_any());
        }
        // SAFETY: `PyList_New` answers a new reference (or null, with the exception set); the
        // list is tracked, and no Python code has seen it yet.
        let list =
            unsafe { Bound::from_owned_ptr_or_err(self.py, ffi::PyList_New(items as ffi::Py_ssize_t))? };
        // SAFETY: a tracked object of this function's own.
        unsafe { ffi::PyObject_GC_UnTrack(list.as_ptr().cast()) };
        for index in 0..items {
            // (On an error, the list is dropped untracked, empty slots and all, which CPython
            // allows.)
            let item = self.value()?;
            // SAFETY: `index` is within the new list's length and its slot is empty;
            // `PyList_SetItem` takes over the item's reference.
            if unsafe { ffi::PyList_SetItem(list.as_ptr(), index as ffi::Py_ssize_t, item.into_ptr()) } != 0 {
                return Err(PyErr::fetch(self.py));
            }
        }
        // SAFETY: untracked above, and now full.
        unsafe { ffi::PyObject_GC_Track(list.as_ptr().cast()) };
        Ok(list.into_any())
    }

    fn dict(&mut self, pairs: u32) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(self.py);
        for _ in 0..pairs {
            let Node::Str(key) = self.node()? else {
                return Err(pyo3::exceptions::PyValueError::new_err("a decoded object lacks a key"));
            };
            let key = self.string(key)?;
            let value = self.value()?;
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }
}
