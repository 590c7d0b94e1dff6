//! The form wire format (`application/x-www-form-urlencoded`): finding the
//! fields of a body and percent-decoding them in place. The ranges it makes
//! are [`Params`](super::Params)' own.

use std::cell::RefCell;

use super::Entry;

/// Splits `input` into fields, appended to `fields`, and decodes each name
/// and value that needs it in place, shrinking its range.
pub(super) fn decode(input: &mut [u8], fields: &mut Vec<Entry>) {
    ESCAPED.with_borrow_mut(|escaped| {
        escaped.clear();
        split_form(input, fields, escaped);
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
}

/// Finds the fields of a form body without changing it, and which of them
/// need decoding. A callback has a separator or escape every ~8 bytes: a
/// byte loop would branch (and mispredict) on each, so the four special
/// bytes are located sixteen at a time (eight without SSE2) and visited
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
    /// [`decode`]'s list of fields that need decoding, per
    /// thread: reused rather than allocated per callback.
    static ESCAPED: RefCell<Vec<Escaped>> = const { RefCell::new(Vec::new()) };
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
