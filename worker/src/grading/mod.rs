//! Graders: turn a transcript into an [`Assessment`].
//!
//! [`Assessment`]: api::domain::report::Assessment

pub mod llm;
pub mod rubric;
