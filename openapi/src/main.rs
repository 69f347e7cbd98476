//! Regenerates `openapi/openapi.json` from the code: `cargo run -p openapi`.
//! A test compares the committed file with the code, so CI fails on drift.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json"));
    let json = api::http::openapi_json()?;
    std::fs::write(&path, json)?;
    println!("wrote {}", path.display());
    Ok(())
}
