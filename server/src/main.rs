//! The `staffroom` binary: see `staffroom --help` and `cli.rs`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    staffroom::cli::run().await
}
