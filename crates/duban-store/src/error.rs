/// What can go wrong in storage. Constraint errors are classified by kind (portable across
/// SQLite and PostgreSQL), never by constraint name.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique key already exists (e.g. a user or unit code taken).
    #[error("already exists: {0}")]
    Duplicate(String),
    /// Optimistic locking: the row changed since the caller read it.
    #[error("the record was changed by someone else (version conflict)")]
    Conflict,
    /// The request is not valid for the stored data (e.g. a unit code that does not exist).
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("migration {name} failed: {source}")]
    Migration {
        name: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db)
                if matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation) =>
            {
                // The database's own text names its constraint (and differs by engine): it is
                // logged, and users read what happened in their words.
                tracing::info!(constraint = db.message(), "unique key taken");
                StoreError::Duplicate("已存在相同名称或代码的记录，未保存".into())
            }
            _ => StoreError::Db(e),
        }
    }
}

impl StoreError {
    /// When the error means the storage itself cannot serve (disk full, read-only, the
    /// database gone), a short Chinese reason for a 503; `None` for every other error.
    pub fn unavailable_reason(&self) -> Option<&'static str> {
        let e = match self {
            StoreError::Db(e) => e,
            _ => return None,
        };
        if matches!(
            e,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
        ) {
            return Some("数据库暂不可用（连接失败或超时）");
        }
        let text = e.to_string().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        if has(&[
            "disk is full",
            "no space left",
            "could not extend file",
            "disk full",
        ]) {
            Some("存储空间已满，数据未保存；请管理员清理磁盘后重试")
        } else if has(&["readonly database", "read-only", "read only"]) {
            Some("数据库为只读，数据未保存；请管理员检查数据目录的权限")
        } else if has(&[
            "unable to open database",
            "no such table",
            "does not exist",
            "disk i/o error",
            "database disk image is malformed",
        ]) {
            Some("数据库不可用（文件缺失、损坏或结构不完整）；请管理员检查")
        } else {
            None
        }
    }
}
