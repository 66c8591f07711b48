//! duban's application layer: every use-case, between the rules (`duban-core`,
//! `duban-engine`), the rows (`duban-store`), the files (`duban-io`), delivery
//! (`duban-notify`) and the edges (`duban-web`, `duban-cli`).
//!
//! A use-case decides *what happens*: which stored rows feed a rule, what the rule's
//! answer means for the platform (which values count, who is told, which records to
//! store), and in what order. The store only stores (rows in, rows out, transactions);
//! the web crate only speaks HTTP (extract → call a function here → render).
//!
//! | module | use-case |
//! |---|---|
//! | [`access`] | who may read what (reports, escalations, audit entries) |
//! | [`sheet`] | the 督办表: building a unit's sheet, the import policy, the 督办总表 rows |
//! | [`status`] | the status of a plan at a date; which reported values count |
//! | [`plan`] | editing a plan: the edit's own checks before the store applies it |
//! | [`ranking`] | 部门排名 and the due/overdue lists |
//! | [`report`] | report workflow actions and who hears of them |
//! | [`escalation`] | escalation runs (the ladder's required records, stored once) |
//! | [`monitor`] | running the stored warning rules into alerts |
//! | [`dataset`] | evaluation data from accepted reports |
//! | [`workers`] | the background jobs: escalation tick, monitor tick, outbox |

pub mod access;
pub mod dataset;
pub mod error;
pub mod escalation;
pub mod monitor;
pub mod plan;
pub mod ranking;
pub mod report;
pub mod sheet;
pub mod status;
pub mod workers;

pub use error::{Error, Result};

#[cfg(test)]
mod fixtures;
