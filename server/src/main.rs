//! The `staffroom` binary: see `staffroom --help` and `cli.rs`.

// Many threads (actix workers, the blocking pool, SQLite's connection threads) allocate
// and free small strings and rows all the time; glibc's allocator spent a sixth of a
// digest run's CPU in its locks and consolidation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    staffroom::cli::main()
}
