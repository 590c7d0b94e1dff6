//! Bucket bounds of the call-setup histograms, in seconds. Timestamps carry
//! whole seconds, so every delay is a whole number and `le="0"` holds the
//! calls that rang (or were answered) within the second. The recorder and
//! the simulator's predictions share these lists.

/// `signalwire_call_post_dial_delay_seconds`: Timestamp(ringing) −
/// Timestamp(initiated).
pub const POST_DIAL_DELAY_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 60.0,
];

/// `signalwire_call_answer_delay_seconds`: Timestamp(first in-progress) −
/// Timestamp(ringing).
pub const ANSWER_DELAY_BUCKETS: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_whole_seconds_in_increasing_order_from_zero() {
        for bounds in [POST_DIAL_DELAY_BUCKETS, ANSWER_DELAY_BUCKETS] {
            assert_eq!(bounds[0], 0.0);
            assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
            assert!(bounds.iter().all(|b| b.fract() == 0.0), "{bounds:?}");
        }
        assert_eq!(POST_DIAL_DELAY_BUCKETS.len(), 12);
        assert_eq!(ANSWER_DELAY_BUCKETS.len(), 13);
    }
}
