//! `staffroom digest preview` and `staffroom digest send`: what operators type to look at
//! a member's digest, or to send a period's digests beside (or instead of) the scheduler.

use super::schedule::Cadence;
use super::scheduler::{self, Which};
use super::send;
use crate::config::Config;
use crate::state::AppState;
use anyhow::Context;
use std::path::Path;

/// Prints the text of the digest `email` would get now and writes its HTML to `html_out`.
pub async fn preview(
    config: Config,
    email: &str,
    frequency: Option<Cadence>,
    html_out: &Path,
) -> anyhow::Result<()> {
    let state = AppState::open(config).await?;
    let member = crate::members::queries::find_by_email(state.db.reader(), &email.to_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no member with email {email}"))?;
    let cadence = frequency.unwrap_or_else(|| send::own_cadence(&member));
    let (digest, email) = send::preview(&state, &member, cadence, crate::clock::now()).await?;
    std::fs::write(html_out, &email.html)
        .with_context(|| format!("writing {}", html_out.display()))?;
    println!("Subject: {}\n\n{}", email.subject, email.text);
    eprintln!(
        "{} items{}; HTML written to {}",
        digest.items(),
        if digest.is_empty() {
            " (an empty digest is not sent)"
        } else {
            ""
        },
        html_out.display()
    );
    Ok(())
}

/// What `digest send` is asked to do.
pub struct SendOptions {
    /// Only this frequency (with `now`, required: it names the period).
    pub frequency: Option<Cadence>,
    /// The current period's digest to everyone of the frequency, whatever their hour.
    pub now: bool,
    /// Say what would be sent, send nothing and record nothing.
    pub dry_run: bool,
}

/// Sends (or, dry, counts) the digests due now, with a progress bar on stderr.
pub async fn send(config: Config, options: SendOptions) -> anyhow::Result<()> {
    let state = AppState::open(config).await?;
    let now = crate::clock::now();
    let which = match (options.now, options.frequency) {
        (true, Some(cadence)) => Which::CurrentPeriod(cadence),
        (true, None) => anyhow::bail!("--now needs --frequency daily or weekly"),
        (false, _) => Which::Due,
    };
    let mut pending = scheduler::pending(state.db.reader(), which, now).await?;
    if let Some(cadence) = options.frequency {
        pending.retain(|digest| digest.cadence == cadence);
    }
    let total = pending.len() as u64;
    if options.dry_run {
        let (mut would_send, mut empty) = (0, 0);
        for (done, digest) in pending.iter().enumerate() {
            let (composed, _) = send::preview(&state, &digest.member, digest.cadence, now).await?;
            if composed.is_empty() {
                empty += 1;
            } else {
                would_send += 1;
            }
            crate::progress::draw(done as u64 + 1, total, "members", "composing");
        }
        eprintln!();
        println!(
            "dry run: {would_send} would be sent, {empty} with nothing to tell; nothing recorded"
        );
        return Ok(());
    }
    let tally = scheduler::send_all(&state, pending, now, |done, total| {
        crate::progress::draw(done as u64, total as u64, "members", "sending")
    })
    .await;
    eprintln!();
    println!("{tally}");
    // Sending here too means the command works with no server running; beside one, the
    // outbox's leases keep the two from sending a message twice.
    let worker = crate::mail::worker::MailWorker::new(
        &state.config,
        state.db.clone(),
        state.metrics.mail.clone(),
    )?
    .with_recheck(crate::notifications::email::recheck())
    .with_recheck(super::recheck::recheck())
    .with_template(
        crate::mail::content::Template::Digest,
        super::render::write_stored,
    );
    worker.drain().await?;
    let counters = &state.metrics.mail;
    println!(
        "{} emails sent now, {} to retry later (a running server retries them)",
        counters.sent.load(std::sync::atomic::Ordering::Relaxed),
        counters
            .failed_attempts
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    if tally.failed > 0 {
        anyhow::bail!(
            "{} digests failed (see the log); run again to retry them",
            tally.failed
        );
    }
    Ok(())
}
