//! Failures of background jobs (e.g. the escalation tick for one plan), kept so the office
//! sees them on its pages; the newest [`KEEP_FAILURES`] per job are kept.

use crate::{Result, Store, now};

/// How many failures of one job are kept.
pub const KEEP_FAILURES: i64 = 200;

#[derive(Debug, Clone, serde::Serialize)]
pub struct JobFailure {
    pub id: i64,
    pub job: String,
    /// What the job was working on, e.g. `plan:3`.
    pub subject: String,
    pub at: String,
    pub message: String,
}

impl Store {
    /// Records that `job` failed for `subject`.
    pub async fn record_job_failure(&self, job: &str, subject: &str, message: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO job_failure (job, subject, at, message) VALUES ($1, $2, $3, $4)")
            .bind(job)
            .bind(subject)
            .bind(now())
            .bind(message)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM job_failure WHERE job = $1 AND id NOT IN
               (SELECT id FROM job_failure WHERE job = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(job)
        .bind(KEEP_FAILURES)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest failures of `job`, newest first.
    pub async fn job_failures(&self, job: &str, limit: i64) -> Result<Vec<JobFailure>> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, job, subject, at, message FROM job_failure WHERE job = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(job)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, job, subject, at, message)| JobFailure {
                id,
                job,
                subject,
                at,
                message,
            })
            .collect())
    }
}
