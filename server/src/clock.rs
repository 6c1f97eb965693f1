//! The current time, at the precision both databases store (microseconds), so a timestamp
//! read back equals the one written and keyset cursors compare exactly.

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
