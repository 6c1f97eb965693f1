//! Typed settings: built-in defaults < `staffroom.toml` < `STAFFROOM_*` environment variables.
//!
//! Nested keys use `__` in environment variables: `STAFFROOM_AUTH__ACCESS_TOKEN_TTL_SECS=600`.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Holds the SQLite file, uploaded files, the mail outbox and the generated secret.
    pub data_dir: PathBuf,
    /// `postgres://…` switches to PostgreSQL; unset means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Base of links in emails; defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// `open`: anyone may register; `invite`: only with an invitation token.
    pub registration: Registration,
    /// `smtp://user:pass@host:587?tls=starttls`; unset means `.eml` files in `<data_dir>/outbox/`.
    pub smtp_url: Option<String>,
    /// Sender of every email.
    pub mail_from: String,
    pub mail: MailConfig,
    /// Set: search goes to this Meilisearch server; unset: the embedded engine in
    /// `data_dir/search/`.
    pub meilisearch_url: Option<String>,
    pub meilisearch_key: Option<String>,
    /// The Meilisearch index (instances sharing one database share it too).
    pub meilisearch_index: String,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    pub auth: AuthConfig,
    pub rate_limit: RateLimitConfig,
    /// Database connection pool size.
    pub database_max_connections: u32,
    /// SQLite's `synchronous` setting: `full` (every commit is on disk before it is
    /// acknowledged, surviving power loss) or `normal` (WAL's cheaper default: a power
    /// cut may lose the last commits). For benchmarks and disposable instances only.
    pub sqlite_synchronous: SqliteSync,
    /// HTTP worker threads; defaults to the number of CPUs.
    pub workers: Option<usize>,
    /// Largest accepted resource upload, in bytes.
    pub max_upload_bytes: u64,
    pub live: LiveConfig,
    pub markdown: MarkdownConfig,
    pub digests: DigestsConfig,
    pub notification_emails: NotificationEmailsConfig,
    pub initiatives: InitiativesConfig,
    pub polls: PollsConfig,
    pub file_text: FileTextConfig,
    pub visits: VisitsConfig,
    pub images: ImagesConfig,
}

/// Images put into posts (see `images/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Largest image file accepted, in bytes (413 beyond).
    pub max_bytes: u64,
    /// Most pixels an image may have, as its header says, before anything is decoded (413
    /// beyond): what keeps a small file that would decode to gigabytes out.
    pub max_pixels: u64,
    /// Longest side kept; larger images are scaled down.
    pub max_side: u32,
    /// Longest side of the display size shown in posts.
    pub display_side: u32,
    /// Images decoded at once (each may take up to `max_pixels` × 4 bytes).
    pub concurrent: usize,
}

/// Recording members' visits (see `visits.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitsConfig {
    /// A member's requests update their `last_seen_at` at most once this often (seconds)
    /// per instance, written off the request path. Visits begin after 30 minutes away, so
    /// anything well below that keeps them exact enough.
    pub touch_interval_secs: u64,
}

/// Reading the words of uploaded files in a child process (see `file_text/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTextConfig {
    /// The program run as `<extractor> extract-text`; unset: this very binary.
    pub extractor: Option<PathBuf>,
    /// Address space a reading child may use, in MiB.
    pub memory_mib: u64,
    /// Processor seconds a reading child may use.
    pub cpu_secs: u64,
    /// Wall-clock seconds after which a reading child is killed.
    pub deadline_secs: u64,
}

/// Polls' background work (see `polls/closer.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollsConfig {
    /// Whether this instance closes polls whose closing time has passed (and announces it).
    /// Several instances may: each poll is closed once.
    pub closer: bool,
    /// Seconds between two looks for polls past their closing time.
    pub close_interval_secs: u64,
}

/// Improvement initiatives' background work (see `initiatives/reminders.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitiativesConfig {
    /// Whether this instance reminds teams of missing check-ins. Several instances may:
    /// each reminder is recorded once.
    pub reminders: bool,
    /// Seconds between two looks for missing check-ins.
    pub reminder_interval_secs: u64,
}

/// When digests go out (see `digests/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestsConfig {
    /// Whether this instance looks for due digests and sends them. Several instances may:
    /// they share the work without sending anything twice.
    pub scheduler: bool,
    /// Seconds between two looks for due digests.
    pub interval_secs: u64,
    /// Members whose digests are composed and committed together: larger batches cost
    /// fewer queries and commits; a crash re-composes at most one batch.
    pub batch_size: u64,
}

/// Emails about notifications (see `notifications/email.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationEmailsConfig {
    /// Whether this instance sends them.
    pub enabled: bool,
    /// A notification waits this long before it is emailed, so that a burst (replies
    /// coming in one after another) becomes one email, and what the member reads on the
    /// site in the meantime is not emailed at all.
    pub batch_window_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Hosts images in posts may load from (`images.example.org`, `*.example.org`); images
    /// elsewhere are shown as links, so that a post cannot tell a third party who reads it.
    pub image_hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveConfig {
    /// Undelivered events a WebSocket connection may have queued before it is dropped.
    pub buffer: usize,
    /// Most events replayed to a reconnecting client; beyond it the client gets `reset`.
    pub replay_window: u64,
    /// Seconds between server pings; a peer silent for three periods is disconnected.
    pub heartbeat_secs: u64,
    /// Upper bound on how long an event from another instance waits to be noticed.
    pub poll_interval_ms: u64,
    /// Longest a client may take to accept one frame before it is dropped as not reading.
    pub send_timeout_secs: u64,
}

/// How the mail outbox is worked off (see `mail/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// Sending attempts before a message is given up (and listed by `staffroom mail list
    /// --failed`).
    pub max_attempts: u32,
    /// Wait after the first failed attempt; it doubles with each further one.
    pub retry_initial_secs: u64,
    /// Longest wait between two attempts.
    pub retry_max_secs: u64,
    /// How long an instance holds a message it is sending before another may take it over.
    pub lease_secs: u64,
    /// Sent and given-up messages (and `.eml` files in the file outbox), which hold sign-in
    /// and invitation links, are deleted after this many hours.
    pub retention_hours: u64,
    /// Longest a message waits before the worker looks for it without a wake-up (messages
    /// queued by other instances, retries that came due).
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 signing secret for access tokens; generated into `<data_dir>/secret.key` if unset.
    pub jwt_secret: Option<String>,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    /// Seconds after its rotation during which a refresh token presented again gets a new
    /// pair instead of revoking its family: a browser tab closed while its refresh was
    /// answered never stored the new token. 0: every reuse revokes.
    pub refresh_reuse_grace_secs: u64,
    pub magic_link_ttl_minutes: u64,
    pub invitation_ttl_days: u64,
    /// Argon2id hashes (19 MiB each) computed at once; unset: the number of CPUs.
    pub hashing_concurrency: Option<usize>,
    /// Requests that may wait for a hashing slot; beyond them sign-ins and registrations get
    /// 503 with `Retry-After` instead of piling up.
    pub hashing_queue: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Login attempts allowed per client IP per window.
    pub login_per_ip: u32,
    /// Login attempts allowed per account (email) per window.
    pub login_per_account: u32,
    /// Magic-link requests allowed per client IP per window.
    pub magic_link_per_ip: u32,
    /// Magic-link requests allowed per account (email) per window.
    pub magic_link_per_account: u32,
    /// Registrations allowed per client IP per window.
    pub register_per_ip: u32,
    pub window_secs: u64,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` entries are believed: the
    /// client is the right-most hop not in this list. Empty: the peer address is the client.
    pub trusted_proxies: Vec<String>,
    /// Most keys (addresses, accounts) tracked at once; the oldest are forgotten first.
    pub max_tracked_keys: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    Open,
    Invite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSync {
    Full,
    Normal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            registration: Registration::Open,
            smtp_url: None,
            mail_from: "Staffroom <staffroom@localhost>".to_owned(),
            mail: MailConfig {
                max_attempts: 12,
                retry_initial_secs: 30,
                retry_max_secs: 3600,
                lease_secs: 120,
                retention_hours: 168,
                poll_interval_ms: 1000,
            },
            meilisearch_url: None,
            meilisearch_key: None,
            meilisearch_index: "staffroom".to_owned(),
            log_format: LogFormat::Pretty,
            auth: AuthConfig {
                jwt_secret: None,
                access_token_ttl_secs: 15 * 60,
                refresh_reuse_grace_secs: 30,
                refresh_token_ttl_days: 30,
                magic_link_ttl_minutes: 15,
                invitation_ttl_days: 14,
                hashing_concurrency: None,
                hashing_queue: 16,
            },
            rate_limit: RateLimitConfig {
                login_per_ip: 30,
                login_per_account: 10,
                magic_link_per_ip: 10,
                magic_link_per_account: 3,
                register_per_ip: 10,
                window_secs: 15 * 60,
                trusted_proxies: Vec::new(),
                max_tracked_keys: 100_000,
            },
            database_max_connections: 10,
            sqlite_synchronous: SqliteSync::Full,
            workers: None,
            max_upload_bytes: 25 * 1024 * 1024,
            live: LiveConfig {
                buffer: 256,
                replay_window: 1000,
                heartbeat_secs: 20,
                poll_interval_ms: 1000,
                send_timeout_secs: 10,
            },
            markdown: MarkdownConfig {
                image_hosts: Vec::new(),
            },
            digests: DigestsConfig {
                scheduler: true,
                interval_secs: 60,
                batch_size: 250,
            },
            notification_emails: NotificationEmailsConfig {
                enabled: true,
                batch_window_secs: 600,
            },
            initiatives: InitiativesConfig {
                reminders: true,
                reminder_interval_secs: 900,
            },
            polls: PollsConfig {
                closer: true,
                close_interval_secs: 30,
            },
            images: ImagesConfig {
                max_bytes: 15 * 1024 * 1024,
                max_pixels: 40_000_000,
                max_side: 2560,
                display_side: 1280,
                concurrent: 2,
            },
            file_text: FileTextConfig {
                extractor: None,
                memory_mib: 1024,
                cpu_secs: 20,
                deadline_secs: 30,
            },
            visits: VisitsConfig {
                touch_interval_secs: 300,
            },
        }
    }
}

impl Config {
    /// Loads defaults, then `config_file` (or `./staffroom.toml` when it exists), then the
    /// environment.
    pub fn load(config_file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match config_file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("staffroom.toml")),
        }
        let config: Config = figment
            // STAFFROOM_CONFIG names the file, STAFFROOM_LOG is the log filter (read by
            // `ops::telemetry` before any configuration exists), STAFFROOM_FAILPOINTS and
            // STAFFROOM_TEST_* belong to the test suite: none of them is a setting.
            .merge(
                Env::prefixed("STAFFROOM_")
                    .filter(|key| {
                        let key = key.as_str().to_ascii_lowercase();
                        !matches!(key.as_str(), "config" | "log" | "failpoints")
                            && !key.starts_with("test_")
                    })
                    .split("__"),
            )
            .extract()
            .map_err(Box::new)?;
        config
            .validate()
            .map_err(|message| Box::new(figment::Error::from(message)))?;
        Ok(config)
    }

    /// Ranges that keep token lifetimes meaningful (and date arithmetic in range).
    pub fn validate(&self) -> Result<(), String> {
        let auth = &self.auth;
        let checks = [
            (
                "auth.access_token_ttl_secs",
                auth.access_token_ttl_secs,
                1,
                24 * 3600,
            ),
            (
                "auth.refresh_token_ttl_days",
                auth.refresh_token_ttl_days,
                1,
                3650,
            ),
            (
                "auth.magic_link_ttl_minutes",
                auth.magic_link_ttl_minutes,
                0,
                7 * 24 * 60,
            ),
            ("auth.invitation_ttl_days", auth.invitation_ttl_days, 0, 365),
            (
                "auth.refresh_reuse_grace_secs",
                auth.refresh_reuse_grace_secs,
                0,
                300,
            ),
            (
                "rate_limit.window_secs",
                self.rate_limit.window_secs,
                1,
                7 * 24 * 3600,
            ),
            (
                "mail.max_attempts",
                u64::from(self.mail.max_attempts),
                1,
                1000,
            ),
            (
                "mail.retry_initial_secs",
                self.mail.retry_initial_secs,
                1,
                24 * 3600,
            ),
            (
                "mail.retry_max_secs",
                self.mail.retry_max_secs,
                1,
                7 * 24 * 3600,
            ),
            ("mail.lease_secs", self.mail.lease_secs, 2, 3600),
            (
                "mail.retention_hours",
                self.mail.retention_hours,
                1,
                24 * 365,
            ),
            ("digests.interval_secs", self.digests.interval_secs, 1, 3600),
            (
                "initiatives.reminder_interval_secs",
                self.initiatives.reminder_interval_secs,
                1,
                24 * 3600,
            ),
            (
                "polls.close_interval_secs",
                self.polls.close_interval_secs,
                1,
                3600,
            ),
            ("digests.batch_size", self.digests.batch_size, 1, 1000),
            (
                "visits.touch_interval_secs",
                self.visits.touch_interval_secs,
                0,
                20 * 60,
            ),
            (
                "notification_emails.batch_window_secs",
                self.notification_emails.batch_window_secs,
                0,
                24 * 3600,
            ),
            (
                "file_text.memory_mib",
                self.file_text.memory_mib,
                64,
                65_536,
            ),
            ("file_text.cpu_secs", self.file_text.cpu_secs, 1, 3600),
            (
                "file_text.deadline_secs",
                self.file_text.deadline_secs,
                1,
                3600,
            ),
            (
                "mail.poll_interval_ms",
                self.mail.poll_interval_ms,
                10,
                3_600_000,
            ),
        ];
        for (key, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(format!(
                    "{key} must be between {min} and {max}, not {value}"
                ));
            }
        }
        for proxy in &self.rate_limit.trusted_proxies {
            proxy
                .parse::<crate::ip_range::IpRange>()
                .map_err(|err| format!("rate_limit.trusted_proxies: {err}"))?;
        }
        if self.auth.hashing_concurrency == Some(0) {
            return Err("auth.hashing_concurrency must be at least 1".to_owned());
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("staffroom.db").display()
            ),
        }
    }

    /// Base URL for links in emails, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

#[cfg(test)]
// figment's Jail API fixes the closure's error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_nested_keys() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STAFFROOM_AUTH__ACCESS_TOKEN_TTL_SECS", "60");
            jail.set_env("STAFFROOM_REGISTRATION", "invite");
            let config = Config::load(None).expect("config loads");
            assert_eq!(config.auth.access_token_ttl_secs, 60);
            assert_eq!(config.registration, Registration::Invite);
            Ok(())
        });
    }

    #[test]
    fn toml_file_is_read_and_environment_wins() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "staffroom.toml",
                "bind = \"127.0.0.1:9000\"\nmail_from = \"a@b.c\"",
            )?;
            jail.set_env("STAFFROOM_MAIL_FROM", "x@y.z");
            let config = Config::load(None).expect("config loads");
            assert_eq!(config.bind.port(), 9000);
            assert_eq!(config.mail_from, "x@y.z");
            Ok(())
        });
    }

    #[test]
    fn out_of_range_lifetimes_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STAFFROOM_AUTH__INVITATION_TTL_DAYS", "100000000000");
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_log_filter_variable_is_not_taken_for_a_setting() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STAFFROOM_LOG", "debug");
            jail.set_env("STAFFROOM_TEST_JOURNEY", "sign up");
            assert!(Config::load(None).is_ok());
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("staffroom.toml", "bnid = \"127.0.0.1:9000\"")?;
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }
}
