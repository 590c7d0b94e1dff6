//! Placeholder until the simulator lands.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {}
pub async fn main(_args: SimulateArgs) -> std::process::ExitCode {
    std::process::ExitCode::FAILURE
}
