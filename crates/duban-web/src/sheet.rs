//! The 督办表 round trip at the HTTP edge: the sheet, the import policy and the 督办总表
//! rows are use-cases of `duban_app::sheet`; here a period and unit are resolved from the
//! request, the upload is read, and a refusal becomes the page's or the API's error (cells
//! named).

pub use duban_app::sheet::{ImportRefusal, ImportedReport, PlanSheet, build, overview_rows};
use duban_io::supervision_sheet::{SheetErrorKind, SheetErrors, column_letters};
use duban_store::deliver::period::PeriodRow;
use duban_store::deliver::report::ReportActor;
use duban_store::unit::Unit;
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::form_fields::FormFields;
use crate::state::AppState;

/// File name of an export, e.g. `督办表_2020-Q2_fgw.xlsx` (ASCII fallback in the header).
pub fn file_name(s: &PlanSheet) -> String {
    format!(
        "duban-{}-{}-{}.xlsx",
        s.spec.plan_code, s.period.key, s.unit.code
    )
}

/// Resolves the period (by key) and the unit (by code; default the user's own unit) and
/// checks the rule: a reporter only for its own unit.
pub async fn resolve(
    state: &AppState,
    auth: &Auth,
    plan_id: i64,
    period: Option<&str>,
    unit: Option<&str>,
) -> Result<(PeriodRow, Unit), AppError> {
    let periods = state.store.plan_periods(plan_id).await?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(k) => periods
            .into_iter()
            .find(|p| p.key == k)
            .ok_or_else(|| AppError::BadRequest(format!("报送周期 {k} 不存在")))?,
        None => return Err(AppError::BadRequest("请指定报送周期（period）".into())),
    };
    let code = match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(c) => c.to_string(),
        None => auth
            .user
            .unit_code
            .clone()
            .ok_or_else(|| AppError::BadRequest("请指定单位（unit）".into()))?,
    };
    // PostgreSQL refuses a NUL in text (a 500 before this check).
    if code.chars().count() > 100 || code.chars().any(char::is_control) {
        return Err(AppError::BadRequest("单位代码无效".into()));
    }
    let unit = state
        .store
        .unit_by_code(&code)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("单位 {code} 不存在")))?;
    if auth.role() == duban_store::user::Role::Reporter && !auth.can_act_for(unit.id) {
        return Err(AppError::Forbidden);
    }
    Ok((period, unit))
}

/// One problem of an import, for the page and the JSON `details`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportProblem {
    /// `K5`, or empty when the problem is not about one cell.
    pub cell: String,
    /// 1-based sheet row, if any.
    pub row: Option<u32>,
    /// Column letters, if any.
    pub column: Option<String>,
    /// `第5行 K列`, `第5行` or empty.
    pub location: String,
    pub message: String,
}

/// Why an import was refused; nothing was saved.
#[derive(Debug, Clone)]
pub struct ImportRefused {
    pub too_large: bool,
    pub message: String,
    pub problems: Vec<ImportProblem>,
}

impl From<ImportRefusal> for ImportRefused {
    fn from(r: ImportRefusal) -> Self {
        match r {
            ImportRefusal::Sheet(e) => ImportRefused::of(&e),
            ImportRefusal::Rule(m) => ImportRefused::single(m),
        }
    }
}

impl ImportRefused {
    fn of(errors: &SheetErrors) -> ImportRefused {
        let problems: Vec<ImportProblem> = errors
            .errors
            .iter()
            .map(|e| ImportProblem {
                cell: match (e.row, e.col) {
                    (Some(r), Some(c)) => format!("{}{}", column_letters(c), r + 1),
                    _ => String::new(),
                },
                row: e.row.map(|r| r + 1),
                column: e.col.map(column_letters),
                location: e.location(),
                message: e.message.clone(),
            })
            .collect();
        let mut message = format!(
            "督办表有 {} 处错误，未导入任何内容",
            problems.len() + errors.more
        );
        if let Some(first) = errors.errors.first() {
            message.push_str(&format!("：{first}"));
        }
        ImportRefused {
            too_large: errors
                .errors
                .iter()
                .any(|e| e.kind == SheetErrorKind::TooLarge),
            message,
            problems,
        }
    }

    fn single(message: String) -> ImportRefused {
        ImportRefused {
            too_large: false,
            problems: vec![ImportProblem {
                cell: String::new(),
                row: None,
                column: None,
                location: String::new(),
                message: message.clone(),
            }],
            message: format!("导入失败，未保存任何内容：{message}"),
        }
    }

    /// `{"error":{"code":"invalid_workbook","message":…,"details":[…]}}`
    pub fn json(&self) -> Value {
        json!({"error": {
            "code": if self.too_large { "payload_too_large" } else { "invalid_workbook" },
            "message": self.message,
            "details": self.problems,
        }})
    }

    pub fn status(&self) -> axum::http::StatusCode {
        if self.too_large {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// Reads `bytes` against the sheet and saves the drafts as `auth`'s unit, all or nothing
/// (`duban_app::sheet::import`: the policy of which rows are saved or refused).
pub async fn import(
    state: &AppState,
    auth: &Auth,
    sheet: &PlanSheet,
    bytes: &[u8],
) -> Result<Result<Vec<ImportedReport>, ImportRefused>, AppError> {
    let by = ReportActor::of(&auth.user).ok_or(AppError::Forbidden)?;
    Ok(duban_app::sheet::import(&state.store, &by, sheet, bytes)
        .await?
        .map_err(ImportRefused::from))
}

/// The bytes of an uploaded workbook: the `file` field of a multipart form (other text
/// fields returned too, read as every upload form is: [`crate::upload::read_form`]), or the
/// raw body.
pub async fn upload(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<(Vec<u8>, FormFields), AppError> {
    use axum::extract::FromRequest;
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("表单无效：{e}")))?;
        let mut form = crate::upload::read_form(mp, None).await?;
        let (_, file) = form
            .take_file("")
            .ok_or_else(|| AppError::BadRequest("请选择要上传的督办表文件".into()))?;
        Ok((file, form.fields().clone()))
    } else {
        let body = axum::body::to_bytes(req.into_body(), crate::MAX_BODY_BYTES)
            .await
            .map_err(|_| AppError::TooLarge)?;
        Ok((body.to_vec(), FormFields::default()))
    }
}
