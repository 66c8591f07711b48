//! The OpenAPI document and the responses the API really sends cannot drift apart (issue 8):
//! real responses of the seed (with the demo, an escalation run and a monitor run) are
//! checked against the response schema documented for their route. A property the API sends
//! but the document does not declare, a declared required property that is missing, or a
//! value of another type fails the test, so a change to a response must change the
//! document in the same commit.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{app_with_demo, bearer};

/// Resolves `{"$ref": "#/components/…"}` in `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let path = r.trim_start_matches("#/");
            let mut at = doc;
            for part in path.split('/') {
                at = &at[part];
            }
            assert!(!at.is_null(), "dangling $ref {r}");
            resolve(doc, at)
        }
        None => schema,
    }
}

/// Problems of `value` against `schema`, each with its JSON path.
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() && schema["nullable"] == json!(true) {
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[key].as_array() {
            let fits = branches.iter().any(|b| {
                let mut e = Vec::new();
                check(doc, b, value, path, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{path}: fits none of {key}"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        // allOf: one object with the properties and requirements of every part.
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for part in all {
            let part = resolve(doc, part);
            for (k, v) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][k] = v.clone();
            }
            for r in part["required"].as_array().into_iter().flatten() {
                merged["required"].as_array_mut().unwrap().push(r.clone());
            }
            if !part["additionalProperties"].is_null() {
                merged["additionalProperties"] = part["additionalProperties"].clone();
            }
        }
        check(doc, &merged, value, path, errors);
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} not in enum"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return;
    }
    let fits = types.iter().any(|t| match *t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    });
    if !fits {
        errors.push(format!("{path}: {value:.60} is not {types:?}"));
        return;
    }
    if let Some(obj) = value.as_object() {
        let props = schema["properties"].as_object();
        for req in schema["required"].as_array().into_iter().flatten() {
            let k = req.as_str().unwrap_or_default();
            if !obj.contains_key(k) {
                errors.push(format!("{path}: required property {k} missing"));
            }
        }
        let extra = &schema["additionalProperties"];
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(doc, s, v, &format!("{path}.{k}"), errors),
                // A free-form object (no properties listed) or one that allows more.
                None if props.is_none() || extra == &json!(true) => {}
                None if extra.is_object() => check(doc, extra, v, &format!("{path}.{k}"), errors),
                None => errors.push(format!("{path}: property {k} is sent but not documented")),
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        // The first few elements are enough to catch a drift; all of them on short lists.
        for (i, v) in arr.iter().take(25).enumerate() {
            check(doc, items, v, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The 200 response schema documented for `method path`.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(!op.is_null(), "{method} {path} not documented");
    let ok = if op["responses"]["200"].is_null() {
        &op["responses"]["201"]
    } else {
        &op["responses"]["200"]
    };
    &ok["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn api_responses_match_the_documented_schemas() {
    let (app, plan) = app_with_demo().await;
    let mut c = bearer(&app, "admin").await;
    let doc = c.get("/api/openapi.json").await.json();
    // Data behind every list: escalations and monitor alerts raised as of the demo date.
    let r = c
        .post_json(
            &format!("/api/v1/plans/{plan}/escalations/run"),
            &json!({"as_of": "2020-07-15"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let run = r.json();
    let r = crate::monitor::run_rules(&mut c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let alerts = r.json();
    let report = app
        .state
        .store
        .plan_reports(plan)
        .await
        .unwrap()
        .first()
        .expect("demo reports")
        .id;
    let alert = c.get("/api/v1/monitor/alerts").await.json()[0]["id"]
        .as_i64()
        .expect("an alert");

    // A 约谈 on it: the alert then carries its record on the escalation ladder.
    let r = c
        .post_json(
            &format!("/api/v1/monitor/alerts/{alert}/interview"),
            &json!({"held_on": "2020-11-02", "unit": "fgw", "held_by": "办公室主任",
                    "attendees": "分管负责人", "text": "约谈记录"}),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let interviewed = r.json();
    let ladder = interviewed["escalation"]["id"]
        .as_i64()
        .expect("its record");
    let list = c.get("/api/v1/escalations").await.json();
    let task_escalation = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["task_id"].is_i64())
        .expect("a task's escalation")["id"]
        .as_i64()
        .unwrap();

    let mut checked = vec![
        ("post", "/api/v1/plans/{id}/escalations/run", run),
        ("post", "/api/v1/monitor/alerts/run", alerts),
        ("post", "/api/v1/monitor/alerts/{id}/interview", interviewed),
    ];
    for (documented, url) in [
        ("/api/v1/plans", "/api/v1/plans".to_string()),
        ("/api/v1/plans/{id}", format!("/api/v1/plans/{plan}")),
        ("/api/v1/units", "/api/v1/units".to_string()),
        ("/api/v1/users", "/api/v1/users".to_string()),
        (
            "/api/v1/plans/{id}/periods",
            format!("/api/v1/plans/{plan}/periods"),
        ),
        (
            "/api/v1/plans/{id}/status",
            format!("/api/v1/plans/{plan}/status?as_of=2020-07-15"),
        ),
        ("/api/v1/reports/{id}", format!("/api/v1/reports/{report}")),
        ("/api/v1/escalations", "/api/v1/escalations".to_string()),
        (
            "/api/v1/escalations/{id}",
            format!("/api/v1/escalations/{ladder}"),
        ),
        (
            "/api/v1/escalations/{id}",
            format!("/api/v1/escalations/{task_escalation}"),
        ),
        ("/api/v1/evaluations", "/api/v1/evaluations".to_string()),
        (
            "/api/v1/monitor/catalogue",
            "/api/v1/monitor/catalogue".to_string(),
        ),
        (
            "/api/v1/monitor/alerts",
            "/api/v1/monitor/alerts".to_string(),
        ),
        (
            "/api/v1/monitor/alerts/{id}",
            format!("/api/v1/monitor/alerts/{alert}"),
        ),
        (
            "/api/v1/monitor/bindings",
            format!("/api/v1/monitor/bindings?plan={plan}"),
        ),
    ] {
        let r = c.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        checked.push(("get", documented, r.json()));
    }
    let mut errors = Vec::new();
    for (method, path, body) in &checked {
        let schema = response_schema(&doc, method, path);
        check(
            &doc,
            schema,
            body,
            &format!("{method} {path} $"),
            &mut errors,
        );
    }
    assert!(
        errors.is_empty(),
        "responses and openapi.json disagree:\n{}",
        errors.join("\n")
    );
}

/// The checker itself: each kind of drift is reported.
#[test]
fn the_checker_reports_each_kind_of_drift() {
    let doc = json!({"components": {"schemas": {"A": {
        "type": "object", "required": ["id"],
        "properties": {"id": {"type": "integer"}, "note": {"type": "string", "nullable": true}}
    }}}});
    let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}});
    let run = |v: Value| {
        let mut e = Vec::new();
        check(&doc, &schema, &v, "$", &mut e);
        e
    };
    assert!(run(json!([{"id": 1, "note": null}])).is_empty());
    assert_eq!(run(json!([{"id": "1"}])).len(), 1, "wrong type");
    assert_eq!(run(json!([{"note": "x"}])).len(), 1, "required missing");
    assert_eq!(run(json!([{"id": 1, "extra": 2}])).len(), 1, "undocumented");
    assert_eq!(run(json!({"id": 1})).len(), 1, "object for array");
}
