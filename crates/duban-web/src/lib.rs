//! duban's web platform: server-rendered pages (minijinja templates embedded in the
//! binary), the JSON API v1, sessions and roles, on the store (`duban-store`).
//!
//! Layout (extend it the same way):
//! - [`AppState`] — the store, the templates, the configuration; cloned into every handler.
//! - [`app`] — the whole `Router`, assembled from one module per noun in [`routes`]
//!   (HTML) and [`api`] (JSON), plus the layers (security headers, 简/繁 conversion, error
//!   rendering, size limit).
//! - [`auth::Auth`] — the extractor for the signed-in user (role, unit, CSRF token); HTML
//!   routes redirect anonymous users to `/login`, API routes answer 401.
//! - [`error::AppError`] — handlers return it; the error layer renders it as an HTML page
//!   or as `{"error":{"code","message"}}` for `/api/…`.
//! - [`render`] — `Page` + `render()`; every page extends `templates/base.html`.
//! - [`testing::spawn_app`] — the real app on `127.0.0.1:0` with its own database.

pub mod access;
pub mod api;
pub mod assets;
pub mod auth;
pub mod deliver;
pub mod demo;
pub mod error;
pub mod evaluation;
pub mod form_fields;
pub mod form_replay;
pub mod highlight;
pub mod lang;
pub mod metrics;
pub mod monitor;
pub mod muni;
pub mod oversight;
pub mod paging;
pub mod proxy;
pub mod publish;
pub mod render;
pub mod request_log;
pub mod routes;
pub mod security;
pub mod seed;
pub mod sheet;
pub mod state;
pub mod testing;
pub mod upload;

pub use error::AppError;
pub use state::{AppState, Config};

use axum::Router;
use axum::extract::DefaultBodyLimit;

/// Largest accepted upload (a plan document or JSON): 20 MiB.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Request bodies may carry a little form overhead on top of the upload itself.
pub const MAX_BODY_BYTES: usize = MAX_UPLOAD_BYTES + 256 * 1024;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let proxy = std::sync::Arc::new(state.config.proxy.clone());
    let routes = Router::new()
        .merge(routes::router())
        .merge(api::router())
        .fallback(routes::not_found);
    // The plain routes, to render a form page again for a failed post.
    let pages = routes.clone().with_state(state.clone());
    let inner = routes
        // A form post failing validation is answered with its form page again, filled
        // with what was typed.
        .layer(form_replay::FormReplayLayer::new(pages))
        // Innermost: the signed-in user is the actor of the audit entries a request causes.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            oversight::audit_actor,
        ))
        // NUL bytes and invalid UTF-8 refused (400) in every path, query, form, multipart
        // field or file name and JSON string, before any handler or database sees them.
        .layer(axum::middleware::from_fn(security::text_guard))
        // Inside the error layer, so a 413 is rendered like every other error.
        .layer(axum::middleware::from_fn(security::size_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(axum::middleware::from_fn(lang::convert_layer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(security::headers())
        .layer(axum::middleware::from_fn(security::no_store))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Outermost: the request log sees the final status (after errors, panics, limits).
        .layer(axum::middleware::from_fn(request_log::log_request))
        .with_state(state);
    // Outside the router, so the path prefix is gone before routing.
    Router::new()
        .fallback_service(inner)
        .layer(axum::middleware::from_fn_with_state(
            proxy,
            proxy::proxy_layer,
        ))
}

/// Serves the app on an already-bound listener until the future is dropped or fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
