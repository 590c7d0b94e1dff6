//! The real binary with bad flags and hostile settings: each must stop
//! before serving, with its exit code and a one-line reason naming the flag.
//! Self-contained: std::process and loopback sockets only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{free_port, Guard};

const BIN: &str = env!("CARGO_BIN_EXE_signalwire-exporter");

/// Runs the binary to its end (killed after a minute, so that a regression
/// that starts serving fails instead of hanging) and returns its exit code
/// and stderr. The environment is cleared so that no SIGNALWIRE_* variable
/// of the machine leaks in.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the exporter");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status.code(), stderr)
}

/// The first line of clap's error message (the rest is a hint to try --help).
fn first_line(stderr: &str) -> &str {
    stderr.lines().next().unwrap_or_default()
}

#[test]
fn traffic_values_out_of_range_stop_demo_and_simulate_with_exit_2_and_the_range() {
    let rate = "expected calls per second from 0.001 to 100000, e.g. 10";
    let ratio = "expected a share from 0 to 1, e.g. 0.02";
    let cases: [(&[&str], String); 7] = [
        (
            &["demo", "--rate", "0"],
            format!("'0' for '--rate <N>': {rate}"),
        ),
        (
            &["demo", "--rate=-5"],
            format!("'-5' for '--rate <N>': {rate}"),
        ),
        (
            &["demo", "--duplicate-ratio", "1.5"],
            format!("'1.5' for '--duplicate-ratio <R>': {ratio}"),
        ),
        (
            &["simulate", "--target=http://127.0.0.1:9/", "--rate", "-5"],
            format!("'-5' for '--rate <N>': {rate}"),
        ),
        (
            &[
                "simulate",
                "--target=http://127.0.0.1:9/",
                "--duplicate-ratio=1.5",
            ],
            format!("'1.5' for '--duplicate-ratio <R>': {ratio}"),
        ),
        (
            &[
                "simulate",
                "--target=http://127.0.0.1:9/",
                "--concurrency=0",
            ],
            "'0' for '--concurrency <C>': expected a whole number from 1 to 10000, e.g. 8"
                .to_owned(),
        ),
        (
            &["simulate", "--target=127.0.0.1:9711/status-callback"],
            "'127.0.0.1:9711/status-callback' for '--target <URL>': expected an absolute \
             http:// URL, e.g. http://127.0.0.1:9711/status-callback"
                .to_owned(),
        ),
    ];
    for (args, message) in cases {
        let (code, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(
            first_line(&stderr),
            format!("error: invalid value {message}"),
            "{args:?}"
        );
        assert!(!stderr.contains("listening"), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_settings_are_refused_with_exit_2_and_a_line_that_says_what_to_do() {
    let key = "--signalwire.signing-key=k";
    let cases: [(&[&str], &str); 9] = [
        (
            &[key, "--web.external-url=hooks.example.com/signalwire"],
            "signalwire-exporter: --web.external-url \"hooks.example.com/signalwire\": \
             expected an absolute http(s) URL, e.g. https://hooks.example.com/signalwire",
        ),
        // A path alone: the example must not make it a host (https://signalwire).
        (
            &[key, "--web.external-url=/signalwire"],
            "signalwire-exporter: --web.external-url \"/signalwire\": \
             expected an absolute http(s) URL, e.g. https://hooks.example.com/signalwire",
        ),
        (
            &[key, "--web.listen-address=:99999"],
            "signalwire-exporter: --web.listen-address \":99999\": \
             port 99999 is out of range (1-65535)",
        ),
        (
            &[key, "--web.telemetry-path=/healthz"],
            "signalwire-exporter: --web.telemetry-path \"/healthz\" collides with a route \
             of the exporter (/, /healthz, /status-callback, /call-state, /calls); \
             choose another path, e.g. /metrics",
        ),
        (
            &[key, "--web.telemetry-path=/status-callback"],
            "signalwire-exporter: --web.telemetry-path \"/status-callback\" collides with a \
             route of the exporter (/, /healthz, /status-callback, /call-state, /calls); \
             choose another path, e.g. /metrics",
        ),
        (
            &["simulate", "--target=http://127.0.0.1:9/status-callback"],
            "signalwire-exporter simulate: no signing key: set --signing-key, \
             --signing-key-file or the SIGNALWIRE_SIGNING_KEY environment variable to the \
             Signing Key the exporter checks",
        ),
        (
            &[key, "--labels.country", "--labels.country-allow=US,USA"],
            "signalwire-exporter: --labels.country-allow: \"USA\" is not a two-letter region \
             code of libphonenumber (e.g. US, GB; the United Kingdom is GB)",
        ),
        (
            &[key, "--labels.country", "--labels.country-allow=1X"],
            "signalwire-exporter: --labels.country-allow: \"1X\" is not a two-letter region \
             code of libphonenumber (e.g. US, GB; the United Kingdom is GB)",
        ),
        (
            &[key, "--labels.country-allow=US"],
            "signalwire-exporter: --labels.country-allow needs --labels.country",
        ),
    ];
    for (args, message) in cases {
        let (code, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr, format!("{message}\n"), "{args:?}");
    }
}

#[test]
fn a_telemetry_path_colliding_with_a_route_stops_the_demo_too() {
    let (code, stderr) = run(&["demo", "--web.telemetry-path", "/calls"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.starts_with("signalwire-exporter demo: --web.telemetry-path \"/calls\" collides"),
        "{stderr}"
    );
}

#[test]
fn demo_refuses_a_web_config_file_before_or_after_demo_in_one_line() {
    // A file that sets nothing and that the exporter itself would accept:
    // the demo refuses the flag, not the file.
    let file = std::env::temp_dir().join(format!("swx-cli-web-config-{}.yml", std::process::id()));
    std::fs::write(&file, "# nothing yet\n").expect("write the web config");
    let flag = format!("--web.config.file={}", file.display());
    let expected = "signalwire-exporter demo: --web.config.file is not for the demo: its \
                    built-in simulator speaks plain HTTP; try TLS and basic auth with the \
                    exporter itself (no demo)\n";
    for args in [["demo", flag.as_str()], [flag.as_str(), "demo"]] {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr, expected, "{args:?}");
    }
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_busy_metrics_port_is_named_with_its_flag_not_the_webhook_address() {
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let busy = busy.local_addr().expect("address").to_string();
    let (code, stderr) = run(&[
        "--signalwire.signing-key=k",
        "--web.listen-address=127.0.0.1:0",
        &format!("--web.metrics-listen-address={busy}"),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let prefix = format!("signalwire-exporter: cannot listen on {busy}: ");
    let line = stderr.lines().last().unwrap_or_default();
    assert!(line.starts_with(&prefix), "{stderr}");
    assert!(
        line.ends_with(" (--web.metrics-listen-address)"),
        "{stderr}"
    );
}

#[test]
fn a_busy_webhook_port_is_named_with_its_flag() {
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let busy = busy.local_addr().expect("address").to_string();
    let (code, stderr) = run(&["demo", &format!("--web.listen-address={busy}")]);
    assert_eq!(code, Some(1), "{stderr}");
    let line = stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with(&format!(
            "signalwire-exporter demo: cannot listen on {busy}: "
        )),
        "{stderr}"
    );
    assert!(line.ends_with(" (--web.listen-address)"), "{stderr}");
}

#[test]
fn demo_help_lists_the_exporter_flags_and_the_loopback_default() {
    let output = Command::new(BIN)
        .args(["demo", "--help"])
        .env_clear()
        .output()
        .expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--web.listen-address", "--signalwire.signing-key", "--rate"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("[default: 127.0.0.1:9711]"), "{help}");
}

/// The value between `start` and the next `end` in `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text.find(start).map(|i| i + start.len()).expect(start);
    let len = text[from..].find(end).expect(end);
    &text[from..from + len]
}

#[test]
fn demo_takes_server_flags_after_demo_and_its_printed_request_is_accepted() {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["demo", "--rate", "1", "--web.listen-address"])
        .arg(format!("127.0.0.1:{port}"))
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the demo");
    let mut demo = Guard(child);
    let mut stderr = BufReader::new(demo.0.stderr.take().expect("piped"));
    let mut printed = String::new();
    while !printed.contains("curl ") {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("read stderr");
        assert_ne!(read, 0, "the demo ended early:\n{printed}");
        printed.push_str(&line);
    }
    assert!(
        printed.contains("signing key (made up for this session): "),
        "{printed}"
    );
    let signature = between(&printed, "X-SignalWire-Signature: ", "'");
    let body = between(&printed, "-d '", "'");
    let url = between(&printed, "' 'http://", "'");
    assert_eq!(url, format!("127.0.0.1:{port}/status-callback"));

    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the demo");
    write!(
        stream,
        "POST /status-callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nX-SignalWire-Signature: {signature}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send the printed request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the answer");
    assert!(response.starts_with("HTTP/1.1 204 "), "{response}");
}
