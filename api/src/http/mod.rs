//! The HTTP layer: the only part of the crate that knows about actix-web.

pub mod account_pages;
pub mod allow;
pub mod auth;
pub mod dto;
pub mod handlers;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod panic_guard;
pub mod problem;
mod service_errors;
pub mod webapp;

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use handlers::{
    api_keys, auth as auth_handlers, billing, interviews, me, ops, organizations, tracks, webhooks,
};

/// Every documented route. Shared by the server and the spec generator, so the spec
/// cannot list a route the server does not have, or miss one it has.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(pages::results_page)
        .service(account_pages::verify_email_page)
        .service(account_pages::verify_email_submit)
        .service(account_pages::reset_password_page)
        .service(account_pages::reset_password_submit)
        .service(
            scope::scope("/v1")
                .service(auth_handlers::signup)
                .service(auth_handlers::login)
                .service(auth_handlers::refresh)
                .service(auth_handlers::logout)
                .service(auth_handlers::logout_everywhere)
                .service(auth_handlers::verify_email)
                .service(auth_handlers::password_reset)
                .service(auth_handlers::password_reset_confirm)
                .service(me::me)
                .service(organizations::create_organization)
                .service(organizations::get_organization)
                .service(organizations::list_members)
                .service(organizations::add_member)
                .service(organizations::llm_usage)
                .service(webhooks::create_webhook)
                .service(webhooks::list_webhooks)
                .service(webhooks::delete_webhook)
                .service(webhooks::list_deliveries)
                .service(api_keys::create_api_key)
                .service(api_keys::list_api_keys)
                .service(api_keys::revoke_api_key)
                .service(tracks::list_tracks)
                .service(tracks::get_track)
                .service(interviews::start_interview)
                .service(interviews::list_interviews)
                .service(interviews::get_interview)
                .service(interviews::answer_question)
                .service(interviews::submit_interview)
                .service(interviews::submit_transcript)
                .service(interviews::get_report)
                .service(interviews::revoke_share)
                .service(interviews::renew_share)
                .service(billing::list_plans)
                .service(billing::get_subscription)
                .service(billing::checkout)
                .service(billing::portal)
                .service(billing::stripe_webhook),
        );
}

/// The OpenAPI document, built without starting a server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::document_common_problems(&mut api);
    api
}

/// The OpenAPI document as committed in `openapi/openapi.json` (pretty, newline-ended).
pub fn openapi_json() -> anyhow::Result<String> {
    Ok(format!("{}\n", openapi().to_pretty_json()?))
}

/// The running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the configured address (port 0 picks a free one) and builds the server.
    /// OS signals are left to the caller, which stops the server through [`handle`].
    ///
    /// [`handle`]: Application::handle
    pub fn build(state: AppState) -> anyhow::Result<Self> {
        let server_settings = state.config.settings.server.clone();
        let listener = TcpListener::bind((server_settings.host.as_str(), server_settings.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}",
                    server_settings.host, server_settings.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let spec = openapi();
        let max_body = server_settings.max_body_bytes;
        let data = web::Data::new(state);
        let mut server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(openapi::ApiDoc::openapi())
                .configure(routes)
                .split_for_parts();
            app.app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .content_type_required(true)
                        .error_handler(problem::json_error),
                )
                .app_data(web::PathConfig::default().error_handler(problem::path_error))
                .app_data(web::QueryConfig::default().error_handler(problem::query_error))
                .app_data(web::PayloadConfig::default().limit(max_body))
                .app_data(web::FormConfig::default().limit(max_body))
                // The web app's pages (not part of the API document).
                .configure(webapp::configure)
                .service(web::redirect("/docs", "/docs/"))
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .url("/openapi.json", spec.clone())
                        .config(utoipa_swagger_ui::Config::default().validator_url("none")),
                )
                .default_service(web::to(problem::fallback))
                .wrap(from_fn(panic_guard::catch_panics))
                .wrap(ErrorHandlers::new().default_handler(problem::rewrite_as_problem))
                // Every response: never sniffed as another type; never stored by a cache
                // unless its handler says otherwise (API responses carry tokens, keys
                // and people's data).
                .wrap(
                    DefaultHeaders::new()
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::CACHE_CONTROL, "no-store")),
                )
                .wrap(from_fn(middleware::observe))
        })
        .shutdown_timeout(server_settings.shutdown_timeout_secs)
        .disable_signals();
        if let Some(workers) = server_settings.workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server: `handle().stop(true)` finishes in-flight requests first.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
