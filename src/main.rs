use std::process::ExitCode;

use clap::Parser;
use signalwire_exporter::configuration::{Cli, Command, Settings};
use signalwire_exporter::startup::{shutdown_signal, Application};
use signalwire_exporter::{demo, simulate, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.log);
    match cli.command {
        Some(Command::Simulate(args)) => simulate::main(args).await,
        Some(Command::Demo(args)) => demo::main(&cli.server, args).await,
        None => serve(&cli.server).await,
    }
}

async fn serve(args: &signalwire_exporter::configuration::ServerArgs) -> ExitCode {
    let settings = match Settings::from_args(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("signalwire-exporter: {e}");
            return ExitCode::from(2);
        }
    };
    if settings.signing_keys.is_none() {
        tracing::warn!("signature validation is OFF (--insecure.skip-signature-validation): anyone who can reach this port can write metrics");
    }
    let app = match Application::build(&settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!(
                "signalwire-exporter: cannot listen on {}: {e}",
                settings.listen_address
            );
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        address = %app.local_addr(),
        version = env!("CARGO_PKG_VERSION"),
        keys = settings.signing_keys.as_ref().map_or(0, Vec::len),
        "listening"
    );
    app.run_until(shutdown_signal()).await;
    ExitCode::SUCCESS
}
