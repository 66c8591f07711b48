//! File formats: XLSX and CSV.

pub mod eval_data;
pub mod eval_format;
pub mod monitor;
pub mod supervision_sheet;
