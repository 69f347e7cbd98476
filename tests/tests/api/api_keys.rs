use api::entities::api_keys;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{assert_problem, spawn_app};

#[tokio::test]
async fn an_api_key_is_shown_once_stored_as_a_digest_and_authenticates_as_its_organization() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (key_id, key) = app.create_api_key(&owner, org).await;
    assert!(key.starts_with("rk_"), "{key}");

    let record = api_keys::Entity::find_by_id(key_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.key_hash, api::domain::tokens::digest(&key));
    assert!(key.starts_with(&record.prefix));
    assert!(record.last_used_at.is_none());

    let response = app
        .get(&format!("/v1/organizations/{org}"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let record = api_keys::Entity::find_by_id(key_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(record.last_used_at.is_some());

    let listed: Value = app
        .get_json(&format!("/v1/organizations/{org}/api-keys"), &owner.access_token)
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["prefix"], record.prefix);
    assert!(listed[0].get("key").is_none());
    assert!(!listed.to_string().contains(&key));
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (key_id, key) = app.create_api_key(&owner, org).await;
    let org_path = format!("/v1/organizations/{org}");
    assert_eq!(
        app.get(&org_path)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let revoke = app
        .delete(&format!("/v1/organizations/{org}/api-keys/{key_id}"))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    assert_problem(
        app.get(&org_path).bearer_auth(&key).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;

    let twice = app
        .delete(&format!("/v1/organizations/{org}/api-keys/{key_id}"))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 204);
    let unknown = app
        .delete(&format!(
            "/v1/organizations/{org}/api-keys/{}",
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(&owner.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 404, "not-found").await;
}

#[tokio::test]
async fn keys_are_managed_by_owners_and_admins_only() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let member = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    app.add_member(&owner, org, &member.email, "member").await;
    let member_token = &app.token_for(&member, org).await;
    let create = app
        .post(&format!("/v1/organizations/{org}/api-keys"))
        .bearer_auth(member_token)
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_problem(create, 403, "forbidden").await;

    // A key cannot mint keys, nor act as a person.
    let (_, key) = app.create_api_key(&owner, org).await;
    let by_key = app
        .post(&format!("/v1/organizations/{org}/api-keys"))
        .bearer_auth(&key)
        .json(&json!({"name": "child"}))
        .send()
        .await
        .unwrap();
    assert_problem(by_key, 403, "forbidden").await;
    assert_problem(
        app.get("/v1/me").bearer_auth(&key).send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;

    let unnamed = app
        .post(&format!("/v1/organizations/{org}/api-keys"))
        .bearer_auth(&owner.access_token)
        .json(&json!({"name": "  "}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(unnamed, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "name");
}
