//! Admin pages: users, units, API tokens, adjustments. Admin only, CSRF-checked.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use duban_core::UnitKind;
use duban_store::unit::NewUnit;
use duban_store::user::{NewUser, Role};
use minijinja::{Value, context};
use serde::Deserialize;

use super::unit::kind_label;
use crate::auth::Office;
use crate::error::AppError;
use crate::render::{Page, render, render_with_status};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}/disable", post(set_disabled::<true>))
        .route("/admin/users/{id}/enable", post(set_disabled::<false>))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/units", get(units).post(create_unit))
        .route("/admin/units/{id}/kind", post(set_unit_kind::<false>))
        .route("/admin/units/{id}/confirm", post(set_unit_kind::<true>))
        .route("/admin/units/{id}/merge", post(merge_unit))
        .route("/admin/units/{id}/alias", post(add_unit_alias))
        .route("/admin/tokens", get(tokens).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/adjustments", get(adjustments))
}

/// The forms of these pages, typed: every field defaults to empty, so a missing CSRF token
/// is a 403 and a missing value the page's own message, as for a field left blank.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewUserForm {
    csrf: String,
    name: String,
    password: String,
    role: String,
    unit: String,
}

impl TryFrom<NewUserForm> for NewUser {
    type Error = String;
    fn try_from(f: NewUserForm) -> Result<Self, String> {
        Ok(NewUser {
            role: Role::parse(&f.role).ok_or("角色无效")?,
            name: f.name.trim().to_string(),
            password: f.password,
            unit_code: Some(f.unit).filter(|s| !s.is_empty()),
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewUnitForm {
    csrf: String,
    code: String,
    name: String,
    kind: String,
}

impl TryFrom<NewUnitForm> for NewUnit {
    type Error = String;
    fn try_from(f: NewUnitForm) -> Result<Self, String> {
        Ok(NewUnit {
            kind: unit_kind(&f.kind)?,
            code: f.code.trim().to_string(),
            name: f.name.trim().to_string(),
            demo: false,
        })
    }
}

/// A unit kind posted by a form, or the message for a wrong one.
fn unit_kind(s: &str) -> Result<UnitKind, String> {
    UnitKind::parse(s).ok_or_else(|| "单位类型无效".to_string())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UnitKindForm {
    csrf: String,
    kind: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MergeForm {
    csrf: String,
    into: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AliasForm {
    csrf: String,
    alias: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewTokenForm {
    csrf: String,
    user: String,
    label: String,
}

/// The message a create form shows again (422) for an invalid or conflicting entry; any
/// other error is returned as it is.
fn form_message(e: impl Into<AppError>) -> Result<String, AppError> {
    match e.into() {
        AppError::Invalid(m) | AppError::Conflict(m) => Ok(m),
        stale @ AppError::Stale => Ok(stale.to_string()),
        other => Err(other),
    }
}

async fn users_page(
    state: &AppState,
    page: &Page,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let users: Vec<Value> = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .map(|(u, disabled_at)| context! { id => u.id, name => u.name, role_label => u.role.label_zh(), unit_name => u.unit_name, created_at => u.created_at, disabled_at => disabled_at })
        .collect();
    let units: Vec<Value> = state
        .store
        .list_units()
        .await?
        .into_iter()
        .map(|u| context! { code => u.code, name => u.name })
        .collect();
    let done = done.and_then(|d| match d {
        "created" => Some("已创建用户。"),
        "disabled" => Some("已停用：该用户不能再登录，其会话已结束、API 令牌已吊销。"),
        "enabled" => Some("已启用：该用户可以再次登录（API 令牌须重新创建）。"),
        "password" => Some(
            "已重设密码：该用户的会话已结束、API 令牌已吊销，请将新密码当面或经安全渠道告知本人。",
        ),
        _ => None,
    });
    render(
        state,
        page,
        "admin/users.html",
        context! { users => users, units => units, done => done },
    )
    .map(IntoResponse::into_response)
}

async fn users(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    users_page(&state, &page, q.get("done").map(String::as_str)).await
}

/// A button on an account: the CSRF token, and a new password for 重置密码.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AccountForm {
    csrf: String,
    password: String,
}

/// 停用 / 启用 an account (the store ends a disabled user's sessions and tokens). The office
/// cannot lock itself out: its own account is refused.
async fn set_disabled<const DISABLE: bool>(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let user = state.store.user(id).await?;
    if DISABLE && user.id == auth.user.id {
        return Err(AppError::Invalid("不能停用自己的账号".into()));
    }
    state.store.set_user_disabled(&user.name, DISABLE).await?;
    let done = if DISABLE { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response())
}

/// 重置密码: a new password under the same policy as at creation; sessions and tokens end.
async fn reset_password(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let user = state.store.user(id).await?;
    match state.store.set_password(&user.name, &f.password).await {
        Ok(()) => Ok(Redirect::to("/admin/users?done=password").into_response()),
        Err(e) => Err(AppError::InvalidField {
            field: format!("password_{id}"),
            message: form_message(e)?,
        }),
    }
}

async fn create_user(
    State(state): State<AppState>,
    auth: Office,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let new = NewUser::try_from(f).map_err(AppError::Invalid)?;
    // A refusal goes through the form replay (`form_replay.rs`): the page comes back with
    // the message and what was typed (the password excepted).
    match state.store.create_user(&new).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(e) => Err(AppError::Invalid(form_message(e)?)),
    }
}

/// What the last change on the units page did, said once after its redirect (`?done=`).
fn unit_notice(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some("已新增单位。"),
        "kind" => Some("已修改单位类型。"),
        "confirmed" => Some("已确认为新单位。"),
        "merged" => Some("已合并：原名称已记为所选单位的别名。"),
        "alias" => Some("已添加别名。"),
        _ => None,
    }
}

async fn units_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    message: Option<String>,
    done: Option<&str>,
) -> Result<Response, AppError> {
    let kinds: Vec<(&str, &str)> = [
        UnitKind::Department,
        UnitKind::City,
        UnitKind::County,
        UnitKind::Office,
        UnitKind::Other,
    ]
    .into_iter()
    .map(|k| (k.as_str(), kind_label(k)))
    .collect();
    let review: Vec<Value> = state
        .store
        .units_to_review()
        .await?
        .into_iter()
        .map(|u| context! { id => u.id, code => u.code, name => u.name, kind => u.kind.as_str() })
        .collect();
    let mut units: Vec<Value> = Vec::new();
    for u in state.store.list_units().await? {
        let aliases = state.store.unit_aliases(u.id).await?;
        units.push(context! {
            id => u.id, code => u.code, name => u.name, kind => u.kind.as_str(),
            kind_label => kind_label(u.kind), demo => u.demo, aliases => aliases,
        });
    }
    render_with_status(
        state,
        page,
        status,
        "admin/units.html",
        context! { units => units, message => message, kinds => kinds, review => review, done => done.and_then(unit_notice) },
    )
}

/// The units page again (422) with the message of a refused change.
async fn units_refused(
    state: &AppState,
    page: &Page,
    message: String,
) -> Result<Response, AppError> {
    units_page(
        state,
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(message),
        None,
    )
    .await
}

/// After a change on the units page: back to the list when it was made, else the page
/// again (422) with the message of an invalid or conflicting entry; any other error as it
/// is.
async fn units_after<T, E: Into<AppError>>(
    state: &AppState,
    page: &Page,
    done: Result<T, E>,
    notice: &str,
) -> Result<Response, AppError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/admin/units?done={notice}")).into_response()),
        Err(e) => units_refused(state, page, form_message(e)?).await,
    }
}

async fn units(
    State(state): State<AppState>,
    _: Office,
    page: Page,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let done = q.get("done").map(String::as_str);
    units_page(&state, &page, StatusCode::OK, None, done).await
}

async fn create_unit(
    State(state): State<AppState>,
    auth: Office,
    Form(f): Form<NewUnitForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let new = NewUnit::try_from(f).map_err(AppError::Invalid)?;
    // Refused: replayed with what was typed (`form_replay.rs`).
    match state.store.create_unit(&new).await {
        Ok(_) => Ok(Redirect::to("/admin/units?done=created").into_response()),
        Err(e) => Err(AppError::Invalid(form_message(e)?)),
    }
}

/// Sets a unit's kind (单位类型): `/kind` changes it; `/confirm` (`CONFIRM`) also keeps a
/// unit created from an uploaded plan.
async fn set_unit_kind<const CONFIRM: bool>(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<UnitKindForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    match unit_kind(&f.kind) {
        Ok(kind) if CONFIRM => state.store.confirm_unit(id, kind).await?,
        Ok(kind) => state.store.set_unit_kind(id, kind).await?,
        Err(m) => return units_refused(&state, &page, m).await,
    }
    let done = if CONFIRM { "confirmed" } else { "kind" };
    Ok(Redirect::to(&format!("/admin/units?done={done}")).into_response())
}

/// Merges a unit created from an uploaded plan into an existing one (its name becomes an
/// alias there).
async fn merge_unit(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let Ok(into) = f.into.parse::<i64>() else {
        return units_refused(&state, &page, "请选择要合并到的单位".to_string()).await;
    };
    let done = state.store.merge_unit(id, into).await;
    units_after(&state, &page, done, "merged").await
}

/// Adds another name of a unit, used to match unit names in uploaded plans.
async fn add_unit_alias(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Path(id): Path<i64>,
    Form(f): Form<AliasForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let done = state.store.add_unit_alias(id, &f.alias).await;
    units_after(&state, &page, done, "alias").await
}

async fn tokens_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    new_token: Option<String>,
    message: Option<String>,
) -> Result<Response, AppError> {
    let tokens: Vec<Value> = state
        .store
        .list_tokens()
        .await?
        .into_iter()
        .map(|t| context! { id => t.id, name => t.name, user_name => t.user_name, created_at => t.created_at, revoked_at => t.revoked_at })
        .collect();
    let users: Vec<String> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect();
    render_with_status(
        state,
        page,
        status,
        "admin/tokens.html",
        context! { tokens => tokens, users => users, new_token => new_token, message => message },
    )
}

async fn tokens(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    tokens_page(&state, &page, StatusCode::OK, None, None).await
}

async fn create_token(
    State(state): State<AppState>,
    auth: Office,
    page: Page,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    let label = f.label.trim();
    let label = if label.is_empty() { "api" } else { label };
    match state.store.create_token(&f.user, label).await {
        Ok((_, secret)) => tokens_page(&state, &page, StatusCode::OK, Some(secret), None).await,
        Err(e) => match AppError::from(e) {
            AppError::Invalid(m) => {
                tokens_page(
                    &state,
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some(m),
                )
                .await
            }
            other => Err(other),
        },
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    auth: Office,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&f.csrf)?;
    state.store.revoke_token(id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

async fn adjustments(
    State(state): State<AppState>,
    _: Office,
    page: Page,
) -> Result<Response, AppError> {
    let list: Vec<Value> = state
        .store
        .list_adjustments(None)
        .await?
        .into_iter()
        .map(|a| {
            context! {
                id => a.id, plan_id => a.plan_id, plan_title => a.plan_title, task_id => a.task_id,
                reason => a.reason, user_name => a.user_name, at => a.at,
                changes => diff(&a.before, &a.after),
            }
        })
        .collect();
    Ok(render(
        &state,
        &page,
        "admin/adjustments.html",
        context! { adjustments => list },
    )?
    .into_response())
}

/// Top-level fields that differ between two JSON records: (field, before, after).
pub fn diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, av) in a {
            if k == "version" {
                continue;
            }
            let bv = b.get(k).unwrap_or(&serde_json::Value::Null);
            if bv != av {
                out.push((k.clone(), short(bv), short(av)));
            }
        }
    }
    out
}

fn short(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}
