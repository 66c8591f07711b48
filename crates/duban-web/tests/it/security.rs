//! Hardening (issue 9): each finding of the attack on the running platform, reproduced.
//! Runs on SQLite, and on PostgreSQL when DUBAN_TEST_DATABASE_URL is set.

use axum::http::StatusCode;
use serde_json::json;

use crate::deliver::{api_draft, countable_task};
use crate::{app_with_users, bearer, login, post_escalation_action, seed_plan_id};

/// Findings 2 and 3: reads are scoped like writes (`access::can_read_report`): another
/// unit's draft, its evidence, its history and its escalation responses stay hidden;
/// viewers never see drafts; an accepted report is readable by every reporter.
#[tokio::test]
async fn reads_are_scoped_like_writes() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (task_id, _, _) = countable_task(&app, plan, "fgw", true).await;
    let secret = "草稿机密进展-7f3a";
    let id = api_draft(&app, secret).await;
    let mut rep = bearer(&app, "rep_fgw").await;

    // Evidence on the draft, uploaded by its unit.
    let mut rep_web = login(&app, "rep_fgw").await;
    let csrf = rep_web.csrf.clone();
    let r = rep_web
        .post_multipart(
            &format!("/reports/{id}/evidence"),
            &[("csrf", &csrf)],
            Some(("佐证.pdf", b"%PDF-1.4 secret evidence")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ev = app.state.store.report_evidence(id).await.unwrap()[0].id;

    let mut other_api = bearer(&app, "rep_swt").await;
    let mut viewer_api = bearer(&app, "viewer").await;
    let mut other = login(&app, "rep_swt").await;
    let mut viewer = login(&app, "viewer").await;
    let mut office = login(&app, "admin").await;
    let api = format!("/api/v1/reports/{id}");
    let page = format!("/reports/{id}");
    let evidence = format!("/evidence/{ev}");
    for c in [&mut other_api, &mut viewer_api] {
        assert_eq!(c.get(&api).await.status, StatusCode::FORBIDDEN);
    }
    for c in [&mut other, &mut viewer] {
        assert_eq!(c.get(&page).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.get(&evidence).await.status, StatusCode::FORBIDDEN);
        let task_page = c.get(&format!("/tasks/{task_id}/deliver")).await;
        assert_eq!(task_page.status, StatusCode::OK);
        assert!(
            !task_page.body.contains(secret),
            "task page leaks the draft"
        );
        let history = c.get(&format!("/tasks/{task_id}/history")).await;
        assert_eq!(history.status, StatusCode::OK);
        assert!(!history.body.contains(secret), "history leaks the draft");
    }
    assert_eq!(rep.get(&api).await.status, StatusCode::OK);
    assert_eq!(rep_web.get(&evidence).await.status, StatusCode::OK);
    assert!(office.get(&page).await.body.contains(secret));
    assert!(
        rep_web
            .get(&format!("/tasks/{task_id}/history"))
            .await
            .body
            .contains(secret)
    );

    // Submitted: the viewer reads it, the other unit still does not.
    let r = rep
        .post_json(&format!("{api}/submit"), &json!({}), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(viewer_api.get(&api).await.status, StatusCode::OK);
    assert_eq!(viewer.get(&evidence).await.status, StatusCode::OK);
    assert_eq!(other_api.get(&api).await.status, StatusCode::FORBIDDEN);
    // Accepted: every reporter reads it.
    let mut office_api = bearer(&app, "admin").await;
    let r = office_api
        .post_json(&format!("{api}/accept"), &json!({}), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(other_api.get(&api).await.status, StatusCode::OK);
    assert!(other.get(&page).await.body.contains(secret));

    // Escalation responses: only the unit (and the office, viewers) see them.
    let run = format!("/api/v1/plans/{plan}/escalations/run");
    let r = office_api
        .post_json(&run, &json!({"as_of": "2020-05-15"}), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = rep.get("/api/v1/escalations").await.json();
    let e = &mine.as_array().unwrap()[0];
    let (eid, etask) = (e["id"].as_i64().unwrap(), e["task_id"].as_i64().unwrap());
    let response = "整改措施机密-91c2";
    let r = post_escalation_action(&mut rep_web, eid, "respond", response).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let history = format!("/tasks/{etask}/history");
    assert!(!other.get(&history).await.body.contains(response));
    assert!(rep_web.get(&history).await.body.contains(response));
    assert!(office.get(&history).await.body.contains(response));
}

/// Finding 5: `next` is followed only as a same-site path, after decoding (login and the
/// inbox's mark-read form).
#[tokio::test]
async fn next_is_a_same_site_path_only() {
    let app = app_with_users().await;
    for (next, to) in [
        ("/\t/127.0.0.1:1/x", "/"),
        ("/%09/127.0.0.1:1/x", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%2F/evil.example", "/"),
        ("/.//evil.example", "/"),
        ("/%2e//evil.example", "/"),
        ("/units?x=1", "/units?x=1"),
    ] {
        let mut c = crate::client::Client::new(&app);
        let page = c.get("/login").await;
        let token = crate::client::input_value(&page.body, "login_csrf").unwrap();
        let r = c
            .post_form(
                "/login",
                &[
                    ("login_csrf", &token),
                    ("name", "viewer"),
                    ("password", "viewer-password"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.body);
        assert_eq!(r.location(), to, "{next:?}");
        let c_page = c.get("/units").await;
        c.csrf = crate::client::csrf_of(&c_page.body).unwrap();
        let r = c.post_csrf("/messages/read", &[("next", next)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.body);
        let expect = if to == "/" { "/messages" } else { to };
        assert_eq!(r.location(), expect, "{next:?}");
    }
}

/// Finding 6: tokens die with a password change, expire, and die (with sessions) when the
/// user is disabled; a disabled user cannot log in until enabled again.
#[tokio::test]
async fn tokens_and_accounts_can_be_ended() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let mut api = bearer(&app, "rep_fgw").await;
    assert_eq!(api.get("/api/v1/units").await.status, StatusCode::OK);
    store
        .set_password("rep_fgw", "another-long-passphrase")
        .await
        .unwrap();
    assert_eq!(
        api.get("/api/v1/units").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Expiry: a token past its term is refused; the default term is finite.
    let (t, secret) = store.create_token("viewer", "t").await.unwrap();
    assert!(t.expires_at.is_some(), "default term is finite");
    let mut c = crate::client::Client::new(&app);
    c.bearer = Some(secret);
    assert_eq!(c.get("/api/v1/units").await.status, StatusCode::OK);
    sqlx::query("UPDATE api_token SET expires_at = '2000-01-01T00:00:00Z' WHERE id = $1")
        .bind(t.id)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        c.get("/api/v1/units").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(store.create_token_for_days("viewer", "t", 0).await.is_err());

    // Disable: session and token stop at once, log-in refused; enable: log-in works again.
    let mut web = login(&app, "rep_swt").await;
    let mut api = bearer(&app, "rep_swt").await;
    store.set_user_disabled("rep_swt", true).await.unwrap();
    assert_eq!(web.get("/units").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api.get("/api/v1/units").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut again = crate::client::Client::new(&app);
    let r = again.try_login("rep_swt", "rep_swt-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let accounts = store.list_accounts().await.unwrap();
    assert!(
        accounts
            .iter()
            .any(|(u, d)| u.name == "rep_swt" && d.is_some())
    );
    store.set_user_disabled("rep_swt", false).await.unwrap();
    assert_eq!(
        api.get("/api/v1/units").await.status,
        StatusCode::UNAUTHORIZED,
        "tokens stay revoked"
    );
    login(&app, "rep_swt").await;
}

/// Finding 7: one address trying many names is throttled (429), and failures for names
/// that are no account leave no audit entry and a bounded `login_attempt` table.
#[tokio::test]
async fn throttling_across_names_and_bounded_records() {
    let app = app_with_users().await;
    let store = &app.state.store;
    let audit_before = store.audit_entries(None, 100_000).await.unwrap().len();
    let mut statuses = Vec::new();
    for i in 0..30 {
        let mut c = crate::client::Client::new(&app);
        statuses.push(
            c.try_login(&format!("nobody{i}"), "wrong-password")
                .await
                .status,
        );
    }
    assert!(
        statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[29], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    // Even the right password of a real account waits out the window from that address.
    let mut c = crate::client::Client::new(&app);
    let r = c.try_login("viewer", "viewer-password").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let audit_after = store.audit_entries(None, 100_000).await.unwrap().len();
    assert_eq!(
        audit_before, audit_after,
        "anonymous failures are not audited"
    );
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM login_attempt")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(
        rows <= duban_store::throttle::MAX_FAILURES_PER_ADDRESS,
        "{rows} rows"
    );
}

/// Findings 4, 8, 10, 13, 15: concurrent saves of one report queue (one 303, the rest 409,
/// never 500); the evidence cap holds under 20 concurrent uploads; API saves carry
/// `version`; values, dates and JSON types are bounded; form bodies must be UTF-8;
/// signed-in answers are `no-store`.
#[tokio::test]
async fn concurrent_writes_versions_and_input_bounds() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let (_, number, values) = countable_task(&app, plan, "fgw", true).await;
    let mut rep = bearer(&app, "rep_fgw").await;
    let body = json!({"plan_id": plan, "task": number, "period": "2020-Q3", "progress": "v1"});
    let r = rep.post_json("/api/v1/reports", &body, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let id = r.json()["id"].as_i64().unwrap();
    let version = r.json()["version"].as_i64().unwrap();

    // 10 concurrent form saves against the same version.
    let mut handles = Vec::new();
    for i in 0..10 {
        let mut c = login(&app, "rep_fgw").await;
        let v = version.to_string();
        handles.push(tokio::spawn(async move {
            let text = format!("并发保存 {i}");
            c.post_csrf(
                &format!("/reports/{id}"),
                &[("version", v.as_str()), ("progress", text.as_str())],
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        9,
        "{statuses:?}"
    );

    // 20 concurrent evidence uploads: exactly 10 stored, no 5xx.
    let mut handles = Vec::new();
    for i in 0..20 {
        let mut c = login(&app, "rep_fgw").await;
        handles.push(tokio::spawn(async move {
            let csrf = c.csrf.clone();
            let bytes = format!("%PDF-1.4 evidence {i}");
            c.post_multipart(
                &format!("/reports/{id}/evidence"),
                &[("csrf", &csrf)],
                Some(("e.pdf", bytes.as_bytes())),
            )
            .await
            .status
        }));
    }
    for h in handles {
        let s = h.await.unwrap();
        assert!(!s.is_server_error(), "{s}");
    }
    assert_eq!(app.state.store.report_evidence(id).await.unwrap().len(), 10);

    // API version: stale → 409; current → 200.
    let current = app.state.store.report(id).await.unwrap().version;
    let mut stale = body.clone();
    stale["version"] = json!(current - 1);
    stale["progress"] = json!("stale");
    let r = rep.post_json("/api/v1/reports", &stale, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The form always carries the version it was loaded at: a missing or unreadable one is
    // refused, nothing saved (found by a probe: it overwrote).
    let mut web = login(&app, "rep_fgw").await;
    for version in [None, Some(""), Some("abc")] {
        let mut fields = vec![("progress", "无版本号的保存")];
        fields.extend(version.map(|v| ("version", v)));
        let r = web.post_csrf(&format!("/reports/{id}"), &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{version:?}: {}", r.body);
        assert!(r.body.contains("版本号"), "{}", r.body);
    }
    let unchanged = app.state.store.report(id).await.unwrap();
    assert_eq!(unchanged.version, current);
    stale["version"] = json!(current);
    let r = rep.post_json("/api/v1/reports", &stale, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Bounds and types: 422 naming the field.
    let target = values[0].0;
    for (bad, field) in [
        (json!({"values": "x"}), "values"),
        (
            json!({"values": [{"target_id": target, "value": 1e16}]}),
            "values[0].value",
        ),
        (
            json!({"values": [{"target_id": target, "value": 5, "as_of": 20200101}]}),
            "values[0].as_of",
        ),
        (
            // A string is read in the report form's number syntax (issue 8); "x" is none.
            json!({"values": [{"target_id": target, "value": "x"}]}),
            "values[0].value",
        ),
        (json!({"milestone_share": "half"}), "milestone_share"),
        (json!({"version": "1"}), "version"),
    ] {
        let mut b = body.clone();
        for (k, v) in bad.as_object().unwrap() {
            b[k] = v.clone();
        }
        let r = rep.post_json("/api/v1/reports", &b, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.body
        );
        assert!(r.body.contains(field), "{field}: {}", r.body);
    }
    for date in ["9999-12-31", "1900-01-01"] {
        let mut b = body.clone();
        b["values"] = json!([{"target_id": target, "value": 5, "as_of": date}]);
        let r = rep.post_json("/api/v1/reports", &b, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            r.body
        );
    }

    // Invalid UTF-8 in a form body: 400, nothing stored.
    let mut web = login(&app, "rep_fgw").await;
    let page = web.get(&format!("/reports/{id}")).await;
    assert_eq!(page.headers["cache-control"], "no-store");
    let raw = format!("csrf={}&progress=%FF%FE", web.csrf);
    let r = web
        .send(
            axum::http::Method::POST,
            &format!("/reports/{id}"),
            Some("application/x-www-form-urlencoded"),
            &[],
            raw.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        !app.state
            .store
            .report(id)
            .await
            .unwrap()
            .progress
            .contains('\u{fffd}')
    );
}
