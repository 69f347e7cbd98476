//! Accounts: signup, login with throttling, rotating refresh tokens, logout, email
//! verification and password reset.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::auth::{JwtKeys, PasswordHasher};
use crate::config::Config;
use crate::domain::tokens::{OpaqueToken, digest};
use crate::domain::{EmailAddress, OrganizationKind, Password, PersonName, Role};
use crate::entities::{email_tokens, memberships, organizations, refresh_tokens, users};
use crate::services::is_unique_violation;
use crate::services::login_throttle::{self, Reservation};
use crate::services::mail::{self, QueuedEmail};

/// How many free interviews a new personal organization starts with.
pub const FREE_INTERVIEWS_FOR_NEW_ACCOUNTS: i32 = 1;
/// A new reset email is not sent while one sent less than this ago is still valid.
const RESET_EMAIL_COOLDOWN_SECS: i64 = 60;

const PURPOSE_VERIFY: &str = "verify_email";
const PURPOSE_RESET: &str = "password_reset";

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("an account already uses this email address")]
    EmailTaken,
    /// One answer for unknown email, wrong password and disabled account alike.
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("too many failed sign-in attempts; try again later or reset the password")]
    LoginThrottled { retry_after_secs: u64 },
    #[error("the refresh token is invalid, expired or already used")]
    InvalidRefreshToken,
    #[error("the link is invalid, expired or already used")]
    InvalidEmailToken,
    #[error("you are not a member of that organization")]
    NotAMember,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AccountsError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// The services accounts need, borrowed from the application state.
#[derive(Clone, Copy)]
pub struct AccountsDeps<'a> {
    pub db: &'a DatabaseConnection,
    pub config: &'a Config,
    pub hasher: &'a PasswordHasher,
    pub jwt: &'a JwtKeys,
}

/// An access token and a refresh token, as returned to clients.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub organization_id: Uuid,
}

pub struct NewSignup {
    pub email: EmailAddress,
    pub password: Password,
    pub name: Option<PersonName>,
}

pub struct SignedUp {
    pub user: users::Model,
    pub organization: organizations::Model,
    pub tokens: TokenPair,
}

/// Creates the user, their personal organization holding one free interview, the
/// owner membership, a refresh-token family, and queues the verification email — in one
/// transaction, so a failure leaves nothing behind.
#[tracing::instrument(skip_all)]
pub async fn signup(deps: AccountsDeps<'_>, input: NewSignup) -> Result<SignedUp, AccountsError> {
    let password_hash = deps.hasher.hash(&input.password).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(deps.db).await?;

    let user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(input.email.as_str().to_owned()),
        name: Set(input.name.map(PersonName::into_inner)),
        password_hash: Set(password_hash),
        email_verified_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AccountsError::EmailTaken
        } else {
            AccountsError::from(e)
        }
    })?;
    tracing::Span::current().record("user_id", tracing::field::display(user.id));

    let organization = organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(OrganizationKind::Personal.as_str().to_owned()),
        name: Set(user.name.clone().unwrap_or_else(|| "Personal".to_owned())),
        free_interviews_remaining: Set(FREE_INTERVIEWS_FOR_NEW_ACCOUNTS),
        plan: Set(crate::services::quota::Plan::Free.key().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;

    memberships::ActiveModel {
        organization_id: Set(organization.id),
        user_id: Set(user.id),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;

    queue_verification_email(&txn, deps.config, &user, now).await?;
    let session_id = Uuid::now_v7();
    let refresh_token =
        insert_refresh_token(&txn, deps.config, &user, organization.id, session_id, now).await?;
    txn.commit().await?;

    let tokens = access_pair(deps.jwt, user.id, organization.id, session_id, refresh_token)?;
    Ok(SignedUp {
        user,
        organization,
        tokens,
    })
}

async fn queue_verification_email<C: ConnectionTrait>(
    db: &C,
    config: &Config,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<(), AccountsError> {
    let hours = config.settings.auth.verification_token_ttl_hours;
    let token = insert_email_token(db, user.id, PURPOSE_VERIFY, now + hours_to_duration(hours), now).await?;
    let mut link = config.public_link("verify-email");
    link.query_pairs_mut().append_pair("token", token.1.expose());
    let content = emails::VerifyEmail {
        greeting_name: user.name.as_deref().unwrap_or(&user.email),
        link: link.as_str(),
        expires_in_hours: u32::try_from(hours).unwrap_or(u32::MAX),
    }
    .render()
    .context("failed to render the verification email")?;
    mail::queue(
        db,
        QueuedEmail {
            organization_id: None,
            subject_key: format!("email_token:{}", token.0),
            template: "verify_email",
            recipient: &user.email,
            content,
        },
    )
    .await?;
    Ok(())
}

fn hours_to_duration(hours: u64) -> Duration {
    Duration::hours(i64::try_from(hours).unwrap_or(i64::MAX / 3_600_000))
}

fn minutes_to_duration(minutes: u64) -> Duration {
    Duration::minutes(i64::try_from(minutes).unwrap_or(i64::MAX / 60_000))
}

/// Inserts a single-use email token and returns its id and the plaintext token.
async fn insert_email_token<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    purpose: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Uuid, OpaqueToken), AccountsError> {
    let token = OpaqueToken::generate();
    let id = Uuid::now_v7();
    email_tokens::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(token.hash().to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((id, token))
}

async fn insert_refresh_token<C: ConnectionTrait>(
    db: &C,
    config: &Config,
    user: &users::Model,
    organization_id: Uuid,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OpaqueToken, AccountsError> {
    let token = OpaqueToken::generate();
    let days = i64::try_from(config.settings.auth.refresh_token_ttl_days).unwrap_or(365);
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        organization_id: Set(organization_id),
        family_id: Set(family_id),
        token_hash: Set(token.hash().to_owned()),
        expires_at: Set(now + Duration::days(days)),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A session is a refresh-token family: its id is the family id, and the access
/// tokens minted from it carry it as `sid`.
fn access_pair(
    jwt: &JwtKeys,
    user_id: Uuid,
    organization_id: Uuid,
    session_id: Uuid,
    refresh: OpaqueToken,
) -> Result<TokenPair, AccountsError> {
    let (access_token, _) = jwt
        .issue(user_id, organization_id, session_id)
        .context("failed to sign an access token")?;
    Ok(TokenPair {
        access_token,
        expires_in: jwt.ttl_secs(),
        refresh_token: refresh.expose().to_owned(),
        organization_id,
    })
}

pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// Act for this organization instead of the personal one.
    pub organization_id: Option<Uuid>,
}

/// Verifies the password (against a dummy hash for unknown emails, so both take the
/// same time) and starts a new refresh-token family. Failed attempts are counted per
/// email whether or not an account exists; past the limit the email is locked for a
/// while. A password reset lifts the lock, so the real owner is never locked out.
#[tracing::instrument(skip_all)]
pub async fn login(deps: AccountsDeps<'_>, input: LoginInput) -> Result<TokenPair, AccountsError> {
    let now = Utc::now();
    let email = EmailAddress::parse(&input.email).ok();
    let auth = &deps.config.settings.auth;
    let slot = match login_throttle::reserve(deps.db, auth, &input.email, now).await? {
        Reservation::Granted(slot) => slot,
        Reservation::Refused { retry_after_secs } => {
            return Err(AccountsError::LoginThrottled { retry_after_secs });
        }
    };

    let user = match &email {
        Some(email) => {
            users::Entity::find()
                .filter(users::Column::Email.eq(email.as_str()))
                .one(deps.db)
                .await?
        }
        None => None,
    };
    let valid = deps
        .hasher
        .verify(&input.password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let user = match (valid, user) {
        (true, Some(user)) => user,
        _ => {
            slot.failed(deps.db, auth, now).await?;
            return Err(AccountsError::InvalidCredentials);
        }
    };
    slot.succeeded(deps.db).await?;

    let organization_id = match input.organization_id {
        Some(org) => {
            membership(deps.db, org, user.id)
                .await?
                .ok_or(AccountsError::NotAMember)?;
            org
        }
        None => default_organization(deps.db, user.id).await?,
    };
    let session_id = Uuid::now_v7();
    let refresh = insert_refresh_token(deps.db, deps.config, &user, organization_id, session_id, now).await?;
    access_pair(deps.jwt, user.id, organization_id, session_id, refresh)
}

/// The membership of `user_id` in `organization_id`, if any.
pub async fn membership<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<memberships::Model>, sea_orm::DbErr> {
    memberships::Entity::find_by_id((organization_id, user_id))
        .one(db)
        .await
}

/// The membership of `user_id` in `organization_id`, provided the session `session_id`
/// of that user is still open (some token of its family not revoked): one query, run
/// for every request made with an access token, so logout, "sign out everywhere" and
/// a password reset stop the session's access tokens at once.
pub async fn session_membership<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<memberships::Model>, sea_orm::DbErr> {
    let open_session = refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::Id)
        .filter(refresh_tokens::Column::FamilyId.eq(session_id))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .into_query();
    memberships::Entity::find_by_id((organization_id, user_id))
        .filter(Expr::exists(open_session))
        .one(db)
        .await
}

/// The organization a session starts in: the personal one, else the oldest membership.
async fn default_organization<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<Uuid, AccountsError> {
    let memberships = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?;
    let org_ids: Vec<Uuid> = memberships.iter().map(|m| m.organization_id).collect();
    let personal = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(org_ids.clone()))
        .filter(organizations::Column::Kind.eq(OrganizationKind::Personal.as_str()))
        .one(db)
        .await?;
    personal
        .map(|o| o.id)
        .or_else(|| org_ids.first().copied())
        .ok_or(AccountsError::NotAMember)
}

/// Exchanges a refresh token for a new pair. The presented token is rotated exactly
/// once (a conditional update); presenting a rotated or revoked token again is taken
/// as theft and revokes every token of its family.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    deps: AccountsDeps<'_>,
    presented: &str,
    switch_to: Option<Uuid>,
) -> Result<TokenPair, AccountsError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(deps.db).await?;
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(digest(presented)))
        .one(&txn)
        .await?
    else {
        return Err(AccountsError::InvalidRefreshToken);
    };

    if token.rotated_at.is_some() || token.revoked_at.is_some() {
        revoke_family(&txn, token.family_id, now).await?;
        txn.commit().await?;
        tracing::warn!(family_id = %token.family_id, "refresh token reuse: family revoked");
        return Err(AccountsError::InvalidRefreshToken);
    }
    if token.expires_at <= now {
        return Err(AccountsError::InvalidRefreshToken);
    }

    let rotated = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RotatedAt, Expr::value(Some(now)))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if rotated.rows_affected != 1 {
        // Someone rotated it between our read and our write: the same token was used
        // twice at once. Treat it as reuse.
        revoke_family(&txn, token.family_id, now).await?;
        txn.commit().await?;
        return Err(AccountsError::InvalidRefreshToken);
    }

    let user = users::Entity::find_by_id(token.user_id)
        .one(&txn)
        .await?
        .ok_or(AccountsError::InvalidRefreshToken)?;
    let organization_id = match switch_to {
        Some(org) => {
            membership(&txn, org, user.id)
                .await?
                .ok_or(AccountsError::NotAMember)?;
            org
        }
        None if membership(&txn, token.organization_id, user.id).await?.is_some() => token.organization_id,
        None => default_organization(&txn, user.id).await?,
    };
    let next = insert_refresh_token(&txn, deps.config, &user, organization_id, token.family_id, now).await?;
    txn.commit().await?;
    access_pair(deps.jwt, user.id, organization_id, token.family_id, next)
}

async fn revoke_family<C: ConnectionTrait>(
    db: &C,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AccountsError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of the user ("sign out everywhere"): every refresh token is
/// revoked, and with them every access token minted from them.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn logout_everywhere(db: &DatabaseConnection, user_id: Uuid) -> Result<(), AccountsError> {
    revoke_all_sessions(db, user_id, Utc::now()).await
}

async fn revoke_all_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AccountsError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    // The web app's browser sessions end too.
    crate::services::web::end_browser_sessions(db, user_id, None).await?;
    Ok(())
}

/// Ends the session the refresh token belongs to (its whole family). Unknown tokens
/// are ignored: logging out twice is not an error.
#[tracing::instrument(skip_all)]
pub async fn logout(db: &DatabaseConnection, presented: &str) -> Result<(), AccountsError> {
    if let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(digest(presented)))
        .one(db)
        .await?
    {
        revoke_family(db, token.family_id, Utc::now()).await?;
    }
    Ok(())
}

/// The unused, unexpired token of `purpose`, without using it.
async fn usable_email_token<C: ConnectionTrait>(
    db: &C,
    presented: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<email_tokens::Model, AccountsError> {
    email_tokens::Entity::find()
        .filter(email_tokens::Column::TokenHash.eq(digest(presented)))
        .filter(email_tokens::Column::Purpose.eq(purpose))
        .one(db)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or(AccountsError::InvalidEmailToken)
}

/// Marks an unused, unexpired token of `purpose` as used (exactly once, even under
/// concurrent requests) and returns it.
async fn consume_email_token<C: ConnectionTrait>(
    db: &C,
    presented: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<email_tokens::Model, AccountsError> {
    let token = usable_email_token(db, presented, purpose, now).await?;
    let consumed = email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_tokens::Column::Id.eq(token.id))
        .filter(email_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if consumed.rows_affected != 1 {
        return Err(AccountsError::InvalidEmailToken);
    }
    Ok(token)
}

#[tracing::instrument(skip_all)]
pub async fn verify_email(db: &DatabaseConnection, presented: &str) -> Result<(), AccountsError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let token = consume_email_token(&txn, presented, PURPOSE_VERIFY, now).await?;
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Some(now)))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(token.user_id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues a reset email when an account has this address. Always succeeds from the
/// caller's point of view, so it cannot be used to learn which emails have accounts.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(deps: AccountsDeps<'_>, raw_email: &str) -> Result<(), AccountsError> {
    let Ok(email) = EmailAddress::parse(raw_email) else {
        return Ok(());
    };
    let now = Utc::now();
    let txn = crate::db::begin_write(deps.db).await?;
    let Some(user) = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    let recent = email_tokens::Entity::find()
        .filter(email_tokens::Column::UserId.eq(user.id))
        .filter(email_tokens::Column::Purpose.eq(PURPOSE_RESET))
        .order_by_desc(email_tokens::Column::CreatedAt)
        .one(&txn)
        .await?;
    if recent.is_some_and(|t| {
        t.used_at.is_none() && (now - t.created_at).num_seconds() < RESET_EMAIL_COOLDOWN_SECS
    }) {
        return Ok(());
    }

    let minutes = deps.config.settings.auth.password_reset_ttl_minutes;
    let (token_id, token) = insert_email_token(
        &txn,
        user.id,
        PURPOSE_RESET,
        now + minutes_to_duration(minutes),
        now,
    )
    .await?;
    let mut link = deps.config.public_link("reset-password");
    link.query_pairs_mut().append_pair("token", token.expose());
    let content = emails::PasswordReset {
        greeting_name: user.name.as_deref().unwrap_or(&user.email),
        link: link.as_str(),
        expires_in_minutes: u32::try_from(minutes).unwrap_or(u32::MAX),
    }
    .render()
    .context("failed to render the password reset email")?;
    mail::queue(
        &txn,
        QueuedEmail {
            organization_id: None,
            subject_key: format!("email_token:{token_id}"),
            template: "password_reset",
            recipient: &user.email,
            content,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token. It also proves the address, ends every
/// session of the account, and lifts any sign-in lock.
#[tracing::instrument(skip_all)]
pub async fn confirm_password_reset(
    deps: AccountsDeps<'_>,
    presented: &str,
    password: Password,
) -> Result<(), AccountsError> {
    // The token is checked before the password is hashed: a wrong link must not cost
    // a hash (nor a slot of the hashing pool). It is consumed only after the hash, in
    // the transaction, so hashing never runs while a write transaction is open.
    usable_email_token(deps.db, presented, PURPOSE_RESET, Utc::now()).await?;
    let password_hash = deps.hasher.hash(&password).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(deps.db).await?;
    let token = consume_email_token(&txn, presented, PURPOSE_RESET, now).await?;
    let user = users::Entity::find_by_id(token.user_id)
        .one(&txn)
        .await?
        .ok_or(AccountsError::InvalidEmailToken)?;
    let mut active: users::ActiveModel = user.clone().into();
    active.password_hash = Set(password_hash);
    active.updated_at = Set(now);
    if user.email_verified_at.is_none() {
        active.email_verified_at = Set(Some(now));
    }
    active.update(&txn).await?;
    revoke_all_sessions(&txn, user.id, now).await?;
    login_throttle::lift(&txn, &user.email).await?;
    // Other outstanding reset links die with this one.
    email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_tokens::Column::UserId.eq(user.id))
        .filter(email_tokens::Column::Purpose.eq(PURPOSE_RESET))
        .filter(email_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A user with their memberships, for `GET /v1/me`.
pub struct Profile {
    pub user: users::Model,
    pub memberships: Vec<(memberships::Model, organizations::Model)>,
}

pub async fn profile(db: &DatabaseConnection, user_id: Uuid) -> Result<Option<Profile>, AccountsError> {
    let Some(user) = users::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let memberships = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?;
    let orgs = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(memberships.iter().map(|m| m.organization_id)))
        .all(db)
        .await?;
    let memberships = memberships
        .into_iter()
        .filter_map(|m| {
            let org = orgs.iter().find(|o| o.id == m.organization_id)?.clone();
            Some((m, org))
        })
        .collect();
    Ok(Some(Profile { user, memberships }))
}
