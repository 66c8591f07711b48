//! Log-in, sessions, CSRF, throttling, bearer tokens.

use axum::http::StatusCode;

use crate::client::Client;
use crate::{app_with_users, login};

#[tokio::test]
async fn anonymous_pages_redirect_and_api_answers_401() {
    let app = app_with_users().await;
    let mut c = Client::new(&app);
    let r = c.get("/plans/1/tasks?q=x").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=/plans/1/tasks%3Fq%3Dx");
    let r = c.get("/api/v1/plans").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    let r = c.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("登录督办"));
}

#[tokio::test]
async fn login_sets_a_hardened_session_and_logout_ends_it() {
    let app = app_with_users().await;
    let mut c = Client::new(&app);
    let r = c.try_login("admin", "admin-password").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/plans");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("duban_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let value = c.cookies["duban_session"].clone();
    // The database holds only a hash of the session id.
    let stored: Vec<(String,)> = sqlx::query_as("SELECT id_hash FROM session")
        .fetch_all(app.state.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, value);
    assert_eq!(stored[0].0, duban_store::secret::hash_token(&value));

    let page = c.get("/plans").await;
    assert_eq!(page.status, StatusCode::OK);
    c.csrf = crate::client::csrf_of(&page.body).unwrap();
    // Log-out without the CSRF token is refused and keeps the session.
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(c.get("/plans").await.status, StatusCode::OK);
    let r = c.post_csrf("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The old cookie no longer works even if replayed.
    c.cookies.insert("duban_session".into(), value);
    assert_eq!(c.get("/plans").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_form_needs_its_csrf_cookie() {
    let app = app_with_users().await;
    let mut c = Client::new(&app);
    let r = c
        .post_form(
            "/login",
            &[
                ("login_csrf", "forged"),
                ("name", "admin"),
                ("password", "admin-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!c.cookies.contains_key("duban_session"));
}

#[tokio::test]
async fn wrong_passwords_are_throttled() {
    let app = app_with_users().await;
    let mut c = Client::new(&app);
    for i in 0..4 {
        let r = c.try_login("viewer", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(r.body.contains("用户名或密码错误"));
    }
    // The fifth failure reaches the limit.
    let r = c.try_login("viewer", "wrong-password").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Now even the right password is refused, with a clear message.
    let r = c.try_login("viewer", "viewer-password").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("15 分钟"), "{}", r.body);
    // Other users are not affected.
    let mut other = Client::new(&app);
    other.login("admin", "admin-password").await;
}

#[tokio::test]
async fn bearer_tokens_work_on_the_api_only_and_can_be_revoked() {
    let app = app_with_users().await;
    let (token, secret) = app
        .state
        .store
        .create_token("viewer", "test")
        .await
        .unwrap();
    // Stored hashed.
    let stored: (String,) = sqlx::query_as("SELECT token_hash FROM api_token")
        .fetch_one(app.state.store.pool())
        .await
        .unwrap();
    assert_ne!(stored.0, secret);
    let mut c = Client::new(&app);
    c.bearer = Some(secret.clone());
    assert_eq!(c.get("/api/v1/plans").await.status, StatusCode::OK);
    // Not a way into the HTML pages.
    assert_eq!(c.get("/plans").await.status, StatusCode::SEE_OTHER);
    // A viewer's token cannot write.
    let r = c
        .post_json("/api/v1/users", &serde_json::json!({}), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.state.store.revoke_token(token.id).await.unwrap();
    assert_eq!(
        c.get("/api/v1/plans").await.status,
        StatusCode::UNAUTHORIZED
    );
    c.bearer = Some("duban_not-a-token".into());
    assert_eq!(
        c.get("/api/v1/plans").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn password_change_ends_sessions() {
    let app = app_with_users().await;
    let mut c = login(&app, "viewer").await;
    app.state
        .store
        .set_password("viewer", "a-new-password")
        .await
        .unwrap();
    assert_eq!(c.get("/plans").await.status, StatusCode::SEE_OTHER);
    c.login("viewer", "a-new-password").await;
}

/// Each role's home (issue 10): the office and the units land on their 督办 inbox, a leader
/// (viewer) on the status page of the newest adopted plan (the plan list when none is).
#[tokio::test]
async fn each_role_has_its_home() {
    let app = app_with_users().await;
    for (user, to) in [
        ("admin", "/deliver"),
        ("rep_fgw", "/deliver"),
        ("viewer", "/plans"),
    ] {
        let mut c = crate::login(&app, user).await;
        let r = c.get("/").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), to, "{user}");
    }
    let plan = crate::seed_plan_id(&app).await;
    let mut admin = crate::login(&app, "admin").await;
    // Adopt the seed plan (its unit assignment confirmed first, as the office does).
    admin
        .post_csrf(&format!("/plans/{plan}/confirm-assignment"), &[])
        .await;
    let r = admin.post_csrf(&format!("/plans/{plan}/adopt"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut viewer = crate::login(&app, "viewer").await;
    assert_eq!(
        viewer.get("/").await.location(),
        format!("/plans/{plan}/status")
    );
}
