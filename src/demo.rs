//! Placeholder until the demo lands.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {}
pub async fn main(
    _s: &crate::configuration::ServerArgs,
    _args: DemoArgs,
) -> std::process::ExitCode {
    std::process::ExitCode::FAILURE
}
