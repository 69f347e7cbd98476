//! Start-up refuses bad configuration with one clear line naming the setting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn start_with(env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    command
        .current_dir(dir.path())
        .env("REHEARSE__DATA_DIR", dir.path().join("data"));
    for (key, _) in std::env::vars() {
        if key.starts_with("REHEARSE") {
            command.env_remove(key);
        }
    }
    command.env("REHEARSE__DATA_DIR", dir.path().join("data"));
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_invalid_setting_stops_start_up_with_one_line_naming_it() {
    let cases = [
        (
            vec![("REHEARSE__SERVER__PORT", "eighty")],
            "REHEARSE__SERVER__PORT",
        ),
        (vec![("REHEARSE__SERVER__PROT", "8080")], "REHEARSE__SERVER__PROT"),
        (
            vec![("REHEARSE__MAIL__TRANSPORT", "smtp")],
            "REHEARSE__MAIL__SMTP_URL",
        ),
        (
            vec![("REHEARSE__MAIL__TRANSPORT", "pigeon")],
            "REHEARSE__MAIL__TRANSPORT",
        ),
        (
            vec![("REHEARSE__PUBLIC_BASE_URL", "ftp://example.com")],
            "REHEARSE__PUBLIC_BASE_URL",
        ),
        (
            vec![("REHEARSE__DATABASE__URL", "mysql://localhost/x")],
            "REHEARSE__DATABASE__URL",
        ),
        (
            vec![("REHEARSE__AUTH__JWT_SECRET", "short")],
            "REHEARSE__AUTH__JWT_SECRET",
        ),
        (
            vec![("REHEARSE__MAIL__FROM", "not an address")],
            "REHEARSE__MAIL__FROM",
        ),
    ];
    for (env, setting) in cases {
        let (code, stderr) = start_with(&env);
        assert_eq!(code, 2, "{env:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{env:?}: {stderr}");
        assert!(
            stderr.contains(setting),
            "{env:?} did not name {setting}: {stderr}"
        );
        assert!(stderr.starts_with("error: invalid setting"), "{stderr}");
    }
}

#[test]
fn secrets_in_settings_are_not_echoed_in_errors() {
    let (code, stderr) = start_with(&[
        ("REHEARSE__MAIL__TRANSPORT", "smtp"),
        (
            "REHEARSE__MAIL__SMTP_URL",
            "http://user:hunter2secret@mail.example.com",
        ),
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("REHEARSE__MAIL__SMTP_URL"));
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
}
