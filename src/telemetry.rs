//! Structured logs: logfmt (Prometheus exporters' default) or JSON.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// `--log.level`: only messages with this severity or above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// `--log.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Logfmt,
    Json,
}

pub fn init(level: LogLevel, format: LogFormat) {
    let level = match level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    };
    // Our own crate at the chosen level; dependencies only when they warn.
    let filter = EnvFilter::new(format!("warn,signalwire_exporter={level}"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Logfmt => builder.event_format(Logfmt::default()).try_init(),
    };
    // A second init (tests, demo) keeps the first subscriber.
    drop(result);
}

/// `ts=… level=info target=… msg="…" key=value`, one line per event.
///
/// Hand-written rather than `tracing-logfmt`: that crate names the message
/// `message=` where Prometheus exporters (and our log pipelines) read `msg=`,
/// and writes an empty value as `key=` where this writes `key=""`.
struct Logfmt {
    /// The clock of `ts`, so tests can fix it.
    now: fn() -> time::OffsetDateTime,
}

impl Default for Logfmt {
    fn default() -> Self {
        Logfmt {
            now: time::OffsetDateTime::now_utc,
        }
    }
}

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ts = (self.now)()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|_| fmt::Error)?;
        let meta = event.metadata();
        write!(
            w,
            "ts={ts} level={} target={}",
            meta.level().as_str().to_ascii_lowercase(),
            meta.target()
        )?;
        let mut fields = LogfmtFields {
            out: String::new(),
            msg: None,
        };
        event.record(&mut fields);
        if let Some(msg) = fields.msg {
            write!(w, " msg={}", quote(&msg))?;
        }
        writeln!(w, "{}", fields.out)
    }
}

struct LogfmtFields {
    out: String,
    msg: Option<String>,
}

impl Visit for LogfmtFields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.msg = Some(text);
        } else {
            let _ = write!(self.out, " {}={}", field.name(), quote(&text));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.msg = Some(value.to_owned());
        } else {
            let _ = write!(self.out, " {}={}", field.name(), quote(value));
        }
    }
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '=' || c.is_control())
    {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What the formatter wrote, shared with the subscriber's writer.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn noon() -> time::OffsetDateTime {
        time::macros::datetime!(2026-12-07 12:00:00.5 UTC)
    }

    /// The lines `log` writes through the logfmt formatter at a fixed time.
    fn logged(log: impl FnOnce()) -> Vec<String> {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(Logfmt { now: noon })
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    const HEAD: &str = "ts=2026-12-07T12:00:00.5Z level=info \
                        target=signalwire_exporter::telemetry::tests";

    #[test]
    fn a_plain_message_is_written_bare_after_the_time_level_and_target() {
        assert_eq!(
            logged(|| tracing::info!("listening")),
            [format!("{HEAD} msg=listening")]
        );
    }

    #[test]
    fn values_with_spaces_quotes_or_equals_signs_are_quoted_and_escaped() {
        let lines = logged(|| {
            tracing::warn!(
                error = %"reset by \"peer\"",
                url = "http://h/?a=b",
                "callback not delivered"
            )
        });
        assert_eq!(
            lines,
            [format!(
                r#"{} msg="callback not delivered" error="reset by \"peer\"" url="http://h/?a=b""#,
                HEAD.replace("level=info", "level=warn")
            )]
        );
    }

    #[test]
    fn numbers_and_booleans_are_written_as_rust_prints_them() {
        let lines = logged(|| {
            tracing::info!(
                sip_result_code = 486_u64,
                offset = -3_i64,
                mos = 3.25,
                jitter = 900.0,
                tls = true,
                "answered"
            )
        });
        assert_eq!(
            lines,
            [format!(
                "{HEAD} msg=answered sip_result_code=486 offset=-3 mos=3.25 jitter=900.0 tls=true"
            )]
        );
    }

    #[test]
    fn an_absent_optional_field_is_left_out_and_an_empty_one_is_quoted() {
        let lines = logged(|| {
            tracing::info!(
                mos = None::<f64>,
                to = Some("+15551234"),
                issues = "",
                "call needs a look"
            )
        });
        assert_eq!(
            lines,
            [format!(
                r#"{HEAD} msg="call needs a look" to=+15551234 issues="""#
            )]
        );
    }
}
