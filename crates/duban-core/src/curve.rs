//! Expected-progress curves: the share of a target that should be done by a date
//! (序时进度).
//!
//! Time runs in calendar days over `[start, deadline]`, both inclusive: on `start` one day
//! of the span has passed, on `deadline` all of it. The elapsed fraction `t` is
//! `(as_of − start + 1) / (deadline − start + 1)`, clamped to `[0, 1]`, so the end of the
//! first quarter of 2020 gives `t = 91/366 ≈ 24.9%` and 31 December gives 100%.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The shape of expected progress over time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Curve {
    /// Even progress: `share = t` (时间过半、任务过半).
    #[default]
    Linear,
    /// Back-loaded progress: `share = t^exponent` (`exponent > 1`; 2 is quadratic), for work
    /// and statistics that pile up late in the year.
    BackLoaded { exponent: f64 },
    /// Logistic S-curve, slow start and finish: `share = (σ(k(t−½)) − σ(−k/2)) / (σ(k/2) − σ(−k/2))`
    /// with `k = steepness` (8 is a moderate S).
    SCurve { steepness: f64 },
    /// Dated milestones, piecewise-linear through `(date, share)` points: from `(start, 0)`
    /// to the first point, between points, and from the last point to `(deadline, 1)` when
    /// the last point is before the deadline. Shares are clamped to `[0, 1]`; points are
    /// sorted by date.
    Milestones { points: Vec<(NaiveDate, f64)> },
}

impl Curve {
    /// Checks parameters: exponents and steepness positive and finite, milestone shares
    /// finite and within `[0, 1]`.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Curve::Linear => Ok(()),
            Curve::BackLoaded { exponent } if exponent.is_finite() && *exponent > 0.0 => Ok(()),
            Curve::BackLoaded { .. } => Err("后程发力曲线的指数必须为正数".into()),
            Curve::SCurve { steepness } if steepness.is_finite() && *steepness > 0.0 => Ok(()),
            Curve::SCurve { .. } => Err("S形曲线的陡度必须为正数".into()),
            Curve::Milestones { points } => {
                if points
                    .iter()
                    .all(|(_, s)| s.is_finite() && (0.0..=1.0).contains(s))
                {
                    Ok(())
                } else {
                    Err("节点进度必须在0到1之间".into())
                }
            }
        }
    }

    /// The expected share (0..=1) at `as_of` for a target running over `[start, deadline]`.
    pub fn expected_share(&self, start: NaiveDate, deadline: NaiveDate, as_of: NaiveDate) -> f64 {
        let t = elapsed_fraction(start, deadline, as_of);
        let share = match self {
            Curve::Linear => t,
            Curve::BackLoaded { exponent } => t.powf(exponent.max(f64::MIN_POSITIVE)),
            Curve::SCurve { steepness } => {
                let k = steepness.max(1e-6);
                let s = |x: f64| 1.0 / (1.0 + (-x).exp());
                let lo = s(-k / 2.0);
                let hi = s(k / 2.0);
                (s(k * (t - 0.5)) - lo) / (hi - lo)
            }
            Curve::Milestones { points } => milestone_share(points, start, deadline, as_of),
        };
        if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Curve::Linear => "均匀推进",
            Curve::BackLoaded { .. } => "后程发力",
            Curve::SCurve { .. } => "S形推进",
            Curve::Milestones { .. } => "按节点推进",
        }
    }
}

/// Elapsed share of `[start, deadline]` at `as_of`, days inclusive, clamped to `[0, 1]`.
pub fn elapsed_fraction(start: NaiveDate, deadline: NaiveDate, as_of: NaiveDate) -> f64 {
    if as_of < start {
        return 0.0;
    }
    if as_of >= deadline {
        return 1.0;
    }
    let total = (deadline - start).num_days() + 1;
    let done = (as_of - start).num_days() + 1;
    (done as f64 / total as f64).clamp(0.0, 1.0)
}

fn milestone_share(
    points: &[(NaiveDate, f64)],
    start: NaiveDate,
    deadline: NaiveDate,
    as_of: NaiveDate,
) -> f64 {
    let mut pts: Vec<(NaiveDate, f64)> = points
        .iter()
        .filter(|(_, s)| s.is_finite())
        .map(|(d, s)| (*d, s.clamp(0.0, 1.0)))
        .collect();
    pts.sort_by_key(|(d, _)| *d);
    // Anchors: (start − 1 day, 0) so a milestone on `start` itself still ramps from zero,
    // and (deadline, 1) when the points stop earlier.
    let origin = start.pred_opt().unwrap_or(start);
    if pts.first().is_none_or(|(d, _)| *d > origin) {
        pts.insert(0, (origin, 0.0));
    }
    if pts.last().is_some_and(|(d, _)| *d < deadline) {
        pts.push((deadline, 1.0));
    }
    if as_of <= pts[0].0 {
        return pts[0].1;
    }
    for w in pts.windows(2) {
        let ((d0, s0), (d1, s1)) = (w[0], w[1]);
        if as_of <= d1 {
            let span = (d1 - d0).num_days() as f64;
            if span <= 0.0 {
                return s1;
            }
            let f = (as_of - d0).num_days() as f64 / span;
            return s0 + (s1 - s0) * f;
        }
    }
    pts.last().map_or(1.0, |(_, s)| *s)
}

/// The expected-progress curve (序时进度) an office chooses for a target, as stored; the
/// [`Curve`] it stands for is [`CurveChoice::curve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveChoice {
    /// Evenly through the period.
    Linear,
    /// Slow start, most of the work late in the year.
    BackLoaded,
    /// Dated milestones (date → expected percentage).
    Milestones,
}

impl CurveChoice {
    pub const ALL: [CurveChoice; 3] = [
        CurveChoice::Linear,
        CurveChoice::BackLoaded,
        CurveChoice::Milestones,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CurveChoice::Linear => "linear",
            CurveChoice::BackLoaded => "back_loaded",
            CurveChoice::Milestones => "milestones",
        }
    }
    pub fn parse(s: &str) -> Option<CurveChoice> {
        CurveChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// The curve this choice stands for: 前缓后快 is the quadratic back-loaded curve (the
    /// method's standard shape); milestones become shares of the target.
    pub fn curve(self, milestones: &[Milestone]) -> Curve {
        match self {
            CurveChoice::Linear => Curve::Linear,
            CurveChoice::BackLoaded => Curve::BackLoaded { exponent: 2.0 },
            CurveChoice::Milestones => Curve::Milestones {
                points: milestones
                    .iter()
                    .map(|m| (m.date, m.percent / 100.0))
                    .collect(),
            },
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CurveChoice::Linear => "均匀推进",
            CurveChoice::BackLoaded => "前缓后快",
            CurveChoice::Milestones => "按节点",
        }
    }
}

/// One dated milestone: by `date` the target should be `percent` % done (stored in the
/// target's `milestones` JSON as `{"date": "2020-06-30", "percent": 50.0}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub date: NaiveDate,
    pub percent: f64,
}

/// Parses milestones written as `2020-06-30=50; 2020-12-31=100` (also `，`/`,`/newlines,
/// `:` or `：` for `=`); dates must be valid and increasing, percentages in 0..=100.
pub fn parse_milestones(s: &str) -> std::result::Result<Vec<Milestone>, String> {
    let mut out: Vec<Milestone> = Vec::new();
    for part in s.split([';', '；', ',', '，', '\n']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let (d, p) = part
            .split_once(['=', ':', '：'])
            .ok_or_else(|| format!("节点“{part}”应写成 日期=百分比，如 2020-06-30=50"))?;
        let (d, p) = (d.trim(), p.trim().trim_end_matches('%'));
        let date = crate::period::parse_iso_date("节点日期", d)?;
        let percent: f64 = p
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && (0.0..=100.0).contains(v))
            .ok_or_else(|| format!("节点百分比“{p}”应为 0–100 的数"))?;
        if let Some(prev) = out.last()
            && prev.date >= date
        {
            return Err(format!("节点日期须递增：{} 之后是 {d}", prev.date));
        }
        out.push(Milestone { date, percent });
    }
    Ok(out)
}

pub fn format_milestones(m: &[Milestone]) -> String {
    m.iter()
        .map(|m| format!("{}={}", m.date, m.percent))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    #[test]
    fn linear_is_the_share_of_days() {
        let (s, e) = (d("2020-01-01"), d("2020-12-31"));
        let c = Curve::Linear;
        assert!((c.expected_share(s, e, d("2020-03-31")) - 91.0 / 366.0).abs() < 1e-12);
        assert!((c.expected_share(s, e, d("2020-06-30")) - 182.0 / 366.0).abs() < 1e-12);
        assert_eq!(c.expected_share(s, e, d("2019-12-31")), 0.0);
        assert_eq!(c.expected_share(s, e, d("2020-12-31")), 1.0);
        assert_eq!(c.expected_share(s, e, d("2021-05-01")), 1.0);
    }

    #[test]
    fn back_loaded_and_s_curve_lag_linear_at_midyear() {
        let (s, e) = (d("2020-01-01"), d("2020-12-31"));
        let mid = d("2020-06-30");
        let lin = Curve::Linear.expected_share(s, e, mid);
        let quad = Curve::BackLoaded { exponent: 2.0 }.expected_share(s, e, mid);
        assert!((quad - lin * lin).abs() < 1e-12);
        let sc = Curve::SCurve { steepness: 8.0 };
        let q1 = sc.expected_share(s, e, d("2020-03-31"));
        assert!(q1 < Curve::Linear.expected_share(s, e, d("2020-03-31")));
        assert!(sc.expected_share(s, e, s) < 0.01);
        assert_eq!(sc.expected_share(s, e, e), 1.0);
        assert!(Curve::SCurve { steepness: -1.0 }.validate().is_err());
    }

    #[test]
    fn milestones_interpolate() {
        let (s, e) = (d("2020-01-01"), d("2020-12-31"));
        let c = Curve::Milestones {
            points: vec![(d("2020-06-30"), 0.3), (d("2020-09-30"), 0.8)],
        };
        assert_eq!(c.expected_share(s, e, d("2020-06-30")), 0.3);
        assert_eq!(c.expected_share(s, e, d("2020-09-30")), 0.8);
        let mid = c.expected_share(s, e, d("2020-08-15"));
        assert!(mid > 0.3 && mid < 0.8);
        assert_eq!(c.expected_share(s, e, e), 1.0);
        assert_eq!(c.expected_share(s, e, d("2019-12-31")), 0.0);
        let early = c.expected_share(s, e, d("2020-03-31"));
        assert!(early > 0.0 && early < 0.3);
        assert!(
            Curve::Milestones {
                points: vec![(s, 1.5)]
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn milestones_parse_and_validate() {
        let m = parse_milestones("2020-06-30=50；2020-12-31：100%").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].percent, 100.0);
        assert_eq!(format_milestones(&m), "2020-06-30=50; 2020-12-31=100");
        assert!(parse_milestones("2020-13-01=5").is_err());
        assert!(parse_milestones("2020-06-30=150").is_err());
        assert!(parse_milestones("2020-06-30=50; 2020-03-01=60").is_err());
        assert!(parse_milestones("tomorrow").is_err());
        assert_eq!(parse_milestones("  ").unwrap(), vec![]);
    }

    #[test]
    fn a_curve_choice_stands_for_one_curve() {
        let m = parse_milestones("2020-06-30=50").unwrap();
        assert_eq!(CurveChoice::Linear.curve(&m), Curve::Linear);
        assert_eq!(
            CurveChoice::BackLoaded.curve(&m),
            Curve::BackLoaded { exponent: 2.0 }
        );
        let date = NaiveDate::from_ymd_opt(2020, 6, 30).unwrap();
        assert_eq!(
            CurveChoice::Milestones.curve(&m),
            Curve::Milestones {
                points: vec![(date, 0.5)]
            }
        );
        for c in CurveChoice::ALL {
            assert_eq!(CurveChoice::parse(c.as_str()), Some(c));
        }
    }
}
