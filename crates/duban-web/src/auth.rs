//! Who is asking. `Auth` is the extractor every protected handler takes: it finds the user
//! from the session cookie (HTML and API) or from `Authorization: Bearer …` (API only).
//! Anonymous requests are rejected with `AppError::Unauthenticated` (→ redirect to /login
//! for pages, 401 for the API). Role and unit checks are methods here, so each handler
//! states its rule in one line.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use duban_store::secret::constant_time_eq;
use duban_store::user::{Role, User};

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "duban_session";
pub const LOGIN_CSRF_COOKIE: &str = "duban_login_csrf";
/// Header carrying the CSRF token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Paths read by programs rather than people: bearer tokens are accepted there and an
/// anonymous request gets 401, not a redirect to the login page.
pub fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics"
}

/// The signed-in user of this request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    /// The session's CSRF token; `None` when authenticated by a bearer token.
    pub csrf: Option<String>,
    /// The raw session cookie (for log-out).
    pub session_cookie: Option<String>,
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value with the house attributes (HttpOnly, SameSite=Lax, Path=/).
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

impl Auth {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Only the office (admin).
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the user may act (report, submit …) for `unit_id`: admins for any unit,
    /// reporters only for their own, viewers for none.
    pub fn can_act_for(&self, unit_id: i64) -> bool {
        match self.user.role {
            Role::Admin => true,
            Role::Reporter => self.user.unit_id == Some(unit_id),
            Role::Viewer => false,
        }
    }

    pub fn require_unit(&self, unit_id: i64) -> Result<(), AppError> {
        if self.can_act_for(unit_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Checks the synchronizer token of a submitted form (constant-time).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected, submitted) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// For API writes: bearer-token calls need nothing more; cookie-authenticated calls
    /// must repeat the session's CSRF token in the `X-CSRF-Token` header.
    pub fn check_api_write(&self, headers: &HeaderMap) -> Result<(), AppError> {
        match &self.csrf {
            None => Ok(()),
            Some(_) => {
                let given = headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                self.check_csrf(given)
            }
        }
    }

    /// The CSRF token to put into forms (empty for bearer requests, which get no forms).
    pub fn csrf_token(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

/// The signed-in user of a session cookie's value (`None`: expired, unknown or disabled).
pub async fn session_auth(
    state: &AppState,
    value: String,
) -> Result<Option<Auth>, duban_store::StoreError> {
    Ok(state.store.session(&value).await?.map(|s| Auth {
        user: s.user,
        csrf: Some(s.csrf_token),
        session_cookie: Some(value),
    }))
}

async fn lookup(parts: &mut Parts, state: &AppState) -> Result<Option<Auth>, AppError> {
    if let Some(found) = parts.extensions.get::<Auth>() {
        return Ok(Some(found.clone()));
    }
    let is_api = is_machine_path(parts.uri.path());
    let found = if let Some(bearer) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        if !is_api {
            return Ok(None);
        }
        state
            .store
            .user_for_token(bearer.trim())
            .await?
            .map(|user| Auth {
                user,
                csrf: None,
                session_cookie: None,
            })
    } else if let Some(value) = cookie(&parts.headers, SESSION_COOKIE) {
        session_auth(state, value).await?
    } else {
        None
    };
    if let Some(a) = &found {
        parts.extensions.insert(a.clone());
    }
    Ok(found)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        lookup(parts, state).await?.ok_or(AppError::Unauthenticated)
    }
}

/// A signed-in administrator (the office). As an extractor it answers 403 to anyone else
/// *before* the request body is read, so a viewer or a reporter posting an incomplete form
/// to an office route is told "forbidden", never what the form lacks.
#[derive(Debug, Clone)]
pub struct Office(pub Auth);

impl FromRequestParts<AppState> for Office {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let auth = lookup(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        auth.require_admin()?;
        Ok(Office(auth))
    }
}

impl std::ops::Deref for Office {
    type Target = Auth;

    fn deref(&self) -> &Auth {
        &self.0
    }
}

impl OptionalFromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        lookup(parts, state).await
    }
}

/// The client's address (the socket peer, or the client a trusted reverse proxy names;
/// see [`crate::proxy`]).
pub fn client_ip(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<crate::proxy::ClientAddr>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(role: Role, unit: Option<i64>) -> Auth {
        Auth {
            user: duban_store::testing::user(role, unit),
            csrf: Some("tok".into()),
            session_cookie: None,
        }
    }

    #[test]
    fn unit_rule_per_role() {
        assert!(auth(Role::Admin, None).can_act_for(7));
        assert!(auth(Role::Reporter, Some(7)).can_act_for(7));
        assert!(!auth(Role::Reporter, Some(8)).can_act_for(7));
        assert!(!auth(Role::Viewer, None).can_act_for(7));
        assert!(auth(Role::Reporter, Some(8)).require_admin().is_err());
    }

    #[test]
    fn csrf_checks() {
        let a = auth(Role::Admin, None);
        assert!(a.check_csrf("tok").is_ok());
        assert!(a.check_csrf("tox").is_err());
        assert!(a.check_csrf("").is_err());
        let mut h = HeaderMap::new();
        assert!(a.check_api_write(&h).is_err());
        h.insert(CSRF_HEADER, "tok".parse().unwrap());
        assert!(a.check_api_write(&h).is_ok());
        let bearer = Auth { csrf: None, ..a };
        assert!(bearer.check_api_write(&HeaderMap::new()).is_ok());
        assert!(bearer.check_csrf("").is_err());
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; duban_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie("x", "y", Some(10), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}
