//! The application layer's error: storage, a workflow rule, or a use-case refusing the
//! request (Chinese text, shown to users) or failing on stored data.

use duban_store::StoreError;
use duban_store::deliver::DeliverError;

/// What a use-case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A report workflow rule refused the action.
    #[error(transparent)]
    Workflow(#[from] duban_core::report::ReportError),
    /// The request is not valid for the stored data (Chinese, shown to users).
    #[error("{0}")]
    Invalid(String),
    /// Stored data the use-case cannot work with (a stored rules file that no longer parses).
    #[error("{0}")]
    Internal(String),
}

impl From<DeliverError> for Error {
    fn from(e: DeliverError) -> Self {
        match e {
            DeliverError::Store(e) => Error::Store(e),
            DeliverError::Workflow(e) => Error::Workflow(e),
        }
    }
}

/// The result of a use-case.
pub type Result<T, E = Error> = std::result::Result<T, E>;
