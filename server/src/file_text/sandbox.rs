//! Starting the `extract-text` child process under OS limits: address space, processor
//! seconds, open files, no files written, no core dumps, a lower priority than the server;
//! a wall-clock deadline after which it is killed; a cap on what it may answer. Whatever a
//! hostile file does to a parser costs that process only.

use super::child::{GREETING, PANICKED, UNREADABLE};
use super::formats::{Format, Unreadable, MAX_CHARS};
use crate::config::FileTextConfig;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;

/// Children reading at once: each may take its memory limit and a core.
const CONCURRENT_CHILDREN: usize = 2;
/// Bytes of standard output taken from a child: its greeting and `MAX_CHARS` characters.
const MAX_OUTPUT_BYTES: u64 = (GREETING.len() + MAX_CHARS * 4) as u64;
/// Bytes of standard error kept for a reason.
const MAX_REASON_BYTES: u64 = 2048;
/// Files a child may have open: its standard streams and what the runtime opens itself.
const MAX_OPEN_FILES: u64 = 16;

pub struct Sandbox {
    program: PathBuf,
    memory_bytes: u64,
    cpu_secs: u64,
    deadline: Duration,
    permits: Semaphore,
}

/// The child could not be started: nothing is known about the file.
#[derive(Debug, thiserror::Error)]
#[error("the text reader {program} could not be started: {source}")]
pub struct StartFailed {
    program: String,
    source: std::io::Error,
}

impl Sandbox {
    pub fn new(config: &FileTextConfig) -> Sandbox {
        let program = config
            .extractor
            .clone()
            .or_else(|| std::env::current_exe().ok())
            .unwrap_or_else(|| PathBuf::from("staffroom"));
        Sandbox {
            program,
            memory_bytes: config.memory_mib * 1024 * 1024,
            cpu_secs: config.cpu_secs,
            deadline: Duration::from_secs(config.deadline_secs),
            permits: Semaphore::new(CONCURRENT_CHILDREN),
        }
    }

    /// The words of the file at `path`, read as `format` by a child process.
    pub async fn read(
        &self,
        path: &Path,
        format: Format,
    ) -> Result<Result<String, Unreadable>, StartFailed> {
        let started = |source| StartFailed {
            program: self.program.display().to_string(),
            source,
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| started(std::io::Error::other("the server is shutting down")))?;
        let file = std::fs::File::open(path).map_err(started)?;
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(["extract-text", "--format", format.name()])
            // Nothing of the server's environment (database URL, secrets) goes along.
            .env_clear()
            .stdin(Stdio::from(file))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let (memory, cpu) = (self.memory_bytes, self.cpu_secs);
        // SAFETY: between fork and exec the closure only calls setrlimit and setpriority,
        // which are async-signal-safe, and allocates nothing.
        unsafe {
            command.pre_exec(move || apply_limits(memory, cpu));
        }
        let mut child = command.spawn().map_err(started)?;
        let mut stdout = child
            .stdout
            .take()
            .expect("stdout is piped")
            .take(MAX_OUTPUT_BYTES);
        let mut stderr = child
            .stderr
            .take()
            .expect("stderr is piped")
            .take(MAX_REASON_BYTES);
        let mut output = Vec::new();
        let mut reason = Vec::new();
        let finished = tokio::time::timeout(self.deadline, async {
            // Both at once: a child blocked writing one would never close the other.
            let (_, _) = tokio::join!(
                stdout.read_to_end(&mut output),
                stderr.read_to_end(&mut reason),
            );
            child.wait().await
        })
        .await;
        let status = match finished {
            Ok(Ok(status)) => status,
            Ok(Err(err)) => return Err(started(err)),
            Err(_) => {
                let _ = child.kill().await;
                return Ok(Err(Unreadable::new(format!(
                    "reading it took longer than {} s",
                    self.deadline.as_secs()
                ))));
            }
        };
        Ok(self.outcome(status, output, &String::from_utf8_lossy(&reason)))
    }

    fn outcome(
        &self,
        status: std::process::ExitStatus,
        output: Vec<u8>,
        reason: &str,
    ) -> Result<String, Unreadable> {
        let reason = reason.trim();
        let first_line = reason.lines().next().unwrap_or_default();
        let unreadable = |text: String| Err(Unreadable::new(text));
        if let Some(signal) = status.signal() {
            return unreadable(if reason.contains("memory allocation") {
                format!(
                    "reading it needed more than {} MiB of memory",
                    self.memory_bytes / (1024 * 1024)
                )
            } else if reason.contains("overflowed its stack") {
                "it nests too deeply to read (the reader ran out of stack)".to_owned()
            } else if signal == libc::SIGXCPU || signal == libc::SIGKILL {
                format!(
                    "reading it took more than {} s of processor time",
                    self.cpu_secs
                )
            } else {
                format!("the reader crashed (signal {signal})")
            });
        }
        match status.code() {
            Some(0) => match output.strip_prefix(GREETING.as_bytes()) {
                Some(text) => Ok(super::formats::truncate_chars(
                    String::from_utf8_lossy(text).into_owned(),
                    MAX_CHARS,
                )),
                None => unreadable(format!(
                    "{} is not a Staffroom text reader (file_text.extractor)",
                    self.program.display()
                )),
            },
            Some(UNREADABLE) | Some(PANICKED) if !first_line.is_empty() => {
                unreadable(first_line.to_owned())
            }
            code => unreadable(format!(
                "the reader exited with {}: {first_line}",
                code.map_or("no code".to_owned(), |c| format!("code {c}"))
            )),
        }
    }
}

fn apply_limits(memory_bytes: u64, cpu_secs: u64) -> std::io::Result<()> {
    limit(libc::RLIMIT_AS, memory_bytes, memory_bytes)?;
    // SIGXCPU at the soft limit, SIGKILL a second later for a child that ignores it.
    limit(libc::RLIMIT_CPU, cpu_secs, cpu_secs + 1)?;
    limit(libc::RLIMIT_NOFILE, MAX_OPEN_FILES, MAX_OPEN_FILES)?;
    limit(libc::RLIMIT_FSIZE, 0, 0)?;
    limit(libc::RLIMIT_CORE, 0, 0)?;
    // SAFETY: setpriority takes plain integers.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
    Ok(())
}

fn limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> std::io::Result<()> {
    let value = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `value` is a valid rlimit for the duration of the call.
    if unsafe { libc::setrlimit(resource, &value) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
