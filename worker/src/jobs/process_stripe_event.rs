//! Applies one stored Stripe event (see `api::services::billing::process_event`).

use std::time::Duration;

use api::jobs::ProcessStripeEvent;
use api::services::billing::{self, BillingError};

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};

pub struct ProcessStripeEventHandler;

impl JobHandler for ProcessStripeEventHandler {
    type Job = ProcessStripeEvent;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(job: ProcessStripeEvent, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        billing::process_event(ctx.state.billing(), &job.event_id)
            .await
            .map_err(|e| match e {
                BillingError::BadEvent(_) => JobError::permanent(e),
                other => JobError::transient(other),
            })
    }
}
