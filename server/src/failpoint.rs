//! Named points where the process can be made to die on purpose, so that tests can prove
//! what survives a crash at exactly that point (a kill -9 would land there only by luck).
//!
//! `STAFFROOM_FAILPOINTS=invitation.before_commit,mail.after_send` makes the process abort
//! (no destructors, no flushing: as abrupt as SIGKILL) the first time it reaches one of the
//! named points; `digest.before_commit@3` aborts on the third time, so that a crash can
//! land in the middle of a run. Unset, as in every real deployment, a point costs one read
//! of a `OnceLock`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

struct Point {
    name: String,
    /// The hit that aborts, counting from 1.
    abort_on: u64,
    hits: AtomicU64,
}

/// The points enabled for this process, read once.
fn enabled() -> &'static [Point] {
    static ENABLED: OnceLock<Vec<Point>> = OnceLock::new();
    ENABLED.get_or_init(|| {
        std::env::var("STAFFROOM_FAILPOINTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|spec| !spec.is_empty())
            .map(|spec| {
                let (name, abort_on) = match spec.split_once('@') {
                    Some((name, n)) => (name, n.parse().unwrap_or(1)),
                    None => (spec, 1),
                };
                Point {
                    name: name.to_owned(),
                    abort_on,
                    hits: AtomicU64::new(0),
                }
            })
            .collect()
    })
}

/// Aborts the process here if `name` is enabled (and this is the hit it waits for).
pub fn hit(name: &str) {
    for point in enabled().iter().filter(|point| point.name == name) {
        if point.hits.fetch_add(1, Ordering::SeqCst) + 1 == point.abort_on {
            eprintln!("failpoint {name}: aborting the process");
            std::process::abort();
        }
    }
}
