//! The method, as typed values mirroring the `duban.eval/1` TOML spec. Parsing the TOML is the
//! caller's job (duban-cli); serde derives only here.

use serde::{Deserialize, Serialize};

pub const SPEC_SCHEMA: &str = "duban.eval/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher is better.
    #[default]
    Benefit,
    /// Lower is better.
    Cost,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub name: String,
    #[serde(default)]
    pub direction: Direction,
    /// Expert weight (within its group when groups are used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Target value for `normalise = "target"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Fixed lower/upper bounds for 功效系数法 (the "set minimum and maximum value" variant);
    /// the observed minimum/maximum when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    /// Weight among its siblings; equal weights when every sibling leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Parent group (a sub-index inside an index); top level when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// How this group's children are combined when the children are groups (default sum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<GroupAggregate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GroupAggregate {
    #[default]
    Sum,
    Geometric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    /// Refuse missing cells in screened units (an error).
    None,
    Mean,
    Median,
    /// Available-case: each unit's score uses the indicators it has, weights re-normalised.
    #[default]
    Available,
    /// Complete-case: drop every unit with a missing cell.
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Normalise {
    #[default]
    Minmax,
    Zscore,
    Vector,
    Rank,
    Efficacy,
    Target,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WeightMethod {
    #[default]
    Equal,
    Expert,
    Ahp,
    Entropy,
    Critic,
    /// α·subjective + (1−α)·objective, see [`Combine`].
    Combined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    #[default]
    Sum,
    Geometric,
    Topsis,
    Gra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Competition ranking 1,2,2,4.
    #[default]
    Min,
    /// Fractional ranking 1,2.5,2.5,4.
    Average,
    /// Dense ranking 1,2,2,3.
    Dense,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Outliers {
    #[default]
    None,
    /// Winsorise while |skew| > skew and kurtosis > kurtosis, up to `max_winsorised` points,
    /// then log-transform if the column is still skewed.
    Winsorise,
    /// Log-transform skewed columns directly.
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EntropyBasis {
    /// Directed min–max to [0, 1] first (cost indicators reversed).
    #[default]
    Minmax,
    /// Proportions of the raw values (direction ignored; negative columns shifted to 0).
    Raw,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EntropyOpts {
    pub basis: EntropyBasis,
    /// Added to every basis value before proportions (0 = none).
    pub shift: f64,
}
impl Default for EntropyOpts {
    fn default() -> Self {
        Self {
            basis: EntropyBasis::Minmax,
            shift: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZscoreOpts {
    pub ddof: u32,
}
impl Default for ZscoreOpts {
    fn default() -> Self {
        Self { ddof: 1 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RangeOpts {
    pub range: [f64; 2],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TopsisNorm {
    /// Hwang & Yoon's original: x / ‖x‖₂.
    #[default]
    Vector,
    Minmax,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TopsisOpts {
    pub normalise: TopsisNorm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EfficacyOpts {
    pub floor: f64,
    pub ceiling: f64,
}
impl Default for EfficacyOpts {
    fn default() -> Self {
        Self {
            floor: 60.0,
            ceiling: 100.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraOpts {
    pub rho: f64,
}
impl Default for GraOpts {
    fn default() -> Self {
        Self { rho: 0.5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AhpMethod {
    #[default]
    Eigenvector,
    Geometric,
    Colmean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AhpOpts {
    /// Pairwise comparison matrix over the indicators, in spec order.
    pub matrix: Vec<Vec<f64>>,
    pub method: AhpMethod,
    /// Accept CR > 0.1.
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CombineOpts {
    pub alpha: f64,
    pub subjective: WeightMethod,
    pub objective: WeightMethod,
}
impl Default for CombineOpts {
    fn default() -> Self {
        Self {
            alpha: 0.5,
            subjective: WeightMethod::Expert,
            objective: WeightMethod::Entropy,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutlierOpts {
    pub skew: f64,
    pub kurtosis: f64,
    pub max_winsorised: usize,
}
impl Default for OutlierOpts {
    fn default() -> Self {
        Self {
            skew: 2.0,
            kurtosis: 3.5,
            max_winsorised: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Method {
    pub impute: Impute,
    /// Screening: a unit needs at least this share of the indicators (by count) present.
    pub min_coverage: f64,
    pub outliers: Outliers,
    pub normalise: Normalise,
    pub weights: WeightMethod,
    pub aggregate: Aggregate,
    pub ties: Ties,
    #[serde(rename = "outlier")]
    pub outlier_opts: OutlierOpts,
    pub entropy: EntropyOpts,
    pub zscore: ZscoreOpts,
    pub minmax: RangeOpts,
    pub geometric: RangeOpts,
    pub topsis: TopsisOpts,
    pub efficacy: EfficacyOpts,
    pub gra: GraOpts,
    pub ahp: AhpOpts,
    pub combine: CombineOpts,
}
impl Default for Method {
    fn default() -> Self {
        Self {
            impute: Impute::Available,
            min_coverage: 0.5,
            outliers: Outliers::None,
            normalise: Normalise::Minmax,
            weights: WeightMethod::Equal,
            aggregate: Aggregate::Sum,
            ties: Ties::Min,
            outlier_opts: OutlierOpts::default(),
            entropy: EntropyOpts::default(),
            zscore: ZscoreOpts::default(),
            minmax: RangeOpts { range: [0.0, 1.0] },
            geometric: RangeOpts {
                range: [1.0, 100.0],
            },
            topsis: TopsisOpts::default(),
            efficacy: EfficacyOpts::default(),
            gra: GraOpts::default(),
            ahp: AhpOpts::default(),
            combine: CombineOpts::default(),
        }
    }
}
impl Default for RangeOpts {
    fn default() -> Self {
        Self { range: [0.0, 1.0] }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Uncertainty {
    pub draws: usize,
    pub seed: u64,
    /// Multiplicative weight noise: each weight × U(1−a, 1+a), then re-normalised.
    pub weight_noise: f64,
    /// Aggregation alternatives drawn uniformly (the nominal one when empty).
    pub aggregate: Vec<Aggregate>,
    pub normalise: Vec<Normalise>,
    /// Imputation alternatives (mean, median, available; complete-case and none are not
    /// allowed here because they change the set of units).
    pub impute: Vec<Impute>,
    /// Also draw "leave one indicator out" (or keep all), uniformly.
    pub leave_one_out: bool,
    /// Variance-based sensitivity indices (costs draws × (factors + 1) extra evaluations).
    pub sensitivity: bool,
}
impl Default for Uncertainty {
    fn default() -> Self {
        Self {
            draws: 1000,
            seed: 1,
            weight_noise: 0.25,
            aggregate: Vec::new(),
            normalise: Vec::new(),
            impute: Vec::new(),
            leave_one_out: false,
            sensitivity: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default = "default_schema")]
    pub schema: String,
    /// Name of the id column.
    pub id: String,
    /// Optional class column (ranking within classes, ★ first / ▲ last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
    #[serde(default, rename = "group", skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub method: Method,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

fn default_schema() -> String {
    SPEC_SCHEMA.to_string()
}

impl Spec {
    /// A flat spec over the named indicators with the default method (tests, benches).
    pub fn flat(id: &str, indicators: &[(&str, Direction)]) -> Self {
        Spec {
            schema: SPEC_SCHEMA.into(),
            id: id.into(),
            class: None,
            indicators: indicators
                .iter()
                .map(|(n, d)| Indicator {
                    name: (*n).into(),
                    direction: *d,
                    weight: None,
                    group: None,
                    target: None,
                    lower: None,
                    upper: None,
                })
                .collect(),
            groups: Vec::new(),
            method: Method::default(),
            uncertainty: None,
        }
    }
}
