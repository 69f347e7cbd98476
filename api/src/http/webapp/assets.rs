//! The app's static files, compiled into the binary and served under content-hashed
//! names (`/static/app.3f2a1c9d0b.css`) with a year-long immutable cache: a new build
//! changes the name, so no browser keeps a stale file.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use sha2::{Digest, Sha256};

use super::PageError;

struct Asset {
    /// e.g. `app.css`
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/app.js"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/htmx.min.js"),
    },
];

/// The hashed URL of each asset, as templates use them.
pub struct Urls {
    pub css: String,
    pub js: String,
    pub htmx: String,
    /// Every hashed file name, for lookups.
    names: Vec<(String, usize)>,
}

fn hashed_name(asset: &Asset) -> String {
    let hash = hex::encode(&Sha256::digest(asset.bytes)[..5]);
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{}.{hash}", asset.name),
    }
}

static URLS: LazyLock<Urls> = LazyLock::new(|| {
    let names: Vec<(String, usize)> = ASSETS
        .iter()
        .enumerate()
        .map(|(i, a)| (hashed_name(a), i))
        .collect();
    let url = |plain: &str| {
        names
            .iter()
            .find(|(_, i)| ASSETS[*i].name == plain)
            .map(|(n, _)| format!("/static/{n}"))
            .unwrap_or_default()
    };
    Urls {
        css: url("app.css"),
        js: url("app.js"),
        htmx: url("htmx.min.js"),
        names,
    }
});

pub fn urls() -> &'static Urls {
    &URLS
}

/// Total bytes of JavaScript the app sends (htmx and app.js).
pub fn javascript_bytes() -> usize {
    ASSETS
        .iter()
        .filter(|a| a.content_type.starts_with("text/javascript"))
        .map(|a| a.bytes.len())
        .sum()
}

#[get("/static/{file}")]
pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, PageError> {
    let Some((_, index)) = urls().names.iter().find(|(n, _)| *n == *file) else {
        return Err(PageError::NotFound);
    };
    let asset = &ASSETS[*index];
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(asset.bytes))
}
