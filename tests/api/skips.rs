//! Tests that pass without doing their work (no PostgreSQL, no Meilisearch, no browser) say
//! so where a person sees it. libtest keeps a passing test's `eprintln!` to itself, so a
//! notice is written to the process's stderr directly (which it does not capture) the first
//! time each reason comes up, and the run ends, after libtest's own summary, with every skip
//! counted by reason. The same summary is left in `<target>/tmp/skipped-tests.txt` (removed
//! when nothing was skipped) for scripts.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, Once};

/// What was not run → why → the tests that skipped it.
type Skips = BTreeMap<String, BTreeMap<String, Vec<String>>>;

static SKIPS: Mutex<Skips> = Mutex::new(BTreeMap::new());
static AT_EXIT: Once = Once::new();

/// Records that the running test leaves `what` untested (e.g. "PostgreSQL") because of
/// `why`, and says so on the terminal the first time `what` is skipped for `why`.
pub fn skip(what: &str, why: &str) {
    AT_EXIT.call_once(|| {
        // SAFETY: `atexit` is the C library's; it keeps the function pointer, which is a
        // plain `extern "C" fn` that lives as long as the program.
        let registered = unsafe { atexit(print_summary) };
        if registered != 0 {
            notice("the summary of skipped tests cannot be printed at exit\n");
        }
    });
    // libtest names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let mut skips = SKIPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let tests = skips
        .entry(what.to_owned())
        .or_default()
        .entry(why.to_owned())
        .or_default();
    if tests.is_empty() {
        notice(&format!(
            "SKIPPED: {what} ({why}); {test} and any like it pass without it. \
             A summary follows at the end of the run.\n"
        ));
    }
    tests.push(test);
}

/// Writes to stderr past libtest's output capture (which only sees `eprint!`).
fn notice(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

fn summary_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt")
}

fn summary(skips: &Skips) -> String {
    let mut text = String::from(
        "\n********************************************************************\n\
         SKIPPED: these tests passed without running what they are for\n",
    );
    for (what, reasons) in skips {
        for (why, tests) in reasons {
            let examples: Vec<&str> = tests.iter().take(3).map(String::as_str).collect();
            let more = tests.len() - examples.len();
            text.push_str(&format!(
                "  {what}: {} ({why}): {}{}\n",
                if tests.len() == 1 {
                    "1 test".to_owned()
                } else {
                    format!("{} tests", tests.len())
                },
                examples.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    text.push_str(&format!(
        "See README \"Tests\" for what each needs. This list: {}\n\
         ********************************************************************\n",
        summary_file().display()
    ));
    text
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

/// Runs when the test binary exits, after libtest has printed its result; must not panic.
extern "C" fn print_summary() {
    let skips = SKIPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if skips.is_empty() {
        let _ = std::fs::remove_file(summary_file());
        return;
    }
    let text = summary(&skips);
    let _ = std::fs::write(summary_file(), &text);
    notice(&text);
}

#[test]
fn the_summary_counts_each_skip_by_reason() {
    let mut skips = Skips::new();
    let reasons = skips.entry("PostgreSQL".into()).or_default();
    reasons.insert(
        "STAFFROOM_TEST_POSTGRES_URL is not set".into(),
        (0..5).map(|i| format!("t{i}::postgres")).collect(),
    );
    skips.entry("browser journeys".into()).or_default().insert(
        "missing chromium".into(),
        vec!["browser::journeys_on_sqlite".into()],
    );
    let text = summary(&skips);
    assert!(
        text.contains("PostgreSQL: 5 tests (STAFFROOM_TEST_POSTGRES_URL is not set): t0::postgres, t1::postgres, t2::postgres and 2 more"),
        "{text}"
    );
    assert!(
        text.contains("browser journeys: 1 test (missing chromium): browser::journeys_on_sqlite\n"),
        "{text}"
    );
}
