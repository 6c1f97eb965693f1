//! `staffroom`, exactly as operators run it, for tests that need the server in a process of
//! its own: to kill it with SIGKILL and start it again.

fn main() -> anyhow::Result<()> {
    staffroom::cli::main()
}
