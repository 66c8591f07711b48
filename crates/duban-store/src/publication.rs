//! Publications (issue 14): immutable rows of published content (a plan's lights as of a
//! date, an issued bulletin, an evaluation ranking), withdrawals recorded beside them, and
//! bulletin drafts moving through 起草 → 审核 → 签发. Every change is appended to the audit
//! chain in its transaction. The content is JSON text of `duban_core::publication::Content`
//! written by the caller; the store keeps it byte for byte with its SHA-256.

use duban_core::publication::{Content, PublicationKind, SignOff, SignOffError, content_hash};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::column::parse_column;
use crate::{Result, Store, StoreError, now};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Publication {
    pub id: i64,
    pub kind: PublicationKind,
    pub title: String,
    pub plan_id: Option<i64>,
    pub snapshot_id: Option<i64>,
    pub as_of: Option<String>,
    pub method: String,
    pub series: Option<String>,
    pub year: Option<i64>,
    pub number: Option<i64>,
    pub data_hash: String,
    pub demo: bool,
    pub published_at: String,
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Withdrawal {
    pub reason: String,
    pub at: String,
}

/// A new publication: its content and where it came from.
#[derive(Debug, Clone)]
pub struct NewPublication<'a> {
    pub title: &'a str,
    pub content: &'a Content,
    pub snapshot_id: Option<i64>,
    pub method: &'a str,
    pub by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BulletinDraft {
    pub id: i64,
    pub plan_id: i64,
    pub series: String,
    pub year: i64,
    pub state: SignOff,
    pub version: i64,
    pub content: String,
    pub drafted_at: String,
    pub reviewed_at: Option<String>,
    pub issued_at: Option<String>,
    pub publication_id: Option<i64>,
    pub drafted_by_name: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub issued_by_name: Option<String>,
}

/// The publication query with `$tail` (a literal: WHERE / ORDER BY) appended.
macro_rules! select_publications {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.kind, p.title, p.plan_id, p.snapshot_id, p.as_of, p.method, p.series, p.year, p.number, p.data_hash, p.demo, p.published_at, w.reason AS withdrawn_reason, w.withdrawn_at
               FROM publication p LEFT JOIN publication_withdrawal w ON w.publication_id = p.id ",
            $tail
        )
    };
}

fn publication_from_row(r: &AnyRow) -> Result<Publication> {
    let reason: Option<String> = r.try_get("withdrawn_reason")?;
    let withdrawn_at: Option<String> = r.try_get("withdrawn_at")?;
    Ok(Publication {
        id: r.try_get("id")?,
        kind: parse_column(r, "kind", "publication kind", PublicationKind::parse)?,
        title: r.try_get("title")?,
        plan_id: r.try_get("plan_id")?,
        snapshot_id: r.try_get("snapshot_id")?,
        as_of: r.try_get("as_of")?,
        method: r.try_get("method")?,
        series: r.try_get("series")?,
        year: r.try_get("year")?,
        number: r.try_get("number")?,
        data_hash: r.try_get("data_hash")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        published_at: r.try_get("published_at")?,
        withdrawn: reason.map(|reason| Withdrawal {
            reason,
            at: withdrawn_at.unwrap_or_default(),
        }),
    })
}

/// The bulletin-draft query with `$tail` appended.
macro_rules! select_drafts {
    ($tail:literal) => {
        concat!("SELECT d.id, d.plan_id, d.series, d.year, d.state, d.version, d.content, d.drafted_at, d.reviewed_at, d.issued_at, d.publication_id,
        a.name AS drafted_by_name, b.name AS reviewed_by_name, c.name AS issued_by_name
   FROM bulletin_draft d
   LEFT JOIN app_user a ON a.id = d.drafted_by
   LEFT JOIN app_user b ON b.id = d.reviewed_by
   LEFT JOIN app_user c ON c.id = d.issued_by ", $tail)
    };
}

fn draft_from_row(r: &AnyRow) -> Result<BulletinDraft> {
    Ok(BulletinDraft {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        series: r.try_get("series")?,
        year: r.try_get("year")?,
        state: parse_column(r, "state", "bulletin state", SignOff::parse)?,
        version: r.try_get("version")?,
        content: r.try_get("content")?,
        drafted_at: r.try_get("drafted_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
        issued_at: r.try_get("issued_at")?,
        publication_id: r.try_get("publication_id")?,
        drafted_by_name: r.try_get("drafted_by_name")?,
        reviewed_by_name: r.try_get("reviewed_by_name")?,
        issued_by_name: r.try_get("issued_by_name")?,
    })
}

fn to_json(content: &Content) -> Result<String> {
    serde_json::to_string(content).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_json(text: &str) -> Result<Content> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("publication content: {e}")))
}

impl Store {
    /// Publishes content (a plan snapshot or an evaluation table; bulletins are published by
    /// [`Store::advance_bulletin`]). Returns the new publication.
    pub async fn publish(&self, p: &NewPublication<'_>) -> Result<Publication> {
        if matches!(p.content, Content::Bulletin(_)) {
            return Err(StoreError::Invalid("通报须经审核、签发后发布".into()));
        }
        let mut tx = self.begin_write().await?;
        let id = insert_publication(&mut tx, p, None).await?;
        tx.commit().await?;
        self.publication(id).await
    }

    pub async fn publication(&self, id: i64) -> Result<Publication> {
        self.fetch_row(
            sqlx::query(select_publications!("WHERE p.id = $1")).bind(id),
            publication_from_row,
        )
        .await
    }

    /// Every publication, newest first (withdrawn ones included, marked).
    pub async fn publications(&self) -> Result<Vec<Publication>> {
        self.fetch_rows(
            sqlx::query(select_publications!("ORDER BY p.id DESC")),
            publication_from_row,
        )
        .await
    }

    /// The stored content, checked against its hash.
    pub async fn publication_content(&self, id: i64) -> Result<Content> {
        let (text, hash): (String, String) =
            sqlx::query_as("SELECT content, data_hash FROM publication WHERE id = $1")
                .bind(id)
                .fetch_one(self.pool())
                .await?;
        if content_hash(&text) != hash {
            return Err(StoreError::Corrupt(format!(
                "publication {id}: content does not match its hash"
            )));
        }
        from_json(&text)
    }

    /// A cheap fingerprint of the public set (count of publications and of withdrawals):
    /// caches of the public portal are rebuilt when it changes.
    pub async fn publication_generation(&self) -> Result<(i64, i64)> {
        let (a, b): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM publication), (SELECT COUNT(*) FROM publication_withdrawal)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((a, b))
    }

    /// Withdraws a publication: recorded with its reason, never deleted.
    pub async fn withdraw_publication(&self, id: i64, reason: &str, by: Option<i64>) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("撤回须说明理由".into()));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("SELECT id FROM publication WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO publication_withdrawal (publication_id, reason, withdrawn_by, withdrawn_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(reason)
        .bind(by)
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Conflict,
            other => other,
        })?;
        crate::audit::commit_audited(
            tx,
            "publication.withdraw",
            &format!("publication:{id}"),
            &json!({ "reason": reason }),
        )
        .await
    }

    // ---- bulletins ----

    /// Saves a new bulletin draft (state 起草) composed by the caller.
    pub async fn draft_bulletin(
        &self,
        plan_id: i64,
        content: &Content,
        by: Option<i64>,
    ) -> Result<BulletinDraft> {
        let Content::Bulletin(b) = content else {
            return Err(StoreError::Invalid("not a bulletin".into()));
        };
        let series = b.head.series.trim();
        if series.is_empty() || b.head.title.trim().is_empty() {
            return Err(StoreError::Invalid("通报须有系列名称和标题".into()));
        }
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO bulletin_draft (plan_id, series, year, content, state, drafted_by, drafted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(plan_id)
        .bind(series)
        .bind(i64::from(b.head.year))
        .bind(to_json(content)?)
        .bind(SignOff::Drafted.as_str())
        .bind(by)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::commit_audited(
            tx,
            "bulletin.draft",
            &format!("plan:{plan_id}/bulletin:{id}"),
            &json!({ "series": series, "year": b.head.year, "title": b.head.title }),
        )
        .await?;
        self.bulletin_draft(id).await
    }

    pub async fn bulletin_draft(&self, id: i64) -> Result<BulletinDraft> {
        self.fetch_row(
            sqlx::query(select_drafts!("WHERE d.id = $1")).bind(id),
            draft_from_row,
        )
        .await
    }

    /// Bulletin drafts, newest first.
    pub async fn bulletin_drafts(&self) -> Result<Vec<BulletinDraft>> {
        self.fetch_rows(
            sqlx::query(select_drafts!("ORDER BY d.id DESC")),
            draft_from_row,
        )
        .await
    }

    /// The next sign-off step of a draft (审核, then 签发). `version` is the draft's version
    /// as the signer saw it (409 when it moved). Issuing numbers the bulletin (第N期: the
    /// next number of its series and year) and publishes it; returns the draft after.
    pub async fn advance_bulletin(
        &self,
        id: i64,
        version: i64,
        by: Option<i64>,
    ) -> Result<BulletinDraft> {
        let mut tx = self.begin_write().await?;
        // Lock the draft at the version read (a no-op UPDATE): concurrent steps queue here
        // on both engines and all but the first find the version moved (409), so a draft is
        // reviewed once and issued as one numbered bulletin.
        let locked = sqlx::query(
            "UPDATE bulletin_draft SET version = version WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "SELECT plan_id, series, year, content, state FROM bulletin_draft WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        let state = parse_column(&row, "state", "bulletin state", SignOff::parse)?;
        let next = state
            .advance()
            .map_err(|e: SignOffError| StoreError::Invalid(e.to_string()))?;
        let plan_id: i64 = row.try_get("plan_id")?;
        let at = now();
        let subject = format!("plan:{plan_id}/bulletin:{id}");
        match next {
            SignOff::Reviewed => {
                sqlx::query(
                    "UPDATE bulletin_draft SET state = $1, reviewed_by = $2, reviewed_at = $3, version = version + 1 WHERE id = $4",
                )
                .bind(next.as_str())
                .bind(by)
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                crate::audit::append_current(&mut tx, "bulletin.review", &subject, &json!({}))
                    .await?;
            }
            SignOff::Issued => {
                let series: String = row.try_get("series")?;
                let year: i64 = row.try_get("year")?;
                let (last,): (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(number) FROM publication WHERE kind = 'bulletin' AND series = $1 AND year = $2",
                )
                .bind(&series)
                .bind(year)
                .fetch_one(&mut *tx)
                .await?;
                let number = last.unwrap_or(0) + 1;
                let mut content = from_json(&row.try_get::<String, _>("content")?)?;
                let Content::Bulletin(b) = &mut content else {
                    return Err(StoreError::Corrupt(format!("bulletin draft {id}")));
                };
                b.head.number = u32::try_from(number)
                    .map_err(|_| StoreError::Corrupt(format!("bulletin number {number}")))?;
                let title = format!("{}（{}）", b.head.series, b.head.issue_label());
                let method = b.plan.method.clone();
                let pub_id = insert_publication(
                    &mut tx,
                    &NewPublication {
                        title: &title,
                        content: &content,
                        snapshot_id: None,
                        method: &method,
                        by,
                    },
                    Some(number),
                )
                .await?;
                sqlx::query(
                    "UPDATE bulletin_draft SET state = $1, issued_by = $2, issued_at = $3, publication_id = $4, version = version + 1 WHERE id = $5",
                )
                .bind(next.as_str())
                .bind(by)
                .bind(&at)
                .bind(pub_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                crate::audit::append_current(
                    &mut tx,
                    "bulletin.issue",
                    &subject,
                    &json!({ "publication": pub_id, "number": number }),
                )
                .await?;
            }
            SignOff::Drafted => unreachable!("advance never returns to 起草"),
        }
        tx.commit().await?;
        self.bulletin_draft(id).await
    }
}

/// Inserts a publication row and its audit entry in the caller's transaction.
async fn insert_publication(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    p: &NewPublication<'_>,
    number: Option<i64>,
) -> Result<i64> {
    let title = p.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(StoreError::Invalid("发布标题须为 1–200 个字".into()));
    }
    let text = to_json(p.content)?;
    let hash = content_hash(&text);
    let plan = p.content.plan();
    let (series, year) = match p.content {
        Content::Bulletin(b) => (Some(b.head.series.clone()), Some(i64::from(b.head.year))),
        _ => (None, None),
    };
    let kind = p.content.kind();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO publication (kind, title, plan_id, snapshot_id, as_of, method, series, year, number, content, data_hash, demo, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(title)
    .bind(plan.map(|x| x.plan_id))
    .bind(p.snapshot_id)
    .bind(plan.map(|x| x.as_of.to_string()))
    .bind(p.method)
    .bind(series)
    .bind(year)
    .bind(number)
    .bind(&text)
    .bind(&hash)
    .bind(i64::from(p.content.is_demo()))
    .bind(p.by)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => {
            StoreError::Duplicate("该期号刚被同时签发的另一期通报占用，请再次签发以取得下一期号".into())
        }
        other => other,
    })?;
    crate::audit::append_current(
        tx,
        "publication.create",
        &format!("publication:{id}"),
        &json!({ "kind": kind.as_str(), "title": title, "data_hash": hash }),
    )
    .await?;
    Ok(id)
}
