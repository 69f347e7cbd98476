//! Grades a submitted interview: `api::services::grading` marks it `grading` and
//! gathers the answers, the grader (rubric or LLM) assesses them, and the service
//! stores the report, marks the interview graded and queues the results email in one
//! transaction, so a retried or duplicated job ends with exactly one report and one
//! email. After the last failed attempt the service marks the interview `failed` with
//! the reason and gives its quota back.

use std::time::{Duration, Instant};

use api::domain::report::{Assessment, Report};
use api::jobs::GradeInterview;
use api::services::grading;
use chrono::Utc;

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};

pub struct GradeInterviewHandler;

impl JobHandler for GradeInterviewHandler {
    type Job = GradeInterview;
    const TIMEOUT: Duration = Duration::from_secs(300);

    async fn run(job: GradeInterview, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        grade_interview(&job, ctx).await
    }

    async fn exhausted(job: &GradeInterview, ctx: &JobContext, error: &JobError) {
        if let Err(e) = grading::fail(ctx.state.interviews(), job, &error.to_string()).await {
            tracing::error!(error = %e, interview_id = %job.interview_id, "cannot mark an interview as failed");
        }
    }
}

#[tracing::instrument(skip_all, fields(interview_id = %job.interview_id, organization_id = %job.organization_id))]
pub async fn grade_interview(job: &GradeInterview, ctx: &JobContext) -> Result<(), JobError> {
    let state = &ctx.state;
    let Some(started) = grading::start(state.interviews(), job).await? else {
        return Ok(());
    };
    let interview = &started.interview;
    let assessment: Assessment = match &ctx.llm {
        Some(llm) => {
            llm.grade(&state.db, interview.organization_id, &started.input)
                .await
        }
        None => {
            let clock = Instant::now();
            let mut assessment = crate::grading::rubric::grade(&started.input);
            assessment.grader.latency_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
            assessment
        }
    };
    state
        .metrics
        .reports
        .with_label_values(&[
            assessment.grader.kind.as_str(),
            &assessment.grader.fallback.to_string(),
        ])
        .inc();
    let report = Report::new(
        interview.id,
        started.input.track.clone(),
        started.duration_minutes,
        assessment,
        Utc::now(),
    );
    grading::store(state.interviews(), interview, &report).await?;
    Ok(())
}
