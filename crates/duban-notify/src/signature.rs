//! HMAC-SHA256 signatures of webhook deliveries, for senders and receivers.
//!
//! The signed string is `"{timestamp}.{body}"`: the decimal unix-seconds timestamp exactly as
//! sent in `X-Duban-Timestamp`, one ASCII dot, then the raw request body bytes. Binding the
//! timestamp into the MAC lets a receiver reject replays of an old, validly signed request.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// Header naming the event, e.g. `escalation.raised`.
pub const HEADER_EVENT: &str = "X-Duban-Event";
/// Header with the signing time in unix seconds.
pub const HEADER_TIMESTAMP: &str = "X-Duban-Timestamp";
/// Header with `sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`.
pub const HEADER_SIGNATURE: &str = "X-Duban-Signature";
/// Header with the notification id: the same on every retry, so receivers can de-duplicate.
pub const HEADER_DELIVERY: &str = "X-Duban-Delivery";

const PREFIX: &str = "sha256=";

/// Why [`verify_signature`] rejected a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The signature header is not `sha256=` followed by 64 hex digits.
    #[error("malformed signature header (expected `sha256=<64 hex digits>`)")]
    MalformedHeader,
    /// The timestamp header is not a plain decimal number of unix seconds.
    #[error("malformed timestamp header (expected unix seconds)")]
    MalformedTimestamp,
    /// The timestamp is further from `now` than the tolerance: a replay, or a badly set clock.
    #[error("timestamp {skew_secs} s away from now, outside the {tolerance_secs} s window")]
    OutsideWindow { skew_secs: u64, tolerance_secs: u64 },
    /// The MAC does not match: wrong secret, or the body or timestamp was altered.
    #[error("signature does not match")]
    Mismatch,
}

/// The `X-Duban-Signature` header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mac = mac_for(secret, timestamp.to_string().as_bytes(), body);
    format!("{PREFIX}{}", hex(&mac.finalize().into_bytes()))
}

/// Verify a received webhook request.
///
/// - `secret`: the shared secret configured for this webhook;
/// - `timestamp`: the `X-Duban-Timestamp` header value, as received;
/// - `body`: the raw request body bytes, as received (not re-serialised JSON);
/// - `header`: the `X-Duban-Signature` header value;
/// - `now`: the receiver's clock in unix seconds;
/// - `tolerance`: the replay window, e.g. 5 minutes. Timestamps further than this from `now`,
///   in the past or the future, are rejected before any MAC is computed.
///
/// The MAC comparison is constant-time. Receivers that must also reject a replay *inside* the
/// window should remember the `X-Duban-Delivery` ids they have seen for `tolerance`.
pub fn verify_signature(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    header: &str,
    now: u64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let expected = parse_header(header)?;
    if timestamp.is_empty()
        || timestamp.len() > 19
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SignatureError::MalformedTimestamp);
    }
    let ts: u64 = timestamp
        .parse()
        .map_err(|_| SignatureError::MalformedTimestamp)?;
    let skew = now.abs_diff(ts);
    if skew > tolerance.as_secs() {
        return Err(SignatureError::OutsideWindow {
            skew_secs: skew,
            tolerance_secs: tolerance.as_secs(),
        });
    }
    // The MAC covers the timestamp string as received, not a re-formatted number.
    mac_for(secret, timestamp.as_bytes(), body)
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

fn mac_for(secret: &[u8], timestamp: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    mac
}

fn parse_header(header: &str) -> Result<[u8; 32], SignatureError> {
    let hex_part = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::MalformedHeader)?;
    let bytes = hex_part.as_bytes();
    if bytes.len() != 64 {
        return Err(SignatureError::MalformedHeader);
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = hex_value(pair[0]).ok_or(SignatureError::MalformedHeader)?;
        let lo = hex_value(pair[1]).ok_or(SignatureError::MalformedHeader)?;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(300);

    #[test]
    fn hmac_sha256_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: the HMAC primitive itself, before our "{ts}.{body}" framing.
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn known_answer_vector() {
        // Computed independently with Python:
        // hmac.new(b"duban-test-secret", b"1700000000." + body, hashlib.sha256).hexdigest()
        let body = r#"{"event":"escalation.raised","subject":"督办通知"}"#.as_bytes();
        let sig = sign(b"duban-test-secret", 1_700_000_000, body);
        assert_eq!(sig, KNOWN_SIGNATURE);
        assert_eq!(
            verify_signature(
                b"duban-test-secret",
                "1700000000",
                body,
                KNOWN_SIGNATURE,
                1_700_000_100,
                WINDOW
            ),
            Ok(())
        );
    }

    const KNOWN_SIGNATURE: &str =
        "sha256=6dbe29713680ef9a762da7726993c82a3cbe5ecb9abeb7fb46c83319d4370cb6";

    #[test]
    fn rejects_wrong_secret_tampered_body_and_timestamp() {
        let body = br#"{"id":"n1"}"#;
        let sig = sign(b"s3cret", 1000, body);
        assert_eq!(
            verify_signature(b"s3cret", "1000", body, &sig, 1000, WINDOW),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"other", "1000", body, &sig, 1000, WINDOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"s3cret", "1000", br#"{"id":"n2"}"#, &sig, 1000, WINDOW),
            Err(SignatureError::Mismatch)
        );
        // Moving the timestamp (still inside the window) breaks the MAC too.
        assert_eq!(
            verify_signature(b"s3cret", "1001", body, &sig, 1000, WINDOW),
            Err(SignatureError::Mismatch)
        );
        // Same number, different string: the MAC is over the string as sent.
        assert_eq!(
            verify_signature(b"s3cret", "01000", body, &sig, 1000, WINDOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn replay_window_both_directions() {
        let body = b"{}";
        let sig = sign(b"k", 10_000, body);
        assert_eq!(
            verify_signature(b"k", "10000", body, &sig, 10_300, WINDOW),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"k", "10000", body, &sig, 9_700, WINDOW),
            Ok(())
        );
        assert_eq!(
            verify_signature(b"k", "10000", body, &sig, 10_301, WINDOW),
            Err(SignatureError::OutsideWindow {
                skew_secs: 301,
                tolerance_secs: 300
            })
        );
        assert!(matches!(
            verify_signature(b"k", "10000", body, &sig, 9_699, WINDOW),
            Err(SignatureError::OutsideWindow { .. })
        ));
    }

    #[test]
    fn malformed_inputs_are_typed_errors() {
        let body = b"{}";
        let sig = sign(b"k", 5, body);
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            "sha256=zz",
            &sig[..sig.len() - 1],
        ] {
            assert_eq!(
                verify_signature(b"k", "5", body, bad, 5, WINDOW),
                Err(SignatureError::MalformedHeader),
                "{bad:?}"
            );
        }
        for bad in ["", "-5", "+5", "5.0", " 5", "99999999999999999999"] {
            assert_eq!(
                verify_signature(b"k", bad, body, &sig, 5, WINDOW),
                Err(SignatureError::MalformedTimestamp),
                "{bad:?}"
            );
        }
        // Upper-case hex and surrounding whitespace in the header are accepted.
        let upper = format!("sha256={}", sig["sha256=".len()..].to_uppercase());
        assert_eq!(
            verify_signature(b"k", "5", body, &format!(" {upper} "), 5, WINDOW),
            Ok(())
        );
    }
}
