//! Words the recognisers share, kept in one place so the headline banner and the task clauses
//! understand a plan the same way.

use duban_core::Comparator;

/// Direction-only goals: how plans say "keep rising" or "keep falling".
pub const TRENDS: &[(&str, Comparator)] = &[
    ("稳步上升", Comparator::Increase),
    ("稳步提高", Comparator::Increase),
    ("稳步提升", Comparator::Increase),
    ("持续上升", Comparator::Increase),
    ("持续提高", Comparator::Increase),
    ("持续提升", Comparator::Increase),
    ("逐步提高", Comparator::Increase),
    ("逐步上升", Comparator::Increase),
    ("不断提高", Comparator::Increase),
    ("进一步提高", Comparator::Increase),
    ("稳步下降", Comparator::Decrease),
    ("持续下降", Comparator::Decrease),
    ("逐步下降", Comparator::Decrease),
    ("明显下降", Comparator::Decrease),
    ("进一步下降", Comparator::Decrease),
    ("继续下降", Comparator::Decrease),
    ("保持下降", Comparator::Decrease),
    ("继续提高", Comparator::Increase),
    ("继续提升", Comparator::Increase),
    ("稳步增长", Comparator::Increase),
    ("持续增长", Comparator::Increase),
    ("正增长", Comparator::Increase),
];

/// Endings of a noun phrase that names a measured quantity (…比重, …增加值, …增速).
pub const MEASURE_SUFFIXES: &[&str] = &[
    "比重",
    "比例",
    "占比",
    "率",
    "水平",
    "份额",
    "指数",
    "总量",
    "规模",
    "增速",
    "增长",
    "收入",
    "增加值",
    "总额",
    "总值",
    "指标",
    "投资",
    "能耗",
    "排放量",
];
