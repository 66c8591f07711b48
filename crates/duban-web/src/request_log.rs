//! The request log: one span per request (method, matched route) and one line when it
//! ends — method, route, status, latency in ms, user id. Never the query string, headers,
//! cookies or bodies: they can carry passwords, tokens and session ids. The route is the
//! router's pattern (`/plans/{id}/status`), so ids in paths are not logged either.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The signed-in user's id, filled in by [`crate::oversight::audit_actor`] once the session
/// is known, read by the request log when the response is ready.
#[derive(Debug, Clone, Default)]
pub struct RequestUser(Arc<OnceLock<i64>>);

impl RequestUser {
    pub fn set(&self, user_id: i64) {
        let _ = self.0.set(user_id);
    }

    pub fn get(&self) -> Option<i64> {
        self.0.get().copied()
    }
}

/// Layer: wraps the request in a `request` span and logs it when done
/// (target `duban::request`, level INFO; 5xx at ERROR).
pub async fn log_request(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    // The matched pattern only; unmatched paths are not echoed (they may be anything).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |m| m.as_str().to_string());
    let client = crate::auth::client_ip(req.extensions());
    let user = RequestUser::default();
    req.extensions_mut().insert(user.clone());
    let span = tracing::info_span!("request", method = %method, route = %route);
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let seconds = start.elapsed().as_secs_f64();
    crate::metrics::observe_request(method.as_str(), &route, status, seconds);
    let latency_ms = seconds * 1000.0;
    let latency_ms = (latency_ms * 10.0).round() / 10.0;
    let user_id = user.get();
    let _enter = span.enter();
    if status >= 500 {
        tracing::error!(target: "duban::request", method = %method, route = %route, status, latency_ms, user_id, client = %client, "request");
    } else {
        tracing::info!(target: "duban::request", method = %method, route = %route, status, latency_ms, user_id, client = %client, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    /// Captured log output.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn signed_in(req: Request, next: Next) -> Response {
        if let Some(u) = req.extensions().get::<RequestUser>() {
            u.set(42);
        }
        next.run(req).await
    }

    #[tokio::test]
    async fn one_line_per_request_without_secrets() {
        let buf = Buf::default();
        let out = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_ansi(false)
            .with_writer(move || out.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route("/plans/{id}/status", get(|| async { "ok" }))
            .route(
                "/boom",
                get(|| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .layer(axum::middleware::from_fn(signed_in))
            .layer(axum::middleware::from_fn(log_request));
        let req = axum::http::Request::get("/plans/7/status?token=s3cret")
            .header("cookie", "duban_session=abcdef")
            .header("authorization", "Bearer tok-123")
            .body(Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), 200);
        let res = app
            .oneshot(
                axum::http::Request::get("/boom")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), 500);

        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        let f = &lines[0]["fields"];
        assert_eq!(f["method"], "GET");
        assert_eq!(f["route"], "/plans/{id}/status");
        assert_eq!(f["status"], 200);
        assert_eq!(f["user_id"], 42);
        assert!(f["latency_ms"].as_f64().unwrap() >= 0.0);
        assert_eq!(lines[0]["target"], "duban::request");
        assert_eq!(lines[1]["level"], "ERROR");
        assert_eq!(lines[1]["fields"]["status"], 500);
        for secret in ["s3cret", "abcdef", "tok-123", "/plans/7"] {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }
        assert!(!text.contains('\u{1b}'), "no ANSI escapes");
    }
}
