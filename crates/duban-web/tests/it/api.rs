//! JSON API v1 and its OpenAPI document.

use axum::http::StatusCode;
use serde_json::json;

use crate::{SMALL_PLAN, app_with_users, bearer, login, seed_plan_id};

#[tokio::test]
async fn plans_list_and_detail_in_the_exchange_shape() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let mut c = bearer(&app, "rep_fgw").await;
    let r = c.get("/api/v1/plans").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json();
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["title"], "2020年浙江省服务业发展工作要点");
    assert_eq!(list[0]["year"], 2020);
    assert_eq!(list[0]["state"], "draft");
    let r = c.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let p = r.json();
    assert_eq!(p["schema"], "duban.plan/1");
    assert_eq!(p["id"], id);
    assert_eq!(p["pillars"].as_array().unwrap().len(), 4);
    let tasks = p["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 30);
    for t in tasks {
        assert!(t["id"].as_i64().is_some());
        assert!(
            !t["assignments"].as_array().unwrap().is_empty(),
            "task {} assigned",
            t["number"]
        );
        for g in t["targets"].as_array().unwrap() {
            assert!(g["id"].as_i64().is_some());
            assert_eq!(g["curve"], "linear");
        }
    }
    // The exchange part deserialises as the model.
    let model: duban_core::Plan = serde_json::from_value(p.clone()).unwrap();
    model.validate().unwrap();
    let t10 = tasks.iter().find(|t| t["number"] == 10).unwrap();
    assert!(
        t10["lead_units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "省发展改革委")
    );
    assert_eq!(
        c.get("/api/v1/plans/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let r = c.get("/api/v1/plans/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    let r = c.get("/api/v1/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "no_such_route");
}

#[tokio::test]
async fn units_list() {
    let app = app_with_users().await;
    let mut c = bearer(&app, "viewer").await;
    let r = c.get("/api/v1/units").await;
    let units = r.json();
    let cities = units
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "city")
        .count();
    assert_eq!(cities, 11);
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["code"] == "office" && u["kind"] == "office")
    );
}

#[tokio::test]
async fn admins_import_plans_by_document_or_json() {
    let app = app_with_users().await;
    let mut c = bearer(&app, "admin").await;
    let r = c
        .post_json(
            "/api/v1/plans",
            &json!({"document": SMALL_PLAN, "region": "某市"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json();
    assert_eq!(p["state"], "draft");
    assert_eq!(p["tasks"].as_array().unwrap().len(), 3);
    // Round trip: post the plan JSON itself.
    let mut model = p.clone();
    model["title"] = json!("复制的计划");
    let r = c.post_json("/api/v1/plans", &model, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 3);
    // Bad input: 400 for broken JSON, 422 for invalid content; nothing saved.
    let r = c
        .post_json_bytes("/api/v1/plans", &[], b"{oops".to_vec())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    for bad in [
        json!({"document": "没有任务的文字"}),
        json!({"document": 42}),
        json!({"schema": "duban.plan/1", "title": "x"}),
        json!({"schema": "duban.plan/9", "title": "x", "issuer": null, "year": null, "headline_targets": [], "pillars": [], "tasks": []}),
    ] {
        let r = c.post_json("/api/v1/plans", &bad, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["code"], "invalid");
        assert!(!r.error_message().is_empty());
    }
    // A field of the wrong type is named.
    let mut wrong = p.clone();
    wrong["schema"] = json!(5);
    let r = c.post_json("/api/v1/plans", &wrong, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.error_message().contains("字段 schema："), "{}", r.body);
    wrong["schema"] = p["schema"].clone();
    wrong["tasks"][0]["number"] = json!("一");
    let r = c.post_json("/api/v1/plans", &wrong, &[]).await;
    assert!(
        r.error_message().contains("字段 tasks[0].number："),
        "{}",
        r.body
    );
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 3);
    // Not for others.
    let mut v = bearer(&app, "viewer").await;
    let r = v
        .post_json("/api/v1/plans", &json!({"document": SMALL_PLAN}), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "forbidden");
}

#[tokio::test]
async fn cookie_authenticated_api_writes_need_the_csrf_header() {
    let app = app_with_users().await;
    let mut c = login(&app, "admin").await;
    let body = json!({"name": "new_viewer", "password": "long-enough", "role": "viewer"});
    let r = c.post_json("/api/v1/users", &body, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "csrf");
    let csrf = c.csrf.clone();
    let r = c
        .post_json("/api/v1/users", &body, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Reads with the cookie need nothing extra.
    assert_eq!(c.get("/api/v1/users").await.status, StatusCode::OK);
}

#[tokio::test]
async fn users_api_is_admin_only_and_validates() {
    let app = app_with_users().await;
    let mut c = bearer(&app, "admin").await;
    let r = c.get("/api/v1/users").await;
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"rep_fgw".to_string()));
    assert!(!r.body.contains("argon2"), "no hashes in the API");
    let r = c
        .post_json("/api/v1/users", &json!({"name": "rep_new", "password": "long-enough", "role": "reporter", "unit": "hangzhou"}), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["unit"], "hangzhou");
    let r = c
        .post_json("/api/v1/users", &json!({"name": "rep_new", "password": "long-enough", "role": "reporter", "unit": "hangzhou"}), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    for bad in [
        json!({"name": "x1", "password": "short", "role": "viewer"}),
        json!({"name": "x2", "password": "long-enough", "role": "boss"}),
        json!({"name": "x3", "password": "long-enough", "role": "reporter"}),
        json!({"name": "x4", "password": "long-enough", "role": "reporter", "unit": "nowhere"}),
        json!({"name": "", "password": "long-enough", "role": "viewer"}),
    ] {
        let r = c.post_json("/api/v1/users", &bad, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let mut r2 = bearer(&app, "rep_fgw").await;
    assert_eq!(r2.get("/api/v1/users").await.status, StatusCode::FORBIDDEN);
}

/// Each API module's route list is in the OpenAPI document, read as the binary ships it.
#[test]
fn openapi_lists_the_routes_of_each_api_module() {
    let doc: serde_json::Value = serde_json::from_str(duban_web::api::OPENAPI).unwrap();
    for routes in [
        duban_web::api::deliver::ROUTES,
        duban_web::api::evaluation::ROUTES,
        duban_web::api::monitor::ROUTES,
        duban_web::api::oversight::ROUTES,
    ] {
        for (method, path) in routes {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} missing from openapi.json"
            );
        }
    }
}

/// The hand-written OpenAPI document and the router agree, both ways.
#[tokio::test]
async fn openapi_document_matches_the_routes() {
    let app = app_with_users().await;
    let mut c = bearer(&app, "admin").await;
    let r = c.get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    for (m, p) in duban_web::api::API_ROUTES {
        assert!(
            documented.contains(&(m.to_string(), p.to_string())),
            "{m} {p} is served but not in openapi.json"
        );
    }
    // Every documented operation is served at the documented path.
    let id = seed_plan_id(&app).await;
    for (m, p) in &documented {
        let path = p.replace("{id}", &id.to_string());
        let r = if m == "get" {
            c.get(&path).await
        } else {
            c.post_json(&path, &json!({}), &[]).await
        };
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m} {p}");
        if r.status == StatusCode::NOT_FOUND {
            assert_ne!(
                r.json()["error"]["code"],
                "no_such_route",
                "{m} {p} is documented but not served"
            );
        }
    }
    // The catch-all really catches.
    let r = c.get("/api/v1/not-documented").await;
    assert_eq!(r.json()["error"]["code"], "no_such_route");
}
