//! One error type for every handler. `AppError::into_response` only records what went
//! wrong (status, code, message) in a response extension; the `render_errors` layer then
//! writes it as an HTML page, or as `{"error":{"code","message"}}` under `/api/`, so a
//! handler never needs to know which of the two it serves. Internal causes are logged,
//! never shown.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use duban_store::StoreError;

use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthenticated,
    #[error("无权访问此页面或执行此操作")]
    Forbidden,
    #[error("未找到")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// A well-formed request with invalid content (a bad value, a malformed document).
    #[error("{0}")]
    Invalid(String),
    /// Invalid content of one form field: the form is shown again with the message next to
    /// that field (see `form_replay`).
    #[error("{message}")]
    InvalidField { field: String, message: String },
    /// The record already exists, or the step no longer applies to its state.
    #[error("{0}")]
    Conflict(String),
    /// Someone else saved first (optimistic locking): a 409 whose form a page may show at
    /// the newer version, with what was typed beside it (`form_replay`, `FormPrefill::stale`).
    #[error("{}", STALE_MESSAGE)]
    Stale,
    #[error("上传内容超过 20 MB 上限")]
    TooLarge,
    /// Over a smaller, route-specific limit (in MB): the message names that limit.
    #[error("上传内容超过 {0} MB 上限")]
    TooLargeFor(usize),
    #[error("表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试")]
    Csrf,
    #[error("登录失败次数过多，请 15 分钟后再试")]
    Throttled,
    /// The storage cannot serve (disk full, read-only, database gone): 503 with the reason.
    #[error("{0}")]
    Unavailable(String),
    #[error("服务器内部错误")]
    Internal(String),
}

/// What the error layer needs to render an error; attached to the response.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// A link back to where the user can retry (e.g. the task after a conflict).
    pub back: Option<String>,
    /// The form field the message is about, when known.
    pub field: Option<String>,
    /// A newer version was saved first ([`AppError::Stale`]).
    pub stale: bool,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) | AppError::InvalidField { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) | AppError::Stale => StatusCode::CONFLICT,
            AppError::TooLarge | AppError::TooLargeFor(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) | AppError::InvalidField { .. } => "invalid",
            AppError::Conflict(_) | AppError::Stale => "conflict",
            AppError::TooLarge | AppError::TooLargeFor(_) => "payload_too_large",
            AppError::Csrf => "csrf",
            AppError::Throttled => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The same error about form field `field` (an `Invalid` becomes an `InvalidField`).
    pub fn on_field(self, field: &str) -> AppError {
        match self {
            AppError::Invalid(message) => AppError::InvalidField {
                field: field.to_string(),
                message,
            },
            other => other,
        }
    }

    /// The error with a link back for the HTML page.
    pub fn with_back(self, href: impl Into<String>) -> Response {
        let mut r = self.into_response();
        if let Some(info) = r.extensions_mut().get_mut::<ErrorInfo>() {
            info.back = Some(href.into());
        }
        r
    }
}

/// A save on a version someone else changed first (optimistic lock).
pub const STALE_MESSAGE: &str =
    "该记录已被他人修改，您的修改未保存。请重新打开页面，在最新版本上修改。";

/// [`STALE_MESSAGE`] on the page shown again with what was typed (`form_replay.rs`).
pub const STALE_REPLAYED: &str =
    "该记录已被他人修改并保存，页面已更新为最新版本；您刚才填写的内容另列出，请对照后再保存";

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate(m) => AppError::Conflict(m),
            StoreError::Conflict => AppError::Stale,
            StoreError::Invalid(m) => AppError::Invalid(m),
            other => match other.unavailable_reason() {
                Some(reason) => AppError::Unavailable(reason.into()),
                None => AppError::Internal(other.to_string()),
            },
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let info = ErrorInfo {
            status: self.status(),
            code: self.code(),
            message: self.to_string(),
            back: None,
            field: match &self {
                AppError::InvalidField { field, .. } => Some(field.clone()),
                _ => None,
            },
            stale: matches!(self, AppError::Stale),
        };
        let mut r = (info.status, info.message.clone()).into_response();
        r.extensions_mut().insert(info);
        r
    }
}

fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid",
        429 => "too_many_requests",
        _ if status.is_server_error() => "internal",
        _ => "error",
    }
}

fn status_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求格式有误",
        404 => "未找到",
        405 => "不支持该请求方法",
        413 => "上传内容超过 20 MB 上限",
        415 => "不支持的内容类型",
        422 => "请求内容无效",
        _ if status.is_server_error() => "服务器内部错误",
        _ => "请求失败",
    }
}

/// Renders every error response of the app in the right format for its path.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.to_string());
    let is_api = crate::auth::is_machine_path(&path);
    let hant = req
        .extensions()
        .get::<crate::lang::Lang>()
        .is_some_and(|l| l.hant);
    let session = crate::auth::cookie(req.headers(), crate::auth::SESSION_COOKIE);
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let info = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None => {
            let ct = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if ct.starts_with("text/html") || ct.starts_with("application/json") {
                return response; // already rendered by a handler
            }
            // A framework rejection (bad form, bad JSON, unknown path …).
            let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let detail = String::from_utf8_lossy(&body).trim().to_string();
            let base = status_message(status);
            ErrorInfo {
                status,
                code: status_code_name(status),
                message: if detail.is_empty() || status.is_server_error() {
                    base.to_string()
                } else {
                    format!("{base}：{detail}")
                },
                back: None,
                field: None,
                stale: false,
            }
        }
    };
    if is_api {
        let body = serde_json::json!({"error": {"code": info.code, "message": info.message}});
        let mut r = (info.status, axum::Json(body)).into_response();
        if info.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"duban\""),
            );
        }
        return r;
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let next = if path_and_query == "/" || path_and_query.starts_with("/login") {
            "/login".to_string()
        } else {
            format!("/login?next={}", crate::render::url_encode(&path_and_query))
        };
        return Redirect::to(&next).into_response();
    }
    // A signed-in user keeps the menu on an error page (best effort: a database that
    // cannot answer gives the page without it).
    let auth = match session {
        Some(value) if !status.is_server_error() => crate::auth::session_auth(&state, value)
            .await
            .ok()
            .flatten(),
        _ => None,
    };
    let html = crate::render::error_page(&state, &info, hant, auth, &path);
    let mut r = (info.status, axum::response::Html(html)).into_response();
    if info.status == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("900"));
    }
    r
}
