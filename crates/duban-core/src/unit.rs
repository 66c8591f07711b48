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
    /// The kind as offices name it (UI, CLI listings).
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Office => "办公室",
            UnitKind::Department => "省级部门",
            UnitKind::City => "设区市",
            UnitKind::County => "县（市、区）",
            UnitKind::Other => "其他",
        }
    }

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

/// The units (code, name) closest to what someone typed for a unit code — a mistyped code
/// or the unit's name — best first, at most `limit`. Names that contain the text, or are
/// contained in it, come first; then codes by edit distance (only plausible ones).
pub fn closest_units<'a>(
    units: impl IntoIterator<Item = (&'a str, &'a str)>,
    typed: &str,
    limit: usize,
) -> Vec<(&'a str, &'a str)> {
    let typed = typed.trim();
    let lower = typed.to_lowercase();
    let mut scored: Vec<(usize, (&str, &str))> = units
        .into_iter()
        .filter_map(|(code, name)| {
            let score = if code.eq_ignore_ascii_case(typed) || name == typed {
                0
            } else if !typed.is_empty() && (name.contains(typed) || typed.contains(name)) {
                1
            } else {
                let d = strsim::levenshtein(&code.to_lowercase(), &lower);
                if d > code.chars().count().max(typed.chars().count()) / 2 + 1 {
                    return None;
                }
                2 + d
            };
            Some((score, (code, name)))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.0.cmp(b.1.0)));
    scored.into_iter().take(limit).map(|(_, u)| u).collect()
}

/// An organisation known to duban, keyed by a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
}

#[cfg(test)]
mod closest_tests {
    use super::closest_units;

    const UNITS: [(&str, &str); 4] = [
        ("fgw", "省发展改革委"),
        ("swt", "省商务厅"),
        ("hangzhou", "杭州市"),
        ("jxt", "省经信厅"),
    ];

    #[test]
    fn a_name_or_a_mistyped_code_finds_the_unit() {
        assert_eq!(closest_units(UNITS, "发展改革委", 3)[0].0, "fgw");
        assert_eq!(closest_units(UNITS, "fgw1", 3)[0].0, "fgw");
        assert_eq!(closest_units(UNITS, "hangzou", 3)[0].0, "hangzhou");
        assert_eq!(closest_units(UNITS, "FGW", 3)[0].0, "fgw");
        assert!(closest_units(UNITS, "完全无关的单位名称很长", 3).is_empty());
    }
}
