//! The allocator the `staffroom` binary runs with (`server/src/main.rs`), so that a bench
//! measures Staffroom, and its baseline in the same process, as deployed.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
