//! The one parser of the Prometheus text exposition the tests read.

use std::collections::BTreeMap;

use super::Checklist;

/// One sample line: `name{a="x",b="y"} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One row of a table check: metric name, exact label set, expected value.
pub type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

/// A parsed scrape.
#[derive(Debug)]
pub struct Metrics {
    samples: Vec<Sample>,
    pub text: String,
}

impl Metrics {
    /// Every sample of `text`; `# HELP`, `# TYPE` and blank lines are skipped.
    /// Label values are unescaped (`\\`, `\"`, `\n`); values may be `+Inf`,
    /// `-Inf` or `NaN`; a trailing timestamp is ignored. Panics, naming the
    /// line, on anything else.
    pub fn parse(text: &str) -> Self {
        let samples = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| parse_sample(line).unwrap_or_else(|e| panic!("{e} in {line:?}")))
            .collect();
        Metrics {
            samples,
            text: text.to_owned(),
        }
    }

    /// Every sample, in the order of the text.
    pub fn all(&self) -> impl Iterator<Item = &Sample> {
        self.samples.iter()
    }

    /// The samples named `name`.
    pub fn samples<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// The value of the one series with exactly these labels, if present.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<f64> = self
            .samples(name)
            .filter(|s| s.labels == want)
            .map(|s| s.value)
            .collect();
        assert!(
            found.len() <= 1,
            "{name} {labels:?} appears {} times",
            found.len()
        );
        found.first().copied()
    }

    /// Like `get`, but the series must exist.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in:\n{}", self.text))
    }

    /// Sum over every series of a name.
    pub fn sum(&self, name: &str) -> f64 {
        self.sum_matching(name, &[])
    }

    /// Sum over the series of `name` whose labels include all of `matching`.
    pub fn sum_matching(&self, name: &str, matching: &[(&str, &str)]) -> f64 {
        self.samples(name)
            .filter(|s| {
                matching
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    pub fn series_count(&self, name: &str) -> usize {
        self.samples(name).count()
    }

    /// Every label value of every sample.
    pub fn label_values(&self) -> impl Iterator<Item = &str> {
        self.samples
            .iter()
            .flat_map(|s| s.labels.values().map(String::as_str))
    }

    /// `signalwire_exporter_webhooks_total{outcome=...}`.
    pub fn outcome(&self, outcome: &str) -> f64 {
        self.value(
            "signalwire_exporter_webhooks_total",
            &[("outcome", outcome)],
        )
    }

    /// Checks every row `(name, labels, expected)` and fails once, listing
    /// every series that is missing or has another value.
    #[track_caller]
    pub fn check(&self, rows: &[Row]) {
        let mut checks = Checklist::default();
        for (name, labels, want) in rows {
            checks.eq(
                format!("{name}{labels:?}"),
                self.get(name, labels),
                Some(*want),
            );
        }
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or("a sample has a name and a value")?;
    let name = &line[..name_end];
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(inner) => parse_labels(inner)?,
        None => (BTreeMap::new(), &line[name_end..]),
    };
    let value = rest.split_whitespace().next().ok_or("no value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("bad value {v:?}"))?,
    };
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Labels up to the closing brace, and what follows it.
fn parse_labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (name, after_eq) = rest.split_once('=').ok_or("label without =")?;
        let quoted = after_eq.strip_prefix('"').ok_or("unquoted label value")?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    'n' => value.push('\n'),
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    c => return Err(format!("unknown escape \\{c}")),
                },
                (i, '"') => break i + 1,
                (_, c) => value.push(c),
            }
        };
        labels.insert(name.trim().to_owned(), value);
        rest = &quoted[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRAPE: &str = "# HELP x y\n# TYPE x counter\n\
        signalwire_call_events_total{direction=\"inbound\",status=\"completed\"} 3\n\
        signalwire_audio_in_mos_bucket{direction=\"inbound\",status=\"completed\",le=\"3.5\"} 1\n\
        signalwire_audio_in_mos_bucket{direction=\"inbound\",status=\"completed\",le=\"+Inf\"} 2\n\
        weird{a=\"x\\\"y\\\",}\",b=\"back\\\\slash\\nnewline\"} 1e3\n\
        up{} +Inf\n\
        down -Inf 1700000000000\n\
        gone NaN\n\
        process_open_fds 7\n";

    #[test]
    fn the_parser_reads_plain_series_and_skips_help_and_type() {
        let m = Metrics::parse(SCRAPE);
        assert_eq!(m.samples.len(), 8);
        let l = [("direction", "inbound"), ("status", "completed")];
        assert_eq!(m.value("signalwire_call_events_total", &l), 3.0);
        assert_eq!(m.value("process_open_fds", &[]), 7.0);
        assert_eq!(m.get("x", &[]), None);
        assert_eq!(m.series_count("signalwire_audio_in_mos_bucket"), 2);
        assert_eq!(
            m.sum_matching("signalwire_audio_in_mos_bucket", &[("le", "3.5")]),
            1.0
        );
        assert_eq!(m.sum("signalwire_audio_in_mos_bucket"), 3.0);
    }

    #[test]
    fn the_parser_unescapes_label_values_even_with_quote_comma_inside() {
        let m = Metrics::parse(SCRAPE);
        let want = [("a", "x\"y\",}"), ("b", "back\\slash\nnewline")];
        assert_eq!(m.value("weird", &want), 1000.0);
        let values: Vec<&str> = m.label_values().collect();
        assert!(values.contains(&"x\"y\",}"), "{values:?}");
    }

    #[test]
    fn the_parser_reads_infinities_nan_and_ignores_timestamps() {
        let m = Metrics::parse(SCRAPE);
        assert_eq!(m.value("up", &[]), f64::INFINITY);
        assert_eq!(m.value("down", &[]), f64::NEG_INFINITY);
        assert!(m.value("gone", &[]).is_nan());
        let bucket = [
            ("direction", "inbound"),
            ("le", "+Inf"),
            ("status", "completed"),
        ];
        assert_eq!(m.value("signalwire_audio_in_mos_bucket", &bucket), 2.0);
    }

    #[test]
    fn the_parser_refuses_what_is_not_an_exposition() {
        for bad in ["name", "x{a=\"b} 1", "x{a=b} 1", "x{a=\"\\q\"} 1", "x one"] {
            let parsed = std::panic::catch_unwind(|| Metrics::parse(bad));
            assert!(parsed.is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_table_check_lists_every_wrong_row_not_just_the_first() {
        let m = Metrics::parse(SCRAPE);
        let failed = std::panic::catch_unwind(|| {
            m.check(&[
                ("process_open_fds", &[], 8.0),
                ("up", &[], f64::INFINITY),
                ("missing", &[], 1.0),
            ])
        });
        let message = *failed.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("process_open_fds"), "{message}");
        assert!(message.contains("missing"), "{message}");
        assert!(!message.contains("up["), "{message}");
    }
}
