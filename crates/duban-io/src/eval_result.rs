//! The evaluation result `duban.eval.result/1` as one type, [`EvalResult`]: the writers
//! build it ([`EvalResult::of`]; the streamed writer `crate::eval_write::write_result_json`
//! serialises its head and streams its units, byte for byte the same as
//! `serde_json::to_string_pretty(&EvalResult)`), and every reader (the web result page,
//! the published ranking tables, `--previous` ranks) deserialises it, so a malformed result
//! is a typed error naming the field instead of a missing value.
//!
//! Fields are declared in serde_json's sorted key order (the wire order, unchanged from the
//! format's first version); numbers the engine leaves undefined (NaN, a missing normalised
//! value) are `null` on the wire and `None` here.

use std::collections::{BTreeMap, HashMap};

use duban_engine::{Dataset, ENGINE_VERSION, Evaluation, Spec};
use serde::{Deserialize, Deserializer, Serialize};

use crate::eval_format::{RESULT_SCHEMA, data_hash, method_hash};

/// Named numbers (indicator or group → value), in name order.
pub type Named = BTreeMap<String, Option<f64>>;

/// A result, `duban.eval.result/1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    /// The AHP consistency report, when the method weights by AHP.
    pub ahp: Option<Ahp>,
    pub data_hash: String,
    pub diagnostics: Vec<Diagnostic>,
    pub engine: String,
    pub excluded: Vec<Excluded>,
    pub group_weights: Named,
    pub method_hash: String,
    pub schema: String,
    pub sensitivity: Option<Vec<Sensitivity>>,
    pub uncertainty: Option<Vec<UnitUncertainty>>,
    pub uncertainty_setup: Option<UncertaintySetup>,
    /// Units in rank order.
    pub units: Vec<EvalUnit>,
    pub weights: Named,
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalUnit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Present (possibly `null`) exactly when `class` is.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub class_rank: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Named>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
    pub normalised: Named,
    pub rank: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_change: Option<f64>,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ahp {
    pub ci: Option<f64>,
    pub cr: Option<f64>,
    pub lambda_max: Option<f64>,
    pub ri: Option<f64>,
    pub weights: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub message: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// `indicator` or `unit`.
    pub kind: String,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub factor: String,
    pub first_order: Option<f64>,
    pub total: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitUncertainty {
    pub id: String,
    pub rank_max: Option<f64>,
    pub rank_median: Option<f64>,
    pub rank_min: Option<f64>,
    pub rank_nominal: Option<f64>,
    pub rank_p5: Option<f64>,
    pub rank_p95: Option<f64>,
    pub share_first: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintySetup {
    pub draws: usize,
    pub factors: Vec<String>,
    pub seed: u64,
}

/// A field that may be absent (`None`) or present and `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// A number as the wire holds it: NaN and infinities are `null`.
pub(crate) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn named(names: &[String], vals: &[f64]) -> Named {
    names
        .iter()
        .zip(vals)
        .map(|(n, v)| (n.clone(), finite(*v)))
        .collect()
}

impl EvalResult {
    /// Everything but the units (left empty): small, whatever the number of units. The
    /// streamed writer serialises this and writes the units in their place.
    pub fn head(e: &Evaluation, spec: &Spec, ds: &Dataset) -> EvalResult {
        let u = e.uncertainty.as_ref();
        EvalResult {
            ahp: e.ahp.as_ref().map(|a| Ahp {
                ci: finite(a.ci),
                cr: finite(a.cr),
                lambda_max: finite(a.lambda_max),
                ri: finite(a.ri),
                weights: a.weights.iter().map(|w| finite(*w)).collect(),
            }),
            data_hash: data_hash(ds, spec),
            diagnostics: e
                .diagnostics
                .iter()
                .map(|d| Diagnostic {
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    subject: d.subject.clone(),
                })
                .collect(),
            engine: ENGINE_VERSION.to_string(),
            excluded: e
                .excluded
                .iter()
                .map(|x| Excluded {
                    kind: x.kind.to_string(),
                    name: x.name.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
            group_weights: named(&e.groups, &e.group_weights),
            method_hash: method_hash(spec),
            schema: RESULT_SCHEMA.to_string(),
            sensitivity: u.map(|u| {
                u.sensitivity
                    .iter()
                    .map(|s| Sensitivity {
                        factor: s.factor.clone(),
                        first_order: finite(s.first_order),
                        total: finite(s.total),
                    })
                    .collect()
            }),
            uncertainty: u.map(|u| {
                u.units
                    .iter()
                    .map(|x| UnitUncertainty {
                        id: x.id.clone(),
                        rank_max: finite(x.rank_max),
                        rank_median: finite(x.rank_median),
                        rank_min: finite(x.rank_min),
                        rank_nominal: finite(x.rank_nominal),
                        rank_p5: finite(x.rank_p5),
                        rank_p95: finite(x.rank_p95),
                        share_first: finite(x.share_first),
                    })
                    .collect()
            }),
            uncertainty_setup: u.map(|u| UncertaintySetup {
                draws: u.draws,
                factors: u.factors.clone(),
                seed: u.seed,
            }),
            units: Vec::new(),
            weights: named(&e.indicators, &e.weights),
        }
    }

    /// The whole result, units in rank order. For large data sets stream it with
    /// `crate::eval_write::write_result_json` instead (same bytes, no per-unit value).
    pub fn of(e: &Evaluation, spec: &Spec, ds: &Dataset) -> EvalResult {
        let mut r = EvalResult::head(e, spec, ds);
        r.units = crate::eval_write::rank_order(e)
            .iter()
            .map(|&k| {
                let u = e.unit(k);
                let nv: Vec<f64> = (0..e.indicators.len())
                    .map(|j| e.normalised.get(k, j))
                    .collect();
                EvalUnit {
                    class_rank: u.class.as_ref().map(|_| u.class_rank.and_then(finite)),
                    class: u.class,
                    groups: (!e.groups.is_empty()).then(|| {
                        let gv: Vec<f64> = e.group_scores.iter().map(|g| g[k]).collect();
                        named(&e.groups, &gv)
                    }),
                    id: ds.ids[u.row].clone(),
                    mark: u.mark.map(str::to_string),
                    normalised: named(&e.indicators, &nv),
                    rank: finite(u.rank),
                    rank_change: u.rank_change.and_then(finite),
                    score: finite(u.score),
                }
            })
            .collect();
        r
    }

    /// Reads a result (its JSON text); the error names the field.
    pub fn from_json(text: &str) -> Result<EvalResult, ResultError> {
        serde_json::from_str(text).map_err(ResultError)
    }

    /// Reads the result of a snapshot (`duban.eval.snapshot/1`, its JSON text).
    pub fn from_snapshot(text: &str) -> Result<EvalResult, ResultError> {
        #[derive(Deserialize)]
        struct Snapshot {
            result: EvalResult,
        }
        serde_json::from_str::<Snapshot>(text)
            .map(|s| s.result)
            .map_err(ResultError)
    }

    /// Unit id → rank: the "previous evaluation" for rank changes (units without a rank
    /// are left out).
    pub fn ranks(&self) -> HashMap<String, f64> {
        self.units
            .iter()
            .filter_map(|u| Some((u.id.clone(), u.rank?)))
            .collect()
    }
}

/// Unit id → rank from a result's text, reading only what ranks need (`units[].id`,
/// `units[].rank`): the "previous evaluation" of `duban eval --previous`, which also takes
/// a hand-written `{"units": [{"id": "甲", "rank": 3}]}`. Units without a rank are left out.
pub fn ranks_from_json(text: &str) -> Result<HashMap<String, f64>, ResultError> {
    serde_json::from_str::<Ranks>(text)
        .map(Ranks::into_map)
        .map_err(ResultError)
}

/// The part of a result that ranks are read from.
#[derive(Deserialize)]
pub(crate) struct Ranks {
    units: Vec<RankOf>,
}

#[derive(Deserialize)]
struct RankOf {
    id: String,
    #[serde(default)]
    rank: Option<f64>,
}

impl Ranks {
    pub(crate) fn into_map(self) -> HashMap<String, f64> {
        self.units
            .into_iter()
            .filter_map(|u| Some((u.id, u.rank?)))
            .collect()
    }
}

/// A result that does not read as `duban.eval.result/1`.
#[derive(Debug, thiserror::Error)]
#[error("not a duban.eval.result/1 result: {0}")]
pub struct ResultError(#[source] pub serde_json::Error);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_result_is_a_typed_error_naming_the_field() {
        let e = EvalResult::from_json(r#"{"units": "x"}"#).unwrap_err();
        assert!(e.to_string().contains("duban.eval.result/1"), "{e}");
        let e = EvalResult::from_snapshot(r#"{"result": {"units": []}}"#).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
        // Ranks need only ids and ranks; a rank that is not a number is an error.
        let r = ranks_from_json(r#"{"units": [{"id": "甲", "rank": 3}, {"id": "乙"}]}"#);
        assert_eq!(r.unwrap(), HashMap::from([("甲".to_string(), 3.0)]));
        assert!(ranks_from_json(r#"{"units": [{"id": "甲", "rank": "3"}]}"#).is_err());
    }

    #[test]
    fn class_rank_keeps_present_null_apart_from_absent() {
        let unit = |extra: &str| {
            let text =
                format!(r#"{{"id":"甲","normalised":{{"a":null}},"rank":1.0,"score":0.5{extra}}}"#);
            serde_json::from_str::<EvalUnit>(&text).unwrap()
        };
        assert_eq!(unit("").class_rank, None);
        assert_eq!(
            unit(r#","class":"Ⅰ","class_rank":null"#).class_rank,
            Some(None)
        );
        let u = unit(r#","class":"Ⅰ","class_rank":2.0"#);
        assert_eq!(u.class_rank, Some(Some(2.0)));
        assert_eq!(u.normalised["a"], None);
        let text = serde_json::to_string(&u).unwrap();
        assert!(text.contains(r#""class_rank":2.0"#), "{text}");
        assert!(!serde_json::to_string(&unit("")).unwrap().contains("class"));
    }
}
