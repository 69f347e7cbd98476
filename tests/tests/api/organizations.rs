use serde_json::{Value, json};
use tests::{assert_problem, spawn_app};

#[tokio::test]
async fn a_team_organization_is_owned_by_its_creator() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "team").await;
    let org_body: Value = app
        .get_json(&format!("/v1/organizations/{org}"), &owner.access_token)
        .await;
    assert_eq!(org_body["kind"], "team");
    let members: Value = app
        .get_json(&format!("/v1/organizations/{org}/members"), &owner.access_token)
        .await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(members[0]["role"], "owner");
    assert_eq!(members[0]["email"], owner.email);
}

#[tokio::test]
async fn personal_organizations_cannot_be_created_by_hand() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let response = app
        .post("/v1/organizations")
        .bearer_auth(&user.access_token)
        .json(&json!({"name": "Mine", "kind": "personal"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "forbidden").await;
    let bad_kind = app
        .post("/v1/organizations")
        .bearer_auth(&user.access_token)
        .json(&json!({"name": "Mine", "kind": "galaxy"}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_kind, 422, "validation-failed").await;
}

#[tokio::test]
async fn members_are_added_by_email_with_roles_enforced() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let admin = app.signup().await;
    let member = app.signup().await;
    let newcomer = app.signup().await;
    let org = app.create_organization(&owner, "team").await;
    let add = |by: &tests::Session, email: &str, role: &str| {
        app.post(&format!("/v1/organizations/{org}/members"))
            .bearer_auth(&by.access_token)
            .json(&json!({"email": email, "role": role}))
            .send()
    };

    // An address nobody has proven yet cannot be let into the organization: whoever
    // signed up first with a colleague's address would otherwise be admitted.
    let refused = add(&owner, &admin.email, "admin").await.unwrap();
    assert_problem(refused, 409, "email-not-verified").await;
    let verification = app.emails_to(&admin.email, 1).await;
    let token = tests::token_from_email(&verification[0], "verify-email");
    let verified = app
        .post_json("/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(verified.status(), 204);
    for user in [&member, &newcomer] {
        app.mark_verified(&user.email).await;
    }

    let added = add(&owner, &admin.email.to_uppercase(), "admin").await.unwrap();
    assert_eq!(added.status(), 201);
    let added: Value = added.json().await.unwrap();
    assert_eq!(added["role"], "admin");
    assert_eq!(add(&admin, &member.email, "member").await.unwrap().status(), 201);

    // A member cannot add anyone; an admin cannot appoint an owner.
    assert_problem(
        add(&member, &newcomer.email, "member").await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        add(&admin, &newcomer.email, "owner").await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    // Unknown account, existing member, malformed email.
    assert_problem(
        add(&owner, "nobody@example.com", "member").await.unwrap(),
        404,
        "user-not-found",
    )
    .await;
    assert_problem(
        add(&owner, &member.email, "member").await.unwrap(),
        409,
        "already-member",
    )
    .await;
    assert_problem(
        add(&owner, "not-an-email", "member").await.unwrap(),
        422,
        "validation-failed",
    )
    .await;

    // The member can read the organization it belongs to.
    let seen = app
        .get(&format!("/v1/organizations/{org}"))
        .bearer_auth(&member.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
}

#[tokio::test]
async fn a_personal_organization_has_no_other_members() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let friend = app.signup().await;
    let response = app
        .post(&format!("/v1/organizations/{}/members", owner.organization_id))
        .bearer_auth(&owner.access_token)
        .json(&json!({"email": friend.email}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "personal-organization").await;
}

#[tokio::test]
async fn a_session_can_switch_to_another_organization_of_the_user() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;

    let login: Value = app
        .post_json(
            "/v1/auth/login",
            &json!({"email": owner.email, "password": owner.password, "organization_id": org}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["organization_id"], org.to_string());
    let me: Value = app
        .get_json("/v1/me", login["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["current_organization"]["id"], org.to_string());
    assert_eq!(me["current_organization"]["kind"], "partner");
    assert_eq!(me["memberships"].as_array().unwrap().len(), 2);

    let back: Value = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": login["refresh_token"], "organization_id": owner.organization_id}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["organization_id"], owner.organization_id.to_string());

    let stranger = app.signup().await;
    let refused = app
        .post_json(
            "/v1/auth/login",
            &json!({"email": stranger.email, "password": stranger.password, "organization_id": org}),
        )
        .await;
    assert_problem(refused, 404, "not-found").await;
}
