//! The results page in a real browser: headless Chromium renders it and saves a
//! screenshot under `target/screenshots/`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use tests::{PUBLIC_BASE_URL, spawn_app};

fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ]
            .map(PathBuf::from),
        )
        .find(|p| p.exists())
}

fn headless(chromium: &PathBuf, profile: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("cannot run chromium")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_results_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("REHEARSE_REQUIRE_CHROMIUM").is_err(),
            "REHEARSE_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        eprintln!("SKIPPED: no chromium on this machine (install Debian's `chromium`); .ci/run requires it");
        return;
    };
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = app
        .take_interview(&user.access_token, "senior-backend-fintech", |_| {
            "I'd use a base62 counter, a key-value store and a CDN with a Redis cache.\nAnalytics go to a queue.".into()
        })
        .await;
    app.wait_for_status(&user.access_token, &interview, "graded")
        .await;
    let report: Value = app
        .get_json(&format!("/v1/interviews/{interview}/report"), &user.access_token)
        .await;
    let share_url = report["share_url"].as_str().unwrap();
    let url = share_url.replace(PUBLIC_BASE_URL.trim_end_matches('/'), &app.address);

    let out_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/screenshots"));
    std::fs::create_dir_all(&out_dir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let url_for_blocking = url.clone();
    let chromium_for_blocking = chromium.clone();
    let out = out_dir.clone();
    let (phone, desktop, dom) = tokio::task::spawn_blocking(move || {
        let phone = out.join("results-page-phone.png");
        let desktop = out.join("results-page-desktop.png");
        headless(
            &chromium_for_blocking,
            profile.path(),
            &[
                &format!("--screenshot={}", phone.display()),
                "--window-size=414,3000",
                &url_for_blocking,
            ],
        );
        headless(
            &chromium_for_blocking,
            profile.path(),
            &[
                &format!("--screenshot={}", desktop.display()),
                "--window-size=1280,2400",
                &url_for_blocking,
            ],
        );
        let dom = headless(
            &chromium_for_blocking,
            profile.path(),
            &["--dump-dom", &url_for_blocking],
        );
        (phone, desktop, String::from_utf8_lossy(&dom.stdout).into_owned())
    })
    .await
    .unwrap();
    for shot in [&phone, &desktop] {
        let size = std::fs::metadata(shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 20_000,
            "{} is missing or blank ({size} bytes)",
            shot.display()
        );
    }
    assert!(
        dom.contains(report["verdict_label"].as_str().unwrap()),
        "chromium did not render the report"
    );
    assert!(dom.contains("Design a URL shortener"));
    eprintln!("screenshots: {} and {}", phone.display(), desktop.display());
}
