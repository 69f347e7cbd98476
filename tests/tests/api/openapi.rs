//! The committed spec is the code's spec; docs are served offline.

use serde_json::Value;
use tests::spawn_app;

fn committed_spec() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_committed_spec_matches_the_code() {
    let generated = api::http::openapi_json().unwrap();
    assert!(
        committed_spec() == generated,
        "openapi/openapi.json is out of date: run `cargo run -p openapi` and commit the result"
    );
}

#[tokio::test]
async fn the_served_spec_is_the_committed_one() {
    let app = spawn_app().await;
    let served: Value = app
        .get("/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(&committed_spec()).unwrap();
    assert_eq!(served, committed);
}

#[test]
fn the_spec_declares_both_security_schemes_and_problem_errors() {
    let spec: Value = serde_json::from_str(&api::http::openapi_json().unwrap()).unwrap();
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["bearer_jwt"]["scheme"], "bearer");
    assert_eq!(schemes["bearer_jwt"]["bearerFormat"], "JWT");
    assert_eq!(schemes["api_key"]["scheme"], "bearer");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary (doc comment)"
            );
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let content = &response["content"];
                    // The API speaks problem+json; pages for browsers answer in HTML.
                    let ok = content["application/problem+json"].is_object()
                        || (!path.starts_with("/v1") && content["text/html"].is_object());
                    assert!(ok, "{method} {path} {status} is not problem+json");
                }
            }
        }
    }
}

#[tokio::test]
async fn interactive_docs_are_served_without_any_external_asset() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/docs/");
    let page = app.get("/docs/").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    let init = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"));
    for asset in [&html, &init] {
        for needle in [
            "src=\"http",
            "href=\"http",
            "https://cdn",
            "unpkg.com",
            "jsdelivr",
        ] {
            assert!(!asset.contains(needle), "external asset reference {needle:?}");
        }
    }
    let bundle = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(bundle.status(), 200);
}
