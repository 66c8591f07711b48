//! File formats: XLSX, CSV (and Parquet / Arrow IPC for evaluation data).

pub mod columnar_write;
pub mod eval_data;
pub mod eval_format;
pub mod eval_result;
pub mod eval_write;
pub mod firm_demo;
pub mod firm_format;
pub mod firm_table;
pub mod formula;
pub mod grid;
pub mod monitor;
pub mod official_doc;
mod pipeline;
pub mod supervision_sheet;
pub mod table_read;
pub mod testing;
