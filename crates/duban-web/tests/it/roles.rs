//! Role × route: every route tried anonymously, as each role, and as a reporter of another
//! unit; the expected status of each is asserted. (Reporters have no unit-bound actions in
//! this issue yet — reporting arrives with issue 4 — so the own-unit and other-unit
//! reporters see the same statuses here; `Auth::require_unit` is unit-tested.)

use axum::http::Method;

use crate::client::Client;
use crate::{SMALL_PLAN, app_with_users, login, seed_plan_id, task_id};

#[derive(Clone, Copy)]
enum Body {
    None,
    Form,
    Multipart,
    Json,
}

struct Case {
    method: Method,
    path: String,
    body: Body,
    /// anonymous, admin, viewer, reporter (own unit), reporter (other unit)
    expect: [u16; 5],
}

fn case(method: Method, path: String, body: Body, expect: [u16; 5]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
    }
}

#[tokio::test]
async fn every_route_for_every_role() {
    let app = app_with_users().await;
    let id = seed_plan_id(&app).await;
    let t = task_id(&app, id, 10).await;
    let (token, _) = app.state.store.create_token("viewer", "x").await.unwrap();
    let g = Method::GET;
    let p = Method::POST;
    // Anonymous HTML → 303 to /login; anonymous API → 401.
    let read = [303, 200, 200, 200, 200];
    let api_read = [401, 200, 200, 200, 200];
    let admin_page = [303, 200, 403, 403, 403];
    let api_admin = [401, 200, 403, 403, 403];
    let cases = vec![
        case(g.clone(), "/".into(), Body::None, [303, 303, 303, 303, 303]),
        case(
            g.clone(),
            "/login".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            g.clone(),
            "/healthz".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            g.clone(),
            "/readyz".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(
            g.clone(),
            "/assets/app.css".into(),
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        case(g.clone(), "/plans".into(), Body::None, read),
        case(g.clone(), format!("/plans/{id}"), Body::None, read),
        case(g.clone(), format!("/plans/{id}/tasks"), Body::None, read),
        case(
            g.clone(),
            format!("/plans/{id}/export.json"),
            Body::None,
            read,
        ),
        case(g.clone(), format!("/tasks/{t}"), Body::None, read),
        case(g.clone(), "/units".into(), Body::None, read),
        case(g.clone(), "/units/fgw".into(), Body::None, read),
        case(g.clone(), "/units/swt".into(), Body::None, read),
        case(g.clone(), "/plans/new".into(), Body::None, admin_page),
        case(
            g.clone(),
            format!("/plans/{id}/review"),
            Body::None,
            admin_page,
        ),
        case(
            g.clone(),
            format!("/plans/{id}/edit"),
            Body::None,
            admin_page,
        ),
        case(
            g.clone(),
            format!("/tasks/{t}/edit"),
            Body::None,
            admin_page,
        ),
        case(g.clone(), "/admin/users".into(), Body::None, admin_page),
        case(g.clone(), "/admin/units".into(), Body::None, admin_page),
        case(g.clone(), "/admin/tokens".into(), Body::None, admin_page),
        case(
            g.clone(),
            "/admin/adjustments".into(),
            Body::None,
            admin_page,
        ),
        case(g.clone(), "/api/openapi.json".into(), Body::None, api_read),
        case(g.clone(), "/api/v1/plans".into(), Body::None, api_read),
        case(
            g.clone(),
            format!("/api/v1/plans/{id}"),
            Body::None,
            api_read,
        ),
        case(g.clone(), "/api/v1/units".into(), Body::None, api_read),
        case(g.clone(), "/api/v1/users".into(), Body::None, api_admin),
        // Writes (valid CSRF token; the admin's outcome follows from the payload).
        case(
            p.clone(),
            "/plans".into(),
            Body::Multipart,
            [303, 303, 403, 403, 403],
        ),
        case(
            p.clone(),
            format!("/plans/{id}/edit"),
            Body::Form,
            [303, 400, 403, 403, 403],
        ),
        case(
            p.clone(),
            format!("/tasks/{t}/edit"),
            Body::Form,
            [303, 400, 403, 403, 403],
        ),
        case(
            p.clone(),
            format!("/plans/{id}/confirm-assignment"),
            Body::Form,
            [303, 303, 403, 403, 403],
        ),
        case(
            p.clone(),
            "/admin/users".into(),
            Body::Form,
            [303, 422, 403, 403, 403],
        ),
        case(
            p.clone(),
            "/admin/units".into(),
            Body::Form,
            [303, 422, 403, 403, 403],
        ),
        case(
            p.clone(),
            "/admin/tokens".into(),
            Body::Form,
            [303, 200, 403, 403, 403],
        ),
        case(
            p.clone(),
            format!("/admin/tokens/{}/revoke", token.id),
            Body::Form,
            [303, 303, 403, 403, 403],
        ),
        case(
            p.clone(),
            "/api/v1/plans".into(),
            Body::Json,
            [401, 422, 403, 403, 403],
        ),
        case(
            p.clone(),
            "/api/v1/users".into(),
            Body::Json,
            [401, 422, 403, 403, 403],
        ),
        case(
            p.clone(),
            format!("/plans/{id}/adopt"),
            Body::Form,
            [303, 303, 403, 403, 403],
        ),
        // Unknown things.
        case(
            g.clone(),
            "/no-such-page".into(),
            Body::None,
            [404, 404, 404, 404, 404],
        ),
        case(
            g.clone(),
            "/plans/999999".into(),
            Body::None,
            [303, 404, 404, 404, 404],
        ),
        case(
            Method::DELETE,
            "/api/v1/plans".into(),
            Body::None,
            [405, 405, 405, 405, 405],
        ),
    ];
    let principals = ["", "admin", "viewer", "rep_fgw", "rep_swt"];
    // Admin last: its writes change state.
    let order = [0usize, 2, 3, 4, 1];
    let mut failures = Vec::new();
    for &who in &order {
        let mut c = if who == 0 {
            Client::new(&app)
        } else {
            login(&app, principals[who]).await
        };
        for k in &cases {
            let status = run(&mut c, k).await;
            if status != k.expect[who] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {status}",
                    k.method,
                    k.path,
                    if who == 0 {
                        "anonymous"
                    } else {
                        principals[who]
                    },
                    k.expect[who]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn run(c: &mut Client, k: &Case) -> u16 {
    let csrf = c.csrf.clone();
    let r = match k.body {
        Body::None => {
            c.send(k.method.clone(), &k.path, None, &[], Vec::new())
                .await
        }
        Body::Form => {
            let fields: Vec<(&str, &str)> = if k.path.ends_with("/admin/tokens") {
                vec![("user", "viewer"), ("label", "t")]
            } else {
                vec![]
            };
            c.post_csrf(&k.path, &fields).await
        }
        Body::Multipart => {
            c.post_multipart(
                &k.path,
                &[("csrf", &csrf)],
                Some(("p.txt", SMALL_PLAN.as_bytes())),
            )
            .await
        }
        Body::Json => {
            c.post_json(&k.path, &serde_json::json!({}), &[("x-csrf-token", &csrf)])
                .await
        }
    };
    r.status.as_u16()
}
