//! `Stripe-Signature` verification: `t=<unix>,v1=<hex hmac>[,v1=…]`, where each `v1` is
//! HMAC-SHA256 of `"<t>.<raw body>"` under an endpoint secret. Every `v1` is tried
//! against every configured secret (current and previous), so secrets can be rotated
//! without dropping events; the timestamp must be within the tolerance.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the Stripe-Signature timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// `hex(HMAC-SHA256(secret, "<t>.<payload>"))`.
pub fn sign(secret: &[u8], timestamp: i64, payload: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// A header as Stripe sends it, for tests and tools.
pub fn header(secret: &[u8], timestamp: i64, payload: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, payload))
}

/// Verifies `header` for `payload` against any of `secrets` at time `now`.
pub fn verify(
    header: &str,
    payload: &[u8],
    secrets: &[&[u8]],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match key {
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "v1" => signatures.push(value),
            _ => {} // v0 and future schemes are ignored
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let matched = secrets.iter().any(|secret| {
        let expected = sign(secret, timestamp, payload);
        signatures
            .iter()
            .any(|candidate| crate::domain::tokens::digests_match(&expected, candidate))
    });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;

    #[test]
    fn a_header_made_like_stripe_verifies() {
        let h = header(SECRET, 1_800_000_000, BODY);
        assert_eq!(verify(&h, BODY, &[SECRET], 1_800_000_100, 300), Ok(()));
    }

    #[test]
    fn tampering_a_stale_timestamp_or_a_wrong_secret_fails() {
        let h = header(SECRET, 1_800_000_000, BODY);
        assert_eq!(
            verify(&h, b"{}", &[SECRET], 1_800_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&h, BODY, &[b"other"], 1_800_000_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&h, BODY, &[SECRET], 1_800_000_301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("v1=abc", BODY, &[SECRET], 0, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("t=1", BODY, &[SECRET], 1, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("garbage", BODY, &[SECRET], 1, 300),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn any_v1_and_any_configured_secret_may_match() {
        let new = b"whsec_new";
        let t = 1_800_000_000;
        // Stripe signs with both secrets during a rotation and sends both v1 values.
        let h = format!("t={t},v1={},v1={}", sign(new, t, BODY), sign(SECRET, t, BODY));
        assert_eq!(verify(&h, BODY, &[SECRET], t, 300), Ok(()));
        assert_eq!(verify(&h, BODY, &[new], t, 300), Ok(()));
        // And an endpoint can accept its previous secret for a while.
        let old_only = header(SECRET, t, BODY);
        assert_eq!(verify(&old_only, BODY, &[new, SECRET], t, 300), Ok(()));
    }
}

#[cfg(test)]
mod compatibility {
    use super::*;

    #[test]
    fn headers_made_by_the_stripe_sdk_verify_and_ours_satisfy_the_sdk() {
        let body = r#"{"id":"evt_1","object":"event","created":1800000000,"livemode":false,"pending_webhooks":1,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}"#;
        let secret = "whsec_compat";
        let now = chrono::Utc::now().timestamp();
        let theirs = stripe_webhook::Webhook::generate_test_header(body, secret, Some(now));
        assert_eq!(
            verify(&theirs, body.as_bytes(), &[secret.as_bytes()], now, 300),
            Ok(())
        );
        let ours = header(secret.as_bytes(), now, body.as_bytes());
        assert!(!matches!(
            stripe_webhook::Webhook::construct_event(body, &ours, secret),
            Err(stripe_webhook::WebhookError::BadSignature | stripe_webhook::WebhookError::BadTimestamp(_))
        ));
    }
}
