//! The binaries as an operator runs them: the embedded `rehearse` with no
//! configuration, and `api` plus several `worker` processes sharing one database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn binary(name: &str) -> PathBuf {
    // `api` lives in another package of the workspace: it is built next to ours.
    Path::new(env!("CARGO_BIN_EXE_worker")).with_file_name(name)
}

struct Process(Child);

impl Process {
    fn start(name: &str, cwd: &Path, env: &[(&str, String)]) -> Self {
        Self::start_logging(name, cwd, env, None)
    }

    /// Starts with stdout (the JSON logs) and stderr appended to `log`.
    fn start_logging(name: &str, cwd: &Path, env: &[(&str, String)], log: Option<&Path>) -> Self {
        let mut command = Command::new(binary(name));
        command
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(log) = log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            command.stdout(file.try_clone().unwrap()).stderr(file);
        }
        for (key, _) in std::env::vars() {
            if key.starts_with("REHEARSE") {
                command.env_remove(key);
            }
        }
        if std::env::var("TEST_LOG").is_ok() && log.is_none() {
            command.stderr(Stdio::inherit()).stdout(Stdio::inherit());
        }
        for (key, value) in env {
            command.env(key, value);
        }
        Self(
            command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {name}: {e}")),
        )
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..200 {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("process did not stop after SIGTERM");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} never became ready");
}

async fn wait_for_files(dir: &Path, count: usize) -> Vec<PathBuf> {
    for _ in 0..400 {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        if files.len() >= count {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} emails in {}", dir.display());
}

#[tokio::test]
async fn the_embedded_service_runs_with_no_configuration_and_keeps_its_state_across_restarts() {
    api::telemetry::install_crypto_provider();
    let cwd = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [("REHEARSE__SERVER__PORT", port.to_string())];
    let client = reqwest::Client::new();

    let first = Process::start("rehearse", cwd.path(), &env);
    wait_healthy(&client, &base).await;
    let ready: Value = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], "sqlite");
    let signup: Value = client
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": "embedded@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["access_token"].as_str().unwrap().to_owned();
    let data = cwd.path().join("data");
    let mails = wait_for_files(&data.join("outbox"), 1).await;
    let eml = std::fs::read_to_string(&mails[0]).unwrap();
    assert!(eml.contains("To: embedded@example.com"));
    assert!(
        eml.contains(&format!("http://127.0.0.1:{port}/verify-email?token="))
            || eml.contains("verify-email?token=3D")
    );
    assert!(data.join("rehearse.db").exists());
    let secret = std::fs::read_to_string(data.join("jwt-secret")).unwrap();
    assert!(secret.len() >= 32);
    assert!(first.terminate().success(), "SIGTERM is a clean stop");

    // Same data, same signing secret: the token issued before the restart still works.
    let _second = Process::start("rehearse", cwd.path(), &env);
    wait_healthy(&client, &base).await;
    assert_eq!(std::fs::read_to_string(data.join("jwt-secret")).unwrap(), secret);
    let me = client
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_and_two_workers_share_one_database_and_each_email_goes_out_once() {
    api::telemetry::install_crypto_provider();
    let cwd = tempfile::tempdir().unwrap();
    let database_url = tests::fresh_database_url(cwd.path()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let common = |extra: Vec<(&'static str, String)>| {
        let mut env = vec![
            ("REHEARSE__DATABASE__URL", database_url.clone()),
            (
                "REHEARSE__DATA_DIR",
                cwd.path().join("data").display().to_string(),
            ),
            ("REHEARSE__WORKER__POLL_INTERVAL_MS", "100".to_owned()),
            (
                "REHEARSE__AUTH__JWT_SECRET",
                "process-test-secret-process-test-secret".to_owned(),
            ),
        ];
        env.extend(extra);
        env
    };

    let client = reqwest::Client::new();
    let _api = Process::start(
        "api",
        cwd.path(),
        &common(vec![("REHEARSE__SERVER__PORT", port.to_string())]),
    );
    wait_healthy(&client, &base).await;
    // The workers keep their files (the mail outbox) in a folder of their own, to show
    // the API never sends mail itself.
    let worker_env = common(vec![(
        "REHEARSE__DATA_DIR",
        cwd.path().join("worker-data").display().to_string(),
    )]);
    let _w1 = Process::start("worker", cwd.path(), &worker_env);
    let _w2 = Process::start("worker", cwd.path(), &worker_env);

    let mut signups = Vec::new();
    for i in 0..10 {
        let client = client.clone();
        let base = base.clone();
        signups.push(tokio::spawn(async move {
            client
                .post(format!("{base}/v1/auth/signup"))
                .json(&json!({"email": format!("p{i}@example.com"), "password": "correct horse battery"}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for s in signups {
        assert_eq!(s.await.unwrap(), 201);
    }
    let worker_outbox = cwd.path().join("worker-data").join("outbox");
    let files = wait_for_files(&worker_outbox, 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let files_after = wait_for_files(&worker_outbox, 10).await;
    assert_eq!(files.len(), 10);
    assert_eq!(files_after.len(), 10, "an email was written twice");
    assert!(
        !cwd.path().join("data").join("outbox").exists(),
        "the API must not send mail itself"
    );
}

#[tokio::test]
async fn no_password_token_key_or_share_link_ever_reaches_the_logs() {
    api::telemetry::install_crypto_provider();
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("service.log");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("REHEARSE__SERVER__PORT", port.to_string()),
        ("REHEARSE__LOG__LEVEL", "debug,sqlx=debug".to_owned()),
    ];
    let service = Process::start_logging("rehearse", cwd.path(), &env, Some(&log));
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    let password = "a very secret passphrase 8842";
    let signup: Value = client
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": "quiet@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = signup["access_token"].as_str().unwrap().to_owned();
    let refresh = signup["refresh_token"].as_str().unwrap().to_owned();
    let login: Value = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": "quiet@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated: Value = client
        .post(format!("{base}/v1/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org: Value = client
        .post(format!("{base}/v1/organizations"))
        .bearer_auth(&access)
        .json(&json!({"name": "Quiet", "kind": "partner"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key: Value = client
        .post(format!(
            "{base}/v1/organizations/{}/api-keys",
            org["id"].as_str().unwrap()
        ))
        .bearer_auth(&access)
        .json(&json!({"name": "k"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_key = key["key"].as_str().unwrap().to_owned();
    let transcript: Value = client
        .post(format!("{base}/v1/transcripts"))
        .bearer_auth(&api_key)
        .json(&json!({"items": [{"question": "Why Rust?", "answer": "Because of its guarantees."}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let interview = transcript["interview_id"].as_str().unwrap().to_owned();
    let mut share_url = String::new();
    for _ in 0..200 {
        let r = client
            .get(format!("{base}/v1/interviews/{interview}/report"))
            .bearer_auth(&api_key)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            share_url = r.json::<Value>().await.unwrap()["share_url"]
                .as_str()
                .unwrap()
                .to_owned();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!share_url.is_empty(), "the transcript was never graded");
    let page = client.get(&share_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let share_token = share_url.rsplit('/').next().unwrap().to_owned();

    // The verification link's token, from the mail outbox.
    let mails = wait_for_files(&cwd.path().join("data").join("outbox"), 1).await;
    let eml = std::fs::read_to_string(&mails[0])
        .unwrap()
        .replace("=\r\n", "")
        .replace("=\n", "");
    let start = eml.find("token=3D").unwrap() + "token=3D".len();
    let verification: String = eml[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(verification.len() >= 40, "{verification}");
    drop(service);

    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.lines().count() > 20, "too few log lines to judge:\n{logs}");
    for (what, secret) in [
        ("password", password.to_owned()),
        ("access token", access),
        (
            "login access token",
            login["access_token"].as_str().unwrap().to_owned(),
        ),
        ("refresh token", refresh),
        (
            "rotated refresh token",
            rotated["refresh_token"].as_str().unwrap().to_owned(),
        ),
        ("API key", api_key),
        ("share token", share_token),
        ("verification token", verification),
    ] {
        assert!(!logs.contains(&secret), "the {what} appears in the logs");
    }
    let requests: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "request completed")
        .collect();
    assert!(requests.len() >= 8);
    for line in &requests {
        assert!(line["span"]["request_id"].is_string(), "{line}");
        assert!(line["span"]["route"].is_string(), "{line}");
    }
}
