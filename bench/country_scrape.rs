//! What `--labels.country` costs a scrape: `/metrics` size and render time
//! with the flag off, and on with every region (and `other`, `unknown`)
//! present in every direction: its worst case. No HTTP: the render alone,
//! as `routes::metrics` does it.
//!
//!     cargo run --release --example country_scrape

#![forbid(unsafe_code)]

use std::time::Instant;

use signalwire_exporter::call_state::{CallState, CallsConfig};
use signalwire_exporter::domain::{Country, CountryLabels, Params, StatusEvent};
use signalwire_exporter::recorder::Recorder;
use time::OffsetDateTime;

const DIRECTIONS: [&str; 4] = ["inbound", "outbound-api", "outbound-dial", "sideways"];

fn measure(name: &str, countries: bool) {
    let config = CallsConfig {
        countries: countries.then(CountryLabels::all),
        ..CallsConfig::default()
    };
    let mut recorder = Recorder::new(true);
    if countries {
        recorder = recorder.with_countries();
    }
    let calls = CallState::new(&config);
    recorder.register(calls.collector());
    let mut numbers: Vec<String> = Country::regions()
        .iter()
        .filter_map(Country::example_number)
        .collect();
    let with_example = numbers.len();
    numbers.push("not a number".into());
    let now = OffsetDateTime::now_utc();
    let mut sid = 0;
    for number in &numbers {
        for direction in DIRECTIONS {
            sid += 1;
            let call_sid = format!("CA{sid}");
            let pairs = [
                ("CallSid", call_sid.as_str()),
                ("CallStatus", "completed"),
                ("Direction", direction),
                ("From", number.as_str()),
                ("To", number.as_str()),
                ("AudioInMediaPacketCount", "1000"),
                ("AudioInMos", "3.0"),
            ];
            let params: Params<'_> = pairs.into_iter().collect();
            let event = StatusEvent::parse(&params).expect("a valid event");
            let effects = calls.record(&event, &params, now);
            recorder.record(&event, &effects, now);
        }
    }
    let size = recorder.render().len();
    let runs = 50;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(recorder.render());
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let series = recorder
        .render()
        .lines()
        .filter(|l| l.starts_with("signalwire_country_"))
        .count();
    println!(
        "{name}: {sid} calls ({with_example} regions with an example number), \
         /metrics {size} bytes, {series} signalwire_country_* series, \
         render median {:.2} ms (p90 {:.2} ms, {runs} runs)",
        times[runs / 2],
        times[runs * 9 / 10],
    );
}

fn main() {
    measure("--labels.country off", false);
    measure("--labels.country on, every country", true);
}
