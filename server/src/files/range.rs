//! Single-range `Range: bytes=…` requests (RFC 9110 §14).

/// What to send for a request's `Range` header against a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) range: the whole file, 200.
    Full,
    /// Bytes `start..=end`, 206.
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

pub fn parse(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    // Several ranges would need multipart/byteranges; serving the whole file is allowed.
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match last.parse::<u64>() {
            Ok(0) => return RangeRequest::Unsatisfiable,
            Ok(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            Err(_) => return RangeRequest::Full,
        },
        (false, _) => {
            let Ok(start) = first.parse::<u64>() else {
                return RangeRequest::Full;
            };
            let end = if last.is_empty() {
                len.saturating_sub(1)
            } else {
                match last.parse::<u64>() {
                    Ok(end) if end >= start => end.min(len.saturating_sub(1)),
                    _ => return RangeRequest::Full,
                }
            };
            (start, end)
        }
        (true, true) => return RangeRequest::Full,
    };
    if len == 0 || range.0 >= len {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Partial {
        start: range.0,
        end: range.1,
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, RangeRequest::*};

    #[test]
    fn ranges_of_every_form() {
        assert_eq!(parse(None, 100), Full);
        assert_eq!(parse(Some("bytes=0-9"), 100), Partial { start: 0, end: 9 });
        assert_eq!(
            parse(Some("bytes=90-"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            parse(Some("bytes=-10"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            parse(Some("bytes=95-200"), 100),
            Partial { start: 95, end: 99 }
        );
        assert_eq!(parse(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(parse(Some("bytes=5-2"), 100), Full);
        assert_eq!(parse(Some("bytes=0-1,5-6"), 100), Full);
        assert_eq!(parse(Some("items=0-1"), 100), Full);
    }
}
