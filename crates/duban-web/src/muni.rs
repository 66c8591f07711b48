//! 亩均效益评价 in the web platform (issue 12, part 3), shared by the pages in
//! `routes/muni.rs`: checking a scheme and a data file with the engine's own parser and
//! reader, the run job (executed off the request: claimed once, progress and cancel through
//! its row, the engine on a blocking thread, one row per firm stored in batches), the
//! summary of a run (benchmarks, grade counts per class and per region), the grade charts
//! (SVG drawn here, no script, no external asset), the policy table by grade and the demo.
//!
//! Who may do what: the office (admin) does everything under `/muni`; viewers (leaders)
//! read final results only (`/muni/finals…`); reporters read nothing here.

use std::time::Instant;

use duban_engine::firm::{ColumnUse, FirmEvaluation, FirmSpec};
use duban_engine::spec::Direction;
use duban_engine::table::{Column, Table};
use duban_io::firm_format;
use duban_io::firm_table::{read_firm_table, read_firm_table_for};
use duban_io::table_read::DataKind;
use duban_store::Store;
use duban_store::muni::{FirmRow, RunState};
use serde::{Deserialize, Serialize};

use crate::form_fields::FormFields;

/// The demo scheme and firms of one county (示例数据, `data/demo/muni/`).
pub const DEMO_SPEC: &str = include_str!("../../../data/demo/muni/spec.toml");
pub const DEMO_CSV: &[u8] = include_bytes!("../../../data/demo/muni/firms.csv");
pub const DEMO_NAME: &str = "亩均效益综合评价（规上企业，示例数据）";

/// Firm rows stored per batch (progress is reported and cancel checked between batches).
const STORE_BATCH: usize = 2000;

/// A worker's lease on its run, renewed at every progress step; a run whose lease has passed
/// is taken over ([`resume_stale`]). Long enough for the engine step of the largest upload.
pub fn lease() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

/// Starts a worker for every run no worker holds (its server stopped); called when the
/// office opens the 亩均 pages. Each worker claims its run first, so a run is taken once.
pub async fn resume_stale(store: &Store) -> Result<usize, MuniError> {
    let stale = store.stale_muni_runs().await?;
    for &id in &stale {
        tracing::info!(run = id, "亩均评价运行无人执行，重新开始");
        spawn_run(store.clone(), id);
    }
    Ok(stale.len())
}

/// A failure shown to the office as is (Chinese, with the engine's row/column detail).
#[derive(Debug, Clone, PartialEq)]
pub struct MuniError(pub String);

impl std::fmt::Display for MuniError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<duban_store::StoreError> for MuniError {
    fn from(e: duban_store::StoreError) -> Self {
        MuniError(format!("存储失败：{e}"))
    }
}

/// Parses a scheme text with the CLI's parser (`duban eval run` reads the same).
pub fn check_scheme(text: &str) -> Result<FirmSpec, MuniError> {
    if text.trim().is_empty() {
        return Err(MuniError("方案文本为空".into()));
    }
    if !firm_format::is_firm_spec(text) {
        // Either not TOML at all (the parser names the line) or another kind of method.
        if let Err(e) = toml::from_str::<toml::Table>(text) {
            return Err(MuniError(format!(
                "方案文本有误：{}",
                e.to_string().replace('\n', " ").trim()
            )));
        }
        return Err(MuniError(
            "不是亩均效益方案：须有 [method] normalise = \"benchmark\"".into(),
        ));
    }
    let spec =
        firm_format::parse_firm_spec(text).map_err(|e| MuniError(format!("方案文本有误：{e}")))?;
    spec.columns()
        .map_err(|e| MuniError(format!("方案文本有误：{e}")))?;
    Ok(spec)
}

/// The columns a run reads besides the scheme's own: region and firm name (text).
fn extra_columns(
    spec: &FirmSpec,
    region: Option<&str>,
    name: Option<&str>,
) -> Vec<(String, ColumnUse)> {
    let own = spec.columns().unwrap_or_default();
    let mut out: Vec<(String, ColumnUse)> = Vec::new();
    for c in [region, name].into_iter().flatten() {
        if !own.iter().any(|(n, _)| n == c) && !out.iter().any(|(n, _)| n == c) {
            out.push((c.to_string(), ColumnUse::Text));
        }
    }
    out
}

/// A data file read for a scheme: the scheme's columns (what the engine and the snapshot
/// see) and the region/name columns (shown only).
pub struct FirmData {
    pub table: Table,
    pub region: Option<Vec<String>>,
    pub name: Option<Vec<String>>,
}

fn text_of(col: &Column, i: usize) -> String {
    match col {
        Column::Text(t) => t.get(i).to_string(),
        Column::Number(v) if v[i].is_nan() => String::new(),
        Column::Number(v) => v[i].to_string(),
    }
}

/// Reads a data file for a scheme; any bad cell is an error naming its row and column.
pub fn read_data(
    bytes: &[u8],
    kind: DataKind,
    spec: &FirmSpec,
    region: Option<&str>,
    name: Option<&str>,
) -> Result<FirmData, MuniError> {
    let wanted = spec
        .columns()
        .map_err(|e| MuniError(format!("方案文本有误：{e}")))?;
    let table = read_firm_table_for(bytes, kind, spec, &wanted)
        .map_err(|e| MuniError(format!("数据有误：{e}")))?;
    let extra = extra_columns(spec, region, name);
    let extra_table = if extra.is_empty() {
        None
    } else {
        Some(
            read_firm_table(bytes, kind, &extra)
                .map_err(|e| MuniError(format!("数据有误：{e}")))?,
        )
    };
    let column = |c: Option<&str>| -> Option<Vec<String>> {
        let c = c?;
        let col = table
            .column(c)
            .or_else(|| extra_table.as_ref().and_then(|t| t.column(c)))?;
        Some((0..table.rows()).map(|i| text_of(col, i)).collect())
    };
    Ok(FirmData {
        region: column(region),
        name: column(name),
        table,
    })
}

/// Checks a data file completely before it is stored: read (row- and cell-precise) and
/// evaluated once (duplicate or empty ids name their rows). Returns the number of firms.
pub fn check_data(
    bytes: &[u8],
    kind: DataKind,
    spec: &FirmSpec,
    region: Option<&str>,
    name: Option<&str>,
) -> Result<usize, MuniError> {
    let data = read_data(bytes, kind, spec, region, name)?;
    if data.table.rows() == 0 {
        return Err(MuniError("数据有误：表头之下没有企业".into()));
    }
    firm_format::run(&data.table, spec).map_err(|e| MuniError(format!("数据有误：{e}")))?;
    Ok(data.table.rows())
}

// ---- the run job ----

/// What a run stores besides its firm rows: enough for the grade table, the charts and a
/// firm's 体检报告 without reading the rows again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub indicators: Vec<SummaryIndicator>,
    pub cap: f64,
    pub classes: Vec<SummaryClass>,
    /// A, B, C, D, excluded.
    pub grades: [u64; 5],
    /// Per region (the scheme's region column), in first-appearance order.
    pub regions: Vec<(String, [u64; 5])>,
    pub region_column: Option<String>,
    pub class_columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SummaryIndicator {
    pub name: String,
    pub weight: f64,
    pub cost: bool,
    /// The unit the scheme states (万元/亩), shown beside values and benchmarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SummaryClass {
    pub name: String,
    /// Evaluated firms.
    pub size: u32,
    /// Benchmarks per indicator (None: no firm of the class has a value).
    pub benchmarks: Vec<Option<f64>>,
    /// A, B, C, D, excluded.
    pub grades: [u64; 5],
}

fn grade_slot(g: u8) -> usize {
    match g {
        b'A' => 0,
        b'B' => 1,
        b'C' => 2,
        b'D' => 3,
        _ => 4,
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The summary of an evaluation.
pub fn summarise(
    e: &FirmEvaluation,
    spec: &FirmSpec,
    region: Option<&[String]>,
    region_column: Option<&str>,
) -> Summary {
    let mut classes: Vec<SummaryClass> = e
        .classes
        .iter()
        .enumerate()
        .map(|(c, name)| SummaryClass {
            name: name.clone(),
            size: e.class_sizes[c],
            benchmarks: e.benchmarks.iter().map(|b| finite(b[c])).collect(),
            grades: [0; 5],
        })
        .collect();
    let mut grades = [0u64; 5];
    let mut regions: Vec<(String, [u64; 5])> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for i in 0..e.len() {
        let slot = grade_slot(e.grade[i]);
        grades[slot] += 1;
        classes[e.class_of[i] as usize].grades[slot] += 1;
        if let Some(r) = region {
            let k = *index.entry(r[i].as_str()).or_insert_with(|| {
                regions.push((r[i].clone(), [0; 5]));
                regions.len() - 1
            });
            regions[k].1[slot] += 1;
        }
    }
    Summary {
        indicators: spec
            .indicators
            .iter()
            .map(|i| SummaryIndicator {
                name: i.name.clone(),
                weight: i.weight,
                cost: i.direction == Direction::Cost,
                unit: i.unit.clone(),
            })
            .collect(),
        cap: spec.method.benchmark.cap,
        classes,
        grades,
        regions,
        region_column: region_column.map(str::to_string),
        class_columns: spec
            .class
            .iter()
            .flat_map(|k| k.names())
            .map(str::to_string)
            .collect(),
    }
}

/// The firm rows of an evaluation, in input order.
fn firm_rows(e: &FirmEvaluation, table: &Table, spec: &FirmSpec, data: &FirmData) -> Vec<FirmRow> {
    let id = table.column(&spec.id).expect("the engine checked the id");
    // The result order: rank within the class, then class (first appearance), then input
    // order; excluded firms (rank 0) last.
    let mut order: Vec<u32> = (0..e.len() as u32).collect();
    order.sort_by_key(|&i| {
        let i = i as usize;
        (e.rank[i] == 0, e.rank[i], e.class_of[i], i)
    });
    let mut ord = vec![0i64; e.len()];
    for (pos, &i) in order.iter().enumerate() {
        ord[i as usize] = pos as i64;
    }
    (0..e.len())
        .map(|i| {
            let vals: Vec<serde_json::Value> = e
                .values
                .iter()
                .map(|v| {
                    serde_json::Number::from_f64(v[i]).map_or(serde_json::Value::Null, Into::into)
                })
                .collect();
            FirmRow {
                seq: i as i64,
                ord: ord[i],
                firm: text_of(id, i),
                name: data.name.as_ref().map(|n| n[i].clone()),
                region: data.region.as_ref().map(|r| r[i].clone()),
                class: e.classes[e.class_of[i] as usize].clone(),
                score: finite(e.score[i]),
                adjust: e.adjust[i],
                rank: (e.rank[i] > 0).then_some(e.rank[i] as i64),
                grade: (e.grade[i] != 0).then(|| (e.grade[i] as char).to_string()),
                excluded: e.reason(i).map(str::to_string),
                leader: e.leader.get(i).copied().unwrap_or(0) as i64,
                vals: serde_json::Value::Array(vals).to_string(),
            }
        })
        .collect()
}

/// What the blocking part of a run hands back.
struct Computed {
    rows: Vec<FirmRow>,
    summary: String,
    evaluated: i64,
    data_hash: String,
    method_hash: String,
}

fn compute(
    spec_text: &str,
    bytes: &[u8],
    kind: DataKind,
    region: Option<&str>,
    name: Option<&str>,
) -> Result<Computed, MuniError> {
    let spec = check_scheme(spec_text)?;
    let data = read_data(bytes, kind, &spec, region, name)?;
    let e = firm_format::run(&data.table, &spec)
        .map_err(|e| MuniError(format!("评价未能完成：{e}")))?;
    let summary = summarise(&e, &spec, data.region.as_deref(), region);
    Ok(Computed {
        rows: firm_rows(&e, &data.table, &spec, &data),
        summary: serde_json::to_string(&summary).expect("summary serialises"),
        evaluated: e.grade.iter().filter(|g| **g != 0).count() as i64,
        data_hash: firm_format::data_hash(&data.table, &spec),
        method_hash: firm_format::method_hash(&spec),
    })
}

enum Stop {
    Cancelled,
    Failed(String),
}

impl From<MuniError> for Stop {
    fn from(e: MuniError) -> Self {
        Stop::Failed(e.0)
    }
}

impl From<duban_store::StoreError> for Stop {
    fn from(e: duban_store::StoreError) -> Self {
        Stop::Failed(format!("存储失败：{e}"))
    }
}

/// Starts a queued run off the request. The job claims its row first, so a run is executed
/// once even when asked twice.
pub fn spawn_run(store: Store, id: i64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match execute(&store, id).await {
            Ok(()) => {}
            Err(Stop::Cancelled) => {
                let _ = store.end_muni_run(id, RunState::Cancelled, None).await;
            }
            Err(Stop::Failed(m)) => {
                tracing::warn!(run = id, "亩均评价运行失败：{m}");
                let _ = store.end_muni_run(id, RunState::Failed, Some(&m)).await;
            }
        }
    })
}

async fn step(store: &Store, id: i64, progress: i64, stage: &str) -> Result<(), Stop> {
    if store
        .muni_run_progress(id, progress, stage, lease())
        .await?
    {
        return Err(Stop::Cancelled);
    }
    Ok(())
}

async fn execute(store: &Store, id: i64) -> Result<(), Stop> {
    if !store.claim_muni_run(id, lease()).await? {
        return Ok(());
    }
    let started = Instant::now();
    let run = store.muni_run(id).await?;
    let scheme = store.muni_scheme(run.scheme_id).await?;
    let ds = store.muni_dataset(run.dataset_id).await?;
    let bytes = store.muni_dataset_content(ds.id).await?;
    let kind = DataKind::of_name(&ds.file_name).ok_or_else(|| {
        Stop::Failed(format!(
            "{}：不是可读的数据文件（CSV、XLSX、Parquet 或 Arrow）",
            ds.file_name
        ))
    })?;
    step(store, id, 15, "读取数据并计算").await?;
    let spec_text = run.spec.clone();
    let region = scheme.region_column.clone();
    let name = scheme.name_column.clone();
    let computed = tokio::task::spawn_blocking(move || {
        compute(&spec_text, &bytes, kind, region.as_deref(), name.as_deref())
    })
    .await
    .map_err(|e| Stop::Failed(format!("计算中断：{e}")))??;
    let n = computed.rows.len();
    step(store, id, 50, "写入结果").await?;
    for (k, chunk) in computed.rows.chunks(STORE_BATCH).enumerate() {
        store.insert_muni_firms(id, chunk).await?;
        let done = ((k + 1) * STORE_BATCH).min(n);
        step(
            store,
            id,
            50 + (45 * done / n.max(1)) as i64,
            &format!("写入结果 {done}/{n}"),
        )
        .await?;
    }
    store
        .finish_muni_run(
            id,
            n as i64,
            computed.evaluated,
            duban_engine::ENGINE_VERSION,
            &computed.data_hash,
            &computed.method_hash,
            &computed.summary,
            started.elapsed().as_millis() as i64,
        )
        .await?;
    Ok(())
}

/// The final snapshot of a finished run: the data set read again and evaluated by the same
/// code as `duban eval run --snapshot` (`firm_format::snapshot_json`); refused unless its
/// data and method hashes are those of the run.
pub fn final_snapshot(
    spec_text: &str,
    bytes: &[u8],
    kind: DataKind,
    data_hash: &str,
    method_hash: &str,
) -> Result<String, MuniError> {
    let spec = check_scheme(spec_text)?;
    let data = read_data(bytes, kind, &spec, None, None)?;
    let e = firm_format::run(&data.table, &spec)
        .map_err(|e| MuniError(format!("评价未能完成：{e}")))?;
    if firm_format::data_hash(&data.table, &spec) != data_hash
        || firm_format::method_hash(&spec) != method_hash
    {
        return Err(MuniError("数据或方案与该次运行不一致，不能发布".into()));
    }
    let snap = firm_format::snapshot_json(&e, &data.table, &spec)
        .map_err(|e| MuniError(format!("快照生成失败：{e}")))?;
    let mut text = serde_json::to_string_pretty(&snap).expect("snapshot serialises");
    text.push('\n');
    Ok(text)
}

// ---- the policy table by grade ----

/// One grade's differentiated policies (用地/用电/用水/信贷).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyRow {
    pub grade: String,
    pub land: String,
    pub power: String,
    pub water: String,
    pub credit: String,
}

/// Defaults after the published 亩均 rules (浙政发〔2018〕5号 and county practice: results
/// drive land, power, water, gas and discharge policies); the office edits them per scheme.
pub fn default_policy() -> Vec<PolicyRow> {
    let row = |g: &str, land: &str, power: &str, water: &str, credit: &str| PolicyRow {
        grade: g.into(),
        land: land.into(),
        power: power.into(),
        water: water.into(),
        credit: credit.into(),
    };
    vec![
        row(
            "A",
            "优先保障新增用地指标，支持零土地技改和增资扩产",
            "优先保障用电用能，有序用电时优先供电",
            "执行现行水价，优先保障用水",
            "优先推荐金融机构授信，给予利率优惠和信贷倾斜",
        ),
        row(
            "B",
            "适当支持用地需求，鼓励提高容积率",
            "正常保障用电用能",
            "执行现行水价",
            "正常授信支持",
        ),
        row(
            "C",
            "原则上不新增用地，引导腾挪提升",
            "有序用电时适当限制，执行差别化电价",
            "执行差别化水价（加价）",
            "从严授信，引导整改提升",
        ),
        row(
            "D",
            "不安排新增用地，列入低效用地整治，依法推动腾退",
            "有序用电时优先限电，执行较高标准差别化电价",
            "执行较高标准差别化水价",
            "严格控制新增授信，推动转型或退出",
        ),
    ]
}

/// Reads a stored policy table (the defaults when the text is empty or unreadable).
pub fn policy_of(text: &str) -> Vec<PolicyRow> {
    serde_json::from_str(text).unwrap_or_else(|_| default_policy())
}

/// A policy table from the edit form (`land_A`, `power_A`, …); each cell ≤ 500 characters.
pub fn policy_from_form(form: &FormFields) -> Result<Vec<PolicyRow>, MuniError> {
    let get = |k: &str| -> Result<String, MuniError> {
        let v = form.trimmed(k).to_string();
        if v.chars().count() > 500 {
            return Err(MuniError(format!(
                "{k}：不能超过 500 字（现有 {} 字）",
                v.chars().count()
            )));
        }
        Ok(v)
    };
    ["A", "B", "C", "D"]
        .iter()
        .map(|g| {
            Ok(PolicyRow {
                grade: g.to_string(),
                land: get(&format!("land_{g}"))?,
                power: get(&format!("power_{g}"))?,
                water: get(&format!("water_{g}"))?,
                credit: get(&format!("credit_{g}"))?,
            })
        })
        .collect()
}

// ---- charts ----

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Grade counts per group as a horizontal stacked bar chart (SVG, drawn on the server; the
/// colours come from `app.css` classes `g-a` … `g-x`). Bars scale to the largest group; each
/// bar is labelled with its group and total, each segment has a `<title>` with its count.
pub fn grade_chart(title: &str, rows: &[(String, [u64; 5])]) -> String {
    const W: f64 = 640.0;
    const LABEL: f64 = 170.0;
    const BAR: f64 = 18.0;
    const GAP: f64 = 8.0;
    let max = rows
        .iter()
        .map(|(_, c)| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let h = 4.0 + rows.len() as f64 * (BAR + GAP);
    let mut s = format!(
        "<svg class=\"grade-chart\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(title)
    );
    // The legend is HTML beside the chart (`templates/muni/result.html`): it wraps on a
    // phone, where this drawing scrolls sideways.
    let names = ["A", "B", "C", "D", "不参评"];
    let classes = ["g-a", "g-b", "g-c", "g-d", "g-x"];
    for (r, (label, counts)) in rows.iter().enumerate() {
        let y = 4.0 + r as f64 * (BAR + GAP);
        let total: u64 = counts.iter().sum();
        let shown: String = label.chars().take(11).collect();
        let shown = if shown.chars().count() < label.chars().count() {
            format!("{shown}…")
        } else {
            shown
        };
        s += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"chart-text\"><title>{}</title>{}</text>",
            LABEL - 6.0,
            y + 13.0,
            escape(label),
            escape(&shown)
        );
        let mut x = LABEL;
        let span = W - LABEL - 50.0;
        for (k, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let w = span * c as f64 / max;
            s += &format!(
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR}\"><title>{} {}：{c}</title></rect>",
                classes[k],
                escape(label),
                names[k]
            );
            x += w;
        }
        s += &format!(
            "<text x=\"{:.1}\" y=\"{}\" class=\"chart-text\">{total}</text>",
            x + 4.0,
            y + 13.0
        );
    }
    s += "</svg>";
    s
}

// ---- demo ----

/// Loads the demo scheme and its firms (示例数据) once; answers the scheme's id.
pub async fn ensure_demo(store: &Store, by: Option<i64>) -> Result<i64, MuniError> {
    let existing = || async {
        Ok::<_, MuniError>(
            store
                .muni_schemes()
                .await?
                .into_iter()
                .find(|s| s.demo && s.name == DEMO_NAME)
                .map(|s| s.id),
        )
    };
    if let Some(id) = existing().await? {
        return Ok(id);
    }
    let spec = check_scheme(DEMO_SPEC)?;
    let firms = check_data(
        DEMO_CSV,
        DataKind::Csv,
        &spec,
        Some("乡镇街道"),
        Some("企业名称"),
    )?;
    let policy = serde_json::to_string(&default_policy()).expect("policy serialises");
    let created = store
        .create_muni_scheme(&duban_store::muni::NewScheme {
            name: DEMO_NAME,
            spec: DEMO_SPEC,
            region_column: Some("乡镇街道"),
            name_column: Some("企业名称"),
            policy: &policy,
            demo: true,
            created_by: by,
        })
        .await;
    let scheme = match created {
        Ok(scheme) => scheme,
        // Loaded by another office user at the same moment: theirs is the demo.
        Err(duban_store::StoreError::Invalid(_) | duban_store::StoreError::Duplicate(_)) => {
            if let Some(id) = existing().await? {
                return Ok(id);
            }
            return Err(MuniError("示例方案的名称已被占用".into()));
        }
        Err(e) => return Err(e.into()),
    };
    store
        .create_muni_dataset(&duban_store::muni::NewDataset {
            scheme_id: scheme.id,
            name: "某县企业数据（示例数据）",
            file_name: "firms-示例数据.csv",
            kind: "csv",
            bytes: DEMO_CSV,
            firms: firms as i64,
            demo: true,
            corrects_run_id: None,
            created_by: by,
        })
        .await?;
    Ok(scheme.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_scheme_and_data_check() {
        let spec = check_scheme(DEMO_SPEC).unwrap();
        let n = check_data(
            DEMO_CSV,
            DataKind::Csv,
            &spec,
            Some("乡镇街道"),
            Some("企业名称"),
        )
        .unwrap();
        assert_eq!(n, 1200);
    }

    #[test]
    fn scheme_errors_are_precise() {
        assert_eq!(check_scheme("  ").unwrap_err().0, "方案文本为空");
        let e = check_scheme("id = \"x\"\n[[indicator\n").unwrap_err().0;
        assert!(
            e.starts_with("方案文本有误：") && e.contains("line 2"),
            "{e}"
        );
        let e = check_scheme("id = \"x\"\n").unwrap_err().0;
        assert!(e.contains("normalise = \"benchmark\""), "{e}");
        let e = check_scheme(&DEMO_SPEC.replace("D = 5", "D = 6"))
            .unwrap_err()
            .0;
        assert!(e.contains("A + B + C + D = 101"), "{e}");
    }

    #[test]
    fn data_errors_name_row_and_column() {
        let spec = check_scheme(DEMO_SPEC).unwrap();
        let text = String::from_utf8(DEMO_CSV.to_vec()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Row 4 (header = 1): 税收万元 (column H) is not a number.
        let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
        cells[7] = "十万".into();
        lines[3] = cells.join(",");
        let bad = lines.join("\n");
        let e = check_data(bad.as_bytes(), DataKind::Csv, &spec, None, None)
            .unwrap_err()
            .0;
        assert_eq!(
            e,
            "数据有误：row 4, column H ('税收万元'): '十万' is not a number"
        );
        // A duplicated id names both rows.
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let first_id = lines[1].split(',').next().unwrap().to_string();
        let rest: Vec<&str> = lines[5].splitn(2, ',').collect();
        lines[5] = format!("{first_id},{}", rest[1]);
        let e = check_data(
            lines.join("\n").as_bytes(),
            DataKind::Csv,
            &spec,
            None,
            None,
        )
        .unwrap_err()
        .0;
        assert!(e.contains("row 6") && e.contains("row 2"), "{e}");
        // A missing region column is named.
        let e = check_data(DEMO_CSV, DataKind::Csv, &spec, Some("县"), None)
            .unwrap_err()
            .0;
        assert!(e.contains("县"), "{e}");
    }

    #[test]
    fn summary_counts_match_the_rows() {
        let c = compute(
            DEMO_SPEC,
            DEMO_CSV,
            DataKind::Csv,
            Some("乡镇街道"),
            Some("企业名称"),
        )
        .unwrap();
        let s: Summary = serde_json::from_str(&c.summary).unwrap();
        let total: u64 = s.grades.iter().sum();
        assert_eq!(total, 1200);
        assert_eq!(s.grades[..4].iter().sum::<u64>() as i64, c.evaluated);
        let by_region: u64 = s.regions.iter().map(|(_, g)| g.iter().sum::<u64>()).sum();
        assert_eq!(by_region, 1200);
        let a = c
            .rows
            .iter()
            .filter(|r| r.grade.as_deref() == Some("A"))
            .count() as u64;
        assert_eq!(a, s.grades[0]);
        assert!(
            c.rows
                .iter()
                .all(|r| r.region.is_some() && r.name.is_some())
        );
        // The page order: a permutation, ranks never decrease, excluded firms last.
        let mut by_ord: Vec<&FirmRow> = c.rows.iter().collect();
        by_ord.sort_by_key(|r| r.ord);
        assert!(by_ord.iter().enumerate().all(|(k, r)| r.ord == k as i64));
        let ranks: Vec<i64> = by_ord.iter().map(|r| r.rank.unwrap_or(i64::MAX)).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
        let evaluated = c.evaluated as usize;
        assert!(by_ord[..evaluated].iter().all(|r| r.rank.is_some()));
        assert!(by_ord[evaluated..].iter().all(|r| r.rank.is_none()));
        assert!(
            s.classes
                .iter()
                .all(|k| k.benchmarks.len() == s.indicators.len())
        );
    }

    #[test]
    fn charts_escape_labels_and_scale() {
        let svg = grade_chart(
            "按行业",
            &[
                ("<b>".into(), [1, 2, 0, 0, 1]),
                ("乙".into(), [8, 0, 0, 0, 0]),
            ],
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("width=\"420.0\""), "{svg}");
        assert!(!svg.contains("style="));
    }

    #[test]
    fn policy_form_round_trip_and_limit() {
        let mut fields: Vec<(String, String)> = Vec::new();
        for g in ["A", "B", "C", "D"] {
            for k in ["land", "power", "water", "credit"] {
                fields.push((format!("{k}_{g}"), format!(" {k}{g} ")));
            }
        }
        let p = policy_from_form(&FormFields::new(fields.clone())).unwrap();
        assert_eq!(p[2].water, "waterC");
        fields[0].1 = "字".repeat(501);
        let e = policy_from_form(&FormFields::new(fields)).unwrap_err();
        assert!(e.0.starts_with("land_A"));
        assert_eq!(policy_of(""), default_policy());
    }
}
