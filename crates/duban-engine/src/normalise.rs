//! Normalisations. Every one is *directed*: after it, higher is better for every indicator.
//! Missing cells (NaN) stay missing; statistics use the present cells only.

use crate::EngineError;
use crate::spec::{Direction, Indicator, Method, Normalise};
use crate::sum;

/// Directed min–max to [0, 1]: (x − min)/(max − min), or (max − x)/(max − min) for cost.
/// A constant column maps to 0 (constant columns are excluded before scoring; this only keeps
/// the function total).
pub fn minmax01(x: &[f64], dir: Direction, out: &mut [f64]) {
    let Some(lh) = sum::min_max(x) else {
        out.copy_from_slice(x);
        return;
    };
    minmax01_with(x, dir, out, lh);
}

/// [`minmax01`] with (min, max) given.
pub fn minmax01_with(x: &[f64], dir: Direction, out: &mut [f64], (lo, hi): (f64, f64)) {
    let span = hi - lo;
    if span == 0.0 {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = if v.is_nan() { v } else { 0.0 };
        }
        return;
    }
    let inv = 1.0 / span;
    match dir {
        Direction::Benefit => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = (v - lo) * inv;
            }
        }
        Direction::Cost => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = (hi - v) * inv;
            }
        }
    }
}

/// Directed min–max of one cell to `range`, the same operations as [`minmax01_with`] followed
/// by [`normalise_column_with`]'s rescale (used when the normalised matrix is not materialised).
pub(crate) fn minmax_cell(
    (lo, hi): (f64, f64),
    dir: Direction,
    [a, b]: [f64; 2],
) -> impl Fn(f64) -> f64 + Sync {
    let span = hi - lo;
    let inv = 1.0 / span;
    let rescale = (a, b) != (0.0, 1.0);
    move |v| {
        let o = if span == 0.0 {
            if v.is_nan() { v } else { 0.0 }
        } else {
            match dir {
                Direction::Benefit => (v - lo) * inv,
                Direction::Cost => (hi - v) * inv,
            }
        };
        if rescale { a + (b - a) * o } else { o }
    }
}

/// Normalise one column with `norm`, writing into `out` (same length as `x`).
pub fn normalise_column(
    x: &[f64],
    ind: &Indicator,
    norm: Normalise,
    method: &Method,
    out: &mut [f64],
) -> Result<(), EngineError> {
    normalise_column_with(x, ind, norm, method, out, None)
}

/// [`normalise_column`] with the column's (min, max) already known (saves a pass).
pub fn normalise_column_with(
    x: &[f64],
    ind: &Indicator,
    norm: Normalise,
    method: &Method,
    out: &mut [f64],
    lohi: Option<(f64, f64)>,
) -> Result<(), EngineError> {
    let dir = ind.direction;
    match norm {
        Normalise::Minmax => {
            match lohi {
                Some(lh) => minmax01_with(x, dir, out, lh),
                None => minmax01(x, dir, out),
            }
            let [a, b] = method.minmax.range;
            if (a, b) != (0.0, 1.0) {
                for o in out.iter_mut() {
                    *o = a + (b - a) * *o;
                }
            }
        }
        Normalise::Zscore => {
            let ddof = method.zscore.ddof;
            let m = sum::mean(x).unwrap_or(0.0);
            let sd = sum::std(x, ddof).unwrap_or(0.0);
            let sign = if dir == Direction::Cost { -1.0 } else { 1.0 };
            for (o, &v) in out.iter_mut().zip(x) {
                *o = if sd > 0.0 {
                    sign * (v - m) / sd
                } else if v.is_nan() {
                    v
                } else {
                    0.0
                };
            }
        }
        Normalise::Vector => {
            let norm2 = sum::sum_map(x, |v| if v.is_nan() { 0.0 } else { v * v }).sqrt();
            for (o, &v) in out.iter_mut().zip(x) {
                let r = if norm2 > 0.0 {
                    v / norm2
                } else if v.is_nan() {
                    v
                } else {
                    0.0
                };
                // pymcdm's convention for cost: 1 − r, so the result stays in [0, 1] for x ≥ 0.
                *o = if dir == Direction::Cost { 1.0 - r } else { r };
            }
        }
        Normalise::Rank => percentile(x, dir, out),
        Normalise::Efficacy => {
            let (floor, ceiling) = (method.efficacy.floor, method.efficacy.ceiling);
            let (olo, ohi) = sum::min_max(x).unwrap_or((0.0, 0.0));
            let lo = ind.lower.unwrap_or(olo);
            let hi = ind.upper.unwrap_or(ohi);
            if hi < lo {
                return Err(EngineError::Spec(format!(
                    "indicator '{}': upper {hi} is below lower {lo}",
                    ind.name
                )));
            }
            let span = hi - lo;
            for (o, &v) in out.iter_mut().zip(x) {
                if v.is_nan() {
                    *o = v;
                    continue;
                }
                let t = if span > 0.0 {
                    match dir {
                        Direction::Benefit => (v - lo) / span,
                        Direction::Cost => (hi - v) / span,
                    }
                } else {
                    1.0
                };
                *o = floor + t.clamp(0.0, 1.0) * (ceiling - floor);
            }
        }
        Normalise::Target => {
            let Some(target) = ind.target else {
                return Err(EngineError::Spec(format!(
                    "indicator '{}': normalise = \"target\" needs a target",
                    ind.name
                )));
            };
            let (lo, hi) = sum::min_max(x).unwrap_or((0.0, 0.0));
            for (o, &v) in out.iter_mut().zip(x) {
                if v.is_nan() {
                    *o = v;
                    continue;
                }
                let (num, den) = match dir {
                    Direction::Benefit => (v - lo, target - lo),
                    Direction::Cost => (hi - v, hi - target),
                };
                *o = if den > 0.0 {
                    (num / den).clamp(0.0, 1.0)
                } else if num >= 0.0 {
                    1.0
                } else {
                    0.0
                };
            }
        }
        Normalise::None => {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = if dir == Direction::Cost { -v } else { v };
            }
        }
    }
    Ok(())
}

/// Directed percentile rank in [0, 1]: (r − 1)/(n − 1) with average ranks for ties
/// (ascending for benefit). A single present value gets 1.
pub fn percentile(x: &[f64], dir: Direction, out: &mut [f64]) {
    let mut idx: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    let sign = if dir == Direction::Cost { -1.0 } else { 1.0 };
    idx.sort_by(|&a, &b| (sign * x[a]).total_cmp(&(sign * x[b])));
    for (o, &v) in out.iter_mut().zip(x) {
        if v.is_nan() {
            *o = v;
        }
    }
    let n = idx.len();
    let mut k = 0;
    while k < n {
        let mut e = k;
        while e + 1 < n && x[idx[e + 1]] == x[idx[k]] {
            e += 1;
        }
        let avg = (k + e) as f64 / 2.0; // 0-based average rank
        let p = if n > 1 { avg / (n - 1) as f64 } else { 1.0 };
        for &i in &idx[k..=e] {
            out[i] = p;
        }
        k = e + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(dir: Direction) -> Indicator {
        Indicator {
            name: "x".into(),
            direction: dir,
            weight: None,
            group: None,
            target: None,
            lower: None,
            upper: None,
        }
    }

    #[test]
    fn minmax_directed_and_range() {
        let x = [1.0, 3.0, f64::NAN, 5.0];
        let mut o = [0.0; 4];
        let mut m = Method::default();
        normalise_column(&x, &ind(Direction::Cost), Normalise::Minmax, &m, &mut o).unwrap();
        assert_eq!((o[0], o[1], o[3]), (1.0, 0.5, 0.0));
        assert!(o[2].is_nan());
        m.minmax.range = [1.0, 100.0];
        normalise_column(&x, &ind(Direction::Benefit), Normalise::Minmax, &m, &mut o).unwrap();
        assert_eq!((o[0], o[1], o[3]), (1.0, 50.5, 100.0));
    }

    #[test]
    fn efficacy_default_60_100_and_fixed_bounds_clip() {
        let x = [10.0, 20.0, 30.0];
        let mut o = [0.0; 3];
        let m = Method::default();
        normalise_column(
            &x,
            &ind(Direction::Benefit),
            Normalise::Efficacy,
            &m,
            &mut o,
        )
        .unwrap();
        assert_eq!(o, [60.0, 80.0, 100.0]);
        let mut i = ind(Direction::Cost);
        i.lower = Some(15.0);
        i.upper = Some(25.0);
        normalise_column(&x, &i, Normalise::Efficacy, &m, &mut o).unwrap();
        assert_eq!(o, [100.0, 80.0, 60.0]);
    }

    #[test]
    fn zscore_ddof() {
        let x = [1.0, 2.0, 3.0];
        let mut o = [0.0; 3];
        let mut m = Method::default();
        normalise_column(&x, &ind(Direction::Benefit), Normalise::Zscore, &m, &mut o).unwrap();
        assert_eq!(o, [-1.0, 0.0, 1.0]); // sd with ddof 1 is exactly 1
        m.zscore.ddof = 0;
        normalise_column(&x, &ind(Direction::Benefit), Normalise::Zscore, &m, &mut o).unwrap();
        assert!((o[2] - 1.5f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn percentile_average_ties() {
        let x = [5.0, 1.0, 5.0, 3.0];
        let mut o = [0.0; 4];
        percentile(&x, Direction::Benefit, &mut o);
        assert_eq!(o, [2.5 / 3.0, 0.0, 2.5 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn target_caps_at_one() {
        let x = [0.0, 50.0, 120.0];
        let mut o = [0.0; 3];
        let mut i = ind(Direction::Benefit);
        i.target = Some(100.0);
        normalise_column(&x, &i, Normalise::Target, &Method::default(), &mut o).unwrap();
        assert_eq!(o, [0.0, 0.5, 1.0]);
    }
}
