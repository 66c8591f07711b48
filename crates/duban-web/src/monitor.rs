//! Monitor (监测预警, issue 13) for the pages and the API: the seed data, imports (wide
//! statistics tables or the series CSV, read by `duban-io::monitor`, stored all or nothing),
//! running the stored rules (`duban_core::monitor::check`) into alerts, and the series the
//! charts draw (measures from `duban_core::monitor::derive`).

use chrono::NaiveDate;
use duban_core::monitor::{
    Frequency, Indicator, Kind, Measure, Regions, Rule, Series, known_points, track::round4,
};
use duban_io::monitor::wide::{GROWTH_SUFFIX, read_wide};
use duban_io::monitor::{MonitorIoError, Place, RulesFile, parse_rules, read_series_csv};
use duban_store::monitor::{MonitorBinding, MonitorImport, NewMonitorImport};
use duban_store::{Store, StoreError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::AppError;

pub use duban_app::monitor::RunOutcome;

const DEMO_FILE: &str = "services-2019-2020-示例数据.csv";
const DEMO_SERIES: &[u8] = include_bytes!("../../../data/monitor/services-2019-2020-示例数据.csv");
const PROVINCE_DEMO_FILE: &str = "province-2018-2019-示例数据.csv";
const PROVINCE_DEMO: &[u8] =
    include_bytes!("../../../data/monitor/province-2018-2019-示例数据.csv");
const REAL_FILE: &str = "real-zhejiang.csv";
const REAL_SERIES: &[u8] = include_bytes!("../../../data/monitor/real-zhejiang.csv");
pub const SEED_RULES: &str = include_str!("../../../data/monitor/rules-seed.toml");
const MARKER: &str = "seed.monitor";
/// Set once the real set as shipped now (one import per source) is stored.
const REAL_MARKER: &str = "seed.monitor.real-3";

/// Largest upload read (the wide reader's cap; the series CSV cap is larger).
pub const MAX_UPLOAD_BYTES: usize = duban_io::monitor::wide::MAX_WIDE_BYTES;

/// The seed plan's headline goals and the series that track them (indicator, region).
const HEADLINE_BINDINGS: [(&str, &str, &str); 2] = [
    (
        "服务业增加值占地区生产总值比重",
        "服务业增加值占GDP比重",
        "330000",
    ),
    (
        "生产性服务业增加值占服务业增加值比重",
        "生产性服务业增加值占服务业增加值比重",
        "330000",
    ),
];

/// The built-in regions and indicators, the 示例数据 series, the real yearly figures
/// (`real-zhejiang.csv`: 浙江省 2023, 宁波, 嘉兴, 湖州 and 衢州 2020, 绍兴 2021) and the example
/// rules, and the seed plan's headline goals bound to their series, once
/// (marker in `meta`).
pub async fn ensure_monitor_seed(store: &Store, seed_plan: Option<i64>) -> Result<(), String> {
    store
        .ensure_monitor_catalogue()
        .await
        .map_err(|e| e.to_string())?;
    if store
        .meta_get(MARKER)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        // Seeded before the real set grew: add its new rows once (stored vintages are
        // skipped, so the figures already there stay as they were).
        if store
            .meta_get(REAL_MARKER)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            // A bulletin whose every figure is stored already is not imported again.
            let stored: std::collections::BTreeSet<_> = store
                .monitor_values(None)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|v| !v.demo)
                .map(|v| (v.region, v.indicator, v.period, v.published))
                .collect();
            for (source, bytes) in split_by_source(REAL_SERIES) {
                let obs = read_series_csv(&bytes).map_err(|e| format!("{REAL_FILE}: {e}"))?;
                if obs.iter().all(|o| {
                    stored.contains(&(
                        o.region.clone(),
                        o.indicator.clone(),
                        o.period,
                        o.known_from(),
                    ))
                }) {
                    continue;
                }
                store
                    .import_monitor_values(
                        &NewMonitorImport {
                            file_name: REAL_FILE,
                            format: "series_csv",
                            bytes: &bytes,
                            source: &format!("真实数据：{source}"),
                            demo: false,
                            created_by: None,
                            new_indicators: &[],
                        },
                        &obs,
                    )
                    .await
                    .map_err(|e| format!("{REAL_FILE}: {e}"))?;
            }
            store
                .meta_set(REAL_MARKER, "1")
                .await
                .map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    for (file, bytes, source, demo) in [
        (
            DEMO_FILE,
            DEMO_SERIES,
            "示例数据（生成，并非统计数据）",
            true,
        ),
        (
            PROVINCE_DEMO_FILE,
            PROVINCE_DEMO,
            "示例数据（虚构的整数，并非统计数据）",
            true,
        ),
    ]
    .into_iter()
    .map(|(f, b, s, d)| (f, b.to_vec(), s.to_string(), d))
    // The real set: one import per source (its `source` column), so each stored value
    // names the bulletin it was read in.
    .chain(
        split_by_source(REAL_SERIES)
            .into_iter()
            .map(|(source, bytes)| (REAL_FILE, bytes, format!("真实数据：{source}"), false)),
    ) {
        let (bytes, source) = (&bytes[..], source.as_str());
        let obs = read_series_csv(bytes).map_err(|e| format!("{file}: {e}"))?;
        store
            .import_monitor_values(
                &NewMonitorImport {
                    file_name: file,
                    format: "series_csv",
                    bytes,
                    source,
                    demo,
                    created_by: None,
                    new_indicators: &[],
                },
                &obs,
            )
            .await
            .map_err(|e| format!("{file}: {e}"))?;
    }
    let rules = parse_rules(SEED_RULES).map_err(|e| format!("rules-seed.toml: {e}"))?;
    store
        .set_monitor_rules(SEED_RULES, &rules.indicators, true, None)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(plan_id) = seed_plan {
        let detail = store
            .plan_detail(plan_id)
            .await
            .map_err(|e| e.to_string())?;
        for (metric, indicator, region) in HEADLINE_BINDINGS {
            let Some(t) = detail
                .targets
                .iter()
                .find(|t| t.task_id.is_none() && t.target.metric == metric)
            else {
                continue;
            };
            store
                .set_monitor_binding(&MonitorBinding {
                    target_id: t.id,
                    indicator: indicator.into(),
                    region: region.into(),
                    reference_indicator: None,
                    reference_region: None,
                })
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    store
        .meta_set(REAL_MARKER, "1")
        .await
        .map_err(|e| e.to_string())?;
    store.meta_set(MARKER, "1").await.map_err(|e| e.to_string())
}

/// The rows of a series CSV whose sixth column names each row's source, grouped by source
/// (in order of first appearance), each group as a series CSV of its own (the header and
/// its rows).
pub fn split_by_source(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut groups: Vec<(String, Vec<u8>)> = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let source = line.splitn(6, ',').nth(5).unwrap_or_default().trim();
        let i = match groups.iter().position(|(s, _)| s == source) {
            Some(i) => i,
            None => {
                groups.push((source.to_string(), format!("{header}\n").into_bytes()));
                groups.len() - 1
            }
        };
        groups[i].1.extend_from_slice(line.as_bytes());
        groups[i].1.push(b'\n');
    }
    groups
}

/// What kind of file an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// `region,indicator,period,value[,published]`.
    SeriesCsv,
    /// A wide statistics table (xlsx or csv) of one indicator.
    Wide,
}

/// An upload's description (form or query fields).
#[derive(Debug, Clone)]
pub struct UploadSpec {
    pub format: UploadFormat,
    pub indicator: String,
    pub frequency: Option<Frequency>,
    pub published: Option<NaiveDate>,
    pub source: String,
}

impl UploadSpec {
    /// From fields `format` (`series` | `wide`), `indicator`, `frequency`, `published`, `source`.
    pub fn from_fields(get: impl Fn(&str) -> Option<String>) -> Result<UploadSpec, AppError> {
        let f = |k: &str| {
            get(k)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let format = match f("format").as_deref() {
            None | Some("wide") => UploadFormat::Wide,
            Some("series") => UploadFormat::SeriesCsv,
            Some(other) => {
                return Err(AppError::InvalidField {
                    field: "format".into(),
                    message: format!("格式“{other}”无效：应为 wide 或 series"),
                });
            }
        };
        let published =
            match f("published") {
                None => None,
                Some(p) => Some(duban_io::monitor::parse_date(&p).ok_or_else(|| {
                    AppError::InvalidField {
                        field: "published".into(),
                        message: format!("发布日期“{p}”无效（YYYY-MM-DD）"),
                    }
                })?),
            };
        let frequency = match f("frequency") {
            None => None,
            Some(x) => Some(Frequency::parse(&x).ok_or_else(|| AppError::InvalidField {
                field: "frequency".into(),
                message: format!("频度“{x}”无效：应为 monthly、quarterly 或 yearly"),
            })?),
        };
        let indicator = f("indicator").unwrap_or_default();
        if format == UploadFormat::Wide && indicator.is_empty() {
            return Err(AppError::InvalidField {
                field: "indicator".into(),
                message: "宽表须指明指标".into(),
            });
        }
        Ok(UploadSpec {
            format,
            indicator,
            frequency,
            published,
            source: f("source").unwrap_or_default(),
        })
    }
}

/// Why an upload stored nothing: the message, and the cell or line when the reader knows it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRefusal {
    pub message: String,
    pub cell: Option<String>,
    pub line: Option<usize>,
    pub column: Option<String>,
}

impl ImportRefusal {
    fn plain(message: String) -> ImportRefusal {
        ImportRefusal {
            message,
            cell: None,
            line: None,
            column: None,
        }
    }

    fn io(file: &str, e: &MonitorIoError) -> ImportRefusal {
        let mut r = ImportRefusal::plain(format!("{file}：{e}。未保存任何内容。"));
        match &e.place {
            Place::File => {}
            Place::Cell(c) => r.cell = Some(c.clone()),
            Place::Line { line, column } => {
                r.line = Some(*line);
                r.column = column.clone();
            }
        }
        r
    }

    pub fn json(&self) -> Value {
        json!({"error": {"code": "invalid_file", "message": self.message, "details": [self]}})
    }
}

/// Reads and stores one upload, all or nothing; region names (杭州市, 杭州) become codes.
/// `Err(Ok(refusal))` names what is wrong; `Err(Err(_))` is a failure of the platform.
pub async fn import_upload(
    store: &Store,
    spec: &UploadSpec,
    file_name: &str,
    bytes: &[u8],
    demo: bool,
    by: Option<i64>,
) -> Result<MonitorImport, Result<ImportRefusal, AppError>> {
    let refuse = |m: String| Err(Ok(ImportRefusal::plain(m)));
    let catalogue = store
        .monitor_indicators()
        .await
        .map_err(|e| Err(e.into()))?;
    let mut new_indicators = Vec::new();
    let (format, mut obs) = match spec.format {
        UploadFormat::SeriesCsv => (
            "series_csv",
            read_series_csv(bytes).map_err(|e| Ok(ImportRefusal::io(file_name, &e)))?,
        ),
        UploadFormat::Wide => {
            let Some(ind) = catalogue.iter().find(|i| i.name == spec.indicator) else {
                return refuse(format!("指标“{}”不在指标目录中", spec.indicator));
            };
            let Some(frequency) = spec.frequency.or(ind.frequency) else {
                return refuse(format!("指标“{}”须指明频度（月度、季度或年度）", ind.name));
            };
            let obs = read_wide(bytes, &ind.name, frequency, spec.published)
                .map_err(|e| Ok(ImportRefusal::io(file_name, &e)))?;
            let growth = format!("{}{GROWTH_SUFFIX}", ind.name);
            if obs.iter().any(|o| o.indicator == growth)
                && !catalogue.iter().any(|i| i.name == growth)
            {
                let mut g = Indicator::new(&growth, Some(frequency), Kind::Period);
                g.unit = "%".into();
                g.source = ind.source.clone();
                new_indicators.push(g);
            }
            let xlsx = bytes.starts_with(b"PK\x03\x04");
            (if xlsx { "wide_xlsx" } else { "wide_csv" }, obs)
        }
    };
    let regions = store.monitor_regions().await.map_err(|e| Err(e.into()))?;
    for o in &mut obs {
        match regions.find(&o.region) {
            Some(r) => o.region = r.code.clone(),
            None => {
                return refuse(format!(
                    "{file_name}：地区“{}”不在地区表中（可用 GB/T 2260 代码或地区名称）。未保存任何内容。",
                    o.region
                ));
            }
        }
    }
    let source = if spec.source.is_empty() {
        file_name
    } else {
        &spec.source
    };
    store
        .import_monitor_values(
            &NewMonitorImport {
                file_name,
                format,
                bytes,
                source,
                demo,
                created_by: by,
                new_indicators: &new_indicators,
            },
            &obs,
        )
        .await
        .map_err(|e| match e {
            StoreError::Invalid(m) => Ok(ImportRefusal::plain(format!(
                "{file_name}：{m}。未保存任何内容。"
            ))),
            e => Err(e.into()),
        })
}

/// The stored rules file, parsed (`None` when the office has not set one); see
/// `duban_app::monitor::stored_rules`.
pub async fn stored_rules(store: &Store) -> Result<Option<RulesFile>, AppError> {
    Ok(duban_app::monitor::stored_rules(store).await?)
}

/// Runs the stored rules as of a date (`duban_app::monitor::run_rules`).
pub async fn run_rules(store: &Store, as_of: NaiveDate) -> Result<RunOutcome, AppError> {
    Ok(duban_app::monitor::run_rules(store, as_of).await?)
}

/// One point of a drawn series.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub period: String,
    pub label: String,
    pub value: Option<f64>,
}

/// The measure `m` of an indicator for one region at every period known on `as_of`
/// (`duban_core::monitor::known_points`), rounded for display.
pub fn points(
    series: &Series,
    catalogue: &[Indicator],
    ind: &Indicator,
    region: &str,
    as_of: NaiveDate,
    m: Measure,
) -> Vec<Point> {
    known_points(series, catalogue, ind, region, as_of, m)
        .into_iter()
        .map(|p| Point {
            period: p.period.to_string(),
            label: p.period.label_zh(),
            value: p.value.map(round4),
        })
        .collect()
}

/// A reference line of a chart: which rule, a short label (预警下限, 目标) and the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleLine {
    pub rule: String,
    pub label: String,
    pub value: f64,
}

/// Reference lines of the rules on one indicator and measure for a region: thresholds
/// (the region's own under 一城一策, else the rule's) and the target of a gap rule.
pub fn rule_lines(rules: &[Rule], indicator: &str, m: Measure, region: &str) -> Vec<RuleLine> {
    let mut out = Vec::new();
    for r in rules
        .iter()
        .filter(|r| r.indicator == indicator && r.measure == m)
    {
        let t = r.region_thresholds.get(region).unwrap_or(&r.threshold);
        let level = r.level.label_zh();
        let mut push = |label: String, value: f64| {
            out.push(RuleLine {
                rule: r.id.clone(),
                label,
                value,
            })
        };
        if let Some(b) = t.below {
            push(format!("{level}下限"), b);
        }
        if let Some(a) = t.above {
            push(format!("{level}上限"), a);
        }
        if let Some(g) = r.target_gap {
            push("目标".to_string(), g.target);
        }
    }
    out
}

/// An ECharts line chart (`data-chart`): the points, and dashed reference lines. Drawn
/// without animation, so what a screenshot or a print shows is the whole chart.
pub fn line_chart(
    name: &str,
    unit: &str,
    points: &[Point],
    lines: &[RuleLine],
    small: bool,
) -> String {
    let mark: Vec<Value> = lines
        .iter()
        .map(|l| json!({"yAxis": l.value, "name": l.label, "label": {"formatter": format!("{} {}", l.label, l.value), "position": "insideEndTop", "fontSize": if small { 10 } else { 12 }}}))
        .collect();
    let mut s = json!({
        "name": name, "type": "line", "connectNulls": false,
        "data": points.iter().map(|p| p.value).collect::<Vec<_>>(),
    });
    if !mark.is_empty() {
        s["markLine"] = json!({"symbol": "none", "lineStyle": {"type": "dashed", "color": "#c0392b"}, "data": mark});
    }
    let mut chart = json!({
        "animation": false,
        "tooltip": {"trigger": "axis"},
        "grid": if small { json!({"left": 40, "right": 12, "top": 16, "bottom": 24}) } else { json!({"left": 56, "right": 24, "top": 40, "bottom": 40}) },
        "xAxis": {"type": "category", "data": points.iter().map(|p| p.period.clone()).collect::<Vec<_>>()},
        "yAxis": {"type": "value", "name": if small { "" } else { unit }, "scale": true},
        "series": [s],
    });
    // Keep every reference line in view (ECharts scales the axis to the data only).
    let all = points
        .iter()
        .filter_map(|p| p.value)
        .chain(lines.iter().map(|l| l.value));
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lines.is_empty() && lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.1).max(0.5);
        chart["yAxis"]["min"] = json!((lo - pad).floor());
        chart["yAxis"]["max"] = json!((hi + pad).ceil());
    }
    chart.to_string()
}

/// An ECharts ranking bar chart: (region name, value) sorted best first.
pub fn ranking_chart(title: &str, rows: &[(String, f64)]) -> String {
    json!({
        "animation": false,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 64, "right": 24, "top": 32, "bottom": 24},
        "title": {"text": title, "textStyle": {"fontSize": 13}},
        "xAxis": {"type": "value", "scale": false},
        "yAxis": {"type": "category", "inverse": true, "data": rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()},
        "series": [{"type": "bar", "data": rows.iter().map(|r| round4(r.1)).collect::<Vec<_>>(), "label": {"show": true, "position": "right"}}],
    })
    .to_string()
}

/// Where a region's figures of an indicator (for a share: of its numerator and denominator)
/// known on a date come from: 示例数据, real figures, and the real ones' sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provenance {
    pub demo: bool,
    pub real: bool,
    /// The sources of the real values' imports, each once, in import order.
    pub sources: Vec<String>,
    /// The periods with a 示例数据 input (keys, `2019`, `2020-Q3`), oldest first.
    pub demo_periods: Vec<String>,
}

pub fn provenance(
    values: &[duban_store::monitor::StoredValue],
    imports: &[MonitorImport],
    ind: &Indicator,
    region: &str,
    as_of: NaiveDate,
) -> Provenance {
    let inputs: Vec<&str> = match &ind.formula {
        Some(duban_core::monitor::Formula::Share {
            numerator,
            denominator,
        }) => vec![numerator, denominator],
        None => vec![&ind.name],
    };
    let used = values.iter().filter(|v| {
        v.region == region && inputs.contains(&v.indicator.as_str()) && v.published <= as_of
    });
    let mut p = Provenance::default();
    let mut ids: Vec<i64> = Vec::new();
    for v in used {
        if v.demo {
            p.demo = true;
            let key = v.period.to_string();
            if !p.demo_periods.contains(&key) {
                p.demo_periods.push(key);
            }
        } else {
            p.real = true;
            if !ids.contains(&v.import_id) {
                ids.push(v.import_id);
            }
        }
    }
    p.demo_periods.sort();
    ids.sort_unstable();
    for id in ids {
        if let Some(i) = imports.iter().find(|i| i.id == id)
            && !p.sources.contains(&i.source)
        {
            p.sources.push(i.source.clone());
        }
    }
    p
}

/// The 设区市 under the province, in code order.
pub fn cities(regions: &Regions) -> Vec<(String, String)> {
    regions
        .all()
        .iter()
        .filter(|r| r.level == duban_core::monitor::RegionLevel::City)
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect()
}

/// The measure named by a query parameter (default `value`).
pub fn parse_measure(s: Option<&String>) -> Result<Measure, AppError> {
    match s.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(Measure::Value),
        Some(x) => Measure::parse(x).ok_or_else(|| {
            AppError::BadRequest(format!(
                "measure“{x}”无效：应为 value、period_value、yoy 或 period_yoy"
            ))
        }),
    }
}

/// The alert state named by `?state=` (empty = any).
pub fn state_filter(
    s: Option<&String>,
) -> Result<Option<duban_core::monitor::AlertState>, AppError> {
    match s.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => duban_store::monitor::parse_alert_state(s)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("state {s} 无效"))),
    }
}

/// The as-of date of a monitor page or call (default today in China time).
pub fn parse_as_of(s: Option<&String>) -> Result<NaiveDate, AppError> {
    crate::deliver::parse_as_of(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_real_set_splits_by_source() {
        let groups = super::split_by_source(super::REAL_SERIES);
        // 浙江省 2023, 宁波 2020, 嘉兴 2020, 绍兴 2021, 湖州 2020, 衢州 2020: two rows each
        // (地区生产总值, 第三产业增加值), every one read back.
        assert_eq!(groups.len(), 6);
        let mut rows = 0;
        for (source, bytes) in &groups {
            assert!(source.contains("http"), "{source}");
            let obs = duban_io::monitor::read_series_csv(bytes).unwrap();
            assert_eq!(obs.len(), 2, "{source}");
            rows += obs.len();
        }
        assert_eq!(rows, 12);
        assert!(
            groups[1]
                .0
                .starts_with("宁波市2020年国民经济和社会发展统计公报")
        );
    }
}
