//! The country of each number on stdin, one a line, as `--labels.country`
//! labels it (`domain::Country::of_number`), and the time it took. For
//! `bench/country_check.py`, which compares them with Python's
//! `phonenumbers` (libphonenumber's metadata):
//!
//!     cargo build --release --example countries
//!     python3 bench/country_check.py

#![forbid(unsafe_code)]

use std::io::{BufRead, Write};
use std::time::Instant;

use signalwire_exporter::domain::{Country, CountryLabels};

fn main() {
    let numbers: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .collect();
    let labels = CountryLabels::all();
    let started = Instant::now();
    let countries: Vec<Country> = numbers.iter().map(|n| labels.of_number(n)).collect();
    let cold = started.elapsed();
    // Again, every calling code's patterns compiled: the steady state.
    let started = Instant::now();
    let again: Vec<Country> = numbers.iter().map(|n| labels.of_number(n)).collect();
    let took = started.elapsed();
    assert_eq!(countries, again);
    let mut out = std::io::stdout().lock();
    for c in countries {
        writeln!(out, "{c}").expect("stdout");
    }
    eprintln!(
        "{} numbers: first pass (compiling patterns) {:?}, second {:?}: {:.2} µs a number",
        numbers.len(),
        cold,
        took,
        took.as_secs_f64() * 1e6 / numbers.len().max(1) as f64
    );
}
