//! Aggregation kernels over columns (column-major). Weights are non-negative and sum to 1 over
//! the columns given; zero-weight columns are skipped. Missing cells (NaN) are skipped with
//! the unit's weights re-normalised over what it has (available-case); a unit with nothing
//! left scores NaN. Each unit's terms are added in column order, so duplicate units get
//! bit-identical scores.

use crate::normalise::minmax01;
use crate::spec::{Direction, TopsisNorm};
use crate::sum;

fn any_missing(cols: &[&[f64]]) -> bool {
    cols.iter().any(|c| sum::any_nan(c))
}

/// Σ_j w_j f(x_ij) per unit, available-case over NaN cells.
/// Rows per parallel chunk: each unit's terms are still added in column order, so the result
/// does not depend on the thread count.
const ROW_CHUNK: usize = 1 << 14;
const TOPSIS_CHUNK: usize = 1 << 11;

fn weighted<F: Fn(usize, f64) -> f64 + Sync>(
    cols: &[&[f64]],
    w: &[f64],
    n: usize,
    f: F,
) -> Vec<f64> {
    use rayon::prelude::*;
    let mut acc = vec![0.0; n];
    if !any_missing(cols) {
        acc.par_chunks_mut(ROW_CHUNK)
            .enumerate()
            .for_each(|(ci, chunk)| {
                let start = ci * ROW_CHUNK;
                let len = chunk.len();
                for (j, (c, &wj)) in cols.iter().zip(w).enumerate() {
                    if wj == 0.0 {
                        continue;
                    }
                    for (a, &v) in chunk.iter_mut().zip(&c[start..start + len]) {
                        *a += wj * f(j, v);
                    }
                }
            });
        return acc;
    }
    let mut ws = vec![0.0; n];
    let mut missing = vec![false; n];
    for (j, (c, &wj)) in cols.iter().zip(w).enumerate() {
        if wj == 0.0 {
            continue;
        }
        for i in 0..n {
            let v = c[i];
            if v.is_nan() {
                missing[i] = true;
            } else {
                acc[i] += wj * f(j, v);
                ws[i] += wj;
            }
        }
    }
    for i in 0..n {
        if missing[i] {
            acc[i] = if ws[i] > 0.0 {
                acc[i] / ws[i]
            } else {
                f64::NAN
            };
        }
    }
    acc
}

/// Weighted arithmetic mean of `f(j, x_ij)` (the cells of column j mapped by `f`; NaN cells
/// stay missing and are not passed to `f`).
pub(crate) fn weighted_sum_map<F: Fn(usize, f64) -> f64 + Sync>(
    cols: &[&[f64]],
    w: &[f64],
    n: usize,
    f: F,
) -> Vec<f64> {
    weighted(cols, w, n, f)
}

/// Weighted arithmetic mean.
pub fn weighted_sum(cols: &[&[f64]], w: &[f64], n: usize) -> Vec<f64> {
    weighted(cols, w, n, |_, v| v)
}

/// Weighted geometric mean after rescaling each column min–max to `range` (default [1, 100]),
/// so the worst unit on one indicator is not zeroed: exp(Σ w ln v′).
pub fn weighted_geometric(cols: &[&[f64]], w: &[f64], n: usize, range: [f64; 2]) -> Vec<f64> {
    let [a, b] = range;
    let scaled: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let mut o = vec![0.0; n];
            let (lo, hi) = sum::min_max(c).unwrap_or((0.0, 0.0));
            for (o, &v) in o.iter_mut().zip(c.iter()) {
                *o = if v.is_nan() {
                    v
                } else if hi > lo {
                    (a + (b - a) * (v - lo) / (hi - lo)).ln()
                } else {
                    b.ln()
                };
            }
            o
        })
        .collect();
    let refs: Vec<&[f64]> = scaled.iter().map(Vec::as_slice).collect();
    let mut s = weighted(&refs, w, n, |_, v| v);
    s.iter_mut().for_each(|v| *v = v.exp());
    s
}

/// TOPSIS closeness D⁻/(D⁺ + D⁻) on processed (not yet normalised) data.
/// `Vector`: v = w·x/‖x‖₂ with the ideal at max (benefit) or min (cost) — Hwang & Yoon (1981).
/// `Minmax`: v = w·directed min–max(x), ideal = max, anti-ideal = min.
/// Missing cells drop out of both distances. A unit equidistant at 0 from both scores 0.5.
pub fn topsis(
    cols: &[&[f64]],
    dirs: &[Direction],
    w: &[f64],
    n: usize,
    norm: TopsisNorm,
) -> Vec<f64> {
    let stats: Vec<sum::ColStats> = cols.iter().map(|c| sum::col_stats(c)).collect();
    topsis_with(cols, &stats, dirs, w, n, norm)
}

/// [`topsis`] with each column's statistics already known.
pub fn topsis_with(
    cols: &[&[f64]],
    stats: &[sum::ColStats],
    dirs: &[Direction],
    w: &[f64],
    n: usize,
    norm: TopsisNorm,
) -> Vec<f64> {
    use rayon::prelude::*;
    // Per column: v = a·x + c, ideal+, ideal− (on v).
    let params: Vec<(f64, f64, f64, f64)> = cols
        .par_iter()
        .zip(dirs.par_iter())
        .zip(w.par_iter())
        .zip(stats.par_iter())
        .map(|(((_c, &d), &wj), st)| {
            let (lo, hi) = (st.lo, st.hi);
            match norm {
                TopsisNorm::Vector => {
                    let nrm = st.sumsq.sqrt();
                    let a = if nrm > 0.0 { wj / nrm } else { 0.0 };
                    let (best, worst) = if d == Direction::Benefit {
                        (hi, lo)
                    } else {
                        (lo, hi)
                    };
                    (a, 0.0, a * best, a * worst)
                }
                TopsisNorm::Minmax => {
                    let span = hi - lo;
                    if span <= 0.0 {
                        return (0.0, 0.0, 0.0, 0.0);
                    }
                    // directed minmax: benefit (x−lo)/span, cost (hi−x)/span
                    let (a, c0) = if d == Direction::Benefit {
                        (wj / span, -wj * lo / span)
                    } else {
                        (-wj / span, wj * hi / span)
                    };
                    (a, c0, wj, 0.0)
                }
            }
        })
        .collect();
    // The statistics already count the present cells: no extra pass looking for NaN.
    let missing = stats.iter().zip(cols).any(|(st, c)| st.n < c.len());
    let mut out = vec![0.0; n];
    // Smaller row chunks than `ROW_CHUNK` so the two distance accumulators (2 × 16 KiB) stay in
    // L1 across the columns; each unit's terms are still added in column order.
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    out.par_chunks_mut(TOPSIS_CHUNK)
        .enumerate()
        .for_each(|(ci, chunk)| {
            let start = ci * TOPSIS_CHUNK;
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2 is present (checked above).
                unsafe { topsis_chunk_avx2(cols, &params, start, chunk, missing) };
                return;
            }
            topsis_chunk(cols, &params, start, chunk, missing);
        });
    out
}

/// [`topsis_chunk`] compiled with AVX2 (chosen at run time): the same IEEE operations in the
/// same order (no FMA contraction in Rust), four units per instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn topsis_chunk_avx2(
    cols: &[&[f64]],
    params: &[(f64, f64, f64, f64)],
    start: usize,
    chunk: &mut [f64],
    missing: bool,
) {
    topsis_chunk(cols, params, start, chunk, missing);
}

/// TOPSIS closeness of the units `start..start + chunk.len()`: each unit's squared distances
/// are added in column order.
#[inline(always)]
fn topsis_chunk(
    cols: &[&[f64]],
    params: &[(f64, f64, f64, f64)],
    start: usize,
    chunk: &mut [f64],
    missing: bool,
) {
    let len = chunk.len();
    let mut dp = [0.0f64; TOPSIS_CHUNK];
    let mut dn = [0.0f64; TOPSIS_CHUNK];
    let (dp, dn) = (&mut dp[..len], &mut dn[..len]);
    for (c, &(a, c0, best, worst)) in cols.iter().zip(params) {
        if a == 0.0 {
            continue;
        }
        let c = &c[start..start + len];
        if missing {
            for i in 0..len {
                let x = c[i];
                if !x.is_nan() {
                    let v = a * x + c0;
                    dp[i] += (v - best) * (v - best);
                    dn[i] += (v - worst) * (v - worst);
                }
            }
        } else {
            for ((p, q), &x) in dp.iter_mut().zip(dn.iter_mut()).zip(c.iter()) {
                let v = a * x + c0;
                *p += (v - best) * (v - best);
                *q += (v - worst) * (v - worst);
            }
        }
    }
    for ((o, &p), &q) in chunk.iter_mut().zip(dp.iter()).zip(dn.iter()) {
        let (p, q) = (p.sqrt(), q.sqrt());
        *o = if p + q > 0.0 { q / (p + q) } else { 0.5 };
    }
}

/// Grey relational analysis: r = directed min–max(x), Δ = 1 − r, ξ = (Δmin + ρΔmax)/(Δ + ρΔmax)
/// with Δmin, Δmax over all cells; score = Σ w ξ (available-case).
pub fn gra(cols: &[&[f64]], dirs: &[Direction], w: &[f64], n: usize, rho: f64) -> Vec<f64> {
    let deltas: Vec<Vec<f64>> = cols
        .iter()
        .zip(dirs)
        .map(|(c, &d)| {
            let mut r = vec![0.0; n];
            minmax01(c, d, &mut r);
            r.iter_mut().for_each(|v| *v = 1.0 - *v);
            r
        })
        .collect();
    let (mut dmin, mut dmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for (d, &wj) in deltas.iter().zip(w) {
        if wj > 0.0
            && let Some((lo, hi)) = sum::min_max(d)
        {
            dmin = dmin.min(lo);
            dmax = dmax.max(hi);
        }
    }
    if dmax <= dmin {
        return vec![1.0; n];
    }
    let refs: Vec<&[f64]> = deltas.iter().map(Vec::as_slice).collect();
    weighted(&refs, w, n, |_, d| (dmin + rho * dmax) / (d + rho * dmax))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_case_reweights() {
        let a = [1.0, f64::NAN];
        let b = [0.0, 0.5];
        let s = weighted_sum(&[&a, &b], &[0.5, 0.5], 2);
        assert_eq!(s, vec![0.5, 0.5]);
    }

    #[test]
    fn geometric_minimum_not_zero() {
        let a = [0.0, 1.0];
        let b = [1.0, 0.0];
        let s = weighted_geometric(&[&a, &b], &[0.5, 0.5], 2, [1.0, 100.0]);
        assert!((s[0] - 10.0).abs() < 1e-12 && (s[1] - 10.0).abs() < 1e-12);
    }

    #[test]
    fn topsis_minmax_ideal_unit_scores_one() {
        let a = [1.0, 2.0, 3.0];
        let b = [3.0, 2.0, 1.0];
        let s = topsis(
            &[&a, &b],
            &[Direction::Benefit, Direction::Cost],
            &[0.5, 0.5],
            3,
            TopsisNorm::Minmax,
        );
        assert_eq!(s, vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn gra_best_unit_scores_one() {
        let a = [1.0, 2.0, 3.0];
        let s = gra(&[&a], &[Direction::Benefit], &[1.0], 3, 0.5);
        assert_eq!(s[2], 1.0);
        assert!((s[0] - 1.0 / 3.0).abs() < 1e-15);
    }
}
