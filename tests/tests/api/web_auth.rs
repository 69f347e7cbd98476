//! The web app's public pages, static files, cookie sessions and CSRF protection.

use tests::browser::Browser;
use tests::{PASSWORD, spawn_app, token_from_email};

fn unique_email() -> String {
    format!("web-{}@example.com", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn the_landing_and_pricing_pages_are_served_under_a_strict_policy() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let landing = browser.get("/").await;
    assert_eq!(landing.status, 200);
    landing.assert_contains("Rehearse the interview before it counts");
    let csp = landing.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(landing.header("x-frame-options"), "DENY");
    // No inline script anywhere: every <script> has a src.
    assert_eq!(
        landing.body.matches("<script").count(),
        landing.body.matches("<script src=\"/static/").count()
    );

    let pricing = browser.get("/pricing").await;
    assert_eq!(pricing.status, 200);
    pricing.assert_contains("Pro");
    pricing.assert_contains("Team");
    // The test app has no Stripe key: the page says billing is off.
    pricing.assert_contains("billing is not configured");
}

#[tokio::test]
async fn static_files_have_content_hashed_names_and_a_long_cache() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/").await;
    for prefix in ["/static/app.", "/static/htmx.min."] {
        let start = page.body.find(prefix).expect("asset link");
        let end = start + page.body[start..].find('"').unwrap();
        let url = &page.body[start..end];
        let asset = browser.get(url).await;
        assert_eq!(asset.status, 200, "{url}");
        assert_eq!(
            asset.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert!(!asset.body.is_empty());
    }
    assert_eq!(browser.get("/static/app.0000000000.css").await.status, 404);
}

#[tokio::test]
async fn signing_up_sets_a_safe_session_cookie_and_opens_the_dashboard() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    let done = browser.sign_up(&email, PASSWORD).await;
    assert_eq!(done.location(), Some("/app?welcome=1"));
    let cookie = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("rh_session="))
        .expect("a session cookie");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("rh_session=");
    assert!(value.len() >= 22, "at least 128 random bits");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    // Stored hashed: the cookie value is not in the database.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let plain = api::entities::web_sessions::Entity::find()
        .filter(api::entities::web_sessions::Column::TokenHash.eq(value))
        .one(&app.state.db)
        .await
        .unwrap();
    assert!(plain.is_none());

    let dashboard = browser.get("/app?welcome=1").await;
    assert_eq!(dashboard.status, 200);
    dashboard.assert_contains("Hello, Web User");
    dashboard.assert_contains("Interviews left");
    dashboard.assert_contains("confirm your email");
}

#[tokio::test]
async fn pages_of_the_app_send_anonymous_visitors_to_sign_in_and_back() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    for path in [
        "/app",
        "/app/tracks",
        "/app/history",
        "/app/billing",
        "/app/settings",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(
            page.location().unwrap().starts_with("/login?next=%2Fapp"),
            "{path}"
        );
    }
    let user = app.signup().await;
    let page = browser.get("/login?next=/app/history").await;
    let csrf = page.csrf();
    assert_eq!(page.input("next").as_deref(), Some("/app/history"));
    let signed_in = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "/app/history"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.location(), Some("/app/history"));
    assert_eq!(browser.get("/app/history").await.status, 200);
}

#[tokio::test]
async fn a_next_location_off_the_app_is_ignored() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/login").await;
    let csrf = page.csrf();
    let done = browser
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("email", &user.email),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/app"));
}

#[tokio::test]
async fn a_form_posted_without_or_with_a_foreign_csrf_token_is_refused() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    browser.get("/signup").await;
    let without = browser
        .post("/signup", &[("email", email.as_str()), ("password", PASSWORD)])
        .await;
    assert_eq!(without.status, 403);
    without.assert_contains("This form has expired");

    // A token taken from another visitor's page does not work here.
    let mut attacker = Browser::new(&app);
    let foreign = attacker.get("/signup").await.csrf();
    let with_foreign = browser
        .post(
            "/signup",
            &[
                ("csrf", foreign.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(with_foreign.status, 403);
    // Without any cookie at all (a cross-site post from a fresh browser), refused too.
    let mut fresh = Browser::new(&app);
    let cookieless = fresh
        .post(
            "/signup",
            &[
                ("csrf", foreign.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(cookieless.status, 403);
    // No account was made.
    assert_eq!(app.login(&email, PASSWORD).await.status(), 401);

    // Signed in, a state-changing form needs the session's token.
    browser.sign_up(&email, PASSWORD).await;
    let start = browser
        .post(
            "/app/interviews",
            &[("csrf", foreign.as_str()), ("track_id", "senior-backend-fintech")],
        )
        .await;
    assert_eq!(start.status, 403);
    let logout = browser.post("/logout", &[]).await;
    assert_eq!(logout.status, 403);
    assert_eq!(browser.get("/app").await.status, 200, "still signed in");
}

#[tokio::test]
async fn a_wrong_password_is_shown_on_the_form_and_the_api_throttle_applies() {
    let app = tests::builder()
        .settings(|s| s.auth.login_max_failures = 2)
        .spawn()
        .await;
    let user = app.signup().await;
    let mut browser = Browser::new(&app);
    let first = browser.sign_in(&user.email, "wrong password!").await;
    assert_eq!(first.status, 401);
    first.assert_contains("Invalid email or password");
    assert_eq!(first.input("email").as_deref(), Some(user.email.as_str()));
    browser.sign_in(&user.email, "wrong password!").await;
    let locked = browser.sign_in(&user.email, PASSWORD).await;
    assert_eq!(locked.status, 429);
    locked.assert_contains("Too many failed sign-in attempts");
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let stolen = browser.cookies.get("rh_session").cloned().unwrap();
    let page = browser.get("/app").await;
    let out = browser.post("/logout", &[("csrf", &page.csrf())]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), Some("/"));
    assert!(!browser.cookies.contains_key("rh_session"));
    // The old cookie value no longer works anywhere.
    let mut thief = Browser::new(&app);
    thief.cookies.insert("rh_session".into(), stolen);
    assert_eq!(thief.get("/app").await.status, 303);
}

#[tokio::test]
async fn an_idle_or_expired_session_ends() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    browser.sign_up(&email, PASSWORD).await;
    assert_eq!(browser.get("/app").await.status, 200);
    let idle_since = chrono::Utc::now() - chrono::Duration::days(8);
    api::entities::web_sessions::Entity::update_many()
        .col_expr(
            api::entities::web_sessions::Column::LastSeenAt,
            Expr::value(idle_since),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(browser.get("/app").await.status, 303, "idle for a week");

    browser.sign_in(&email, PASSWORD).await;
    assert_eq!(browser.get("/app").await.status, 200);
    api::entities::web_sessions::Entity::update_many()
        .col_expr(
            api::entities::web_sessions::Column::ExpiresAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(api::entities::web_sessions::Column::RevokedAt.is_null())
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(browser.get("/app").await.status, 303, "past its lifetime");
}

#[tokio::test]
async fn forgot_password_emails_a_link_and_resetting_ends_every_browser_session() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    browser.sign_up(&email, PASSWORD).await;
    let mut other = Browser::new(&app);
    let sent = other
        .submit("/forgot-password", "/forgot-password", &[("email", &email)])
        .await;
    assert_eq!(sent.status, 200);
    sent.assert_contains("Check your email");
    let mails = app.emails_to(&email, 2).await;
    let reset = mails
        .iter()
        .find(|m| m.decoded().contains("reset-password"))
        .expect("a reset email");
    let token = token_from_email(reset, "reset-password");
    let done = other
        .post(
            "/reset-password",
            &[("token", token.as_str()), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(done.status, 200);
    assert_eq!(browser.get("/app").await.status, 303, "signed out by the reset");
    assert_eq!(browser.sign_in(&email, "a brand new password").await.status, 303);
}

#[tokio::test]
async fn the_verification_link_of_a_web_sign_up_confirms_the_address() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    browser.sign_up(&email, PASSWORD).await;
    let mail = &app.emails_to(&email, 1).await[0];
    let token = token_from_email(mail, "verify-email");
    let page = browser.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(page.status, 200);
    let confirmed = browser.post("/verify-email", &[("token", token.as_str())]).await;
    assert_eq!(confirmed.status, 200);
    let dashboard = browser.get("/app").await;
    assert!(!dashboard.contains("confirm your email"), "{}", dashboard.body);
}

#[tokio::test]
async fn unknown_app_pages_are_a_friendly_404() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/app/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.header("content-type").starts_with("text/html"));
    page.assert_contains("Page not found");
}
