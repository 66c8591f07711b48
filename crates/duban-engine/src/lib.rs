//! Composite evaluation engine. Pure: no I/O (issue 5).
