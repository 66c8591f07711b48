//! Organisations (单位): the office, provincial departments, cities, counties.

use duban_core::UnitKind;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::column::parse_column;
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// Created as demonstration data (示例数据), not yet confirmed by the office.
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub demo: bool,
}

pub(crate) fn unit_from_row(r: &AnyRow) -> Result<Unit> {
    Ok(Unit {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: parse_column(r, "kind", "unit kind", UnitKind::parse)?,
        demo: r.try_get::<i64, _>("demo")? != 0,
    })
}

/// A unit code is short, ASCII and URL-safe: it appears in links and spreadsheets.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The longest unit name or alias, in characters: official names are far shorter, and a
/// key of unbounded text fails PostgreSQL's index row limit (a 1,200-character name was a 500).
pub const MAX_UNIT_NAME_CHARS: usize = 100;

/// A unit name or alias, trimmed: not empty, at most [`MAX_UNIT_NAME_CHARS`] characters.
fn unit_text<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(format!("{what}不能为空")));
    }
    if t.chars().any(duban_core::text::is_bidi_control) {
        return Err(StoreError::Invalid(format!(
            "{what}含有文字方向控制符（如 U+202E），请删除后重新输入"
        )));
    }
    if t.chars().count() > MAX_UNIT_NAME_CHARS {
        return Err(StoreError::Invalid(format!(
            "{what}不能超过 {MAX_UNIT_NAME_CHARS} 个字"
        )));
    }
    Ok(t)
}

impl Store {
    pub async fn create_unit(&self, u: &NewUnit) -> Result<Unit> {
        if !valid_code(&u.code) {
            let shown: String = u.code.chars().take(40).collect();
            return Err(StoreError::Invalid(format!(
                "单位代码只能包含字母、数字、- 和 _，且不超过 40 个字符：{shown:?}"
            )));
        }
        let name = unit_text(&u.name, "单位名称")?;
        // Codes differ by more than case: `FGW` beside `fgw` would be two names for one unit.
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM unit WHERE lower(code) = $1")
            .bind(u.code.to_ascii_lowercase())
            .fetch_optional(self.pool())
            .await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate(format!(
                "单位代码“{}”已被使用（不区分大小写）",
                u.code
            )));
        }
        let query = sqlx::query(
            "INSERT INTO unit (code, name, kind, demo, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, code, name, kind, demo",
        )
        .bind(&u.code)
        .bind(name)
        .bind(u.kind.as_str())
        .bind(u.demo as i64)
        .bind(now());
        self.fetch_row(query, unit_from_row).await
    }

    /// Inserts the unit unless one with the same code exists; returns the stored unit.
    pub async fn ensure_unit(&self, u: &NewUnit) -> Result<Unit> {
        if let Some(found) = self.unit_by_code(&u.code).await? {
            return Ok(found);
        }
        match self.create_unit(u).await {
            Err(StoreError::Duplicate(_)) => {
                if let Some(found) = self.unit_by_code(&u.code).await? {
                    Ok(found)
                } else {
                    self.unit_by_name(&u.name)
                        .await?
                        .ok_or(StoreError::NotFound)
                }
            }
            other => other,
        }
    }

    pub async fn list_units(&self) -> Result<Vec<Unit>> {
        let query = sqlx::query(
            "SELECT id, code, name, kind, demo FROM unit
             ORDER BY CASE kind WHEN 'office' THEN 0 WHEN 'department' THEN 1 WHEN 'city' THEN 2 WHEN 'county' THEN 3 ELSE 4 END, id",
        );
        self.fetch_rows(query, unit_from_row).await
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Option<Unit>> {
        self.unit_by(
            "SELECT id, code, name, kind, demo FROM unit WHERE code = $1",
            code,
        )
        .await
    }

    pub async fn unit_by_name(&self, name: &str) -> Result<Option<Unit>> {
        self.unit_by(
            "SELECT id, code, name, kind, demo FROM unit WHERE name = $1",
            name,
        )
        .await
    }

    /// The unit `sql` finds by the text `key` (a unique column), if any.
    async fn unit_by(&self, sql: &'static str, key: &str) -> Result<Option<Unit>> {
        self.fetch_optional_row(sqlx::query(sql).bind(key), unit_from_row)
            .await
    }

    pub async fn unit(&self, id: i64) -> Result<Unit> {
        self.fetch_row(
            sqlx::query("SELECT id, code, name, kind, demo FROM unit WHERE id = $1").bind(id),
            unit_from_row,
        )
        .await
    }

    /// Marks every demonstration unit as confirmed.
    pub async fn confirm_demo_units(&self) -> Result<u64> {
        let r = sqlx::query("UPDATE unit SET demo = 0 WHERE demo = 1")
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }

    /// The unit a name from a plan document means: its name or one of its aliases, compared
    /// without spaces and with full- and half-width brackets alike (`省发展改革委` =
    /// `省发展改革委 `; `乡镇(街道)` = `乡镇（街道）`).
    pub async fn match_unit(&self, name: &str) -> Result<Option<Unit>> {
        if let Some(u) = self.unit_by_name(name).await? {
            return Ok(Some(u));
        }
        let key = name_key(name);
        if key.is_empty() {
            return Ok(None);
        }
        let units = self.list_units().await?;
        if let Some(u) = units.iter().find(|u| name_key(&u.name) == key) {
            return Ok(Some(u.clone()));
        }
        let aliases: Vec<(String, i64)> = sqlx::query_as("SELECT alias, unit_id FROM unit_alias")
            .fetch_all(self.pool())
            .await?;
        Ok(aliases
            .iter()
            .find(|(a, _)| name_key(a) == key)
            .and_then(|(_, id)| units.iter().find(|u| u.id == *id).cloned()))
    }

    /// Every alias of unit `unit_id`, in order.
    pub async fn unit_aliases(&self, unit_id: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT alias FROM unit_alias WHERE unit_id = $1 ORDER BY alias")
                .bind(unit_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }

    /// Adds another name of a unit. Refused when it already means a unit (a name or an
    /// alias). Audited as `unit.alias`.
    pub async fn add_unit_alias(&self, unit_id: i64, alias: &str) -> Result<()> {
        let alias = unit_text(alias, "别名")?;
        self.unit(unit_id).await?;
        if let Some(u) = self.match_unit(alias).await? {
            return Err(StoreError::Duplicate(format!(
                "“{alias}”已是单位“{}”的名称或别名",
                u.name
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO unit_alias (alias, unit_id, created_at) VALUES ($1, $2, $3)")
            .bind(alias)
            .bind(unit_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"alias": alias});
        crate::audit::commit_audited(tx, "unit.alias", &format!("unit:{unit_id}"), &payload).await
    }

    /// Changes a unit's kind (e.g. a city's 发展改革委 filed as a province department).
    /// Audited as `unit.kind`.
    pub async fn set_unit_kind(&self, unit_id: i64, kind: UnitKind) -> Result<()> {
        let before = self.unit(unit_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE unit SET kind = $1 WHERE id = $2")
            .bind(kind.as_str())
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"from": before.kind.as_str(), "to": kind.as_str()});
        crate::audit::commit_audited(tx, "unit.kind", &format!("unit:{unit_id}"), &payload).await
    }

    /// Units created from an uploaded plan's names that the office has not reviewed yet.
    pub async fn units_to_review(&self) -> Result<Vec<Unit>> {
        self.fetch_rows(
            sqlx::query("SELECT id, code, name, kind, demo FROM unit WHERE review = 1 ORDER BY id"),
            unit_from_row,
        )
        .await
    }

    /// Keeps a reviewed unit, with its kind. Audited as `unit.confirm`.
    pub async fn confirm_unit(&self, unit_id: i64, kind: UnitKind) -> Result<()> {
        self.unit(unit_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE unit SET review = 0, kind = $1 WHERE id = $2")
            .bind(kind.as_str())
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"kind": kind.as_str()});
        crate::audit::commit_audited(tx, "unit.confirm", &format!("unit:{unit_id}"), &payload).await
    }

    /// Merges a unit awaiting review into an existing unit: its task assignments move there
    /// (a task already assigned to both keeps the existing one), its name becomes an alias of
    /// the target, and it is deleted. Refused once anything else refers to it (a user, a
    /// report, an escalation). Audited as `unit.merge`.
    pub async fn merge_unit(&self, unit_id: i64, into: i64) -> Result<()> {
        let from = self.unit(unit_id).await?;
        let target = self.unit(into).await?;
        if unit_id == into {
            return Err(StoreError::Invalid("不能合并到自身".into()));
        }
        let mut tx = self.begin_write().await?;
        // Both units locked and still there (a no-op UPDATE): a merge that removed either of
        // them meanwhile makes this one a 404, not a foreign-key failure.
        let locked = sqlx::query("UPDATE unit SET review = review WHERE id = $1 OR id = $2")
            .bind(unit_id)
            .bind(into)
            .execute(&mut *tx)
            .await?;
        if locked.rows_affected() != 2 {
            return Err(StoreError::NotFound);
        }
        let (review,): (i64,) = sqlx::query_as("SELECT review FROM unit WHERE id = $1")
            .bind(unit_id)
            .fetch_one(&mut *tx)
            .await?;
        if review == 0 {
            return Err(StoreError::Invalid(format!(
                "单位“{}”已确认，不能合并",
                from.name
            )));
        }
        let (used,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM app_user WHERE unit_id = $1)
                  + (SELECT COUNT(*) FROM report WHERE unit_id = $2)
                  + (SELECT COUNT(*) FROM escalation WHERE unit_id = $3)",
        )
        .bind(unit_id)
        .bind(unit_id)
        .bind(unit_id)
        .fetch_one(&mut *tx)
        .await?;
        if used > 0 {
            return Err(StoreError::Invalid(format!(
                "单位“{}”已有用户、报告或督办记录，不能合并",
                from.name
            )));
        }
        sqlx::query(
            "DELETE FROM task_unit WHERE unit_id = $1
             AND task_id IN (SELECT task_id FROM task_unit WHERE unit_id = $2)",
        )
        .bind(unit_id)
        .bind(into)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE task_unit SET unit_id = $1 WHERE unit_id = $2")
            .bind(into)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE unit_alias SET unit_id = $1 WHERE unit_id = $2")
            .bind(into)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM unit WHERE id = $1")
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO unit_alias (alias, unit_id, created_at) VALUES ($1, $2, $3)")
            .bind(&from.name)
            .bind(into)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({"name": from.name, "into": target.code});
        crate::audit::commit_audited(tx, "unit.merge", &format!("unit:{into}"), &payload).await
    }

    /// The unit for a name found in a plan document ([`Store::match_unit`]); created (kind
    /// department, code `u<id>`-style) when the name is new.
    pub async fn unit_for_name(&self, name: &str) -> Result<Unit> {
        if let Some(u) = self.match_unit(name).await? {
            return Ok(u);
        }
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM unit")
            .fetch_one(self.pool())
            .await?;
        let mut i = n.0 + 1;
        loop {
            let code = format!("unit-{i}");
            match self
                .create_unit(&NewUnit {
                    code,
                    name: name.to_string(),
                    kind: if name.ends_with('市') {
                        UnitKind::City
                    } else {
                        UnitKind::Department
                    },
                    demo: false,
                })
                .await
            {
                Ok(u) => {
                    // Not silently part of the unit list: the office reviews it.
                    sqlx::query("UPDATE unit SET review = 1 WHERE id = $1")
                        .bind(u.id)
                        .execute(self.pool())
                        .await?;
                    return Ok(u);
                }
                Err(StoreError::Duplicate(_)) => {
                    if let Some(u) = self.unit_by_name(name).await? {
                        return Ok(u);
                    }
                    i += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A unit name for comparison: no whitespace, full-width brackets as half-width.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn names_compare_without_spaces_and_bracket_width() {
        assert_eq!(
            super::name_key(" 乡镇（街道） 办"),
            super::name_key("乡镇(街道)办")
        );
        assert_ne!(super::name_key("省商务厅"), super::name_key("省发展改革委"));
    }
}
