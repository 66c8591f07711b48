//! Storage for duban over `sqlx::Any`: the embedded SQLite file by default, PostgreSQL when
//! the URL says so. One module per noun; every query is a static SQL string with `$n`
//! parameters (no SQL is ever built from values), run unchanged on both engines.
//!
//! Portability rules (see ARCHITECTURE.md): flags are INTEGER 0/1, timestamps ISO-8601 UTC
//! TEXT, numbers REAL/DOUBLE PRECISION; ids are `i64`. The two migration folders
//! (`migrations/sqlite`, `migrations/postgres`) hold files with identical names.

pub mod adjustment;
pub mod assignment;
pub mod audit;
pub mod backup;
mod column;
mod db;
pub mod deliver;
mod error;
pub mod escalation;
pub mod evaluation;
pub mod job;
pub mod meta;
pub mod monitor;
pub mod muni;
pub mod notification;
pub mod plan;
pub mod publication;
pub mod secret;
pub mod session;
mod settings;
pub mod structure;
pub mod target;
pub mod task;
pub mod testing;
pub mod throttle;
pub mod token;
pub mod unit;
pub mod user;

pub use db::{Backend, MIGRATIONS, Store, now, parse_time};
pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
