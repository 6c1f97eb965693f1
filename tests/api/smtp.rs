//! A real SMTP server for tests (mailin-embedded), recording what it receives.

use mailin_embedded::{response, Handler, Response, Server};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Recorder {
    current: Vec<u8>,
    recipients: Vec<String>,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub data: String,
}

impl Handler for Recorder {
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

/// A running SMTP server on a random loopback port.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let port = listener.local_addr().unwrap().port();
        let recorder = Recorder::default();
        let received = recorder.received.clone();
        let mut server = Server::new(recorder);
        server
            .with_name("smtp.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        // Runs until the test process exits.
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }
}
