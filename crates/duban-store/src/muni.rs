//! 亩均效益评价 rows (issue 12, part 3): schemes (the firm-level `duban.eval/1` text, the
//! region and name columns, the policy table by grade), firm data sets (the uploaded file),
//! runs as background jobs (queued → running → done | failed | cancelled; progress, cancel
//! request), one row per firm of a finished run (pages read slices), 公示 objections and
//! final snapshots (immutable: triggers refuse UPDATE and DELETE).
//!
//! The store keeps texts, bytes and numbers only: parsing and evaluation live in
//! `duban-io::firm_format` / `duban-engine::firm`, called by the platform.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::deliver::evidence::sha256_hex;
use crate::evaluation::check_name;
use crate::{Result, Store, StoreError, audit, now};

/// Largest firm data file accepted (bytes): 16 MiB.
pub const MAX_MUNI_BYTES: usize = 16 * 1024 * 1024;

/// Result rows per page.
pub const PAGE: i64 = 50;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scheme {
    pub id: i64,
    pub name: String,
    pub spec: String,
    pub region_column: Option<String>,
    pub name_column: Option<String>,
    /// The policy table by grade as JSON (`duban-web` reads and writes it).
    pub policy: String,
    pub demo: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct NewScheme<'a> {
    pub name: &'a str,
    pub spec: &'a str,
    pub region_column: Option<&'a str>,
    pub name_column: Option<&'a str>,
    pub policy: &'a str,
    pub demo: bool,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dataset {
    pub id: i64,
    pub scheme_id: i64,
    pub name: String,
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub kind: String,
    pub sha256: String,
    pub size: i64,
    pub firms: i64,
    pub demo: bool,
    /// The run whose accepted objections this data set corrects.
    pub corrects_run_id: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewDataset<'a> {
    pub scheme_id: i64,
    pub name: &'a str,
    pub file_name: &'a str,
    pub kind: &'a str,
    pub bytes: &'a [u8],
    pub firms: i64,
    pub demo: bool,
    pub corrects_run_id: Option<i64>,
    pub created_by: Option<i64>,
}

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Done => "done",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> RunState {
        match s {
            "queued" => RunState::Queued,
            "running" => RunState::Running,
            "done" => RunState::Done,
            "cancelled" => RunState::Cancelled,
            _ => RunState::Failed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RunState::Queued => "排队中",
            RunState::Running => "计算中",
            RunState::Done => "已完成",
            RunState::Failed => "失败",
            RunState::Cancelled => "已取消",
        }
    }

    /// Whether the job has ended (no more changes by the worker).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunState::Done | RunState::Failed | RunState::Cancelled
        )
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Run {
    pub id: i64,
    pub scheme_id: i64,
    pub scheme_name: String,
    pub dataset_id: i64,
    pub dataset_name: String,
    /// The scheme text as run.
    pub spec: String,
    pub state: RunState,
    pub progress: i64,
    pub stage: String,
    pub message: Option<String>,
    pub cancel: bool,
    pub firms: Option<i64>,
    pub evaluated: Option<i64>,
    pub engine: Option<String>,
    pub data_hash: Option<String>,
    pub method_hash: Option<String>,
    /// JSON written by the platform at the end of the run (indicators, benchmarks, counts).
    pub summary: Option<String>,
    pub millis: Option<i64>,
    pub demo: bool,
    pub previous_run_id: Option<i64>,
    pub publicity_from: Option<String>,
    pub publicity_until: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The final snapshot published from this run, if any.
    pub final_id: Option<i64>,
}

/// One firm of a finished run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirmRow {
    pub seq: i64,
    /// Position in the result order: rank within the class, then class, then input order;
    /// excluded firms last (pages read `ORDER BY ord`).
    pub ord: i64,
    pub firm: String,
    pub name: Option<String>,
    pub region: Option<String>,
    pub class: String,
    pub score: Option<f64>,
    pub adjust: f64,
    pub rank: Option<i64>,
    pub grade: Option<String>,
    pub excluded: Option<String>,
    pub leader: i64,
    /// Indicator values as a JSON array in the scheme's order (null = missing).
    pub vals: String,
}

/// Which firms of a run a page shows.
#[derive(Debug, Clone, Default)]
pub struct FirmFilter {
    pub class: Option<String>,
    pub region: Option<String>,
    pub grade: Option<String>,
    /// Part of the firm id or name.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Objection {
    pub id: i64,
    pub run_id: i64,
    pub firm: String,
    pub body: String,
    pub raised_by: String,
    pub raised_at: String,
    pub recorded_by: Option<String>,
    /// `accepted` (采纳) or `rejected` (不采纳); None while open.
    pub decision: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Final {
    pub id: i64,
    pub run_id: i64,
    pub title: String,
    pub sha256: String,
    pub data_hash: String,
    pub method_hash: String,
    pub demo: bool,
    pub published_by: Option<String>,
    pub published_at: String,
}

fn scheme_row(r: &AnyRow) -> Result<Scheme> {
    Ok(Scheme {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        spec: r.try_get("spec")?,
        region_column: r.try_get("region_column")?,
        name_column: r.try_get("name_column")?,
        policy: r.try_get("policy")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const DATASET_COLS: &str =
    "d.id, d.scheme_id, d.name, d.file_name, d.kind, d.sha256, d.size, d.firms, d.demo,
     d.corrects_run_id, u.name AS created_by, d.created_at";

fn dataset_row(r: &AnyRow) -> Result<Dataset> {
    Ok(Dataset {
        id: r.try_get("id")?,
        scheme_id: r.try_get("scheme_id")?,
        name: r.try_get("name")?,
        file_name: r.try_get("file_name")?,
        kind: r.try_get("kind")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        firms: r.try_get("firms")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        corrects_run_id: r.try_get("corrects_run_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

const RUN_COLS: &str =
    "r.id, r.scheme_id, s.name AS scheme_name, r.dataset_id, d.name AS dataset_name,
     r.spec, r.state, r.progress, r.stage, r.message, r.cancel, r.firms, r.evaluated, r.engine,
     r.data_hash, r.method_hash, r.summary, r.millis, r.demo, r.previous_run_id, r.publicity_from,
     r.publicity_until, u.name AS created_by, r.created_at, r.started_at, r.finished_at,
     f.id AS final_id";

const RUN_FROM: &str = "FROM muni_run r JOIN muni_scheme s ON s.id = r.scheme_id
     JOIN muni_dataset d ON d.id = r.dataset_id LEFT JOIN app_user u ON u.id = r.created_by
     LEFT JOIN muni_final f ON f.run_id = r.id";

fn run_row(r: &AnyRow) -> Result<Run> {
    Ok(Run {
        id: r.try_get("id")?,
        scheme_id: r.try_get("scheme_id")?,
        scheme_name: r.try_get("scheme_name")?,
        dataset_id: r.try_get("dataset_id")?,
        dataset_name: r.try_get("dataset_name")?,
        spec: r.try_get("spec")?,
        state: RunState::parse(&r.try_get::<String, _>("state")?),
        progress: r.try_get("progress")?,
        stage: r.try_get("stage")?,
        message: r.try_get("message")?,
        cancel: r.try_get::<i64, _>("cancel")? != 0,
        firms: r.try_get("firms")?,
        evaluated: r.try_get("evaluated")?,
        engine: r.try_get("engine")?,
        data_hash: r.try_get("data_hash")?,
        method_hash: r.try_get("method_hash")?,
        summary: r.try_get("summary")?,
        millis: r.try_get("millis")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        previous_run_id: r.try_get("previous_run_id")?,
        publicity_from: r.try_get("publicity_from")?,
        publicity_until: r.try_get("publicity_until")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        final_id: r.try_get("final_id")?,
    })
}

const FIRM_COLS: &str =
    "seq, ord, firm, name, region, class, score, adjust, rank, grade, excluded, leader, vals";

fn firm_row(r: &AnyRow) -> Result<FirmRow> {
    Ok(FirmRow {
        seq: r.try_get("seq")?,
        ord: r.try_get("ord")?,
        firm: r.try_get("firm")?,
        name: r.try_get("name")?,
        region: r.try_get("region")?,
        class: r.try_get("class")?,
        score: r.try_get("score")?,
        adjust: r.try_get("adjust")?,
        rank: r.try_get("rank")?,
        grade: r.try_get("grade")?,
        excluded: r.try_get("excluded")?,
        leader: r.try_get("leader")?,
        vals: r.try_get("vals")?,
    })
}

fn objection_row(r: &AnyRow) -> Result<Objection> {
    Ok(Objection {
        id: r.try_get("id")?,
        run_id: r.try_get("run_id")?,
        firm: r.try_get("firm")?,
        body: r.try_get("body")?,
        raised_by: r.try_get("raised_by")?,
        raised_at: r.try_get("raised_at")?,
        recorded_by: r.try_get("recorded_by")?,
        decision: r.try_get("decision")?,
        note: r.try_get("note")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
    })
}

fn final_row(r: &AnyRow) -> Result<Final> {
    Ok(Final {
        id: r.try_get("id")?,
        run_id: r.try_get("run_id")?,
        title: r.try_get("title")?,
        sha256: r.try_get("sha256")?,
        data_hash: r.try_get("data_hash")?,
        method_hash: r.try_get("method_hash")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        published_by: r.try_get("published_by")?,
        published_at: r.try_get("published_at")?,
    })
}

/// Firm rows per INSERT statement (14 parameters each).
const INSERT_BATCH: usize = 200;

impl Store {
    // ---- schemes ----

    pub async fn create_muni_scheme(&self, s: &NewScheme<'_>) -> Result<Scheme> {
        let name = check_name(s.name)?;
        let mut tx = self.begin_write().await?;
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM muni_scheme WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Invalid(format!("已有名为“{name}”的评价方案")));
        }
        let at = now();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO muni_scheme (name, spec, region_column, name_column, policy, demo, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(name)
        .bind(s.spec)
        .bind(s.region_column)
        .bind(s.name_column)
        .bind(s.policy)
        .bind(s.demo as i64)
        .bind(s.created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(
            tx,
            "muni.scheme.create",
            &format!("muni-scheme:{id}"),
            &serde_json::json!({"name": name, "spec_sha256": sha256_hex(s.spec.as_bytes())}),
        )
        .await?;
        self.muni_scheme(id).await
    }

    pub async fn muni_scheme(&self, id: i64) -> Result<Scheme> {
        self.fetch_row(
            sqlx::query("SELECT * FROM muni_scheme WHERE id = $1").bind(id),
            scheme_row,
        )
        .await
    }

    pub async fn muni_schemes(&self) -> Result<Vec<Scheme>> {
        self.fetch_rows(
            sqlx::query("SELECT * FROM muni_scheme ORDER BY id DESC"),
            scheme_row,
        )
        .await
    }

    /// Replaces a scheme's policy table (JSON checked by the caller).
    pub async fn set_muni_policy(&self, id: i64, policy: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE muni_scheme SET policy = $1, updated_at = $2 WHERE id = $3")
            .bind(policy)
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::commit_audited(
            tx,
            "muni.policy.edit",
            &format!("muni-scheme:{id}"),
            &serde_json::json!({"policy_sha256": sha256_hex(policy.as_bytes())}),
        )
        .await
    }

    // ---- data sets ----

    pub async fn create_muni_dataset(&self, d: &NewDataset<'_>) -> Result<Dataset> {
        let name = check_name(d.name)?;
        if d.bytes.is_empty() {
            return Err(StoreError::Invalid("文件为空".into()));
        }
        if d.bytes.len() > MAX_MUNI_BYTES {
            return Err(StoreError::Invalid(format!(
                "数据文件不能超过 {} MB",
                MAX_MUNI_BYTES / 1024 / 1024
            )));
        }
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO muni_dataset (scheme_id, name, file_name, kind, sha256, size, content, firms, demo, corrects_run_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(d.scheme_id)
        .bind(name)
        .bind(d.file_name)
        .bind(d.kind)
        .bind(sha256_hex(d.bytes))
        .bind(d.bytes.len() as i64)
        .bind(d.bytes.to_vec())
        .bind(d.firms)
        .bind(d.demo as i64)
        .bind(d.corrects_run_id)
        .bind(d.created_by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(tx, "muni.dataset.upload",
            &format!("muni-dataset:{id}"),
            &serde_json::json!({"scheme_id": d.scheme_id, "name": name, "sha256": sha256_hex(d.bytes), "firms": d.firms})).await?;
        self.muni_dataset(id).await
    }

    pub async fn muni_dataset(&self, id: i64) -> Result<Dataset> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DATASET_COLS} FROM muni_dataset d LEFT JOIN app_user u ON u.id = d.created_by WHERE d.id = $1"
        )))
        .bind(id);
        self.fetch_row(query, dataset_row).await
    }

    /// Data sets of a scheme (all schemes when None), newest first.
    pub async fn muni_datasets(&self, scheme_id: Option<i64>) -> Result<Vec<Dataset>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DATASET_COLS} FROM muni_dataset d LEFT JOIN app_user u ON u.id = d.created_by
             WHERE ($1 IS NULL OR d.scheme_id = $1) ORDER BY d.id DESC"
        )))
        .bind(scheme_id);
        self.fetch_rows(query, dataset_row).await
    }

    /// The stored bytes of a data set.
    pub async fn muni_dataset_content(&self, id: i64) -> Result<Vec<u8>> {
        let (c,): (Vec<u8>,) = sqlx::query_as("SELECT content FROM muni_dataset WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(c)
    }

    // ---- runs (jobs) ----

    /// Queues a run of `scheme_id` (its current text) on `dataset_id`.
    pub async fn queue_muni_run(
        &self,
        scheme_id: i64,
        dataset_id: i64,
        previous_run_id: Option<i64>,
        created_by: Option<i64>,
    ) -> Result<Run> {
        let scheme = self.muni_scheme(scheme_id).await?;
        let dataset = self.muni_dataset(dataset_id).await?;
        if dataset.scheme_id != scheme_id {
            return Err(StoreError::Invalid(
                "该数据集是按另一个评价方案校验的".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO muni_run (scheme_id, dataset_id, spec, state, demo, previous_run_id, created_by, created_at)
             VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7) RETURNING id",
        )
        .bind(scheme_id)
        .bind(dataset_id)
        .bind(&scheme.spec)
        .bind((scheme.demo || dataset.demo) as i64)
        .bind(previous_run_id)
        .bind(created_by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(tx, "muni.run.queue",
            &format!("muni-run:{id}"),
            &serde_json::json!({"scheme_id": scheme_id, "dataset_id": dataset_id, "previous_run_id": previous_run_id})).await?;
        self.muni_run(id).await
    }

    pub async fn muni_run(&self, id: i64) -> Result<Run> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} {RUN_FROM} WHERE r.id = $1"
        )))
        .bind(id);
        self.fetch_row(query, run_row).await
    }

    /// Runs of a scheme (all when None), newest first.
    pub async fn muni_runs(&self, scheme_id: Option<i64>) -> Result<Vec<Run>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} {RUN_FROM} WHERE ($1 IS NULL OR r.scheme_id = $1) ORDER BY r.id DESC"
        )))
        .bind(scheme_id);
        self.fetch_rows(query, run_row).await
    }

    /// Takes a run for a worker, with a lease of `lease` from now: a queued run, or a
    /// running one whose lease has passed (its worker died; its partial rows are removed).
    /// False when neither (taken by another worker, ended, or cancelled before it started).
    pub async fn claim_muni_run(&self, id: i64, lease: chrono::Duration) -> Result<bool> {
        let at = chrono::Utc::now();
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE muni_run SET state = 'running', started_at = $1, stage = '读取数据', progress = 5,
               lease_until = $2
             WHERE id = $3 AND (state = 'queued' OR (state = 'running' AND lease_until < $1))",
        )
        .bind(crate::db::format_time(at))
        .bind(crate::db::format_time(at + lease))
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query("DELETE FROM muni_firm WHERE run_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Runs no worker holds: running with their lease passed, or queued for over a minute
    /// (the server that queued them stopped before starting them).
    pub async fn stale_muni_runs(&self) -> Result<Vec<i64>> {
        let at = chrono::Utc::now();
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM muni_run WHERE (state = 'running' AND lease_until < $1)
               OR (state = 'queued' AND created_at < $2) ORDER BY id",
        )
        .bind(crate::db::format_time(at))
        .bind(crate::db::format_time(at - chrono::Duration::minutes(1)))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Records progress of a running job and renews its lease by `lease`; answers whether a
    /// cancel was requested.
    pub async fn muni_run_progress(
        &self,
        id: i64,
        progress: i64,
        stage: &str,
        lease: chrono::Duration,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE muni_run SET progress = $1, stage = $2, lease_until = $3
             WHERE id = $4 AND state = 'running'",
        )
        .bind(progress.clamp(0, 100))
        .bind(stage)
        .bind(crate::db::format_time(chrono::Utc::now() + lease))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let (cancel,): (i64,) = sqlx::query_as("SELECT cancel FROM muni_run WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(cancel != 0)
    }

    /// Asks a job to stop: a queued job is cancelled at once, a running one at its next
    /// progress step. A job that has ended is refused.
    pub async fn cancel_muni_run(&self, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let state: Option<(String,)> = sqlx::query_as("SELECT state FROM muni_run WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let state = RunState::parse(&state.ok_or(StoreError::NotFound)?.0);
        match state {
            RunState::Queued => {
                sqlx::query(
                    "UPDATE muni_run SET state = 'cancelled', cancel = 1, finished_at = $1, stage = '已取消' WHERE id = $2",
                )
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            RunState::Running => {
                sqlx::query("UPDATE muni_run SET cancel = 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            s => {
                return Err(StoreError::Invalid(format!(
                    "该运行已{}，不能取消",
                    s.label()
                )));
            }
        }
        audit::commit_audited(
            tx,
            "muni.run.cancel",
            &format!("muni-run:{id}"),
            &serde_json::json!({"state": state.as_str()}),
        )
        .await
    }

    /// Appends firm rows of a running job (in `seq` order, in batches).
    pub async fn insert_muni_firms(&self, run_id: i64, rows: &[FirmRow]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for chunk in rows.chunks(INSERT_BATCH) {
            let mut sql = String::from(
                "INSERT INTO muni_firm (run_id, seq, ord, firm, name, region, class, score, adjust, rank, grade, excluded, leader, vals) VALUES ",
            );
            for k in 0..chunk.len() {
                let b = k * 14;
                if k > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for j in 1..=14 {
                    if j > 1 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${}", b + j));
                }
                sql.push(')');
            }
            // Not kept as a prepared statement: every batch of the same size has the same
            // text, and a statement prepared with a NULL score would fix that parameter's
            // type for the next batch (PostgreSQL: "incorrect binary data format").
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).persistent(false);
            for f in chunk {
                q = q
                    .bind(run_id)
                    .bind(f.seq)
                    .bind(f.ord)
                    .bind(&f.firm)
                    .bind(&f.name)
                    .bind(&f.region)
                    .bind(&f.class)
                    .bind(f.score)
                    .bind(f.adjust)
                    .bind(f.rank)
                    .bind(&f.grade)
                    .bind(&f.excluded)
                    .bind(f.leader)
                    .bind(&f.vals);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends a job as done with its figures and summary.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_muni_run(
        &self,
        id: i64,
        firms: i64,
        evaluated: i64,
        engine: &str,
        data_hash: &str,
        method_hash: &str,
        summary: &str,
        millis: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE muni_run SET state = 'done', progress = 100, stage = '完成', firms = $1, evaluated = $2,
               engine = $3, data_hash = $4, method_hash = $5, summary = $6, millis = $7, finished_at = $8
             WHERE id = $9 AND state = 'running'",
        )
        .bind(firms)
        .bind(evaluated)
        .bind(engine)
        .bind(data_hash)
        .bind(method_hash)
        .bind(summary)
        .bind(millis)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::commit_audited(tx, "muni.run.done",
            &format!("muni-run:{id}"),
            &serde_json::json!({"firms": firms, "evaluated": evaluated, "data_hash": data_hash, "method_hash": method_hash})).await
    }

    /// Ends a job as failed (with the message) or cancelled; its firm rows are removed.
    pub async fn end_muni_run(
        &self,
        id: i64,
        state: RunState,
        message: Option<&str>,
    ) -> Result<()> {
        debug_assert!(matches!(state, RunState::Failed | RunState::Cancelled));
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM muni_firm WHERE run_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE muni_run SET state = $1, message = $2, stage = $3, finished_at = $4
             WHERE id = $5 AND state IN ('queued', 'running')",
        )
        .bind(state.as_str())
        .bind(message)
        .bind(state.label())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- result rows ----

    fn firm_where(filter: &FirmFilter) -> (String, Vec<String>) {
        let mut sql = String::from("WHERE run_id = $1");
        let mut binds = Vec::new();
        let mut add = |clause: &str, v: &str| {
            binds.push(v.to_string());
            sql.push_str(&clause.replace('?', &format!("${}", binds.len() + 1)));
        };
        if let Some(c) = &filter.class {
            add(" AND class = ?", c);
        }
        if let Some(r) = &filter.region {
            add(" AND region = ?", r);
        }
        match filter.grade.as_deref() {
            Some("excluded") => sql.push_str(" AND grade IS NULL"),
            Some(g) => add(" AND grade = ?", g),
            None => {}
        }
        if let Some(t) = &filter.text {
            let like = format!(
                "%{}%",
                t.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            binds.push(like);
            let n = binds.len() + 1;
            sql.push_str(&format!(
                " AND (firm LIKE ${n} ESCAPE '\\' OR name LIKE ${n} ESCAPE '\\')"
            ));
        }
        (sql, binds)
    }

    /// How many firms of a run pass the filter.
    pub async fn muni_firm_count(&self, run_id: i64, filter: &FirmFilter) -> Result<i64> {
        let (w, binds) = Self::firm_where(filter);
        let sql = format!("SELECT COUNT(*) FROM muni_firm {w}");
        let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql)).bind(run_id);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(self.pool()).await?.0)
    }

    /// One page (0-based) of [`PAGE`] firms in result order ([`FirmRow::ord`]).
    pub async fn muni_firms(
        &self,
        run_id: i64,
        filter: &FirmFilter,
        page: i64,
    ) -> Result<Vec<FirmRow>> {
        let tail = format!("ORDER BY ord LIMIT {PAGE} OFFSET {}", page.max(0) * PAGE);
        self.firms_where(run_id, filter, "", &tail).await
    }

    /// Up to `limit` firms that pass the filter, in result order after position `after`
    /// (a download reads a whole run this way, a chunk at a time, without OFFSET's rescans).
    pub async fn muni_firms_after(
        &self,
        run_id: i64,
        filter: &FirmFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FirmRow>> {
        let tail = format!("ORDER BY ord LIMIT {}", limit.clamp(1, 100_000));
        self.firms_where(run_id, filter, &format!(" AND ord > {after}"), &tail)
            .await
    }

    /// The firms of a run that pass the filter and the (numbers-only) `extra` condition.
    async fn firms_where(
        &self,
        run_id: i64,
        filter: &FirmFilter,
        extra: &str,
        tail: &str,
    ) -> Result<Vec<FirmRow>> {
        let (w, binds) = Self::firm_where(filter);
        let sql = format!("SELECT {FIRM_COLS} FROM muni_firm {w}{extra} {tail}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id);
        for b in &binds {
            q = q.bind(b);
        }
        self.fetch_rows(q, firm_row).await
    }

    /// The names (企业名称) of the given firms of a run, by firm id (a firm without a name,
    /// or not in the run, is left out): the names a 领跑者 list or an objection list shows.
    pub async fn muni_firm_names(
        &self,
        run_id: i64,
        firms: &[&str],
    ) -> Result<std::collections::HashMap<String, String>> {
        let mut names = std::collections::HashMap::new();
        for chunk in firms.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|k| format!("${}", k + 2)).collect();
            let sql = format!(
                "SELECT firm, name FROM muni_firm WHERE run_id = $1 AND name IS NOT NULL AND firm IN ({})",
                marks.join(", ")
            );
            let mut q =
                sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql)).bind(run_id);
            for f in chunk {
                q = q.bind(*f);
            }
            names.extend(q.fetch_all(self.pool()).await?);
        }
        Ok(names)
    }

    /// One firm of a run by its id.
    pub async fn muni_firm(&self, run_id: i64, firm: &str) -> Result<FirmRow> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FIRM_COLS} FROM muni_firm WHERE run_id = $1 AND firm = $2"
        )))
        .bind(run_id)
        .bind(firm);
        self.fetch_row(query, firm_row).await
    }

    /// Evaluated firms of one class of a run (for a firm's 体检报告: its class's spread).
    pub async fn muni_class_size(&self, run_id: i64, class: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM muni_firm WHERE run_id = $1 AND class = $2 AND grade IS NOT NULL",
        )
        .bind(run_id)
        .bind(class)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    // ---- 公示 and objections ----

    /// Opens the 公示 of a finished run from `from` to `until` (dates, Beijing).
    pub async fn open_muni_publicity(&self, id: i64, from: &str, until: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT state FROM muni_run WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let (state,) = row.ok_or(StoreError::NotFound)?;
        if RunState::parse(&state) != RunState::Done {
            return Err(StoreError::Invalid("只有已完成的运行可以公示".into()));
        }
        // Guarded, the one check of "not open yet": of two opens at once, the second finds
        // the 公示 already open.
        let opened = sqlx::query(
            "UPDATE muni_run SET publicity_from = $1, publicity_until = $2 WHERE id = $3 AND publicity_from IS NULL",
        )
        .bind(from)
        .bind(until)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if opened.rows_affected() == 0 {
            return Err(StoreError::Invalid("该结果已在公示".into()));
        }
        audit::commit_audited(
            tx,
            "muni.publicity.open",
            &format!("muni-run:{id}"),
            &serde_json::json!({"from": from, "until": until}),
        )
        .await
    }

    pub async fn add_muni_objection(
        &self,
        run_id: i64,
        firm: &str,
        body: &str,
        raised_by: &str,
        raised_at: &str,
        recorded_by: Option<i64>,
    ) -> Result<Objection> {
        let mut tx = self.begin_write().await?;
        refuse_if_final(&mut tx, run_id).await?;
        // The firm by its code; else by its name, when one firm of the run has it.
        let by_code: Option<(String,)> =
            sqlx::query_as("SELECT firm FROM muni_firm WHERE run_id = $1 AND firm = $2")
                .bind(run_id)
                .bind(firm)
                .fetch_optional(&mut *tx)
                .await?;
        let found: Vec<(String,)> = match by_code {
            Some(code) => vec![code],
            None => {
                sqlx::query_as("SELECT firm FROM muni_firm WHERE run_id = $1 AND name = $2 LIMIT 2")
                    .bind(run_id)
                    .bind(firm)
                    .fetch_all(&mut *tx)
                    .await?
            }
        };
        let firm = match found.as_slice() {
            [(code,)] => code.clone(),
            [] => {
                return Err(StoreError::Invalid(format!(
                    "本次结果中没有企业代码或名称为“{firm}”的企业"
                )));
            }
            _ => {
                return Err(StoreError::Invalid(format!(
                    "名称为“{firm}”的企业不止一家，请填写企业代码"
                )));
            }
        };
        let firm = firm.as_str();
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO muni_objection (run_id, firm, body, raised_by, raised_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(run_id)
        .bind(firm)
        .bind(body)
        .bind(raised_by)
        .bind(raised_at)
        .bind(recorded_by)
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(
            tx,
            "muni.objection.record",
            &format!("muni-run:{run_id}"),
            &serde_json::json!({"objection": id, "firm": firm, "raised_by": raised_by}),
        )
        .await?;
        self.muni_objection(id).await
    }

    pub async fn decide_muni_objection(
        &self,
        id: i64,
        accepted: bool,
        note: &str,
        decided_by: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64,)> = sqlx::query_as("SELECT run_id FROM muni_objection WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let (run_id,) = row.ok_or(StoreError::NotFound)?;
        refuse_if_final(&mut tx, run_id).await?;
        let d = if accepted { "accepted" } else { "rejected" };
        // Guarded, the one check of "not decided yet": of two decisions at once, only the
        // first is recorded.
        let decided = sqlx::query(
            "UPDATE muni_objection SET decision = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5 AND decision IS NULL",
        )
        .bind(d)
        .bind(note)
        .bind(decided_by)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if decided.rows_affected() == 0 {
            return Err(StoreError::Invalid("该异议已有处理结论".into()));
        }
        audit::commit_audited(
            tx,
            "muni.objection.decide",
            &format!("muni-run:{run_id}"),
            &serde_json::json!({"objection": id, "decision": d, "note": note}),
        )
        .await
    }

    pub async fn muni_objection(&self, id: i64) -> Result<Objection> {
        self.muni_objections_where("o.id = $1", id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub async fn muni_objections(&self, run_id: i64) -> Result<Vec<Objection>> {
        self.muni_objections_where("o.run_id = $1", run_id).await
    }

    async fn muni_objections_where(&self, cond: &str, v: i64) -> Result<Vec<Objection>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.run_id, o.firm, o.body, o.raised_by, o.raised_at, r.name AS recorded_by,
                    o.decision, o.note, d.name AS decided_by, o.decided_at
             FROM muni_objection o LEFT JOIN app_user r ON r.id = o.recorded_by
             LEFT JOIN app_user d ON d.id = o.decided_by WHERE {cond} ORDER BY o.id"
        )))
        .bind(v);
        self.fetch_rows(query, objection_row).await
    }

    // ---- final snapshots ----

    /// Stores the final snapshot of a run (once; immutable).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_muni_final(
        &self,
        run_id: i64,
        title: &str,
        body: &str,
        data_hash: &str,
        method_hash: &str,
        demo: bool,
        by: Option<i64>,
    ) -> Result<Final> {
        let title = check_name(title)?;
        let mut tx = self.begin_write().await?;
        lock_run(&mut tx, run_id).await?;
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM muni_final WHERE run_id = $1")
            .bind(run_id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Invalid("该运行已正式发布".into()));
        }
        // Checked again inside the write: an objection recorded or accepted while the
        // snapshot was being computed must still block the publication.
        let (open, accepted): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN decision IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN decision = 'accepted' THEN 1 ELSE 0 END), 0)
             FROM muni_objection WHERE run_id = $1",
        )
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        if open > 0 {
            return Err(StoreError::Invalid("尚有未处理的异议".into()));
        }
        if accepted > 0 {
            return Err(StoreError::Invalid(
                "已采纳异议：请用更正后的数据重新运行，公示后发布新结果".into(),
            ));
        }
        let sha = sha256_hex(body.as_bytes());
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO muni_final (run_id, title, body, sha256, data_hash, method_hash, demo, published_by, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(run_id)
        .bind(title)
        .bind(body)
        .bind(&sha)
        .bind(data_hash)
        .bind(method_hash)
        .bind(demo as i64)
        .bind(by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        audit::commit_audited(tx, "muni.final.publish",
            &format!("muni-run:{run_id}"),
            &serde_json::json!({"final": id, "sha256": sha, "data_hash": data_hash, "method_hash": method_hash})).await?;
        self.muni_final(id).await
    }

    pub async fn muni_final(&self, id: i64) -> Result<Final> {
        self.muni_finals_where("f.id = $1", Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub async fn muni_finals(&self) -> Result<Vec<Final>> {
        self.muni_finals_where("f.id > $1", Some(0)).await
    }

    async fn muni_finals_where(&self, cond: &str, v: Option<i64>) -> Result<Vec<Final>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT f.id, f.run_id, f.title, f.sha256, f.data_hash, f.method_hash, f.demo,
                    u.name AS published_by, f.published_at
             FROM muni_final f LEFT JOIN app_user u ON u.id = f.published_by WHERE {cond} ORDER BY f.id DESC"
        )))
        .bind(v);
        self.fetch_rows(query, final_row).await
    }

    /// The final snapshot's bytes (as `duban eval verify` reads them).
    pub async fn muni_final_body(&self, id: i64) -> Result<String> {
        let (b,): (String,) = sqlx::query_as("SELECT body FROM muni_final WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(b)
    }
}

/// Locks run `run_id`'s row for the rest of the transaction (a no-op UPDATE): objections
/// and the final publication of one run queue here on both engines, so a final cannot be
/// stored beside an objection recorded or decided at the same moment.
async fn lock_run(conn: &mut sqlx::AnyConnection, run_id: i64) -> Result<()> {
    let locked = sqlx::query("UPDATE muni_run SET state = state WHERE id = $1")
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Objections are closed once the run's result is published as final (the run is locked
/// first, see [`lock_run`]).
async fn refuse_if_final(conn: &mut sqlx::AnyConnection, run_id: i64) -> Result<()> {
    lock_run(conn, run_id).await?;
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM muni_final WHERE run_id = $1")
        .bind(run_id)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Invalid("该结果已正式发布，异议已关闭".into()));
    }
    Ok(())
}
