//! Request counts and latency histograms per route, in Prometheus' text format.

use crate::mail::worker::MailCounters;
use actix_web::http::Method;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<SeriesKey, Series>>,
    /// Shared with the mail worker, which counts what it sends.
    pub mail: Arc<MailCounters>,
    /// Counted by the digest scheduler.
    pub digests: DigestCounters,
}

/// What this instance's digest scheduler has done since the process started.
#[derive(Debug, Default)]
pub struct DigestCounters {
    pub passes: AtomicU64,
    pub sent: AtomicU64,
    pub empty: AtomicU64,
    pub failed: AtomicU64,
}

/// The mail outbox as it stands: `(waiting to be sent, given up)`.
pub type OutboxCounts = (u64, u64);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
}

impl Metrics {
    /// `route` is the matched pattern (`/api/v1/threads/{id}`), never the raw path, and the
    /// method one of the standard ones or `OTHER`, so the number of series stays bounded
    /// whatever clients send.
    pub fn observe(&self, method: &Method, route: &str, status: u16, secs: f64) {
        let key = SeriesKey {
            method: method_label(method),
            route: route.to_owned(),
            status,
        };
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let entry = series.entry(key).or_default();
        entry.count += 1;
        entry.sum_secs += secs;
        let slot = BUCKETS
            .iter()
            .position(|bound| secs <= *bound)
            .unwrap_or(BUCKETS.len());
        entry.buckets[slot] += 1;
    }

    pub fn render(&self, outbox: Option<OutboxCounts>) -> String {
        let mut out = String::new();
        self.render_mail(&mut out, outbox);
        self.render_digests(&mut out);
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP staffroom_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE staffroom_http_requests_total counter\n");
        for (key, s) in series.iter() {
            let _ = writeln!(
                out,
                "staffroom_http_requests_total{{{}}} {}",
                labels(key),
                s.count
            );
        }
        out.push_str("# HELP staffroom_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE staffroom_http_request_duration_seconds histogram\n");
        for (key, s) in series.iter() {
            let labels = labels(key);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += count;
                let _ = writeln!(out, "staffroom_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(
                out,
                "staffroom_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "staffroom_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "staffroom_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// A label value for `method`: clients may send any token as a method, so only the
/// standard ones are named.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

impl Metrics {
    fn render_digests(&self, out: &mut String) {
        let counters = [
            (
                "staffroom_digest_passes_total",
                "Looks for due digests by this instance's scheduler.",
                &self.digests.passes,
            ),
            (
                "staffroom_digests_sent_total",
                "Digests queued for sending by this instance's scheduler.",
                &self.digests.sent,
            ),
            (
                "staffroom_digests_empty_total",
                "Digests with nothing to tell (recorded, not sent).",
                &self.digests.empty,
            ),
            (
                "staffroom_digests_failed_total",
                "Digests that failed to compose or queue (retried at the next pass).",
                &self.digests.failed,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
    }

    fn render_mail(&self, out: &mut String, outbox: Option<OutboxCounts>) {
        let counters = [
            (
                "staffroom_mail_sent_total",
                "Emails handed to the transport by this instance.",
                &self.mail.sent,
            ),
            (
                "staffroom_mail_failed_attempts_total",
                "Failed sending attempts by this instance (each is retried).",
                &self.mail.failed_attempts,
            ),
            (
                "staffroom_mail_given_up_total",
                "Emails given up after mail.max_attempts by this instance.",
                &self.mail.given_up,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        if let Some((pending, failed)) = outbox {
            let _ = writeln!(out, "# HELP staffroom_mail_outbox_pending Emails in the outbox not sent yet (all instances).\n# TYPE staffroom_mail_outbox_pending gauge\nstaffroom_mail_outbox_pending {pending}");
            let _ = writeln!(out, "# HELP staffroom_mail_outbox_failed Emails given up and waiting for an operator (`staffroom mail list --failed`).\n# TYPE staffroom_mail_outbox_failed gauge\nstaffroom_mail_outbox_failed {failed}");
        }
    }
}

fn labels(key: &SeriesKey) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{}\"",
        key.method,
        escape(&key.route),
        key.status
    )
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::Metrics;
    use actix_web::http::Method;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe(&Method::GET, "/api/v1/threads/{id}", 200, 0.003);
        metrics.observe(&Method::GET, "/api/v1/threads/{id}", 200, 0.2);
        let text = metrics.render(None);
        assert!(text.contains("staffroom_http_requests_total{method=\"GET\",route=\"/api/v1/threads/{id}\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
    }

    #[test]
    fn invented_methods_share_one_label() {
        let metrics = Metrics::default();
        for invented in ["BREW", "WHEN", "X-ANYTHING"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            metrics.observe(&method, "unmatched", 405, 0.001);
        }
        let text = metrics.render(Some((2, 1)));
        assert!(text.contains("staffroom_mail_outbox_pending 2"));
        assert!(text.contains("staffroom_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 3"), "{text}");
        assert!(!text.contains("BREW"));
    }
}
