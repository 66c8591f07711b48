//! Robustness: Monte Carlo over the uncertain choices and variance-based sensitivity.
//!
//! Factors: indicator weights (each × U(1−a, 1+a), re-normalised within its group; group weights
//! are policy and stay fixed), normalisation, aggregation and imputation alternatives (uniform),
//! and leave-one-indicator-out (uniform over "none" and each indicator). Draw `d` takes its
//! random numbers from ChaCha8 seeded with `seed` on stream `d`, so results depend on
//! (seed, draws) only, not on the thread count or scheduling.
//!
//! Sensitivity (Saltelli et al. 2010, Jansen): with base samples A and B and A_B^(i) (A with
//! factor i from B), Y = mean |rank − nominal rank| over units,
//! S_i = mean(Y_B (Y_ABi − Y_A)) / V, ST_i = mean((Y_A − Y_ABi)²) / (2V), V = Var(Y_A ∪ Y_B).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::evaluate::{Diagnostic, Prepared, normalise_all, process, score};
use crate::matrix::Matrix;
use crate::spec::{Aggregate, Impute, Normalise, Uncertainty};
use crate::{EngineError, rank, sum};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitUncertainty {
    pub id: String,
    pub rank_nominal: f64,
    pub rank_median: f64,
    pub rank_p5: f64,
    pub rank_p95: f64,
    pub rank_min: f64,
    pub rank_max: f64,
    pub share_first: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub factor: String,
    pub first_order: f64,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertaintyResult {
    pub draws: usize,
    pub seed: u64,
    pub factors: Vec<String>,
    pub units: Vec<UnitUncertainty>,
    pub sensitivity: Vec<Sensitivity>,
}

#[derive(Debug, Clone)]
struct Sample {
    mult: Vec<f64>,
    norm: usize,
    agg: usize,
    imp: usize,
    /// 0 = keep all, k = leave indicator k−1 out.
    loo: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Factor {
    Weights,
    Normalise,
    Aggregate,
    Impute,
    LeaveOneOut,
}

impl Factor {
    fn name(self) -> &'static str {
        match self {
            Factor::Weights => "weights",
            Factor::Normalise => "normalise",
            Factor::Aggregate => "aggregate",
            Factor::Impute => "impute",
            Factor::LeaveOneOut => "leave_one_out",
        }
    }
}

/// Cap on stored ranks (draws × units, f32).
const MAX_CELLS: usize = 1 << 28;

pub(crate) fn run(
    prep: &Prepared,
    u: &Uncertainty,
    nominal: &[f64],
    ids: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<UncertaintyResult, EngineError> {
    let method = &prep.spec.method;
    let n = prep.rows.len();
    let m = prep.inds.len();
    if n.saturating_mul(u.draws) > MAX_CELLS {
        return Err(EngineError::Spec(format!(
            "uncertainty: {} draws × {n} units is too many",
            u.draws
        )));
    }
    if !(0.0..1.0).contains(&u.weight_noise) {
        return Err(EngineError::Spec(format!(
            "uncertainty.weight_noise = {}: must be in [0, 1)",
            u.weight_noise
        )));
    }
    fn or<T: Copy>(v: &[T], d: T) -> Vec<T> {
        if v.is_empty() { vec![d] } else { v.to_vec() }
    }
    let norms: Vec<Normalise> = or(&u.normalise, method.normalise);
    let aggs: Vec<Aggregate> = or(&u.aggregate, method.aggregate);
    let imps: Vec<Impute> = or(&u.impute, method.impute);
    if imps
        .iter()
        .any(|i| matches!(i, Impute::None | Impute::Complete))
        && imps != vec![method.impute]
    {
        return Err(EngineError::Spec(
            "uncertainty.impute: only mean, median and available (they keep the same units)".into(),
        ));
    }
    let mut factors = Vec::new();
    if u.weight_noise > 0.0 {
        factors.push(Factor::Weights);
    }
    if norms.len() > 1 {
        factors.push(Factor::Normalise);
    }
    if aggs.len() > 1 {
        factors.push(Factor::Aggregate);
    }
    if imps.len() > 1 {
        factors.push(Factor::Impute);
    }
    if u.leave_one_out && m > 1 {
        factors.push(Factor::LeaveOneOut);
    }

    // Precompute processed and normalised matrices for every alternative.
    let mut owned: Vec<Option<Matrix>> = Vec::new();
    for &imp in &imps {
        owned.push(process(prep, imp, &mut Vec::new())?);
    }
    let xs: Vec<&Matrix> = owned
        .iter()
        .map(|o| o.as_ref().unwrap_or(&prep.raw))
        .collect();
    let mut nrms: Vec<Vec<Matrix>> = Vec::new();
    for x in &xs {
        let mut per = Vec::new();
        for &nm in &norms {
            per.push(normalise_all(prep, x, nm)?);
        }
        nrms.push(per);
    }

    let draw = |stream: u64| -> Sample {
        let mut rng = ChaCha8Rng::seed_from_u64(u.seed);
        rng.set_stream(stream);
        let a = u.weight_noise;
        let mult = (0..m)
            .map(|_| {
                if a > 0.0 {
                    rng.gen_range(1.0 - a..=1.0 + a)
                } else {
                    1.0
                }
            })
            .collect();
        Sample {
            mult,
            norm: rng.gen_range(0..norms.len()),
            agg: rng.gen_range(0..aggs.len()),
            imp: rng.gen_range(0..imps.len()),
            loo: if u.leave_one_out && m > 1 {
                rng.gen_range(0..=m)
            } else {
                0
            },
        }
    };
    let eval = |s: &Sample| -> (Vec<f32>, f64) {
        let mut w: Vec<f64> = prep
            .base_w
            .iter()
            .zip(&s.mult)
            .map(|(b, k)| b * k)
            .collect();
        if s.loo > 0 {
            w[s.loo - 1] = 0.0;
        }
        let (sc, _) = score(prep, xs[s.imp], &nrms[s.imp][s.norm], &w, aggs[s.agg]);
        let r = rank::rank(&sc, method.ties);
        let y = sum::neumaier(r.iter().zip(nominal).map(|(a, b)| (a - b).abs())) / n as f64;
        (r.iter().map(|&v| v as f32).collect(), y)
    };

    let n_draws = u.draws;
    // Sample A on even streams, B on odd streams.
    let a_runs: Vec<(Vec<f32>, f64)> = (0..n_draws)
        .into_par_iter()
        .map(|d| eval(&draw(2 * d as u64)))
        .collect();

    // Per-unit rank statistics from the A draws.
    let units: Vec<UnitUncertainty> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut r: Vec<f64> = a_runs.iter().map(|(rk, _)| rk[i] as f64).collect();
            r.sort_by(f64::total_cmp);
            let first = r.iter().filter(|&&v| v == 1.0).count();
            UnitUncertainty {
                id: ids[prep.rows[i]].clone(),
                rank_nominal: nominal[i],
                rank_median: sum::quantile_sorted(&r, 0.5),
                rank_p5: sum::quantile_sorted(&r, 0.05),
                rank_p95: sum::quantile_sorted(&r, 0.95),
                rank_min: r[0],
                rank_max: r[r.len() - 1],
                share_first: first as f64 / r.len() as f64,
            }
        })
        .collect();

    let mut sensitivity = Vec::new();
    if u.sensitivity && !factors.is_empty() {
        let ya: Vec<f64> = a_runs.iter().map(|r| r.1).collect();
        let yb: Vec<f64> = (0..n_draws)
            .into_par_iter()
            .map(|d| eval(&draw(2 * d as u64 + 1)).1)
            .collect();
        let all: Vec<f64> = ya.iter().chain(&yb).copied().collect();
        let mean = sum::sum(&all) / all.len() as f64;
        let var = sum::sum_map(&all, |v| (v - mean) * (v - mean)) / all.len() as f64;
        for &f in &factors {
            let yab: Vec<f64> = (0..n_draws)
                .into_par_iter()
                .map(|d| {
                    let mut s = draw(2 * d as u64);
                    let b = draw(2 * d as u64 + 1);
                    match f {
                        Factor::Weights => s.mult = b.mult,
                        Factor::Normalise => s.norm = b.norm,
                        Factor::Aggregate => s.agg = b.agg,
                        Factor::Impute => s.imp = b.imp,
                        Factor::LeaveOneOut => s.loo = b.loo,
                    }
                    eval(&s).1
                })
                .collect();
            let (s1, st) = if var > 0.0 {
                let s1 = sum::neumaier((0..n_draws).map(|d| yb[d] * (yab[d] - ya[d])))
                    / n_draws as f64
                    / var;
                let st = sum::neumaier((0..n_draws).map(|d| (ya[d] - yab[d]).powi(2)))
                    / (2.0 * n_draws as f64)
                    / var;
                (s1, st)
            } else {
                (0.0, 0.0)
            };
            sensitivity.push(Sensitivity {
                factor: f.name().into(),
                first_order: s1,
                total: st,
            });
        }
        if var == 0.0 {
            diagnostics.push(Diagnostic {
                code: "sensitivity_no_variance",
                subject: "uncertainty".into(),
                message: "no draw changed any rank: sensitivity indices are 0".into(),
            });
        }
    }

    Ok(UncertaintyResult {
        draws: n_draws,
        seed: u.seed,
        factors: factors.iter().map(|f| f.name().to_string()).collect(),
        units,
        sensitivity,
    })
}
