//! A firm's 体检报告 (check-up): each indicator against its class benchmark — the ratio and
//! the points it contributes — and which indicator would lift the score most. Pure: the
//! caller passes the firm's values, its class's benchmarks and the method's weights.
//!
//! "Lift" holds the class benchmarks fixed (one firm moving changes a class mean only a
//! little) and asks: how many points would the firm gain if this indicator reached its class
//! benchmark (ratio 1)? That is `weight · (1 − ratio)` when the ratio is below 1, else 0. The
//! indicator with the largest gain is the advice; ties go to the larger weight, then to the
//! earlier indicator. A missing value counts as ratio 0 (the method's `missing = "zero"`), so
//! reporting it is the first lift. When every indicator is at or above its benchmark there
//! is no advice (None).

use super::ratio;
use crate::spec::Direction;

/// One indicator of a firm, as the method sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckupLine {
    /// The firm's value (NaN = missing).
    pub value: f64,
    /// The class benchmark (NaN = no firm of the class has a value).
    pub benchmark: f64,
    /// value ÷ benchmark (cost: benchmark ÷ value), capped, as the score uses it.
    pub ratio: f64,
    /// weight · ratio: the points this indicator adds to the score.
    pub contribution: f64,
    /// Points gained if the indicator reached its benchmark (benchmarks held fixed).
    pub gain: f64,
}

/// The lines of a firm's check-up and the index of the indicator to lift (if any).
/// `weights`, `directions`, `values` and `benchmarks` are in the method's indicator order.
pub fn checkup(
    weights: &[f64],
    directions: &[Direction],
    values: &[f64],
    benchmarks: &[f64],
    cap: f64,
) -> (Vec<CheckupLine>, Option<usize>) {
    let lines: Vec<CheckupLine> = (0..weights.len())
        .map(|j| {
            let r = ratio(values[j], benchmarks[j], directions[j], cap);
            // Without a usable benchmark no value can earn points: nothing to gain.
            let reachable = benchmarks[j].is_finite() && benchmarks[j] > 0.0;
            CheckupLine {
                value: values[j],
                benchmark: benchmarks[j],
                ratio: r,
                contribution: weights[j] * r,
                gain: if reachable && r < 1.0 {
                    weights[j] * (1.0 - r)
                } else {
                    0.0
                },
            }
        })
        .collect();
    let best = (0..lines.len())
        .filter(|&j| lines[j].gain > 0.0)
        .max_by(|&a, &b| {
            lines[a]
                .gain
                .total_cmp(&lines[b].gain)
                .then(weights[a].total_cmp(&weights[b]))
                .then(b.cmp(&a))
        });
    (lines, best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Benefit, Cost};

    #[test]
    fn the_largest_weighted_shortfall_is_the_advice() {
        // 亩均税收 (30) at 0.5 of the benchmark: gain 15; 亩均增加值 (20) at 0.2: gain 16;
        // 单位能耗 (cost, 10) better than the benchmark: ratio 2, no gain.
        let (lines, best) = checkup(
            &[30.0, 20.0, 10.0],
            &[Benefit, Benefit, Cost],
            &[5.0, 2.0, 0.5],
            &[10.0, 10.0, 1.0],
            3.0,
        );
        assert_eq!(lines[0].ratio, 0.5);
        assert_eq!(lines[0].contribution, 15.0);
        assert_eq!(lines[0].gain, 15.0);
        assert_eq!(lines[1].gain, 16.0);
        assert_eq!(lines[2].ratio, 2.0);
        assert_eq!(lines[2].gain, 0.0);
        assert_eq!(best, Some(1));
    }

    #[test]
    fn missing_values_ties_and_no_benchmark() {
        // A missing value is ratio 0: the whole weight is the gain. Equal gains: the larger
        // weight wins; equal weights: the earlier indicator.
        let (lines, best) = checkup(
            &[10.0, 20.0, 40.0],
            &[Benefit, Benefit, Benefit],
            &[f64::NAN, 10.0, 1.0],
            &[4.0, 20.0, f64::NAN],
            3.0,
        );
        assert_eq!(lines[0].gain, 10.0);
        assert_eq!(lines[1].gain, 10.0);
        assert_eq!(lines[2].gain, 0.0, "no benchmark: nothing to reach");
        assert_eq!(best, Some(1));
        let (_, best) = checkup(
            &[10.0, 10.0],
            &[Benefit, Benefit],
            &[f64::NAN, f64::NAN],
            &[1.0, 1.0],
            3.0,
        );
        assert_eq!(best, Some(0));
        // Everything at or above its benchmark: no advice.
        let (_, best) = checkup(&[10.0], &[Benefit], &[3.0], &[1.0], 3.0);
        assert_eq!(best, None);
    }
}
