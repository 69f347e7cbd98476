//! Billing with Stripe: plans, Checkout, the customer portal, and the subscription
//! state that webhooks keep up to date (and that drives the quota).

pub mod events;
pub mod signature;
pub mod stripe_client;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::{Config, PlanSettings};
use crate::domain::Role;
use crate::entities::{billing_accounts, memberships, organizations, stripe_events, users};
use crate::jobs::{self, ProcessStripeEvent};
use crate::services::mail::{self, QueuedEmail};
use crate::services::organizations::{Actor, OrganizationAccess, OrganizationsError};
use crate::services::quota::{self, Plan};
use stripe_client::{StripeClient, StripeFailure};

pub const EVENT_PENDING: &str = "pending";
pub const EVENT_PROCESSED: &str = "processed";
pub const EVENT_IGNORED: &str = "ignored";
pub const EVENT_DEAD: &str = "dead";

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("billing is not configured on this server")]
    NotConfigured,
    #[error("this organization has no billing account yet: subscribe first")]
    NoBillingAccount,
    #[error("no plan {0:?} can be bought; choose pro or team")]
    UnknownPlan(String),
    #[error(transparent)]
    Organization(#[from] OrganizationsError),
    #[error(transparent)]
    Stripe(#[from] StripeFailure),
    #[error("{0}")]
    BadSignature(signature::SignatureError),
    #[error("the event cannot be read: {0}")]
    BadEvent(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for BillingError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

/// What billing needs.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub db: &'a DatabaseConnection,
    pub config: &'a Config,
    pub stripe: Option<&'a StripeClient>,
}

impl<'a> Deps<'a> {
    fn stripe(&self) -> Result<&'a StripeClient, BillingError> {
        self.stripe.ok_or(BillingError::NotConfigured)
    }
}

// ---------------------------------------------------------------------------- plans

/// A plan as offered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// `free`, `pro` or `team`.
    pub key: String,
    pub name: String,
    pub description: String,
    /// Price per billing period in the smallest currency unit (per seat for `team`).
    pub price_cents: u32,
    pub currency: String,
    /// `month`
    pub interval: String,
    /// Interviews per billing period (per seat for `team`); the free plan has one
    /// interview in all.
    pub interviews_per_period: u32,
    pub per_seat: bool,
    /// Whether it can be bought through `POST /v1/billing/checkout`.
    pub purchasable: bool,
}

pub fn plans(settings: &PlanSettings) -> Vec<PlanView> {
    vec![
        PlanView {
            key: "free".into(),
            name: "Free".into(),
            description: "One free interview, graded, with the full report.".into(),
            price_cents: 0,
            currency: settings.currency.clone(),
            interval: "month".into(),
            interviews_per_period: 1,
            per_seat: false,
            purchasable: false,
        },
        PlanView {
            key: "pro".into(),
            name: "Pro".into(),
            description: "For one candidate preparing seriously.".into(),
            price_cents: settings.pro_price_cents,
            currency: settings.currency.clone(),
            interval: "month".into(),
            interviews_per_period: settings.pro_monthly_interviews,
            per_seat: false,
            purchasable: true,
        },
        PlanView {
            key: "team".into(),
            name: "Team".into(),
            description: "For teams and cohorts: the allowance grows with every member.".into(),
            price_cents: settings.team_price_cents_per_seat,
            currency: settings.currency.clone(),
            interval: "month".into(),
            interviews_per_period: settings.team_monthly_interviews_per_seat,
            per_seat: true,
            purchasable: true,
        },
    ]
}

/// The plan a Stripe price is for.
fn plan_for_price(config: &Config, price: &str) -> Option<Plan> {
    let s = &config.settings.stripe;
    if s.price_pro.as_deref() == Some(price) {
        Some(Plan::Pro)
    } else if s.price_team.as_deref() == Some(price) {
        Some(Plan::Team)
    } else {
        None
    }
}

// ----------------------------------------------------------------- subscription view

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub organization_id: Uuid,
    /// The plan in force now.
    pub plan: String,
    /// Stripe's status (`active`, `past_due`, `canceled`, …), `null` without one.
    pub status: Option<String>,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// Interviews of the plan used in the current period.
    pub used_in_period: u32,
    /// Interviews the plan allows in the current period.
    pub allowance_in_period: u32,
    /// Free interviews left (the one of a new account).
    pub free_interviews_remaining: u32,
    /// Everything that can still be started now.
    pub remaining_interviews: u32,
}

pub async fn subscription(
    deps: Deps<'_>,
    access: &OrganizationAccess,
) -> Result<SubscriptionView, BillingError> {
    deps.stripe()?;
    let org = &access.organization;
    // One read of the account: plan, status and period all come from the same row.
    let account = billing_accounts::Entity::find_by_id(org.id).one(deps.db).await?;
    let allowance = quota::allowance_for(account.as_ref(), org, &deps.config.settings, Utc::now());
    let status = quota::status_for(deps.db, org, &allowance).await?;
    Ok(SubscriptionView {
        organization_id: org.id,
        plan: status.plan.key().to_owned(),
        status: account.as_ref().and_then(|a| a.subscription_status.clone()),
        current_period_start: (allowance.per_period > 0).then_some(allowance.period_start),
        current_period_end: (allowance.per_period > 0).then_some(allowance.period_end),
        cancel_at_period_end: account.as_ref().is_some_and(|a| a.cancel_at_period_end),
        used_in_period: status.period_used,
        allowance_in_period: status.period_allowance,
        free_interviews_remaining: status.free_remaining,
        remaining_interviews: status.remaining(),
    })
}

// ------------------------------------------------------------------------ checkout

fn require_manager(access: &OrganizationAccess) -> Result<Uuid, BillingError> {
    access.require_member_role(Role::Admin)?;
    match access.actor {
        Actor::User { user_id } => Ok(user_id),
        Actor::ApiKey { .. } => Err(OrganizationsError::Forbidden("API keys cannot manage billing").into()),
    }
}

/// The organization's Stripe customer, created once (a concurrent first checkout
/// gets the same customer: Stripe's idempotency key and our unique row agree).
async fn customer(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    user_id: Uuid,
) -> Result<String, BillingError> {
    let org = &access.organization;
    if let Some(account) = billing_accounts::Entity::find_by_id(org.id).one(deps.db).await? {
        return Ok(account.stripe_customer_id);
    }
    let user = users::Entity::find_by_id(user_id)
        .one(deps.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the signed-in user no longer exists"))?;
    let customer_id = deps
        .stripe()?
        .create_customer(org.id, &user.email, &org.name)
        .await?;
    let now = Utc::now();
    billing_accounts::Entity::insert(billing_accounts::ActiveModel {
        organization_id: Set(org.id),
        stripe_customer_id: Set(customer_id.clone()),
        stripe_subscription_id: Set(None),
        subscription_status: Set(None),
        subscription_plan: Set(None),
        seats: Set(1),
        current_period_start: Set(None),
        current_period_end: Set(None),
        cancel_at_period_end: Set(false),
        past_due_since: Set(None),
        last_event_created: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(billing_accounts::Column::OrganizationId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(deps.db)
    .await?;
    Ok(billing_accounts::Entity::find_by_id(org.id)
        .one(deps.db)
        .await?
        .map_or(customer_id, |a| a.stripe_customer_id))
}

/// Starts a Checkout Session for `plan` and returns its URL. Owners and admins only.
/// `request_key` (the client's `Idempotency-Key`, else a key that changes every ten
/// minutes) makes retries return the same session.
#[tracing::instrument(skip_all, fields(organization_id = %access.organization.id))]
pub async fn checkout(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    plan: &str,
    request_key: Option<&str>,
) -> Result<String, BillingError> {
    let stripe = deps.stripe()?;
    let user_id = require_manager(access)?;
    let s = &deps.config.settings.stripe;
    let (plan, price) = match plan {
        "pro" => (Plan::Pro, s.price_pro.clone()),
        "team" => (Plan::Team, s.price_team.clone()),
        other => return Err(BillingError::UnknownPlan(other.to_owned())),
    };
    let price = price.ok_or(BillingError::NotConfigured)?;
    let seats = match plan {
        Plan::Team => memberships::Entity::find()
            .filter(memberships::Column::OrganizationId.eq(access.organization.id))
            .all(deps.db)
            .await?
            .len()
            .max(1) as u64,
        _ => 1,
    };
    let customer_id = customer(deps, access, user_id).await?;
    let window = Utc::now().timestamp() / 600;
    let key = match request_key {
        Some(k) => format!(
            "rehearse-checkout-{}-{}",
            access.organization.id,
            crate::domain::tokens::digest(k)
        ),
        None => format!(
            "rehearse-checkout-{}-{}-{window}",
            access.organization.id,
            plan.key()
        ),
    };
    let mut success = deps.config.public_link("billing/success");
    success
        .query_pairs_mut()
        .append_pair("session_id", "{CHECKOUT_SESSION_ID}");
    let cancel = deps.config.public_link("billing/canceled");
    let url = stripe
        .create_checkout_session(
            &key,
            &customer_id,
            &price,
            seats,
            access.organization.id,
            // Stripe substitutes the literal placeholder; keep its braces unescaped.
            &success.as_str().replace("%7B", "{").replace("%7D", "}"),
            cancel.as_str(),
        )
        .await?;
    Ok(url)
}

/// Deletes the Stripe customer of a deleted account, which cancels its subscription.
pub async fn forget_customer(deps: Deps<'_>, customer_id: &str) -> Result<(), BillingError> {
    deps.stripe()?.delete_customer(customer_id).await?;
    Ok(())
}

/// A customer-portal session for the organization. Owners and admins only.
pub async fn portal(deps: Deps<'_>, access: &OrganizationAccess) -> Result<String, BillingError> {
    let stripe = deps.stripe()?;
    require_manager(access)?;
    let account = billing_accounts::Entity::find_by_id(access.organization.id)
        .one(deps.db)
        .await?
        .ok_or(BillingError::NoBillingAccount)?;
    let key = format!(
        "rehearse-portal-{}-{}",
        access.organization.id,
        Utc::now().timestamp() / 60
    );
    Ok(stripe
        .create_portal_session(
            &key,
            &account.stripe_customer_id,
            deps.config.public_link("billing").as_str(),
        )
        .await?)
}

// ------------------------------------------------------------------------- webhooks

/// Verifies a webhook delivery and stores the event, with the job that processes it,
/// in one transaction. A delivery of an event already stored changes nothing. Returns
/// whether the event was new.
#[tracing::instrument(skip_all)]
pub async fn receive_webhook(
    deps: Deps<'_>,
    payload: &[u8],
    signature_header: &str,
) -> Result<bool, BillingError> {
    deps.stripe()?;
    let s = &deps.config.settings.stripe;
    use secrecy::ExposeSecret;
    let mut secrets: Vec<&[u8]> = Vec::new();
    if let Some(secret) = &s.webhook_secret {
        secrets.push(secret.expose_secret().as_bytes());
    }
    if let Some(secret) = &s.previous_webhook_secret {
        secrets.push(secret.expose_secret().as_bytes());
    }
    if secrets.is_empty() {
        return Err(BillingError::NotConfigured);
    }
    signature::verify(
        signature_header,
        payload,
        &secrets,
        Utc::now().timestamp(),
        i64::try_from(s.webhook_tolerance_secs).unwrap_or(300),
    )
    .map_err(BillingError::BadSignature)?;

    // Signed by Stripe but unreadable: kept as a dead event (with its payload) rather
    // than refused, because Stripe would retry it forever and nothing would change.
    let raw: serde_json::Value = serde_json::from_slice(payload)
        .unwrap_or_else(|_| serde_json::json!({ "unparsable_payload": String::from_utf8_lossy(payload) }));
    let (id, event_type, created, api_version, status, error) = match events::envelope(payload) {
        Ok(e) => (e.id, e.event_type, e.created, e.api_version, EVENT_PENDING, None),
        Err(reason) => (
            format!(
                "unreadable:{}",
                crate::domain::tokens::digest(&String::from_utf8_lossy(payload))
            ),
            "unknown".to_owned(),
            Utc::now().timestamp(),
            None,
            EVENT_DEAD,
            Some(reason),
        ),
    };
    let txn = crate::db::begin_write(deps.db).await?;
    let inserted = stripe_events::Entity::insert(stripe_events::ActiveModel {
        id: Set(id.clone()),
        event_type: Set(event_type.clone()),
        api_version: Set(api_version),
        created: Set(created),
        payload: Set(raw),
        status: Set(status.to_owned()),
        error: Set(error.clone()),
        organization_id: Set(None),
        received_at: Set(Utc::now()),
        processed_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(stripe_events::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 1 && status == EVENT_PENDING {
        jobs::enqueue(
            &txn,
            &ProcessStripeEvent { event_id: id.clone() },
            Some(&format!("stripe:{id}")),
        )
        .await?;
    }
    txn.commit().await?;
    if let Some(reason) = error {
        tracing::error!(reason, "a signed Stripe event could not be read; stored as dead");
    } else {
        tracing::info!(event_type, new = inserted == 1, "Stripe event received");
    }
    Ok(inserted == 1)
}

/// Applies a stored event, once. Events are matched to organizations through our own
/// customer mapping only; metadata in the payload is never trusted on its own.
/// Subscription state only moves forward in event time, so late or duplicated
/// deliveries cannot regress it.
#[tracing::instrument(skip(deps))]
pub async fn process_event(deps: Deps<'_>, event_id: &str) -> Result<(), BillingError> {
    let txn = crate::db::begin_write(deps.db).await?;
    let Some(row) = stripe_events::Entity::find_by_id(event_id.to_owned())
        .one(&txn)
        .await?
    else {
        return Err(BillingError::BadEvent(format!("event {event_id} is not stored")));
    };
    if row.status != EVENT_PENDING {
        return Ok(());
    }
    let payload = serde_json::to_vec(&row.payload).map_err(anyhow::Error::from)?;
    let outcome = match events::envelope(&payload) {
        Ok(event) => apply(deps, &txn, &event).await?,
        Err(reason) => Outcome::Dead(reason),
    };
    let (status, error, organization) = match outcome {
        Outcome::Applied(org) => (EVENT_PROCESSED, None, Some(org)),
        Outcome::Ignored(reason) => (EVENT_IGNORED, Some(reason), None),
        Outcome::Dead(reason) => (EVENT_DEAD, Some(reason), None),
    };
    if status == EVENT_DEAD {
        tracing::error!(
            error = error.as_deref().unwrap_or_default(),
            "Stripe event dead-lettered"
        );
    }
    stripe_events::Entity::update_many()
        .col_expr(stripe_events::Column::Status, Expr::value(status))
        .col_expr(stripe_events::Column::Error, Expr::value(error))
        .col_expr(stripe_events::Column::OrganizationId, Expr::value(organization))
        .col_expr(stripe_events::Column::ProcessedAt, Expr::value(Some(Utc::now())))
        .filter(stripe_events::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

enum Outcome {
    Applied(Uuid),
    Ignored(String),
    Dead(String),
}

fn timestamp(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.and_then(|s| Utc.timestamp_opt(s, 0).single())
}

async fn account_for<C: ConnectionTrait>(
    db: &C,
    customer_id: &str,
) -> Result<Option<billing_accounts::Model>, BillingError> {
    Ok(billing_accounts::Entity::find()
        .filter(billing_accounts::Column::StripeCustomerId.eq(customer_id))
        .one(db)
        .await?)
}

/// A status that gives the plan's allowance.
fn is_live(status: &str) -> bool {
    matches!(status, "active" | "trialing" | "past_due")
}

/// An event we act on, read from its payload.
enum Parsed {
    Subscription(events::SubscriptionSnapshot),
    Checkout(events::CheckoutSnapshot),
    InvoicePaid(events::InvoiceSnapshot),
    PaymentFailed(events::InvoiceSnapshot),
}

impl Parsed {
    fn read(event: &events::Envelope) -> Option<Result<Self, String>> {
        let object = &event.object;
        Some(match event.event_type.as_str() {
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted" => events::subscription(object).map(Self::Subscription),
            "checkout.session.completed" => events::checkout_session(object).map(Self::Checkout),
            "invoice.paid" | "invoice.payment_succeeded" => events::invoice(object).map(Self::InvoicePaid),
            "invoice.payment_failed" => events::invoice(object).map(Self::PaymentFailed),
            _ => return None,
        })
    }

    fn customer_id(&self) -> &str {
        match self {
            Self::Subscription(s) => &s.customer_id,
            Self::Checkout(c) => &c.customer_id,
            Self::InvoicePaid(i) | Self::PaymentFailed(i) => &i.customer_id,
        }
    }
}

async fn apply<C: ConnectionTrait>(
    deps: Deps<'_>,
    db: &C,
    event: &events::Envelope,
) -> Result<Outcome, BillingError> {
    let parsed = match Parsed::read(event) {
        None => {
            return Ok(Outcome::Ignored(format!(
                "event type {} is not used",
                event.event_type
            )));
        }
        Some(Err(reason)) => return Ok(Outcome::Dead(reason)),
        Some(Ok(parsed)) => parsed,
    };
    let Some(account) = account_for(db, parsed.customer_id()).await? else {
        return Ok(Outcome::Ignored(format!(
            "customer {} is not ours",
            parsed.customer_id()
        )));
    };
    match parsed {
        Parsed::Subscription(snapshot) => {
            let plan = match snapshot
                .price_id
                .as_deref()
                .map(|p| (p, plan_for_price(deps.config, p)))
            {
                Some((_, Some(plan))) => plan,
                Some((price, None)) => return Ok(Outcome::Dead(format!("unknown price {price}"))),
                None => return Ok(Outcome::Dead("subscription without a price".into())),
            };
            let status = if event.event_type == "customer.subscription.deleted" {
                "canceled".to_owned()
            } else {
                snapshot.status.clone()
            };
            // Older than what we applied: a late delivery. On a tie, a cancellation wins.
            let stale = event.created < account.last_event_created
                || (event.created == account.last_event_created
                    && account.subscription_status.as_deref() == Some("canceled")
                    && status != "canceled");
            if stale {
                return Ok(Outcome::Ignored("older than the state already applied".into()));
            }
            let was_live = account.subscription_status.as_deref().is_some_and(is_live);
            let now_live = is_live(&status);
            let mut update: billing_accounts::ActiveModel = account.clone().into();
            update.stripe_subscription_id = Set(Some(snapshot.subscription_id.clone()));
            update.subscription_status = Set(Some(status.clone()));
            update.subscription_plan = Set(Some(plan.key().to_owned()));
            update.seats = Set(i32::try_from(snapshot.quantity).unwrap_or(1));
            if let (Some(start), Some(end)) =
                (timestamp(snapshot.period_start), timestamp(snapshot.period_end))
            {
                update.current_period_start = Set(Some(start));
                update.current_period_end = Set(Some(end));
            }
            update.cancel_at_period_end = Set(snapshot.cancel_at_period_end);
            update.past_due_since = Set(match status.as_str() {
                "past_due" => account.past_due_since.or(timestamp(Some(event.created))),
                _ => None,
            });
            update.last_event_created = Set(event.created);
            update.updated_at = Set(Utc::now());
            update.update(db).await?;
            set_plan(
                db,
                account.organization_id,
                if now_live { plan } else { Plan::Free },
            )
            .await?;
            if !was_live && now_live {
                notify(
                    deps,
                    db,
                    account.organization_id,
                    &event.id,
                    Notice::Activated(plan),
                )
                .await?;
            }
            if was_live && !now_live {
                notify(deps, db, account.organization_id, &event.id, Notice::Canceled).await?;
            }
            Ok(Outcome::Applied(account.organization_id))
        }
        Parsed::Checkout(session) => {
            if let Some(claimed) = &session.metadata_organization
                && *claimed != account.organization_id.to_string()
            {
                tracing::warn!(
                    claimed,
                    "checkout metadata names another organization; using our mapping"
                );
            }
            if let Some(subscription) = session.subscription_id
                && account.stripe_subscription_id.is_none()
            {
                billing_accounts::Entity::update_many()
                    .col_expr(
                        billing_accounts::Column::StripeSubscriptionId,
                        Expr::value(Some(subscription)),
                    )
                    .filter(billing_accounts::Column::OrganizationId.eq(account.organization_id))
                    .exec(db)
                    .await?;
            }
            Ok(Outcome::Applied(account.organization_id))
        }
        Parsed::InvoicePaid(invoice) => {
            let mut update: billing_accounts::ActiveModel = account.clone().into();
            // A paid invoice renews the period (usage starts again) and settles a
            // past-due subscription; it never revives a canceled one.
            if let (Some(start), Some(end)) = (timestamp(invoice.period_start), timestamp(invoice.period_end))
                && account.current_period_end.is_none_or(|current| end > current)
            {
                update.current_period_start = Set(Some(start));
                update.current_period_end = Set(Some(end));
            }
            if account.subscription_status.as_deref() == Some("past_due") {
                update.subscription_status = Set(Some("active".into()));
            }
            update.past_due_since = Set(None);
            update.updated_at = Set(Utc::now());
            update.update(db).await?;
            Ok(Outcome::Applied(account.organization_id))
        }
        Parsed::PaymentFailed(_) => {
            if matches!(
                account.subscription_status.as_deref(),
                Some("active" | "trialing")
            ) {
                billing_accounts::Entity::update_many()
                    .col_expr(
                        billing_accounts::Column::SubscriptionStatus,
                        Expr::value(Some("past_due")),
                    )
                    .col_expr(
                        billing_accounts::Column::PastDueSince,
                        Expr::value(account.past_due_since.or(timestamp(Some(event.created)))),
                    )
                    .filter(billing_accounts::Column::OrganizationId.eq(account.organization_id))
                    .exec(db)
                    .await?;
            }
            notify(
                deps,
                db,
                account.organization_id,
                &event.id,
                Notice::PaymentFailed,
            )
            .await?;
            Ok(Outcome::Applied(account.organization_id))
        }
    }
}

async fn set_plan<C: ConnectionTrait>(db: &C, organization_id: Uuid, plan: Plan) -> Result<(), BillingError> {
    organizations::Entity::update_many()
        .col_expr(organizations::Column::Plan, Expr::value(plan.key()))
        .col_expr(organizations::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(organizations::Column::Id.eq(organization_id))
        .exec(db)
        .await?;
    Ok(())
}

enum Notice {
    Activated(Plan),
    PaymentFailed,
    Canceled,
}

/// Emails the organization's first owner about its subscription, once per event.
async fn notify<C: ConnectionTrait>(
    deps: Deps<'_>,
    db: &C,
    organization_id: Uuid,
    event_id: &str,
    notice: Notice,
) -> Result<(), BillingError> {
    let Some(owner) = memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(organization_id))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .order_by_asc(memberships::Column::CreatedAt)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(user) = users::Entity::find_by_id(owner.user_id).one(db).await? else {
        return Ok(());
    };
    let org = organizations::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("organization {organization_id} vanished"))?;
    let greeting = user.name.clone().unwrap_or_else(|| user.email.clone());
    let billing_link = deps.config.public_link("billing");
    let plans = &deps.config.settings.plans;
    let (template, content) = match notice {
        Notice::Activated(plan) => {
            let allowance = match plan {
                Plan::Team => format!(
                    "{} interviews per member each month",
                    plans.team_monthly_interviews_per_seat
                ),
                _ => format!("{} interviews each month", plans.pro_monthly_interviews),
            };
            let name = match plan {
                Plan::Team => "Team",
                _ => "Pro",
            };
            (
                "subscription_activated",
                emails::SubscriptionActivated {
                    greeting_name: &greeting,
                    organization_name: &org.name,
                    plan_name: name,
                    allowance: &allowance,
                    link: billing_link.as_str(),
                }
                .render(),
            )
        }
        Notice::PaymentFailed => {
            let grace = deps.config.settings.stripe.past_due_grace_days;
            (
                "payment_failed",
                emails::PaymentFailed {
                    greeting_name: &greeting,
                    organization_name: &org.name,
                    grace_days: grace,
                    link: billing_link.as_str(),
                }
                .render(),
            )
        }
        Notice::Canceled => (
            "subscription_canceled",
            emails::SubscriptionCanceled {
                greeting_name: &greeting,
                organization_name: &org.name,
                link: billing_link.as_str(),
            }
            .render(),
        ),
    };
    let content = content.map_err(|e| anyhow::anyhow!("cannot render the {template} email: {e}"))?;
    mail::queue(
        db,
        QueuedEmail {
            organization_id: Some(organization_id),
            subject_key: format!("stripe_event:{event_id}"),
            template,
            recipient: &user.email,
            content,
        },
    )
    .await?;
    Ok(())
}

/// Stored events by status, for metrics.
pub async fn event_counts(db: &DatabaseConnection) -> Result<Vec<(String, i64)>, BillingError> {
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        n: i64,
    }
    let rows = stripe_events::Entity::find()
        .select_only()
        .column(stripe_events::Column::Status)
        .column_as(stripe_events::Column::Id.count(), "n")
        .group_by(stripe_events::Column::Status)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
}
