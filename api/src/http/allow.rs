//! The `Allow` header of a 405: the methods the matched path supports.
//!
//! actix-web routes by path and method together, so a request with a method no route
//! takes falls through to the default service without saying which methods would have
//! worked. The documented routes (the OpenAPI document is built from the same route
//! list as the server) answer that: every path template matching the request path
//! contributes its methods.

use std::sync::OnceLock;

/// Routes served but not in the OpenAPI document (the documentation itself).
const UNDOCUMENTED: [(&str, &[&str]); 3] = [
    ("/docs", &["GET"]),
    ("/docs/{rest}", &["GET"]),
    ("/openapi.json", &["GET"]),
];

struct Route {
    segments: Vec<Segment>,
    methods: Vec<&'static str>,
}

enum Segment {
    Literal(String),
    Parameter,
}

fn parse(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let spec = super::openapi();
        let mut routes: Vec<Route> = spec
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                Route {
                    segments: parse(template),
                    methods,
                }
            })
            .collect();
        routes.extend(UNDOCUMENTED.iter().map(|(template, methods)| Route {
            segments: parse(template),
            methods: methods.to_vec(),
        }));
        routes
    })
}

fn matches(route: &Route, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == route.segments.len()
        && route
            .segments
            .iter()
            .zip(&parts)
            .all(|(segment, part)| match segment {
                Segment::Literal(literal) => literal == part,
                Segment::Parameter => !part.is_empty(),
            })
}

/// The methods `path` supports, in a fixed order (GET, POST, PUT, PATCH, DELETE), as an
/// `Allow` value; `None` when no route has this path.
pub fn allowed_methods(path: &str) -> Option<String> {
    let mut methods: Vec<&str> = Vec::new();
    for route in routes().iter().filter(|r| matches(r, path)) {
        for method in &route.methods {
            if !methods.contains(method) {
                methods.push(method);
            }
        }
    }
    let order = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    methods.sort_by_key(|m| order.iter().position(|o| o == m));
    (!methods.is_empty()).then(|| methods.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates_match_concrete_paths_with_their_methods() {
        assert_eq!(allowed_methods("/v1/auth/login").as_deref(), Some("POST"));
        assert_eq!(allowed_methods("/v1/me").as_deref(), Some("GET"));
        assert_eq!(allowed_methods("/healthz").as_deref(), Some("GET"));
        let id = "0191d6a4-0000-7000-8000-000000000000";
        let org_webhooks = format!("/v1/organizations/{id}/webhooks");
        assert_eq!(allowed_methods(&org_webhooks).as_deref(), Some("GET, POST"));
        assert_eq!(allowed_methods("/v1/nothing-here"), None);
        assert_eq!(allowed_methods("/v1/organizations//webhooks"), None);
    }
}
