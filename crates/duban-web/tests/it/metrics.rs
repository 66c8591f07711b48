//! `/metrics`: not public, and what it serves is valid Prometheus text, read here by an
//! independent parser (the `prometheus-parse` crate).

use axum::http::StatusCode;
use prometheus_parse::{Scrape, Value};

use crate::client::Client;
use crate::{app_with_users, bearer, login};

fn parse(body: &str) -> Scrape {
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("valid exposition text")
}

#[tokio::test]
async fn metrics_are_private() {
    let app = app_with_users().await;
    let r = Client::new(&app).get("/metrics").await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "anonymous: {} {}",
        r.location(),
        r.body
    );
    let mut viewer = login(&app, "viewer").await;
    let r = viewer.get("/metrics").await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNAUTHORIZED,
        "a viewer: {}",
        r.status
    );
    let mut reporter = bearer(&app, "rep_fgw").await;
    let r = reporter.get("/metrics").await;
    assert_ne!(r.status, StatusCode::OK, "a reporter's token");
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text() {
    let app = app_with_users().await;
    let mut admin = login(&app, "admin").await;
    for path in ["/plans", "/deliver", "/no-such-page"] {
        admin.get(path).await;
    }
    let r = admin.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    let content_type = r.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let scrape = parse(&r.body);

    let requests: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "duban_http_requests_total")
        .collect();
    let plans = requests
        .iter()
        .find(|s| s.labels.get("route") == Some("/plans") && s.labels.get("status") == Some("200"))
        .expect("GET /plans counted by its route pattern");
    assert!(matches!(plans.value, Value::Counter(n) if n >= 1.0));
    assert!(
        requests
            .iter()
            .all(|s| !s.labels.get("route").unwrap_or("").contains("no-such-page")),
        "unknown paths do not create label values"
    );

    let histogram = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "duban_http_request_duration_seconds"
                && s.labels.get("route") == Some("/plans")
        })
        .expect("a latency histogram for /plans");
    match &histogram.value {
        Value::Histogram(buckets) => {
            assert!(buckets.len() >= 10, "{buckets:?}");
            assert!(
                buckets.windows(2).all(|w| w[0].count <= w[1].count),
                "cumulative"
            );
            assert!(buckets.last().unwrap().count >= 1.0);
        }
        other => panic!("not a histogram: {other:?}"),
    }
    for gauge in [
        "duban_outbox_pending_deliveries",
        "duban_outbox_oldest_pending_age_seconds",
        "duban_db_pool_max_connections",
        "duban_process_start_time_seconds",
    ] {
        let s = scrape
            .samples
            .iter()
            .find(|s| s.metric == gauge)
            .unwrap_or_else(|| panic!("{gauge} exposed"));
        assert!(matches!(s.value, Value::Gauge(v) if v >= 0.0), "{gauge}");
    }
    assert!(
        scrape.docs.contains_key("duban_http_requests_total"),
        "HELP lines"
    );
}

#[tokio::test]
async fn an_admin_token_reads_metrics() {
    let app = app_with_users().await;
    let mut admin = bearer(&app, "admin").await;
    let r = admin.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    parse(&r.body);
}
