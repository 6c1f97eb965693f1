#![allow(dead_code)] // Each benchmark uses part of it.

//! A local SMTP sink for the benchmarks: accepts any number of concurrent plain-text SMTP
//! connections on 127.0.0.1, speaks just enough of the protocol for lettre (no STARTTLS,
//! AUTH or PIPELINING advertised), discards every message and counts it, and keeps the
//! peak of mail transactions (`MAIL FROM` to the end of `DATA`) under way at once: how
//! many sends a client has in flight.
//!
//! With `quick_ack`, the sink acknowledges every segment at once (`TCP_QUICKACK` after each
//! read). lettre does not set `TCP_NODELAY` and writes a message, then its final `.`: on
//! loopback the message fits one segment, whose acknowledgement the kernel otherwise
//! delays by 40 ms, and Nagle holds the `.` until it comes; every message would then cost
//! 40 ms per connection whatever the sender does.

use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct Sink {
    port: u16,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    delivered: AtomicU64,
    in_flight: AtomicU64,
    peak: AtomicU64,
}

impl Sink {
    /// Listens on an ephemeral port, serving each connection on its own task.
    pub async fn start(quick_ack: bool) -> std::io::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counters = shared.clone();
                tokio::spawn(async move {
                    let mut open = false;
                    let _ = serve(stream, quick_ack, &counters, &mut open).await;
                    if open {
                        counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                    }
                });
            }
        });
        Ok(Sink { port, counters })
    }

    /// `smtp://127.0.0.1:<port>`: plain SMTP, as lettre's `from_url` reads it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Messages accepted so far (each acknowledged with `250` after its final `.`).
    pub fn delivered(&self) -> u64 {
        self.counters.delivered.load(Ordering::Relaxed)
    }

    /// The most mail transactions under way at once since the last call.
    pub fn take_peak(&self) -> u64 {
        let now = self.counters.in_flight.load(Ordering::Relaxed);
        self.counters.peak.swap(now, Ordering::Relaxed)
    }

    /// Polls every 2 ms until `count` messages have been accepted: when it saw them, or an
    /// error (with how many came) after `timeout`.
    pub async fn wait_for(&self, count: u64, timeout: Duration) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.delivered();
            if seen >= count {
                return Ok(Instant::now());
            }
            if Instant::now() > deadline {
                anyhow::bail!("the SMTP sink got {seen} of {count} messages in {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// One SMTP session, until `QUIT` or the client hangs up; `open` while a mail transaction
/// is under way.
async fn serve(
    stream: TcpStream,
    quick_ack: bool,
    counters: &Counters,
    open: &mut bool,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let fd = quick_ack.then(|| stream.as_raw_fd());
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, QuickAck { inner: read, fd });
    let mut line = Vec::with_capacity(1024);
    write
        .write_all(b"220 sink.localhost ESMTP bench sink\r\n")
        .await?;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        let reply: &[u8] = match verb.as_slice() {
            b"EHLO" => b"250-sink.localhost\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n",
            b"MAIL" => {
                if !*open {
                    *open = true;
                    let now = counters.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                    counters.peak.fetch_max(now, Ordering::Relaxed);
                }
                b"250 OK\r\n"
            }
            b"RSET" => {
                if std::mem::take(open) {
                    counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                }
                b"250 OK\r\n"
            }
            b"HELO" | b"RCPT" | b"NOOP" => b"250 OK\r\n",
            b"DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                }
                counters.delivered.fetch_add(1, Ordering::Relaxed);
                if std::mem::take(open) {
                    counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                }
                b"250 OK queued\r\n"
            }
            b"QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// A reader that asks the kernel to acknowledge what arrived right away (Linux).
struct QuickAck<R> {
    inner: R,
    fd: Option<RawFd>,
}

impl<R: AsyncRead + Unpin> AsyncRead for QuickAck<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(fd)) = (&result, self.fd) {
            let on: libc::c_int = 1;
            // SAFETY: `fd` is the open socket `inner` reads; the option is an int.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
        result
    }
}
