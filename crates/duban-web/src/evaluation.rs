//! Composite evaluation (综合评价) on the platform: the demo (示例数据) loaded on first use,
//! running the engine off the async runtime, the result views and charts, and the method
//! form ↔ `duban.eval/1` text. Formats (spec parsing, hashes, result and snapshot JSON) come
//! from `duban_io::eval_format`, the same code as `duban eval run | verify`.
//!
//! Access rule (tested in tests/it/evaluation.rs):
//! - admin (the office): uploads data sets, saves methods, runs, publishes;
//! - viewer: reads data sets, methods, runs and published snapshots;
//! - reporter: reads published snapshots only (they are the public outcome);
//! - anyone signed in who may read a snapshot may download it and ask the server to verify it.

use std::collections::HashMap;
use std::time::Instant;

use duban_engine::spec::{
    Aggregate, AhpMethod, Direction, EntropyBasis, Group, Impute, Indicator, Normalise, Outliers,
    Spec, Ties, TopsisNorm, Uncertainty, WeightMethod,
};
use duban_io::eval_format::{
    self, DataKind, parse_spec, read_dataset, snapshot_json, snapshot_text,
};
use duban_io::eval_result::{EvalResult, UnitUncertainty};
use duban_store::Store;
use duban_store::evaluation::NewEvalDataset;
use duban_store::user::Role;
use minijinja::{Value as J, context};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Auth;
use crate::error::AppError;
use crate::form_fields::FormFields;

pub const DEMO_SPEC: &str = include_str!("../../../data/demo/eval/spec.toml");
pub const DEMO_CSV: &[u8] = include_bytes!("../../../data/demo/eval/zhejiang-cities-demo.csv");
pub const DEMO_METHOD_NAME: &str = "浙江省设区市服务业发展综合评价（示例方法）";
pub const DEMO_DATASET_NAME: &str = "浙江省11个设区市服务业指标（示例数据）";
const DEMO_MARKER: &str = "demo.eval.zhejiang-cities";
/// Monte Carlo draws accepted on the server (the engine's cost grows with draws × factors).
pub const MAX_DRAWS: usize = 100_000;

/// Admins and viewers read data sets, methods and runs.
pub fn require_reader(auth: &Auth) -> Result<(), AppError> {
    match auth.role() {
        Role::Admin | Role::Viewer => Ok(()),
        Role::Reporter => Err(AppError::Forbidden),
    }
}

/// Loads the demo method and data set once (marker in `meta`), so a newcomer can run an
/// evaluation at once. Called by the evaluation pages and API on entry.
pub async fn ensure_demo(store: &Store) -> Result<(), AppError> {
    if store.meta_get(DEMO_MARKER).await?.is_some() {
        return Ok(());
    }
    let spec = parse_spec(DEMO_SPEC).map_err(|e| AppError::Internal(format!("demo spec: {e}")))?;
    let ds = read_dataset(DEMO_CSV, DataKind::Csv, &spec)
        .map_err(|e| AppError::Internal(format!("demo data: {e}")))?;
    let method = match store
        .create_eval_method(DEMO_METHOD_NAME, DEMO_SPEC, true, None)
        .await
    {
        Ok(m) => m,
        // Another request loaded it at the same moment.
        Err(duban_store::StoreError::Duplicate(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    store
        .create_eval_dataset(&NewEvalDataset {
            name: DEMO_DATASET_NAME,
            file_name: "zhejiang-cities-demo.csv",
            kind: "csv",
            source: "demo",
            bytes: DEMO_CSV,
            units: ds.ids.len() as i64,
            method_id: Some(method.id),
            demo: true,
            created_by: None,
        })
        .await?;
    store.meta_set(DEMO_MARKER, &duban_store::now()).await?;
    Ok(())
}

/// One computed evaluation: the result JSON and the snapshot (text as stored and served).
pub struct Computed {
    pub result: Value,
    pub snapshot_text: String,
    pub data_hash: String,
    pub method_hash: String,
    pub units: i64,
    pub millis: i64,
}

/// Why a computation failed, for the page (kept apart from AppError so pages can re-render).
#[derive(Debug)]
pub struct ComputeError(pub String);

impl From<ComputeError> for AppError {
    fn from(e: ComputeError) -> Self {
        AppError::Invalid(e.0)
    }
}

/// Checks a method text with the CLI's parser and the server's limits.
pub fn check_spec(text: &str) -> Result<Spec, ComputeError> {
    let spec = parse_spec(text).map_err(|e| ComputeError(format!("方法文本有误：{e}")))?;
    if let Some(u) = &spec.uncertainty
        && u.draws > MAX_DRAWS
    {
        return Err(ComputeError(format!(
            "uncertainty.draws = {}：服务器上限为 {MAX_DRAWS}",
            u.draws
        )));
    }
    Ok(spec)
}

/// Reads a data file for a method; the error names row and column.
pub fn check_data(
    bytes: &[u8],
    kind: DataKind,
    spec: &Spec,
) -> Result<duban_engine::Dataset, ComputeError> {
    read_dataset(bytes, kind, spec).map_err(|e| ComputeError(format!("数据有误：{e}")))
}

/// [`check_data`] on a blocking thread: a large workbook (a million rows of XML) is read
/// while the server keeps answering other requests. The bytes come back to be stored.
pub async fn check_data_blocking(
    bytes: Vec<u8>,
    kind: DataKind,
    spec: Spec,
) -> (Vec<u8>, Result<duban_engine::Dataset, ComputeError>) {
    let joined = tokio::task::spawn_blocking(move || {
        let checked = check_data(&bytes, kind, &spec);
        (bytes, checked)
    })
    .await;
    joined.unwrap_or_else(|e| (Vec::new(), Err(ComputeError(format!("读取线程异常：{e}")))))
}

/// Evaluates on a blocking thread (the engine's Monte Carlo uses rayon), so the server keeps
/// answering while it runs.
pub async fn compute(
    spec_text: String,
    bytes: Vec<u8>,
    kind: DataKind,
    previous: Option<HashMap<String, f64>>,
) -> Result<Computed, ComputeError> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let spec = check_spec(&spec_text)?;
        let ds = check_data(&bytes, kind, &spec)?;
        let (_, result) = eval_format::run(&ds, &spec, previous.as_ref())
            .map_err(|e| ComputeError(format!("评价未能完成：{e}")))?;
        let snap = snapshot_json(&spec, &ds, previous.as_ref(), &result);
        Ok(Computed {
            snapshot_text: snapshot_text(&snap),
            data_hash: eval_format::data_hash(&ds, &spec),
            method_hash: eval_format::method_hash(&spec),
            units: ds.ids.len() as i64,
            millis: started.elapsed().as_millis() as i64,
            result,
        })
    })
    .await
    .map_err(|e| ComputeError(format!("评价线程异常：{e}")))?
}

/// Verifies a snapshot text on a blocking thread: `Ok(summary)` or the first difference.
pub async fn verify(text: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        eval_format::verify_snapshot(&text)
            .map(|v| v.zh())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(format!("verify thread: {e}")))
}

/// Unit id → rank of a stored run (for "compare with a previous evaluation").
pub fn ranks_of_snapshot(snapshot_text: &str) -> Result<HashMap<String, f64>, AppError> {
    EvalResult::from_snapshot(snapshot_text)
        .map(|r| r.ranks())
        .map_err(|e| AppError::Internal(format!("snapshot: {e}")))
}

/// A weight (a share of 1) as a percentage: 0.17 → 17.00%.
fn weight_pct(w: f64) -> String {
    format!("{:.2}%", w * 100.0)
}

fn fmt_rank(r: f64) -> String {
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Everything a result page shows, from a snapshot (`duban.eval.snapshot/1`) value; its
/// result is read as the one type [`EvalResult`] (a malformed one is an error).
pub fn result_view(snapshot: &Value) -> Result<J, AppError> {
    let result = EvalResult::deserialize(&snapshot["result"])
        .map_err(|e| AppError::Internal(format!("snapshot result: {e}")))?;
    let spec = &snapshot["spec"];
    let unc: HashMap<&str, &UnitUncertainty> = result
        .uncertainty
        .iter()
        .flatten()
        .map(|u| (u.id.as_str(), u))
        .collect();
    let has_prev = !snapshot["previous"].is_null();
    let units = &result.units;
    let has_class = units.iter().any(|u| u.class.is_some());
    let mut rows = Vec::new();
    let (mut ids, mut scores, mut p5, mut span, mut med, mut nominal) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for u in units {
        let id = u.id.as_str();
        let rank = u.rank.unwrap_or(f64::NAN);
        let change = u.rank_change;
        let (change_text, change_class) = match change {
            Some(c) if c > 0.0 => (format!("↑{}", fmt_rank(c)), "up"),
            Some(c) if c < 0.0 => (format!("↓{}", fmt_rank(-c)), "down"),
            Some(_) => ("—".to_string(), "same"),
            None if has_prev => ("新".to_string(), "new"),
            None => (String::new(), ""),
        };
        let uu = unc.get(id);
        let g = |k: fn(&UnitUncertainty) -> Option<f64>| uu.and_then(|x| k(x));
        rows.push(context! {
            id => id,
            // Two decimals as published tables show scores (ranks use full precision).
            score => u.score.map(|s| format!("{s:.2}")),
            rank => fmt_rank(rank),
            class => u.class.as_deref(),
            class_rank => u.class_rank.flatten().map(fmt_rank),
            mark => u.mark.as_deref(),
            change => change_text,
            change_class => change_class,
            p5 => g(|x| x.rank_p5).map(fmt_rank),
            p95 => g(|x| x.rank_p95).map(fmt_rank),
            median => g(|x| x.rank_median).map(fmt_rank),
            share_first => g(|x| x.share_first).map(|s| format!("{:.1}%", s * 100.0)),
            groups => u.groups.as_ref().map(|m| m.values().map(|v| v.map(|x| format!("{x:.2}"))).collect::<Vec<_>>()),
        });
        ids.push(json!(id));
        scores.push(json!(u.score));
        if let (Some(a), Some(b), Some(m)) =
            (g(|x| x.rank_p5), g(|x| x.rank_p95), g(|x| x.rank_median))
        {
            p5.push(json!(a));
            span.push(json!(b - a));
            med.push(json!([m, id]));
            nominal.push(json!([rank, id]));
        }
    }
    let group_names: Vec<String> = units
        .first()
        .and_then(|u| u.groups.as_ref())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // Weights in the method's indicator order (the result's object is keyed by name).
    let indicators = spec["indicator"].as_array().cloned().unwrap_or_default();
    let weights: Vec<J> = indicators
        .iter()
        .filter_map(|i| {
            let name = i["name"].as_str()?;
            let w = result.weights.get(name).copied().flatten();
            Some(context! {
                name => name,
                group => i["group"].as_str(),
                direction => if i["direction"] == "cost" { "成本型（越小越好）" } else { "效益型（越大越好）" },
                weight => w.map(weight_pct),
                excluded => w.is_none(),
            })
        })
        .collect();
    let group_weights: Vec<J> = result
        .group_weights
        .iter()
        .map(|(k, v)| context! { name => k, weight => v.map(weight_pct) })
        .collect();
    let diagnostics: Vec<J> = result
        .diagnostics
        .iter()
        .map(|d| context! { code => d.code, zh => diagnostic_line(&d.code, &d.message), subject => d.subject, message => d.message })
        .collect();
    let excluded: Vec<J> = result
        .excluded
        .iter()
        .map(|d| context! { kind => d.kind, name => d.name, reason => d.reason })
        .collect();
    let sensitivity: Vec<J> = result
        .sensitivity
        .iter()
        .flatten()
        .map(|s| {
            context! {
                factor => factor_zh(&s.factor),
                first_order => s.first_order.map(|x| format!("{x:.3}")),
                total => s.total.map(|x| format!("{x:.3}")),
            }
        })
        .collect();
    let n = ids.len().max(1);
    let bar = json!({
        "animation": false,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 20, "top": 30, "bottom": 60},
        "xAxis": {"type": "category", "data": ids, "axisLabel": {"rotate": if n > 12 { 45 } else { 0 }}},
        // Bars start at zero: a cut axis makes small score gaps look large.
        "yAxis": {"type": "value", "name": "得分", "scale": false},
        "series": [{"name": "得分", "type": "bar", "data": scores}],
    });
    let interval = if p5.is_empty() {
        Value::Null
    } else {
        json!({
            "animation": false,
            "tooltip": {"trigger": "item"},
            "legend": {"top": 0, "data": ["名次区间 P5–P95", "中位名次", "名义名次"]},
            "grid": {"left": 80, "right": 20, "top": 40, "bottom": 30},
            "xAxis": {"type": "value", "name": "名次", "min": 1, "max": n, "minInterval": 1},
            "yAxis": {"type": "category", "data": ids, "inverse": true},
            "series": [
                {"name": "offset", "type": "bar", "stack": "interval", "data": p5, "itemStyle": {"color": "transparent"}, "tooltip": {"show": false}, "silent": true},
                {"name": "名次区间 P5–P95", "type": "bar", "stack": "interval", "data": span, "itemStyle": {"color": "#9ec5fe"}},
                {"name": "中位名次", "type": "scatter", "data": med, "symbol": "diamond", "symbolSize": 12, "itemStyle": {"color": "#0d6efd"}},
                {"name": "名义名次", "type": "scatter", "data": nominal, "symbol": "circle", "symbolSize": 9, "itemStyle": {"color": "#dc3545"}},
            ],
        })
    };
    let setup = result.uncertainty_setup.as_ref();
    Ok(context! {
        rows => rows,
        has_class => has_class,
        has_prev => has_prev,
        has_uncertainty => !unc.is_empty(),
        group_names => group_names,
        weights => weights,
        group_weights => group_weights,
        diagnostics => diagnostics,
        excluded => excluded,
        sensitivity => sensitivity,
        draws => setup.map(|u| u.draws as u64),
        seed => setup.map(|u| u.seed),
        factors => setup.map(|u| u.factors.iter().map(|f| factor_zh(f)).collect::<Vec<_>>().join("、")),
        bar_chart => bar.to_string(),
        interval_chart => if interval.is_null() { None } else { Some(interval.to_string()) },
        interval_class => match n { 0..=15 => "rows-s", 16..=40 => "rows-m", _ => "rows-l" },
        engine => result.engine,
        data_hash => result.data_hash,
        method_hash => result.method_hash,
    })
}

// ---- the method form ----

fn key<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn options<T: serde::Serialize + Copy>(all: &[(T, &str)]) -> Vec<J> {
    all.iter()
        .map(|(v, label)| context! { key => key(*v), label => *label })
        .collect()
}

/// Choices offered by the method form (value, Chinese label).
pub fn form_choices() -> J {
    context! {
        impute => options(&[(Impute::Available, "可用个案（缺失不计，组内权重重新归一）"), (Impute::Mean, "均值插补"), (Impute::Median, "中位数插补"), (Impute::Complete, "完整个案（剔除有缺失的单位）"), (Impute::None, "不允许缺失")]),
        outliers => options(&[(Outliers::None, "不处理"), (Outliers::Winsorise, "缩尾（|偏度|>2 且峰度>3.5）"), (Outliers::Log, "对数变换")]),
        normalise => options(&[(Normalise::Minmax, "极差标准化 min–max"), (Normalise::Efficacy, "功效系数法"), (Normalise::Zscore, "Z 分数"), (Normalise::Vector, "向量归一"), (Normalise::Rank, "名次/百分位"), (Normalise::Target, "距目标值"), (Normalise::None, "不标准化")]),
        weights => options(&[(WeightMethod::Equal, "等权"), (WeightMethod::Expert, "专家权重（各组合计为 1）"), (WeightMethod::Ahp, "层次分析法 AHP"), (WeightMethod::Entropy, "熵权法"), (WeightMethod::Critic, "CRITIC"), (WeightMethod::Combined, "主客观组合")]),
        aggregate => options(&[(Aggregate::Sum, "加权算术和"), (Aggregate::Geometric, "加权几何平均"), (Aggregate::Topsis, "TOPSIS"), (Aggregate::Gra, "灰色关联分析 GRA")]),
        ties => options(&[(Ties::Min, "并列取小（1,2,2,4）"), (Ties::Average, "并列取平均（1,2.5,2.5,4）"), (Ties::Dense, "紧密排名（1,2,2,3）")]),
        entropy_basis => options(&[(EntropyBasis::Minmax, "基于定向极差标准化"), (EntropyBasis::Raw, "基于原始数据")]),
        topsis_normalise => options(&[(TopsisNorm::Vector, "向量归一"), (TopsisNorm::Minmax, "极差")]),
        ahp_method => options(&[(AhpMethod::Eigenvector, "特征向量法"), (AhpMethod::Geometric, "几何平均法"), (AhpMethod::Colmean, "列平均法")]),
        subjective => options(&[(WeightMethod::Expert, "专家权重"), (WeightMethod::Ahp, "AHP"), (WeightMethod::Equal, "等权")]),
        objective => options(&[(WeightMethod::Entropy, "熵权法"), (WeightMethod::Critic, "CRITIC")]),
    }
}

fn num_text(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The form's values for a spec (plus a few empty rows for new indicators and groups).
pub fn spec_form(spec: &Spec) -> J {
    let m = &spec.method;
    let mut inds: Vec<J> = spec
        .indicators
        .iter()
        .map(|i| {
            context! {
                name => i.name, direction => key(i.direction), weight => num_text(i.weight), group => i.group.clone().unwrap_or_default(),
                target => num_text(i.target), lower => num_text(i.lower), upper => num_text(i.upper),
            }
        })
        .collect();
    for _ in 0..3 {
        inds.push(context! { name => "", direction => "benefit", weight => "", group => "", target => "", lower => "", upper => "" });
    }
    let mut groups: Vec<J> = spec
        .groups
        .iter()
        .map(|g| context! { name => g.name, weight => num_text(g.weight), parent => g.parent.clone().unwrap_or_default() })
        .collect();
    for _ in 0..2 {
        groups.push(context! { name => "", weight => "", parent => "" });
    }
    let u = spec.uncertainty.clone();
    let has_u = u.is_some();
    let u = u.unwrap_or_default();
    context! {
        id => spec.id, class => spec.class.clone().unwrap_or_default(),
        indicators => inds, groups => groups,
        impute => key(m.impute), min_coverage => m.min_coverage, outliers => key(m.outliers),
        normalise => key(m.normalise), weights => key(m.weights), aggregate => key(m.aggregate), ties => key(m.ties),
        entropy_basis => key(m.entropy.basis), entropy_shift => m.entropy.shift, zscore_ddof => m.zscore.ddof,
        minmax_lo => m.minmax.range[0], minmax_hi => m.minmax.range[1],
        geometric_lo => m.geometric.range[0], geometric_hi => m.geometric.range[1],
        topsis_normalise => key(m.topsis.normalise), efficacy_floor => m.efficacy.floor, efficacy_ceiling => m.efficacy.ceiling,
        gra_rho => m.gra.rho, ahp_method => key(m.ahp.method), ahp_force => m.ahp.force,
        ahp_matrix => m.ahp.matrix.iter().map(|r| r.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n"),
        combine_alpha => m.combine.alpha, combine_subjective => key(m.combine.subjective), combine_objective => key(m.combine.objective),
        unc_on => has_u, unc_draws => u.draws, unc_seed => u.seed, unc_noise => u.weight_noise,
        unc_aggregate => u.aggregate.iter().map(|a| key(*a)).collect::<Vec<_>>(),
        unc_normalise => u.normalise.iter().map(|a| key(*a)).collect::<Vec<_>>(),
        unc_impute => u.impute.iter().map(|a| key(*a)).collect::<Vec<_>>(),
        unc_loo => u.leave_one_out, unc_sensitivity => u.sensitivity,
    }
}

/// An uncertainty factor of the robustness analysis, as the page names it.
fn factor_zh(factor: &str) -> String {
    match factor {
        "weights" => "权重扰动".into(),
        "normalise" => "标准化方法".into(),
        "aggregate" => "合成方法".into(),
        "impute" => "缺失值处理".into(),
        "leave_one_out" => "逐一剔除指标".into(),
        other => other.into(),
    }
}

/// A diagnostic in the UI's language, with the specifics the engine's text names where the
/// reader needs them (which indicators a unit misses, read from the text
/// `duban_engine::evaluate` writes: "missing a, b: …"; the diagnostic has no structured field
/// for them, and adding one would change every snapshot). The engine's own text, kept in the
/// snapshot bit for bit, stays available as the line's tooltip.
fn diagnostic_line(code: &str, message: &str) -> String {
    let zh = diagnostic_zh(code);
    let missing = message
        .strip_prefix("missing ")
        .and_then(|rest| rest.split_once(": "))
        .map(|(names, _)| names.split(", ").collect::<Vec<_>>().join("、"));
    match (code, missing) {
        ("available_case", Some(names)) => format!("{zh}（缺：{names}）"),
        _ => zh.to_string(),
    }
}

/// What an engine diagnostic means, in the UI's language.
fn diagnostic_zh(code: &str) -> &'static str {
    match code {
        "aggregate_own_normalisation" => "合成方法自带标准化，所选标准化不再使用",
        "ahp" => "层次分析法一致性检验",
        "ahp_inconsistent_forced" => "判断矩阵一致性比率 CR > 0.1，按设置强制采用",
        "all_missing_indicator" => "该指标所有对象均无数据，已剔除（权重为 0）",
        "all_missing_unit" => "该对象所有指标均无数据，不参与评价",
        "available_case" => "部分指标缺失：按已有指标计分，权重在组内重新归一",
        "constant_indicator" => "该指标各对象取值相同，无区分度，已剔除，其余权重重新归一",
        "critic_degenerate" => "各指标无对比强度，CRITIC 改用等权",
        "entropy_degenerate" => "各指标熵均为 1，熵权法改用等权",
        "group_dropped" => "该组没有可用指标，已剔除，同级权重重新归一",
        "imputed" => "缺失值已按设置插补",
        "negative_entropy_raw" => "熵权法原始数据含负值，已整体平移使最小值为 0",
        "negative_geometric" => "含负值：几何平均在 [1, 100] 重标度后计算，不受影响",
        "outlier_log" => "分布仍明显偏斜，已取对数",
        "outlier_winsorised" => "极端值已缩尾处理",
        "weights_renormalised" => "剔除指标的权重已去掉，其余在组内重新归一",
        _ => "评价过程提示",
    }
}

/// The non-blank values of a repeated field (ticked checkboxes), trimmed.
fn ticked<'a>(form: &'a FormFields, k: &'a str) -> Vec<&'a str> {
    form.all(k)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

fn choice<T: serde::de::DeserializeOwned>(v: &str, what: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(v.to_string()))
        .map_err(|_| format!("{what}：无效的选项“{v}”"))
}

fn number(v: &str, what: &str) -> Result<Option<f64>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    let x = parse_fraction(v).ok_or_else(|| format!("{what}：“{v}”不是数字"))?;
    Ok(Some(x))
}

/// A number, or a fraction like `1/3` (AHP judgements).
fn parse_fraction(v: &str) -> Option<f64> {
    let x = match v.split_once('/') {
        Some((a, b)) => a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?,
        None => v.parse::<f64>().ok()?,
    };
    x.is_finite().then_some(x)
}

fn req(v: &str, what: &str) -> Result<f64, String> {
    number(v, what)?.ok_or_else(|| format!("{what}：不能为空"))
}

/// The numbered rows `{kind}_0_…`, `{kind}_1_…` of a form, up to the first number missing
/// (at most `most`), that have a name: each one's field prefix and name. A row cleared of
/// its name is one the user removed.
fn named_rows<'a>(form: &'a FormFields, kind: &str, most: usize) -> Vec<(String, &'a str)> {
    let mut rows = Vec::new();
    for i in 0..most {
        let p = format!("{kind}_{i}_");
        if !form.pairs().iter().any(|(k, _)| k.starts_with(&p)) {
            break;
        }
        let name = form.trimmed(&format!("{p}name"));
        if !name.is_empty() {
            rows.push((p, name));
        }
    }
    rows
}

/// The spec described by the method form. Errors are in Chinese and name the field. The few
/// settings the form does not show (a group's own aggregation, the outlier thresholds) are
/// kept from `base`, the method as stored, so saving the form never drops them.
pub fn spec_from_form(form: &FormFields, base: Option<&Spec>) -> Result<Spec, String> {
    let mut indicators = Vec::new();
    for (p, name) in named_rows(form, "ind", 500) {
        let what = format!("指标“{name}”");
        let text = |k: &str| form.trimmed(&format!("{p}{k}"));
        indicators.push(Indicator {
            name: name.to_string(),
            direction: choice::<Direction>(text("direction"), &what)?,
            weight: number(text("weight"), &format!("{what}的权重"))?,
            group: Some(text("group").to_string()).filter(|g| !g.is_empty()),
            target: number(text("target"), &format!("{what}的目标值"))?,
            lower: number(text("lower"), &format!("{what}的下限"))?,
            upper: number(text("upper"), &format!("{what}的上限"))?,
        });
    }
    let mut groups = Vec::new();
    for (p, name) in named_rows(form, "grp", 100) {
        groups.push(Group {
            name: name.to_string(),
            weight: number(
                form.trimmed(&format!("{p}weight")),
                &format!("分组“{name}”的权重"),
            )?,
            parent: Some(form.trimmed(&format!("{p}parent")).to_string()).filter(|g| !g.is_empty()),
            aggregate: base
                .and_then(|b| b.groups.iter().find(|g| g.name == name))
                .and_then(|g| g.aggregate),
        });
    }
    let mut spec = Spec::flat(form.trimmed("id"), &[]);
    spec.class = Some(form.trimmed("class").to_string()).filter(|c| !c.is_empty());
    spec.indicators = indicators;
    spec.groups = groups;
    let m = &mut spec.method;
    if let Some(b) = base {
        m.outlier_opts = b.method.outlier_opts.clone();
    }
    m.impute = choice(form.trimmed("impute"), "缺失值处理")?;
    m.min_coverage = req(form.trimmed("min_coverage"), "最低数据覆盖率")?;
    m.outliers = choice(form.trimmed("outliers"), "异常值处理")?;
    m.normalise = choice(form.trimmed("normalise"), "标准化")?;
    m.weights = choice(form.trimmed("weights"), "权重")?;
    m.aggregate = choice(form.trimmed("aggregate"), "合成")?;
    m.ties = choice(form.trimmed("ties"), "并列规则")?;
    m.entropy.basis = choice(form.trimmed("entropy_basis"), "熵权基准")?;
    m.entropy.shift = req(form.trimmed("entropy_shift"), "熵权平移")?;
    let ddof = req(form.trimmed("zscore_ddof"), "Z 分数自由度")?;
    if !(ddof >= 0.0 && ddof.fract() == 0.0) {
        return Err("Z 分数自由度须为非负整数".into());
    }
    m.zscore.ddof = ddof as u32;
    m.minmax.range = [
        req(form.trimmed("minmax_lo"), "极差下限")?,
        req(form.trimmed("minmax_hi"), "极差上限")?,
    ];
    m.geometric.range = [
        req(form.trimmed("geometric_lo"), "几何平均下限")?,
        req(form.trimmed("geometric_hi"), "几何平均上限")?,
    ];
    m.topsis.normalise = choice(form.trimmed("topsis_normalise"), "TOPSIS 标准化")?;
    m.efficacy.floor = req(form.trimmed("efficacy_floor"), "功效系数下限")?;
    m.efficacy.ceiling = req(form.trimmed("efficacy_ceiling"), "功效系数上限")?;
    m.gra.rho = req(form.trimmed("gra_rho"), "GRA 分辨系数")?;
    m.ahp.method = choice(form.trimmed("ahp_method"), "AHP 方法")?;
    m.ahp.force = !form.trimmed("ahp_force").is_empty();
    m.ahp.matrix = form
        .trimmed("ahp_matrix")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(r, l)| {
            l.split([' ', ',', '\t', '，'])
                .filter(|x| !x.is_empty())
                .map(|x| {
                    parse_fraction(x)
                        .ok_or_else(|| format!("AHP 判断矩阵第 {} 行：“{x}”不是数字", r + 1))
                })
                .collect::<Result<Vec<f64>, String>>()
        })
        .collect::<Result<_, _>>()?;
    m.combine.alpha = req(form.trimmed("combine_alpha"), "组合系数 α")?;
    m.combine.subjective = choice(form.trimmed("combine_subjective"), "主观权重")?;
    m.combine.objective = choice(form.trimmed("combine_objective"), "客观权重")?;
    if !form.trimmed("unc_on").is_empty() {
        let draws = req(form.trimmed("unc_draws"), "抽样次数")?;
        let seed = req(form.trimmed("unc_seed"), "随机种子")?;
        if !(draws >= 0.0 && draws.fract() == 0.0 && seed >= 0.0 && seed.fract() == 0.0) {
            return Err("抽样次数和随机种子须为非负整数".into());
        }
        spec.uncertainty = Some(Uncertainty {
            draws: draws as usize,
            seed: seed as u64,
            weight_noise: req(form.trimmed("unc_noise"), "权重扰动幅度")?,
            aggregate: ticked(form, "unc_aggregate")
                .into_iter()
                .map(|v| choice(v, "合成备选"))
                .collect::<Result<_, _>>()?,
            normalise: ticked(form, "unc_normalise")
                .into_iter()
                .map(|v| choice(v, "标准化备选"))
                .collect::<Result<_, _>>()?,
            impute: ticked(form, "unc_impute")
                .into_iter()
                .map(|v| choice(v, "缺失处理备选"))
                .collect::<Result<_, _>>()?,
            leave_one_out: !form.trimmed("unc_loo").is_empty(),
            sensitivity: !form.trimmed("unc_sensitivity").is_empty(),
        });
    }
    Ok(spec)
}

/// The spec as `duban.eval/1` text (what is stored), checked back with the CLI's parser.
pub fn spec_to_text(spec: &Spec) -> Result<String, String> {
    let text = toml::to_string(spec).map_err(|e| format!("无法生成方法文本：{e}"))?;
    let text = format!("# duban.eval/1 — 由方法表单生成\n{text}");
    parse_spec(&text).map_err(|e| format!("方法有误：{e}"))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_spec_survives_the_form_round_trip() {
        let spec = parse_spec(DEMO_SPEC).unwrap();
        let ctx = spec_form(&spec);
        // Rebuild the submitted fields from the form context.
        let mut form: Vec<(String, String)> = Vec::new();
        let v: Value = serde_json::to_value(&ctx).unwrap();
        for (k, x) in v.as_object().unwrap() {
            match x {
                Value::Array(items) if k == "indicators" || k == "groups" => {
                    let p = if k == "indicators" { "ind" } else { "grp" };
                    for (i, it) in items.iter().enumerate() {
                        for (f, y) in it.as_object().unwrap() {
                            form.push((
                                format!("{p}_{i}_{f}"),
                                y.as_str().unwrap_or("").to_string(),
                            ));
                        }
                    }
                }
                Value::Array(items) => {
                    for it in items {
                        form.push((k.clone(), it.as_str().unwrap().to_string()));
                    }
                }
                Value::Bool(true) => form.push((k.clone(), "on".into())),
                Value::Number(n) => form.push((k.clone(), n.to_string())),
                Value::String(s) => form.push((k.clone(), s.clone())),
                _ => {}
            }
        }
        let form = FormFields::new(form);
        let back = spec_from_form(&form, None).unwrap();
        assert_eq!(back, spec);
        // What the form does not show is kept from the stored method.
        let mut stored = spec.clone();
        stored.groups[0].aggregate = Some(duban_engine::spec::GroupAggregate::Geometric);
        stored.method.outlier_opts.skew = 3.0;
        assert_eq!(spec_from_form(&form, Some(&stored)).unwrap(), stored);
        let text = spec_to_text(&back).unwrap();
        assert_eq!(parse_spec(&text).unwrap(), spec);
    }

    #[test]
    fn result_view_marks_class_first_and_last_and_rank_changes() {
        let spec = parse_spec(
            "id = \"县\"\nclass = \"类\"\n[[indicator]]\nname = \"a\"\n[uncertainty]\ndraws = 20\nseed = 1\n",
        )
        .unwrap();
        let csv = "县,类,a\n甲,Ⅰ,3\n乙,Ⅰ,2\n丙,Ⅰ,1\n丁,Ⅱ,5\n戊,Ⅱ,4\n";
        let ds = read_dataset(csv.as_bytes(), DataKind::Csv, &spec).unwrap();
        let prev: HashMap<String, f64> = [("甲".to_string(), 3.0), ("乙".to_string(), 2.0)].into();
        let (_, result) = eval_format::run(&ds, &spec, Some(&prev)).unwrap();
        let snap = snapshot_json(&spec, &ds, Some(&prev), &result);
        let v: Value = serde_json::to_value(result_view(&snap).unwrap()).unwrap();
        let row = |id: &str| {
            v["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(v["has_class"], true);
        assert_eq!(
            (row("丁")["mark"].as_str(), row("丁")["rank"].as_str()),
            (Some("★"), Some("1"))
        );
        assert_eq!(row("戊")["mark"], "▲");
        assert_eq!(
            (row("甲")["mark"].as_str(), row("甲")["class_rank"].as_str()),
            (Some("★"), Some("1"))
        );
        assert_eq!(row("丙")["mark"], "▲");
        assert!(row("乙")["mark"].is_null());
        // 甲 was 3rd, now 3rd overall (丁, 戊 ahead): no change; 乙 2nd → 4th: ↓2; 丙 is new.
        assert_eq!(row("甲")["change"], "—");
        assert_eq!(
            (
                row("乙")["change"].as_str(),
                row("乙")["change_class"].as_str()
            ),
            (Some("↓2"), Some("down"))
        );
        assert_eq!(row("丙")["change"], "新");
        assert!(
            v["interval_chart"]
                .as_str()
                .unwrap()
                .contains("名次区间 P5–P95")
        );
    }

    #[test]
    fn form_errors_name_the_field() {
        let form = FormFields::new(vec![
            ("ind_0_name".to_string(), "GDP".to_string()),
            ("ind_0_direction".to_string(), "benefit".to_string()),
            ("ind_0_weight".to_string(), "abc".to_string()),
        ]);
        let e = spec_from_form(&form, None).unwrap_err();
        assert!(e.contains("GDP") && e.contains("abc"), "{e}");
        assert_eq!(parse_fraction("1/3"), Some(1.0 / 3.0));
    }
}
