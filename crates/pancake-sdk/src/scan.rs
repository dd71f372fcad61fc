//! One pass over an answer's bytes, before anything decodes them: how many values and
//! containers they hold (a body packed to blow up when decoded is refused like a larger one),
//! and where the envelope's top-level fields are (`success`, `error_code`, `message`,
//! `errors`), so that the envelope is read without decoding the rest.
//!
//! The pass only finds structure; it does not check the JSON. It reads 64 bytes at a time as
//! bit masks (AVX2 where the processor has it, else SSE2 on x86-64), so a body is passed over
//! at several bytes per cycle.

/// What [`scan`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan<'a> {
    /// Values outside strings (each comma and each container counts).
    pub values: u64,
    /// Objects and arrays.
    pub containers: u64,
    /// The envelope, when the body is an object.
    pub envelope: Option<Envelope<'a>>,
}

/// The raw values of the envelope's fields in a top-level object.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    success: Option<&'a [u8]>,
    error_code: Option<&'a [u8]>,
    message: Option<&'a [u8]>,
    errors: Option<&'a [u8]>,
}

impl Envelope<'_> {
    /// `success`, when it is a boolean.
    pub fn success(&self) -> Option<bool> {
        self.success.and_then(|raw| serde_json::from_slice(raw).ok())
    }

    /// `message`, when it is a string.
    pub fn message(&self) -> Option<String> {
        self.message.and_then(|raw| serde_json::from_slice(raw).ok())
    }

    /// `error_code`, or else the first `error_code` of an object in `errors[]`, when it is an
    /// integer.
    pub fn code(&self) -> Option<i64> {
        self.error_code.and_then(|raw| serde_json::from_slice(raw).ok()).or_else(|| {
            // As values: an item that is not an object has no `error_code` (a struct would read
            // `[0]` as one, by position).
            let items: Vec<serde_json::Value> = serde_json::from_slice(self.errors?).ok()?;
            items.iter().find_map(|item| item.get("error_code")?.as_i64())
        })
    }
}

/// Which envelope field a top-level key names.
#[derive(Clone, Copy)]
enum Field {
    Success,
    ErrorCode,
    Message,
    Errors,
}

impl Field {
    fn of(key: &[u8]) -> Option<Field> {
        match key {
            b"success" => Some(Field::Success),
            b"error_code" => Some(Field::ErrorCode),
            b"message" => Some(Field::Message),
            b"errors" => Some(Field::Errors),
            _ => None,
        }
    }
}

/// Where the bytes of one 64-byte block are: bit `i` of each mask stands for byte `i`.
#[derive(Clone, Copy, Default)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
    comma: u64,
    colon: u64,
}

/// The masks of a block, thirty-two bytes at a time with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn classify_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let mut masks = Masks::default();
    for (half, bytes) in block.chunks_exact(32).enumerate() {
        // SAFETY: the load reads the 32 bytes of `bytes` (unaligned loads need no alignment).
        let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast::<__m256i>()) };
        let at =
            |byte: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(byte as i8))) as u32 as u64;
        // `{` and `[` (and `}` and `]`) differ only in the bit 0x20: one comparison each.
        let folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        let brackets = |byte: u8| {
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(folded, _mm256_set1_epi8(byte as i8))) as u32 as u64
        };
        let shift = 32 * half;
        masks.quote |= at(b'"') << shift;
        masks.backslash |= at(b'\\') << shift;
        masks.open |= brackets(b'{') << shift;
        masks.close |= brackets(b'}') << shift;
        masks.comma |= at(b',') << shift;
        masks.colon |= at(b':') << shift;
    }
    masks
}

/// [`prefix_xor`] in one carry-less multiplication (by all ones).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
fn prefix_xor_clmul(bits: u64) -> u64 {
    use std::arch::x86_64::{_mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x, _mm_set1_epi8};
    _mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_set_epi64x(0, bits as i64), _mm_set1_epi8(-1), 0)) as u64
}

/// The masks of a block, sixteen bytes at a time with SSE2 (part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut masks = Masks::default();
    for (lane, bytes) in block.chunks_exact(16).enumerate() {
        // SAFETY: the load reads the 16 bytes of `bytes` (unaligned loads need no alignment);
        // SSE2, which these intrinsics need, is part of every x86-64 processor.
        let [quote, backslash, open, close, comma, colon] = unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>());
            let at = |byte: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8))) as u16 as u64;
            // `{` and `[` (and `}` and `]`) differ only in the bit 0x20: one comparison each.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let brackets =
                |byte: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(folded, _mm_set1_epi8(byte as i8))) as u16 as u64;
            [at(b'"'), at(b'\\'), brackets(b'{'), brackets(b'}'), at(b','), at(b':')]
        };
        let shift = 16 * lane;
        masks.quote |= quote << shift;
        masks.backslash |= backslash << shift;
        masks.open |= open << shift;
        masks.close |= close << shift;
        masks.comma |= comma << shift;
        masks.colon |= colon << shift;
    }
    masks
}

/// The masks of a block, a byte at a time.
#[cfg(not(target_arch = "x86_64"))]
fn classify(block: &[u8; 64]) -> Masks {
    let mut masks = Masks::default();
    for (i, byte) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match byte {
            b'"' => masks.quote |= bit,
            b'\\' => masks.backslash |= bit,
            b'{' | b'[' => masks.open |= bit,
            b'}' | b']' => masks.close |= bit,
            b',' => masks.comma |= bit,
            b':' => masks.colon |= bit,
            _ => {}
        }
    }
    masks
}

/// The bytes a backslash escapes (a backslash escaped itself escapes nothing); `carry` says
/// whether the block's first byte is escaped, and becomes whether the next block's is.
fn escaped(backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = u64::from(std::mem::take(carry));
    let mut rest = backslash;
    while rest != 0 {
        let i = rest.trailing_zeros();
        rest &= rest - 1;
        if escaped & (1 << i) == 0 {
            if i == 63 {
                *carry = true;
            } else {
                escaped |= 1 << (i + 1);
            }
        }
    }
    escaped
}

/// Bit `i` set when an odd number of the bits up to `i` are: with quotes, the bytes inside a
/// string (its opening quote included, its closing one not).
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

/// The bits below `n` (all of them from 64 on).
fn below(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1 << n) - 1 }
}

/// Whether a block that starts at `depth` stays at depth 2 or more, before and after each of
/// its closing brackets (`open` and `close`: its brackets outside strings).
fn stays_deep(depth: u32, open: u64, close: u64) -> bool {
    if depth < 2 {
        return false;
    }
    let mut rest = close;
    while rest != 0 {
        // The block's bytes up to this closing bracket, it included.
        let upto = rest ^ (rest - 1);
        if depth + (open & upto).count_ones() < (close & upto).count_ones() + 2 {
            return false;
        }
        rest &= rest - 1;
    }
    true
}

/// Where the scan is in the top-level object.
#[derive(Default)]
struct TopLevel<'a> {
    depth: u32,
    /// The key just read, and where its value started.
    key: Option<Field>,
    expecting_key: bool,
    /// Where the key being read opened.
    key_open: Option<usize>,
    value_start: Option<usize>,
    envelope: Envelope<'a>,
}

/// Scans `body` once, 64 bytes at a time: the bytes of each kind are found as bit masks, the
/// strings' bytes are masked out (escapes and quotes resolved a block at a time), values and
/// containers are counted by population, and only the brackets, and the top-level object's
/// own keys, colons and commas, are visited one by one.
pub(crate) fn scan(body: &[u8]) -> Scan<'_> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("pclmulqdq")
        && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the processor has the features the function is compiled for.
        return unsafe { scan_avx2(body) };
    }
    scan_blocks(body, classify, prefix_xor)
}

/// [`scan`] compiled for AVX2 (and the carry-less multiplication and population count that
/// come with it): its blocks are classified 32 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,pclmulqdq,popcnt")]
fn scan_avx2(body: &[u8]) -> Scan<'_> {
    scan_blocks(body, |block| classify_avx2(block), |bits| prefix_xor_clmul(bits))
}

/// The scan, with the block classifier and string masker given.
#[inline(always)]
fn scan_blocks(
    body: &[u8],
    classify: impl Fn(&[u8; 64]) -> Masks,
    prefix_xor: impl Fn(u64) -> u64,
) -> Scan<'_> {
    let mut found = Scan::default();
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let object = body.get(start) == Some(&b'{');
    let mut top = TopLevel::default();
    let (mut carry_escape, mut carry_inside) = (false, 0u64);
    for (index, chunk) in body.chunks(64).enumerate() {
        let base = index * 64;
        let masks = match <&[u8; 64]>::try_from(chunk) {
            Ok(block) => classify(block),
            Err(_) => {
                // The last block, padded with blanks (which are no structure).
                let mut block = [b' '; 64];
                block[..chunk.len()].copy_from_slice(chunk);
                classify(&block)
            }
        };
        let quotes = masks.quote & !escaped(masks.backslash, &mut carry_escape);
        let inside = prefix_xor(quotes) ^ carry_inside;
        carry_inside = if inside >> 63 == 1 { u64::MAX } else { 0 };
        let (open, close) = (masks.open & !inside, masks.close & !inside);
        let (comma, colon) = (masks.comma & !inside, masks.colon & !inside);
        found.containers += u64::from(open.count_ones());
        found.values += u64::from(open.count_ones() + comma.count_ones());
        // A block whose closing brackets do not bring the depth below 2 holds nothing of the
        // top level: its depth is counted, not walked. (All of its closing brackets together
        // cannot, most often; else each one is looked at.)
        let closes = close.count_ones();
        if top.depth >= closes + 2 || stays_deep(top.depth, open, close) {
            top.depth = top.depth + open.count_ones() - closes;
            continue;
        }
        // Between brackets the depth stands; at depth 1 of an object, its events are read.
        let mut from = 0;
        let mut brackets = open | close;
        loop {
            let until = if brackets == 0 { 64 } else { brackets.trailing_zeros() };
            if object && top.depth == 1 {
                let span = below(until) & !below(from);
                top.read(body, base, quotes & span, inside, comma & span, colon & span);
            }
            if brackets == 0 {
                break;
            }
            let at = base + until as usize;
            if open & (1 << until) != 0 {
                top.depth += 1;
                if top.depth == 1 && body[at] == b'{' {
                    top.expecting_key = true;
                }
            } else {
                if object && top.depth == 1 {
                    top.finish(body, at);
                }
                top.depth = top.depth.saturating_sub(1);
            }
            brackets &= brackets - 1;
            from = until + 1;
        }
    }
    if object {
        found.envelope = Some(top.envelope);
    }
    found
}

impl<'a> TopLevel<'a> {
    /// Reads the events of a span at depth 1 of the top-level object, in order: the quotes of
    /// its keys, its colons and its commas.
    fn read(&mut self, body: &'a [u8], base: usize, quotes: u64, inside: u64, comma: u64, colon: u64) {
        let mut events = quotes | comma | colon;
        while events != 0 {
            let bit = events & events.wrapping_neg();
            events &= events - 1;
            let at = base + bit.trailing_zeros() as usize;
            if quotes & bit != 0 {
                if inside & bit != 0 {
                    // A string opens: a key, when one is expected.
                    if self.expecting_key {
                        self.key_open = Some(at);
                    }
                } else if let Some(open) = self.key_open.take() {
                    self.key = Field::of(&body[open + 1..at]);
                    self.expecting_key = false;
                }
            } else if comma & bit != 0 {
                self.finish(body, at);
                self.expecting_key = true;
            } else {
                self.value_start = Some(at + 1);
            }
        }
    }

    /// Records the value that ends at `end` under its key, when the key is an envelope field.
    fn finish(&mut self, body: &'a [u8], end: usize) {
        finish(body, &mut self.value_start, end, self.key.take(), &mut self.envelope);
    }
}

/// Records the value that ends at `end` under its key, when the key is an envelope field.
fn finish<'a>(
    body: &'a [u8],
    value_start: &mut Option<usize>,
    end: usize,
    key: Option<Field>,
    envelope: &mut Envelope<'a>,
) {
    let (Some(start), Some(field)) = (value_start.take(), key) else { return };
    let raw = body[start..end].trim_ascii();
    let slot = match field {
        Field::Success => &mut envelope.success,
        Field::ErrorCode => &mut envelope.error_code,
        Field::Message => &mut envelope.message,
        Field::Errors => &mut envelope.errors,
    };
    *slot = Some(raw);
}

/// Whether decoding a body with these counts stays within a small multiple of `limit` in
/// memory: a JSON text may hold at most one value per 16 bytes of the limit, and one object
/// or array per 256 (an empty `{}` decodes into a whole typed struct). Real answers hold far
/// fewer; a body packed with `{},{},...` or `1,1,...` to blow up when decoded is refused like a
/// larger one.
pub(crate) fn decodes_within(scan: &Scan<'_>, limit: u64) -> bool {
    scan.values <= (limit / 16).max(4096) && scan.containers <= (limit / 256).max(1024)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_envelope_is_found_at_the_top_level_only() {
        let body = br#" {"data": {"success": true, "message": "inner"}, "success" : false ,
            "message": "a \"quoted\" }, text", "errors": [{"error_code": 102}], "x": [1, {"error_code": 5}]}"#;
        let found = scan(body);
        let envelope = found.envelope.unwrap();
        assert_eq!(envelope.success(), Some(false));
        assert_eq!(envelope.message().as_deref(), Some("a \"quoted\" }, text"));
        assert_eq!(envelope.code(), Some(102));
        assert_eq!(found.containers, 6);
    }

    #[test]
    fn fields_of_another_type_are_absent_not_errors() {
        let envelope =
            scan(br#"{"success": "yes", "error_code": "121", "message": 7, "errors": 3}"#).envelope.unwrap();
        assert_eq!((envelope.success(), envelope.code(), envelope.message()), (None, None, None));
        let envelope = scan(br#"{"error_code": 121, "errors": "x"}"#).envelope.unwrap();
        assert_eq!(envelope.code(), Some(121));
        let envelope = scan(br#"{"errors": [1, "a", {"error_code": 9}]}"#).envelope.unwrap();
        assert_eq!(envelope.code(), Some(9));
        // An array in `errors[]` is no error object: its first item is no `error_code`.
        let envelope = scan(br#"{"errors": [[0], [7, 8], {"error_code": 4}]}"#).envelope.unwrap();
        assert_eq!(envelope.code(), Some(4));
    }

    #[test]
    fn only_an_object_has_an_envelope() {
        for body in [&br#"[{"success": false}]"#[..], b"\"success\"", b"", b"   ", b"nul"] {
            assert_eq!(scan(body).envelope, None, "{}", String::from_utf8_lossy(body));
        }
        assert!(scan(b"{").envelope.is_some());
    }

    /// The byte-at-a-time scan the masks replaced: both must find the same in any JSON text.
    mod reference {
        use super::super::*;

        /// The index just past the string that opens at `body[open]` (a `"`), or the body's length
        /// when it never closes.
        fn string_end(body: &[u8], open: usize) -> usize {
            let mut at = open + 1;
            while let Some(found) = memchr::memchr2(b'"', b'\\', &body[at.min(body.len())..]) {
                let index = at + found;
                if body[index] == b'"' {
                    return index + 1;
                }
                at = index + 2;
            }
            body.len()
        }

        /// The bytes the scan acts on.
        const STRUCTURE: [bool; 256] = {
            let mut table = [false; 256];
            let mut i = 0;
            let bytes = *b"\"{}[],:";
            while i < bytes.len() {
                table[bytes[i] as usize] = true;
                i += 1;
            }
            table
        };

        /// The scan a byte at a time (strings skipped with `memchr`), as it was before the masks.
        pub(super) fn scan(body: &[u8]) -> Scan<'_> {
            let mut found = Scan::default();
            let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
            let object = body.get(start) == Some(&b'{');
            let mut envelope = Envelope::default();
            let mut depth: u32 = 0;
            // At depth 1 of the top-level object: the key just read, and where its value started.
            let mut key: Option<Field> = None;
            let mut expecting_key = false;
            let mut value_start: Option<usize> = None;
            let mut at = start;
            while at < body.len() {
                // Bytes that are no structure (digits, letters of literals, blanks) are passed over.
                if !STRUCTURE[body[at] as usize] {
                    at += 1;
                    continue;
                }
                let byte = body[at];
                match byte {
                    b'"' => {
                        let end = string_end(body, at);
                        if object && depth == 1 && expecting_key {
                            key = Field::of(&body[at + 1..end.saturating_sub(1).max(at + 1)]);
                            expecting_key = false;
                        }
                        at = end;
                        continue;
                    }
                    b'{' | b'[' => {
                        found.containers += 1;
                        found.values += 1;
                        depth += 1;
                        if depth == 1 && byte == b'{' {
                            expecting_key = true;
                        }
                    }
                    b'}' | b']' => {
                        if object && depth == 1 {
                            finish(body, &mut value_start, at, key.take(), &mut envelope);
                        }
                        depth = depth.saturating_sub(1);
                    }
                    b',' => {
                        found.values += 1;
                        if object && depth == 1 {
                            finish(body, &mut value_start, at, key.take(), &mut envelope);
                            expecting_key = true;
                        }
                    }
                    b':' if object && depth == 1 => value_start = Some(at + 1),
                    _ => {}
                }
                at += 1;
            }
            if object {
                found.envelope = Some(envelope);
            }
            found
        }
    }

    /// Any JSON object: what the scan reads of the envelope is what a full decode reads.
    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(Into::into),
            any::<i64>().prop_map(Into::into),
            "[\"\\\\{}\\[\\],: a-z\u{e9}]{0,12}".prop_map(Into::into),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Into::into),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("success".to_string()),
                        Just("error_code".to_string()),
                        Just("message".to_string()),
                        Just("errors".to_string()),
                        "[a-z\"{]{0,6}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The scan without AVX2 (what processors without it run).
    fn portable(body: &[u8]) -> Scan<'_> {
        scan_blocks(body, classify, prefix_xor)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn the_scan_agrees_with_a_full_decode(value in json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let found = scan(text.as_bytes());
            match &value {
                serde_json::Value::Object(map) => {
                    let envelope = found.envelope.expect("an object has an envelope");
                    prop_assert_eq!(envelope.success(), map.get("success").and_then(|v| v.as_bool()));
                    prop_assert_eq!(envelope.message(), map.get("message").and_then(|v| v.as_str()).map(str::to_string));
                    let code = map.get("error_code").and_then(|v| v.as_i64()).or_else(|| {
                        map.get("errors")?.as_array()?.iter().find_map(|e| e.get("error_code")?.as_i64())
                    });
                    prop_assert_eq!(envelope.code(), code);
                }
                _ => prop_assert!(found.envelope.is_none()),
            }
        }

        /// A block stays deep exactly when walking its brackets one at a time says so.
        #[test]
        fn a_block_stays_deep_as_its_brackets_say(
            depth in 0u32..6,
            brackets in proptest::collection::vec((0u32..64, any::<bool>()), 0..12),
        ) {
            let (mut open, mut close) = (0u64, 0u64);
            for (bit, opens) in brackets {
                if opens { open |= 1 << bit } else { close |= 1 << bit }
            }
            let close = close & !open;
            let (mut at, mut deep) = (i64::from(depth), depth >= 2);
            for bit in 0..64 {
                at += i64::from((open >> bit & 1) as u8);
                if close >> bit & 1 == 1 {
                    at -= 1;
                    deep &= at >= 2;
                }
            }
            prop_assert_eq!(stays_deep(depth, open, close), deep);
        }

        /// Values are counted outside strings only, and a packed body is refused.
        #[test]
        fn packed_bodies_are_refused_and_strings_are_not_counted(n in 1usize..2000, text in "[{},\\[\\]\"\\\\a]{0,64}") {
            let packed = format!("[{}]", vec!["{}"; n].join(","));
            prop_assert_eq!(decodes_within(&scan(packed.as_bytes()), 1024 * 256), n < 1024);
            let quoted = serde_json::to_string(&vec![text; 3]).unwrap();
            prop_assert!(decodes_within(&scan(quoted.as_bytes()), 0));
            prop_assert_eq!(scan(quoted.as_bytes()).containers, 1);
        }

        /// Texts of many blocks, with long strings, escapes and runs of backslashes across the
        /// blocks' edges: the masks find what the byte-at-a-time scan finds.
        #[test]
        fn the_masks_find_what_a_byte_at_a_time_scan_finds(
            value in json(),
            long in "[\"\\\\{}\\[\\],: a-z\u{e9}]{0,200}",
            pad in 0usize..64,
            pretty in any::<bool>(),
        ) {
            let wrapped = serde_json::json!({ "before": long, "value": value, "success": false, "after": [long, value] });
            let text = if pretty { serde_json::to_string_pretty(&wrapped) } else { serde_json::to_string(&wrapped) }.unwrap();
            let text = format!("{}{text}", " ".repeat(pad));
            prop_assert_eq!(scan(text.as_bytes()), reference::scan(text.as_bytes()));
            prop_assert_eq!(portable(text.as_bytes()), reference::scan(text.as_bytes()));
            let array = format!("{}[{text},{text}]", " ".repeat(pad));
            prop_assert_eq!(scan(array.as_bytes()), reference::scan(array.as_bytes()));
            prop_assert_eq!(portable(array.as_bytes()), reference::scan(array.as_bytes()));
        }

        /// Where the processor has AVX2, its classifier and string masker find what the
        /// portable ones find, whatever the bytes.
        #[test]
        #[cfg(target_arch = "x86_64")]
        fn the_avx2_masks_are_the_portable_ones(block in proptest::array::uniform32(proptest::sample::select(&b"\"\\\\{}[],:a {"[..])), more in proptest::array::uniform32(any::<u8>()), bits in any::<u64>()) {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("pclmulqdq") {
                let mut whole = [0u8; 64];
                whole[..32].copy_from_slice(&block);
                whole[32..].copy_from_slice(&more);
                // SAFETY: the processor has the features.
                let (fast, clmul) = unsafe { (classify_avx2(&whole), prefix_xor_clmul(bits)) };
                let slow = classify(&whole);
                prop_assert_eq!(
                    (fast.quote, fast.backslash, fast.open, fast.close, fast.comma, fast.colon),
                    (slow.quote, slow.backslash, slow.open, slow.close, slow.comma, slow.colon)
                );
                prop_assert_eq!(clmul, prefix_xor(bits));
            }
        }

        /// Whatever the bytes, the scan ends without a panic.
        #[test]
        fn any_bytes_are_scanned(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = scan(&body);
        }
    }
}
