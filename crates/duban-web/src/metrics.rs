//! `/metrics`: the server's counters in the Prometheus text format (version 0.0.4), for the
//! data centre's monitoring. Not public: an administrator's session or API token, or the
//! scraper's bearer token (`serve --metrics-token`).
//!
//! Counters live in this process (each server of a cluster is scraped on its own); queue
//! depths are read from the database at scrape time, so every server reports the shared
//! queue.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Auth;
use crate::error::AppError;
use crate::state::AppState;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    /// Cumulative counts per bucket, as exposed.
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct WorkerStat {
    ok: u64,
    failed: u64,
    last_success: Option<f64>,
    last_run: Option<f64>,
}

#[derive(Default)]
struct Registry {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    workers: BTreeMap<&'static str, WorkerStat>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);
static STARTED: LazyLock<f64> = LazyLock::new(unix_now);

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts one finished request (`route` is the router's pattern, so the label set is
/// bounded).
pub fn observe_request(method: &str, route: &str, status: u16, seconds: f64) {
    LazyLock::force(&STARTED);
    let mut r = registry();
    *r.requests
        .entry((method.to_string(), route.to_string(), status))
        .or_default() += 1;
    let h = r
        .latency
        .entry((method.to_string(), route.to_string()))
        .or_default();
    for (i, le) in BUCKETS.iter().enumerate() {
        if seconds <= *le {
            h.counts[i] += 1;
        }
    }
    h.sum += seconds;
    h.count += 1;
}

/// Records one run of a background worker.
pub fn worker_ran(worker: &'static str, ok: bool) {
    let now = unix_now();
    let mut r = registry();
    let w = r.workers.entry(worker).or_default();
    w.last_run = Some(now);
    if ok {
        w.ok += 1;
        w.last_success = Some(now);
    } else {
        w.failed += 1;
    }
}

/// A label value escaped as the text format requires.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn float(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// Figures read from the database at scrape time.
pub struct QueueFigures {
    pub pending_deliveries: i64,
    /// Seconds since the oldest pending delivery fell due (0 when none is due).
    pub oldest_pending_age: f64,
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
}

/// A gauge of one timestamp per background worker (`None`: the worker has no such moment
/// yet, so it has no line).
fn worker_timestamps(
    out: &mut String,
    workers: &BTreeMap<&'static str, WorkerStat>,
    metric: &str,
    help: &str,
    moment: fn(&WorkerStat) -> Option<f64>,
) {
    let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} gauge");
    for (name, w) in workers {
        if let Some(t) = moment(w) {
            let _ = writeln!(out, "{metric}{{worker=\"{name}\"}} {}", float(t));
        }
    }
}

/// The exposition text.
pub fn render(q: &QueueFigures) -> String {
    let mut out = String::new();
    let r = registry();
    let _ = writeln!(
        out,
        "# HELP duban_http_requests_total HTTP requests answered, by method, route pattern and status.\n# TYPE duban_http_requests_total counter"
    );
    for ((method, route, status), n) in &r.requests {
        let _ = writeln!(
            out,
            "duban_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(method),
            label(route)
        );
    }
    let _ = writeln!(
        out,
        "# HELP duban_http_request_duration_seconds Time to answer a request, by method and route pattern.\n# TYPE duban_http_request_duration_seconds histogram"
    );
    for ((method, route), h) in &r.latency {
        let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "duban_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {}",
                float(*le),
                h.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "duban_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\nduban_http_request_duration_seconds_sum{{{labels}}} {}\nduban_http_request_duration_seconds_count{{{labels}}} {}",
            h.count,
            float(h.sum),
            h.count
        );
    }
    let _ = writeln!(
        out,
        "# HELP duban_worker_runs_total Runs of each background worker, by outcome.\n# TYPE duban_worker_runs_total counter"
    );
    for (name, w) in &r.workers {
        let _ = writeln!(
            out,
            "duban_worker_runs_total{{worker=\"{name}\",outcome=\"ok\"}} {}\nduban_worker_runs_total{{worker=\"{name}\",outcome=\"failed\"}} {}",
            w.ok, w.failed
        );
    }
    worker_timestamps(
        &mut out,
        &r.workers,
        "duban_worker_last_success_timestamp_seconds",
        "When each background worker last finished a run without error (unix time).",
        |w| w.last_success,
    );
    worker_timestamps(
        &mut out,
        &r.workers,
        "duban_worker_last_run_timestamp_seconds",
        "When each background worker last ran (unix time).",
        |w| w.last_run,
    );
    drop(r);
    let _ = writeln!(
        out,
        "# HELP duban_outbox_pending_deliveries Notification deliveries waiting to be sent (all servers).\n# TYPE duban_outbox_pending_deliveries gauge\nduban_outbox_pending_deliveries {}",
        q.pending_deliveries
    );
    let _ = writeln!(
        out,
        "# HELP duban_outbox_oldest_pending_age_seconds How long the oldest due delivery has waited.\n# TYPE duban_outbox_oldest_pending_age_seconds gauge\nduban_outbox_oldest_pending_age_seconds {}",
        float(q.oldest_pending_age)
    );
    let _ = writeln!(
        out,
        "# HELP duban_db_pool_connections Database connections of this server, by state.\n# TYPE duban_db_pool_connections gauge\nduban_db_pool_connections{{state=\"idle\"}} {}\nduban_db_pool_connections{{state=\"in_use\"}} {}",
        q.pool_idle,
        (q.pool_size as usize).saturating_sub(q.pool_idle)
    );
    let _ = writeln!(
        out,
        "# HELP duban_db_pool_max_connections The most connections this server opens.\n# TYPE duban_db_pool_max_connections gauge\nduban_db_pool_max_connections {}",
        q.pool_max
    );
    let _ = writeln!(
        out,
        "# HELP duban_process_start_time_seconds When this server started (unix time).\n# TYPE duban_process_start_time_seconds gauge\nduban_process_start_time_seconds {}",
        float(*STARTED)
    );
    let _ = writeln!(
        out,
        "# HELP duban_build_info The running version.\n# TYPE duban_build_info gauge\nduban_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Option<Auth>,
) -> Result<Response, AppError> {
    let scraper = state
        .config
        .metrics_token
        .as_deref()
        .is_some_and(|expected| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|given| duban_store::secret::constant_time_eq(expected, given.trim()))
        });
    let admin = auth
        .as_ref()
        .is_some_and(|a| a.user.role == duban_store::user::Role::Admin);
    if !scraper && !admin {
        return Ok((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"duban metrics\"")],
            "/metrics 需要管理员身份或监控令牌（serve --metrics-token）\n",
        )
            .into_response());
    }
    let (pending, oldest) = state.store.delivery_queue().await?;
    let oldest_pending_age = oldest
        .and_then(|t| duban_store::parse_time(&t).ok())
        .map_or(0.0, |t| {
            (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0
        });
    let pool = state.store.pool();
    let figures = QueueFigures {
        pending_deliveries: pending,
        oldest_pending_age,
        pool_size: pool.size(),
        pool_idle: pool.num_idle(),
        pool_max: pool.options().get_max_connections(),
    };
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&figures),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        observe_request("GET", "/metrics-test", 200, 0.004);
        observe_request("GET", "/metrics-test", 200, 3.0);
        let text = render(&QueueFigures {
            pending_deliveries: 0,
            oldest_pending_age: 0.0,
            pool_size: 1,
            pool_idle: 1,
            pool_max: 8,
        });
        assert!(text.contains(
            "duban_http_request_duration_seconds_bucket{method=\"GET\",route=\"/metrics-test\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "duban_http_request_duration_seconds_bucket{method=\"GET\",route=\"/metrics-test\",le=\"10\"} 2"
        ));
        assert!(text.contains(
            "duban_http_request_duration_seconds_count{method=\"GET\",route=\"/metrics-test\"} 2"
        ));
    }
}
