//! The one way Staffroom sends email: SMTP through lettre when `smtp_url` is configured,
//! otherwise one `.eml` file per message in `<data_dir>/outbox/` (handy in development).

pub mod templates;

use crate::config::Config;
use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

/// A composed email, before addressing.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("mail_from `{}` is not a valid mailbox", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url(url))
                    .context("smtp_url is not a valid SMTP URL")?
                    .build(),
            ),
            None => Transport::Outbox(config.outbox_dir()),
        };
        Ok(Mailer { from, transport })
    }

    #[tracing::instrument(skip(self, email), fields(subject = %email.subject))]
    pub async fn send(&self, to: &str, email: OutgoingEmail) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("invalid recipient {to}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .context("building the message")?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("sending through SMTP")?;
            }
            Transport::Outbox(dir) => write_to_outbox(dir, &message.formatted()).await?,
        }
        Ok(())
    }

    /// Sends after the response has gone out; failures are logged.
    pub fn send_in_background(&self, to: String, email: OutgoingEmail) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(&to, email).await {
                tracing::error!(error = ?crate::error::ErrorChain(&err), "email not sent");
            }
        });
    }
}

/// Accepts `?tls=starttls` (and `none`) as our documentation spells them, translating to
/// lettre's `required` / no parameter.
fn lettre_url(url: &str) -> String {
    url.replace("tls=starttls", "tls=required")
        .replace("?tls=none", "")
        .replace("&tls=none", "")
}

async fn write_to_outbox(dir: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("creating {}", dir.display()))?;
    let name = format!(
        "{}-{}",
        crate::clock::now().format("%Y%m%dT%H%M%S%.6fZ"),
        &crate::auth::tokens::random_token()[..10]
    );
    // Write then rename, so a reader of the outbox never sees half a message.
    let partial = dir.join(format!(".{name}.tmp"));
    let done = dir.join(format!("{name}.eml"));
    tokio::fs::write(&partial, bytes)
        .await
        .with_context(|| format!("writing {}", partial.display()))?;
    tokio::fs::rename(&partial, &done).await?;
    tracing::info!(path = %done.display(), "email written to outbox");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lettre_url;

    #[test]
    fn documented_tls_spellings_are_translated() {
        assert_eq!(
            lettre_url("smtp://h:587?tls=starttls"),
            "smtp://h:587?tls=required"
        );
        assert_eq!(lettre_url("smtp://h:25?tls=none"), "smtp://h:25");
    }
}
