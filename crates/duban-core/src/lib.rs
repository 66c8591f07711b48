//! duban's domain core.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of files, databases,
//! HTTP or clocks; callers pass in everything (texts, dates, reported values) and get
//! values back. Everything the product computes (plan structure, status lights,
//! roll-ups) is decided here, in one deterministic place.

pub mod adoption;
pub mod audit;
pub mod calendar;
pub mod curve;
pub mod deadline;
pub mod escalation;
pub mod hash;
pub mod monitor;
pub mod number;
pub mod period;
pub mod plan;
pub mod plan_status;
pub mod publication;
pub mod report;
pub mod status;
pub mod text;
pub mod unit;

pub use plan::{
    Commitment, Comparator, Diagnostic, DocKind, Item, MetaEvidence, Outline, PLAN_SCHEMA, Pillar,
    Plan, Span, Target, Task,
};
pub use unit::{OrgUnit, UnitKind};

pub use calendar::WorkCalendar;
pub use status::{Light, STATUS_METHOD_VERSION};

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use chrono::NaiveDate;

    /// The date written `2020-07-15`.
    pub(crate) fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
}
