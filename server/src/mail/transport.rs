//! Handing a queued message to the world: SMTP through lettre when `smtp_url` is
//! configured, otherwise one `.eml` file per message in `<data_dir>/outbox/` (development).

use super::content::{Content, TemplateWriters};
use super::outbox::Claimed;
use crate::config::Config;
use crate::entities::mail_outbox;
use anyhow::Context;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct Transport {
    from: Mailbox,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Transport> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from `{}` is not a valid mailbox", config.mail_from))?;
        let kind = match &config.smtp_url {
            Some(url) => Kind::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url(url))
                    .context("smtp_url is not a valid SMTP URL")?
                    .build(),
            ),
            None => Kind::Files(config.outbox_dir()),
        };
        Ok(Transport { from, kind })
    }

    /// Writes a claimed message out in full: its bodies (from their template, by its
    /// writer among `templates`, if kept as one) in MIME. Plain CPU work: the worker runs it
    /// off the async threads.
    pub fn build(&self, message: &Claimed, templates: &TemplateWriters) -> anyhow::Result<Message> {
        let body = message
            .body
            .as_ref()
            .context("the message's bodies are missing")?;
        self.compose(&message.row, Content::from_row(body)?, templates)
    }

    /// Hands a built message over. Sending the same row again sends the same message (same
    /// `Message-ID`; in the file outbox, the same file).
    pub async fn send(&self, row: &mail_outbox::Model, message: Message) -> anyhow::Result<()> {
        match &self.kind {
            Kind::Smtp(smtp) => {
                smtp.send(message).await.context("sending through SMTP")?;
            }
            Kind::Files(dir) => write_file(dir, &file_name(row), &message.formatted()).await?,
        }
        Ok(())
    }

    fn compose(
        &self,
        row: &mail_outbox::Model,
        content: Content,
        templates: &TemplateWriters,
    ) -> anyhow::Result<Message> {
        let to: Mailbox = row
            .recipient
            .parse()
            .with_context(|| format!("invalid recipient {}", row.recipient))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        if let Some(headers) = row.headers.as_object() {
            for (name, value) in headers {
                let Some(value) = value.as_str() else {
                    continue;
                };
                let name = HeaderName::new_from_ascii(name.clone())
                    .map_err(|_| anyhow::anyhow!("invalid header name {name}"))?;
                builder = builder.raw_header(HeaderValue::new(name, value.to_owned()));
            }
        }
        let (text, html) = content.write(templates)?;
        builder
            .multipart(alternative(text, html))
            .context("building the message")
    }
}

/// The text and HTML of a message as `multipart/alternative`. A body that is ASCII with no
/// line over 998 characters (RFC 5322's limit) goes as `7bit`, as it is: the HTML of our
/// emails is written so (`layout.rs`). Any other is encoded as lettre chooses
/// (quoted-printable or base64), which costs a pass over it and makes it longer.
pub fn alternative(text: String, html: String) -> MultiPart {
    MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, text))
        .singlepart(part(ContentType::TEXT_HTML, html))
}

fn part(content_type: ContentType, body: String) -> SinglePart {
    let body = if is_seven_bit(&body) {
        Body::dangerous_pre_encoded(
            body.replace('\n', "\r\n").into_bytes(),
            ContentTransferEncoding::SevenBit,
        )
    } else {
        Body::new(body)
    };
    SinglePart::builder().header(content_type).body(body)
}

/// ASCII, lines (ended by `\n`) of at most 998 characters, and no NUL or carriage return
/// (line ends are written as CRLF here).
fn is_seven_bit(body: &str) -> bool {
    body.is_ascii()
        && !body.bytes().any(|b| b == 0 || b == b'\r')
        && body.split('\n').all(|line| line.len() <= 998)
}

/// Accepts `?tls=starttls` (and `none`) as our documentation spells them, translating to
/// lettre's `required` / no parameter.
fn lettre_url(url: &str) -> String {
    url.replace("tls=starttls", "tls=required")
        .replace("?tls=none", "")
        .replace("&tls=none", "")
}

/// Named by queue time and row id: sorted like the queue, and a resend replaces the file.
fn file_name(row: &mail_outbox::Model) -> String {
    format!(
        "{}-{:010}.eml",
        row.created_at.format("%Y%m%dT%H%M%S"),
        row.id
    )
}

async fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("creating {}", dir.display()))?;
    // Write then rename, so a reader of the outbox never sees half a message.
    let partial = dir.join(format!(".{name}.tmp"));
    let done = dir.join(name);
    tokio::fs::write(&partial, bytes)
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    tokio::fs::rename(&partial, &done).await?;
    tracing::info!(path = %done.display(), "email written to outbox");
    Ok(())
}

/// Deletes `.eml` files (and abandoned partial writes) older than `max_age` from the file
/// outbox: they hold sign-in and invitation links. Returns how many went.
pub fn prune_files(dir: &Path, max_age: std::time::Duration) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_mail = path
            .extension()
            .is_some_and(|ext| ext == "eml" || ext == "tmp");
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok());
        if is_mail && age.is_some_and(|age| age > max_age) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_bodies_with_short_lines_go_as_they_are() {
        let html = format!("<p>{}</p>\n<p>second</p>\n", "x".repeat(500));
        let message = Message::builder()
            .from("a@example.org".parse().unwrap())
            .to("b@example.org".parse().unwrap())
            .subject("s")
            .multipart(alternative("Hello \u{b7} you\n".into(), html.clone()))
            .unwrap();
        let wire = String::from_utf8(message.formatted()).unwrap();
        // The HTML whole and 7bit; the text (not ASCII) encoded.
        assert!(wire.contains(&html.replace('\n', "\r\n")), "{wire}");
        assert!(wire.contains("Content-Transfer-Encoding: 7bit"));
        assert!(wire.contains("Hello =C2=B7 you"), "{wire}");

        assert!(!is_seven_bit(&"y".repeat(999)));
        assert!(is_seven_bit(&format!("{}\n{}", "y".repeat(998), "z")));
        assert!(!is_seven_bit("a\rb"));
        assert!(!is_seven_bit("caf\u{e9}"));
    }

    #[test]
    fn documented_tls_spellings_are_translated() {
        assert_eq!(
            lettre_url("smtp://h:587?tls=starttls"),
            "smtp://h:587?tls=required"
        );
        assert_eq!(lettre_url("smtp://h:25?tls=none"), "smtp://h:25");
    }

    #[test]
    fn only_old_mail_files_are_pruned() {
        let dir = std::env::temp_dir().join(format!("staffroom-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join("old.eml");
        let fresh = dir.join("fresh.eml");
        let other = dir.join("keep.txt");
        for path in [&old, &fresh, &other] {
            std::fs::write(path, b"x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        assert_eq!(
            prune_files(&dir, std::time::Duration::from_secs(3600)).unwrap(),
            1
        );
        assert!(!old.exists() && fresh.exists() && other.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
