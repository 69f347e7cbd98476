//! Jobs orchestrate; services own state: no file under `src/jobs` may reach the data
//! model or the ORM. A job decodes its payload, calls the grader, SMTP or HTTP, and
//! records the outcome through `api::services`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn jobs_do_not_touch_entities_or_the_orm() {
    let jobs = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/jobs");
    let mut files = Vec::new();
    rust_files(&jobs, &mut files);
    assert!(
        files.len() >= 4,
        "expected the job modules under {}",
        jobs.display()
    );
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.contains("api::entities") || line.contains("entities::") || line.contains("sea_orm") {
                offences.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "jobs must go through api::services:\n{}",
        offences.join("\n")
    );
}
