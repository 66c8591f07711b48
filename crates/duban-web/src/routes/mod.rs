//! HTML routes, one module per noun. Each module exposes `router()`; a new feature adds a
//! module here and merges it below.

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use duban_io::grid::TableFormat;

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

pub mod admin;
pub mod audit;
pub mod deliver;
pub mod escalation;
pub mod evaluation;
pub mod health;
pub mod monitor;
pub mod muni;
pub mod notify;
pub mod plan;
pub mod publish;
pub mod search;
pub mod session;
pub mod sheet;
pub mod task;
pub mod unit;
pub mod workspace;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/{*path}", get(crate::assets::serve_asset))
        .merge(session::router())
        .merge(health::router())
        .merge(plan::router())
        .merge(task::router())
        .merge(unit::router())
        .merge(workspace::router())
        .merge(admin::router())
        .merge(deliver::router())
        .merge(escalation::router())
        .merge(audit::router())
        .merge(notify::router())
        .merge(sheet::router())
        .merge(evaluation::router())
        .merge(publish::router())
        .merge(search::router())
        .merge(monitor::router())
        .merge(muni::router())
}

/// Each role's home: the office and the units start at their 督办 inbox (what is due, what
/// waits for review); a leader (viewer) at the status page of the newest adopted plan.
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    auth: Auth,
) -> Result<Response, AppError> {
    use duban_store::user::Role;
    let to = match auth.role() {
        Role::Admin | Role::Reporter => "/deliver".to_string(),
        Role::Viewer => {
            let plans = state.store.list_plans().await?;
            let adopted = plans
                .iter()
                .filter(|p| p.state == duban_store::plan::PlanState::Adopted)
                .max_by_key(|p| (p.year, p.id));
            match adopted {
                Some(p) => format!("/plans/{}/status", p.id),
                None => "/plans".to_string(),
            }
        }
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The answer to a form post: back to `back` when it worked, else the error page with a
/// link back there.
pub fn redirect_back<T, E: Into<AppError>>(result: Result<T, E>, back: String) -> Response {
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => e.into().with_back(back),
    }
}

/// [`redirect_back`] that also says what was done: on success to `{page}?done={done}#{anchor}`
/// (the page confirms the step once), on failure back to `{page}#{anchor}` with the message.
pub fn redirect_done<T, E: Into<AppError>>(
    result: Result<T, E>,
    page: &str,
    anchor: &str,
    done: &str,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("{page}?done={done}#{anchor}")).into_response(),
        Err(e) => e.into().with_back(format!("{page}#{anchor}")),
    }
}

/// A form that carries only the session's CSRF token (a button). A missing token is "" (403).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// The id of a record chosen in a form field, if any: blank → `None`; anything but a
/// number is a 400 naming the field's `what` (板块“x”无效).
pub fn optional_id(s: &str, what: &str) -> Result<Option<i64>, AppError> {
    match s.trim() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{what}“{v}”无效"))),
    }
}

/// A whole number typed in form field `field`, within `range`; anything else is a 422 on
/// the field: "{what}应为 1 到 50000 的整数".
pub fn whole_in<T>(
    s: &str,
    range: std::ops::RangeInclusive<T>,
    field: &str,
    what: &str,
) -> Result<T, AppError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    s.trim()
        .parse::<T>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| AppError::InvalidField {
            field: field.into(),
            message: format!("{what}应为 {} 到 {} 的整数", range.start(), range.end()),
        })
}

/// Parses an optional form/query field: empty → None.
pub fn opt(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A download: the body with its content type, saved by the browser as `file_name`.
pub fn attachment(
    body: impl Into<axum::body::Body>,
    content_type: &'static str,
    file_name: &str,
) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CONTENT_DISPOSITION, content_disposition(file_name));
    r
}

/// A name safe to save under: no control or bidi characters, no path separators, at most
/// 80 characters (a long title is cut before its extension, so a proxy's header buffer is
/// never the limit).
fn download_name(file_name: &str) -> String {
    let clean: String = file_name
        .chars()
        .filter(|&c| !c.is_control() && !duban_core::text::is_bidi_control(c))
        .map(|c| {
            if matches!(c, '/' | '\\' | '"') {
                '_'
            } else {
                c
            }
        })
        .collect();
    const MAX: usize = 80;
    if clean.chars().count() <= MAX {
        return clean;
    }
    let (stem, ext) = match clean.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => (stem, format!(".{ext}")),
        _ => (clean.as_str(), String::new()),
    };
    let keep = MAX - ext.chars().count() - 1;
    format!("{}…{ext}", stem.chars().take(keep).collect::<String>())
}

/// `attachment` with `file_name` as the browser should save it, Chinese included (RFC 6266
/// `filename*=UTF-8''…`), and an ASCII `filename` for clients that read only that (other
/// characters as `_`).
pub fn content_disposition(file_name: &str) -> axum::http::HeaderValue {
    let file_name = &download_name(file_name);
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let value = if &ascii == file_name {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            crate::render::url_encode(file_name)
        )
    };
    axum::http::HeaderValue::from_str(&value)
        .unwrap_or(axum::http::HeaderValue::from_static("attachment"))
}

/// A table (表格下载) as `{stem}.{format}`: xlsx, csv, parquet or arrow; any other is 404.
pub fn table_download(
    caption: &str,
    stem: &str,
    rows: &[Vec<duban_io::grid::Cell>],
    format: &str,
) -> Result<Response, AppError> {
    let kind = TableFormat::parse(format).ok_or(AppError::NotFound)?;
    let bytes = duban_io::grid::table_bytes(kind, caption, rows)
        .map_err(|e| AppError::Internal(format!("{stem}.{format}: {e}")))?;
    Ok(attachment(
        bytes,
        kind.media_type(),
        &format!("{stem}.{format}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_safe_and_short() {
        let v = content_disposition("a/../\r\nb\u{202e}.pdf");
        let v = v.to_str().unwrap();
        assert!(
            !v.contains('/') && !v.contains('\r') && !v.contains("%E2%80%AE"),
            "{v}"
        );
        let long = format!("{}.docx", "长".repeat(3000));
        let v = content_disposition(&long);
        assert!(v.len() < 1000, "{}", v.len());
        assert!(v.to_str().unwrap().ends_with(".docx"));
    }
}
