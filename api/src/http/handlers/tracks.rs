//! The question bank, as candidates browse it.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::catalog::{QuestionKind, Track};
use crate::http::problem::{ApiError, Problem};

/// A track in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDto {
    #[schema(example = "senior-backend-fintech")]
    pub id: String,
    /// Bumped whenever the track's content changes.
    pub version: u32,
    pub title: String,
    pub level: String,
    pub company_context: String,
    pub description: String,
    pub question_count: u32,
    /// What a strong candidate would spend on the main questions.
    pub total_minutes: u32,
}

impl From<&Track> for TrackDto {
    fn from(t: &Track) -> Self {
        Self {
            id: t.id.clone(),
            version: t.version,
            title: t.title.clone(),
            level: t.level.clone(),
            company_context: t.company_context.clone(),
            description: t.description.clone(),
            question_count: u32::try_from(t.questions.len()).unwrap_or(u32::MAX),
            total_minutes: t.total_minutes(),
        }
    }
}

/// The outline of one question (prompts are revealed during the interview).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionOutline {
    pub position: u32,
    pub kind: QuestionKind,
    pub expected_minutes: u32,
    /// Follow-ups that may be asked, depending on the answer.
    pub possible_follow_ups: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackDetail {
    #[serde(flatten)]
    pub track: TrackDto,
    pub questions: Vec<QuestionOutline>,
}

/// List tracks
///
/// Every interview track of the question bank.
#[utoipa::path(tag = "tracks", responses((status = 200, description = "The tracks", body = Vec<TrackDto>)))]
#[get("/tracks")]
pub async fn list_tracks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(
        state
            .catalog
            .tracks()
            .iter()
            .map(TrackDto::from)
            .collect::<Vec<_>>(),
    )
}

/// Get a track
///
/// A track with the outline of its questions.
#[utoipa::path(
    tag = "tracks",
    params(("track_id" = String, Path, description = "Track id")),
    responses(
        (status = 200, description = "The track", body = TrackDetail),
        (status = 404, description = "No such track", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tracks/{track_id}")]
pub async fn get_track(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let track = state
        .catalog
        .track(&path)
        .ok_or_else(|| ApiError::not_found("no such track"))?;
    Ok(HttpResponse::Ok().json(TrackDetail {
        track: TrackDto::from(track),
        questions: track
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionOutline {
                position: u32::try_from(i + 1).unwrap_or(u32::MAX),
                kind: q.kind,
                expected_minutes: q.expected_minutes,
                possible_follow_ups: u32::try_from(q.follow_ups.len()).unwrap_or(0),
            })
            .collect(),
    }))
}
