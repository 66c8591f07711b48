//! Tests only: see tests/browser.rs.
