//! A real SMTP server for tests (mailin-embedded), recording what it receives.

use mailin_embedded::{response, Handler, Response, Server};
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Recorder {
    current: Vec<u8>,
    recipients: Vec<String>,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    down: Arc<AtomicBool>,
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub data: String,
}

impl Handler for Recorder {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        if self.down.load(Ordering::SeqCst) {
            // 421 closes the connection: what a server that is down for maintenance says.
            response::NO_SERVICE
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current.clear();
        self.recipients = to.to_vec();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = ReceivedMail {
            recipients: std::mem::take(&mut self.recipients),
            data: String::from_utf8_lossy(&self.current).into_owned(),
        };
        self.received.lock().unwrap().push(mail);
        response::OK
    }
}

/// What an SMTP server received, shareable with the helpers that read invitations.
#[derive(Clone)]
pub struct Mailbox(Arc<Mutex<Vec<ReceivedMail>>>);

impl Mailbox {
    /// The decoded text part of the newest message to `to` whose text contains `needle`.
    pub fn find_text(&self, to: &str, needle: &str) -> Option<String> {
        let received = self.0.lock().unwrap().clone();
        received.iter().rev().find_map(|mail| {
            if !mail.recipients.iter().any(|r| r.contains(to)) {
                return None;
            }
            let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes())?;
            let text = parsed.body_text(0)?.into_owned();
            text.contains(needle).then_some(text)
        })
    }
}

/// A running SMTP server on a random loopback port.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    down: Arc<AtomicBool>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::listen(false)
    }

    /// A server that is down: every session is refused with 421 until `come_up`. It holds
    /// its port all along, so no other test can take the port in between (releasing a
    /// port and binding it again later raced with the other tests' listeners).
    pub fn start_down() -> SmtpServer {
        SmtpServer::listen(true)
    }

    /// From now on, sessions are accepted and mail is recorded.
    pub fn come_up(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    fn listen(down: bool) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind SMTP port");
        let port = listener.local_addr().unwrap().port();
        let recorder = Recorder {
            down: Arc::new(AtomicBool::new(down)),
            ..Recorder::default()
        };
        let received = recorder.received.clone();
        let down = recorder.down.clone();
        let mut server = Server::new(recorder);
        server
            .with_name("smtp.test")
            // One thread per connection, and pooled senders keep theirs open.
            .with_num_threads(64)
            .with_tcp_listener(listener);
        // Runs until the test process exits.
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            received,
            down,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mailbox(&self) -> Mailbox {
        Mailbox(self.received.clone())
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// What was received for `to`.
    pub fn received_by(&self, to: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|mail| mail.recipients.iter().any(|r| r.contains(to)))
            .collect()
    }
}

impl SmtpServer {
    /// What `to` received from a mailing list whose `List-Id` contains `list` (digests,
    /// notification emails), one-off mail left out.
    pub fn received_on_list(&self, to: &str, list: &str) -> Vec<ReceivedMail> {
        self.received_by(to)
            .into_iter()
            .filter(|mail| mail.header("List-Id").is_some_and(|id| id.contains(list)))
            .collect()
    }
}

impl ReceivedMail {
    /// A header's value (unfolded), e.g. `Message-ID`.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.data.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                return None;
            }
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut value = line[prefix.len()..].trim().to_owned();
                while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                    value.push(' ');
                    value.push_str(next.trim());
                    lines.next();
                }
                return Some(value);
            }
        }
        None
    }
}
