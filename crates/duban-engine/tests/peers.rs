//! The engine against test vectors computed with pymcdm, scikit-criteria and pyrepo-mcda
//! (data/fixtures/eval/peers.json, made by bench/eval/make_fixtures.py). Where the peers agree
//! the engine must match them to 1e-12; where they disagree, the documented decision is tested.

use duban_engine::normalise::{minmax01, normalise_column};
use duban_engine::spec::{Direction, Indicator, Method, Normalise, Ties, TopsisNorm};
use duban_engine::{aggregate, rank, weights};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Fixture {
    tolerance: f64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    what: String,
    matrix: Vec<Vec<f64>>,
    types: Vec<i32>,
    weights: Option<Vec<f64>>,
    peers: BTreeMap<String, Vec<Option<f64>>>,
    peers_agree: bool,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("../../../data/fixtures/eval/peers.json")).unwrap()
}

fn cols(c: &Case) -> Vec<Vec<f64>> {
    (0..c.matrix[0].len())
        .map(|j| c.matrix.iter().map(|r| r[j]).collect())
        .collect()
}

fn dirs(c: &Case) -> Vec<Direction> {
    c.types
        .iter()
        .map(|&t| {
            if t == 1 {
                Direction::Benefit
            } else {
                Direction::Cost
            }
        })
        .collect()
}

fn ind(d: Direction) -> Indicator {
    Indicator {
        name: "x".into(),
        direction: d,
        weight: None,
        group: None,
        target: None,
        lower: None,
        upper: None,
    }
}

/// Column-major normalisation flattened row-major (the peers' layout).
fn normalised(c: &Case, norm: Normalise, method: &Method) -> Vec<f64> {
    let cs = cols(c);
    let ds = dirs(c);
    let n = c.matrix.len();
    let mut out = vec![0.0; n * cs.len()];
    for (j, col) in cs.iter().enumerate() {
        let mut o = vec![0.0; n];
        normalise_column(col, &ind(ds[j]), norm, method, &mut o).unwrap();
        for i in 0..n {
            out[i * cs.len() + j] = o[i];
        }
    }
    out
}

fn ours(c: &Case) -> Vec<f64> {
    let cs = cols(c);
    let refs: Vec<&[f64]> = cs.iter().map(Vec::as_slice).collect();
    let ds = dirs(c);
    let n = c.matrix.len();
    let w = || c.weights.clone().unwrap();
    let m = Method::default();
    match c.what.as_str() {
        "topsis_vector" => aggregate::topsis(&refs, &ds, &w(), n, TopsisNorm::Vector),
        "topsis_minmax" => aggregate::topsis(&refs, &ds, &w(), n, TopsisNorm::Minmax),
        "minmax" => normalised(c, Normalise::Minmax, &m),
        "minmax_sum" => {
            let nm: Vec<Vec<f64>> = cs
                .iter()
                .zip(&ds)
                .map(|(col, &d)| {
                    let mut o = vec![0.0; n];
                    minmax01(col, d, &mut o);
                    o
                })
                .collect();
            let r: Vec<&[f64]> = nm.iter().map(Vec::as_slice).collect();
            aggregate::weighted_sum(&r, &w(), n)
        }
        "vector" => normalised(c, Normalise::Vector, &m),
        "entropy_raw" => weights::entropy(&cs).0,
        "entropy_raw_shifted" => {
            let shifted: Vec<Vec<f64>> = cs
                .iter()
                .map(|col| {
                    let lo = col.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
                    col.iter().map(|v| v - lo).collect()
                })
                .collect();
            weights::entropy(&shifted).0
        }
        "critic_ddof1" | "critic_ddof0" => {
            let nm: Vec<Vec<f64>> = cs
                .iter()
                .zip(&ds)
                .map(|(col, &d)| {
                    let mut o = vec![0.0; n];
                    minmax01(col, d, &mut o);
                    o
                })
                .collect();
            weights::critic(&nm, if c.what.ends_with('1') { 1 } else { 0 }).0
        }
        "rank_min" => rank::rank(&cs[0], Ties::Min),
        "rank_average" => rank::rank(&cs[0], Ties::Average),
        "rank_dense" => rank::rank(&cs[0], Ties::Dense),
        "zscore_ddof0" | "zscore_ddof1" => {
            let mut m = Method::default();
            m.zscore.ddof = if c.what.ends_with('1') { 1 } else { 0 };
            normalised(c, Normalise::Zscore, &m)
        }
        other => panic!("unknown case kind {other}"),
    }
}

fn close(a: &[f64], b: &[Option<f64>], tol: f64) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("length {} vs {}", a.len(), b.len()));
    }
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        let y = y.ok_or("peer gave NaN")?;
        if (x - y).abs() > tol * y.abs().max(1.0) {
            return Err(format!("[{k}] ours {x:e}, peer {y:e}"));
        }
    }
    Ok(())
}

#[test]
fn agrees_with_peers_where_they_agree() {
    let f = fixture();
    let mut checked = 0;
    for c in f.cases.iter().filter(|c| c.peers_agree) {
        let got = ours(c);
        for (peer, want) in &c.peers {
            close(&got, want, f.tolerance).unwrap_or_else(|e| panic!("{} vs {peer}: {e}", c.name));
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} comparisons");
}

#[test]
fn hwang_yoon_ranking_is_the_textbook_one() {
    let f = fixture();
    let c = f
        .cases
        .iter()
        .find(|c| c.name == "hwang_yoon_topsis_vector")
        .unwrap();
    assert!(c.peers_agree);
    let s = ours(c);
    // A1 best; the closeness order A1 > A3 > A4 > A2 of Hwang & Yoon (1981).
    assert_eq!(rank::rank(&s, Ties::Min), vec![1.0, 4.0, 2.0, 3.0]);
}

#[test]
fn topsis_default_is_vector_not_minmax() {
    let f = fixture();
    let c = f
        .cases
        .iter()
        .find(|c| c.name == "topsis_default_normalisation")
        .unwrap();
    assert!(!c.peers_agree);
    assert_eq!(
        duban_engine::spec::TopsisOpts::default().normalise,
        TopsisNorm::Vector
    );
    let got = ours(c);
    close(&got, &c.peers["pyrepo_vector"], f.tolerance).unwrap();
    assert!(close(&got, &c.peers["pymcdm_default_minmax"], 1e-6).is_err());
}

#[test]
fn entropy_with_negatives_shifts_and_stays_valid() {
    let f = fixture();
    let c = f
        .cases
        .iter()
        .find(|c| c.name == "entropy_raw_negative")
        .unwrap();
    assert!(!c.peers_agree);
    let w = ours(c);
    assert!(w.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Not pyrepo's |p| rule:
    assert!(close(&w, &c.peers["pyrepo_mcda_abs"], 1e-6).is_err());
}
