//! The plan page: current plan, status, period and usage; upgrade through Stripe
//! Checkout, manage through the customer portal; the return page that waits for the
//! webhook ("activating…"); past-due and canceled explained; billing off said plainly.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth_pages::{PlanCard, plan_cards};
use super::dashboard::plan_name;
use super::{Chrome, Ctx, PageError, date};
use crate::domain::Role;
use crate::http::problem::ApiError;
use crate::services::{billing, quota};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/billing", web::get().to(page))
        .route("/app/billing/status", web::get().to(status))
        .route("/app/billing/checkout", web::post().to(checkout))
        .route("/app/billing/portal", web::post().to(portal))
        // Where Stripe sends the browser back (the URLs the billing service gives it).
        .route("/billing", web::get().to(back))
        .route("/billing/success", web::get().to(back_from_checkout))
        .route("/billing/canceled", web::get().to(back_canceled));
}

#[derive(Template)]
#[template(path = "web/billing.html")]
struct Billing {
    c: Chrome,
    billing_on: bool,
    can_manage: bool,
    plan: String,
    plan_key: String,
    status: Option<String>,
    period_end: Option<String>,
    cancel_at_period_end: bool,
    used: u32,
    allowance: u32,
    remaining: u32,
    activating: bool,
    canceled_checkout: bool,
    plans: Vec<PlanCard>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct BillingQuery {
    activating: Option<String>,
    canceled: Option<String>,
}

async fn render(
    ctx: &Ctx,
    query: &BillingQuery,
    status_code: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let can_manage = matches!(me.access.role, Some(Role::Owner | Role::Admin));
    let plans = plan_cards(ctx).into_iter().filter(|p| p.purchasable).collect();
    let page = match billing::subscription(ctx.state.billing(), &me.access).await {
        Ok(sub) => {
            let on_paid_plan = sub.plan != "free";
            Billing {
                c: ctx.chrome("Your plan"),
                billing_on: true,
                can_manage,
                plan: plan_name(quota::Plan::parse(&sub.plan)),
                activating: query.activating.is_some() && !on_paid_plan,
                plan_key: sub.plan,
                status: sub.status,
                period_end: sub.current_period_end.map(date),
                cancel_at_period_end: sub.cancel_at_period_end,
                used: sub.used_in_period,
                allowance: sub.allowance_in_period,
                remaining: sub.remaining_interviews,
                canceled_checkout: query.canceled.is_some(),
                plans,
                error,
            }
        }
        Err(billing::BillingError::NotConfigured) => {
            let status =
                quota::status(&ctx.state.db, &me.access.organization, &ctx.state.config.settings).await?;
            Billing {
                c: ctx.chrome("Your plan"),
                billing_on: false,
                can_manage,
                plan: plan_name(status.plan),
                plan_key: status.plan.key().to_owned(),
                status: None,
                period_end: status.period_end.map(date),
                cancel_at_period_end: false,
                used: status.period_used,
                allowance: status.period_allowance,
                remaining: status.remaining(),
                activating: false,
                canceled_checkout: false,
                plans: Vec::new(),
                error,
            }
        }
        Err(e) => return Err(ApiError::from(e).into()),
    };
    ctx.render(status_code, &page)
}

async fn page(ctx: Ctx, query: web::Query<BillingQuery>) -> Result<HttpResponse, PageError> {
    render(&ctx, &query, StatusCode::OK, None).await
}

/// Polled while activating: once the webhook has changed the plan, load the page.
async fn status(ctx: Ctx, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    let status = quota::status(&ctx.state.db, &me.access.organization, &ctx.state.config.settings).await?;
    if status.plan != quota::Plan::Free {
        if req.headers().contains_key("hx-request") {
            return Ok(ctx
                .respond(StatusCode::OK)
                .insert_header(("HX-Redirect", "/app/billing"))
                .finish());
        }
        return Ok(ctx.see_other("/app/billing"));
    }
    ctx.render(StatusCode::OK, &Activating)
}

/// The polled block (also included in the page).
#[derive(Template)]
#[template(path = "web/activating.html")]
struct Activating;

#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    csrf: Option<String>,
    #[serde(default)]
    plan: String,
}

async fn checkout(ctx: Ctx, form: web::Form<CheckoutForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    match billing::checkout(ctx.state.billing(), &me.access, &form.plan, None).await {
        Ok(url) => Ok(ctx.see_other(&url)),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            let message = super::field_message(e)?;
            render(
                &ctx,
                &BillingQuery {
                    activating: None,
                    canceled: None,
                },
                status,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

async fn portal(ctx: Ctx, form: web::Form<CsrfForm>) -> Result<HttpResponse, PageError> {
    let me = ctx.require()?;
    ctx.check_csrf(form.csrf.as_deref())?;
    match billing::portal(ctx.state.billing(), &me.access).await {
        Ok(url) => Ok(ctx.see_other(&url)),
        Err(e) => {
            let e = ApiError::from(e);
            let status = e.status();
            let message = super::field_message(e)?;
            render(
                &ctx,
                &BillingQuery {
                    activating: None,
                    canceled: None,
                },
                status,
                Some(message),
            )
            .await
        }
    }
}

async fn back() -> HttpResponse {
    super::see_other("/app/billing")
}

async fn back_from_checkout() -> HttpResponse {
    super::see_other("/app/billing?activating=1")
}

async fn back_canceled() -> HttpResponse {
    super::see_other("/app/billing?canceled=1")
}
