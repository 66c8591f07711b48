//! Forms never lose work. When an HTML form post (urlencoded) fails validation (422) and the
//! handler named the page to go back to (`AppError::with_back`), this layer does not answer
//! with a dead-end error page: it renders that page again (an internal GET of `back` with
//! the same cookies) with a [`FormPrefill`] in the request, and answers it with status 422.
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
    /// Field name → value as posted (the CSRF token and the version are left out).
    pub values: HashMap<String, String>,
    /// The field the message is about, when known.
    pub field: Option<String>,
    pub message: String,
}

impl FormPrefill {
    /// The prefill of a failed post: its fields and the error's message (and field).
    pub fn new(values: HashMap<String, String>, info: &ErrorInfo) -> FormPrefill {
        let values = values
            .into_iter()
            .filter(|(k, _)| k != "csrf" && k != "version")
            .collect();
        FormPrefill {
            values,
            field: info.field.clone(),
            message: info.message.clone(),
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` body (the last of a repeated name wins).
pub fn decode_form(body: &[u8]) -> HashMap<String, String> {
    let decode = |s: &[u8]| {
        let plus: Vec<u8> = s
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        percent_encoding::percent_decode(&plus)
            .decode_utf8_lossy()
            .into_owned()
    };
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&pair[..i]), decode(&pair[i + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
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

/// A local page path (never another origin).
fn local_path(back: &str) -> bool {
    back.starts_with('/') && !back.starts_with("//") && !back.contains('\\')
}

/// The service wrapping the whole router (it must route the internal GET).
#[derive(Clone)]
pub struct FormReplay<S> {
    inner: S,
}

impl<S> FormReplay<S> {
    pub fn new(inner: S) -> Self {
        FormReplay { inner }
    }
}

impl<S> tower::Service<Request> for FormReplay<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
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
        let mut again = self.inner.clone();
        Box::pin(async move {
            if req.method() != Method::POST
                || req.uri().path().starts_with("/api/")
                || !is_urlencoded(&req)
            {
                return inner.call(req).await;
            }
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
                return Ok(AppError::TooLarge.into_response());
            };
            let mut replay_parts = Request::new(Body::empty()).into_parts().0;
            replay_parts.headers = parts.headers.clone();
            replay_parts.extensions = parts.extensions.clone();
            let response = inner
                .call(Request::from_parts(parts, Body::from(bytes.clone())))
                .await?;
            if response.status() != StatusCode::UNPROCESSABLE_ENTITY {
                return Ok(response);
            }
            let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
                return Ok(response);
            };
            let Some(back) = info.back.clone().filter(|b| local_path(b)) else {
                return Ok(response);
            };
            let Ok(uri) = back.parse() else {
                return Ok(response);
            };
            replay_parts.method = Method::GET;
            replay_parts.uri = uri;
            replay_parts.headers.remove(header::CONTENT_TYPE);
            replay_parts.headers.remove(header::CONTENT_LENGTH);
            replay_parts
                .extensions
                .insert(FormPrefill::new(decode_form(&bytes), &info));
            let page = again
                .call(Request::from_parts(replay_parts, Body::empty()))
                .await?;
            if page.status() != StatusCode::OK {
                return Ok(response);
            }
            let (mut p, body) = page.into_parts();
            p.status = StatusCode::UNPROCESSABLE_ENTITY;
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
}
