//! The access-token attack matrix: every forged, expired or altered token is a 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tests::{JWT_SECRET, Session, TestApp, assert_problem, spawn_app};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The session id (`sid`) of a real access token: forged tokens reuse it, so only the
/// claim a case alters can be what makes it fail.
fn session_id(session: &Session) -> Value {
    let payload = session.access_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].clone()
}

fn valid_claims(session: &Session) -> Value {
    json!({
        "sid": session_id(session),
        "iss": "rehearse",
        "aud": "rehearse-api",
        "sub": session.user_id,
        "org": session.organization_id,
        "iat": now(),
        "nbf": now(),
        "exp": now() + 600,
        "jti": uuid::Uuid::new_v4(),
    })
}

fn sign(claims: &Value, secret: &[u8], alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut c = claims.clone();
    c[key] = value;
    c
}

fn without(claims: &Value, key: &str) -> Value {
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove(key);
    c
}

async fn me_with(app: &TestApp, authorization: &str) -> reqwest::Response {
    app.get("/v1/me")
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_correctly_signed_token_is_accepted() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let token = sign(&valid_claims(&session), JWT_SECRET.as_bytes(), Algorithm::HS256);
    assert_eq!(me_with(&app, &format!("Bearer {token}")).await.status(), 200);
}

#[tokio::test]
async fn forged_altered_and_expired_tokens_are_rejected() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let other = app.signup().await;
    let good = valid_claims(&session);
    let secret = JWT_SECRET.as_bytes();

    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap());
    let valid = sign(&good, secret, Algorithm::HS256);
    let mut parts: Vec<&str> = valid.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&with(&good, "org", json!(other.organization_id))).unwrap());
    parts[1] = &tampered_payload;
    let tampered = parts.join(".");

    let cases: Vec<(&str, String)> = vec![
        ("alg none", format!("{header_none}.{payload}.")),
        (
            "alg none without the final dot",
            format!("{header_none}.{payload}"),
        ),
        (
            "wrong key",
            sign(&good, b"another-secret-another-secret-012345", Algorithm::HS256),
        ),
        ("HS512 with the right key", sign(&good, secret, Algorithm::HS512)),
        (
            "expired",
            sign(&with(&good, "exp", json!(now() - 3600)), secret, Algorithm::HS256),
        ),
        (
            "not yet valid",
            sign(&with(&good, "nbf", json!(now() + 3600)), secret, Algorithm::HS256),
        ),
        (
            "wrong issuer",
            sign(&with(&good, "iss", json!("evil")), secret, Algorithm::HS256),
        ),
        (
            "wrong audience",
            sign(&with(&good, "aud", json!("other-api")), secret, Algorithm::HS256),
        ),
        (
            "no issuer",
            sign(&without(&good, "iss"), secret, Algorithm::HS256),
        ),
        (
            "no audience",
            sign(&without(&good, "aud"), secret, Algorithm::HS256),
        ),
        (
            "no expiry",
            sign(&without(&good, "exp"), secret, Algorithm::HS256),
        ),
        (
            "no subject",
            sign(&without(&good, "sub"), secret, Algorithm::HS256),
        ),
        (
            "no organization",
            sign(&without(&good, "org"), secret, Algorithm::HS256),
        ),
        (
            "exp as a string",
            sign(
                &with(&good, "exp", json!((now() + 600).to_string())),
                secret,
                Algorithm::HS256,
            ),
        ),
        (
            "subject not a uuid",
            sign(&with(&good, "sub", json!("admin")), secret, Algorithm::HS256),
        ),
        (
            "an organization the user is not a member of",
            sign(
                &with(&good, "org", json!(other.organization_id)),
                secret,
                Algorithm::HS256,
            ),
        ),
        (
            "no session",
            sign(&without(&good, "sid"), secret, Algorithm::HS256),
        ),
        (
            "a session that never existed",
            sign(
                &with(&good, "sid", json!(uuid::Uuid::new_v4())),
                secret,
                Algorithm::HS256,
            ),
        ),
        (
            "another user's session",
            sign(&with(&good, "sid", session_id(&other)), secret, Algorithm::HS256),
        ),
        ("tampered claims, original signature", tampered),
        ("garbage", "not.a.jwt".to_owned()),
        ("truncated", valid[..valid.len() - 5].to_owned()),
        (
            "random api-key-looking token",
            "rk_abcdefghijkm_0123456789012345678901234567890123456789abc".to_owned(),
        ),
    ];
    for (case, token) in cases {
        let response = me_with(&app, &format!("Bearer {token}")).await;
        assert_eq!(response.status(), 401, "{case} was accepted");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
        assert_problem(response, 401, "unauthorized").await;
    }
}

#[tokio::test]
async fn missing_or_malformed_authorization_headers_are_rejected() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let no_header = app.get("/v1/me").send().await.unwrap();
    assert_problem(no_header, 401, "unauthorized").await;
    for header in [
        format!("Basic {}", session.access_token),
        session.access_token.clone(),
        "Bearer ".to_owned(),
        "Bearer".to_owned(),
    ] {
        assert_problem(me_with(&app, &header).await, 401, "unauthorized").await;
    }
}
