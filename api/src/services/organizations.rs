//! Organizations (tenants) and their members.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::{EmailAddress, OrganizationKind, OrganizationName, Role};
use crate::entities::{memberships, organizations, users};
use crate::services::is_unique_violation;

#[derive(Debug, thiserror::Error)]
pub enum OrganizationsError {
    /// Unknown, or not visible to the caller: the same answer, so ids of other
    /// tenants cannot be probed.
    #[error("organization not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("no account uses this email address; ask them to sign up first")]
    UserNotFound,
    #[error("this person is already a member")]
    AlreadyMember,
    /// Membership goes only to an address its owner has proven: otherwise whoever
    /// signed up first with a colleague's address would be let in when they are added.
    #[error(
        "this account has not verified its email address yet; ask them to open the verification link we sent, then add them again"
    )]
    EmailNotVerified,
    #[error("a personal organization cannot have other members")]
    PersonalOrganization,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for OrganizationsError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// Who is acting on an organization, as established by authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User { user_id: Uuid },
    ApiKey { organization_id: Uuid, key_id: Uuid },
}

/// What an actor may do in one organization.
#[derive(Debug, Clone)]
pub struct OrganizationAccess {
    pub organization: organizations::Model,
    /// The member's role; `None` for an API key, which acts for the organization but is
    /// no person.
    pub role: Option<Role>,
    pub actor: Actor,
}

impl OrganizationAccess {
    /// Requires a person with at least `role` (API keys never manage the organization).
    pub fn require_member_role(&self, role: Role) -> Result<(), OrganizationsError> {
        match self.role {
            Some(r) if r.includes(role) => Ok(()),
            Some(_) => Err(OrganizationsError::Forbidden(
                "this needs an owner or admin of the organization",
            )),
            None => Err(OrganizationsError::Forbidden(
                "API keys cannot manage the organization",
            )),
        }
    }

    /// Owners, admins, or the organization's API key (integrations manage their own
    /// webhooks).
    pub fn require_admin_or_key(&self) -> Result<(), OrganizationsError> {
        match self.role {
            None => Ok(()),
            Some(_) => self.require_member_role(Role::Admin),
        }
    }

    pub fn kind(&self) -> Option<OrganizationKind> {
        OrganizationKind::parse(&self.organization.kind)
    }
}

/// Resolves what `actor` may do in `organization_id`; anything the actor cannot see is
/// `NotFound`.
pub async fn access<C: ConnectionTrait>(
    db: &C,
    actor: Actor,
    organization_id: Uuid,
) -> Result<OrganizationAccess, OrganizationsError> {
    let role = match actor {
        Actor::User { user_id } => {
            let membership = memberships::Entity::find_by_id((organization_id, user_id))
                .one(db)
                .await?
                .ok_or(OrganizationsError::NotFound)?;
            Some(
                Role::parse(&membership.role)
                    .ok_or_else(|| anyhow::anyhow!("unknown role in the database"))?,
            )
        }
        Actor::ApiKey {
            organization_id: own, ..
        } if own == organization_id => None,
        Actor::ApiKey { .. } => return Err(OrganizationsError::NotFound),
    };
    let organization = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or(OrganizationsError::NotFound)?;
    Ok(OrganizationAccess {
        organization,
        role,
        actor,
    })
}

/// Creates a team or partner organization owned by `owner`.
#[tracing::instrument(skip(db, name))]
pub async fn create(
    db: &DatabaseConnection,
    owner: Uuid,
    name: OrganizationName,
    kind: OrganizationKind,
) -> Result<organizations::Model, OrganizationsError> {
    if kind == OrganizationKind::Personal {
        return Err(OrganizationsError::Forbidden(
            "personal organizations are created with the account",
        ));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let organization = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name.into_inner()),
        free_interviews_remaining: Set(0),
        // Partners integrate before they pay: they start with a monthly allowance.
        plan: Set(match kind {
            OrganizationKind::Partner => crate::domain::Plan::Partner,
            _ => crate::domain::Plan::Free,
        }),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    memberships::ActiveModel {
        organization_id: Set(organization.id),
        user_id: Set(owner),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(organization)
}

/// A member with their account.
pub struct Member {
    pub membership: memberships::Model,
    pub user: users::Model,
}

pub async fn members<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
) -> Result<Vec<Member>, OrganizationsError> {
    let rows = memberships::Entity::of_organization(organization_id)
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?;
    let users = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|membership| {
            let user = users.iter().find(|u| u.id == membership.user_id)?.clone();
            Some(Member { membership, user })
        })
        .collect())
}

/// Adds an existing account to a team or partner organization. Only an owner may
/// appoint another owner.
#[tracing::instrument(skip(db, access, email), fields(organization_id = %access.organization.id))]
pub async fn add_member(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    email: EmailAddress,
    role: Role,
) -> Result<Member, OrganizationsError> {
    access.require_member_role(Role::Admin)?;
    if role == Role::Owner {
        access.require_member_role(Role::Owner)?;
    }
    if access.kind() == Some(OrganizationKind::Personal) {
        return Err(OrganizationsError::PersonalOrganization);
    }
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or(OrganizationsError::UserNotFound)?;
    if user.email_verified_at.is_none() {
        return Err(OrganizationsError::EmailNotVerified);
    }
    let membership = memberships::ActiveModel {
        organization_id: Set(access.organization.id),
        user_id: Set(user.id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            OrganizationsError::AlreadyMember
        } else {
            OrganizationsError::from(e)
        }
    })?;
    Ok(Member { membership, user })
}
