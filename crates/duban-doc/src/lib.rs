//! Reads plan documents into `duban_core::Plan`. Owner: the plan parser (issue 2).
