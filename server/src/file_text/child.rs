//! The `extract-text` command, run by the server as a child process under OS limits
//! (`sandbox.rs`): reads one file on standard input, writes its words on standard output
//! after a line that says it is this program, and exits. A reason it cannot read the file
//! goes to standard error with exit code `UNREADABLE`. It opens nothing, connects nowhere
//! and loads no configuration.

use super::formats::{self, Format, MAX_FILE_BYTES};
use std::io::{Read, Write};

/// The first line of the child's output: anything else answering is not this program.
pub const GREETING: &str = "staffroom-extract-text/1\n";
/// The exit code of a file that cannot be read, with the reason on standard error.
pub const UNREADABLE: i32 = 3;
/// The exit code of a reader that panicked.
pub const PANICKED: i32 = 4;

/// Runs the command; returns the process's exit code.
pub fn run(format: &str) -> i32 {
    let Some(format) = Format::parse(format) else {
        eprintln!("no reader for files of kind {format:?}");
        return UNREADABLE;
    };
    let mut bytes = Vec::new();
    if let Err(err) = std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
    {
        eprintln!("the file could not be read: {err}");
        return UNREADABLE;
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        eprintln!("it is larger than {MAX_FILE_BYTES} bytes");
        return UNREADABLE;
    }
    // A parser that panics costs this process only; its message is the reason.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        eprintln!("the reader failed: {message}");
    }));
    let outcome = std::panic::catch_unwind(|| formats::read(format, &bytes));
    drop(bytes);
    match outcome {
        Ok(Ok(text)) => {
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(GREETING.as_bytes())
                .and_then(|()| out.write_all(text.as_bytes()))
                .and_then(|()| out.flush());
            if written.is_err() {
                // The server stopped listening (it gave up waiting): nothing to tell it.
                return UNREADABLE;
            }
            0
        }
        Ok(Err(unreadable)) => {
            eprintln!("{unreadable}");
            UNREADABLE
        }
        Err(_) => PANICKED,
    }
}
