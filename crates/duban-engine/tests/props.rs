//! Property tests: invariances, monotonicity, valid weights.

use duban_engine::spec::*;
use duban_engine::{Dataset, Matrix, evaluate};
use proptest::prelude::*;

const M: usize = 4;

fn dataset(rows: &[Vec<f64>]) -> Dataset {
    let r: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|r| r.iter().map(|&v| Some(v)).collect())
        .collect();
    Dataset {
        ids: (0..rows.len()).map(|i| format!("u{i}")).collect(),
        columns: (0..M).map(|j| format!("c{j}")).collect(),
        values: Matrix::from_rows(&r).unwrap(),
        classes: None,
    }
}

fn spec(order: &[usize], norm: Normalise, agg: Aggregate, w: WeightMethod) -> Spec {
    let names: Vec<String> = order.iter().map(|j| format!("c{j}")).collect();
    let inds: Vec<(&str, Direction)> = names
        .iter()
        .zip(order)
        .map(|(n, &j)| {
            (
                n.as_str(),
                if j == 1 {
                    Direction::Cost
                } else {
                    Direction::Benefit
                },
            )
        })
        .collect();
    let mut s = Spec::flat("id", &inds);
    s.method.normalise = norm;
    s.method.aggregate = agg;
    s.method.weights = w;
    s
}

fn matrix() -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(0.5f64..1000.0, M), 3..25)
}

fn scale_free() -> impl Strategy<Value = (Normalise, Aggregate)> {
    prop_oneof![
        Just((Normalise::Minmax, Aggregate::Sum)),
        Just((Normalise::Zscore, Aggregate::Sum)),
        Just((Normalise::Vector, Aggregate::Sum)),
        Just((Normalise::Rank, Aggregate::Sum)),
        Just((Normalise::Efficacy, Aggregate::Sum)),
        Just((Normalise::Minmax, Aggregate::Geometric)),
        Just((Normalise::Minmax, Aggregate::Topsis)),
        Just((Normalise::Minmax, Aggregate::Gra)),
    ]
}

fn weights_method() -> impl Strategy<Value = WeightMethod> {
    prop_oneof![
        Just(WeightMethod::Equal),
        Just(WeightMethod::Entropy),
        Just(WeightMethod::Critic)
    ]
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(1.0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn invariant_to_indicator_order(rows in matrix(), (norm, agg) in scale_free(), w in weights_method(),
                                    perm in Just([2usize, 0, 3, 1])) {
        let d = dataset(&rows);
        let a = evaluate(&d, &spec(&[0, 1, 2, 3], norm, agg, w), None);
        let b = evaluate(&d, &spec(&perm, norm, agg, w), None);
        let (Ok(a), Ok(b)) = (a, b) else { return Ok(()) };
        let sa: Vec<f64> = a.units().iter().map(|u| u.score).collect();
        let sb: Vec<f64> = b.units().iter().map(|u| u.score).collect();
        prop_assert!(close(&sa, &sb), "{sa:?} {sb:?}");
    }

    #[test]
    fn invariant_to_positive_rescaling(rows in matrix(), (norm, agg) in scale_free(), w in weights_method(),
                                       j in 0..M, k in 0.001f64..1000.0) {
        let d = dataset(&rows);
        let scaled: Vec<Vec<f64>> = rows.iter().map(|r| { let mut r = r.clone(); r[j] *= k; r }).collect();
        let s = spec(&[0, 1, 2, 3], norm, agg, w);
        let (Ok(a), Ok(b)) = (evaluate(&d, &s, None), evaluate(&dataset(&scaled), &s, None)) else { return Ok(()) };
        let sa: Vec<f64> = a.units().iter().map(|u| u.score).collect();
        let sb: Vec<f64> = b.units().iter().map(|u| u.score).collect();
        prop_assert!(close(&sa, &sb), "{sa:?} {sb:?}");
    }

    #[test]
    fn monotone_in_a_benefit_indicator(rows in matrix(), unit in 0usize..3, bump in 0.0f64..500.0,
                                        agg in prop_oneof![Just(Aggregate::Sum), Just(Aggregate::Geometric), Just(Aggregate::Topsis)]) {
        // Fixed (equal) weights: with data-driven weights, raising a value may move weight away.
        let d = dataset(&rows);
        let mut up = rows.clone();
        up[unit][0] += bump;
        let s = spec(&[0, 1, 2, 3], Normalise::Minmax, agg, WeightMethod::Equal);
        let (Ok(a), Ok(b)) = (evaluate(&d, &s, None), evaluate(&dataset(&up), &s, None)) else { return Ok(()) };
        prop_assert!(b.unit(unit).rank <= a.unit(unit).rank, "rank {} → {}", a.unit(unit).rank, b.unit(unit).rank);
        if agg == Aggregate::Sum {
            prop_assert!(b.unit(unit).score >= a.unit(unit).score - 1e-12);
        }
    }

    #[test]
    fn weights_nonnegative_and_sum_to_one(
        rows in prop::collection::vec(prop::collection::vec(prop_oneof![Just(0.0), Just(5.0), -50.0f64..50.0], M), 2..12),
        w in prop_oneof![Just(WeightMethod::Equal), Just(WeightMethod::Entropy), Just(WeightMethod::Critic)],
        raw in any::<bool>(), shift in prop_oneof![Just(0.0), 0.0f64..1.0]) {
        let d = dataset(&rows);
        let mut s = spec(&[0, 1, 2, 3], Normalise::Minmax, Aggregate::Sum, w);
        s.method.entropy = EntropyOpts { basis: if raw { EntropyBasis::Raw } else { EntropyBasis::Minmax }, shift };
        match evaluate(&d, &s, None) {
            Ok(e) => {
                prop_assert!(e.weights.iter().all(|v| v.is_finite() && *v >= 0.0 && v.is_sign_positive()), "{:?}", e.weights);
                prop_assert!((e.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                prop_assert!(e.units().iter().all(|u| u.score.is_finite() && u.rank >= 1.0));
            }
            // Only a data set with every indicator constant may be refused.
            Err(err) => prop_assert!(err.to_string().contains("every indicator was excluded"), "{err}"),
        }
    }
}
