//! Response security headers, the request size guard, `Cache-Control` on signed-in
//! responses and the same-site check of redirect targets.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;

/// Everything is served by the binary itself: nothing may load from another host.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

type H = SetResponseHeaderLayer<HeaderValue>;
/// Four header layers stacked.
type Headers = ServiceBuilder<Stack<H, Stack<H, Stack<H, Stack<H, Identity>>>>>;

/// The security headers on every response.
pub fn headers() -> Headers {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    ServiceBuilder::new()
        .layer(h(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(h(header::X_FRAME_OPTIONS, "DENY"))
        .layer(h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(h(header::REFERRER_POLICY, "same-origin"))
}

/// Refuses a request whose declared length is over the limit before reading it (413);
/// bodies without a length are cut off by `DefaultBodyLimit` while being read.
pub async fn size_guard(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_BODY_BYTES as u64) {
        return AppError::TooLarge.into_response();
    }
    next.run(req).await
}

/// `Cache-Control: no-store` on every response that does not say otherwise (assets set
/// their own): signed-in pages and API answers must not stay in shared or browser caches.
pub async fn no_store(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    r.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

/// Refuses (400) a form body whose percent-decoded names or values are not UTF-8, which
/// axum's `Form` would otherwise store with replacement characters (U+FFFD).
pub async fn form_utf8_guard(req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return AppError::TooLarge.into_response();
    };
    if !form_is_utf8(&bytes) {
        return AppError::BadRequest("表单内容不是有效的 UTF-8 编码".into()).into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Whether every `name=value` of an urlencoded body decodes to UTF-8.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.split(|b| *b == b'='))
        .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

/// `next` (already form-decoded once) as a same-site path to redirect to, or `None`.
/// Judged after percent-decoding until stable, so `/%2F/host` or `/%09/host` cannot become
/// `//host` in a browser: it must start with one `/` (not `//`, not `/\\`), and hold no
/// backslash, control or white-space character, hence no scheme and no host.
pub fn same_site_path(next: &str) -> Option<&str> {
    let mut form = std::borrow::Cow::Borrowed(next);
    for _ in 0..4 {
        let s: &str = &form;
        let bad_start = !s.starts_with('/') || s[1..].starts_with(['/', '\\']);
        if bad_start
            || s.chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(s).decode_utf8().ok()?;
        if decoded == s {
            return Some(next);
        }
        form = std::borrow::Cow::Owned(decoded.into_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_must_decode_to_utf8() {
        assert!(form_is_utf8(b"a=1&b=%E4%B8%AD&c=x+y&d"));
        assert!(!form_is_utf8(b"progress=%FF%FE"));
        assert!(!form_is_utf8(b"%C3=1"));
        assert!(!form_is_utf8(b"a=\xff"));
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in ["/plans", "/plans/1?x=a", "/reports/3#v", "/任务?q=中文"] {
            assert_eq!(same_site_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "plans",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil",
            "/\t/host:1/x",
            "/%09/host:1/x",
            "/%2F/evil.example",
            "/%252F/evil.example",
            "https://evil.example",
            "/a\\b",
            "/a\nb",
            "/a b",
            "/%FF",
            "/\u{85}/x",
            "/%5Cevil",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
        }
    }
}
