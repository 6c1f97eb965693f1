//! Live-update fan-out benchmark: N WebSocket clients (tokio-tungstenite) subscribed to one
//! network, M replies posted over HTTP; reports p50/p99 latency from each POST's response to
//! receipt at every client, messages delivered per second, and server memory per idle
//! connection, next to baselines measured in the same run: a bare tokio-tungstenite server
//! broadcasting the same payload (a tokio broadcast channel) to the same number of sockets,
//! with tokio-tungstenite 0.24 as it comes (the reference issue 28 set: 4 KiB read chunks),
//! and with 0.28 as it comes and with 4 KiB buffers.
//!
//! The servers run as child processes (this binary re-executed), so that N = 10,000 fits
//! the open-file limit: the clients live in this process, the sockets' other ends in the
//! child.
//!
//! Run: `cargo bench -p staffroom --bench live_fanout -- --clients 10000 --posts 20`
//! (`--only staffroom` or `--only 0.24` measures just that server, for quick comparisons).

#[path = "common/allocator.rs"]
mod allocator;
#[path = "common/seed.rs"]
mod seed;

use futures_util::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn number(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Lifts the soft open-file limit to the hard one (10,000 sockets need it).
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    raise_fd_limit();
    if let Some(dir) = arg("--serve-staffroom") {
        return serve_staffroom(dir).await;
    }
    if let Some(settings) = arg("--serve-baseline") {
        if settings == "0.24" {
            return serve_baseline_024().await;
        }
        if settings == "actix-ws" {
            return serve_baseline_actix().await;
        }
        return serve_baseline(settings == "small-buffers").await;
    }
    let clients = number("--clients", 1000);
    let posts = number("--posts", 20);
    let only = arg("--only");
    let measured = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let data_dir =
        std::env::temp_dir().join(format!("staffroom-live-bench-{}", std::process::id()));

    let body =
        "We tried daily check-ins with one trusted adult and a call home on the first absence.";
    let post_body = serde_json::json!({"body": body}).to_string();
    let mut outcomes: Vec<(&str, Outcome)> = Vec::new();
    let mut sample_event = String::new();
    if measured("staffroom") {
        let (mut staffroom, ready) =
            spawn_child(&["--serve-staffroom", &data_dir.display().to_string()])?;
        let address: SocketAddr = ready[0].parse()?;
        let (token, network, thread) = (ready[1].clone(), ready[2].clone(), ready[3].clone());
        let ws_url = format!("ws://{address}/api/v1/live?access_token={token}");
        let subscribe =
            serde_json::json!({"type": "subscribe", "topics": [format!("network:{network}")]})
                .to_string();
        let ours = run(
            "staffroom",
            staffroom.id(),
            clients,
            posts,
            &ws_url,
            &subscribe,
            address,
            &format!("/api/v1/threads/{thread}/posts"),
            Some(&token),
            &post_body,
        )
        .await?;
        sample_event = ours.sample.clone();
        let _ = staffroom.kill();
        let _ = staffroom.wait();
        let _ = std::fs::remove_dir_all(&data_dir);
        outcomes.push(("staffroom", ours));
    }
    if sample_event.is_empty() {
        // Measuring a baseline alone: an event of about the size Staffroom sends.
        sample_event = serde_json::json!({"type": "event", "id": "1", "topic": "network:1",
            "event": "post.created", "data": {"body": body, "body_html": format!("<p>{body}</p>")}})
        .to_string();
    }

    // tokio-tungstenite 0.24 as it comes; 0.28 as it comes (it reserves a 128 KiB read
    // buffer per socket), and 0.28 with 4 KiB buffers, as a lean server would be tuned.
    for (settings, name) in [
        ("0.24", "bare tokio-tungstenite 0.24 broadcast"),
        ("default", "bare tokio-tungstenite 0.28 (default)"),
        ("small-buffers", "bare 0.28, 4 KiB buffers"),
        // What actix-web and actix-ws cost before any of Staffroom's own state.
        ("actix-ws", "bare actix-ws broadcast"),
    ] {
        if !measured(settings) {
            continue;
        }
        let (mut baseline, ready) = spawn_child(&["--serve-baseline", settings])?;
        let address: SocketAddr = ready[0].parse()?;
        let outcome = run(
            &format!("baseline ({settings})"),
            baseline.id(),
            clients,
            posts,
            &format!("ws://{address}/"),
            "{\"type\":\"subscribe\"}",
            address,
            "/publish",
            None,
            &sample_event,
        )
        .await?;
        let _ = baseline.kill();
        let _ = baseline.wait();
        outcomes.push((name, outcome));
    }

    println!("\n{clients} clients subscribed to one network, {posts} posts, loopback, SQLite, same payload");
    println!(
        "{:<44} {:>10} {:>10} {:>14} {:>16}",
        "", "p50 ms", "p99 ms", "messages/s", "KiB/idle conn"
    );
    for (name, r) in &outcomes {
        println!(
            "{:<44} {:>10.2} {:>10.2} {:>14.0} {:>16.1}",
            name, r.p50_ms, r.p99_ms, r.per_second, r.kib_per_connection
        );
    }
    if let Some((_, ours)) = outcomes.iter().find(|(name, _)| *name == "staffroom") {
        for (name, base) in outcomes.iter().filter(|(name, _)| *name != "staffroom") {
            println!(
                "ratio staffroom/{name}: memory per idle connection {:.2}, p99 last receipt {:.2}, p50 {:.2}, throughput {:.2}",
                ours.kib_per_connection / base.kib_per_connection,
                ours.p99_ms / base.p99_ms,
                ours.p50_ms / base.p50_ms,
                ours.per_second / base.per_second,
            );
        }
    }
    for (name, r) in &outcomes {
        if r.missing > 0 {
            println!("WARNING: {name}: {} messages undelivered", r.missing);
        }
    }
    Ok(())
}

/// Starts this binary in a server mode and reads its `READY …` line.
fn spawn_child(args: &[&str]) -> anyhow::Result<(Child, Vec<String>)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("server exited early"))??;
        if let Some(rest) = line.strip_prefix("READY ") {
            return Ok((child, rest.split_whitespace().map(str::to_owned).collect()));
        }
    }
}

struct Outcome {
    p50_ms: f64,
    p99_ms: f64,
    per_second: f64,
    kib_per_connection: f64,
    missing: usize,
    sample: String,
}

#[allow(clippy::too_many_arguments)]
async fn run(
    name: &str,
    server_pid: u32,
    clients: usize,
    posts: usize,
    ws_url: &str,
    subscribe: &str,
    http: SocketAddr,
    post_path: &str,
    token: Option<&str>,
    post_body: &str,
) -> anyhow::Result<Outcome> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(server_pid);
    // Per post: when its POST response arrived; per client: when each event arrived.
    let responded: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; posts]));
    let received: Arc<Mutex<Vec<(usize, Instant)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(clients * posts)));
    let sample: Arc<Mutex<Option<String>>> = Arc::default();
    let mut sockets = Vec::with_capacity(clients);
    eprintln!("{name}: connecting {clients} clients");
    for chunk in 0..clients.div_ceil(200) {
        let mut connecting = Vec::new();
        for _ in 0..200.min(clients - chunk * 200) {
            let url = ws_url.to_owned();
            let subscribe = subscribe.to_owned();
            connecting.push(tokio::spawn(async move {
                let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
                socket.send(Message::Text(subscribe.into())).await?;
                // Wait until subscribed (Staffroom also greets with `authenticated`).
                while let Some(message) = socket.next().await {
                    if let Message::Text(text) = message? {
                        if text.contains("\"subscribed\"") {
                            break;
                        }
                    }
                }
                Ok::<_, anyhow::Error>(socket)
            }));
        }
        for task in connecting {
            sockets.push(task.await??);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(server_pid);
    let kib_per_connection = after.saturating_sub(before) as f64 / clients as f64;

    let mut readers = Vec::with_capacity(clients);
    for mut socket in sockets {
        let received = received.clone();
        let sample = sample.clone();
        readers.push(tokio::spawn(async move {
            let mut count = 0;
            while count < posts {
                let Some(Ok(message)) = socket.next().await else {
                    break;
                };
                if let Message::Text(text) = message {
                    let at = Instant::now();
                    // The post's sequence number travels in its body.
                    if let Some(index) = text.find("#seq=").and_then(|i| {
                        text[i + 5..]
                            .split(|c: char| !c.is_ascii_digit())
                            .next()?
                            .parse::<usize>()
                            .ok()
                    }) {
                        received.lock().unwrap().push((index, at));
                        count += 1;
                        let mut sample = sample.lock().unwrap();
                        if sample.is_none() {
                            *sample = Some(text.to_string());
                        }
                    }
                }
            }
            let _ = socket.close(None).await;
        }));
    }

    eprintln!("{name}: posting {posts} messages");
    let started = Instant::now();
    let mut connection = TcpStream::connect(http).await?;
    for index in 0..posts {
        let body = post_body.replacen("first absence.", &format!("first absence. #seq={index}"), 1);
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "POST {post_path} HTTP/1.1\r\nHost: {http}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        connection.write_all(request.as_bytes()).await?;
        read_response(&mut connection).await?;
        responded.lock().unwrap()[index] = Some(Instant::now());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for reader in readers {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left, reader).await;
    }
    let finished = Instant::now();
    let responded = responded.lock().unwrap().clone();
    let received = received.lock().unwrap();
    let mut latencies: Vec<f64> = received
        .iter()
        .filter_map(|(index, at)| {
            responded
                .get(*index)
                .copied()
                .flatten()
                .map(|sent| at.saturating_duration_since(sent).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let last = received.iter().map(|(_, at)| *at).max().unwrap_or(finished);
    let sample_text = sample.lock().unwrap().clone().unwrap_or_default();
    Ok(Outcome {
        p50_ms: percentile(0.5),
        p99_ms: percentile(0.99),
        per_second: received.len() as f64 / last.saturating_duration_since(started).as_secs_f64(),
        kib_per_connection,
        missing: clients * posts - received.len(),
        sample: sample_text,
    })
}

async fn read_response(stream: &mut TcpStream) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed");
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            anyhow::ensure!(
                head.starts_with("HTTP/1.1 2"),
                "unexpected response: {head}"
            );
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
                anyhow::ensure!(n > 0, "connection closed");
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Ok(());
        }
    }
}

/// Child mode: Staffroom on SQLite with one network and thread, ready for the clients.
async fn serve_staffroom(dir: String) -> anyhow::Result<()> {
    let config = staffroom::config::Config {
        bind: "127.0.0.1:0".parse()?,
        data_dir: dir.into(),
        live: staffroom::config::LiveConfig {
            buffer: 1024,
            ..staffroom::config::Config::default().live
        },
        ..staffroom::config::Config::default()
    };
    let app = staffroom::Application::build(config).await?;
    let state = app.state();
    let member = seed::members(&state, "bench", 1).await?.remove(0);
    let network = seed::private_network(&state, member.id, "Bench").await?;
    let thread = seed::thread(&state, member.id, network, "Busy", "Go").await?;
    // Long enough for any benchmark run.
    let token = {
        let keys = staffroom::auth::tokens::TokenKeys::new(
            &staffroom::auth::secret::load_or_create(&state.config)?,
            3600,
        );
        keys.issue_access(member.id)
    };
    println!("READY {} {token} {network} {thread}", app.address());
    app.run_until_stopped().await?;
    Ok(())
}

/// Child mode: the baseline. Every WebSocket client gets every message published through
/// `POST /publish` from one tokio broadcast channel; nothing else.
async fn serve_baseline(small_buffers: bool) -> anyhow::Result<()> {
    accept_sockets(move |stream, sender| async move {
            let config = small_buffers.then(|| {
                WebSocketConfig::default()
                    .read_buffer_size(4096)
                    .write_buffer_size(0)
            });
            let Ok(mut socket) = tokio_tungstenite::accept_async_with_config(stream, config).await
            else {
                return;
            };
            // The subscribe message, then confirmation, as the clients expect.
            let _ = socket.next().await;
            if socket
                .send(Message::Text("{\"type\":\"subscribed\"}".into()))
                .await
                .is_err()
            {
                return;
            }
            let mut receiver = sender.subscribe();
            loop {
                tokio::select! {
                    message = receiver.recv() => match message {
                        Ok(text) => if socket.send(Message::Text(text.as_ref().into())).await.is_err() { return },
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return,
                    },
                    incoming = socket.next() => if !matches!(incoming, Some(Ok(_))) { return },
                }
            }
    })
    .await
}

/// Child mode: the same broadcast on actix-web with actix-ws (what Staffroom's sockets ran on
/// before `live::upgrade` took them over), as the floor of what an idle connection costs there.
async fn serve_baseline_actix() -> anyhow::Result<()> {
    use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
    type Sender = tokio::sync::broadcast::Sender<Arc<str>>;
    async fn socket(
        req: HttpRequest,
        body: web::Payload,
        sender: web::Data<Sender>,
    ) -> actix_web::Result<HttpResponse> {
        let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
        let mut receiver = sender.subscribe();
        actix_web::rt::spawn(async move {
            let _ = stream.recv().await;
            if session.text("{\"type\":\"subscribed\"}").await.is_err() {
                return;
            }
            loop {
                tokio::select! {
                    message = receiver.recv() => match message {
                        Ok(text) => if session.text(text.as_ref()).await.is_err() { return },
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return,
                    },
                    incoming = stream.recv() => if !matches!(incoming, Some(Ok(_))) { return },
                }
            }
        });
        Ok(response)
    }
    async fn publish(body: String, sender: web::Data<Sender>) -> HttpResponse {
        let _ = sender.send(body.into());
        HttpResponse::Ok().finish()
    }
    let (sender, _) = tokio::sync::broadcast::channel::<Arc<str>>(1024);
    let sender = web::Data::new(sender);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(sender.clone())
            .route("/", web::get().to(socket))
            .route("/publish", web::post().to(publish))
    })
    .disable_signals()
    .listen(listener)?
    .run();
    println!("READY {address}");
    server.await?;
    Ok(())
}

/// Child mode: the same baseline with tokio-tungstenite 0.24 as it comes.
async fn serve_baseline_024() -> anyhow::Result<()> {
    use tokio_tungstenite_024::tungstenite::Message as Message024;
    accept_sockets(|stream, sender| async move {
            let Ok(mut socket) = tokio_tungstenite_024::accept_async(stream).await else {
                return;
            };
            let _ = socket.next().await;
            if socket
                .send(Message024::Text("{\"type\":\"subscribed\"}".into()))
                .await
                .is_err()
            {
                return;
            }
            let mut receiver = sender.subscribe();
            loop {
                tokio::select! {
                    message = receiver.recv() => match message {
                        Ok(text) => if socket.send(Message024::Text(text.to_string())).await.is_err() { return },
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return,
                    },
                    incoming = socket.next() => if !matches!(incoming, Some(Ok(_))) { return },
                }
            }
    })
    .await
}

/// The bare servers' accept loop: prints `READY <address>`, then gives each connection that
/// is not a `POST /publish` to `serve` with the broadcast sender; publishes are broadcast.
async fn accept_sockets<F, Fut>(serve: F) -> anyhow::Result<()>
where
    F: Fn(TcpStream, tokio::sync::broadcast::Sender<Arc<str>>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (sender, _) = tokio::sync::broadcast::channel::<Arc<str>>(1024);
    println!("READY {address}");
    loop {
        let (stream, _) = listener.accept().await?;
        let sender = sender.clone();
        let serve = serve.clone();
        tokio::spawn(async move {
            let mut peek = [0u8; 16];
            let Ok(n) = stream.peek(&mut peek).await else {
                return;
            };
            if peek[..n].starts_with(b"POST /publish") {
                let _ = publish(stream, sender).await;
                return;
            }
            serve(stream, sender).await;
        });
    }
}

/// Reads `POST /publish` requests (keep-alive) and broadcasts each body.
async fn publish(
    mut stream: TcpStream,
    sender: tokio::sync::broadcast::Sender<Arc<str>>,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
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
            anyhow::ensure!(n > 0, "connection closed");
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body: Arc<str> = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into();
        buffer.drain(..end + 4 + length);
        let _ = sender.send(body);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .await?;
    }
}
