//! Composite evaluation (综合评价, issue 5): data sets (the uploaded file with its SHA-256),
//! methods (`duban.eval/1` TOML text), runs (the method text as run and the snapshot JSON)
//! and published snapshots (immutable; triggers refuse UPDATE and DELETE).
//!
//! The store only keeps texts and bytes: parsing, evaluation and hashing of the data as the
//! engine sees it live in `duban-io::eval_format` / `duban-engine`, called by the platform.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::deliver::evidence::{sha256_hex, verified};
use crate::{Result, Store, StoreError, audit, now};
use serde_json::json;

/// Largest data set file accepted (bytes).
pub const MAX_DATASET_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalMethod {
    pub id: i64,
    pub name: String,
    pub spec: String,
    pub demo: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalDataset {
    pub id: i64,
    pub name: String,
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub kind: String,
    /// `upload`, `reports` (built from accepted report values) or `demo`.
    pub source: String,
    /// SHA-256 (hex) of the stored bytes.
    pub sha256: String,
    pub size: i64,
    pub units: i64,
    pub method_id: Option<i64>,
    pub demo: bool,
    pub created_by: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewEvalDataset<'a> {
    pub name: &'a str,
    pub file_name: &'a str,
    pub kind: &'a str,
    pub source: &'a str,
    pub bytes: &'a [u8],
    pub units: i64,
    pub method_id: Option<i64>,
    pub demo: bool,
    pub created_by: Option<i64>,
}

/// A run without its snapshot text (lists).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalRun {
    pub id: i64,
    pub dataset_id: i64,
    pub dataset_name: String,
    pub method_id: Option<i64>,
    pub method_name: String,
    pub previous_run_id: Option<i64>,
    pub engine: String,
    pub data_hash: String,
    pub method_hash: String,
    pub units: i64,
    pub millis: i64,
    pub demo: bool,
    pub created_by: Option<String>,
    pub created_at: String,
    /// The snapshot published from this run, if any.
    pub snapshot_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewEvalRun<'a> {
    pub dataset_id: i64,
    pub method_id: Option<i64>,
    pub method_name: &'a str,
    pub spec: &'a str,
    pub previous_run_id: Option<i64>,
    /// `duban.eval.snapshot/1` text.
    pub snapshot: &'a str,
    pub engine: &'a str,
    pub data_hash: &'a str,
    pub method_hash: &'a str,
    pub units: i64,
    pub millis: i64,
    pub demo: bool,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalSnapshot {
    pub id: i64,
    pub run_id: i64,
    pub title: String,
    /// SHA-256 (hex) of `body`.
    pub sha256: String,
    pub engine: String,
    pub data_hash: String,
    pub method_hash: String,
    pub demo: bool,
    pub published_by: Option<String>,
    pub published_at: String,
}

/// A target with at least one accepted reported value (a candidate indicator).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportedTarget {
    pub target_id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub task_number: i64,
    pub position: i64,
    pub metric: String,
    pub unit: Option<String>,
    /// Units with an accepted value.
    pub units: i64,
}

fn method_from_row(r: &AnyRow) -> Result<EvalMethod> {
    Ok(EvalMethod {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        spec: r.try_get("spec")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn dataset_from_row(r: &AnyRow) -> Result<EvalDataset> {
    Ok(EvalDataset {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        file_name: r.try_get("file_name")?,
        kind: r.try_get("kind")?,
        source: r.try_get("source")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        units: r.try_get("units")?,
        method_id: r.try_get("method_id")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn run_from_row(r: &AnyRow) -> Result<EvalRun> {
    Ok(EvalRun {
        id: r.try_get("id")?,
        dataset_id: r.try_get("dataset_id")?,
        dataset_name: r.try_get("dataset_name")?,
        method_id: r.try_get("method_id")?,
        method_name: r.try_get("method_name")?,
        previous_run_id: r.try_get("previous_run_id")?,
        engine: r.try_get("engine")?,
        data_hash: r.try_get("data_hash")?,
        method_hash: r.try_get("method_hash")?,
        units: r.try_get("units")?,
        millis: r.try_get("millis")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        snapshot_id: r.try_get("snapshot_id")?,
    })
}

fn snapshot_from_row(r: &AnyRow) -> Result<EvalSnapshot> {
    Ok(EvalSnapshot {
        id: r.try_get("id")?,
        run_id: r.try_get("run_id")?,
        title: r.try_get("title")?,
        sha256: r.try_get("sha256")?,
        engine: r.try_get("engine")?,
        data_hash: r.try_get("data_hash")?,
        method_hash: r.try_get("method_hash")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
    })
}

/// A name or title as stored: trimmed, not empty, at most 200 characters (evaluation and
/// 亩均 methods, schemes, data sets and snapshots).
pub(crate) fn check_name(name: &str) -> Result<&str> {
    let n = name.trim();
    if n.is_empty() {
        return Err(StoreError::Invalid("名称不能为空".into()));
    }
    if n.chars().count() > 200 {
        return Err(StoreError::Invalid("名称不能超过 200 个字".into()));
    }
    Ok(n)
}

impl Store {
    // ---- methods ----

    /// Saves a new method. The caller has validated `spec` (duban.eval/1).
    pub async fn create_eval_method(
        &self,
        name: &str,
        spec: &str,
        demo: bool,
        by: Option<i64>,
    ) -> Result<EvalMethod> {
        let name = check_name(name)?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO eval_method (name, spec, demo, version, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, 1, $4, $5, $5)
             RETURNING id, name, spec, demo, version, created_at, updated_at",
        )
        .bind(name)
        .bind(spec)
        .bind(demo as i64)
        .bind(by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!("已有同名方法：{name}")),
            other => other,
        })?;
        let method = method_from_row(&row)?;
        audit::commit_audited(
            tx,
            "eval.method.create",
            &format!("eval-method:{}", method.id),
            &json!({"name": name, "spec_sha256": sha256_hex(spec.as_bytes())}),
        )
        .await?;
        Ok(method)
    }

    /// Replaces a method's name and text under optimistic locking (`version` as read).
    pub async fn update_eval_method(
        &self,
        id: i64,
        version: i64,
        name: &str,
        spec: &str,
    ) -> Result<EvalMethod> {
        let name = check_name(name)?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE eval_method SET name = $1, spec = $2, version = version + 1, updated_at = $3, demo = 0
             WHERE id = $4 AND version = $5",
        )
        .bind(name)
        .bind(spec)
        .bind(now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate(format!("已有同名方法：{name}")),
            other => other,
        })?;
        if done.rows_affected() == 0 {
            drop(tx);
            self.eval_method(id).await?;
            return Err(StoreError::Conflict);
        }
        // A changed method changes every score computed with it: the change is on record.
        audit::commit_audited(
            tx,
            "eval.method.update",
            &format!("eval-method:{id}"),
            &json!({"name": name, "version": version + 1, "spec_sha256": sha256_hex(spec.as_bytes())}),
        )
        .await?;
        self.eval_method(id).await
    }

    pub async fn eval_method(&self, id: i64) -> Result<EvalMethod> {
        let query = sqlx::query(
            "SELECT id, name, spec, demo, version, created_at, updated_at FROM eval_method WHERE id = $1",
        )
        .bind(id);
        self.fetch_row(query, method_from_row).await
    }

    pub async fn eval_methods(&self) -> Result<Vec<EvalMethod>> {
        let query = sqlx::query(
            "SELECT id, name, spec, demo, version, created_at, updated_at FROM eval_method ORDER BY id",
        );
        self.fetch_rows(query, method_from_row).await
    }

    // ---- data sets ----

    /// Stores a data set file (already checked by the caller) with its SHA-256.
    pub async fn create_eval_dataset(&self, d: &NewEvalDataset<'_>) -> Result<EvalDataset> {
        let name = check_name(d.name)?;
        if d.bytes.is_empty() {
            return Err(StoreError::Invalid("文件为空".into()));
        }
        if d.bytes.len() > MAX_DATASET_BYTES {
            return Err(StoreError::Invalid(format!(
                "数据文件不能超过 {} MB",
                MAX_DATASET_BYTES / 1024 / 1024
            )));
        }
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO eval_dataset (name, file_name, kind, source, sha256, size, content, units, method_id, demo, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(name)
        .bind(d.file_name)
        .bind(d.kind)
        .bind(d.source)
        .bind(sha256_hex(d.bytes))
        .bind(d.bytes.len() as i64)
        .bind(d.bytes.to_vec())
        .bind(d.units)
        .bind(d.method_id)
        .bind(d.demo as i64)
        .bind(d.created_by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(
            tx,
            "eval.dataset.create",
            &format!("eval-dataset:{id}"),
            &json!({"name": name, "sha256": sha256_hex(d.bytes), "units": d.units}),
        )
        .await?;
        self.eval_dataset(id).await
    }

    pub async fn eval_dataset(&self, id: i64) -> Result<EvalDataset> {
        self.fetch_row(sqlx::query(DATASET_BY_ID).bind(id), dataset_from_row)
            .await
    }

    pub async fn eval_datasets(&self) -> Result<Vec<EvalDataset>> {
        let query = sqlx::query(
            "SELECT d.id, d.name, d.file_name, d.kind, d.source, d.sha256, d.size, d.units, d.method_id, d.demo, u.name AS created_by, d.created_at
             FROM eval_dataset d LEFT JOIN app_user u ON u.id = d.created_by ORDER BY d.id",
        );
        self.fetch_rows(query, dataset_from_row).await
    }

    /// The stored file, checked against its hash.
    pub async fn eval_dataset_bytes(&self, d: &EvalDataset) -> Result<Vec<u8>> {
        let (content,): (Vec<u8>,) =
            sqlx::query_as("SELECT content FROM eval_dataset WHERE id = $1")
                .bind(d.id)
                .fetch_one(self.pool())
                .await?;
        verified(content, &d.sha256, "eval_dataset", d.id)
    }

    // ---- runs ----

    pub async fn create_eval_run(&self, r: &NewEvalRun<'_>) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO eval_run (dataset_id, method_id, method_name, spec, previous_run_id, snapshot, engine, data_hash, method_hash, units, millis, demo, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(r.dataset_id)
        .bind(r.method_id)
        .bind(r.method_name)
        .bind(r.spec)
        .bind(r.previous_run_id)
        .bind(r.snapshot)
        .bind(r.engine)
        .bind(r.data_hash)
        .bind(r.method_hash)
        .bind(r.units)
        .bind(r.millis)
        .bind(r.demo as i64)
        .bind(r.created_by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(
            tx,
            "eval.run",
            &format!("eval-run:{id}"),
            &json!({"dataset": r.dataset_id, "method": r.method_id, "data_hash": r.data_hash, "method_hash": r.method_hash}),
        )
        .await?;
        Ok(id)
    }

    pub async fn eval_run(&self, id: i64) -> Result<EvalRun> {
        self.fetch_row(sqlx::query(RUN_BY_ID).bind(id), run_from_row)
            .await
    }

    /// The run's snapshot JSON text (with its result).
    pub async fn eval_run_snapshot(&self, id: i64) -> Result<String> {
        let (s,): (String,) = sqlx::query_as("SELECT snapshot FROM eval_run WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(s)
    }

    /// The method text the run used.
    pub async fn eval_run_spec(&self, id: i64) -> Result<String> {
        let (s,): (String,) = sqlx::query_as("SELECT spec FROM eval_run WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(s)
    }

    /// Runs, newest first.
    pub async fn eval_runs(&self) -> Result<Vec<EvalRun>> {
        self.fetch_rows(sqlx::query(RUN_LIST), run_from_row).await
    }

    // ---- snapshots ----

    /// Publishes a run: its snapshot text is copied, byte for byte, into an immutable row.
    /// A run is published at most once (`Duplicate` otherwise).
    pub async fn publish_eval_run(
        &self,
        run_id: i64,
        title: &str,
        by: Option<i64>,
    ) -> Result<EvalSnapshot> {
        let title = check_name(title)?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT snapshot, engine, data_hash, method_hash, demo FROM eval_run WHERE id = $1",
        )
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        let body: String = row.try_get("snapshot")?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO eval_snapshot (run_id, title, body, sha256, engine, data_hash, method_hash, demo, published_by, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(run_id)
        .bind(title)
        .bind(&body)
        .bind(sha256_hex(body.as_bytes()))
        .bind(row.try_get::<String, _>("engine")?)
        .bind(row.try_get::<String, _>("data_hash")?)
        .bind(row.try_get::<String, _>("method_hash")?)
        .bind(row.try_get::<i64, _>("demo")?)
        .bind(by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate("该次评价已发布".into()),
            other => other,
        })?;
        audit::commit_audited(
            tx,
            "eval.publish",
            &format!("eval-run:{run_id}"),
            &json!({"snapshot": id, "title": title, "sha256": sha256_hex(body.as_bytes())}),
        )
        .await?;
        self.eval_snapshot(id).await
    }

    pub async fn eval_snapshot(&self, id: i64) -> Result<EvalSnapshot> {
        self.fetch_row(sqlx::query(SNAPSHOT_BY_ID).bind(id), snapshot_from_row)
            .await
    }

    /// The published bytes, checked against their hash.
    pub async fn eval_snapshot_body(&self, s: &EvalSnapshot) -> Result<String> {
        let (body,): (String,) = sqlx::query_as("SELECT body FROM eval_snapshot WHERE id = $1")
            .bind(s.id)
            .fetch_one(self.pool())
            .await?;
        verified(body, &s.sha256, "eval_snapshot", s.id)
    }

    /// Published snapshots, newest first.
    pub async fn eval_snapshots(&self) -> Result<Vec<EvalSnapshot>> {
        self.fetch_rows(sqlx::query(SNAPSHOT_LIST), snapshot_from_row)
            .await
    }

    // ---- indicator data already in duban ----

    /// Targets with at least one value in an accepted report (candidate indicators).
    pub async fn reported_targets(&self) -> Result<Vec<ReportedTarget>> {
        let query = sqlx::query(
            "SELECT t.id AS target_id, t.plan_id, p.title AS plan_title, k.number AS task_number, t.position, t.metric, t.unit,
                    COUNT(DISTINCT r.unit_id) AS units
             FROM report_value v
             JOIN report r ON r.id = v.report_id
             JOIN target t ON t.id = v.target_id
             JOIN task k ON k.id = t.task_id
             JOIN plan p ON p.id = t.plan_id
             WHERE r.state = 'accepted' AND v.value IS NOT NULL
             GROUP BY t.id, t.plan_id, p.title, k.number, t.position, t.metric, t.unit
             ORDER BY t.plan_id, k.number, t.position",
        );
        self.fetch_rows(query, |r| {
            Ok(ReportedTarget {
                target_id: r.try_get("target_id")?,
                plan_id: r.try_get("plan_id")?,
                plan_title: r.try_get("plan_title")?,
                task_number: r.try_get("task_number")?,
                position: r.try_get("position")?,
                metric: r.try_get("metric")?,
                unit: r.try_get("unit")?,
                units: r.try_get("units")?,
            })
        })
        .await
    }
}

const DATASET_BY_ID: &str = "SELECT d.id, d.name, d.file_name, d.kind, d.source, d.sha256, d.size, d.units, d.method_id, d.demo, u.name AS created_by, d.created_at
     FROM eval_dataset d LEFT JOIN app_user u ON u.id = d.created_by WHERE d.id = $1";

const RUN_BY_ID: &str = "SELECT r.id, r.dataset_id, d.name AS dataset_name, r.method_id, r.method_name, r.previous_run_id, r.engine, r.data_hash, r.method_hash, r.units, r.millis, r.demo, u.name AS created_by, r.created_at, s.id AS snapshot_id
     FROM eval_run r JOIN eval_dataset d ON d.id = r.dataset_id
     LEFT JOIN app_user u ON u.id = r.created_by
     LEFT JOIN eval_snapshot s ON s.run_id = r.id
     WHERE r.id = $1";

const RUN_LIST: &str = "SELECT r.id, r.dataset_id, d.name AS dataset_name, r.method_id, r.method_name, r.previous_run_id, r.engine, r.data_hash, r.method_hash, r.units, r.millis, r.demo, u.name AS created_by, r.created_at, s.id AS snapshot_id
     FROM eval_run r JOIN eval_dataset d ON d.id = r.dataset_id
     LEFT JOIN app_user u ON u.id = r.created_by
     LEFT JOIN eval_snapshot s ON s.run_id = r.id
     ORDER BY r.id DESC";

const SNAPSHOT_BY_ID: &str = "SELECT s.id, s.run_id, s.title, s.sha256, s.engine, s.data_hash, s.method_hash, s.demo, u.name AS published_by, s.published_at
     FROM eval_snapshot s LEFT JOIN app_user u ON u.id = s.published_by WHERE s.id = $1";

const SNAPSHOT_LIST: &str = "SELECT s.id, s.run_id, s.title, s.sha256, s.engine, s.data_hash, s.method_hash, s.demo, u.name AS published_by, s.published_at
     FROM eval_snapshot s LEFT JOIN app_user u ON u.id = s.published_by ORDER BY s.id DESC";

#[cfg(test)]
mod tests {
    use crate::testing::TestDb;

    use super::*;

    #[tokio::test]
    async fn dataset_method_run_publish_and_immutability() {
        let db = TestDb::fresh().await.unwrap();
        let s = &db.store;
        let m = s
            .create_eval_method("m", "id = \"x\"", false, None)
            .await
            .unwrap();
        assert!(matches!(
            s.create_eval_method(" m ", "x", false, None).await,
            Err(StoreError::Duplicate(_))
        ));
        let m2 = s
            .update_eval_method(m.id, 1, "m", "id = \"y\"")
            .await
            .unwrap();
        assert_eq!(m2.version, 2);
        assert!(matches!(
            s.update_eval_method(m.id, 1, "m", "z").await,
            Err(StoreError::Conflict)
        ));
        let d = s
            .create_eval_dataset(&NewEvalDataset {
                name: "d",
                file_name: "d.csv",
                kind: "csv",
                source: "upload",
                bytes: b"x,a\n1,2\n",
                units: 1,
                method_id: Some(m.id),
                demo: false,
                created_by: None,
            })
            .await
            .unwrap();
        assert_eq!(d.sha256, sha256_hex(b"x,a\n1,2\n"));
        assert_eq!(s.eval_dataset_bytes(&d).await.unwrap(), b"x,a\n1,2\n");
        let run = s
            .create_eval_run(&NewEvalRun {
                dataset_id: d.id,
                method_id: Some(m.id),
                method_name: "m",
                spec: "id = \"y\"",
                previous_run_id: None,
                snapshot: "{\"schema\":1}\n",
                engine: "e",
                data_hash: "dh",
                method_hash: "mh",
                units: 1,
                millis: 3,
                demo: false,
                created_by: None,
            })
            .await
            .unwrap();
        assert_eq!(s.eval_runs().await.unwrap()[0].snapshot_id, None);
        let snap = s.publish_eval_run(run, "t", None).await.unwrap();
        assert_eq!(
            s.eval_snapshot_body(&snap).await.unwrap(),
            "{\"schema\":1}\n"
        );
        assert_eq!(s.eval_run(run).await.unwrap().snapshot_id, Some(snap.id));
        assert!(matches!(
            s.publish_eval_run(run, "t", None).await,
            Err(StoreError::Duplicate(_))
        ));
        // Immutable: the database itself refuses changes.
        assert!(
            sqlx::query("UPDATE eval_snapshot SET title = 'x'")
                .execute(s.pool())
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM eval_snapshot")
                .execute(s.pool())
                .await
                .is_err()
        );
        assert_eq!(s.eval_snapshots().await.unwrap().len(), 1);
        assert!(s.reported_targets().await.unwrap().is_empty());
        // Every change is on the audit chain (a method edit changes every later score),
        // the refused ones (stale version, second publish) not.
        let actions: Vec<(String,)> =
            sqlx::query_as("SELECT action FROM audit_log WHERE action LIKE 'eval.%' ORDER BY seq")
                .fetch_all(s.pool())
                .await
                .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(
            actions,
            [
                "eval.method.create",
                "eval.method.update",
                "eval.dataset.create",
                "eval.run",
                "eval.publish"
            ]
        );
        for a in actions {
            assert!(duban_core::audit::action_label(a).is_some(), "{a}");
        }
    }
}
