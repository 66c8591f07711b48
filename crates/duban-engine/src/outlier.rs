//! Outlier treatment (the COINr convention): while |skewness| > `skew` and excess kurtosis >
//! `kurtosis`, winsorise the most extreme value on the skewed side to its inner neighbour, up to
//! `max_winsorised` points; a column still failing is log-transformed instead (from the
//! original values): x ↦ ln(x − min + 1) for right skew, −ln(max − x + 1) for left skew.
//! Moments are population moments (g1, g2) of the present values.

use crate::spec::OutlierOpts;
use crate::sum;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Treatment {
    pub winsorised: usize,
    pub log: bool,
}

/// (skewness g1, excess kurtosis g2) of present values; `None` for fewer than 3 or zero spread.
pub fn moments(x: &[f64]) -> Option<(f64, f64)> {
    let n = x.iter().filter(|v| !v.is_nan()).count();
    if n < 3 {
        return None;
    }
    let m = sum::mean(x)?;
    let c = |p: i32| sum::sum_map(x, |v| if v.is_nan() { 0.0 } else { (v - m).powi(p) }) / n as f64;
    let (m2, m3, m4) = (c(2), c(3), c(4));
    if m2 <= 0.0 {
        return None;
    }
    Some((m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0))
}

fn fails(x: &[f64], o: &OutlierOpts) -> Option<f64> {
    let (g1, g2) = moments(x)?;
    (g1.abs() > o.skew && g2 > o.kurtosis).then_some(g1)
}

fn log_transform(x: &mut [f64], right: bool) {
    let (lo, hi) = sum::min_max(x).unwrap_or((0.0, 0.0));
    for v in x.iter_mut().filter(|v| !v.is_nan()) {
        *v = if right {
            (*v - lo + 1.0).ln()
        } else {
            -(hi - *v + 1.0).ln()
        };
    }
}

/// Winsorise, then log if still needed.
pub fn winsorise(x: &mut [f64], o: &OutlierOpts) -> Treatment {
    let original = x.to_vec();
    let mut t = Treatment::default();
    while let Some(g1) = fails(x, o) {
        if t.winsorised >= o.max_winsorised {
            x.copy_from_slice(&original);
            log_transform(x, g1 > 0.0);
            return Treatment {
                winsorised: 0,
                log: true,
            };
        }
        let mut idx: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
        idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        if g1 > 0.0 {
            let top = x[idx[idx.len() - 1]];
            let next = idx
                .iter()
                .rev()
                .map(|&i| x[i])
                .find(|&v| v < top)
                .unwrap_or(top);
            let hits: Vec<usize> = idx
                .iter()
                .rev()
                .copied()
                .take_while(|&i| x[i] == top)
                .collect();
            for i in hits {
                x[i] = next;
                t.winsorised += 1;
            }
        } else {
            let bottom = x[idx[0]];
            let next = idx
                .iter()
                .map(|&i| x[i])
                .find(|&v| v > bottom)
                .unwrap_or(bottom);
            let hits: Vec<usize> = idx
                .iter()
                .copied()
                .take_while(|&i| x[i] == bottom)
                .collect();
            for i in hits {
                x[i] = next;
                t.winsorised += 1;
            }
        }
    }
    t
}

/// Log-transform a failing column directly.
pub fn log_only(x: &mut [f64], o: &OutlierOpts) -> Treatment {
    match fails(x, o) {
        Some(g1) => {
            log_transform(x, g1 > 0.0);
            Treatment {
                winsorised: 0,
                log: true,
            }
        }
        None => Treatment::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_big_outlier_is_winsorised() {
        let mut x: Vec<f64> = (1..=20).map(f64::from).collect();
        x.push(1000.0);
        let t = winsorise(&mut x, &OutlierOpts::default());
        assert_eq!(
            t,
            Treatment {
                winsorised: 1,
                log: false
            }
        );
        assert_eq!(x[20], 20.0);
        assert!(moments(&x).unwrap().0.abs() < 2.0);
    }

    #[test]
    fn heavy_tail_falls_back_to_log() {
        let mut x: Vec<f64> = (0..40).map(|i| 1.5f64.powi(i)).collect();
        let o = OutlierOpts {
            max_winsorised: 2,
            ..OutlierOpts::default()
        };
        let t = winsorise(&mut x, &o);
        assert!(t.log);
        assert_eq!(x[0], 1.0f64.ln() + 0.0);
    }

    #[test]
    fn symmetric_column_untouched() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            winsorise(&mut x, &OutlierOpts::default()),
            Treatment::default()
        );
        assert_eq!(x, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
