//! The evaluation pipeline: resolve → screen units → exclude uninformative indicators →
//! impute → treat outliers → normalise → weight → aggregate up the hierarchy → rank.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::matrix::Matrix;
use crate::normalise::{minmax01, normalise_column_with};
use crate::spec::{
    Aggregate, Direction, EntropyBasis, GroupAggregate, Impute, Normalise, Outliers, Spec,
    WeightMethod,
};
use crate::weights::{self, Ahp};
use crate::{EngineError, aggregate, outlier, rank, robust, sum};

/// Input data: one row per unit, one column per indicator (missing = NaN).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub columns: Vec<String>,
    pub values: Matrix,
    /// Class of each unit (ranking within classes), when the spec names a class column.
    pub classes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// "indicator" or "unit".
    pub kind: &'static str,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub subject: String,
    pub message: String,
}

/// One unit's result: a view built by [`Evaluation::unit`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitResult {
    /// Row of the unit in the [`Dataset`] (its id is `data.ids[row]`).
    pub row: usize,
    pub score: f64,
    pub rank: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_rank: Option<f64>,
    /// ★ first in its class, ▲ last in its class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<&'static str>,
    /// previous rank − this rank (positive = moved up); absent without a previous evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Included indicators, spec order.
    pub indicators: Vec<String>,
    /// Effective weight of each included indicator in the final score (sums to 1).
    pub weights: Vec<f64>,
    /// Group names (pre-order) and their weights among siblings.
    pub groups: Vec<String>,
    pub group_weights: Vec<f64>,
    pub excluded: Vec<Excluded>,
    /// Screened units, data order, as columns (struct of arrays: no per-unit allocation at
    /// 1e6 units): `rows[k]` is the unit's row in the [`Dataset`].
    pub rows: Vec<usize>,
    pub scores: Vec<f64>,
    pub ranks: Vec<f64>,
    /// With a class column: each unit's class, rank within it and ★/▲ mark.
    pub classes: Option<Vec<String>>,
    pub class_ranks: Option<Vec<f64>>,
    pub marks: Option<Vec<Option<&'static str>>>,
    /// With a previous evaluation: previous rank − rank (NaN when the unit was not in it).
    pub rank_changes: Option<Vec<f64>>,
    /// Normalised values: row k is `units[k]`, column j is `indicators[j]`.
    #[serde(skip)]
    pub normalised: Matrix,
    /// Group (sub-index) scores: `group_scores[g][k]` for group `groups[g]` and `units[k]`.
    pub group_scores: Vec<Vec<f64>>,
    pub uncertainty: Option<robust::UncertaintyResult>,
    pub diagnostics: Vec<Diagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ahp: Option<Ahp>,
}

fn diag(code: &'static str, subject: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        code,
        subject: subject.into(),
        message: message.into(),
    }
}

/// The hierarchy: the root aggregates groups or (flat) indicators.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: String,
    /// Weight among siblings (normalised).
    pub weight: f64,
    pub agg: GroupAggregate,
    pub kids: Kids,
}

#[derive(Debug, Clone)]
pub(crate) enum Kids {
    /// Positions in the included-indicator list.
    Leaf(Vec<usize>),
    Groups(Vec<usize>),
}

/// Everything fixed before weights and aggregation; shared with the Monte Carlo.
pub(crate) struct Prepared<'a> {
    pub spec: &'a Spec,
    /// Retained unit rows in the dataset.
    pub rows: Vec<usize>,
    /// Included indicators (positions in `spec.indicators`).
    pub inds: Vec<usize>,
    /// Retained × included, before imputation (borrowed when that is the whole data set).
    pub raw: Cow<'a, Matrix>,
    pub dirs: Vec<Direction>,
    pub nodes: Vec<Node>,
    /// Indicator weights, normalised within each leaf group.
    pub base_w: Vec<f64>,
    /// Min, max, sums of each included column of `raw`, computed once.
    pub raw_stats: Vec<sum::ColStats>,
}

impl Prepared<'_> {
    /// Column (min, max) of `x`: cached when `x` is the raw matrix, else computed.
    pub(crate) fn stats(&self, x: &Matrix) -> Vec<sum::ColStats> {
        if std::ptr::eq(x, self.raw.as_ref()) {
            self.raw_stats.clone()
        } else {
            (0..x.cols()).map(|k| sum::col_stats(x.col(k))).collect()
        }
    }
}

const WEIGHT_SUM_TOL: f64 = 1e-9;

/// What [`evaluate_with`] materialises besides scores and ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// Fill [`Evaluation::normalised`] (units × indicators, 64 MB at 1e6 × 8). When false, and
    /// the scores do not need it, it is left empty (0 rows) and never computed; the scores,
    /// ranks and weights are bit-identical either way.
    pub normalised: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self { normalised: true }
    }
}

/// Run the whole evaluation. `previous` maps unit id → rank in an earlier evaluation.
pub fn evaluate(
    data: &Dataset,
    spec: &Spec,
    previous: Option<&HashMap<String, f64>>,
) -> Result<Evaluation, EngineError> {
    evaluate_with(data, spec, previous, EvalOptions::default())
}

/// [`evaluate`] with [`EvalOptions`] (e.g. scores and ranks only, without the normalised matrix).
pub fn evaluate_with(
    data: &Dataset,
    spec: &Spec,
    previous: Option<&HashMap<String, f64>>,
    opts: EvalOptions,
) -> Result<Evaluation, EngineError> {
    let mut diagnostics = Vec::new();
    let mut excluded = Vec::new();
    let (mut prep, ahp) = prepare(data, spec, &mut diagnostics, &mut excluded)?;
    let method = &spec.method;
    let processed = process(&prep, method.impute, &mut diagnostics)?;
    let x: &Matrix = processed.as_ref().unwrap_or(&prep.raw);
    // The normalised matrix is skipped only when nothing needs it: TOPSIS and GRA normalise
    // the processed data themselves, and min–max + sum is fused into the scoring pass. The
    // normalisations that can fail (efficacy, target) are always run so errors do not change.
    let infallible = matches!(
        method.normalise,
        Normalise::Minmax
            | Normalise::Zscore
            | Normalise::Vector
            | Normalise::Rank
            | Normalise::None
    );
    let scores_need_nrm = match method.aggregate {
        Aggregate::Topsis | Aggregate::Gra => false,
        Aggregate::Sum => method.normalise != Normalise::Minmax,
        Aggregate::Geometric => true,
    };
    let nrm = if opts.normalised || scores_need_nrm || !infallible {
        normalise_all(&prep, x, method.normalise)?
    } else {
        Matrix::filled(0, x.cols(), 0.0)
    };
    let (scores, group_scores) = score(&prep, x, &nrm, &prep.base_w, method.aggregate);
    let ranks = rank::rank(&scores, method.ties);
    let eff = effective_weights(&prep.nodes, &prep.base_w);

    if matches!(method.aggregate, Aggregate::Topsis | Aggregate::Gra) {
        diagnostics.push(diag(
            "aggregate_own_normalisation",
            format!("{:?}", method.aggregate).to_lowercase(),
            match method.aggregate {
                Aggregate::Topsis => format!(
                    "TOPSIS normalises the processed data itself ({:?}); `normalised` shows the `{:?}` values",
                    method.topsis.normalise, method.normalise
                )
                .to_lowercase(),
                _ => "GRA uses directed min–max values; `normalised` shows the method's normalisation".into(),
            },
        ));
    }

    let classes: Option<Vec<String>> = data
        .classes
        .as_ref()
        .map(|c| prep.rows.iter().map(|&r| c[r].clone()).collect());
    let mut class_rank = vec![
        f64::NAN;
        if classes.is_some() {
            prep.rows.len()
        } else {
            0
        }
    ];
    let mut marks = vec![None; class_rank.len()];
    if let Some(cls) = &classes {
        let mut by: Vec<&String> = cls.iter().collect();
        by.sort();
        by.dedup();
        for c in by {
            let members: Vec<usize> = (0..cls.len()).filter(|&i| &cls[i] == c).collect();
            let sub: Vec<f64> = members.iter().map(|&i| scores[i]).collect();
            let r = rank::rank(&sub, method.ties);
            let worst = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (k, &i) in members.iter().enumerate() {
                class_rank[i] = r[k];
                if members.len() > 1 {
                    if r[k] == 1.0 {
                        marks[i] = Some("★");
                    } else if r[k] == worst {
                        marks[i] = Some("▲");
                    }
                }
            }
        }
    }

    let rank_changes = previous.map(|p| {
        prep.rows
            .iter()
            .zip(&ranks)
            .map(|(&row, r)| p.get(&data.ids[row]).map_or(f64::NAN, |prev| prev - r))
            .collect()
    });

    let uncertainty = match &spec.uncertainty {
        Some(u) if u.draws > 0 => Some(robust::run(&prep, u, &ranks, &data.ids, &mut diagnostics)?),
        _ => None,
    };

    let (groups, group_weights) = group_list(&prep.nodes);
    Ok(Evaluation {
        indicators: prep
            .inds
            .iter()
            .map(|&j| spec.indicators[j].name.clone())
            .collect(),
        weights: eff,
        groups,
        group_weights,
        excluded,
        class_ranks: classes.as_ref().map(|_| class_rank),
        marks: classes.as_ref().map(|_| marks),
        classes,
        rank_changes,
        // Moved, not cloned (8 MB at 1e6 units).
        rows: std::mem::take(&mut prep.rows),
        scores,
        ranks,
        normalised: nrm,
        group_scores,
        uncertainty,
        diagnostics,
        ahp,
    })
}

impl Evaluation {
    /// Number of scored units.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The k-th scored unit (data order).
    pub fn unit(&self, k: usize) -> UnitResult {
        UnitResult {
            row: self.rows[k],
            score: self.scores[k],
            rank: self.ranks[k],
            class: self.classes.as_ref().map(|c| c[k].clone()),
            class_rank: self.class_ranks.as_ref().map(|c| c[k]),
            mark: self.marks.as_ref().and_then(|m| m[k]),
            rank_change: self
                .rank_changes
                .as_ref()
                .map(|c| c[k])
                .filter(|v| !v.is_nan()),
        }
    }

    /// Every unit (convenient for small data sets).
    pub fn units(&self) -> Vec<UnitResult> {
        (0..self.len()).map(|k| self.unit(k)).collect()
    }
}

fn group_list(nodes: &[Node]) -> (Vec<String>, Vec<f64>) {
    // nodes[0] is the root; the rest are groups in pre-order.
    (
        nodes[1..].iter().map(|n| n.name.clone()).collect(),
        nodes[1..].iter().map(|n| n.weight).collect(),
    )
}

fn check_method(spec: &Spec) -> Result<(), EngineError> {
    let m = &spec.method;
    let bad = |s: String| Err(EngineError::Spec(s));
    if !(0.0..=1.0).contains(&m.min_coverage) {
        return bad(format!(
            "method.min_coverage = {}: must be in [0, 1]",
            m.min_coverage
        ));
    }
    if !matches!(
        m.efficacy.floor.partial_cmp(&m.efficacy.ceiling),
        Some(std::cmp::Ordering::Less)
    ) {
        return bad("method.efficacy: floor must be below ceiling".into());
    }
    let [a, b] = m.geometric.range;
    if !(a > 0.0 && a < b) {
        return bad(format!(
            "method.geometric.range = [{a}, {b}]: need 0 < low < high"
        ));
    }
    let [a, b] = m.minmax.range;
    if !matches!(a.partial_cmp(&b), Some(std::cmp::Ordering::Less)) {
        return bad(format!("method.minmax.range = [{a}, {b}]: need low < high"));
    }
    if !(m.gra.rho > 0.0 && m.gra.rho <= 1.0) {
        return bad(format!("method.gra.rho = {}: must be in (0, 1]", m.gra.rho));
    }
    if !(0.0..=1.0).contains(&m.combine.alpha) {
        return bad(format!(
            "method.combine.alpha = {}: must be in [0, 1]",
            m.combine.alpha
        ));
    }
    if !(m.entropy.shift >= 0.0 && m.entropy.shift.is_finite()) {
        return bad("method.entropy.shift must be ≥ 0".into());
    }
    if spec.indicators.is_empty() {
        return bad("the spec lists no indicator".into());
    }
    Ok(())
}

fn prepare<'a>(
    data: &'a Dataset,
    spec: &'a Spec,
    diagnostics: &mut Vec<Diagnostic>,
    excluded: &mut Vec<Excluded>,
) -> Result<(Prepared<'a>, Option<Ahp>), EngineError> {
    check_method(spec)?;
    let method = &spec.method;
    // Resolve indicators to columns.
    let mut seen = HashMap::new();
    let mut cols = Vec::with_capacity(spec.indicators.len());
    for ind in &spec.indicators {
        if seen.insert(ind.name.as_str(), ()).is_some() {
            return Err(EngineError::Spec(format!(
                "indicator '{}' is listed twice",
                ind.name
            )));
        }
        let c = data
            .columns
            .iter()
            .position(|c| c == &ind.name)
            .ok_or_else(|| EngineError::UnknownIndicator(ind.name.clone()))?;
        cols.push(c);
    }
    if data.ids.len() != data.values.rows() || data.columns.len() != data.values.cols() {
        return Err(EngineError::Shape(
            "ids/columns do not match the matrix".into(),
        ));
    }
    check_expert_weights(spec)?;

    // Screen units.
    let m = cols.len();
    let n_all = data.values.rows();
    // Statistics of every named column over all units, one pass per column, columns in
    // parallel. When no column has a missing cell (the common case at scale) every unit is
    // retained and these are the retained units' statistics: the per-unit count pass is skipped.
    let all_stats =
        sum::col_stats_par(&cols.iter().map(|&c| data.values.col(c)).collect::<Vec<_>>());
    let complete = all_stats.iter().all(|st| st.n == n_all);
    // Present counts per unit, column by column (contiguous, vectorised).
    let mut counts = Vec::new();
    if !complete {
        counts = vec![0u32; n_all];
        for &c in &cols {
            for (k, &v) in counts.iter_mut().zip(data.values.col(c)) {
                *k += u32::from(!v.is_nan());
            }
        }
    }
    let mut rows = Vec::with_capacity(n_all);
    if complete {
        rows.extend(0..n_all);
    }
    for (i, &present) in counts.iter().enumerate() {
        let present = present as usize;
        if present == m {
            rows.push(i);
            continue;
        }
        let id = &data.ids[i];
        if present == 0 {
            excluded.push(Excluded {
                kind: "unit",
                name: id.clone(),
                reason: "all indicators missing".into(),
            });
            diagnostics.push(diag(
                "all_missing_unit",
                id,
                "no indicator value: unit excluded",
            ));
        } else if (present as f64) < method.min_coverage * m as f64 {
            excluded.push(Excluded {
                kind: "unit",
                name: id.clone(),
                reason: format!(
                    "coverage {present}/{m} below min_coverage {}",
                    method.min_coverage
                ),
            });
        } else if method.impute == Impute::Complete && present < m {
            excluded.push(Excluded {
                kind: "unit",
                name: id.clone(),
                reason: "complete-case: missing values".into(),
            });
        } else {
            rows.push(i);
        }
    }
    if rows.is_empty() {
        return Err(EngineError::NothingLeft(
            "every unit was screened out".into(),
        ));
    }

    // Exclude indicators without information on the retained units.
    let mut inds = Vec::new();
    let mut raw_stats = Vec::new();
    let all_rows = rows.len() == n_all;
    for (j, ind) in spec.indicators.iter().enumerate() {
        let st = if all_rows {
            all_stats[j]
        } else {
            let col: Vec<f64> = rows.iter().map(|&r| data.values.get(r, cols[j])).collect();
            sum::col_stats(&col)
        };
        let mm = (st.n > 0).then_some((st.lo, st.hi));
        match mm {
            None => {
                excluded.push(Excluded {
                    kind: "indicator",
                    name: ind.name.clone(),
                    reason: "no data".into(),
                });
                diagnostics.push(diag(
                    "all_missing_indicator",
                    &ind.name,
                    "no value on any unit: excluded, weight 0",
                ));
            }
            Some((lo, hi)) if lo == hi => {
                excluded.push(Excluded {
                    kind: "indicator",
                    name: ind.name.clone(),
                    reason: format!("constant ({lo}) on every unit: no information"),
                });
                diagnostics.push(diag(
                    "constant_indicator",
                    &ind.name,
                    "constant: excluded, weight 0, other weights re-normalised (min–max and z-score are undefined, entropy and CRITIC would give it 0 anyway)",
                ));
            }
            Some((lo, _)) => {
                if lo < 0.0 {
                    let uses_raw = method.weights == WeightMethod::Entropy
                        && method.entropy.basis == EntropyBasis::Raw;
                    if uses_raw {
                        diagnostics.push(diag(
                            "negative_entropy_raw",
                            &ind.name,
                            "negative values with entropy on raw data: the column is shifted so its minimum is 0",
                        ));
                    }
                    if method.aggregate == Aggregate::Geometric {
                        diagnostics.push(diag(
                            "negative_geometric",
                            &ind.name,
                            "negative values: the geometric mean works on the [1, 100] rescale, so they are fine",
                        ));
                    }
                }
                inds.push(j);
                raw_stats.push(st);
            }
        }
    }
    if inds.is_empty() {
        return Err(EngineError::NothingLeft(
            "every indicator was excluded".into(),
        ));
    }
    let inc_cols: Vec<usize> = inds.iter().map(|&j| cols[j]).collect();
    let identity = rows.len() == data.values.rows()
        && inc_cols.len() == data.values.cols()
        && inc_cols.iter().enumerate().all(|(k, &c)| k == c);
    let raw = if identity {
        Cow::Borrowed(&data.values)
    } else {
        Cow::Owned(data.values.select(&rows, &inc_cols))
    };
    if method.impute == Impute::Available {
        for (k, &r) in rows.iter().enumerate() {
            let miss: Vec<&str> = (0..inds.len())
                .filter(|&c| raw.get(k, c).is_nan())
                .map(|c| spec.indicators[inds[c]].name.as_str())
                .collect();
            if !miss.is_empty() {
                diagnostics.push(diag(
                    "available_case",
                    &data.ids[r],
                    format!("missing {}: scored on the indicators it has, weights re-normalised within each group", miss.join(", ")),
                ));
            }
        }
    }
    if method.impute == Impute::None && !complete {
        for (k, &j) in inds.iter().enumerate() {
            if !sum::any_nan(raw.col(k)) {
                continue;
            }
            if let Some(i) = raw.col(k).iter().position(|v| v.is_nan()) {
                return Err(EngineError::Missing {
                    row: rows[i],
                    unit: data.ids[rows[i]].clone(),
                    indicator: spec.indicators[j].name.clone(),
                });
            }
        }
    }
    let dirs = inds.iter().map(|&j| spec.indicators[j].direction).collect();
    let nodes = build_tree(spec, &inds, diagnostics)?;
    let mut prep = Prepared {
        spec,
        rows,
        inds,
        raw,
        dirs,
        nodes,
        base_w: Vec::new(),
        raw_stats,
    };

    let processed = process(&prep, method.impute, &mut Vec::new())?;
    let x: &Matrix = processed.as_ref().unwrap_or(&prep.raw);
    let (w, ahp) = compute_weights(&prep, x, method.weights, diagnostics)?;
    prep.base_w = w;
    Ok((prep, ahp))
}

fn check_expert_weights(spec: &Spec) -> Result<(), EngineError> {
    let m = &spec.method;
    let uses_expert = m.weights == WeightMethod::Expert
        || (m.weights == WeightMethod::Combined && m.combine.subjective == WeightMethod::Expert);
    if !uses_expert {
        return Ok(());
    }
    let mut sums: Vec<(Option<&str>, f64)> = Vec::new();
    for ind in &spec.indicators {
        let w = ind.weight.ok_or_else(|| {
            EngineError::Weights(format!("indicator '{}' has no weight", ind.name))
        })?;
        if !(w >= 0.0 && w.is_finite()) {
            return Err(EngineError::Weights(format!(
                "indicator '{}' has weight {w}",
                ind.name
            )));
        }
        let g = ind.group.as_deref();
        match sums.iter_mut().find(|(k, _)| *k == g) {
            Some(e) => e.1 += w,
            None => sums.push((g, w)),
        }
    }
    for (g, s) in sums {
        if (s - 1.0).abs() > WEIGHT_SUM_TOL {
            return Err(EngineError::Weights(match g {
                Some(g) => format!("the weights in group '{g}' sum to {s}, not 1"),
                None => format!("the indicator weights sum to {s}, not 1"),
            }));
        }
    }
    Ok(())
}

fn sibling_weights(
    names: &[&str],
    given: &[Option<f64>],
    what: &str,
) -> Result<Vec<f64>, EngineError> {
    if given.iter().all(Option::is_none) {
        return Ok(weights::equal(given.len()));
    }
    let mut w = Vec::new();
    for (n, g) in names.iter().zip(given) {
        match g {
            Some(v) if *v >= 0.0 && v.is_finite() => w.push(*v),
            Some(v) => return Err(EngineError::Weights(format!("group '{n}' has weight {v}"))),
            None => {
                return Err(EngineError::Weights(format!(
                    "group '{n}' has no weight but its siblings do ({what})"
                )));
            }
        }
    }
    let s = sum::neumaier(w.iter().copied());
    if (s - 1.0).abs() > WEIGHT_SUM_TOL {
        return Err(EngineError::Weights(format!(
            "the group weights {what} sum to {s}, not 1"
        )));
    }
    Ok(w)
}

fn build_tree(
    spec: &Spec,
    inds: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Node>, EngineError> {
    let grouped = spec.indicators.iter().filter(|i| i.group.is_some()).count();
    if spec.groups.is_empty() && grouped == 0 {
        return Ok(vec![Node {
            name: String::new(),
            weight: 1.0,
            agg: GroupAggregate::Sum,
            kids: Kids::Leaf((0..inds.len()).collect()),
        }]);
    }
    if grouped != spec.indicators.len() {
        let i = spec
            .indicators
            .iter()
            .find(|i| i.group.is_none())
            .expect("some ungrouped");
        return Err(EngineError::Spec(format!(
            "indicator '{}' has no group while others do",
            i.name
        )));
    }
    let gi = |name: &str| spec.groups.iter().position(|g| g.name == name);
    for ind in &spec.indicators {
        let g = ind.group.as_deref().expect("grouped");
        if gi(g).is_none() {
            return Err(EngineError::Spec(format!(
                "indicator '{}': unknown group '{g}'",
                ind.name
            )));
        }
    }
    for g in &spec.groups {
        let mut p = g.parent.as_deref();
        let mut depth = 0;
        while let Some(name) = p {
            let Some(k) = gi(name) else {
                return Err(EngineError::Spec(format!(
                    "group '{}': unknown parent '{name}'",
                    g.name
                )));
            };
            depth += 1;
            if depth > spec.groups.len() {
                return Err(EngineError::Spec(format!(
                    "group '{}': parents form a cycle",
                    g.name
                )));
            }
            p = spec.groups[k].parent.as_deref();
        }
    }
    // Recursive build; a group whose indicators were all excluded is dropped.
    fn build(
        spec: &Spec,
        inds: &[usize],
        parent: Option<&str>,
        nodes: &mut Vec<Node>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Vec<usize>, EngineError> {
        let kids: Vec<usize> = (0..spec.groups.len())
            .filter(|&k| spec.groups[k].parent.as_deref() == parent)
            .collect();
        let names: Vec<&str> = kids.iter().map(|&k| spec.groups[k].name.as_str()).collect();
        let given: Vec<Option<f64>> = kids.iter().map(|&k| spec.groups[k].weight).collect();
        let what = match parent {
            Some(p) => format!("under '{p}'"),
            None => "at the top level".to_string(),
        };
        let w = sibling_weights(&names, &given, &what)?;
        let mut out = Vec::new();
        let mut kept_w = Vec::new();
        for (&k, &wk) in kids.iter().zip(&w) {
            let g = &spec.groups[k];
            let own: Vec<usize> = spec
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, i)| i.group.as_deref() == Some(g.name.as_str()))
                .filter_map(|(j, _)| inds.iter().position(|&x| x == j))
                .collect();
            let has_own_any = spec
                .indicators
                .iter()
                .any(|i| i.group.as_deref() == Some(g.name.as_str()));
            let idx = nodes.len();
            nodes.push(Node {
                name: g.name.clone(),
                weight: wk,
                agg: g.aggregate.unwrap_or_default(),
                kids: Kids::Leaf(vec![]),
            });
            let has_sub = spec
                .groups
                .iter()
                .any(|s| s.parent.as_deref() == Some(g.name.as_str()));
            if has_own_any && has_sub {
                return Err(EngineError::Spec(format!(
                    "group '{}' holds both indicators and groups",
                    g.name
                )));
            }
            let keep = if has_sub {
                let sub = build(spec, inds, Some(&g.name), nodes, diagnostics)?;
                let keep = !sub.is_empty();
                nodes[idx].kids = Kids::Groups(sub);
                keep
            } else {
                let keep = !own.is_empty();
                nodes[idx].kids = Kids::Leaf(own);
                keep
            };
            if keep {
                out.push(idx);
                kept_w.push(wk);
            } else {
                diagnostics.push(diag(
                    "group_dropped",
                    &g.name,
                    "no included indicator: group dropped, sibling weights re-normalised",
                ));
                nodes.truncate(idx);
            }
        }
        if let Some(nw) = weights::normalised(&kept_w) {
            for (&k, w) in out.iter().zip(nw) {
                nodes[k].weight = w;
            }
        }
        Ok(out)
    }
    let mut nodes = vec![Node {
        name: String::new(),
        weight: 1.0,
        agg: GroupAggregate::Sum,
        kids: Kids::Groups(vec![]),
    }];
    let top = build(spec, inds, None, &mut nodes, diagnostics)?;
    if top.is_empty() {
        return Err(EngineError::NothingLeft(
            "no group has an included indicator".into(),
        ));
    }
    nodes[0].kids = Kids::Groups(top);
    Ok(nodes)
}

/// Impute and treat outliers on the retained × included matrix; `None` when nothing changes
/// (then the raw matrix is used as is, without a copy).
pub(crate) fn process(
    prep: &Prepared,
    impute: Impute,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Matrix>, EngineError> {
    let method = &prep.spec.method;
    let fills = matches!(impute, Impute::Mean | Impute::Median);
    let needs = (fills && prep.raw.has_missing()) || method.outliers != Outliers::None;
    if !needs {
        return Ok(None);
    }
    let mut x = prep.raw.as_ref().clone();
    let names: Vec<&str> = prep
        .inds
        .iter()
        .map(|&j| prep.spec.indicators[j].name.as_str())
        .collect();
    for (k, col) in x.columns_mut().enumerate() {
        let fill = match impute {
            Impute::Mean => sum::mean(col),
            Impute::Median => sum::median(col),
            _ => None,
        };
        if let Some(f) = fill {
            let n = col.iter().filter(|v| v.is_nan()).count();
            if n > 0 {
                col.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = f);
                diagnostics.push(diag(
                    "imputed",
                    names[k],
                    format!("{n} missing value(s) set to the {impute:?} {f}").to_lowercase(),
                ));
            }
        }
        let t = match method.outliers {
            Outliers::None => outlier::Treatment::default(),
            Outliers::Winsorise => outlier::winsorise(col, &method.outlier_opts),
            Outliers::Log => outlier::log_only(col, &method.outlier_opts),
        };
        if t.winsorised > 0 {
            diagnostics.push(diag(
                "outlier_winsorised",
                names[k],
                format!("{} value(s) winsorised", t.winsorised),
            ));
        }
        if t.log {
            diagnostics.push(diag(
                "outlier_log",
                names[k],
                "still skewed: log-transformed",
            ));
        }
    }
    Ok(Some(x))
}

pub(crate) fn normalise_all(
    prep: &Prepared,
    x: &Matrix,
    norm: Normalise,
) -> Result<Matrix, EngineError> {
    use rayon::prelude::*;
    let n = x.rows();
    let mut out = Matrix::filled(n, x.cols(), 0.0);
    let method = &prep.spec.method;
    let stats = prep.stats(x);
    let cols: Vec<&mut [f64]> = out.columns_mut().collect();
    cols.into_par_iter().enumerate().try_for_each(|(k, o)| {
        let ind = &prep.spec.indicators[prep.inds[k]];
        normalise_column_with(
            x.col(k),
            ind,
            norm,
            method,
            o,
            Some((stats[k].lo, stats[k].hi)),
        )
    })?;
    Ok(out)
}

fn compute_weights(
    prep: &Prepared,
    x: &Matrix,
    method: WeightMethod,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Vec<f64>, Option<Ahp>), EngineError> {
    let spec = prep.spec;
    let m = prep.inds.len();
    let dropped = prep.inds.len() < spec.indicators.len();
    let (w, ahp) = match method {
        WeightMethod::Equal => (weights::equal(m), None),
        WeightMethod::Expert => {
            let w: Vec<f64> = prep
                .inds
                .iter()
                .map(|&j| spec.indicators[j].weight.unwrap_or(0.0))
                .collect();
            if dropped {
                diagnostics.push(diag("weights_renormalised", "expert", "excluded indicators' weights dropped; the rest re-normalised within their group"));
            }
            (w, None)
        }
        WeightMethod::Ahp => {
            let a = &spec.method.ahp;
            if a.matrix.len() != spec.indicators.len() {
                return Err(EngineError::Spec(format!(
                    "method.ahp.matrix has order {}, but there are {} indicators",
                    a.matrix.len(),
                    spec.indicators.len()
                )));
            }
            let r = weights::ahp(&a.matrix, a.method, a.force)?;
            diagnostics.push(diag(
                "ahp",
                "weights",
                format!(
                    "λmax = {:.6}, CI = {:.6}, RI = {}, CR = {:.6}",
                    r.lambda_max, r.ci, r.ri, r.cr
                ),
            ));
            if r.cr > 0.1 {
                diagnostics.push(diag(
                    "ahp_inconsistent_forced",
                    "weights",
                    "CR > 0.1 accepted because force = true",
                ));
            }
            (prep.inds.iter().map(|&j| r.weights[j]).collect(), Some(r))
        }
        WeightMethod::Entropy => {
            let o = &spec.method.entropy;
            // The basis as an affine map of the data: no copy of a large matrix.
            let stats = prep.stats(x);
            let affine: Vec<(f64, f64)> = (0..m)
                .map(|k| {
                    let (lo, hi) = (stats[k].lo, stats[k].hi);
                    let (a, b) = match o.basis {
                        EntropyBasis::Minmax if hi > lo => match prep.dirs[k] {
                            Direction::Benefit => (1.0 / (hi - lo), -lo / (hi - lo)),
                            Direction::Cost => (-1.0 / (hi - lo), hi / (hi - lo)),
                        },
                        EntropyBasis::Minmax => (0.0, 0.0),
                        EntropyBasis::Raw => (1.0, if lo < 0.0 { -lo } else { 0.0 }),
                    };
                    (a, b + o.shift)
                })
                .collect();
            let cols: Vec<&[f64]> = (0..m).map(|k| x.col(k)).collect();
            // Σ of an affine basis with α = 1 (raw) is Σx + n·β: no cancellation, reuse the sums.
            let known: Vec<Option<f64>> = (0..m)
                .map(|k| {
                    (affine[k].0 == 1.0).then(|| stats[k].sum + stats[k].n as f64 * affine[k].1)
                })
                .collect();
            let present: Vec<Option<usize>> = stats.iter().map(|st| Some(st.n)).collect();
            let (w, _, degenerate) =
                weights::entropy_affine_counted(&cols, &affine, &known, &present);
            if degenerate {
                diagnostics.push(diag(
                    "entropy_degenerate",
                    "weights",
                    "every indicator has entropy 1: equal weights",
                ));
            }
            (w, None)
        }
        WeightMethod::Critic => {
            let basis: Vec<Vec<f64>> = (0..m)
                .map(|k| {
                    let mut b = vec![0.0; x.rows()];
                    minmax01(x.col(k), prep.dirs[k], &mut b);
                    b
                })
                .collect();
            let (w, degenerate) = weights::critic(&basis, 1);
            if degenerate {
                diagnostics.push(diag(
                    "critic_degenerate",
                    "weights",
                    "no contrast: equal weights",
                ));
            }
            (w, None)
        }
        WeightMethod::Combined => {
            let c = &spec.method.combine;
            if !matches!(
                c.subjective,
                WeightMethod::Expert | WeightMethod::Ahp | WeightMethod::Equal
            ) || !matches!(c.objective, WeightMethod::Entropy | WeightMethod::Critic)
            {
                return Err(EngineError::Spec(
                    "method.combine: subjective must be expert, ahp or equal; objective entropy or critic".into(),
                ));
            }
            let (s, ahp) = compute_weights(prep, x, c.subjective, diagnostics)?;
            let (o, _) = compute_weights(prep, x, c.objective, diagnostics)?;
            (
                s.iter()
                    .zip(&o)
                    .map(|(s, o)| c.alpha * s + (1.0 - c.alpha) * o)
                    .collect(),
                ahp,
            )
        }
    };
    Ok((per_leaf_normalise(&prep.nodes, &w), ahp))
}

fn per_leaf_normalise(nodes: &[Node], w: &[f64]) -> Vec<f64> {
    let mut out = w.to_vec();
    for n in nodes {
        if let Kids::Leaf(ks) = &n.kids {
            let s = sum::neumaier(ks.iter().map(|&k| w[k]));
            for &k in ks {
                out[k] = if s > 0.0 {
                    w[k] / s
                } else {
                    1.0 / ks.len() as f64
                };
            }
        }
    }
    out
}

fn effective_weights(nodes: &[Node], base_w: &[f64]) -> Vec<f64> {
    let mut eff = vec![0.0; base_w.len()];
    fn walk(nodes: &[Node], k: usize, mult: f64, base_w: &[f64], eff: &mut [f64]) {
        match &nodes[k].kids {
            Kids::Leaf(ks) => {
                let s = sum::neumaier(ks.iter().map(|&i| base_w[i]));
                for &i in ks {
                    eff[i] = if s > 0.0 { mult * base_w[i] / s } else { 0.0 };
                }
            }
            Kids::Groups(gs) => {
                for &g in gs {
                    walk(nodes, g, mult * nodes[g].weight, base_w, eff);
                }
            }
        }
    }
    walk(nodes, 0, 1.0, base_w, &mut eff);
    eff
}

/// Scores (and group scores, pre-order) for given indicator weights and aggregation.
pub(crate) fn score(
    prep: &Prepared,
    x: &Matrix,
    nrm: &Matrix,
    w: &[f64],
    agg: Aggregate,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut groups = vec![Vec::new(); prep.nodes.len()];
    let s = node_score(prep, 0, x, nrm, w, agg, &mut groups);
    groups.remove(0);
    (s, groups)
}

fn node_score(
    prep: &Prepared,
    k: usize,
    x: &Matrix,
    nrm: &Matrix,
    w: &[f64],
    agg: Aggregate,
    groups: &mut [Vec<f64>],
) -> Vec<f64> {
    let n = x.rows();
    let method = &prep.spec.method;
    let out = match &prep.nodes[k].kids {
        Kids::Leaf(ks) => {
            let raw_w: Vec<f64> = ks.iter().map(|&i| w[i]).collect();
            match weights::normalised(&raw_w) {
                None => vec![f64::NAN; n],
                Some(lw) => match agg {
                    // Normalised matrix not materialised (see `evaluate_with`): min–max is
                    // applied cell by cell inside the weighted sum, the very same operations.
                    Aggregate::Sum if nrm.rows() != n => {
                        let cols: Vec<&[f64]> = ks.iter().map(|&i| x.col(i)).collect();
                        let all = prep.stats(x);
                        let cells: Vec<_> = ks
                            .iter()
                            .map(|&i| {
                                crate::normalise::minmax_cell(
                                    (all[i].lo, all[i].hi),
                                    prep.dirs[i],
                                    method.minmax.range,
                                )
                            })
                            .collect();
                        aggregate::weighted_sum_map(&cols, &lw, n, |j, v| cells[j](v))
                    }
                    Aggregate::Sum => {
                        let cols: Vec<&[f64]> = ks.iter().map(|&i| nrm.col(i)).collect();
                        aggregate::weighted_sum(&cols, &lw, n)
                    }
                    Aggregate::Geometric => {
                        let cols: Vec<&[f64]> = ks.iter().map(|&i| nrm.col(i)).collect();
                        aggregate::weighted_geometric(&cols, &lw, n, method.geometric.range)
                    }
                    Aggregate::Topsis => {
                        let cols: Vec<&[f64]> = ks.iter().map(|&i| x.col(i)).collect();
                        let dirs: Vec<Direction> = ks.iter().map(|&i| prep.dirs[i]).collect();
                        let all = prep.stats(x);
                        let stats: Vec<sum::ColStats> = ks.iter().map(|&i| all[i]).collect();
                        aggregate::topsis_with(
                            &cols,
                            &stats,
                            &dirs,
                            &lw,
                            n,
                            method.topsis.normalise,
                        )
                    }
                    Aggregate::Gra => {
                        let cols: Vec<&[f64]> = ks.iter().map(|&i| x.col(i)).collect();
                        let dirs: Vec<Direction> = ks.iter().map(|&i| prep.dirs[i]).collect();
                        aggregate::gra(&cols, &dirs, &lw, n, method.gra.rho)
                    }
                },
            }
        }
        Kids::Groups(gs) => {
            let gs = gs.clone();
            let child: Vec<Vec<f64>> = gs
                .iter()
                .map(|&g| node_score(prep, g, x, nrm, w, agg, groups))
                .collect();
            let cw: Vec<f64> = gs
                .iter()
                .zip(&child)
                .map(|(&g, c)| {
                    if c.iter().all(|v| v.is_nan()) {
                        0.0
                    } else {
                        prep.nodes[g].weight
                    }
                })
                .collect();
            match weights::normalised(&cw) {
                None => vec![f64::NAN; n],
                Some(cw) => {
                    let refs: Vec<&[f64]> = child.iter().map(Vec::as_slice).collect();
                    match prep.nodes[k].agg {
                        GroupAggregate::Sum => aggregate::weighted_sum(&refs, &cw, n),
                        GroupAggregate::Geometric => {
                            aggregate::weighted_geometric(&refs, &cw, n, method.geometric.range)
                        }
                    }
                }
            }
        }
    };
    if k > 0 {
        groups[k] = out.clone();
    }
    out
}
