//! Composite evaluation engine (综合评价). Pure: no I/O (issue 5).
//!
//! A [`Dataset`] (units × indicators, missing = NaN) and a [`Spec`] (the `duban.eval/1` method
//! as typed values) go in; an [`Evaluation`] (weights, scores, ranks, class ranks, rank
//! intervals, sensitivity indices, diagnostics) comes out. Conventions and the decisions where
//! peer tools disagree are in `METHODS.md` beside this crate's manifest.

pub mod aggregate;
pub mod evaluate;
pub mod firm;
pub mod formula;
pub mod matrix;
pub mod normalise;
pub mod outlier;
pub mod rank;
pub mod robust;
pub mod spec;
pub mod sum;
pub mod table;
pub mod weights;

pub use evaluate::{
    Dataset, Diagnostic, EvalOptions, Evaluation, Excluded, UnitResult, evaluate, evaluate_with,
};
pub use firm::{FirmEvaluation, FirmSpec, evaluate_firms};
pub use matrix::Matrix;
pub use robust::{Sensitivity, UncertaintyResult, UnitUncertainty};
pub use spec::Spec;
pub use table::{Column, Table, TextColumn};

/// The engine version recorded in snapshots; `duban eval verify` refuses another.
pub const ENGINE_VERSION: &str = concat!("duban-engine ", env!("CARGO_PKG_VERSION"), "+m1");

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("{0}")]
    Shape(String),
    #[error("{0}")]
    Spec(String),
    #[error("indicator '{0}' is not a column of the data")]
    UnknownIndicator(String),
    #[error(
        "unit '{unit}' has no value for '{indicator}' and impute = \"none\" refuses missing data"
    )]
    Missing {
        row: usize,
        unit: String,
        indicator: String,
    },
    #[error("expert weights: {0}")]
    Weights(String),
    #[error("nothing left to evaluate: {0}")]
    NothingLeft(String),
}
