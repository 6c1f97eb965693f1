//! A one-line progress bar on stderr, for commands that take a while.

use std::io::Write;

/// Redraws the bar: `[#####.....] 120/400 rows (Building)`.
pub fn draw(done: u64, total: u64, unit: &str, state: &str) {
    const WIDTH: u64 = 30;
    let filled = (done.min(total.max(1)) * WIDTH / total.max(1)) as usize;
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total} {unit} ({state})   ",
        "#".repeat(filled),
        ".".repeat(WIDTH as usize - filled),
    );
    let _ = err.flush();
}
