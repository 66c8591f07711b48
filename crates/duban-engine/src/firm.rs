//! 亩均效益 evaluation (seed item 27, 亩均论英雄): every firm scored against its class's
//! benchmarks, ranked and graded A/B/C/D within its class. The rules are in `METHODS.md`
//! ("Firm-level evaluation"); this module is their only implementation.
//!
//! Input is a [`Table`] of raw fields (id, class, land, tax, …) and a [`FirmSpec`]; the
//! indicators are formulas over the table's numeric columns. Everything is struct-of-arrays
//! over the firms, computed with rayon in fixed-size chunks (results do not depend on the
//! number of threads) and grouped by dictionary codes: no allocation per firm.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::formula::Formula;
use crate::spec::{Direction, SPEC_SCHEMA};
use crate::table::{Column, Table};

pub mod checkup;

/// Rows per parallel work item. Fixed, so results never depend on the thread count.
const CHUNK: usize = 1 << 16;

/// The largest weight, ratio cap and bonus/penalty points a scheme may set: far above any
/// published scheme (weights of tens, caps of 2–5, points of a few), and small enough that
/// no score can overflow (1e308 weights gave scores of 1.8e308).
pub const MAX_MAGNITUDE: f64 = 1e6;

/// One column name or several (`class = "county"` or `class = ["industry", "county"]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    One(String),
    Many(Vec<String>),
}

impl Keys {
    pub fn names(&self) -> Vec<&str> {
        match self {
            Keys::One(s) => vec![s.as_str()],
            Keys::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A test on one column: `below` (numeric: value < number; missing never matches) or `in`
/// (text equals one of the values). Used by `[[exclude]]`, `[[adjust]]` and the 领跑者
/// eligibility rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// Numeric: value > number (for `[[adjust]]`, e.g. `above = 0` accidents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    pub reason: String,
}

/// Bonus (+) or penalty (−) points for firms that match the test, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    pub reason: String,
    pub points: f64,
}

impl Adjustment {
    /// The adjustment's test, in the shape shared with `[[exclude]]`.
    pub fn test(&self) -> Exclusion {
        Exclusion {
            column: self.column.clone(),
            below: self.below,
            one_of: self.one_of.clone(),
            above: self.above,
            reason: self.reason.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmIndicator {
    pub name: String,
    pub formula: String,
    #[serde(default)]
    pub direction: Direction,
    pub weight: f64,
    /// The indicator's unit for people (万元/亩), shown beside values and benchmarks; not
    /// used in the computation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchmarkNormalise {
    Benchmark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SumAggregate {
    #[default]
    Sum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExpertWeights {
    #[default]
    Expert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    #[default]
    Mean,
    Median,
    Max,
    /// Published values per class (`[[benchmark]]` entries), e.g. last year's.
    Fixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingRule {
    /// A missing indicator contributes 0.
    #[default]
    Zero,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkOpts {
    #[serde(default)]
    pub basis: Basis,
    #[serde(default = "default_cap")]
    pub cap: f64,
    #[serde(default)]
    pub missing: MissingRule,
}

fn default_cap() -> f64 {
    3.0
}

impl Default for BenchmarkOpts {
    fn default() -> Self {
        Self {
            basis: Basis::Mean,
            cap: default_cap(),
            missing: MissingRule::Zero,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmMethod {
    pub normalise: BenchmarkNormalise,
    #[serde(default)]
    pub aggregate: SumAggregate,
    #[serde(default)]
    pub weights: ExpertWeights,
    #[serde(default)]
    pub benchmark: BenchmarkOpts,
}

/// Grade shares in percent, in rank order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct Grades {
    pub A: u32,
    pub B: u32,
    pub C: u32,
    /// The rest when left out; A + B + C + D must be 100 when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub D: Option<u32>,
}

/// A published benchmark of one class (`basis = "fixed"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedBenchmark {
    /// The class value (several values, in `class` order, for a multi-column class).
    pub class: Keys,
    /// Indicator name → benchmark.
    pub values: std::collections::BTreeMap<String, f64>,
}

/// 领跑者: the top `top` firms of grade A per group, among eligible firms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaders {
    pub top: u32,
    /// Group columns (e.g. `["industry", "county"]`); one list over all firms when empty.
    #[serde(default = "no_keys")]
    pub by: Keys,
    /// A firm matching any of these is not eligible (tried in order, first reason kept).
    #[serde(default, rename = "exclude", skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// Firms with any penalty (negative adjustment) are not eligible unless this is false.
    #[serde(default = "yes")]
    pub no_penalty: bool,
}

fn no_keys() -> Keys {
    Keys::Many(Vec::new())
}

fn yes() -> bool {
    true
}

/// The 亩均效益 method: a `duban.eval/1` spec whose `[method] normalise = "benchmark"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmSpec {
    #[serde(default = "default_schema")]
    pub schema: String,
    pub id: String,
    /// Benchmarks, ranks and grades are within each class; one class of all firms when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Keys>,
    #[serde(default, rename = "exclude", skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    #[serde(rename = "indicator")]
    pub indicators: Vec<FirmIndicator>,
    pub method: FirmMethod,
    pub grades: Grades,
    #[serde(default, rename = "adjust", skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    #[serde(default, rename = "benchmark", skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedBenchmark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaders: Option<Leaders>,
}

fn default_schema() -> String {
    SPEC_SCHEMA.to_string()
}

/// How a column is read: numbers (formulas, `below`/`above`) or text (id, class, `in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUse {
    Number,
    Text,
}

impl FirmSpec {
    /// Checks what serde cannot: weights, cap, grade shares, formulas, tests.
    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |m: String| Err(EngineError::Spec(m));
        if self.schema != SPEC_SCHEMA {
            return bad(format!(
                "schema = \"{}\": this duban reads \"{SPEC_SCHEMA}\"",
                self.schema
            ));
        }
        if self.indicators.is_empty() {
            return bad("no [[indicator]]".into());
        }
        for (k, i) in self.indicators.iter().enumerate() {
            if self.indicators[..k].iter().any(|j| j.name == i.name) {
                return bad(format!("indicator '{}' appears twice", i.name));
            }
            if !(i.weight.is_finite() && (0.0..=MAX_MAGNITUDE).contains(&i.weight)) {
                return bad(format!(
                    "indicator '{}': weight {} must be a number from 0 to {MAX_MAGNITUDE}",
                    i.name, i.weight
                ));
            }
            Formula::parse(&i.formula)
                .map_err(|e| EngineError::Spec(format!("indicator '{}': {e}", i.name)))?;
        }
        let cap = self.method.benchmark.cap;
        if !(cap.is_finite() && cap > 0.0 && cap <= MAX_MAGNITUDE) {
            return bad(format!(
                "[method.benchmark] cap = {cap}: must be a number > 0 and at most {MAX_MAGNITUDE}"
            ));
        }
        let g = &self.grades;
        let abc = g.A as u64 + g.B as u64 + g.C as u64;
        match g.D {
            Some(d) if abc + d as u64 != 100 => {
                return bad(format!(
                    "[grades] A + B + C + D = {}, not 100",
                    abc + d as u64
                ));
            }
            None if abc > 100 => return bad(format!("[grades] A + B + C = {abc}, over 100")),
            _ => {}
        }
        let adjust: Vec<Exclusion> = self.adjustments.iter().map(Adjustment::test).collect();
        let tests = self
            .exclusions
            .iter()
            .map(|e| ("[[exclude]]", e))
            .chain(adjust.iter().map(|t| ("[[adjust]]", t)))
            .chain(
                self.leaders
                    .iter()
                    .flat_map(|l| l.exclusions.iter().map(|e| ("[[leaders.exclude]]", e))),
            );
        for (what, t) in tests {
            // A scope rule is `below` or `in` (the contract); `above` is for points and
            // the 领跑者 filters.
            if what == "[[exclude]]" && t.above.is_some() {
                return bad(format!(
                    "[[exclude]] on '{}': `above` is not a scope rule; use `below` or `in`",
                    t.column
                ));
            }
            let n = t.below.is_some() as u8 + t.one_of.is_some() as u8 + t.above.is_some() as u8;
            if n != 1 {
                let choices = if what == "[[exclude]]" {
                    "`below`, `in`"
                } else {
                    "`below`, `above`, `in`"
                };
                return bad(format!(
                    "{what} on '{}': give exactly one of {choices}",
                    t.column
                ));
            }
            if t.below.is_some_and(|v| !v.is_finite()) || t.above.is_some_and(|v| !v.is_finite()) {
                return bad(format!(
                    "{what} on '{}': the bound must be finite",
                    t.column
                ));
            }
        }
        for a in &self.adjustments {
            if !(a.points.is_finite() && a.points.abs() <= MAX_MAGNITUDE) {
                return bad(format!(
                    "[[adjust]] '{}': points must be finite and at most {MAX_MAGNITUDE} in size",
                    a.reason
                ));
            }
        }
        let fixed = self.method.benchmark.basis == Basis::Fixed;
        if fixed == self.fixed.is_empty() {
            return bad(if fixed {
                "basis = \"fixed\" needs [[benchmark]] entries (class, values)".into()
            } else {
                "[[benchmark]] entries are read only with basis = \"fixed\"".into()
            });
        }
        let nkeys = self.class.as_ref().map_or(0, |c| c.names().len());
        let mut given = std::collections::HashSet::new();
        for b in &self.fixed {
            // One published value per class: a second entry would silently win.
            if !given.insert(b.class.names()) {
                return bad(format!(
                    "[[benchmark]] class {:?} is given twice",
                    b.class.names()
                ));
            }
            if b.class.names().len() != nkeys {
                return bad(format!(
                    "[[benchmark]] class {:?}: {} values for {nkeys} class columns",
                    b.class.names(),
                    b.class.names().len()
                ));
            }
            if let Some((n, v)) = b.values.iter().find(|(_, v)| !v.is_finite()) {
                return bad(format!("[[benchmark]] {:?}: {n} = {v}", b.class.names()));
            }
            if let Some(n) = b
                .values
                .keys()
                .find(|n| !self.indicators.iter().any(|i| &i.name == *n))
            {
                return bad(format!(
                    "[[benchmark]] {:?}: '{n}' is not an indicator",
                    b.class.names()
                ));
            }
        }
        Ok(())
    }

    /// Which part of the spec first names a column, for an error about that column
    /// (`the formula of indicator '亩均税收'`).
    pub fn column_user(&self, column: &str) -> Option<String> {
        if self.id == column {
            return Some("id".into());
        }
        if self.class.iter().flat_map(Keys::names).any(|c| c == column) {
            return Some("class".into());
        }
        for i in &self.indicators {
            if Formula::parse(&i.formula).is_ok_and(|f| f.columns.iter().any(|c| c == column)) {
                return Some(format!("the formula of indicator '{}'", i.name));
            }
        }
        let named = |t: &Exclusion| t.column == column;
        if let Some(e) = self.exclusions.iter().find(|e| named(e)) {
            return Some(format!("[[exclude]] '{}'", e.reason));
        }
        if let Some(a) = self.adjustments.iter().find(|a| named(&a.test())) {
            return Some(format!("[[adjust]] '{}'", a.reason));
        }
        self.leaders.as_ref().and_then(|l| {
            (l.exclusions.iter().any(named) || l.by.names().contains(&column))
                .then(|| "[leaders]".to_string())
        })
    }

    /// The columns this spec reads and how, in first-use order.
    pub fn columns(&self) -> Result<Vec<(String, ColumnUse)>, EngineError> {
        let mut out: Vec<(String, ColumnUse)> = Vec::new();
        let mut add = |name: &str, how: ColumnUse| -> Result<(), EngineError> {
            match out.iter().find(|(n, _)| n == name) {
                Some((_, h)) if *h != how => Err(EngineError::Spec(format!(
                    "column '{name}' is used both as a number and as text"
                ))),
                Some(_) => Ok(()),
                None => {
                    out.push((name.to_string(), how));
                    Ok(())
                }
            }
        };
        add(&self.id, ColumnUse::Text)?;
        for c in self.class.iter().flat_map(Keys::names) {
            add(c, ColumnUse::Text)?;
        }
        for i in &self.indicators {
            let f = Formula::parse(&i.formula)
                .map_err(|e| EngineError::Spec(format!("indicator '{}': {e}", i.name)))?;
            for c in &f.columns {
                add(c, ColumnUse::Number)?;
            }
        }
        let adjust: Vec<Exclusion> = self.adjustments.iter().map(Adjustment::test).collect();
        let tests = self
            .exclusions
            .iter()
            .chain(&adjust)
            .chain(self.leaders.iter().flat_map(|l| &l.exclusions));
        for t in tests {
            let how = if t.one_of.is_some() {
                ColumnUse::Text
            } else {
                ColumnUse::Number
            };
            add(&t.column, how)?;
        }
        for c in self.leaders.iter().flat_map(|l| l.by.names()) {
            add(c, ColumnUse::Text)?;
        }
        Ok(out)
    }

    /// Cumulative grade bounds in percent: A, A+B, A+B+C.
    fn cumulative(&self) -> [u64; 3] {
        let g = &self.grades;
        let a = g.A as u64;
        [a, a + g.B as u64, a + g.B as u64 + g.C as u64]
    }
}

/// The grade of rank `r` (1-based) among `n` evaluated firms of a class, by the integer rule
/// A if (r−1)·100 < A·n, else B if (r−1)·100 < (A+B)·n, else C if < (A+B+C)·n, else D.
pub fn grade(rank: u32, n: u32, cumulative: [u64; 3]) -> u8 {
    let x = (rank as u64 - 1) * 100;
    let n = n as u64;
    if x < cumulative[0] * n {
        b'A'
    } else if x < cumulative[1] * n {
        b'B'
    } else if x < cumulative[2] * n {
        b'C'
    } else {
        b'D'
    }
}

/// The result, struct-of-arrays over the firms in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmEvaluation {
    pub indicators: Vec<String>,
    /// Class names (several class columns joined with `|`), in order of first appearance.
    pub classes: Vec<String>,
    /// Class code of each firm.
    pub class_of: Vec<u32>,
    /// Evaluated firms per class.
    pub class_sizes: Vec<u32>,
    /// `benchmarks[j][c]`: indicator j's benchmark in class c (NaN: no firm has a value).
    pub benchmarks: Vec<Vec<f64>>,
    /// Exclusion reasons (the spec's, in order); `excluded[i]` = 0 evaluated, k = reason k−1.
    pub reasons: Vec<String>,
    pub excluded: Vec<u16>,
    /// `values[j][i]`: indicator j of firm i (NaN = missing).
    pub values: Vec<Vec<f64>>,
    /// Score (NaN for excluded firms).
    pub score: Vec<f64>,
    /// Bonus/penalty total per firm (0 when none).
    pub adjust: Vec<f64>,
    /// Which adjustments applied: bit k = `[[adjust]]` k (at most 64 adjustments).
    pub adjust_hits: Vec<u64>,
    /// Competition rank within the class (0 for excluded firms).
    pub rank: Vec<u32>,
    /// b'A'..b'D' (0 for excluded firms).
    pub grade: Vec<u8>,
    /// 领跑者 position within its group (0 = not a leader); empty without `[leaders]`.
    pub leader: Vec<u32>,
}

impl FirmEvaluation {
    pub fn len(&self) -> usize {
        self.class_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.class_of.is_empty()
    }

    /// The exclusion reason of firm i, if excluded.
    pub fn reason(&self, i: usize) -> Option<&str> {
        match self.excluded[i] {
            0 => None,
            k => Some(&self.reasons[k as usize - 1]),
        }
    }
}

/// Dictionary codes of a text or number column, levels in order of first appearance.
/// Built in parallel chunks, merged in chunk order (so the order is still first appearance).
fn dictionary(col: &Column) -> (Vec<u32>, Vec<String>) {
    fn merge<K: std::hash::Hash + Eq + Clone + Send + Sync>(
        n: usize,
        key: impl Fn(usize) -> K + Sync,
        label: impl Fn(&K) -> String,
    ) -> (Vec<u32>, Vec<String>) {
        let parts: Vec<(Vec<u32>, Vec<K>)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut index: HashMap<K, u32, foldhash::fast::RandomState> = HashMap::default();
                let mut levels = Vec::new();
                let codes = (c * CHUNK..((c + 1) * CHUNK).min(n))
                    .map(|i| {
                        let k = key(i);
                        *index.entry(k.clone()).or_insert_with(|| {
                            levels.push(k);
                            (levels.len() - 1) as u32
                        })
                    })
                    .collect();
                (codes, levels)
            })
            .collect();
        let mut global: HashMap<K, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut names = Vec::new();
        let mut codes = Vec::with_capacity(n);
        for (local, levels) in parts {
            let map: Vec<u32> = levels
                .into_iter()
                .map(|k| {
                    let next = global.len() as u32;
                    *global.entry(k).or_insert_with_key(|k| {
                        names.push(label(k));
                        next
                    })
                })
                .collect();
            codes.extend(local.iter().map(|&c| map[c as usize]));
        }
        (codes, names)
    }
    match col {
        Column::Text(t) => merge(t.len(), |i| t.get(i), |s| s.to_string()),
        Column::Number(v) => merge(
            v.len(),
            // One key for every NaN; −0 and 0 are one value.
            |i| {
                if v[i].is_nan() {
                    u64::MAX
                } else {
                    (v[i] + 0.0).to_bits()
                }
            },
            |&b| {
                if b == u64::MAX {
                    String::new()
                } else {
                    f64::from_bits(b).to_string()
                }
            },
        ),
    }
}

/// Codes of the combination of several key columns (one code for all rows when none).
fn combined_codes(table: &Table, keys: &[&str]) -> Result<(Vec<u32>, Vec<String>), EngineError> {
    let n = table.rows();
    let mut cols = Vec::new();
    for k in keys {
        cols.push(dictionary(column(table, k)?));
    }
    match cols.len() {
        0 => Ok((vec![0; n], vec![String::new()])),
        1 => Ok(cols.pop().expect("one")),
        _ => {
            let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
            let mut names = Vec::new();
            let mut codes = Vec::with_capacity(n);
            let mut key = vec![0u32; cols.len()];
            // Pairs of codes are few (levels of each column); a tuple per row is a lookup,
            // not an allocation.
            for i in 0..n {
                for (k, (c, _)) in key.iter_mut().zip(&cols) {
                    *k = c[i];
                }
                let code = match index.get(&key) {
                    Some(&c) => c,
                    None => {
                        let c = names.len() as u32;
                        names.push(
                            key.iter()
                                .zip(&cols)
                                .map(|(&k, (_, l))| l[k as usize].as_str())
                                .collect::<Vec<_>>()
                                .join("|"),
                        );
                        index.insert(key.clone(), c);
                        c
                    }
                };
                codes.push(code);
            }
            // The joined name is the class's name in every output: two combinations that
            // join alike (`B|C`+`A`, `C`+`A|B`) would be two classes under one name.
            let mut seen = std::collections::HashSet::with_capacity(names.len());
            if let Some(name) = names.iter().find(|n| !seen.insert(n.as_str())) {
                return Err(EngineError::Shape(format!(
                    "class columns {}: two different combinations both read '{name}' \
                     (a class value may not contain '|')",
                    keys.join(", ")
                )));
            }
            Ok((codes, names))
        }
    }
}

fn column<'a>(table: &'a Table, name: &str) -> Result<&'a Column, EngineError> {
    table
        .column(name)
        .ok_or_else(|| EngineError::Spec(format!("no column '{name}' in the data")))
}

fn numbers<'a>(table: &'a Table, name: &str, what: &str) -> Result<&'a [f64], EngineError> {
    match column(table, name)? {
        Column::Number(v) => Ok(v),
        Column::Text(_) => Err(EngineError::Spec(format!(
            "{what}: column '{name}' holds text, not numbers"
        ))),
    }
}

/// Firm ids must be present and distinct. Rows are hashed in parallel, split into 64
/// partitions by hash and each partition checked by its hashes (a map of u64 to first row, no
/// text hashed twice); an equal hash is then compared as text. The error names the earliest
/// row repeating an earlier id (data rows counted from 2, the header being row 1). A partition
/// where two different ids share a 64-bit hash is checked again by text.
fn check_ids(col: &Column, name: &str) -> Result<(), EngineError> {
    use std::hash::BuildHasher;
    let n = col.len();
    let text = |i: usize| -> std::borrow::Cow<'_, str> {
        match col {
            Column::Text(t) => t.get(i).into(),
            Column::Number(v) if v[i].is_nan() => "".into(),
            Column::Number(v) => v[i].to_string().into(),
        }
    };
    if let Some(i) = (0..n).into_par_iter().find_first(|&i| text(i).is_empty()) {
        return Err(EngineError::Shape(format!(
            "row {}: empty id (column '{name}')",
            i + 2
        )));
    }
    // Seeded per process: crafted ids cannot make every row collide.
    let hasher = foldhash::quality::RandomState::default();
    let key = |i: usize| -> u64 {
        match col {
            Column::Text(t) => hasher.hash_one(t.get(i)),
            Column::Number(v) => hasher.hash_one((v[i] + 0.0).to_bits()),
        }
    };
    let hashes: Vec<u64> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(key)
        .collect();
    // Rows by partition, ascending: each chunk of rows split on its own (in parallel), then
    // each partition's pieces joined in chunk order.
    let pieces: Vec<Vec<Vec<u32>>> = hashes
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, hs)| {
            let mut parts: Vec<Vec<u32>> = vec![Vec::new(); 64];
            for (j, h) in hs.iter().enumerate() {
                parts[(h >> 58) as usize].push((c * CHUNK + j) as u32);
            }
            parts
        })
        .collect();
    let parts: Vec<Vec<u32>> = (0..64)
        .into_par_iter()
        .map(|p| {
            let mut rows = Vec::with_capacity(pieces.iter().map(|c| c[p].len()).sum());
            for c in &pieces {
                rows.extend_from_slice(&c[p]);
            }
            rows
        })
        .collect();
    drop(pieces);
    // Earliest (row, first row of its id) in one partition, rows ascending, by text.
    let by_text = |rows: &[u32]| -> Option<(u32, u32)> {
        let mut seen: HashMap<std::borrow::Cow<'_, str>, u32> = HashMap::with_capacity(rows.len());
        for &i in rows {
            match seen.entry(text(i as usize)) {
                std::collections::hash_map::Entry::Occupied(f) => return Some((i, *f.get())),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                }
            }
        }
        None
    };
    let first_dup = parts
        .par_iter()
        .filter_map(|rows| {
            first_repeat(
                rows,
                &hashes,
                |i, f| text(i as usize) == text(f as usize),
                by_text,
            )
        })
        .min();
    match first_dup {
        Some((i, f)) => Err(EngineError::Shape(format!(
            "row {}: id '{}' (column '{name}') already at row {}",
            i as usize + 2,
            text(i as usize),
            f as usize + 2
        ))),
        None => Ok(()),
    }
}

/// The earliest row of `rows` (ascending) repeating an earlier one, with that earlier row,
/// found by the rows' hashes; two rows with one hash are compared with `same`. When two
/// different ids share a hash, the partition is searched again with `by_text`.
fn first_repeat(
    rows: &[u32],
    hashes: &[u64],
    same: impl Fn(u32, u32) -> bool,
    by_text: impl Fn(&[u32]) -> Option<(u32, u32)>,
) -> Option<(u32, u32)> {
    let mut seen: HashMap<u64, u32, IdentityHash> =
        HashMap::with_capacity_and_hasher(rows.len(), IdentityHash);
    for &i in rows {
        match seen.entry(hashes[i as usize]) {
            std::collections::hash_map::Entry::Occupied(f) => {
                let f = *f.get();
                // Two ids, one hash: rows later in the partition may repeat either.
                return if same(i, f) {
                    Some((i, f))
                } else {
                    by_text(rows)
                };
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
        }
    }
    None
}

/// Keys that are already hashes (well mixed): used as they are.
#[derive(Clone, Copy, Default)]
struct IdentityHash;

impl std::hash::BuildHasher for IdentityHash {
    type Hasher = IdentityHasher;
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher(0)
    }
}

struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        // The partition fixes the top bits; a multiply spreads the rest over all 64 (the
        // table takes its bucket from the low bits and its tag from the top seven).
        self.0 = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A compiled test: per-row match.
enum Test<'a> {
    Below(&'a [f64], f64),
    Above(&'a [f64], f64),
    /// Codes of the column and which codes are listed.
    In(Vec<u32>, Vec<bool>),
}

impl Test<'_> {
    #[inline]
    fn hit(&self, i: usize) -> bool {
        match self {
            // NaN compares false: a missing value never matches.
            Test::Below(v, b) => v[i] < *b,
            Test::Above(v, b) => v[i] > *b,
            Test::In(codes, listed) => listed[codes[i] as usize],
        }
    }
}

fn compile<'a>(table: &'a Table, t: &Exclusion, what: &str) -> Result<Test<'a>, EngineError> {
    if let Some(b) = t.below {
        return Ok(Test::Below(numbers(table, &t.column, what)?, b));
    }
    if let Some(b) = t.above {
        return Ok(Test::Above(numbers(table, &t.column, what)?, b));
    }
    let list = t.one_of.as_deref().unwrap_or_default();
    let (codes, levels) = dictionary(column(table, &t.column)?);
    let listed = levels.iter().map(|l| list.contains(l)).collect();
    Ok(Test::In(codes, listed))
}

/// Runs `f(range, out_chunk)` over fixed-size chunks of `out` in parallel.
fn par_chunks<T: Send>(out: &mut [T], f: impl Fn(std::ops::Range<usize>, &mut [T]) + Sync) {
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| f(c * CHUNK..c * CHUNK + chunk.len(), chunk));
}

/// Benefit/cost ratio against benchmark `b`, by the rules of METHODS.md: missing → 0,
/// b ≤ 0 or no benchmark → 0, cost with x ≤ 0 → cap, negative → 0, capped at `cap`.
#[inline]
pub fn ratio(x: f64, b: f64, direction: Direction, cap: f64) -> f64 {
    if x.is_nan() || b.is_nan() || b <= 0.0 {
        return 0.0;
    }
    let r = match direction {
        Direction::Benefit => x / b,
        Direction::Cost if x <= 0.0 => return cap,
        Direction::Cost => b / x,
    };
    // r is never NaN here (b > 0, x finite); ±∞ from overflow is clamped.
    r.clamp(0.0, cap)
}

/// Evaluates every firm of `table` by `spec` (which must pass [`FirmSpec::validate`]).
pub fn evaluate_firms(table: &Table, spec: &FirmSpec) -> Result<FirmEvaluation, EngineError> {
    spec.validate()?;
    let n = table.rows();
    if n > u32::MAX as usize {
        return Err(EngineError::Shape(format!("{n} firms: at most 2³² − 1")));
    }
    check_ids(column(table, &spec.id)?, &spec.id)?;
    if spec.adjustments.len() > 64 {
        return Err(EngineError::Spec("at most 64 [[adjust]] items".into()));
    }
    if spec.exclusions.len() >= u16::MAX as usize {
        return Err(EngineError::Spec("too many [[exclude]] items".into()));
    }
    let class_keys: Vec<&str> = spec.class.iter().flat_map(Keys::names).collect();
    let (class_of, classes) = combined_codes(table, &class_keys)?;
    let nc = classes.len();

    // Exclusions: the first test that matches gives the reason.
    let tests: Vec<Test> = spec
        .exclusions
        .iter()
        .map(|e| compile(table, e, &format!("[[exclude]] '{}'", e.reason)))
        .collect::<Result<_, _>>()?;
    let mut excluded = vec![0u16; n];
    par_chunks(&mut excluded, |rows, out| {
        for (o, i) in out.iter_mut().zip(rows) {
            *o = tests
                .iter()
                .position(|t| t.hit(i))
                .map_or(0, |k| k as u16 + 1);
        }
    });

    // Indicator values: one formula program per indicator, evaluated row by row.
    let mut values = Vec::with_capacity(spec.indicators.len());
    for ind in &spec.indicators {
        let f = Formula::parse(&ind.formula)
            .map_err(|e| EngineError::Spec(format!("indicator '{}': {e}", ind.name)))?;
        let cols: Vec<&[f64]> = f
            .columns
            .iter()
            .map(|c| numbers(table, c, &format!("indicator '{}'", ind.name)))
            .collect::<Result<_, _>>()?;
        let mut v = vec![0.0; n];
        // The common shape `a / b` without the interpreter.
        if let [
            crate::formula::Op::Col(0),
            crate::formula::Op::Col(1),
            crate::formula::Op::Div,
        ] = f.ops[..]
        {
            let (a, b) = (cols[0], cols[1]);
            par_chunks(&mut v, |rows, out| {
                for (o, i) in out.iter_mut().zip(rows) {
                    let q = a[i] / b[i];
                    *o = if q.is_finite() { q } else { f64::NAN };
                }
            });
        } else {
            par_chunks(&mut v, |rows, out| {
                let mut stack = vec![0.0; f.depth()];
                for (o, i) in out.iter_mut().zip(rows) {
                    *o = f.eval_row(&mut stack, |k| cols[k][i]);
                }
            });
        }
        values.push(v);
    }

    // Firms of each class, evaluated only, in input order (a counting sort).
    let mut class_sizes = vec![0u32; nc];
    for (i, &c) in class_of.iter().enumerate() {
        if excluded[i] == 0 {
            class_sizes[c as usize] += 1;
        }
    }
    let mut start = vec![0usize; nc + 1];
    for c in 0..nc {
        start[c + 1] = start[c] + class_sizes[c] as usize;
    }
    let mut order = vec![0u32; start[nc]];
    {
        let mut next = start.clone();
        for (i, &c) in class_of.iter().enumerate() {
            if excluded[i] == 0 {
                order[next[c as usize]] = i as u32;
                next[c as usize] += 1;
            }
        }
    }

    let benchmarks = benchmarks(spec, &classes, &class_keys, &values, &order, &start)?;

    // Adjustments (bonus/penalty points).
    let adj_tests: Vec<Test> = spec
        .adjustments
        .iter()
        .map(|a| compile(table, &a.test(), &format!("[[adjust]] '{}'", a.reason)))
        .collect::<Result<_, _>>()?;
    let mut adjust_hits = vec![0u64; n];
    let mut adjust = vec![0.0f64; n];
    if !adj_tests.is_empty() {
        par_chunks(&mut adjust_hits, |rows, out| {
            for (o, i) in out.iter_mut().zip(rows) {
                // An excluded firm is never scored: no points for or against it either.
                if excluded[i] != 0 {
                    continue;
                }
                for (k, t) in adj_tests.iter().enumerate() {
                    if t.hit(i) {
                        *o |= 1 << k;
                    }
                }
            }
        });
        par_chunks(&mut adjust, |rows, out| {
            for (o, i) in out.iter_mut().zip(rows) {
                for (k, a) in spec.adjustments.iter().enumerate() {
                    if adjust_hits[i] & (1 << k) != 0 {
                        *o += a.points;
                    }
                }
            }
        });
    }

    // Score = Σ weight·ratio in indicator order, then + adjustments; + 0.0 makes −0 into 0 so
    // equal scores are equal bit for bit.
    let cap = spec.method.benchmark.cap;
    let mut score = vec![f64::NAN; n];
    par_chunks(&mut score, |rows, out| {
        for (o, i) in out.iter_mut().zip(rows) {
            if excluded[i] != 0 {
                continue;
            }
            let c = class_of[i] as usize;
            let mut s = 0.0;
            for (j, ind) in spec.indicators.iter().enumerate() {
                s += ind.weight * ratio(values[j][i], benchmarks[j][c], ind.direction, cap);
            }
            *o = s + adjust[i] + 0.0;
        }
    });

    // Ranks and grades within each class.
    let (rank, grade) = rank_and_grade(&score, &order, &start, &class_sizes, spec.cumulative());

    let leader = match &spec.leaders {
        Some(l) => leaders(table, spec, l, &score, &grade, &excluded, &adjust_hits)?,
        None => Vec::new(),
    };

    Ok(FirmEvaluation {
        indicators: spec.indicators.iter().map(|i| i.name.clone()).collect(),
        classes,
        class_of,
        class_sizes,
        benchmarks,
        reasons: spec.exclusions.iter().map(|e| e.reason.clone()).collect(),
        excluded,
        values,
        score,
        adjust,
        adjust_hits,
        rank,
        grade,
        leader,
    })
}

/// `benchmarks[j][c]` over the evaluated firms of class c that have a value (NaN when none),
/// or the published values for `basis = "fixed"`. The mean is the sum in input order divided
/// by the count; the median of an even count is the mean of the two middle values.
fn benchmarks(
    spec: &FirmSpec,
    classes: &[String],
    class_keys: &[&str],
    values: &[Vec<f64>],
    order: &[u32],
    start: &[usize],
) -> Result<Vec<Vec<f64>>, EngineError> {
    let nc = classes.len();
    let basis = spec.method.benchmark.basis;
    if basis == Basis::Fixed {
        let mut out = vec![vec![f64::NAN; nc]; spec.indicators.len()];
        let index: HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(c, s)| (s.as_str(), c))
            .collect();
        for b in &spec.fixed {
            let name = b.class.names().join("|");
            // A published class with no firm this year is allowed (nothing to compare).
            if let Some(&c) = index.get(name.as_str()) {
                for (j, ind) in spec.indicators.iter().enumerate() {
                    if let Some(&v) = b.values.get(&ind.name) {
                        out[j][c] = v;
                    }
                }
            }
        }
        for (c, name) in classes.iter().enumerate() {
            if start[c + 1] == start[c] {
                continue; // no evaluated firm
            }
            for (j, ind) in spec.indicators.iter().enumerate() {
                if out[j][c].is_nan() {
                    return Err(EngineError::Spec(format!(
                        "basis = \"fixed\": no [[benchmark]] value of '{}' for class {} = '{name}'",
                        ind.name,
                        class_keys.join("|")
                    )));
                }
            }
        }
        return Ok(out);
    }
    Ok(values
        .par_iter()
        .map(|v| {
            (0..nc)
                .map(|c| {
                    let rows = &order[start[c]..start[c + 1]];
                    let present = rows.iter().map(|&i| v[i as usize]).filter(|x| !x.is_nan());
                    match basis {
                        Basis::Mean => {
                            let (mut sum, mut count) = (0.0, 0usize);
                            for x in present {
                                sum += x;
                                count += 1;
                            }
                            if count == 0 {
                                f64::NAN
                            } else {
                                sum / count as f64
                            }
                        }
                        Basis::Max => present.fold(f64::NAN, f64::max),
                        Basis::Median => {
                            let mut xs: Vec<f64> = present.collect();
                            median(&mut xs)
                        }
                        Basis::Fixed => unreachable!("handled above"),
                    }
                })
                .collect()
        })
        .collect())
}

fn median(xs: &mut [f64]) -> f64 {
    let m = xs.len();
    if m == 0 {
        return f64::NAN;
    }
    let (_, &mut hi, _) = xs.select_nth_unstable_by(m / 2, f64::total_cmp);
    if m % 2 == 1 {
        return hi;
    }
    let lo = xs[..m / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// Sort key: descending score as an ascending u64 (scores are finite, never −0).
#[inline]
fn desc_key(s: f64) -> u64 {
    let b = s.to_bits();
    let asc = if b >> 63 == 1 { !b } else { b | (1 << 63) };
    !asc
}

/// Competition ranks (1, 2, 2, 4) by descending score within each class, and grades. Two
/// scores tie when they are equal as f64 (same bits: both are computed in the same order).
fn rank_and_grade(
    score: &[f64],
    order: &[u32],
    start: &[usize],
    sizes: &[u32],
    cumulative: [u64; 3],
) -> (Vec<u32>, Vec<u8>) {
    let n = score.len();
    let mut keyed: Vec<(u64, u32)> = order
        .par_iter()
        .map(|&i| (desc_key(score[i as usize]), i))
        .collect();
    // Disjoint per-class slices, sorted in parallel.
    let mut slices = Vec::with_capacity(sizes.len());
    let mut rest = keyed.as_mut_slice();
    for c in 0..sizes.len() {
        let (head, tail) = rest.split_at_mut(start[c + 1] - start[c]);
        slices.push((head, sizes[c]));
        rest = tail;
    }
    let mut ranks = vec![0u32; n];
    let mut grades = vec![0u8; n];
    let ranked: Vec<Vec<(u32, u32, u8)>> = slices
        .into_par_iter()
        .map(|(s, size)| {
            s.sort_unstable();
            let mut out = Vec::with_capacity(s.len());
            let mut r = 0u32;
            for (p, &(k, i)) in s.iter().enumerate() {
                if p == 0 || s[p - 1].0 != k {
                    r = p as u32 + 1;
                }
                out.push((i, r, grade(r, size, cumulative)));
            }
            out
        })
        .collect();
    for class in ranked {
        for (i, r, g) in class {
            ranks[i as usize] = r;
            grades[i as usize] = g;
        }
    }
    (ranks, grades)
}

/// 领跑者 positions: among grade-A eligible firms, competition rank by descending score within
/// each `by` group; a firm is a leader when that rank ≤ `top` (ties at the edge all count).
fn leaders(
    table: &Table,
    spec: &FirmSpec,
    l: &Leaders,
    score: &[f64],
    grade: &[u8],
    excluded: &[u16],
    adjust_hits: &[u64],
) -> Result<Vec<u32>, EngineError> {
    let n = score.len();
    let (group_of, groups) = combined_codes(table, &l.by.names())?;
    let tests: Vec<Test> = l
        .exclusions
        .iter()
        .map(|e| compile(table, e, &format!("[[leaders.exclude]] '{}'", e.reason)))
        .collect::<Result<_, _>>()?;
    let penalties: u64 = spec
        .adjustments
        .iter()
        .enumerate()
        .filter(|(_, a)| a.points < 0.0)
        .fold(0, |m, (k, _)| m | (1 << k));
    let mut per_group: Vec<Vec<(u64, u32)>> = vec![Vec::new(); groups.len()];
    for i in 0..n {
        let eligible = excluded[i] == 0
            && grade[i] == b'A'
            && !(l.no_penalty && adjust_hits[i] & penalties != 0)
            && !tests.iter().any(|t| t.hit(i));
        if eligible {
            per_group[group_of[i] as usize].push((desc_key(score[i]), i as u32));
        }
    }
    let mut leader = vec![0u32; n];
    for g in &mut per_group {
        g.sort_unstable();
        let mut r = 0u32;
        for (p, &(k, i)) in g.iter().enumerate() {
            if p == 0 || g[p - 1].0 != k {
                r = p as u32 + 1;
            }
            if r > l.top {
                break;
            }
            leader[i as usize] = r;
        }
    }
    Ok(leader)
}

#[cfg(test)]
mod tests;
