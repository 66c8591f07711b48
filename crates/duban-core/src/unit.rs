//! Organisations that lead, co-operate on or coordinate the plan's tasks.

use serde::{Deserialize, Serialize};

/// What kind of organisation a unit is; decides where it sits in the
/// province → city → county cascade and which pages it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The coordinating office (领导小组办公室).
    Office,
    /// A provincial department (省发展改革委, 省商务厅 …).
    Department,
    /// A prefecture-level city (设区市).
    City,
    /// A county, county-level city or district.
    County,
    Other,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Office => "office",
            UnitKind::Department => "department",
            UnitKind::City => "city",
            UnitKind::County => "county",
            UnitKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        Some(match s {
            "office" => UnitKind::Office,
            "department" => UnitKind::Department,
            "city" => UnitKind::City,
            "county" => UnitKind::County,
            "other" => UnitKind::Other,
            _ => return None,
        })
    }
}

/// An organisation known to duban, keyed by a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
}
