//! The part of the form scheme's signed text after the URL: every field's
//! name and value, sorted by name and then value, a repeated pair once, as
//! twilio-python's validator builds it. SignalWire's SDK sorts by name alone
//! with a stable sort, so a repeated name keeps its values in submission
//! order, every one: [`append_in_submission_order`]. Without a repeated name
//! the two texts are the same, and only the first is built.
//!
//! Sorting ~60 names that share prefixes ("AudioIn…", "Call…") as byte
//! strings each time costs ~19k instructions per callback more than this,
//! over half the HMAC's ~32k (docs/benchmarks.md). Instead each name's
//! first eight bytes are one integer, whose order is the names' order
//! wherever they differ there; only names alike in them ("AudioInM…") are
//! compared as strings. And a sender lays out its callbacks the same way
//! each time, so the order the last body with as many fields sorted to is
//! tried first: checking it is one pass, and the copying happens in it.

use std::cell::RefCell;
use std::ops::Range;

use crate::domain::Params;

/// Σ name + value over the sorted parameters, appended to `out`: one buffer,
/// so the MAC gets one `update` instead of one per name and value. Returns
/// whether a name repeats (and so the SDK's order may be another text).
pub(super) fn append_signed_params(params: &Params<'_>, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    // Room for every piece plus one short copy's overrun: the pieces are
    // ranges of the text, so its length bounds their sum.
    out.resize(start + params.bytes().len() + SHORT, 0);
    let (end, repeated) = LAST_ORDER.with_borrow_mut(|orders| {
        let order = &mut orders[params.len() % ORDER_SLOTS];
        // The remembered order admits only strictly rising names.
        match in_last_order(params, order, out, start) {
            Some(end) => (end, false),
            None => sorted(params, order, out, start),
        }
    });
    out.truncate(end);
    repeated
}

/// Σ name + value with the fields sorted by name alone, stably, every field
/// kept: SignalWire's SDK's text. Rare (a repeated name), so plain.
pub(super) fn append_in_submission_order(params: &Params<'_>, out: &mut Vec<u8>) {
    let text = params.bytes();
    let mut fields: Vec<_> = (0..params.len()).filter_map(|i| params.spans(i)).collect();
    fields.sort_by(|(a, _), (b, _)| text[a.clone()].cmp(&text[b.clone()]));
    for (name, value) in fields {
        out.extend_from_slice(&text[name]);
        out.extend_from_slice(&text[value]);
    }
}

/// How many field layouts each worker thread remembers: slot `n % ORDER_SLOTS`
/// holds the order of the last body with `n` fields.
const ORDER_SLOTS: usize = 4;

thread_local! {
    /// Per worker thread, the sorted field order of recent bodies, by field
    /// count (a sender's progress and terminal callbacks differ).
    static LAST_ORDER: RefCell<[Vec<u32>; ORDER_SLOTS]> = RefCell::new(Default::default());
}

/// Copies the fields in `order` to `out` from `at`, if that order sorts
/// `params` with no field repeated; where it does not, `None` (and `out` is
/// to be overwritten).
fn in_last_order(params: &Params<'_>, order: &[u32], out: &mut [u8], at: usize) -> Option<usize> {
    if order.len() != params.len() {
        return None;
    }
    let text = params.bytes();
    let mut end = at;
    // The previous field's key and name (none before the first: 0 and an
    // empty name, below every other).
    let (mut last_key, mut last_name) = (0, 0..0);
    for &i in order {
        let (name, value) = params.spans(i as usize)?;
        let key = prefix8(text, name.clone());
        // Names alike in their first eight bytes ("AudioInM…") are compared
        // whole; the rest by the integer alone.
        if key <= last_key && !follows(text, &name, &last_name) {
            return None;
        }
        end = put(out, end, text, name.clone());
        end = put(out, end, text, value);
        (last_key, last_name) = (key, name);
    }
    Some(end)
}

/// Whether the name `text[name]` sorts after `text[last]`: the rare check
/// of names with equal keys, kept out of the loop.
#[cold]
fn follows(text: &[u8], name: &Range<usize>, last: &Range<usize>) -> bool {
    text[name.clone()] > text[last.clone()]
}

/// Sorts the fields with text, copies them to `out` from `at`, and keeps
/// the order for the next body with as many fields (which, with a pair
/// repeated, is one field short and will not be tried). Returns where the
/// text ends and whether a name repeats.
fn sorted(params: &Params<'_>, order: &mut Vec<u32>, out: &mut [u8], at: usize) -> (usize, bool) {
    let text = params.bytes();
    let mut keys: Vec<(u64, u32)> = (0..params.len())
        .filter_map(|i| {
            let (name, _) = params.spans(i)?;
            Some((prefix8(text, name), i as u32))
        })
        .collect();
    keys.sort_unstable();
    order.clear();
    let mut repeated = false;
    // Every key is of a field with text.
    let pair = |&(_, i): &(u64, u32)| {
        let (name, value) = params.spans(i as usize).unwrap_or_default();
        (&text[name], &text[value])
    };
    for run in keys.chunk_by_mut(|a, b| a.0 == b.0) {
        // Names alike in their first eight bytes, or repeated: compared
        // whole, a repeated pair signed once.
        run.sort_unstable_by(|a, b| pair(a).cmp(&pair(b)));
        let mut last = None;
        for key in run.iter() {
            let (name, _) = pair(key);
            repeated |= last.is_some_and(|(last_name, _)| last_name == name);
            if last != Some(pair(key)) {
                order.push(key.1);
                last = Some(pair(key));
            }
        }
    }
    let mut end = at;
    for &i in order.iter() {
        let (name, value) = params.spans(i as usize).unwrap_or_default();
        end = put(out, end, text, name);
        end = put(out, end, text, value);
    }
    (end, repeated)
}

/// The first eight bytes of the name `text[name]` as a big-endian integer,
/// zero-padded: integer order is byte order where names differ in them.
#[inline(always)]
fn prefix8(text: &[u8], name: Range<usize>) -> u64 {
    // One load of the eight bytes from the name's start, those past its end
    // masked off; a copy of a variable length would call `memcpy`.
    match text.get(name.start..name.start + 8) {
        Some(&[a, b, c, d, e, f, g, h]) => {
            let past_end = 8 * 8usize.saturating_sub(name.len()) as u32;
            u64::from_be_bytes([a, b, c, d, e, f, g, h])
                & u64::MAX.checked_shl(past_end).unwrap_or(0)
        }
        _ => prefix8_padded(&text[name]),
    }
}

/// [`prefix8`] of a name near the end of the text.
#[cold]
#[inline(never)]
fn prefix8_padded(name: &[u8]) -> u64 {
    let mut padded = [0u8; 8];
    let len = name.len().min(8);
    padded[..len].copy_from_slice(&name[..len]);
    u64::from_be_bytes(padded)
}

/// A piece at most this long is copied as a fixed-size block, which the
/// compiler inlines as a few moves, instead of calling `memcpy` for its
/// exact length; the bytes copied beyond it are overwritten or truncated.
const SHORT: usize = 32;

/// Copies `text[piece]` to `out` at `at` and returns where it ends.
#[inline(always)]
fn put(out: &mut [u8], at: usize, text: &[u8], piece: Range<usize>) -> usize {
    let len = piece.len();
    if len <= SHORT {
        if let (Some(from), Some(to)) = (
            text.get(piece.start..piece.start + SHORT),
            out.get_mut(at..at + SHORT),
        ) {
            to.copy_from_slice(from);
            return at + len;
        }
    }
    put_exact(out, at, text, piece)
}

/// [`put`] for a long piece, or one near the end of the text.
#[cold]
#[inline(never)]
fn put_exact(out: &mut [u8], at: usize, text: &[u8], piece: Range<usize>) -> usize {
    let end = at + piece.len();
    out[at..end].copy_from_slice(&text[piece]);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(params: &Params<'_>) -> String {
        let mut out = Vec::new();
        append_signed_params(params, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// The definition, with string sorting.
    fn plain(pairs: &[(&str, &str)]) -> String {
        let mut sorted = pairs.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(|(n, v)| format!("{n}{v}")).collect()
    }

    #[test]
    fn prefix_keyed_sort_is_plain_lexicographic_order() {
        let names = [
            "AudioInMos",
            "AudioInMediaPacketCount",
            "AudioInJitterMaxVariance",
            "AudioInJitterMinVariance",
            "AudioInJitterMinVarianceX",
            "AudioIn",
            "Audio",
            "AudioIn\u{0}",
            "A",
            "",
            "Call",
            "Caller",
            "CallSid",
            "Zé",
            "Z",
        ];
        let values = ["b", "a", ""];
        let pairs: Vec<(&str, &str)> = names
            .iter()
            .flat_map(|n| values.iter().map(move |v| (*n, *v)))
            .collect();
        let params: Params = pairs.iter().copied().collect();
        assert_eq!(signed(&params), plain(&pairs));
    }

    #[test]
    fn the_last_order_is_checked_not_trusted() {
        // Same field count, so the second body is tried in the first's
        // order: a different layout, then equal prefixes, then repeats.
        let bodies: [&[(&str, &str)]; 4] = [
            &[("b", "1"), ("a", "2"), ("c", "3")],
            &[("c", "1"), ("b", "2"), ("a", "3")],
            &[
                ("AudioInJitterMaxVarianceA", "1"),
                ("b", "2"),
                ("AudioInJitterMaxVarianceB", "3"),
            ],
            &[("a", "2"), ("a", "1"), ("a", "2")],
        ];
        for pairs in bodies.iter().chain(bodies.iter()) {
            let params: Params = pairs.iter().copied().collect();
            assert_eq!(signed(&params), plain(pairs), "{pairs:?}");
        }
    }

    #[test]
    fn a_sorted_layout_is_remembered_in_its_final_order_and_taken_next_time() {
        // Names alike in their first eight bytes, out of order by position.
        let pairs = [
            ("AudioInMos", "4"),
            ("AudioInMediaPacketCount", "9"),
            ("A", ""),
        ];
        let params: Params = pairs.iter().copied().collect();
        let mut order = Vec::new();
        let mut out = vec![0; params.bytes().len() + SHORT];
        let (end, repeated) = sorted(&params, &mut order, &mut out, 0);
        assert!(!repeated);
        assert_eq!(order, [2, 1, 0]);
        assert_eq!(in_last_order(&params, &order, &mut out, 0), Some(end));
        assert_eq!(in_last_order(&params, &[2, 0, 1], &mut out, 0), None);
    }

    proptest::proptest! {
        /// Any fields, signed twice (the second time through the order the
        /// first remembered), then a reshuffle with as many fields: always
        /// the plain definition. Names from a small alphabet share long
        /// prefixes and repeat, the cases the integer keys must not hide.
        #[test]
        fn any_fields_sign_as_the_plain_definition(
            pairs in proptest::collection::vec(("[ab]{0,10}", "[xy]{0,3}"), 0..12),
            shift in 0usize..12,
        ) {
            let pairs: Vec<(&str, &str)> =
                pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let mut shuffled = pairs.clone();
            shuffled.rotate_left(shift.min(pairs.len()));
            for body in [&pairs, &pairs, &shuffled] {
                let params: Params = body.iter().copied().collect();
                proptest::prop_assert_eq!(signed(&params), plain(body));
            }
        }
    }

    #[test]
    fn signed_text_is_the_plain_concatenation_whatever_the_piece_lengths() {
        // Pieces shorter and longer than SHORT, and the last piece of the
        // text, whose block copy would run past its end.
        let long = "x".repeat(SHORT + 7);
        let pairs = [
            ("b", long.as_str()),
            ("a", "1"),
            (long.as_str(), ""),
            ("c", &long[..SHORT]),
            ("d", "last"),
        ];
        let mut body = pairs
            .map(|(n, v)| format!("{n}={v}"))
            .join("&")
            .into_bytes();
        let params = Params::decode_form(&mut body).unwrap();
        assert_eq!(signed(&params), plain(&pairs));
    }
}
