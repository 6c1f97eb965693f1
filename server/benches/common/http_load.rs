#![allow(dead_code)] // Each benchmark uses part of it.

//! A small closed-loop HTTP/1.1 load generator shared by the benchmarks: `connections`
//! keep-alive connections each send one request, read its response, and repeat until the
//! time is up. Latencies are measured per request.

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct LoadResult {
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

/// One request, ready to write; or several sent one after the other on the same
/// connection, each once the previous one has been answered, timed as one.
#[derive(Clone)]
pub struct Request(Vec<Vec<u8>>);

impl Request {
    pub fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Request {
        Request(vec![head("GET", addr, path, token, None).into_bytes()])
    }

    pub fn post_json(addr: SocketAddr, path: &str, token: Option<&str>, body: &str) -> Request {
        let mut bytes = head("POST", addr, path, token, Some(body.len())).into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        Request(vec![bytes])
    }

    /// This request, then `next` once it is answered.
    pub fn then(mut self, next: Request) -> Request {
        self.0.extend(next.0);
        self
    }
}

fn head(
    method: &str,
    addr: SocketAddr,
    path: &str,
    token: Option<&str>,
    body: Option<usize>,
) -> String {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let content = body
        .map(|len| format!("Content-Type: application/json\r\nContent-Length: {len}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}{content}Connection: keep-alive\r\n\r\n"
    )
}

/// Keeps `connections` connections busy with `request` for `duration`.
pub async fn load(
    addr: SocketAddr,
    request: &Request,
    connections: usize,
    duration: Duration,
) -> LoadResult {
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let request = request.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                return (latencies, 1);
            };
            let _ = stream.set_nodelay(true);
            let mut buffer = Vec::with_capacity(64 * 1024);
            'requests: while Instant::now() < deadline {
                let started = Instant::now();
                for part in &request.0 {
                    if stream.write_all(part).await.is_err()
                        || read_response(&mut stream, &mut buffer).await.is_err()
                    {
                        errors += 1;
                        break 'requests;
                    }
                }
                latencies.push(started.elapsed());
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(Ok((mut part, failed))) = tasks.join_next().await {
        latencies.append(&mut part);
        errors += failed;
    }
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN)
    };
    LoadResult {
        per_second: latencies.len() as f64 / duration.as_secs_f64(),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        errors,
    }
}

/// Sends `request` once and returns the (last) response body.
pub async fn once(addr: SocketAddr, request: &Request) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut buffer = Vec::new();
    let mut body = String::new();
    for part in &request.0 {
        stream.write_all(part).await?;
        body = read_response(&mut stream, &mut buffer).await?;
    }
    Ok(body)
}

/// Reads one response with a `Content-Length` body; errors on anything but 2xx.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<String> {
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            if !head.starts_with("HTTP/1.1 2") {
                return Err(std::io::Error::other(head));
            }
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Ok(String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The results of one side over the rounds of a benchmark.
#[derive(Default)]
pub struct Samples {
    per_second: Vec<f64>,
    p50_ms: Vec<f64>,
    p99_ms: Vec<f64>,
}

impl Samples {
    pub fn push(&mut self, result: &LoadResult) {
        self.per_second.push(result.per_second);
        self.p50_ms.push(result.p50_ms);
        self.p99_ms.push(result.p99_ms);
    }

    /// The medians of the rounds: throughput, p50 and p99 latency.
    pub fn medians(&mut self) -> Medians {
        Medians {
            per_second: median(&mut self.per_second),
            p50_ms: median(&mut self.p50_ms),
            p99_ms: median(&mut self.p99_ms),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Medians {
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Medians {
    /// One table row: `label`, requests per second, p50 and p99 in ms.
    pub fn row(&self, label: &str) -> String {
        format!(
            "{label:<32} {:>10.0} {:>10.2} {:>10.2}",
            self.per_second, self.p50_ms, self.p99_ms
        )
    }

    /// `self` relative to `baseline`: throughput, p50 latency and p99 latency ratios.
    pub fn ratios_to(&self, baseline: &Medians) -> String {
        format!(
            "throughput {:.2}, p50 latency {:.2}, p99 latency {:.2}",
            self.per_second / baseline.per_second,
            self.p50_ms / baseline.p50_ms,
            self.p99_ms / baseline.p99_ms
        )
    }
}

/// The median of `values` (they are few: one per round).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

/// `--name value` from the command line, or `default`.
pub fn option(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One side of a comparison: where it listens, what it is asked, and its name in the table.
pub struct Side<'a> {
    pub addr: SocketAddr,
    pub request: &'a Request,
    pub label: &'a str,
}

/// Loads `bare` and `ours` in alternating rounds after a warm-up and prints each round, the
/// medians of the rounds and the ratios ours/bare. With `--profile staffroom` (or `bare`) it
/// loads one side only, for a profiler.
pub async fn compare_rounds(
    bare: Side<'_>,
    ours: Side<'_>,
    connections: usize,
    duration: Duration,
    rounds: u64,
) {
    if let Some(side) = std::env::args().skip_while(|a| a != "--profile").nth(1) {
        let one = if side == "bare" { &bare } else { &ours };
        let r = load(one.addr, one.request, connections, duration).await;
        println!(
            "{side}: {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms)",
            r.per_second, r.p50_ms, r.p99_ms
        );
        return;
    }
    load(bare.addr, bare.request, connections, Duration::from_secs(1)).await;
    load(ours.addr, ours.request, connections, Duration::from_secs(1)).await;
    let mut round_ratios = Vec::new();
    let (mut base, mut staffroom) = (Samples::default(), Samples::default());
    for round in 1..=rounds {
        let b = load(bare.addr, bare.request, connections, duration).await;
        let o = load(ours.addr, ours.request, connections, duration).await;
        println!(
            "  round {round}: bare {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms), staffroom {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms){}",
            b.per_second, b.p50_ms, b.p99_ms, o.per_second, o.p50_ms, o.p99_ms,
            if b.errors + o.errors > 0 { format!(", {} errors", b.errors + o.errors) } else { String::new() }
        );
        round_ratios.push((o.per_second / b.per_second, o.p50_ms / b.p50_ms));
        base.push(&b);
        staffroom.push(&o);
    }
    let (base, staffroom) = (base.medians(), staffroom.medians());
    println!(
        "{:<32} {:>10} {:>10} {:>10}",
        "median of rounds", "req/s", "p50 ms", "p99 ms"
    );
    println!("{}", base.row(bare.label));
    println!("{}", staffroom.row(ours.label));
    println!(
        "ratio of the medians staffroom/bare: {}",
        staffroom.ratios_to(&base)
    );
    // Each round measures both sides back to back: its ratio is the least exposed to the
    // machine's drift over the run.
    let mut throughput: Vec<f64> = round_ratios.iter().map(|r| r.0).collect();
    let mut p50: Vec<f64> = round_ratios.iter().map(|r| r.1).collect();
    println!(
        "median of the rounds' ratios: throughput {:.2}, p50 latency {:.2}",
        median(&mut throughput),
        median(&mut p50)
    );
}
