//! Response security headers and the request size guard.

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
