//! Tenant isolation: another organization's id is a 404 on every organization route,
//! for users and API keys alike.

use reqwest::Method;
use serde_json::json;
use tests::{TestApp, assert_problem, spawn_app};
use uuid::Uuid;

/// Every organization-scoped route, with a body where it takes one.
fn organization_routes(org: Uuid, key_id: Uuid) -> Vec<(Method, String, Option<serde_json::Value>)> {
    vec![
        (Method::GET, format!("/v1/organizations/{org}"), None),
        (Method::GET, format!("/v1/organizations/{org}/members"), None),
        (
            Method::POST,
            format!("/v1/organizations/{org}/members"),
            Some(json!({"email": "x@example.com"})),
        ),
        (Method::GET, format!("/v1/organizations/{org}/api-keys"), None),
        (
            Method::POST,
            format!("/v1/organizations/{org}/api-keys"),
            Some(json!({"name": "stolen"})),
        ),
        (
            Method::DELETE,
            format!("/v1/organizations/{org}/api-keys/{key_id}"),
            None,
        ),
        (Method::GET, format!("/v1/organizations/{org}/webhooks"), None),
        (
            Method::POST,
            format!("/v1/organizations/{org}/webhooks"),
            Some(json!({"url": "https://attacker.example/hooks"})),
        ),
        (
            Method::DELETE,
            format!("/v1/organizations/{org}/webhooks/{key_id}"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/organizations/{org}/webhooks/{key_id}/deliveries"),
            None,
        ),
        (Method::GET, format!("/v1/organizations/{org}/llm-usage"), None),
    ]
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
    token: &str,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn another_tenants_organization_is_not_found_for_users_and_api_keys() {
    let app = spawn_app().await;
    let alice = app.signup().await;
    let bob = app.signup().await;
    let alice_org = app.create_organization(&alice, "partner").await;
    let bob_org = app.create_organization(&bob, "partner").await;
    let (alice_key_id, alice_key) = app.create_api_key(&alice, alice_org).await;
    let (_, bob_key) = app.create_api_key(&bob, bob_org).await;

    for target in [alice_org, alice.organization_id] {
        for (method, path, body) in organization_routes(target, alice_key_id) {
            let as_user = call(&app, method.clone(), &path, body.clone(), &bob.access_token).await;
            assert_eq!(as_user.status(), 404, "user: {method} {path}");
            assert_problem(as_user, 404, "not-found").await;
            let as_key = call(&app, method.clone(), &path, body, &bob_key).await;
            assert_eq!(as_key.status(), 404, "api key: {method} {path}");
            assert_problem(as_key, 404, "not-found").await;
        }
    }

    // Naming Alice's key under Bob's own organization does not reach it either.
    let cross = call(
        &app,
        Method::DELETE,
        &format!("/v1/organizations/{bob_org}/api-keys/{alice_key_id}"),
        None,
        &bob.access_token,
    )
    .await;
    assert_problem(cross, 404, "not-found").await;
    // Same for Alice's webhook endpoint.
    let hook: serde_json::Value = app
        .post(&format!("/v1/organizations/{alice_org}/webhooks"))
        .bearer_auth(&alice_key)
        .json(&json!({"url": "https://alice.example/hooks"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook_id = hook["id"].as_str().unwrap();
    for method in [Method::DELETE, Method::GET] {
        let suffix = if method == Method::GET { "/deliveries" } else { "" };
        let path = format!("/v1/organizations/{bob_org}/webhooks/{hook_id}{suffix}");
        let cross = call(&app, method, &path, None, &bob_key).await;
        assert_problem(cross, 404, "not-found").await;
    }
    let alice_hooks = app
        .get_json(&format!("/v1/organizations/{alice_org}/webhooks"), &alice_key)
        .await;
    assert_eq!(alice_hooks.as_array().unwrap().len(), 1);
    let still_works = app
        .get(&format!("/v1/organizations/{alice_org}"))
        .bearer_auth(&alice_key)
        .send()
        .await
        .unwrap();
    assert_eq!(still_works.status(), 200);

    // An API key is confined to its own organization, even for its creator's others.
    let other_of_alice = call(
        &app,
        Method::GET,
        &format!("/v1/organizations/{}", alice.organization_id),
        None,
        &alice_key,
    )
    .await;
    assert_problem(other_of_alice, 404, "not-found").await;
}

#[tokio::test]
async fn unknown_and_malformed_organization_ids_are_not_found() {
    let app = spawn_app().await;
    let user = app.signup().await;
    for path in [
        format!("/v1/organizations/{}", Uuid::new_v4()),
        "/v1/organizations/not-a-uuid".to_owned(),
        "/v1/organizations/not-a-uuid/members".to_owned(),
    ] {
        let response = app
            .get(&path)
            .bearer_auth(&user.access_token)
            .send()
            .await
            .unwrap();
        assert_problem(response, 404, "not-found").await;
    }
}
