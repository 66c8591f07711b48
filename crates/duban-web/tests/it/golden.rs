//! Golden test of the seed plan's API responses — the plan, its periods, its status as of
//! three dates, with the demo reports loaded — so a refactoring that changes what users get fails here. Timestamps of the
//! run are blanked. Regenerate after a documented fix with `UPDATE_GOLDEN=1`.

use axum::http::StatusCode;
use serde_json::Value;

use crate::{app_with_demo, bearer};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/golden");

/// Keys whose values depend on when the test runs.
const VOLATILE: &[&str] = &["created_at", "adopted_at", "updated_at", "at", "today"];

fn blank_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if VOLATILE.contains(&k.as_str()) && !x.is_null() {
                    *x = Value::String("…".into());
                } else {
                    blank_volatile(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(blank_volatile),
        _ => {}
    }
}

fn check(name: &str, mut got: Value) {
    blank_volatile(&mut got);
    let path = format!("{DIR}/{name}.json");
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(DIR).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with UPDATE_GOLDEN=1 to create it)"));
    let want: Value = serde_json::from_str(&want).unwrap();
    assert!(
        want == got,
        "{name} differs from {path}; if the change is a documented fix, regenerate with UPDATE_GOLDEN=1.\ngot:\n{text}"
    );
}

#[tokio::test]
async fn seed_plan_api_responses_are_unchanged() {
    // The labelled demo reports (示例数据) give the status every colour to compare.
    let (app, plan) = app_with_demo().await;
    let mut api = bearer(&app, "viewer").await;
    let mut get = async |path: String| {
        let r = api.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.json()
    };
    check("seed_plan", get(format!("/api/v1/plans/{plan}")).await);
    check(
        "seed_periods",
        get(format!("/api/v1/plans/{plan}/periods")).await,
    );
    for date in ["2020-03-31", "2020-07-15", "2020-12-31"] {
        let status = get(format!("/api/v1/plans/{plan}/status?as_of={date}")).await;
        check(&format!("seed_status_{date}"), status);
    }
}
