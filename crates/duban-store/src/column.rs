//! Column decoding shared by the row functions of every module.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

/// A stored name read back through `parse` (an enum's `parse`); a name it does not know
/// means the row is corrupt, reported as `{what} {text:?}`.
pub(crate) fn parse_stored<T>(
    text: &str,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("{what} {text:?}")))
}

/// A text column holding a stored name, read back as by [`parse_stored`].
pub(crate) fn parse_column<T>(
    r: &AnyRow,
    column: &str,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    parse_stored(&r.try_get::<String, _>(column)?, what, parse)
}
