//! Forms never lose work. When an HTML form post (urlencoded) fails validation (422) or
//! meets a newer version or a taken name (409), and the
//! handler named the page to go back to (`AppError::with_back`; else the same-site page the
//! form was posted from, by its `Referer`), this layer does not answer
//! with a dead-end error page: it renders that page again (an internal GET of `back` with
//! the same cookies, through the plain routes) with a [`FormPrefill`] in the request, and answers it with the
//! error's status.
//! Templates read the prefill through `typed(name, stored)` (what was typed, else the stored
//! value) and `field_error(name)` (the message next to the field); `base.html` shows the
//! message on top. One mechanism for every form: a handler only sets `back` (and, when it
//! knows it, the field via `AppError::InvalidField`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorInfo};

/// What was typed into the failed form, and why it failed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FormPrefill {
    /// Field name → value as posted (the CSRF token, the version, passwords and secrets are
    /// left out: they are never shown again).
    pub values: HashMap<String, String>,
    /// The field the message is about, when known.
    pub field: Option<String>,
    pub message: String,
    /// The path the form was posted to: tells apart forms of one page that share a field
    /// name (`{% if form.action == … %}`).
    pub action: String,
    /// Something was typed (a field not blank): only then does the page say it was kept.
    pub kept: bool,
    /// The post met a newer version saved by someone else (409): a page that opts in shows
    /// that version in its fields (`current(name, stored)`) and what was typed beside them,
    /// so a second save cannot silently undo the other person's change.
    pub stale: bool,
    /// What was typed was saved (as a draft) though the step failed: an upload refused after
    /// its form was saved. The page says so instead of "not saved".
    pub draft_saved: bool,
}

impl FormPrefill {
    /// The prefill of a failed post: its fields and the error's message (and field).
    pub fn new(values: HashMap<String, String>, info: &ErrorInfo, action: &str) -> FormPrefill {
        FormPrefill::with(values, info.field.clone(), info.message.clone(), action)
    }

    /// The prefill of `values` posted to `action` that failed with `message` about `field`.
    pub fn with(
        values: HashMap<String, String>,
        field: Option<String>,
        message: String,
        action: &str,
    ) -> FormPrefill {
        let values: HashMap<String, String> = values
            .into_iter()
            .filter(|(k, _)| {
                k != "csrf" && k != "version" && !k.contains("password") && !k.contains("secret")
            })
            .collect();
        FormPrefill {
            kept: values.values().any(|v| !v.trim().is_empty()),
            values,
            field,
            message,
            action: action.to_string(),
            stale: false,
            draft_saved: false,
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (the last of a repeated name wins;
/// invalid UTF-8 is replaced, as the text guard (`security::text_guard`) refuses such bodies before any handler).
pub fn decode_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn is_urlencoded(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The path (and query) of the `Referer` when it is this site (same host as the request).
fn referer_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let (authority, path) = rest.split_at(rest.find('/')?);
    (authority == host).then(|| path.split('#').next().unwrap_or(path).to_string())
}

/// A local page path (never another origin).
fn local_path(back: &str) -> bool {
    back.starts_with('/') && !back.starts_with("//") && !back.contains('\\')
}

/// What the page GET keeps of the post's request extensions: what the outer layers put
/// there (script, client address, the request log's user) and the signed-in user. Not the
/// routing state of the post (its path parameters, its matched path).
fn carried(from: &axum::http::Extensions) -> axum::http::Extensions {
    let mut to = axum::http::Extensions::new();
    if let Some(v) = from.get::<crate::lang::Lang>() {
        to.insert(*v);
    }
    if let Some(v) = from.get::<crate::proxy::ClientAddr>() {
        to.insert(*v);
    }
    if let Some(v) = from.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        to.insert(*v);
    }
    if let Some(v) = from.get::<crate::request_log::RequestUser>() {
        to.insert(v.clone());
    }
    if let Some(v) = from.get::<crate::auth::Auth>() {
        to.insert(v.clone());
    }
    to
}

/// The layer around every route; `pages` (the plain routes) renders the page again.
#[derive(Clone)]
pub struct FormReplayLayer {
    pages: axum::Router,
}

impl FormReplayLayer {
    pub fn new(pages: axum::Router) -> Self {
        FormReplayLayer { pages }
    }
}

impl<S> tower::Layer<S> for FormReplayLayer {
    type Service = FormReplay<S>;

    fn layer(&self, inner: S) -> FormReplay<S> {
        FormReplay {
            inner,
            pages: self.pages.clone(),
        }
    }
}

/// One route's service, with the replay of a failed form post.
#[derive(Clone)]
pub struct FormReplay<S> {
    inner: S,
    pages: axum::Router,
}

impl<S> tower::Service<Request> for FormReplay<S>
where
    S: tower::Service<Request, Error = Infallible> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let mut again = self.pages.clone();
        Box::pin(async move {
            if req.method() != Method::POST
                || req.uri().path().starts_with("/api/")
                || !is_urlencoded(&req)
            {
                return Ok(inner.call(req).await?.into_response());
            }
            let (parts, body) = req.into_parts();
            let action = parts.uri.path().to_string();
            let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
                return Ok(AppError::TooLarge.into_response());
            };
            let mut replay_parts = Request::new(Body::empty()).into_parts().0;
            replay_parts.headers = parts.headers.clone();
            replay_parts.extensions = carried(&parts.extensions);
            let response = inner
                .call(Request::from_parts(parts, Body::from(bytes.clone())))
                .await?
                .into_response();
            // Refused (422) or stale / taken (409): the page again, with what was typed.
            let status = response.status();
            if status != StatusCode::UNPROCESSABLE_ENTITY && status != StatusCode::CONFLICT {
                return Ok(response);
            }
            let Some(mut info) = response.extensions().get::<ErrorInfo>().cloned() else {
                return Ok(response);
            };
            if info.stale {
                info.message = crate::error::STALE_REPLAYED.into();
            }
            // The page named by the handler, else the page the form was posted from.
            let Some(back) = info
                .back
                .clone()
                .or_else(|| referer_path(&replay_parts.headers))
                .filter(|b| local_path(b))
            else {
                return Ok(response);
            };
            // The internal GET skips the text guard: an address it would refuse is not
            // replayed (the error page answers instead).
            let Ok(uri) = back.parse::<axum::http::Uri>() else {
                return Ok(response);
            };
            if !crate::security::is_clean_uri(&uri) {
                return Ok(response);
            }
            replay_parts.method = Method::GET;
            replay_parts.uri = uri;
            replay_parts.headers.remove(header::CONTENT_TYPE);
            replay_parts.headers.remove(header::CONTENT_LENGTH);
            let mut prefill = FormPrefill::new(decode_form(&bytes), &info, &action);
            prefill.stale = info.stale;
            replay_parts.extensions.insert(prefill);
            let page =
                tower::Service::call(&mut again, Request::from_parts(replay_parts, Body::empty()))
                    .await?;
            if page.status() != StatusCode::OK {
                return Ok(response);
            }
            let (mut p, body) = page.into_parts();
            p.status = status;
            Ok(Response::from_parts(p, body))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let f = decode_form("a=%E4%B8%89%E5%8D%81&b=x+y&c&a2=".as_bytes());
        assert_eq!(f["a"], "三十");
        assert_eq!(f["b"], "x y");
        assert_eq!(f["c"], "");
        assert_eq!(f["a2"], "");
    }

    #[test]
    fn only_local_paths() {
        assert!(local_path("/reports/1"));
        assert!(!local_path("//evil.example/"));
        assert!(!local_path("https://evil.example/"));
    }

    #[test]
    fn referer_of_this_site_only() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::HOST, "duban.local:8080".parse().unwrap());
        h.insert(
            header::REFERER,
            "http://duban.local:8080/admin/units?x=1#top"
                .parse()
                .unwrap(),
        );
        assert_eq!(referer_path(&h).as_deref(), Some("/admin/units?x=1"));
        h.insert(
            header::REFERER,
            "http://evil.example/admin".parse().unwrap(),
        );
        assert_eq!(referer_path(&h), None);
    }
}
