//! The pages behind email links work in a browser, without the API client.

use serde_json::Value;
use tests::{assert_problem, spawn_app, token_from_email};

#[tokio::test]
async fn the_verification_link_opens_a_page_whose_button_confirms_the_address() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let token = token_from_email(&app.emails_to(&user.email, 1).await[0], "verify-email");

    // Opening the link (as a mail scanner would) changes nothing.
    let page = app
        .get(&format!("/verify-email?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("form-action 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{token}\"")));
    assert!(!html.contains("<script"));

    let confirm = app
        .post("/verify-email")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 200);
    assert!(confirm.text().await.unwrap().contains("Email confirmed"));
    let me: Value = app.get_json("/v1/me", &user.access_token).await;
    assert_eq!(me["user"]["email_verified"], true);

    let again = app
        .post("/verify-email")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("does not work"));
}

#[tokio::test]
async fn the_reset_link_opens_a_form_that_sets_the_new_password() {
    let app = spawn_app().await;
    let user = app.signup().await;
    app.post_json(
        "/v1/auth/password-reset",
        &serde_json::json!({"email": user.email}),
    )
    .await;
    let mails = app.emails_to(&user.email, 2).await;
    let mail = mails
        .iter()
        .find(|m| m.header("Subject").unwrap_or_default().contains("Reset"))
        .unwrap();
    let token = token_from_email(mail, "reset-password");
    let page = app
        .get(&format!("/reset-password?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("type=\"password\""));

    let weak = app
        .post("/reset-password")
        .form(&[("token", token.as_str()), ("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("at least 8 characters"));

    let done = app
        .post("/reset-password")
        .form(&[("token", token.as_str()), ("password", "my new long passphrase")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(
        app.login(&user.email, "my new long passphrase").await.status(),
        200
    );

    // A form without its fields is a problem, not a crash.
    let empty = app
        .post("/reset-password")
        .form(&[("nothing", "")])
        .send()
        .await
        .unwrap();
    assert_problem(empty, 400, "http-error").await;
}
