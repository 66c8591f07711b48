//! File formats: XLSX and CSV.
