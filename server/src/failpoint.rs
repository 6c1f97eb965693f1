//! Named points where the process can be made to die on purpose, so that tests can prove
//! what survives a crash at exactly that point (a kill -9 would land there only by luck).
//!
//! `STAFFROOM_FAILPOINTS=invitation.before_commit,mail.after_send` makes the process abort
//! (no destructors, no flushing: as abrupt as SIGKILL) the first time it reaches one of the
//! named points. Unset, as in every real deployment, a point costs one read of a
//! `OnceLock`.

use std::sync::OnceLock;

/// The points enabled for this process, read once.
fn enabled() -> &'static [String] {
    static ENABLED: OnceLock<Vec<String>> = OnceLock::new();
    ENABLED.get_or_init(|| {
        std::env::var("STAFFROOM_FAILPOINTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// Aborts the process here if `name` is enabled.
pub fn hit(name: &str) {
    if enabled().iter().any(|enabled| enabled == name) {
        eprintln!("failpoint {name}: aborting the process");
        std::process::abort();
    }
}
