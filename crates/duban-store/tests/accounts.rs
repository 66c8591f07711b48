//! Accounts at the store boundary (users, sessions, API tokens, login throttling), on the
//! backend chosen by DUBAN_TEST_DATABASE_URL (SQLite by default).

use duban_store::StoreError;
use duban_store::testing::{TEST_PASSWORD, TestDb, account};
use duban_store::throttle::{MAX_FAILURES, MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_NAME};
use duban_store::user::{NewUser, Role};

const PASSWORD: &str = TEST_PASSWORD;

async fn signs_in(s: &duban_store::Store, name: &str, password: &str) -> bool {
    s.authenticate(name, password).await.unwrap().is_some()
}

fn is_invalid(r: Result<impl std::fmt::Debug, StoreError>) -> bool {
    matches!(r, Err(StoreError::Invalid(_)))
}

#[tokio::test]
async fn passwords_sessions_and_tokens_end_together() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let weak = NewUser {
        name: "office".into(),
        password: "password123".into(),
        role: Role::Admin,
        unit_code: None,
    };
    assert!(is_invalid(s.create_user(&weak).await), "common password");
    let user = account(s, "office", Role::Admin, None).await.unwrap();
    assert!(matches!(
        s.create_user(&NewUser {
            password: PASSWORD.into(),
            ..weak.clone()
        })
        .await,
        Err(StoreError::Duplicate(_))
    ));

    assert_eq!(
        s.authenticate("office", PASSWORD)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );
    assert!(!signs_in(s, "office", "wrong-password-1").await);
    assert!(!signs_in(s, "nobody", PASSWORD).await);

    // A session is found by its cookie value only (the table keeps a hash).
    let session = s.create_session(user.id).await.unwrap();
    let found = s.session(&session.cookie_value).await.unwrap().unwrap();
    assert_eq!(found.user.id, user.id);
    assert_eq!(found.csrf_token, session.csrf_token);
    assert!(s.session(&session.csrf_token).await.unwrap().is_none());

    // Tokens: shown once, found by the secret, listed without it, revocable.
    let (token, secret) = s.create_token("office", "报表系统").await.unwrap();
    assert!(secret.starts_with(duban_store::token::TOKEN_PREFIX));
    assert!(token.expires_at.is_some(), "tokens expire by default");
    assert_eq!(
        s.user_for_token(&secret).await.unwrap().map(|u| u.id),
        Some(user.id)
    );
    assert!(s.user_for_token(&token.name).await.unwrap().is_none());
    assert!(is_invalid(s.create_token_for_days("office", "x", 0).await));
    assert!(is_invalid(s.create_token("nobody", "x").await));
    let (second, second_secret) = s.create_token("office", "第二个").await.unwrap();
    s.revoke_token(second.id).await.unwrap();
    s.revoke_token(second.id).await.unwrap(); // twice is not an error
    assert!(s.user_for_token(&second_secret).await.unwrap().is_none());
    assert!(s.revoke_token(second.id + 1000).await.is_err());
    let listed = s.list_tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .any(|t| t.id == second.id && t.revoked_at.is_some())
    );

    // A new password ends every session and revokes every token of the user.
    let new_password = "另一个-安全的-口令-42";
    s.set_password("office", new_password).await.unwrap();
    assert!(s.session(&session.cookie_value).await.unwrap().is_none());
    assert!(s.user_for_token(&secret).await.unwrap().is_none());
    assert!(!signs_in(s, "office", PASSWORD).await);
    assert!(signs_in(s, "office", new_password).await);
    assert!(
        is_invalid(s.set_password("office", "office2020").await),
        "the user name is no password"
    );
}

#[tokio::test]
async fn a_disabled_account_signs_in_nowhere_until_enabled() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let user = account(s, "reviewer", Role::Admin, None).await.unwrap();
    let session = s.create_session(user.id).await.unwrap();
    let (_, secret) = s.create_token("reviewer", "脚本").await.unwrap();

    s.set_user_disabled("reviewer", true).await.unwrap();
    assert!(!signs_in(s, "reviewer", PASSWORD).await);
    assert!(s.session(&session.cookie_value).await.unwrap().is_none());
    assert!(s.user_for_token(&secret).await.unwrap().is_none());
    // No token is made for a disabled account (it would come alive on enabling).
    assert!(s.create_token("reviewer", "脚本").await.is_err());

    s.set_user_disabled("reviewer", false).await.unwrap();
    assert!(signs_in(s, "reviewer", PASSWORD).await);
    assert!(
        s.user_for_token(&secret).await.unwrap().is_none(),
        "enabling gives no token back"
    );
    assert!(s.set_user_disabled("nobody", true).await.is_err());
}

#[tokio::test]
async fn logout_deletes_the_session_and_is_audited() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let user = account(s, "clerk", Role::Admin, None).await.unwrap();
    let session = s.create_session(user.id).await.unwrap();
    s.delete_session(&session.cookie_value).await.unwrap();
    assert!(s.session(&session.cookie_value).await.unwrap().is_none());
    // Deleting an unknown or deleted session changes nothing.
    s.delete_session(&session.cookie_value).await.unwrap();
    let logouts: Vec<_> = s
        .audit_entries(Some("user:clerk"), 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "auth.logout")
        .collect();
    assert_eq!(logouts.len(), 1);
    assert_eq!(s.purge_sessions().await.unwrap(), 0, "nothing has expired");
}

#[tokio::test]
async fn login_throttling_counts_per_name_and_per_address() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    account(s, "office", Role::Admin, None).await.unwrap();
    let (ip, other_ip) = ("192.0.2.1", "192.0.2.2");

    for _ in 0..MAX_FAILURES {
        assert!(!s.login_throttled("office", ip).await.unwrap());
        s.record_login_attempt("office", ip, false).await.unwrap();
    }
    assert!(s.login_throttled("office", ip).await.unwrap());
    assert!(
        !s.login_throttled("office", other_ip).await.unwrap(),
        "another address is not held up by this one"
    );
    s.clear_login_failures("office", ip).await.unwrap();
    assert!(!s.login_throttled("office", ip).await.unwrap());

    // Many names from one address: the address is throttled whatever name comes next.
    for i in 0..MAX_FAILURES_PER_ADDRESS {
        let name = format!("guess{i}");
        assert!(!s.login_throttled(&name, other_ip).await.unwrap(), "{i}");
        s.record_login_attempt(&name, other_ip, false)
            .await
            .unwrap();
    }
    assert!(s.login_throttled("office", other_ip).await.unwrap());
    assert!(!s.login_throttled("office", ip).await.unwrap());

    // Failures for names that are no account never reach the audit chain; an account's do.
    let audit = s.audit_entries(None, 1000).await.unwrap();
    assert!(!audit.iter().any(|e| e.subject.starts_with("user:guess")));
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "auth.login_failed" && e.subject == "user:office")
            .count() as i64,
        MAX_FAILURES
    );
}

/// Issue 9 probe: guesses at one name spread over many addresses (or forged forwarded
/// addresses behind a trusted proxy) are throttled too, once the name's own limit is spent.
#[tokio::test]
async fn guesses_at_one_name_from_many_addresses_are_throttled() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    account(s, "office", Role::Admin, None).await.unwrap();
    for i in 0..MAX_FAILURES_PER_NAME {
        let ip = format!("198.51.100.{i}");
        assert!(!s.login_throttled("office", &ip).await.unwrap(), "{i}");
        s.record_login_attempt("office", &ip, false).await.unwrap();
    }
    assert!(s.login_throttled("office", "203.0.113.9").await.unwrap());
    assert!(
        !s.login_throttled("someone-else", "203.0.113.9")
            .await
            .unwrap()
    );
}
