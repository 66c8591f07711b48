//! Weighting methods. Every function returns weights that are finite, non-negative and sum
//! to 1, or an error; degenerate inputs fall back to equal weights with a diagnostic.

use crate::EngineError;
use crate::spec::AhpMethod;
use crate::sum;

/// Equal weights.
pub fn equal(m: usize) -> Vec<f64> {
    vec![1.0 / m as f64; m]
}

/// Re-normalise non-negative weights to sum 1; `None` if they sum to 0.
pub fn normalised(w: &[f64]) -> Option<Vec<f64>> {
    let s = sum::neumaier(w.iter().copied());
    (s > 0.0 && s.is_finite()).then(|| w.iter().map(|v| v / s).collect())
}

/// Entropy weights from non-negative basis columns (already directed/shifted by the caller).
/// p_ij = b_ij / Σ_i b_ij; e_j = −Σ p ln p / ln n_j (0 ln 0 = 0; n_j present cells);
/// w_j = (1 − e_j) / Σ (1 − e_k). Returns the weights and, per column, e_j.
/// A column summing to 0 carries no information (e_j = 1). If every e_j = 1 the weights are
/// equal and `degenerate` is true.
pub fn entropy(columns: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, bool) {
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    entropy_affine(
        &refs,
        &vec![(1.0, 0.0); refs.len()],
        &vec![None; refs.len()],
    )
}

/// [`entropy`] on the basis b = α·x + β per column, computed without a copy of the data;
/// `known_sum[j]` is Σ b when the caller already has it (saves a pass).
pub fn entropy_affine(
    columns: &[&[f64]],
    affine: &[(f64, f64)],
    known_sum: &[Option<f64>],
) -> (Vec<f64>, Vec<f64>, bool) {
    entropy_affine_counted(columns, affine, known_sum, &vec![None; columns.len()])
}

/// [`entropy_affine`] with `present[j]`, the number of present cells of column j, when the
/// caller already has it (saves the missing-value pass over the column).
pub fn entropy_affine_counted(
    columns: &[&[f64]],
    affine: &[(f64, f64)],
    known_sum: &[Option<f64>],
    present: &[Option<usize>],
) -> (Vec<f64>, Vec<f64>, bool) {
    use rayon::prelude::*;
    let es: Vec<f64> = columns
        .par_iter()
        .zip(affine.par_iter())
        .zip(known_sum.par_iter())
        .zip(present.par_iter())
        .map(|(((c, &(a, b)), &known), &present)| {
            let n = present.unwrap_or_else(|| {
                if sum::any_nan(c) {
                    c.iter().filter(|v| !v.is_nan()).count()
                } else {
                    c.len()
                }
            });
            if n < 2 {
                return 1.0;
            }
            let s = known
                .unwrap_or_else(|| sum::sum_map(c, |v| if v.is_nan() { 0.0 } else { a * v + b }));
            if s <= 0.0 {
                return 1.0;
            }
            let inv = 1.0 / s;
            let plnp = plnp_sum(c, a, b, inv);
            let e = -plnp / (n as f64).ln();
            // Written out so −0.0 and NaN cannot slip through.
            if e.is_nan() || e <= 0.0 {
                0.0
            } else if e >= 1.0 {
                1.0
            } else {
                e
            }
        })
        .collect();
    let d: Vec<f64> = es.iter().map(|e| 1.0 - e).collect();
    match normalised(&d) {
        Some(w) => (w, es, false),
        None => (equal(columns.len()), es, true),
    }
}

const LN2_HI: f64 = 0.693_147_180_369_123_8; // 0x3FE62E42FEE00000
const LN2_LO: f64 = 1.908_214_929_270_588e-10;

/// Natural log for positive normal `x`, branch-free so the entropy pass vectorises (libm's `ln`
/// is a scalar call). x = 2^e·m with m in [√½, √2); ln m = 2·atanh(s), s = (m − 1)/(m + 1),
/// |s| ≤ 0.172, by its series to s²³ (truncation < 1e-18). Within 4 ulp of `f64::ln` (tested);
/// zero, subnormal and non-finite inputs go to `f64::ln`.
pub fn ln_fast(x: f64) -> f64 {
    if x >= f64::MIN_POSITIVE && x.is_finite() {
        ln_normal(x)
    } else {
        x.ln()
    }
}

/// [`ln_fast`] without the fallback: pure arithmetic, so a loop over it vectorises. `x` must be
/// positive, normal and finite.
#[inline(always)]
fn ln_normal(x: f64) -> f64 {
    let bits = x.to_bits();
    // Exponent as f64 without an int→float conversion (none is packed before AVX-512): the
    // biased exponent k ≤ 2047 placed in the mantissa of 2⁵² gives 2⁵² + k exactly.
    let k =
        f64::from_bits(0x4330_0000_0000_0000 | ((bits >> 52) & 0x7ff)) - 4_503_599_627_370_496.0;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let big = m > std::f64::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    let ef = k - 1023.0 + if big { 1.0 } else { 0.0 };
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    // Horner, written out so the loop around a call vectorises.
    let p = 1.0 / 21.0 + z * (1.0 / 23.0);
    let p = 1.0 / 19.0 + z * p;
    let p = 1.0 / 17.0 + z * p;
    let p = 1.0 / 15.0 + z * p;
    let p = 1.0 / 13.0 + z * p;
    let p = 1.0 / 11.0 + z * p;
    let p = 1.0 / 9.0 + z * p;
    let p = 1.0 / 7.0 + z * p;
    let p = 1.0 / 5.0 + z * p;
    let p = 1.0 / 3.0 + z * p;
    let p = 1.0 + z * p;
    ef * LN2_HI + (2.0 * s * p + ef * LN2_LO)
}

/// One entropy term p·ln p with p = (a·v + b)·inv; p below the smallest normal (or 0, or a
/// missing v) contributes < 1e-305: counted as 0.
#[inline(always)]
fn plnp_term(v: f64, a: f64, b: f64, inv: f64) -> f64 {
    let p = (a * v + b) * inv;
    let q = if p >= f64::MIN_POSITIVE { p } else { 1.0 };
    let t = q * ln_normal(q);
    if p >= f64::MIN_POSITIVE { t } else { 0.0 }
}

/// Σ p ln p over a column, pairwise like [`sum::sum_map`]. On x86-64 with AVX2 the terms are
/// computed four at a time with the very same IEEE operations (no FMA), so the result is
/// bit-identical to the scalar path on every machine (tested).
pub fn plnp_sum(x: &[f64], a: f64, b: f64, inv: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked just above).
        return unsafe { avx2::plnp_sum(x, a, b, inv) };
    }
    sum::sum_map(x, |v| plnp_term(v, a, b, inv))
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::plnp_term;

    const BLOCK: usize = 256; // as in sum::sum_map

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn plnp_sum(x: &[f64], a: f64, b: f64, inv: f64) -> f64 {
        if x.len() <= BLOCK {
            // SAFETY: same feature set as this function.
            unsafe { block(x, a, b, inv) }
        } else {
            let half = (x.len() / 2).div_ceil(BLOCK) * BLOCK;
            // SAFETY: same feature set.
            unsafe { plnp_sum(&x[..half], a, b, inv) + plnp_sum(&x[half..], a, b, inv) }
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn block(x: &[f64], a: f64, b: f64, inv: f64) -> f64 {
        let (va, vb, vi) = (_mm256_set1_pd(a), _mm256_set1_pd(b), _mm256_set1_pd(inv));
        let mut acc0 = _mm256_setzero_pd();
        let mut acc1 = _mm256_setzero_pd();
        let chunks = x.chunks_exact(8);
        let rem = chunks.remainder();
        for c in chunks {
            // SAFETY: c has 8 elements; unaligned loads.
            let (v0, v1) = unsafe {
                (
                    _mm256_loadu_pd(c.as_ptr()),
                    _mm256_loadu_pd(c.as_ptr().add(4)),
                )
            };
            acc0 = _mm256_add_pd(acc0, term4(v0, va, vb, vi));
            acc1 = _mm256_add_pd(acc1, term4(v1, va, vb, vi));
        }
        let mut l = [0.0f64; 8];
        // SAFETY: l has 8 elements.
        unsafe {
            _mm256_storeu_pd(l.as_mut_ptr(), acc0);
            _mm256_storeu_pd(l.as_mut_ptr().add(4), acc1);
        }
        let mut tail = 0.0;
        for &v in rem {
            tail += plnp_term(v, a, b, inv);
        }
        ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])) + tail
    }

    /// Four [`plnp_term`]s, operation for operation.
    #[target_feature(enable = "avx2")]
    fn term4(v: __m256d, va: __m256d, vb: __m256d, vi: __m256d) -> __m256d {
        let one = _mm256_set1_pd(1.0);
        let p = _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(va, v), vb), vi);
        let ok = _mm256_cmp_pd::<_CMP_GE_OQ>(p, _mm256_set1_pd(f64::MIN_POSITIVE));
        let q = _mm256_blendv_pd(one, p, ok);
        let bits = _mm256_castpd_si256(q);
        let kb = _mm256_or_si256(
            _mm256_set1_epi64x(0x4330_0000_0000_0000),
            _mm256_and_si256(_mm256_srli_epi64::<52>(bits), _mm256_set1_epi64x(0x7ff)),
        );
        let k = _mm256_sub_pd(
            _mm256_castsi256_pd(kb),
            _mm256_set1_pd(4_503_599_627_370_496.0),
        );
        let m0 = _mm256_castsi256_pd(_mm256_or_si256(
            _mm256_and_si256(bits, _mm256_set1_epi64x((1i64 << 52) - 1)),
            _mm256_set1_epi64x(1023i64 << 52),
        ));
        let big = _mm256_cmp_pd::<_CMP_GT_OQ>(m0, _mm256_set1_pd(std::f64::consts::SQRT_2));
        let m = _mm256_blendv_pd(m0, _mm256_mul_pd(m0, _mm256_set1_pd(0.5)), big);
        let ef = _mm256_add_pd(
            _mm256_sub_pd(k, _mm256_set1_pd(1023.0)),
            _mm256_and_pd(big, one),
        );
        let s = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one));
        let z = _mm256_mul_pd(s, s);
        let c = |x: f64| _mm256_set1_pd(x);
        let mut pp = _mm256_add_pd(c(1.0 / 21.0), _mm256_mul_pd(z, c(1.0 / 23.0)));
        for k in [
            1.0 / 19.0,
            1.0 / 17.0,
            1.0 / 15.0,
            1.0 / 13.0,
            1.0 / 11.0,
            1.0 / 9.0,
            1.0 / 7.0,
            1.0 / 5.0,
            1.0 / 3.0,
        ] {
            pp = _mm256_add_pd(c(k), _mm256_mul_pd(z, pp));
        }
        pp = _mm256_add_pd(one, _mm256_mul_pd(z, pp));
        let r = _mm256_add_pd(
            _mm256_mul_pd(ef, c(super::LN2_HI)),
            _mm256_add_pd(
                _mm256_mul_pd(_mm256_mul_pd(c(2.0), s), pp),
                _mm256_mul_pd(ef, c(super::LN2_LO)),
            ),
        );
        _mm256_and_pd(_mm256_mul_pd(q, r), ok)
    }
}

/// CRITIC weights (Diakoulaki et al. 1995) from directed [0, 1] columns: C_j = σ_j Σ_k (1 − r_jk),
/// σ with `ddof`, Pearson r over pairwise-complete rows. Returns weights and `degenerate`.
pub fn critic(columns: &[Vec<f64>], ddof: u32) -> (Vec<f64>, bool) {
    let m = columns.len();
    let sd: Vec<f64> = columns
        .iter()
        .map(|c| sum::std(c, ddof).unwrap_or(0.0))
        .collect();
    let mut c = vec![0.0; m];
    for j in 0..m {
        let mut acc = 0.0;
        for k in 0..m {
            let r = if j == k {
                1.0
            } else {
                pearson(&columns[j], &columns[k])
            };
            acc += 1.0 - r;
        }
        c[j] = (sd[j] * acc).max(0.0);
    }
    match normalised(&c) {
        Some(w) => (w, false),
        None => (equal(m), true),
    }
}

/// Pearson correlation over rows where both are present; 0 when undefined.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let both: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .collect();
    let n = both.len();
    if n < 2 {
        return 0.0;
    }
    let xs: Vec<f64> = both.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = both.iter().map(|p| p.1).collect();
    let mx = sum::sum(&xs) / n as f64;
    let my = sum::sum(&ys) / n as f64;
    let sxy = sum::sum_map2(&xs, &ys, |a, b| (a - mx) * (b - my));
    let sxx = sum::sum_map(&xs, |a| (a - mx) * (a - mx));
    let syy = sum::sum_map(&ys, |b| (b - my) * (b - my));
    if sxx <= 0.0 || syy <= 0.0 {
        return 0.0;
    }
    (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0)
}

/// Saaty's random consistency index for n = 1..=15.
pub const SAATY_RI: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ahp {
    pub weights: Vec<f64>,
    pub lambda_max: f64,
    pub ci: f64,
    pub ri: f64,
    pub cr: f64,
}

/// AHP priorities from a positive reciprocal pairwise matrix.
pub fn ahp(a: &[Vec<f64>], method: AhpMethod, force: bool) -> Result<Ahp, EngineError> {
    let n = a.len();
    if n == 0 {
        return Err(EngineError::Spec("AHP matrix is empty".into()));
    }
    if n > SAATY_RI.len() {
        return Err(EngineError::Spec(format!(
            "AHP matrix of order {n}: Saaty's RI stops at 15"
        )));
    }
    for (i, row) in a.iter().enumerate() {
        if row.len() != n {
            return Err(EngineError::Spec(format!(
                "AHP matrix row {} has {} entries, not {n}",
                i + 1,
                row.len()
            )));
        }
        for (j, &v) in row.iter().enumerate() {
            if !(v > 0.0 && v.is_finite()) {
                return Err(EngineError::Spec(format!(
                    "AHP matrix [{}][{}] = {v}: must be positive",
                    i + 1,
                    j + 1
                )));
            }
            let r = v * a[j][i];
            if (r - 1.0).abs() > 1e-6 {
                return Err(EngineError::Spec(format!(
                    "AHP matrix is not reciprocal at [{}][{}]: {v} × {} ≠ 1",
                    i + 1,
                    j + 1,
                    a[j][i]
                )));
            }
        }
    }
    let w: Vec<f64> = match method {
        AhpMethod::Eigenvector => {
            // Power iteration; a positive matrix has a unique positive Perron vector.
            let mut w = vec![1.0 / n as f64; n];
            for _ in 0..10_000 {
                let mut next: Vec<f64> = (0..n)
                    .map(|i| sum::neumaier((0..n).map(|j| a[i][j] * w[j])))
                    .collect();
                let s = sum::neumaier(next.iter().copied());
                next.iter_mut().for_each(|v| *v /= s);
                let delta = next
                    .iter()
                    .zip(&w)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0, f64::max);
                w = next;
                if delta < 1e-16 {
                    break;
                }
            }
            w
        }
        AhpMethod::Geometric => {
            let g: Vec<f64> = a
                .iter()
                .map(|row| (sum::neumaier(row.iter().map(|v| v.ln())) / n as f64).exp())
                .collect();
            normalised(&g).expect("positive")
        }
        AhpMethod::Colmean => {
            let colsum: Vec<f64> = (0..n)
                .map(|j| sum::neumaier((0..n).map(|i| a[i][j])))
                .collect();
            let r: Vec<f64> = (0..n)
                .map(|i| sum::neumaier((0..n).map(|j| a[i][j] / colsum[j])) / n as f64)
                .collect();
            normalised(&r).expect("positive")
        }
    };
    let lambda_max =
        sum::neumaier((0..n).map(|i| sum::neumaier((0..n).map(|j| a[i][j] * w[j])) / w[i]))
            / n as f64;
    let ci = if n > 1 {
        ((lambda_max - n as f64) / (n - 1) as f64).max(0.0)
    } else {
        0.0
    };
    let ri = SAATY_RI[n - 1];
    let cr = if ri > 0.0 { ci / ri } else { 0.0 };
    if cr > 0.1 && !force {
        return Err(EngineError::Spec(format!(
            "AHP matrix is inconsistent: CR = {cr:.4} > 0.1 (λmax = {lambda_max:.4}, CI = {ci:.4}, RI = {ri}); revise it or set force = true"
        )));
    }
    Ok(Ahp {
        weights: w,
        lambda_max,
        ci,
        ri,
        cr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_constant_information_and_degenerate() {
        // Column 0 has all mass on one unit (e = 0), column 1 is uniform (e = 1).
        let cols = vec![vec![0.0, 0.0, 1.0], vec![1.0, 1.0, 1.0]];
        let (w, e, deg) = entropy(&cols);
        assert_eq!(e[0], 0.0);
        assert!((e[1] - 1.0).abs() < 1e-15);
        assert!((w[0] - 1.0).abs() < 1e-15 && w[1] >= 0.0 && w[1] < 1e-15);
        assert!(!deg);
        let (w, _, deg) = entropy(&[vec![1.0, 1.0], vec![2.0, 2.0]]);
        assert!(deg);
        assert_eq!(w, vec![0.5, 0.5]);
    }

    #[test]
    fn ln_fast_within_four_ulp() {
        let mut x = 1e-300f64;
        while x < 1e300 {
            for y in [
                x,
                x * std::f64::consts::SQRT_2 * (1.0 - 1e-9),
                x * std::f64::consts::SQRT_2 * (1.0 + 1e-9),
                x * 0.999_999_9,
                x * 3.7,
            ] {
                let (a, b) = (ln_fast(y), y.ln());
                let ulp = f64::EPSILON * b.abs().max(f64::MIN_POSITIVE);
                assert!((a - b).abs() <= 4.0 * ulp, "{y}: {a} vs {b}");
            }
            x *= 1.37;
        }
        assert_eq!(ln_fast(1.0), 0.0);
        assert_eq!(ln_fast(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn plnp_simd_path_is_bit_identical_to_scalar() {
        let mut x: Vec<f64> = (0..5_003)
            .map(|i| ((i as f64) * 0.731).sin().abs() * 10f64.powi(i % 7 - 3))
            .collect();
        x[7] = 0.0;
        x[100] = f64::NAN;
        x[200] = 1e-310;
        let s = sum::sum_map(&x, |v| if v.is_nan() { 0.0 } else { v });
        for (a, b) in [(1.0, 0.0), (0.37, 0.1), (-2.0, 30.0)] {
            let scalar = sum::sum_map(&x, |v| plnp_term(v, a, b, 1.0 / s));
            assert_eq!(
                plnp_sum(&x, a, b, 1.0 / s).to_bits(),
                scalar.to_bits(),
                "{a} {b}"
            );
        }
    }

    #[test]
    fn ahp_consistent_matrix_recovers_ratios() {
        let a = vec![
            vec![1.0, 2.0, 4.0],
            vec![0.5, 1.0, 2.0],
            vec![0.25, 0.5, 1.0],
        ];
        for m in [
            AhpMethod::Eigenvector,
            AhpMethod::Geometric,
            AhpMethod::Colmean,
        ] {
            let r = ahp(&a, m, false).unwrap();
            assert!(
                (r.weights[0] - 4.0 / 7.0).abs() < 1e-14,
                "{m:?} {:?}",
                r.weights
            );
            assert!((r.lambda_max - 3.0).abs() < 1e-12);
            assert!(r.cr.abs() < 1e-12);
        }
    }

    #[test]
    fn ahp_refuses_inconsistent_unless_forced() {
        let a = vec![
            vec![1.0, 9.0, 1.0 / 9.0],
            vec![1.0 / 9.0, 1.0, 9.0],
            vec![9.0, 1.0 / 9.0, 1.0],
        ];
        let e = ahp(&a, AhpMethod::Eigenvector, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("CR ="), "{e}");
        let r = ahp(&a, AhpMethod::Eigenvector, true).unwrap();
        assert!(r.cr > 0.1);
        let bad = vec![vec![1.0, 2.0], vec![2.0, 1.0]];
        assert!(ahp(&bad, AhpMethod::Eigenvector, false).is_err());
    }

    #[test]
    fn critic_independent_columns() {
        let cols = vec![vec![0.0, 1.0, 0.0, 1.0], vec![0.0, 0.0, 1.0, 1.0]];
        let (w, deg) = critic(&cols, 1);
        assert!(!deg);
        assert!((w[0] - 0.5).abs() < 1e-15);
    }
}
