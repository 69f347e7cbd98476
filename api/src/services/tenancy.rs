//! How a tenant's rows are read: every finder of a row that belongs to an organization
//! starts here, so the `organization_id` filter (and who within the organization may
//! see what) is written once.
//!
//! - [`interviews::Entity::visible_to`]: the interviews an access may see (owners,
//!   admins and API keys: the organization's; members: the ones they started);
//! - `of(&interview)` on questions and reports: the rows of one interview;
//! - `of_organization(id)` on the other tenant tables.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::domain::Role;
use crate::entities::{
    api_keys, interview_questions, interviews, llm_usage, memberships, quota_periods, reports,
    webhook_deliveries, webhook_endpoints,
};
use crate::services::organizations::{Actor, OrganizationAccess};

impl interviews::Entity {
    /// Which interviews `access` may see, as a condition (for updates as well as reads).
    pub fn visible_condition(access: &OrganizationAccess) -> Condition {
        let base = Condition::all().add(interviews::Column::OrganizationId.eq(access.organization.id));
        match (access.actor, access.role) {
            (Actor::User { user_id }, Some(Role::Member)) => {
                base.add(interviews::Column::CreatedByUserId.eq(user_id))
            }
            _ => base,
        }
    }

    /// The interviews `access` may see.
    pub fn visible_to(access: &OrganizationAccess) -> Select<Self> {
        Self::find().filter(Self::visible_condition(access))
    }

    /// Every interview of the organization (for background work, which acts for it).
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(interviews::Column::OrganizationId.eq(organization_id))
    }
}

impl interview_questions::Entity {
    /// The questions of `interview`.
    pub fn of(interview: &interviews::Model) -> Select<Self> {
        Self::find()
            .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
            .filter(interview_questions::Column::InterviewId.eq(interview.id))
    }
}

impl reports::Entity {
    /// The report of `interview` (one at most), as a condition.
    pub fn of_condition(interview: &interviews::Model) -> Condition {
        Condition::all()
            .add(reports::Column::OrganizationId.eq(interview.organization_id))
            .add(reports::Column::InterviewId.eq(interview.id))
    }

    /// The report of `interview` (one at most).
    pub fn of(interview: &interviews::Model) -> Select<Self> {
        Self::find().filter(Self::of_condition(interview))
    }

    /// Every report of the organization.
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(reports::Column::OrganizationId.eq(organization_id))
    }
}

impl webhook_endpoints::Entity {
    /// The organization's endpoints that are not removed.
    pub fn live_of(organization_id: Uuid) -> Select<Self> {
        Self::find()
            .filter(webhook_endpoints::Column::OrganizationId.eq(organization_id))
            .filter(webhook_endpoints::Column::DisabledAt.is_null())
    }
}

impl webhook_deliveries::Entity {
    /// Every delivery of the organization.
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(webhook_deliveries::Column::OrganizationId.eq(organization_id))
    }
}

impl api_keys::Entity {
    /// The organization's API keys.
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(api_keys::Column::OrganizationId.eq(organization_id))
    }
}

impl llm_usage::Entity {
    /// The organization's daily LLM usage rows.
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(llm_usage::Column::OrganizationId.eq(organization_id))
    }
}

impl memberships::Entity {
    /// The organization's members.
    pub fn of_organization(organization_id: Uuid) -> Select<Self> {
        Self::find().filter(memberships::Column::OrganizationId.eq(organization_id))
    }
}

impl quota_periods::Entity {
    /// The organization's period starting at `period_start`, as a condition.
    pub fn period_condition(organization_id: Uuid, period_start: chrono::DateTime<chrono::Utc>) -> Condition {
        Condition::all()
            .add(quota_periods::Column::OrganizationId.eq(organization_id))
            .add(quota_periods::Column::PeriodStart.eq(period_start))
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The organization filter is written here and nowhere else (a billing account's
    /// key is its organization id: that is a primary-key lookup, not a tenant filter).
    #[test]
    fn tenant_rows_are_read_through_these_finders_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        assert!(files.len() > 20, "expected the sources under {}", root.display());
        let mut offences = Vec::new();
        for file in files.iter().filter(|f| !f.ends_with("services/tenancy.rs")) {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            for (number, line) in text.lines().enumerate() {
                if line.contains("Column::OrganizationId.eq(") && !line.contains("billing_accounts::") {
                    offences.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
                }
            }
        }
        assert!(
            offences.is_empty(),
            "read tenant rows through services::tenancy:\n{}",
            offences.join("\n")
        );
    }
}
