//! A cookie-keeping HTTP client for the web app's pages: what a browser without
//! JavaScript does (GET pages, post forms with their CSRF token, keep cookies), so the
//! no-JS flows can be tested at HTTP level. Cookies are kept by hand because the app
//! marks them `Secure` (the test base URL is https) while the test server speaks http.

use std::collections::BTreeMap;

use crate::TestApp;

/// One response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        attribute_after(&self.body, "name=\"csrf\"", "value")
            .unwrap_or_else(|| panic!("no csrf field in:\n{}", self.body))
    }

    /// The `value` of the input named `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        attribute_after(&self.body, &format!("name=\"{name}\""), "value")
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "{text:?} not in page ({}):\n{}",
            self.status,
            self.body
        );
    }
}

/// `text` as the templates escape it.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The value of `attribute` in the tag holding `marker`.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attribute}=\"");
    let from = tag.find(&key)? + key.len();
    let to = from + tag[from..].find('"')?;
    Some(tag[from..to].replace("&#x2f;", "/").replace("&amp;", "&"))
}

pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub user_agent: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header("user-agent", &self.user_agent);
        if !self.cookies.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        let response = request.send().await.expect("request failed");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        let page = Page {
            status,
            headers,
            body,
        };
        for line in page.set_cookies() {
            let pair = line.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let removed = value.is_empty() || line.to_ascii_lowercase().contains("max-age=0");
            if removed {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.app.get(path);
        self.send(request).await
    }

    /// GET with extra headers (an htmx request, say).
    pub async fn app_get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.app.get(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    /// Posts form fields as they are (no token added).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self.app.post(path).form(fields);
        self.send(request).await
    }

    /// Posts with extra headers (an htmx request, say).
    pub async fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.app.post(path).form(fields);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    /// Opens `page_path`, then posts `fields` with the page's CSRF token to `action`.
    pub async fn submit(&mut self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(page_path).await;
        assert_eq!(page.status, 200, "{page_path}: {}", page.body);
        let csrf = page.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Signs up through the form; the browser is then signed in.
    pub async fn sign_up(&mut self, email: &str, password: &str) -> Page {
        let page = self
            .submit(
                "/signup",
                "/signup",
                &[("email", email), ("password", password), ("name", "Web User")],
            )
            .await;
        assert_eq!(page.status, 303, "sign-up failed: {}", page.body);
        page
    }

    /// Signs in through the form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.submit("/login", "/login", &[("email", email), ("password", password)])
            .await
    }
}
