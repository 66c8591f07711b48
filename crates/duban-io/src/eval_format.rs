//! The exchange formats of composite evaluation, shared by `duban eval` (CLI) and the web
//! platform so both read and write the very same bytes:
//! - the method `duban.eval/1` (TOML) → [`parse_spec`];
//! - a data file (CSV/XLSX, read by [`crate::table_read`]) for a spec → [`read_dataset`];
//! - the result `duban.eval.result/1` (JSON) → [`result_json`] (a value, for small results)
//!   or streamed by [`crate::eval_write::write_result_json`] (same bytes), with the canonical
//!   [`data_hash`] and [`method_hash`];
//! - the snapshot `duban.eval.snapshot/1` (data, method, engine version, previous ranks,
//!   result) → [`snapshot_json`], recomputed bit for bit by [`verify_snapshot`].
//!
//! Moved here from duban-cli unchanged in behaviour (issue 5, web platform), so a snapshot
//! published on the web verifies with `duban eval verify` and vice versa.

use std::collections::HashMap;
use std::path::Path;

use duban_engine::{
    Dataset, ENGINE_VERSION, EngineError, Evaluation, Matrix, Spec, evaluate, spec::SPEC_SCHEMA,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::eval_data::{Columns, EvalDataError, read_path};
use crate::eval_result::EvalResult;
pub use crate::table_read::DataKind;
use crate::table_read::read_table;

pub const RESULT_SCHEMA: &str = "duban.eval.result/1";
pub const SNAPSHOT_SCHEMA: &str = "duban.eval.snapshot/1";

#[derive(Debug, thiserror::Error)]
pub enum EvalFormatError {
    /// The method text is not a valid `duban.eval/1` spec.
    #[error("{0}")]
    Spec(String),
    #[error(transparent)]
    Data(#[from] EvalDataError),
    /// The engine refused the data or the method (message names row and column when it can).
    #[error("{0}")]
    Engine(String),
    /// A snapshot is malformed, altered, or does not recompute identically.
    #[error("{0}")]
    Snapshot(String),
}

type Result<T, E = EvalFormatError> = std::result::Result<T, E>;

/// Parses a `duban.eval/1` method (TOML); the error is one line.
pub fn parse_spec(text: &str) -> Result<Spec> {
    let spec: Spec = toml::from_str(text)
        .map_err(|e| EvalFormatError::Spec(e.to_string().replace('\n', " ").trim().to_string()))?;
    if spec.schema != SPEC_SCHEMA {
        return Err(EvalFormatError::Spec(format!(
            "schema = \"{}\": this duban reads \"{SPEC_SCHEMA}\"",
            spec.schema
        )));
    }
    Ok(spec)
}

/// The columns a spec reads (id, indicators, class).
fn with_columns<T>(
    spec: &Spec,
    f: impl FnOnce(&Columns) -> Result<T, EvalDataError>,
) -> Result<T, EvalDataError> {
    let names: Vec<String> = spec.indicators.iter().map(|i| i.name.clone()).collect();
    f(&Columns {
        id: &spec.id,
        indicators: &names,
        class: spec.class.as_deref(),
    })
}

/// Reads the spec's columns from file bytes.
pub fn read_dataset(bytes: &[u8], kind: DataKind, spec: &Spec) -> Result<Dataset, EvalDataError> {
    with_columns(spec, |c| {
        c.dataset(read_table(bytes, kind, &c.read_spec()?)?)
    })
}

/// Reads the spec's columns from a file (by extension).
pub fn read_dataset_path(path: &Path, spec: &Spec) -> Result<Dataset, EvalDataError> {
    with_columns(spec, |c| read_path(path, c))
}

/// The engine's error, with the data row (1-based, header = row 1) and column when it has them.
pub fn engine_error(e: EngineError, ds: &Dataset) -> EvalFormatError {
    EvalFormatError::Engine(match e {
        EngineError::Missing {
            row,
            unit,
            indicator,
        } => {
            let col = ds
                .columns
                .iter()
                .position(|c| c == &indicator)
                .map(|_| indicator.clone())
                .unwrap_or(indicator);
            format!(
                "data row {} ('{unit}'), column '{col}': missing value, and impute = \"none\" refuses it",
                row + 2
            )
        }
        EngineError::UnknownIndicator(n) => {
            format!("row 1: no column '{n}' (indicator named in the spec)")
        }
        other => other.to_string(),
    })
}

/// Evaluates and returns the engine's values with the result JSON.
pub fn run(
    ds: &Dataset,
    spec: &Spec,
    previous: Option<&HashMap<String, f64>>,
) -> Result<(Evaluation, Value)> {
    let eval = evaluate_dataset(ds, spec, previous)?;
    let result = result_json(&eval, spec, ds);
    Ok((eval, result))
}

/// Evaluates (errors with row and column); write the result with [`crate::eval_write`].
pub fn evaluate_dataset(
    ds: &Dataset,
    spec: &Spec,
    previous: Option<&HashMap<String, f64>>,
) -> Result<Evaluation> {
    evaluate(ds, spec, previous).map_err(|e| engine_error(e, ds))
}

/// Unit id → rank, from a result (`duban.eval.result/1`) JSON: the "previous evaluation" for
/// rank changes. The error names what does not read ([`EvalResult`]).
pub fn previous_ranks(result: &Value) -> Result<HashMap<String, f64>> {
    crate::eval_result::Ranks::deserialize(result)
        .map(crate::eval_result::Ranks::into_map)
        .map_err(|e| EvalFormatError::Snapshot(format!("not a duban.eval.result/1 result: {e}")))
}

/// Canonical bytes of the data as the engine sees it: independent of file format, layout,
/// extra columns and formatting of numbers.
pub fn data_hash(ds: &Dataset, spec: &Spec) -> String {
    let mut h = Sha256::new();
    h.update(b"duban.eval.data/1\0");
    h.update(spec.id.as_bytes());
    h.update([0]);
    for c in &ds.columns {
        h.update(c.as_bytes());
        h.update([0]);
    }
    h.update((ds.ids.len() as u64).to_le_bytes());
    // The same bytes, fed in 64 KB blocks (one `update` per field costs more than the hash).
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    for (i, id) in ds.ids.iter().enumerate() {
        buf.extend_from_slice(id.as_bytes());
        buf.push(0);
        if let Some(c) = &ds.classes {
            buf.extend_from_slice(c[i].as_bytes());
        }
        buf.push(0);
        for j in 0..ds.columns.len() {
            let v = ds.values.get(i, j);
            let bits = if v.is_nan() {
                f64::NAN.to_bits()
            } else {
                v.to_bits()
            };
            buf.extend_from_slice(&bits.to_le_bytes());
        }
        if buf.len() >= (1 << 16) - 4096 {
            h.update(&buf);
            buf.clear();
        }
    }
    h.update(&buf);
    format!("sha256:{:x}", h.finalize())
}

pub fn method_hash(spec: &Spec) -> String {
    let bytes = serde_json::to_vec(spec).expect("spec serialises");
    format!("sha256:{:x}", Sha256::digest(&bytes))
}

pub(crate) fn num(v: f64) -> Value {
    // NaN (a missing normalised value) becomes null.
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Everything of the result but `units` (an empty placeholder, so the key order stays the
/// wire's): small, whatever the number of units (see [`EvalResult::head`]).
pub(crate) fn result_head(e: &Evaluation, spec: &Spec, ds: &Dataset) -> Map<String, Value> {
    match serde_json::to_value(EvalResult::head(e, spec, ds)) {
        Ok(Value::Object(head)) => head,
        _ => unreachable!("a struct serialises to an object"),
    }
}

/// The result as `duban.eval.result/1` JSON (units in rank order): [`EvalResult::of`] as a
/// value. For large data sets write it with [`crate::eval_write::write_result_json`]
/// instead (same bytes, no per-unit value).
pub fn result_json(e: &Evaluation, spec: &Spec, ds: &Dataset) -> Value {
    serde_json::to_value(EvalResult::of(e, spec, ds)).expect("a result serialises")
}

fn data_json(ds: &Dataset) -> Value {
    let cols: Vec<Value> = (0..ds.columns.len())
        .map(|j| Value::Array(ds.values.col(j).iter().map(|&v| num(v)).collect()))
        .collect();
    json!({"columns": ds.columns, "ids": ds.ids, "classes": ds.classes, "values": cols})
}

/// The snapshot (`duban.eval.snapshot/1`) of one evaluation: what `duban eval verify` reads.
pub fn snapshot_json(
    spec: &Spec,
    ds: &Dataset,
    previous: Option<&HashMap<String, f64>>,
    result: &Value,
) -> Value {
    json!({
        "schema": SNAPSHOT_SCHEMA,
        "engine": ENGINE_VERSION,
        "spec": serde_json::to_value(spec).expect("spec serialises"),
        "data": data_json(ds),
        "previous": previous,
        "result": result,
    })
}

/// The snapshot as written to a file (pretty JSON and a final newline).
pub fn snapshot_text(snapshot: &Value) -> String {
    serde_json::to_string_pretty(snapshot).expect("JSON serialises") + "\n"
}

pub(crate) fn bad(msg: impl Into<String>) -> EvalFormatError {
    EvalFormatError::Snapshot(msg.into())
}

fn dataset_from_snapshot(d: &Value) -> Result<Dataset> {
    let strings = |v: &Value, what: &str| -> Result<Vec<String>> {
        v.as_array()
            .ok_or_else(|| bad(format!("snapshot data: `{what}` is not an array")))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("snapshot data: `{what}` holds a non-string")))
            })
            .collect()
    };
    let ids = strings(&d["ids"], "ids")?;
    let columns = strings(&d["columns"], "columns")?;
    let classes = if d["classes"].is_null() {
        None
    } else {
        Some(strings(&d["classes"], "classes")?)
    };
    let mut values = Vec::with_capacity(ids.len() * columns.len());
    for (j, c) in d["values"]
        .as_array()
        .ok_or_else(|| bad("snapshot data: no values"))?
        .iter()
        .enumerate()
    {
        let c = c
            .as_array()
            .ok_or_else(|| bad(format!("snapshot data: column {j} is not an array")))?;
        values.extend(c.iter().map(|v| {
            if v.is_null() {
                f64::NAN
            } else {
                v.as_f64().unwrap_or(f64::NAN)
            }
        }));
    }
    Ok(Dataset {
        values: Matrix::from_columns(ids.len(), columns.len(), values)
            .map_err(|e| bad(e.to_string()))?,
        ids,
        columns,
        classes,
    })
}

/// The first place two JSON values differ, as a path.
pub(crate) fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    None => return Some(format!("{p}: in the snapshot, not recomputed")),
                    Some(w) => {
                        if let Some(d) = first_difference(&p, v, w) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: recomputed, not in the snapshot"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(&format!("{path}[{i}]"), v, w) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| {
                format!(
                    "{path}: {} entries in the snapshot, {} recomputed",
                    x.len(),
                    y.len()
                )
            })
        }
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p.to_bits() == q.to_bits(),
                _ => x == y,
            };
            (!same).then(|| format!("{path}: snapshot {x}, recomputed {y}"))
        }
        _ => (a != b).then(|| format!("{path}: snapshot {a}, recomputed {b}")),
    }
}

/// The snapshot's stored `data_hash` and `method_hash` against recomputed ones: a mismatch
/// says which input was altered. Shared by every evaluation method's verifier.
pub(crate) fn check_hashes(stored: &Value, data_hash: &str, method_hash: &str) -> Result<()> {
    if stored["data_hash"] != data_hash {
        return Err(bad(format!(
            "data_hash: snapshot {}, recomputed {data_hash} (the data were altered)",
            stored["data_hash"]
        )));
    }
    if stored["method_hash"] != method_hash {
        return Err(bad(format!(
            "method_hash: snapshot {}, recomputed {method_hash} (the method was altered)",
            stored["method_hash"]
        )));
    }
    Ok(())
}

/// What a verified snapshot holds: shown in English by the CLI (`Display`) and in Chinese on
/// the web ([`Verified::zh`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Units (or firms, for a firm-level snapshot) recomputed.
    pub units: usize,
    pub indicators: usize,
    /// A 亩均效益 (firm-level) snapshot.
    pub firms: bool,
    pub data_hash: String,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let noun = if self.firms { "firms" } else { "units" };
        write!(
            f,
            "ok: {} {noun}, {} indicators, {ENGINE_VERSION}, {}: results identical bit for bit",
            self.units, self.indicators, self.data_hash
        )
    }
}

impl Verified {
    /// The one-line summary for the web pages.
    pub fn zh(&self) -> String {
        let noun = if self.firms {
            "家企业"
        } else {
            "个评价对象"
        };
        format!(
            "{}{noun}、{}项指标按引擎 {ENGINE_VERSION} 重新计算，结果与快照逐位一致（数据摘要 {}）",
            self.units, self.indicators, self.data_hash
        )
    }
}

/// Recomputes a snapshot (its text) and checks it bit for bit.
pub fn verify_snapshot(text: &str) -> Result<Verified> {
    let snap: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    if snap["schema"] != SNAPSHOT_SCHEMA {
        return Err(bad(format!(
            "schema is {}, not \"{SNAPSHOT_SCHEMA}\"",
            snap["schema"]
        )));
    }
    let engine = snap["engine"].as_str().unwrap_or("?");
    if engine != ENGINE_VERSION {
        return Err(bad(format!(
            "made by {engine}; this is {ENGINE_VERSION}: recompute with that version"
        )));
    }
    if snap["spec"]["method"]["normalise"] == "benchmark" {
        return crate::firm_format::verify_firm_snapshot(&snap); // 亩均效益 (issue 12)
    }
    let spec: Spec = serde_json::from_value(snap["spec"].clone())
        .map_err(|e| bad(format!("snapshot spec: {e}")))?;
    let ds = dataset_from_snapshot(&snap["data"])?;
    let prev: Option<HashMap<String, f64>> = if snap["previous"].is_null() {
        None
    } else {
        Some(
            serde_json::from_value(snap["previous"].clone())
                .map_err(|e| bad(format!("snapshot previous: {e}")))?,
        )
    };
    let stored = &snap["result"];
    let dh = data_hash(&ds, &spec);
    check_hashes(stored, &dh, &method_hash(&spec))?;
    let (_, fresh) = run(&ds, &spec, prev.as_ref())?;
    if let Some(d) = first_difference("result", stored, &fresh) {
        return Err(bad(format!("differs at {d}")));
    }
    Ok(Verified {
        units: ds.ids.len(),
        indicators: ds.columns.len(),
        firms: false,
        data_hash: dh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "id = \"城市\"\n[[indicator]]\nname = \"a\"\n[[indicator]]\nname = \"b\"\ndirection = \"cost\"\n[uncertainty]\ndraws = 50\nseed = 7\n";
    const DATA: &str = "城市,a,b\n甲,1,5\n乙,2,4\n丙,3,NA\n丁,2.5,1\n";

    #[test]
    fn snapshot_round_trip_verifies_and_tampering_is_named() {
        let spec = parse_spec(SPEC).unwrap();
        let ds = read_dataset(DATA.as_bytes(), DataKind::Csv, &spec).unwrap();
        let prev: HashMap<String, f64> = [("甲".to_string(), 2.0)].into();
        let (_, result) = run(&ds, &spec, Some(&prev)).unwrap();
        let text = snapshot_text(&snapshot_json(&spec, &ds, Some(&prev), &result));
        assert!(
            verify_snapshot(&text)
                .unwrap()
                .to_string()
                .starts_with("ok: 4 units, 2 indicators")
        );
        let tampered = text.replacen("\"乙\"", "\"戊\"", 1);
        let e = verify_snapshot(&tampered).unwrap_err().to_string();
        assert!(e.contains("data were altered"), "{e}");
        assert_eq!(previous_ranks(&result).unwrap().len(), 4);
    }

    #[test]
    fn spec_errors_are_one_line() {
        let e = parse_spec("id = 1").unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        let e = parse_spec("schema = \"duban.eval/9\"\nid = \"x\"\n[[indicator]]\nname = \"a\"\n")
            .unwrap_err();
        assert!(e.to_string().contains("duban.eval/1"));
        assert_eq!(DataKind::of_name("数据.XLSX"), Some(DataKind::Xlsx));
        assert_eq!(DataKind::of_name("x.xls"), None);
    }
}
