//! File formats: XLSX and CSV.

pub mod eval_data;
pub mod eval_format;
pub mod firm_format;
pub mod firm_table;
pub mod formula;
pub mod supervision_sheet;
