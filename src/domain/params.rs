//! The wire format: a callback's fields as decoded name/value pairs, from a
//! form body, a query string or a JSON object. Nothing is interpreted here.
//!
//! Names and values borrow from the request body where they need no
//! decoding: a callback has ~50 fields, and allocating two strings for each
//! would cost more than verifying its signature.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Range;

/// One field's value as it arrived.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Text, or a JSON number kept as its literal so that `20.01` and
    /// `"20.01"` parse to the same f64.
    Text(&'a str),
    /// A JSON `true`, `null`, array or object: never a valid field value.
    NotText,
}

impl<'a> Value<'a> {
    pub fn as_text(self) -> Option<&'a str> {
        match self {
            Value::Text(s) => Some(s),
            Value::NotText => None,
        }
    }
}

/// Decoded fields in arrival order. Repeated names are kept (the signature
/// covers all of them); the event takes the first occurrence.
///
/// Every name and value is a range of one text: the decoded body itself for
/// a form, so that decoding allocates nothing per field (a callback has ~60).
#[derive(Default, Clone)]
pub struct Params<'a> {
    text: Cow<'a, str>,
    fields: Vec<Entry>,
}

/// Where one field's name and value lie in [`Params`]'s text.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: Range<usize>,
    /// `None` for a value that is not text.
    value: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Utf8,
    Json(String),
    NotAnObject,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Utf8 => f.write_str("form data is not valid UTF-8 after percent-decoding"),
            DecodeError::Json(e) => write!(f, "body is not valid JSON: {e}"),
            DecodeError::NotAnObject => f.write_str("JSON body must be an object of fields"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl<'a> Params<'a> {
    /// `application/x-www-form-urlencoded` body or query string, decoded in
    /// place: percent- and plus-decoding only ever shrinks a name or value,
    /// so each is decoded into the bytes it arrived in and the decoded body
    /// is the text every field is a range of. Nothing is allocated but the
    /// list of ranges.
    ///
    /// Strict about UTF-8, unlike the WHATWG parser, so that bytes which
    /// cannot be the text SignalWire signed are refused rather than silently
    /// replaced.
    pub fn decode_form(input: &'a mut [u8]) -> Result<Self, DecodeError> {
        // Scratch of this thread's, reused: a callback's ~60 ranges would
        // otherwise cost a few reallocations each time.
        let mut fields = RANGES.with_borrow_mut(std::mem::take);
        fields.clear();
        ESCAPED.with_borrow_mut(|escaped| {
            escaped.clear();
            split_form(input, &mut fields, escaped);
            for &Escaped { field, name, value } in escaped.iter() {
                let Entry { name: n, value: v } = &mut fields[field];
                if name {
                    n.end = n.start + decode_in_place(&mut input[n.clone()], 0);
                }
                if let (Some(from), Some(v)) = (value, v) {
                    v.end = v.start + decode_in_place(&mut input[v.clone()], from - v.start);
                }
            }
        });
        let mut params = Params {
            text: Cow::Borrowed(""),
            fields,
        };
        // Separators and the bytes freed by decoding are ASCII, so the
        // buffer is valid UTF-8 exactly when every name and value is, and
        // every range starts and ends on a character boundary.
        let input: &'a [u8] = input;
        let text = std::str::from_utf8(input).map_err(|_| DecodeError::Utf8)?;
        params.text = Cow::Borrowed(text);
        Ok(params)
    }

    /// [`Params::decode_form`] for input that cannot be decoded in place
    /// (a query string, a test's literal): decodes a copy, fields owned.
    pub fn from_form(input: &[u8]) -> Result<Params<'static>, DecodeError> {
        let mut copy = input.to_vec();
        let owned = Params::decode_form(&mut copy)?.into_owned();
        Ok(owned)
    }

    /// The same fields, owning their text.
    pub fn into_owned(mut self) -> Params<'static> {
        Params {
            text: Cow::Owned(std::mem::take(&mut self.text).into_owned()),
            fields: std::mem::take(&mut self.fields),
        }
    }

    /// `application/json`: an object whose values are strings or numbers.
    /// Every entry is kept in order, repeated names included, as for forms.
    pub fn from_json(input: &'a [u8]) -> Result<Self, DecodeError> {
        let JsonFields(params) = serde_json::from_slice(input).map_err(|e| {
            if e.is_data() {
                DecodeError::NotAnObject
            } else {
                DecodeError::Json(e.to_string())
            }
        })?;
        Ok(params)
    }

    /// The first field named `name`.
    pub fn get(&self, name: &str) -> Option<Value<'_>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The `i`th field's name and text, if it has text.
    pub fn text_at(&self, i: usize) -> Option<(&str, &str)> {
        let entry = self.fields.get(i)?;
        Some((self.part(&entry.name), self.part(entry.value.as_ref()?)))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Value<'_>)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, entry)| (self.part(&entry.name), self.value(i)))
    }

    /// The names in arrival order: what a reader matches before it needs a
    /// value, which [`Params::value`] then gives by position.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|entry| self.part(&entry.name))
    }

    /// The `i`th field's value ([`Value::NotText`] past the end).
    pub fn value(&self, i: usize) -> Value<'_> {
        match self.fields.get(i).and_then(|e| e.value.as_ref()) {
            Some(value) => Value::Text(self.part(value)),
            None => Value::NotText,
        }
    }

    /// The text all ranges are of, and the `i`th field's name and value
    /// ranges if its value is text: for readers of the raw bytes, such as
    /// the signature, which copy many fields and need no `str` checks.
    pub fn spans(&self, i: usize) -> Option<(Range<usize>, Range<usize>)> {
        let entry = self.fields.get(i)?;
        Some((entry.name.clone(), entry.value.clone()?))
    }

    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// A range of the text. Every range was made on character boundaries;
    /// `get` keeps a broken one from panicking all the same.
    fn part(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// Appends a field to an owned text.
    fn push(&mut self, name: &str, value: Option<&str>) {
        let text = self.text.to_mut();
        let name_start = text.len();
        text.push_str(name);
        let name = name_start..text.len();
        let value = value.map(|v| {
            let start = text.len();
            text.push_str(v);
            start..text.len()
        });
        self.fields.push(Entry { name, value });
    }
}

impl Drop for Params<'_> {
    /// Gives the list of ranges back to this thread's scratch for the next
    /// form, unless the scratch already has as much room.
    fn drop(&mut self) {
        let fields = std::mem::take(&mut self.fields);
        if fields.capacity() <= MAX_KEPT_RANGES {
            // At thread exit the scratch may be gone: nothing to keep then.
            let _ = RANGES.try_with(|kept| {
                let mut kept = kept.borrow_mut();
                if kept.capacity() < fields.capacity() {
                    *kept = fields;
                }
            });
        }
    }
}

/// The most ranges a thread keeps between forms: a huge form's list is not
/// kept beyond it.
const MAX_KEPT_RANGES: usize = 256;

impl PartialEq for Params<'_> {
    /// The same fields in the same order, however their text is laid out.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Params<'a> {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut params = Params::default();
        for (name, value) in iter {
            params.push(name.as_ref(), Some(value.as_ref()));
        }
        params
    }
}

/// Finds the fields of a form body without changing it, and which of them
/// need decoding. A callback has a separator or escape every ~8 bytes: a
/// byte loop would branch (and mispredict) on each, so the four special
/// bytes are located eight at a time with word arithmetic and visited
/// through a bit mask per 64 bytes.
fn split_form(input: &[u8], fields: &mut Vec<Entry>, escaped: &mut Vec<Escaped>) {
    let mut split = Splitter {
        fields,
        escaped,
        start: 0,
        eq: None,
        name_escaped: false,
        value_escape: None,
    };
    let mut blocks = input.chunks_exact(64);
    let mut base = 0;
    for block in &mut blocks {
        let mut mask = special_bytes(block);
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            split.special(base + i, block[i]);
            mask &= mask - 1;
        }
        base += 64;
    }
    for (i, &b) in blocks.remainder().iter().enumerate() {
        if matches!(b, b'&' | b'=' | b'%' | b'+') {
            split.special(base + i, b);
        }
    }
    split.end_field(input.len());
}

/// A field that needs decoding: in its name, and from where in its value.
struct Escaped {
    field: usize,
    name: bool,
    value: Option<usize>,
}

thread_local! {
    /// [`Params::decode_form`]'s list of fields that need decoding, per
    /// thread: reused rather than allocated per callback.
    static ESCAPED: RefCell<Vec<Escaped>> = const { RefCell::new(Vec::new()) };
    /// A list of ranges for the next form's [`Params`], per thread.
    static RANGES: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

struct Splitter<'f> {
    fields: &'f mut Vec<Entry>,
    escaped: &'f mut Vec<Escaped>,
    start: usize,
    eq: Option<usize>,
    name_escaped: bool,
    /// The first escape in the value.
    value_escape: Option<usize>,
}

impl Splitter<'_> {
    fn special(&mut self, at: usize, byte: u8) {
        match (byte, self.eq) {
            (b'&', _) => self.end_field(at),
            (b'=', None) => self.eq = Some(at),
            (b'=', Some(_)) => {}
            (_, None) => self.name_escaped = true,
            (_, Some(_)) => self.value_escape = self.value_escape.or(Some(at)),
        }
    }

    /// Empty fields (`&&`) are skipped, as form parsers do.
    fn end_field(&mut self, end: usize) {
        if self.start < end {
            let (name, value) = match self.eq {
                Some(eq) => (self.start..eq, eq + 1..end),
                None => (self.start..end, end..end),
            };
            if self.name_escaped || self.value_escape.is_some() {
                self.escaped.push(Escaped {
                    field: self.fields.len(),
                    name: self.name_escaped,
                    value: self.value_escape,
                });
            }
            self.fields.push(Entry {
                name,
                value: Some(value),
            });
        }
        self.start = end + 1;
        (self.eq, self.name_escaped, self.value_escape) = (None, false, None);
    }
}

/// One bit per byte of a 64-byte block, set where the byte is `&`, `=`,
/// `%` or `+`: sixteen bytes per compare with SSE2, which every x86-64 has.
#[cfg(target_arch = "x86_64")]
fn special_bytes(block: &[u8]) -> u64 {
    use safe_arch::{cmp_eq_mask_i8_m128i as eq, load_unaligned_m128i, move_mask_i8_m128i};
    use safe_arch::{m128i, set_splat_i8_m128i as splat};
    let [amp, is, pct, plus]: [m128i; 4] = [b'&', b'=', b'%', b'+'].map(|b| splat(b as i8));
    let mut mask = 0;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let v = load_unaligned_m128i(chunk.try_into().unwrap_or(&[0; 16]));
        let hits = eq(v, amp) | eq(v, is) | eq(v, pct) | eq(v, plus);
        mask |= u64::from(move_mask_i8_m128i(hits) as u16) << (16 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
use special_bytes_swar as special_bytes;

/// [`special_bytes`] eight bytes at a time with word arithmetic, where
/// there is no SSE2 (and as its reference in tests).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn special_bytes_swar(block: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // 0x80 in every byte of `x` that is zero, 0 elsewhere (exact: no borrow
    // crosses bytes).
    let zero = |x: u64| !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
    let splat = |b: u8| ONES * u64::from(b);
    let mut mask = 0;
    for (k, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let hits = zero(w ^ splat(b'&'))
            | zero(w ^ splat(b'='))
            | zero(w ^ splat(b'%'))
            | zero(w ^ splat(b'+'));
        // Gather each byte's high bit into one byte, byte i to bit i.
        let bits = (hits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= bits << (8 * k);
    }
    mask
}

/// Percent- and plus-decodes `raw` into its own first bytes and returns the
/// decoded length; the bytes after it are overwritten with ASCII so the
/// buffer stays checkable as UTF-8 in one go. Nothing before `first` needs
/// decoding.
fn decode_in_place(raw: &mut [u8], first: usize) -> usize {
    let (mut r, mut w) = (first, first);
    while r < raw.len() {
        // Up to the first escape the text decodes to itself, and the writes
        // only start there: plain bytes after it move eight at a time, or
        // up to the next escape without testing each.
        if let Some(word) = raw.get(r..r + 8) {
            let word: [u8; 8] = word.try_into().unwrap_or_default();
            let plain = first_escape(u64::from_le_bytes(word));
            if plain == 8 {
                raw[w..w + 8].copy_from_slice(&word);
                (r, w) = (r + 8, w + 8);
                continue;
            }
            // A few bytes: a loop beats a call to `memmove`.
            for &b in &word[..plain] {
                raw[w] = b;
                w += 1;
            }
            r += plain;
        }
        let (byte, read) = match raw[r] {
            b'+' => (b' ', 1),
            b'%' => match raw.get(r + 1..r + 3) {
                Some(&[high, low]) if HEX[high as usize] | HEX[low as usize] < 16 => {
                    (HEX[high as usize] << 4 | HEX[low as usize], 3)
                }
                // A `%` without two hex digits stays as it is (WHATWG).
                _ => (b'%', 1),
            },
            b => (b, 1),
        };
        raw[w] = byte;
        (r, w) = (r + read, w + 1);
    }
    raw[w..].fill(b' ');
    w
}

/// The index of the first `%` or `+` among the eight bytes of `word` (in
/// memory order), 8 if there is none.
fn first_escape(word: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The classic zero-byte test: its lowest set bit is exact, which is all
    // that is read of it.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let hits = zero(word ^ (ONES * u64::from(b'%'))) | zero(word ^ (ONES * u64::from(b'+')));
    hits.trailing_zeros() as usize / 8
}

/// A byte's value as a hex digit, or 0xff: one load instead of three range
/// tests per digit.
const HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// A JSON object's entries in order, duplicates kept.
struct JsonFields<'a>(Params<'a>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for JsonFields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonFields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut params = Params::default();
                while let Some((name, value)) =
                    map.next_entry::<Cow<'de, str>, serde_json::Value>()?
                {
                    match value {
                        serde_json::Value::String(s) => params.push(&name, Some(&s)),
                        // arbitrary_precision keeps the literal, so 400-digit
                        // numbers and 1e400 reach the range checks intact.
                        serde_json::Value::Number(n) => params.push(&name, Some(&n.to_string())),
                        _ => params.push(&name, None),
                    }
                }
                Ok(JsonFields(params))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<Value<'_>> {
        Some(Value::Text(s))
    }

    #[test]
    fn form_decodes_plus_percent_and_keeps_repeats() {
        let p = Params::from_form(b"From=%2B1415&Name=a+b&Name=c&Empty=&Bare&Pct=100%&Bad=%zz%4")
            .unwrap();
        assert_eq!(p.get("From"), text("+1415"));
        assert_eq!(p.get("Name"), text("a b"));
        assert_eq!(p.get("Bare"), text(""));
        assert_eq!(p.get("Pct"), text("100%"));
        assert_eq!(p.get("Bad"), text("%zz%4"));
        assert_eq!(p.len(), 7);
        // Decoded in place: every component borrows from the input.
        let mut body = b"From=%2B1415&Name=a+b".to_vec();
        let p = Params::decode_form(&mut body).unwrap();
        assert!(matches!(p.text, Cow::Borrowed(_)));
        assert_eq!(p.get("From"), text("+1415"));
    }

    #[test]
    fn special_bytes_finds_exactly_the_four_separators_and_escapes() {
        let special = |b: u8| matches!(b, b'&' | b'=' | b'%' | b'+');
        for b in 0..=255u8 {
            for at in 0..64 {
                // The byte among neighbours one below and one above it, the
                // cases where a borrow or carry between bytes would show.
                let mut block: Vec<u8> = (0..64)
                    .map(|i| {
                        if i % 2 == 0 {
                            b.wrapping_sub(1)
                        } else {
                            b.wrapping_add(1)
                        }
                    })
                    .collect();
                block[at] = b;
                let expected = (0..64)
                    .filter(|&i| special(block[i]))
                    .fold(0u64, |m, i| m | 1 << i);
                assert_eq!(special_bytes(&block), expected, "byte {b:#x} at {at}");
                assert_eq!(special_bytes_swar(&block), expected, "byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn first_escape_finds_the_first_percent_or_plus_of_a_word() {
        for escape in [b'%', b'+'] {
            for at in 0..8 {
                // Neighbours one above and below, and a second escape after.
                let mut word = [escape - 1, escape + 1, b'a', b'%', b'+', 0, 0xff, b'z'];
                word[..at + 1].iter_mut().for_each(|b| *b = b'a');
                word[at] = escape;
                let expected = word.iter().position(|&b| b == b'%' || b == b'+');
                assert_eq!(first_escape(u64::from_le_bytes(word)), expected.unwrap());
            }
        }
        assert_eq!(first_escape(u64::from_le_bytes(*b"abc$,*=&")), 8);
    }

    #[test]
    fn form_refuses_invalid_utf8() {
        assert_eq!(Params::from_form(b"CallSid=%ff%fe"), Err(DecodeError::Utf8));
        assert_eq!(
            Params::from_form(&[b'A', b'=', 0xff]),
            Err(DecodeError::Utf8)
        );
    }

    #[test]
    fn json_numbers_keep_their_literal_and_repeats_are_kept() {
        let p = Params::from_json(
            br#"{"A":20.01,"B":"20.01","C":1e400,"D":true,"E":null,"F":[1],"A":"2"}"#,
        )
        .unwrap();
        assert_eq!(p.get("A"), text("20.01"));
        assert_eq!(p.len(), 7);
        // Out of f64 range, yet kept as text so the field (not the body) is invalid.
        let c = p.get("C").and_then(Value::as_text).unwrap();
        assert_eq!(c.parse::<f64>(), Ok(f64::INFINITY));
        assert_eq!(p.get("D"), Some(Value::NotText));
        assert_eq!(p.get("F"), Some(Value::NotText));
        assert_eq!(Params::from_json(b"[1]"), Err(DecodeError::NotAnObject));
        assert_eq!(Params::from_json(b"\"x\""), Err(DecodeError::NotAnObject));
        assert!(matches!(Params::from_json(b"{"), Err(DecodeError::Json(_))));
    }
}
