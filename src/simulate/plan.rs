//! The pure half of the simulator: a seed and a profile in, calls out.
//!
//! Every call draws from its own RNG, seeded from (seed, call index), so call
//! `n` is the same whatever the number of calls, and the duplicate decisions
//! are drawn last so that changing the duplicate ratio changes nothing else.
//! The call's timeline and its delivery order (out of order, lost terminal)
//! come from two more streams of their own, for the same reason. Nothing
//! here reads the clock: the sender gives the call its start (`fields`).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::timeline::{delivery_order, Timeline};
use crate::domain::{CallStatus, Country, Direction};

/// How healthy the simulated network and carriers are; `Good` unless told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// ~95% of calls answered; ~1% of answered calls with MOS <= 3.5; ring
    /// within 1-4 s, answered within 2-10 s.
    #[default]
    Good,
    /// ~80% answered; ~25% of answered calls with 5-20% loss, MOS < 3.5 and
    /// most with high jitter, ~8% silent (one-way audio); slow to ring and
    /// to answer, with long tails. The bad calls are those to and from one
    /// country, `TROUBLED_COUNTRY` (MX), which takes ~46% of the calls.
    Degraded,
    /// Most calls fail with SIP 503 before ringing; the few answered ones
    /// sound poor.
    Outage,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Good => "good",
            Profile::Degraded => "degraded",
            Profile::Outage => "outage",
        }
    }

    /// Whether the bad calls of this profile are concentrated in
    /// `TROUBLED_COUNTRY`: the degraded one's are, the rest of its calls
    /// draw as good ones.
    fn troubled(self, country: Country) -> bool {
        self == Profile::Degraded && country.as_str() == TROUBLED_COUNTRY
    }

    /// Weights (per mille) of each way a call to or from `country` ends.
    fn endings(self, country: Country) -> &'static [(Ending, u32)] {
        use Ending::*;
        match self {
            Profile::Degraded if self.troubled(country) => &[
                (Completed, 520),
                (Busy, 110),
                (NoAnswer480, 90),
                (NoAnswer408, 60),
                (Failed404, 30),
                (Failed503, 110),
                (Canceled, 80),
            ],
            Profile::Good | Profile::Degraded => &[
                (Completed, 950),
                (Busy, 15),
                (NoAnswer480, 10),
                (NoAnswer408, 5),
                (Failed404, 6),
                (Failed503, 4),
                (Canceled, 10),
            ],
            Profile::Outage => &[
                (Completed, 100),
                (Busy, 20),
                (NoAnswer480, 10),
                (NoAnswer408, 30),
                (Failed404, 20),
                (Failed503, 790),
                (Canceled, 30),
            ],
        }
    }

    /// Weights (per mille) of the audio quality of answered calls.
    fn qualities(self, country: Country) -> &'static [(Quality, u32)] {
        match self {
            Profile::Degraded if self.troubled(country) => &[
                (Quality::Clean, 0),
                (Quality::Fair, 20),
                (Quality::Poor, 720),
                (Quality::Silent, 260),
            ],
            Profile::Good | Profile::Degraded => &[
                (Quality::Clean, 900),
                (Quality::Fair, 90),
                (Quality::Poor, 10),
                (Quality::Silent, 0),
            ],
            Profile::Outage => &[
                (Quality::Clean, 0),
                (Quality::Fair, 300),
                (Quality::Poor, 700),
                (Quality::Silent, 0),
            ],
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The audio quality tier of an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// Loss up to 0.3%: MOS 4.4 to 4.5.
    Clean,
    /// Loss 0.5-3%, somewhat bursty: MOS about 4.2 to 4.45.
    Fair,
    /// Loss 5-20% in bursts: MOS about 2 to 3.4.
    Poor,
    /// One-way audio: at least 10 s, and at most 2% of the inbound packets
    /// its duration implies, none in half of them.
    Silent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Completed,
    Busy,
    NoAnswer480,
    NoAnswer408,
    Failed404,
    Failed503,
    Canceled,
}

impl Ending {
    fn status(self) -> CallStatus {
        match self {
            Ending::Completed => CallStatus::Completed,
            Ending::Busy => CallStatus::Busy,
            Ending::NoAnswer480 | Ending::NoAnswer408 => CallStatus::NoAnswer,
            Ending::Failed404 | Ending::Failed503 => CallStatus::Failed,
            Ending::Canceled => CallStatus::Canceled,
        }
    }

    fn sip(self) -> (u16, &'static str) {
        match self {
            Ending::Completed => (200, "OK"),
            Ending::Busy => (486, "Busy Here"),
            Ending::NoAnswer480 => (480, "Temporarily Unavailable"),
            Ending::NoAnswer408 => (408, "Request Timeout"),
            Ending::Failed404 => (404, "Not Found"),
            Ending::Failed503 => (503, "Service Unavailable"),
            Ending::Canceled => (487, "Request Terminated"),
        }
    }
}

/// One status callback of a planned call, without `Timestamp` and
/// `AccountSid`, which the sender adds.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEvent {
    pub status: CallStatus,
    pub sequence: u32,
    /// Form fields in the order they are sent.
    pub params: Vec<(&'static str, String)>,
    /// Whether this event is delivered a second time, as a retry.
    pub duplicate: bool,
    /// Seconds from the call's `initiated` Timestamp to this event's.
    pub offset: u32,
}

/// What a call's terminal event reports, for the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerminalStats {
    pub status: CallStatus,
    pub sip_code: u16,
    /// AudioInMediaPacketCount: 0 for calls that were never answered.
    pub media_packets: u64,
    /// AudioInSkipPacketCount.
    pub skipped_packets: u64,
    /// AudioInMos as sent (two decimals), a meaningless 4.5 without media.
    pub mos: f64,
    /// AudioInJitterMaxVariance as sent (two decimals), in ms².
    pub jitter_max_variance: f64,
    /// CallDuration in seconds; 0 for calls that were never answered.
    pub duration: u32,
    /// AudioInAveragePtime as sent (two decimals), in ms; 0 without media.
    pub average_ptime: f64,
}

/// One simulated call and the callbacks SignalWire would send for it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub index: u64,
    pub call_sid: String,
    pub direction: Direction,
    /// The remote party's country (`From` of inbound calls, `To` of the
    /// others), as the exporter's `--labels.country` reads it.
    pub country: Country,
    /// `None` for calls that were never answered.
    pub quality: Option<Quality>,
    pub terminal: TerminalStats,
    /// In sequence order; the last one is terminal.
    pub events: Vec<PlannedEvent>,
    pub timeline: Timeline,
    /// Indices into `events` in the order they are delivered: sequence order
    /// unless two were swapped, without the terminal one when it is lost.
    pub delivery: Vec<usize>,
}

impl PlannedCall {
    /// Whether the terminal event is never delivered.
    pub fn terminal_lost(&self) -> bool {
        let terminal = self.events.len().checked_sub(1);
        terminal.is_some_and(|t| !self.delivery.contains(&t))
    }

    /// Whether the events are not delivered in sequence order.
    pub fn out_of_order(&self) -> bool {
        self.delivery.windows(2).any(|w| w[0] > w[1])
    }

    /// The form fields of `events[index]` as sent for a call that started
    /// (its `initiated` Timestamp) at `start`, a whole second: the planned
    /// ones, then `AccountSid` and `Timestamp` (RFC 2822).
    pub fn fields(
        &self,
        index: usize,
        account_sid: &str,
        start: OffsetDateTime,
    ) -> Vec<(&'static str, String)> {
        let event = &self.events[index];
        let mut fields = event.params.clone();
        fields.push(("AccountSid", account_sid.to_owned()));
        let at = start + time::Duration::seconds(i64::from(event.offset));
        // Years 1900 to 9999 format; a clock outside them sends no Timestamp.
        if let Ok(timestamp) = at.format(&Rfc2822) {
            fields.push(("Timestamp", timestamp));
        }
        fields
    }
}

/// An endless, deterministic stream of calls.
#[derive(Debug, Clone)]
pub struct Generator {
    profile: Profile,
    seed: u64,
    duplicate_ratio: f64,
    out_of_order_ratio: f64,
    lose_terminal_ratio: f64,
    next: u64,
    /// The numbers "we" own: To of inbound calls, From of outbound ones.
    own_numbers: Vec<String>,
    /// Where the remote parties are, weighted for this profile.
    destinations: Vec<(Destination, u32)>,
}

pub const DEFAULT_DUPLICATE_RATIO: f64 = 0.02;
pub const DEFAULT_OUT_OF_ORDER_RATIO: f64 = 0.05;
pub const DEFAULT_LOSE_TERMINAL_RATIO: f64 = 0.0;

/// Sub-streams of a call's seed: its timeline, its delivery, its remote
/// party's country and number.
const TIMELINE_STREAM: u64 = 1;
const DELIVERY_STREAM: u64 = 2;
const DESTINATION_STREAM: u64 = 3;

impl Generator {
    pub fn new(profile: Profile, seed: u64) -> Self {
        let mut rng = SmallRng::seed_from_u64(mix(seed, u64::MAX));
        let own_numbers = (0..3).map(|_| phone_number(&mut rng)).collect();
        Generator {
            profile,
            seed,
            duplicate_ratio: DEFAULT_DUPLICATE_RATIO,
            out_of_order_ratio: DEFAULT_OUT_OF_ORDER_RATIO,
            lose_terminal_ratio: DEFAULT_LOSE_TERMINAL_RATIO,
            next: 0,
            own_numbers,
            destinations: destinations(profile),
        }
    }

    /// Share of deliveries sent twice (0 to 1).
    pub fn duplicate_ratio(mut self, ratio: f64) -> Self {
        self.duplicate_ratio = ratio.clamp(0.0, 1.0);
        self
    }

    /// Share of calls with two events delivered in the wrong order (0 to 1).
    pub fn out_of_order_ratio(mut self, ratio: f64) -> Self {
        self.out_of_order_ratio = ratio.clamp(0.0, 1.0);
        self
    }

    /// Share of calls whose terminal event is never delivered (0 to 1).
    pub fn lose_terminal_ratio(mut self, ratio: f64) -> Self {
        self.lose_terminal_ratio = ratio.clamp(0.0, 1.0);
        self
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Call number `index` of this stream, independent of the others.
    pub fn call(&self, index: u64) -> PlannedCall {
        let mut rng = SmallRng::seed_from_u64(mix(self.seed, index));
        let rng = &mut rng;
        let (country, remote) = self.destination(index);
        let direction = *pick(rng, DIRECTIONS);
        let ending = *pick(rng, self.profile.endings(country));
        let status = ending.status();
        let (sip_code, sip_phrase) = ending.sip();
        let parties = Parties::draw(rng, direction, &self.own_numbers, remote);
        let answered = status == CallStatus::Completed;
        let quality = answered.then(|| *pick(rng, self.profile.qualities(country)));
        let audio = match quality {
            Some(q) => Audio::answered(rng, q),
            None => Audio::unanswered(),
        };
        // Who hung up: on answered calls either side; otherwise the callee's
        // side ended it (busy, no answer, failure) or the caller canceled.
        let hangup_direction = match status {
            CallStatus::Completed if rng.gen_bool(0.5) => "inbound",
            CallStatus::Completed => "outbound",
            CallStatus::Canceled => "inbound",
            _ => "outbound",
        };
        let mut terminal = vec![
            ("SipResultCode", sip_code.to_string()),
            ("SipInviteResultPhrase", sip_phrase.to_owned()),
            ("HangupDirection", hangup_direction.to_owned()),
        ];
        audio.push_params(&mut terminal);
        let mut events = parties.events(direction, status, terminal);
        // Drawn last, one draw per event, so the ratio changes nothing else.
        for event in &mut events {
            event.duplicate = rng.gen::<f64>() < self.duplicate_ratio;
        }
        let (timeline, delivery) = self.schedule(index, &mut events, (sip_code, audio.duration));
        PlannedCall {
            index,
            call_sid: parties.call_sid,
            direction,
            country,
            quality,
            terminal: TerminalStats {
                status,
                sip_code,
                media_packets: audio.media,
                skipped_packets: audio.skipped,
                mos: audio.mos,
                jitter_max_variance: audio.jitter_max,
                duration: audio.duration,
                average_ptime: audio.ptime,
            },
            events,
            timeline,
            delivery,
        }
    }

    /// The remote party of call `index`: its country and a number of it,
    /// from a stream of its own.
    fn destination(&self, index: u64) -> (Country, String) {
        let seed = mix(mix(self.seed, index), DESTINATION_STREAM);
        let mut rng = SmallRng::seed_from_u64(seed);
        let destination = pick(&mut rng, &self.destinations);
        (destination.country, destination.number(&mut rng))
    }

    /// When the call's `events` happen (their `offset`) and the order they
    /// are delivered in, each from a stream of its own.
    fn schedule(
        &self,
        index: u64,
        events: &mut [PlannedEvent],
        (sip_code, duration): (u16, u32),
    ) -> (Timeline, Vec<usize>) {
        let status = events.last().map_or(CallStatus::Other, |e| e.status);
        let call_seed = mix(self.seed, index);
        let mut rng = SmallRng::seed_from_u64(mix(call_seed, TIMELINE_STREAM));
        let timeline = Timeline::draw(&mut rng, self.profile, status, sip_code, duration);
        for event in events.iter_mut() {
            event.offset = timeline.offset(event.status);
        }
        let mut rng = SmallRng::seed_from_u64(mix(call_seed, DELIVERY_STREAM));
        let delivery = delivery_order(
            &mut rng,
            events.len(),
            self.out_of_order_ratio,
            self.lose_terminal_ratio,
        );
        (timeline, delivery)
    }
}

const DIRECTIONS: &[(Direction, u32)] = &[
    (Direction::Inbound, 45),
    (Direction::OutboundApi, 35),
    (Direction::OutboundDial, 20),
];

/// The country whose calls go bad in the degraded profile.
pub const TROUBLED_COUNTRY: &str = "MX";

/// Where remote parties are: shares of calls, in per cent.
const DESTINATIONS: &[(&str, u32)] = &[
    ("US", 50),
    ("GB", 10),
    ("CA", 8),
    ("DE", 6),
    ("MX", 5),
    ("IN", 5),
    ("FR", 4),
    ("BR", 4),
    ("AU", 3),
    ("JP", 3),
    ("ES", 2),
];

/// `TROUBLED_COUNTRY`'s weight in the degraded profile (~46% of calls), so
/// that its bad calls make the profile's quarter of poor answered calls
/// while the other countries' calls stay good.
const TROUBLED_WEIGHT: u32 = 80;

/// A country remote parties are in, and a valid number of it.
#[derive(Debug, Clone)]
struct Destination {
    country: Country,
    example: String,
}

impl Destination {
    /// A number of this country: its example with the last four digits
    /// drawn, kept only when the exporter reads it as this country.
    fn number(&self, rng: &mut SmallRng) -> String {
        let keep = self.example.len().saturating_sub(4);
        for _ in 0..4 {
            let n = format!("{}{:04}", &self.example[..keep], rng.gen_range(0..10_000));
            if Country::of_number(&n) == self.country {
                return n;
            }
        }
        self.example.clone()
    }
}

/// The weighted destinations of `profile`.
fn destinations(profile: Profile) -> Vec<(Destination, u32)> {
    DESTINATIONS
        .iter()
        .filter_map(|&(code, weight)| {
            let country = Country::region(code)?;
            let example = country.example_number()?;
            let troubled = profile.troubled(country);
            let weight = if troubled { TROUBLED_WEIGHT } else { weight };
            Some((Destination { country, example }, weight))
        })
        .collect()
}

/// Who a call is between, and its identifiers.
struct Parties {
    call_sid: String,
    sip_call_id: String,
    from: String,
    to: String,
}

impl Parties {
    fn draw(
        rng: &mut SmallRng,
        direction: Direction,
        own_numbers: &[String],
        other: String,
    ) -> Self {
        let call_sid = format!("CA{:032x}", rng.gen::<u128>());
        let sip_call_id = format!("{}@sip.signalwire.com", uuid(rng));
        let own = own_numbers[rng.gen_range(0..own_numbers.len())].clone();
        let (from, to) = match direction {
            Direction::Inbound => (other, own),
            _ => (own, other),
        };
        Parties {
            call_sid,
            sip_call_id,
            from,
            to,
        }
    }

    /// The call's events up to `status`, the last one carrying `terminal`.
    fn events(
        &self,
        direction: Direction,
        status: CallStatus,
        terminal: Vec<(&'static str, String)>,
    ) -> Vec<PlannedEvent> {
        let mut statuses = vec![CallStatus::Initiated];
        if status != CallStatus::Failed {
            // A failed INVITE never rings.
            statuses.push(CallStatus::Ringing);
        }
        if status == CallStatus::Completed {
            statuses.push(CallStatus::InProgress);
        }
        statuses.push(status);
        let last = statuses.len() - 1;
        let mut terminal = Some(terminal);
        statuses
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let sequence = i as u32;
                let mut params = vec![
                    ("CallSid", self.call_sid.clone()),
                    ("CallStatus", s.as_str().to_owned()),
                    ("Direction", direction.as_str().to_owned()),
                    ("From", self.from.clone()),
                    ("To", self.to.clone()),
                    ("ApiVersion", "2010-04-01".to_owned()),
                    ("CallbackSource", "call-progress-events".to_owned()),
                    ("SequenceNumber", sequence.to_string()),
                    ("SipCallId", self.sip_call_id.clone()),
                ];
                if i == last {
                    params.extend(terminal.take().into_iter().flatten());
                }
                PlannedEvent {
                    status: s,
                    sequence,
                    params,
                    duplicate: false,
                    offset: 0,
                }
            })
            .collect()
    }
}

impl Iterator for Generator {
    type Item = PlannedCall;

    fn next(&mut self) -> Option<PlannedCall> {
        let call = self.call(self.next);
        self.next += 1;
        Some(call)
    }
}

/// The first `calls` calls of the stream for `profile` and `seed`, with the
/// default duplicate ratio.
pub fn plan(profile: Profile, calls: usize, seed: u64) -> Vec<PlannedCall> {
    Generator::new(profile, seed).take(calls).collect()
}

/// `loss`: share of packets lost; `flaw_ratio`: FreeSWITCH's flaws (losses
/// plus its penalty for consecutive ones) per packet received, which is what
/// R and so the MOS come from.
fn loss(rng: &mut SmallRng, quality: Quality) -> (f64, f64) {
    match quality {
        Quality::Clean => {
            let loss = rng.gen_range(0.0..0.003);
            (loss, loss * rng.gen_range(1.0..1.5))
        }
        Quality::Fair => {
            let loss = rng.gen_range(0.005..0.03);
            (loss, loss * rng.gen_range(1.5..4.0))
        }
        Quality::Poor => (rng.gen_range(0.05..0.20), rng.gen_range(0.35..0.65)),
        // The few packets that arrive arrive whole.
        Quality::Silent => (0.0, 0.0),
    }
}

/// Jitter variance (min, max, in ms²), largest jitter buffer, ptime and
/// flushed packets, worse as quality drops.
fn buffer(rng: &mut SmallRng, quality: Quality, media: u64) -> (f64, f64, u64, f64, u64) {
    match quality {
        Quality::Clean | Quality::Silent => (
            rng.gen_range(0.0..0.5),
            rng.gen_range(0.5..20.0),
            rng.gen_range(1..4),
            rng.gen_range(20.0..20.03),
            0,
        ),
        Quality::Fair => (
            rng.gen_range(0.0..2.0),
            // Now and then a burst of jitter, above the 900 ms² (30 ms) tag.
            if rng.gen_bool(0.05) {
                rng.gen_range(901.0..2500.0)
            } else {
                rng.gen_range(10.0..60.0)
            },
            rng.gen_range(2..12),
            rng.gen_range(20.0..20.2),
            rng.gen_range(0..5),
        ),
        Quality::Poor => (
            rng.gen_range(0.5..10.0),
            // Three in four above 900 ms²: a 30 ms deviation.
            rng.gen_range(200.0..3000.0),
            rng.gen_range(10..200),
            rng.gen_range(20.2..22.0),
            (media as f64 * rng.gen_range(0.001..0.02)).round() as u64,
        ),
    }
}

/// The E-model MOS from the R factor, as FreeSWITCH computes it:
/// `1 + 0.035 R + 7e-6 R (R - 60) (100 - R)`.
pub fn mos_from_r(r: f64) -> f64 {
    1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
}

/// The terminal event's audio statistics.
struct Audio {
    duration: u32,
    media: u64,
    skipped: u64,
    flushed: u64,
    mos: f64,
    jitter_min: f64,
    jitter_max: f64,
    largest_jb: u64,
    ptime: f64,
    dtmf_in: u64,
    out_media: u64,
    out_dtmf: u64,
    recording: Option<u32>,
}

impl Audio {
    fn unanswered() -> Self {
        Audio {
            duration: 0,
            media: 0,
            skipped: 0,
            flushed: 0,
            // What a call without media reports: a placeholder.
            mos: 4.5,
            jitter_min: 0.0,
            jitter_max: 0.0,
            largest_jb: 0,
            ptime: 0.0,
            dtmf_in: 0,
            out_media: 0,
            out_dtmf: 0,
            recording: None,
        }
    }

    fn answered(rng: &mut SmallRng, quality: Quality) -> Self {
        // Log-normal durations: median ~75 s, a long tail to an hour.
        let shortest = if quality == Quality::Silent {
            10.0
        } else {
            3.0
        };
        let duration = (75.0 * (0.9 * normal(rng)).exp())
            .clamp(shortest, 3600.0)
            .round() as u32;
        // 20 ms packets: 50 a second, less a little setup time.
        let expected = u64::from(duration) * 50 - rng.gen_range(0..25);
        if quality == Quality::Silent && rng.gen_bool(0.5) {
            return Audio::one_way(duration);
        }
        let (loss, flaw_ratio) = loss(rng, quality);
        let skipped = (expected as f64 * loss).round() as u64;
        let media = match quality {
            Quality::Silent => (expected as f64 * rng.gen_range(0.0..0.02)).floor() as u64,
            _ => expected - skipped,
        };
        let flaws = (media as f64 * flaw_ratio).round().min(media as f64);
        let r = if media == 0 {
            100.0
        } else {
            100.0 * (media as f64 - flaws) / media as f64
        };
        let mos = round2(mos_from_r(r).clamp(1.0, 4.5));
        let (jitter_min, jitter_max, largest_jb, ptime, flushed) = buffer(rng, quality, media);
        // IVR menus: some calls press a few digits, ~8 RTP events a digit.
        let dtmf_in = if rng.gen_bool(0.15) {
            rng.gen_range(1..8) * 8
        } else {
            0
        };
        let out_dtmf = if rng.gen_bool(0.05) {
            rng.gen_range(1..4) * 8
        } else {
            0
        };
        let out_media = (u64::from(duration) * 50).saturating_sub(rng.gen_range(0..120));
        let recording = rng
            .gen_bool(0.2)
            .then(|| duration.saturating_sub(rng.gen_range(0..3)).max(1));
        Audio {
            duration,
            media,
            skipped,
            flushed,
            mos,
            jitter_min: round2(jitter_min),
            jitter_max: round2(jitter_max),
            largest_jb,
            ptime: round2(ptime),
            dtmf_in,
            out_media,
            out_dtmf,
            recording,
        }
    }

    /// A call that connected and received no inbound audio at all: its MOS
    /// and jitter are the placeholders of a call without media.
    fn one_way(duration: u32) -> Self {
        Audio {
            duration,
            out_media: u64::from(duration) * 50,
            ..Audio::unanswered()
        }
    }

    fn push_params(&self, params: &mut Vec<(&'static str, String)>) {
        let answered = self.media > 0 || self.duration > 0;
        if answered {
            params.push(("CallDuration", self.duration.to_string()));
        }
        params.extend([
            ("AudioInMos", trim_number(self.mos)),
            ("AudioInMediaPacketCount", self.media.to_string()),
            ("AudioInSkipPacketCount", self.skipped.to_string()),
            ("AudioInFlushPacketCount", self.flushed.to_string()),
            ("AudioInDtmfPacketCount", self.dtmf_in.to_string()),
            ("AudioInJitterMinVariance", trim_number(self.jitter_min)),
            ("AudioInJitterMaxVariance", trim_number(self.jitter_max)),
            ("AudioInLargestJbSize", self.largest_jb.to_string()),
            ("AudioInAveragePtime", trim_number(self.ptime)),
            ("AudioOutMediaPacketCount", self.out_media.to_string()),
            ("AudioOutDtmfPacketCount", self.out_dtmf.to_string()),
            ("AudioOutLost", "0".to_owned()),
        ]);
        if let Some(seconds) = self.recording {
            params.push(("RecordingDuration", seconds.to_string()));
        }
    }
}

/// `20.01`, `0.36`, `0`: at most two decimals, as real payloads show them.
fn trim_number(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A weighted choice; the weights need not sum to anything in particular.
fn pick<'a, T>(rng: &mut SmallRng, weighted: &'a [(T, u32)]) -> &'a T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (item, w) in weighted {
        if x < *w {
            return item;
        }
        x -= w;
    }
    unreachable!("x < total")
}

/// A standard normal variate (Box-Muller).
pub(super) fn normal(rng: &mut SmallRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A North American E.164 number: +1, area code and exchange 200-999.
fn phone_number(rng: &mut SmallRng) -> String {
    format!(
        "+1{}{}{:04}",
        rng.gen_range(201..990),
        rng.gen_range(200..1000),
        rng.gen_range(0..10_000)
    )
}

/// A random (version 4 shaped) UUID.
pub(crate) fn uuid(rng: &mut impl Rng) -> String {
    let x: u128 = rng.gen();
    let h = format!("{x:032x}");
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][(x % 4) as usize],
        &h[17..20],
        &h[20..32]
    )
}

/// SplitMix64 of the seed and a stream index: independent per-call seeds.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mos_formula_matches_the_field_notes() {
        assert_eq!(mos_from_r(100.0), 4.5);
        assert!((mos_from_r(68.0) - 3.5).abs() < 0.01);
        assert_eq!(trim_number(20.0), "20");
        assert_eq!(trim_number(20.01), "20.01");
        assert_eq!(trim_number(0.0), "0");
        assert_eq!(trim_number(0.36), "0.36");
    }

    #[test]
    fn every_destination_has_a_valid_number_of_its_country() {
        for profile in [Profile::Good, Profile::Degraded] {
            assert_eq!(destinations(profile).len(), DESTINATIONS.len());
        }
        let generator = Generator::new(Profile::Degraded, 3);
        let mut troubled = 0;
        for call in generator.take(2000) {
            let remote = match call.direction {
                Direction::Inbound => "From",
                _ => "To",
            };
            let number = &call.events[0].params.iter().find(|(n, _)| *n == remote);
            let number = &number.unwrap().1;
            assert_eq!(Country::of_number(number), call.country, "{number}");
            troubled += usize::from(call.country.as_str() == TROUBLED_COUNTRY);
        }
        // 80 of 175: ~46%.
        assert!((820..1000).contains(&troubled), "{troubled}");
    }

    #[test]
    fn calls_are_consistent() {
        for call in plan(Profile::Degraded, 500, 7) {
            let t = call.terminal;
            let last = call.events.last().unwrap();
            assert_eq!(last.status, t.status);
            assert!(t.status.is_terminal());
            assert!((1.0..=4.5).contains(&t.mos), "{t:?}");
            for (i, e) in call.events.iter().enumerate() {
                assert_eq!(e.sequence as usize, i);
            }
            if call.quality == Some(Quality::Silent) {
                assert!(t.duration >= 10, "{t:?}");
                // 2% of 50 packets a second is one a second.
                assert!(t.media_packets <= u64::from(t.duration), "{t:?}");
                assert_eq!(t.skipped_packets, 0);
            } else if t.status == CallStatus::Completed {
                assert_eq!(t.sip_code, 200);
                assert!(t.media_packets > 0);
                let expected = u64::from(t.duration) * 50;
                assert!(t.media_packets + t.skipped_packets <= expected);
                assert!(t.media_packets + t.skipped_packets + 25 >= expected);
                if call.quality == Some(Quality::Poor) {
                    assert!(t.mos < 3.5, "{t:?}");
                } else {
                    assert!(t.mos > 4.0, "{t:?}");
                }
            } else {
                assert_eq!(t.media_packets, 0);
                assert!(!call
                    .events
                    .iter()
                    .any(|e| e.status == CallStatus::InProgress));
            }
            assert!(call.call_sid.starts_with("CA") && call.call_sid.len() == 34);
        }
    }
}
