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
                StoreError::Duplicate(db.message().to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}
