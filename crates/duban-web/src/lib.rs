//! Web platform.
