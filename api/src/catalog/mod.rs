//! The question bank: interview tracks, their questions, rubrics, ideal answers, tips
//! and follow-ups. Data files (`api/catalog/*.toml`) are embedded in the binary,
//! parsed and validated at start-up; a broken file stops start-up with the file and the
//! field named. Optionally a directory given in the settings replaces the embedded set.

pub mod matching;
mod model;
mod validate;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use model::{Criterion, FollowUp, Misconception, Question, QuestionKind, Track, split_alternatives};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// A catalog problem, naming the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("catalog {file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

/// Every track, in a stable order (by id).
#[derive(Debug, Clone)]
pub struct Catalog {
    tracks: Arc<Vec<Track>>,
    index: Arc<HashMap<String, usize>>,
}

impl Catalog {
    /// The question bank compiled into the binary.
    pub fn embedded() -> Result<Self, CatalogError> {
        Self::from_files(
            embedded::FILES
                .iter()
                .map(|(n, c)| ((*n).to_owned(), (*c).to_owned())),
        )
    }

    /// Every `*.toml` file of `dir` (for content work without a rebuild).
    pub fn from_dir(dir: &Path) -> Result<Self, CatalogError> {
        let io = |e: std::io::Error| CatalogError {
            file: dir.display().to_string(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|x| x == "toml") {
                let contents = std::fs::read_to_string(&path).map_err(io)?;
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                files.push((name, contents));
            }
        }
        Self::from_files(files)
    }

    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Self, CatalogError> {
        let mut tracks = Vec::new();
        let mut echoes = Vec::new();
        for (name, contents) in files {
            let (track, found) = validate::parse_track(&name, &contents)?;
            tracks.push(track);
            echoes.extend(found);
        }
        // A signal or core phrase that only repeats the prompt is an error once every
        // track carries core concepts; until then (tracks being converted) a warning.
        if let Some(first) = echoes.first() {
            if tracks.iter().all(validate::carries_core) {
                return Err(CatalogError {
                    file: first.file.clone(),
                    message: first.message.clone(),
                });
            }
            for echo in &echoes {
                tracing::warn!(%echo, "catalog phrase echoes the prompt");
            }
        }
        if tracks.is_empty() {
            return Err(CatalogError {
                file: "(catalog)".into(),
                message: "no track files found".into(),
            });
        }
        tracks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut index = HashMap::new();
        for (i, track) in tracks.iter().enumerate() {
            if index.insert(track.id.clone(), i).is_some() {
                return Err(CatalogError {
                    file: format!("{}.toml", track.id),
                    message: format!("id: track id {:?} is used by two files", track.id),
                });
            }
        }
        Ok(Self {
            tracks: Arc::new(tracks),
            index: Arc::new(index),
        })
    }

    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    pub fn track(&self, id: &str) -> Option<&Track> {
        self.index.get(id).map(|&i| &self.tracks[i])
    }

    /// A question of any track, by its catalog id (`track-id/question-id`).
    pub fn question(&self, qualified_id: &str) -> Option<(&Track, &Question)> {
        let (track_id, question_id) = qualified_id.split_once('/')?;
        let track = self.track(track_id)?;
        Some((track, track.question(question_id)?))
    }
}
