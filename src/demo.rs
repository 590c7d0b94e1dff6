//! `demo`: the exporter with a built-in simulator feeding it, for a first
//! look at the metrics without a SignalWire account.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use rand::Rng;

use crate::configuration::{ServerArgs, Settings};
use crate::routes::STATUS_CALLBACK_PATH;
use crate::simulate::{self, Profile, SimConfig, DEFAULT_DUPLICATE_RATIO};
use crate::startup::{shutdown_signal, Application};

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Simulated calls started per second.
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub rate: f64,

    /// Network and carrier health of the simulated calls.
    #[arg(long, value_enum, default_value_t = Profile::Good)]
    pub profile: Profile,

    /// Seed of the simulated calls (default: random).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Share of deliveries sent twice, as SignalWire retries do.
    #[arg(long, default_value_t = DEFAULT_DUPLICATE_RATIO, value_name = "R")]
    pub duplicate_ratio: f64,
}

/// The server's flags, with a random signing key when none is configured and
/// signature validation always on, so the demo exercises the real path.
pub fn server_args(server: &ServerArgs) -> ServerArgs {
    let mut args = server.clone();
    if args.signing_keys.is_empty() && args.signing_key_file.is_none() {
        let key: [u8; 16] = rand::thread_rng().gen();
        args.signing_keys = vec![hex::encode(key)];
    }
    args.skip_signature_validation = false;
    args
}

/// Where a client on this host reaches a listener bound to `addr`.
fn loopback(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

pub async fn main(server: &ServerArgs, args: DemoArgs) -> ExitCode {
    let settings = match Settings::from_args(&server_args(server)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("signalwire-exporter demo: {e}");
            return ExitCode::from(2);
        }
    };
    let key = settings
        .signing_keys
        .as_ref()
        .and_then(|keys| keys.first())
        .cloned()
        .expect("validation is on, so there is a key");
    let app = match Application::build(&settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!(
                "signalwire-exporter demo: cannot listen on {}: {e}",
                settings.listen_address
            );
            return ExitCode::FAILURE;
        }
    };
    let base = format!(
        "http://{}{}",
        loopback(app.local_addr()),
        settings.route_prefix
    );
    let target = format!("{base}{STATUS_CALLBACK_PATH}");
    // The URL the exporter checks the signature against: the external URL's
    // when one is set, else the one requested.
    let signed_url = server
        .external_url
        .as_deref()
        .map(|u| format!("{}{STATUS_CALLBACK_PATH}", u.trim_end_matches('/')));
    // With --web.metrics-listen-address, /metrics has a port of its own.
    let metrics_base = app.metrics_addr().map_or_else(
        || base.clone(),
        |addr| format!("http://{}{}", loopback(addr), settings.route_prefix),
    );
    tracing::info!(
        metrics = %format!("{metrics_base}{}", settings.telemetry_path),
        landing_page = %format!("{base}/"),
        "demo: exporter listening, simulated SignalWire feeding it; Ctrl-C to stop"
    );

    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let server_task = tokio::spawn(app.run_until(async {
        let _ = server_stopped.await;
    }));

    let mut config = SimConfig::new(target, key);
    config.signed_url = signed_url;
    config.profile = args.profile;
    config.rate = args.rate;
    config.calls = None;
    config.duplicate_ratio = args.duplicate_ratio;
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    // The simulator stops first, so the server still answers its last calls.
    let summary = simulate::run(config, shutdown_signal()).await;
    let _ = stop_server.send(());
    let _ = server_task.await;
    println!("{}", summary.to_json());
    if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_for_wildcard_listeners() {
        assert_eq!(
            loopback("0.0.0.0:9711".parse().unwrap()),
            "127.0.0.1:9711".parse().unwrap()
        );
        assert_eq!(
            loopback("[::]:9711".parse().unwrap()),
            "[::1]:9711".parse().unwrap()
        );
        assert_eq!(
            loopback("10.1.2.3:80".parse().unwrap()),
            "10.1.2.3:80".parse().unwrap()
        );
    }
}
