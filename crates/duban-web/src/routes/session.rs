//! Log in and log out. The login form is protected by a double-submit CSRF cookie (there is
//! no session yet); failures are throttled per user name and client address.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use duban_store::secret::{constant_time_eq, random_token};
use minijinja::context;

use crate::auth::{Auth, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::error::AppError;
use crate::render::{Page, render};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Only same-site relative paths are followed after login (no open redirect).
fn safe_next(next: Option<&String>) -> String {
    next.and_then(|n| crate::security::same_site_path(n))
        .unwrap_or("/")
        .to_string()
}

async fn login_form(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    message: Option<&str>,
    name: &str,
    next: &str,
) -> Result<Response, AppError> {
    let token = random_token();
    // Only on a fresh installation: once an administrator exists the page names no paths.
    let admin_hint = match &state.config.first_admin_command {
        Some(cmd) if state.store.count_admins().await? == 0 => Some(cmd.as_str()),
        _ => None,
    };
    let html = render(
        state,
        page,
        "login.html",
        context! { login_csrf => token, message => message, name => name, next => next, admin_hint => admin_hint },
    )?;
    let mut r = (status, html).into_response();
    let c = set_cookie(
        LOGIN_CSRF_COOKIE,
        &token,
        Some(3600),
        state.config.secure_cookies,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&c).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(r)
}

async fn login_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    login_form(
        &state,
        &page,
        StatusCode::OK,
        None,
        "",
        &safe_next(q.get("next")),
    )
    .await
}

/// The login form, typed (missing fields are empty: a missing token is refused as CSRF, a
/// missing name or password is a failed login). The password is never logged or echoed.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct LoginForm {
    login_csrf: String,
    name: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    client: axum::Extension<crate::proxy::ClientAddr>,
    headers: HeaderMap,
    page: Page,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(&expected, &form.login_csrf) {
        return Err(AppError::Csrf);
    }
    let name = form.name.trim().to_string();
    let next = safe_next(form.next.as_ref());
    // The socket peer, or the client a trusted reverse proxy names (crate::proxy).
    let ip = client.0.0.to_string();
    if state.store.login_throttled(&name, &ip).await? {
        return Err(AppError::Throttled);
    }
    match state.store.authenticate(&name, &form.password).await? {
        Some(user) => {
            state.store.clear_login_failures(&name, &ip).await?;
            // Housekeeping: expired sessions are removed whenever someone logs in.
            state.store.purge_sessions().await?;
            state.store.record_login_attempt(&name, &ip, true).await?;
            let session = state.store.create_session(user.id).await?;
            let mut r = Redirect::to(&next).into_response();
            let c = set_cookie(
                SESSION_COOKIE,
                &session.cookie_value,
                Some(duban_store::session::SESSION_HOURS * 3600),
                state.config.secure_cookies,
            );
            let clear = set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), state.config.secure_cookies);
            for v in [c, clear] {
                r.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_str(&v).map_err(|e| AppError::Internal(e.to_string()))?,
                );
            }
            Ok(r)
        }
        None => {
            state.store.record_login_attempt(&name, &ip, false).await?;
            if state.store.login_throttled(&name, &ip).await? {
                return Err(AppError::Throttled);
            }
            login_form(
                &state,
                &page,
                StatusCode::UNAUTHORIZED,
                Some("用户名或密码错误"),
                &name,
                &next,
            )
            .await
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    if let Some(c) = &auth.session_cookie {
        state.store.delete_session(c).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    let clear = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies);
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(r)
}
