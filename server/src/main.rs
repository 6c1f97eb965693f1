//! The `staffroom` binary: see `staffroom --help` and `cli.rs`.

use clap::Parser;
use staffroom::cli::Cli;
use staffroom::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())
        .map_err(|err| anyhow::anyhow!("configuration: {err}"))?;
    staffroom::ops::telemetry::init(config.log_format);
    staffroom::cli::execute(cli.command, config).await
}
