//! Interview quota: the free trial interview of a personal organization and the
//! per-period allowance of a plan. Consumption is a conditional `UPDATE … WHERE
//! remaining > 0` inside the transaction that creates the interview, so concurrent
//! requests can never spend the same unit twice.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::OrganizationKind;
pub use crate::domain::Plan;
use crate::domain::{QuotaSource, SubscriptionStatus};
use crate::entities::{billing_accounts, interviews, organizations, quota_periods};

/// The billing period containing `now` for plans without a subscription of their
/// own: the calendar month (UTC).
pub fn calendar_month(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let (y, m) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    let end = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(now);
    (start, end)
}

/// An organization's allowance in the current period.
#[derive(Debug, Clone)]
pub struct Allowance {
    pub plan: Plan,
    pub per_period: u32,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
}

/// The allowance in force: a live subscription's plan for its billing period (a
/// `past_due` one keeps it during the grace period), else a partner organization's
/// monthly allowance, else nothing beyond the free interview.
pub async fn allowance<C: ConnectionTrait>(
    db: &C,
    organization: &organizations::Model,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Allowance, DbErr> {
    let account = billing_accounts::Entity::find_by_id(organization.id)
        .one(db)
        .await?;
    Ok(allowance_for(account.as_ref(), organization, settings, now))
}

/// The allowance an organization has at `now`, given its billing account (if any).
pub fn allowance_for(
    account: Option<&billing_accounts::Model>,
    organization: &organizations::Model,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Allowance {
    let plans = &settings.plans;
    let (month_start, month_end) = calendar_month(now);
    if let Some(account) = account {
        let grace = chrono::Duration::days(i64::from(settings.stripe.past_due_grace_days));
        let live = match account.subscription_status {
            Some(SubscriptionStatus::PastDue) => {
                account.past_due_since.is_none_or(|since| since + grace > now)
            }
            Some(status) => status.is_live(),
            None => false,
        };
        let plan = account.subscription_plan;
        if let (true, Some(plan @ (Plan::Pro | Plan::Team))) = (live, plan) {
            let per_period = match plan {
                Plan::Team => plans
                    .team_monthly_interviews_per_seat
                    .saturating_mul(u32::try_from(account.seats.max(1)).unwrap_or(1)),
                _ => plans.pro_monthly_interviews,
            };
            let (period_start, period_end) = match (account.current_period_start, account.current_period_end)
            {
                (Some(start), Some(end)) => (start, end),
                _ => (month_start, month_end),
            };
            return Allowance {
                plan,
                per_period,
                period_start,
                period_end,
            };
        }
    }
    let (plan, per_period) = match OrganizationKind::parse(&organization.kind) {
        Some(OrganizationKind::Partner) => (Plan::Partner, plans.partner_monthly_interviews),
        _ => (Plan::Free, 0),
    };
    Allowance {
        plan,
        per_period,
        period_start: month_start,
        period_end: month_end,
    }
}

/// What is left, for display.
#[derive(Debug, Clone)]
pub struct QuotaStatus {
    pub plan: Plan,
    pub free_remaining: u32,
    pub period_allowance: u32,
    pub period_used: u32,
    pub period_end: Option<DateTime<Utc>>,
}

impl QuotaStatus {
    pub fn remaining(&self) -> u32 {
        self.free_remaining + self.period_allowance.saturating_sub(self.period_used)
    }
}

pub async fn status<C: ConnectionTrait>(
    db: &C,
    organization: &organizations::Model,
    settings: &Settings,
) -> Result<QuotaStatus, DbErr> {
    let allowance = allowance(db, organization, settings, Utc::now()).await?;
    status_for(db, organization, &allowance).await
}

/// What is left under an allowance already worked out (reads only the period's usage).
pub async fn status_for<C: ConnectionTrait>(
    db: &C,
    organization: &organizations::Model,
    allowance: &Allowance,
) -> Result<QuotaStatus, DbErr> {
    let used = if allowance.per_period > 0 {
        quota_periods::Entity::find_by_id((organization.id, allowance.period_start))
            .one(db)
            .await?
            .map_or(0, |p| u32::try_from(p.used).unwrap_or(0))
    } else {
        0
    };
    Ok(QuotaStatus {
        plan: allowance.plan,
        free_remaining: u32::try_from(organization.free_interviews_remaining).unwrap_or(0),
        period_allowance: allowance.per_period,
        period_used: used,
        period_end: (allowance.per_period > 0).then_some(allowance.period_end),
    })
}

/// Where the unit came from, recorded on the interview so it can be given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    Trial,
    Plan { period_start: DateTime<Utc> },
}

impl Consumed {
    pub fn source(self) -> QuotaSource {
        match self {
            Self::Trial => QuotaSource::Trial,
            Self::Plan { .. } => QuotaSource::Plan,
        }
    }

    pub fn period_start(self) -> Option<DateTime<Utc>> {
        match self {
            Self::Trial => None,
            Self::Plan { period_start } => Some(period_start),
        }
    }
}

/// Takes one interview from the plan's allowance for the current period, or else from
/// the free trial. `None` when nothing is left. Must run inside the transaction that
/// creates the interview.
pub async fn consume<C: ConnectionTrait>(
    db: &C,
    organization: &organizations::Model,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<Consumed>, DbErr> {
    let allowance = allowance(db, organization, settings, now).await?;
    if allowance.per_period > 0 {
        let limit = i32::try_from(allowance.per_period).unwrap_or(i32::MAX);
        quota_periods::Entity::insert(quota_periods::ActiveModel {
            organization_id: Set(organization.id),
            period_start: Set(allowance.period_start),
            period_end: Set(allowance.period_end),
            allowance: Set(limit),
            used: Set(0),
        })
        .on_conflict(
            OnConflict::columns([
                quota_periods::Column::OrganizationId,
                quota_periods::Column::PeriodStart,
            ])
            // A plan change mid-period changes the allowance, not what was used.
            .update_column(quota_periods::Column::Allowance)
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        let taken = quota_periods::Entity::update_many()
            .col_expr(
                quota_periods::Column::Used,
                sea_orm::ExprTrait::add(Expr::col(quota_periods::Column::Used), 1),
            )
            .filter(quota_periods::Entity::period_condition(
                organization.id,
                allowance.period_start,
            ))
            .filter(sea_orm::ExprTrait::lt(
                Expr::col(quota_periods::Column::Used),
                Expr::col(quota_periods::Column::Allowance),
            ))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Some(Consumed::Plan {
                period_start: allowance.period_start,
            }));
        }
    }
    let taken = organizations::Entity::update_many()
        .col_expr(
            organizations::Column::FreeInterviewsRemaining,
            sea_orm::ExprTrait::sub(Expr::col(organizations::Column::FreeInterviewsRemaining), 1),
        )
        .filter(organizations::Column::Id.eq(organization.id))
        .filter(organizations::Column::FreeInterviewsRemaining.gt(0))
        .exec(db)
        .await?;
    Ok((taken.rows_affected == 1).then_some(Consumed::Trial))
}

/// Gives back the unit an interview consumed (its grading failed for good).
pub async fn refund<C: ConnectionTrait>(db: &C, interview: &interviews::Model) -> Result<(), DbErr> {
    match (interview.quota_source, interview.quota_period_start) {
        (QuotaSource::Plan, Some(period_start)) => {
            quota_periods::Entity::update_many()
                .col_expr(
                    quota_periods::Column::Used,
                    sea_orm::ExprTrait::sub(Expr::col(quota_periods::Column::Used), 1),
                )
                .filter(quota_periods::Entity::period_condition(
                    interview.organization_id,
                    period_start,
                ))
                .filter(quota_periods::Column::Used.gt(0))
                .exec(db)
                .await?;
        }
        _ => {
            organizations::Entity::update_many()
                .col_expr(
                    organizations::Column::FreeInterviewsRemaining,
                    sea_orm::ExprTrait::add(Expr::col(organizations::Column::FreeInterviewsRemaining), 1),
                )
                .filter(organizations::Column::Id.eq(interview.organization_id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// The organization row, for quota decisions.
pub async fn organization<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find_by_id(id).one(db).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_months_wrap_at_the_year_end() {
        let (start, end) = calendar_month(Utc.with_ymd_and_hms(2026, 12, 15, 10, 0, 0).unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    }
}
