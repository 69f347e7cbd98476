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

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    all
}

#[test]
fn every_status_the_server_can_answer_for_a_kind_of_request_is_documented() {
    let spec: Value = serde_json::from_str(&api::http::openapi_json().unwrap()).unwrap();
    for (method, path, operation) in operations(&spec) {
        let responses = &operation["responses"];
        let json_dto = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string();
        if json_dto {
            for status in ["400", "413", "415"] {
                assert!(responses[status].is_object(), "{method} {path} lacks {status}");
            }
        }
        if operation["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object() {
            for status in ["400", "415"] {
                let problem = &responses[status]["content"]["application/problem+json"];
                assert!(problem.is_object(), "{method} {path} lacks a problem {status}");
            }
        }
        if operation["security"].as_array().is_some_and(|s| !s.is_empty()) {
            assert!(responses["401"].is_object(), "{method} {path} lacks 401");
        }
        if path.contains('{') {
            assert!(responses["404"].is_object(), "{method} {path} lacks 404");
        }
    }
}

#[test]
fn the_spec_states_the_limits_the_server_enforces() {
    let spec: Value = serde_json::from_str(&api::http::openapi_json().unwrap()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let signup = &schemas["SignupRequest"]["properties"];
    assert_eq!(signup["password"]["minLength"], 8);
    assert_eq!(signup["password"]["maxLength"], 256);
    assert_eq!(signup["name"]["maxLength"], 200);
    assert!(signup["email"]["pattern"].is_string());
    let transcript = &schemas["TranscriptRequest"]["properties"]["items"];
    assert_eq!(
        (transcript["minItems"].clone(), transcript["maxItems"].clone()),
        (1.into(), 30.into())
    );
    let item = &schemas["TranscriptItem"]["properties"];
    assert_eq!(item["answer"]["maxLength"], 20000);
    assert_eq!(item["time_spent_seconds"]["maximum"], 21600);
    assert_eq!(
        schemas["Candidate"]["properties"]["external_ref"]["maxLength"],
        200
    );
    let page = spec["paths"]["/v1/interviews"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "page")
        .unwrap()
        .clone();
    assert_eq!(page["schema"]["maximum"], api::domain::paging::MAX_PAGE);
    for (method, path, operation) in operations(&spec) {
        let Some(parameters) = operation["parameters"].as_array() else {
            continue;
        };
        for parameter in parameters.iter().filter(|p| p["name"] == "Idempotency-Key") {
            assert_eq!(parameter["schema"]["maxLength"], 255, "{method} {path}");
            assert_eq!(parameter["schema"]["pattern"], "^[!-~]+$", "{method} {path}");
            assert!(operation["responses"]["400"].is_object(), "{method} {path}");
        }
    }
}
