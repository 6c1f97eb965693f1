//! Hand-written serializers for values written many times per response (ids, timestamps):
//! the derived ones go through `Display` a character at a time.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// An id as the JSON string clients see (`"42"`).
pub fn id<S: Serializer>(id: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = itoa::Buffer::new();
    serializer.serialize_str(buffer.format(*id))
}

/// RFC 3339 in UTC with `Z` and as many fraction digits as needed (0, 3, 6 or 9), exactly as
/// chrono's own `Serialize` writes it.
pub fn timestamp<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; 40];
    match write_rfc3339(at, &mut buffer) {
        Some(len) => {
            serializer.serialize_str(std::str::from_utf8(&buffer[..len]).unwrap_or_default())
        }
        None => serializer.collect_str(&at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    }
}

/// `timestamp` for optional values (`null` when absent).
pub fn optional_timestamp<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => timestamp(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// Writes `at` into `out`; `None` for what needs chrono's general formatting (years outside
/// 0000–9999, leap seconds).
fn write_rfc3339(at: &DateTime<Utc>, out: &mut [u8; 40]) -> Option<usize> {
    let year = at.year();
    let nanos = at.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    fn put(out: &mut [u8; 40], len: &mut usize, value: u32, digits: u32) {
        for place in (0..digits).rev() {
            out[*len] = b'0' + ((value / 10u32.pow(place)) % 10) as u8;
            *len += 1;
        }
    }
    let mut len = 0;
    put(out, &mut len, year as u32, 4);
    let separators = [b'-', b'-', b'T', b':', b':'];
    let fields = [at.month(), at.day(), at.hour(), at.minute(), at.second()];
    for (separator, field) in separators.into_iter().zip(fields) {
        out[len] = separator;
        len += 1;
        put(out, &mut len, field, 2);
    }
    let (fraction, digits) = if nanos == 0 {
        (0, 0)
    } else if nanos % 1_000_000 == 0 {
        (nanos / 1_000_000, 3)
    } else if nanos % 1_000 == 0 {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    if digits > 0 {
        out[len] = b'.';
        len += 1;
        put(out, &mut len, fraction, digits);
    }
    out[len] = b'Z';
    Some(len + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(serde::Serialize)]
    struct Ours(#[serde(serialize_with = "timestamp")] DateTime<Utc>);

    #[test]
    fn timestamps_are_written_exactly_as_chrono_writes_them() {
        let base = Utc.with_ymd_and_hms(2027, 1, 11, 7, 5, 9).unwrap();
        for nanos in [0, 123_000_000, 123_456_000, 123_456_789, 1_000, 5] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            assert_eq!(
                serde_json::to_string(&Ours(at)).unwrap(),
                serde_json::to_string(&at).unwrap(),
                "{nanos}"
            );
        }
    }

    #[test]
    fn ids_are_strings() {
        #[derive(serde::Serialize)]
        struct Id(#[serde(serialize_with = "id")] i64);
        assert_eq!(
            serde_json::to_string(&Id(9_007_199_254_740_993)).unwrap(),
            "\"9007199254740993\""
        );
    }
}
