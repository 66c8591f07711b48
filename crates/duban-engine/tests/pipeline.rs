//! The whole pipeline: hierarchy, missing data, exclusions, ties, classes, robustness.

use std::collections::HashMap;

use duban_engine::spec::*;
use duban_engine::{Dataset, EngineError, Matrix, evaluate};

fn ds(ids: &[&str], cols: &[&str], rows: &[Vec<Option<f64>>]) -> Dataset {
    Dataset {
        ids: ids.iter().map(|s| s.to_string()).collect(),
        columns: cols.iter().map(|s| s.to_string()).collect(),
        values: Matrix::from_rows(rows).unwrap(),
        classes: None,
    }
}

fn s(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|&x| Some(x)).collect()
}

fn zhejiang_spec() -> Spec {
    let mut spec = Spec::flat(
        "城市",
        &[
            ("a", Direction::Benefit),
            ("b", Direction::Cost),
            ("c", Direction::Benefit),
        ],
    );
    for (i, (w, g)) in [(0.6, "发展指标"), (0.4, "发展指标"), (1.0, "工作指标")]
        .iter()
        .enumerate()
    {
        spec.indicators[i].weight = Some(*w);
        spec.indicators[i].group = Some(g.to_string());
    }
    spec.groups = vec![
        Group {
            name: "发展指标".into(),
            weight: Some(0.85),
            parent: None,
            aggregate: None,
        },
        Group {
            name: "工作指标".into(),
            weight: Some(0.15),
            parent: None,
            aggregate: None,
        },
    ];
    spec.method.normalise = Normalise::Efficacy;
    spec.method.weights = WeightMethod::Expert;
    spec
}

#[test]
fn efficacy_85_15_by_hand() {
    let d = ds(
        &["甲", "乙", "丙"],
        &["a", "b", "c"],
        &[
            s(&[10.0, 5.0, 1.0]),
            s(&[20.0, 3.0, 3.0]),
            s(&[30.0, 4.0, 2.0]),
        ],
    );
    let e = evaluate(&d, &zhejiang_spec(), None).unwrap();
    // 甲: a 60, b (cost, max 5) 60, c 60 → 60.
    // 乙: a 80, b 100, c 100 → 0.85·(0.6·80 + 0.4·100) + 0.15·100 = 89.8
    // 丙: a 100, b 80, c 80 → 0.85·(60 + 32) + 0.15·80 = 90.2
    let sc: Vec<f64> = e.units().iter().map(|u| u.score).collect();
    for (got, want) in sc.iter().zip([60.0, 89.8, 90.2]) {
        assert!((got - want).abs() < 1e-12, "{sc:?}");
    }
    assert_eq!(
        e.units().iter().map(|u| u.rank).collect::<Vec<_>>(),
        vec![3.0, 2.0, 1.0]
    );
    let w: HashMap<_, _> = e.indicators.iter().zip(&e.weights).collect();
    assert!((w[&"a".to_string()] - 0.51).abs() < 1e-15);
    assert!((e.weights.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert_eq!(e.groups, vec!["发展指标", "工作指标"]);
    assert!((e.group_scores[0][1] - 88.0).abs() < 1e-12);
}

#[test]
fn expert_weights_must_sum_to_one() {
    let mut spec = zhejiang_spec();
    spec.indicators[0].weight = Some(0.5);
    let d = ds(
        &["甲", "乙"],
        &["a", "b", "c"],
        &[s(&[1.0, 2.0, 3.0]), s(&[2.0, 1.0, 1.0])],
    );
    let err = evaluate(&d, &spec, None).unwrap_err();
    assert!(
        matches!(&err, EngineError::Weights(m) if m.contains("发展指标") && m.contains("0.9")),
        "{err}"
    );
}

#[test]
fn unknown_indicator_is_named() {
    let d = ds(&["甲"], &["a"], &[s(&[1.0])]);
    let spec = Spec::flat(
        "id",
        &[("a", Direction::Benefit), ("zz", Direction::Benefit)],
    );
    assert_eq!(
        evaluate(&d, &spec, None).unwrap_err(),
        EngineError::UnknownIndicator("zz".into())
    );
}

#[test]
fn constant_indicator_is_excluded_and_flagged() {
    let d = ds(
        &["x", "y", "z"],
        &["a", "k"],
        &[s(&[1.0, 7.0]), s(&[2.0, 7.0]), s(&[3.0, 7.0])],
    );
    for w in [
        WeightMethod::Equal,
        WeightMethod::Entropy,
        WeightMethod::Critic,
    ] {
        let mut spec = Spec::flat(
            "id",
            &[("a", Direction::Benefit), ("k", Direction::Benefit)],
        );
        spec.method.weights = w;
        let e = evaluate(&d, &spec, None).unwrap();
        assert_eq!(e.indicators, vec!["a"]);
        assert_eq!(e.weights, vec![1.0]);
        assert_eq!(e.excluded[0].name, "k");
        assert!(e.diagnostics.iter().any(|d| d.code == "constant_indicator"));
        assert!(e.units().iter().all(|u| u.score.is_finite()));
    }
}

#[test]
fn missing_data_policies() {
    let rows = vec![
        s(&[1.0, 10.0]),
        vec![Some(2.0), None],
        s(&[3.0, 30.0]),
        vec![None, None],
    ];
    let d = ds(&["p", "q", "r", "empty"], &["a", "b"], &rows);
    let mut spec = Spec::flat(
        "id",
        &[("a", Direction::Benefit), ("b", Direction::Benefit)],
    );
    // available-case: q is scored on a alone (0.5).
    let e = evaluate(&d, &spec, None).unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e.unit(1).score, 0.5);
    assert!(
        e.excluded
            .iter()
            .any(|x| x.name == "empty" && x.kind == "unit")
    );
    assert!(e.diagnostics.iter().any(|d| d.code == "all_missing_unit"));
    // mean imputation: b = 20 → normalised 0.5.
    spec.method.impute = Impute::Mean;
    let e = evaluate(&d, &spec, None).unwrap();
    assert_eq!((e.normalised.get(1, 0), e.normalised.get(1, 1)), (0.5, 0.5));
    // complete-case drops q.
    spec.method.impute = Impute::Complete;
    let e = evaluate(&d, &spec, None).unwrap();
    assert_eq!(
        e.units()
            .iter()
            .map(|u| d.ids[u.row].as_str())
            .collect::<Vec<_>>(),
        vec!["p", "r"]
    );
    // none refuses, naming the unit, the indicator and the data row.
    spec.method.impute = Impute::None;
    let err = evaluate(&d, &spec, None).unwrap_err();
    assert_eq!(
        err,
        EngineError::Missing {
            row: 1,
            unit: "q".into(),
            indicator: "b".into()
        }
    );
    // minimum coverage.
    spec.method.impute = Impute::Available;
    spec.method.min_coverage = 1.0;
    let e = evaluate(&d, &spec, None).unwrap();
    assert!(
        e.excluded
            .iter()
            .any(|x| x.name == "q" && x.reason.contains("coverage"))
    );
}

#[test]
fn duplicate_and_mirrored_units_tie() {
    // u1 is u0 with its indicators reversed, u2 duplicates u0; the data set holds every row's
    // mirror, so mirrored columns have the same values and the scores are mathematically equal,
    // but the five terms are added in a different order.
    let a = [0.1, 0.7, 0.3, 0.9, 0.2];
    let c = [0.5, 0.4, 0.6, 0.3, 0.8];
    let rev = |x: &[f64; 5]| {
        let mut y = *x;
        y.reverse();
        y
    };
    let rows = vec![s(&a), s(&rev(&a)), s(&a), s(&rev(&a)), s(&c), s(&rev(&c))];
    let cols = ["i0", "i1", "i2", "i3", "i4"];
    let d = ds(&["u0", "u1", "u2", "u3", "u4", "u5"], &cols, &rows);
    let inds: Vec<(&str, Direction)> = cols.iter().map(|c| (*c, Direction::Benefit)).collect();
    let mut differed = 0;
    for agg in [
        Aggregate::Sum,
        Aggregate::Geometric,
        Aggregate::Topsis,
        Aggregate::Gra,
    ] {
        for norm in [
            Normalise::Minmax,
            Normalise::Zscore,
            Normalise::Vector,
            Normalise::Rank,
        ] {
            let mut spec = Spec::flat("id", &inds);
            spec.method.aggregate = agg;
            spec.method.normalise = norm;
            let e = evaluate(&d, &spec, None).unwrap();
            let sc: Vec<f64> = e.units().iter().map(|u| u.score).collect();
            assert_eq!(e.unit(0).rank, e.unit(2).rank, "{agg:?}");
            assert_eq!(e.unit(0).rank, e.unit(1).rank, "{agg:?} {norm:?} {sc:?}");
            differed += usize::from(sc[0] != sc[1]);
        }
    }
    // At least one combination really produced different bits (else the test proves nothing).
    assert!(differed > 0);
}

#[test]
fn class_ranks_marks_and_rank_change() {
    let mut d = ds(
        &["a", "b", "c", "d", "e"],
        &["x"],
        &[s(&[5.0]), s(&[4.0]), s(&[3.0]), s(&[2.0]), s(&[1.0])],
    );
    d.classes = Some(
        ["Ⅰ类", "Ⅱ类", "Ⅰ类", "Ⅱ类", "Ⅲ类"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    );
    let spec = Spec::flat("id", &[("x", Direction::Benefit)]);
    let prev: HashMap<String, f64> = [("a".to_string(), 2.0), ("b".to_string(), 1.0)].into();
    let e = evaluate(&d, &spec, Some(&prev)).unwrap();
    let u = e.units();
    assert_eq!((u[0].class_rank, u[0].mark), (Some(1.0), Some("★")));
    assert_eq!((u[2].class_rank, u[2].mark), (Some(2.0), Some("▲")));
    assert_eq!((u[4].class_rank, u[4].mark), (Some(1.0), None));
    assert_eq!(u[0].rank_change, Some(1.0));
    assert_eq!(u[1].rank_change, Some(-1.0));
    assert_eq!(u[2].rank_change, None);
}

fn county_case(n: usize, m: usize) -> (Dataset, Spec) {
    // Deterministic pseudo-random data (an LCG; no RNG dependency in the fixture).
    let mut state = 42u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let rows: Vec<Vec<Option<f64>>> = (0..n)
        .map(|_| (0..m).map(|_| Some(1.0 + 99.0 * next())).collect())
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("县{i:02}")).collect();
    let names: Vec<String> = (0..m).map(|j| format!("指标{j}")).collect();
    let d = Dataset {
        ids,
        columns: names.clone(),
        values: Matrix::from_rows(&rows).unwrap(),
        classes: None,
    };
    let inds: Vec<(&str, Direction)> = names
        .iter()
        .enumerate()
        .map(|(j, n)| {
            (
                n.as_str(),
                if j % 4 == 3 {
                    Direction::Cost
                } else {
                    Direction::Benefit
                },
            )
        })
        .collect();
    let mut spec = Spec::flat("id", &inds);
    spec.uncertainty = Some(Uncertainty {
        draws: 400,
        seed: 7,
        aggregate: vec![Aggregate::Sum, Aggregate::Geometric],
        normalise: vec![Normalise::Minmax, Normalise::Zscore, Normalise::Rank],
        leave_one_out: true,
        ..Uncertainty::default()
    });
    (d, spec)
}

#[test]
fn monte_carlo_is_deterministic_across_thread_counts() {
    let (d, spec) = county_case(30, 6);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| evaluate(&d, &spec, None).unwrap())
    };
    let one = run(1);
    let two = run(3);
    assert_eq!(one, two);
    let u = one.uncertainty.unwrap();
    assert_eq!(u.units.len(), 30);
    for x in &u.units {
        assert!(
            x.rank_min <= x.rank_p5 && x.rank_p5 <= x.rank_median && x.rank_median <= x.rank_p95
        );
        assert!(x.rank_p95 <= x.rank_max && (0.0..=1.0).contains(&x.share_first));
    }
    let shares: f64 = u.units.iter().map(|x| x.share_first).sum();
    assert!(shares >= 1.0 - 1e-12, "someone is first in every draw");
    assert_eq!(
        u.factors,
        vec!["weights", "normalise", "aggregate", "leave_one_out"]
    );
    for s in &u.sensitivity {
        assert!(s.total >= 0.0 && s.total < 1.5, "{s:?}");
        assert!(
            s.first_order > -0.3 && s.first_order <= s.total + 0.3,
            "{s:?}"
        );
    }
    // A different seed gives different draws.
    let mut spec2 = spec.clone();
    spec2.uncertainty.as_mut().unwrap().seed = 8;
    assert_ne!(evaluate(&d, &spec2, None).unwrap().uncertainty.unwrap(), u);
}

#[test]
fn ten_million_rows_match_a_compensated_reference() {
    let n = 10_000_000;
    let col: Vec<f64> = (0..n)
        .map(|i| 1.0 + ((i as f64) * 0.618_033_988_749_895).fract() * 1e6)
        .collect();
    let col2: Vec<f64> = (0..n)
        .map(|i| 5.0 + ((i as f64) * 0.414_213_562_373_095).fract())
        .collect();
    let (w, e, _) = duban_engine::weights::entropy(&[col.clone(), col2.clone()]);
    // Reference: Neumaier (compensated) sums, sequential.
    let reference = |c: &[f64]| {
        let s = duban_engine::sum::neumaier(c.iter().copied());
        let plnp = duban_engine::sum::neumaier(c.iter().map(|v| {
            let p = v / s;
            p * p.ln()
        }));
        -plnp / (n as f64).ln()
    };
    let (r1, r2) = (reference(&col), reference(&col2));
    assert!(((1.0 - e[0]) - (1.0 - r1)).abs() <= 1e-12 * (1.0 - r1));
    assert!(((1.0 - e[1]) - (1.0 - r2)).abs() <= 1e-12 * (1.0 - r2));
    let wr = (1.0 - r1) / ((1.0 - r1) + (1.0 - r2));
    assert!((w[0] - wr).abs() <= 1e-12 * wr, "{} vs {wr}", w[0]);
    let mean = duban_engine::sum::mean(&col).unwrap();
    let mref = duban_engine::sum::neumaier(col.iter().copied()) / n as f64;
    assert!((mean - mref).abs() <= 1e-15 * mref);
}

#[test]
fn ahp_weights_flow_through() {
    let d = ds(&["x", "y"], &["a", "b"], &[s(&[1.0, 2.0]), s(&[2.0, 1.0])]);
    let mut spec = Spec::flat(
        "id",
        &[("a", Direction::Benefit), ("b", Direction::Benefit)],
    );
    spec.method.weights = WeightMethod::Ahp;
    spec.method.ahp.matrix = vec![vec![1.0, 3.0], vec![1.0 / 3.0, 1.0]];
    let e = evaluate(&d, &spec, None).unwrap();
    assert!((e.weights[0] - 0.75).abs() < 1e-15);
    assert_eq!(e.unit(1).rank, 1.0); // y is strong on the heavy indicator
    assert!(e.ahp.is_some());
    spec.method.weights = WeightMethod::Combined;
    spec.method.combine = CombineOpts {
        alpha: 0.5,
        subjective: WeightMethod::Ahp,
        objective: WeightMethod::Entropy,
    };
    let e = evaluate(&d, &spec, None).unwrap();
    assert!((e.weights[0] - (0.5 * 0.75 + 0.25)).abs() < 1e-15);
}

/// Bits of weights, scores and ranks (f64 `==` would let −0.0 = 0.0 and miss NaN).
fn result_bits(e: &duban_engine::Evaluation) -> Vec<u64> {
    e.weights
        .iter()
        .chain(&e.scores)
        .chain(&e.ranks)
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn scores_only_evaluation_is_bit_identical() {
    use duban_engine::{EvalOptions, evaluate_with};
    // 20,000 units (the bucket-sort rank path), some missing cells, a cost indicator, and
    // every aggregation with both the skipped and the materialised normalised matrix.
    let (mut d, mut spec) = county_case(20_000, 6);
    spec.uncertainty = None;
    for k in (0..20_000).step_by(997) {
        d.values.set(k, k % 6, f64::NAN);
    }
    spec.method.impute = Impute::Available;
    for (agg, norm, w) in [
        (Aggregate::Sum, Normalise::Minmax, WeightMethod::Equal),
        (Aggregate::Sum, Normalise::Minmax, WeightMethod::Entropy),
        (Aggregate::Sum, Normalise::Zscore, WeightMethod::Critic),
        (Aggregate::Topsis, Normalise::Minmax, WeightMethod::Entropy),
        (Aggregate::Gra, Normalise::Rank, WeightMethod::Equal),
        (Aggregate::Geometric, Normalise::Minmax, WeightMethod::Equal),
    ] {
        spec.method.aggregate = agg;
        spec.method.normalise = norm;
        spec.method.weights = w;
        spec.method.minmax.range = [0.0, 100.0];
        let full = evaluate(&d, &spec, None).unwrap();
        let lean = evaluate_with(&d, &spec, None, EvalOptions { normalised: false }).unwrap();
        assert_eq!(
            result_bits(&full),
            result_bits(&lean),
            "{agg:?} {norm:?} {w:?}"
        );
        assert_eq!(full.normalised.rows(), 20_000);
        let skipped = matches!(agg, Aggregate::Topsis | Aggregate::Gra)
            || (agg == Aggregate::Sum && norm == Normalise::Minmax);
        assert_eq!(lean.normalised.rows() == 0, skipped, "{agg:?} {norm:?}");
    }
}
