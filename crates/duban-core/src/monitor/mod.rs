//! Monitor (监测预警): indicator series per region with vintages, derivations, warning rules
//! and alerts. Pure: files are read in `duban-io::monitor`, the command is `duban monitor check`.
//! How the rules read the contract: `docs/monitor-method.md`.

pub mod alert;
pub mod catalogue;
pub mod derive;
pub mod period;
pub mod rules;
pub mod series;
pub mod track;

pub use alert::{AlertAction, AlertError, AlertState, InterviewRecord, alert_transition};
pub use catalogue::{
    Direction, Formula, Indicator, Kind, Region, RegionLevel, Regions, ZHEJIANG, builtin_indicators,
};
pub use derive::{Derived, Measure};
pub use period::{Frequency, Period, PeriodError};
pub use rules::{Alert, Level, Rule, RuleError, TargetGap, Threshold, check, validate};
pub use series::{Known, Observation, Series, SeriesError, View, last_row_per_vintage};
pub use track::{KnownPoint, bound_observations, known_points};

/// Schema of the rules file.
pub const RULES_SCHEMA: &str = "duban.monitor/1";
/// Schema of the alerts output.
pub const ALERTS_SCHEMA: &str = "duban.alerts/1";

/// Helpers of the monitor tests: observations written briefly (and `d`, a date).
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Observation, Period};
    pub(crate) use crate::test_support::d;

    /// One observation of `indicator` in `region` for `period` (`2020-Q3`, `2019`),
    /// published on `published` when that is known.
    pub(crate) fn observation(
        region: &str,
        indicator: &str,
        period: &str,
        value: f64,
        published: Option<&str>,
    ) -> Observation {
        Observation {
            region: region.into(),
            indicator: indicator.into(),
            period: Period::parse(period).unwrap(),
            value,
            published: published.map(d),
        }
    }
}
