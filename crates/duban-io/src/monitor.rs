//! Monitor files (issue 13): the long series CSV (`region,indicator,period,value[,published]`),
//! the rules file `duban.monitor/1` (TOML) and the alerts JSON `duban.alerts/1`. Wide tables
//! as statistics bureaus publish them are in [`wide`]. Every error names the line (and the
//! column or cell); a file with any error gives nothing.

pub mod wide;

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use duban_core::monitor::{
    ALERTS_SCHEMA, Alert, Frequency, Indicator, Kind, Level, Measure, Observation, Period,
    RULES_SCHEMA, Rule, Series, TargetGap, Threshold,
};
use serde::Deserialize;

/// Largest series file read (bytes).
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The whole file.
    File,
    /// A line (1-based), optionally a named column.
    Line { line: usize, column: Option<String> },
    /// A spreadsheet cell, `C5`.
    Cell(String),
}

/// A file that cannot be read; the message is in Chinese and names the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MonitorIoError {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for MonitorIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Place::File => write!(f, "{}", self.message),
            Place::Line { line, column: None } => write!(f, "第{line}行：{}", self.message),
            Place::Line {
                line,
                column: Some(c),
            } => write!(f, "第{line}行 {c} 列：{}", self.message),
            Place::Cell(c) => write!(f, "单元格 {c}：{}", self.message),
        }
    }
}

impl MonitorIoError {
    pub fn file(message: impl Into<String>) -> MonitorIoError {
        MonitorIoError {
            place: Place::File,
            message: message.into(),
        }
    }

    fn at(line: usize, column: Option<&str>, message: impl Into<String>) -> MonitorIoError {
        MonitorIoError {
            place: Place::Line {
                line,
                column: column.map(str::to_string),
            },
            message: message.into(),
        }
    }
}

type Result<T, E = MonitorIoError> = std::result::Result<T, E>;

/// Text of a CSV file: UTF-8 (BOM dropped), else GB18030 as Chinese Excel saves it.
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// A finite number written plainly (`12.5`, `-3`, `1e3`); thousands separators, units and
/// words are refused rather than guessed.
pub fn parse_value(text: &str) -> Option<f64> {
    let t = text.trim();
    // As published: plain (`-0.93`, `1e3`), or as bureaus print it (`4,021.5`, full-width
    // digits) by the one number rule of the core.
    t.parse::<f64>()
        .ok()
        .or_else(|| duban_core::number::parse_number(t, None).ok().flatten())
        .filter(|v| v.is_finite())
}

/// A publication date: `2020-10-20`, `2020/10/20` or `2020年10月20日`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

const COLUMNS: [&str; 5] = ["region", "indicator", "period", "value", "published"];

/// The Chinese headers statistics bureaus use for [`COLUMNS`], in the same order.
const COLUMNS_ZH: [&[&str]; 5] = [
    &["地区", "地区代码", "行政区划代码"],
    &["指标", "指标名称"],
    &["时期", "统计期", "期别"],
    &["数值", "值"],
    &["发布日期", "公布日期"],
];

/// Read a series CSV: header `region,indicator,period,value` and optionally `published`, in
/// any order (other columns ignored); blank lines skipped. All or nothing.
pub fn read_series_csv(bytes: &[u8]) -> Result<Vec<Observation>> {
    if bytes.len() > MAX_BYTES {
        return Err(MonitorIoError::file(format!(
            "文件超过 {} MB",
            MAX_BYTES / 1024 / 1024
        )));
    }
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = loop {
        match records.next() {
            None => {
                return Err(MonitorIoError::file(
                    "文件为空：缺少表头 region,indicator,period,value",
                ));
            }
            Some(Err(e)) => return Err(csv_error(e)),
            Some(Ok(r)) if r.iter().all(|c| c.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
        }
    };
    // The csv crate does not count blank lines; count them from the byte offset.
    let line_of = |pos: Option<&csv::Position>| {
        pos.map_or(0, |p| {
            let mut b = (p.byte() as usize).min(text.len());
            // A record's position can point at the blank lines skipped before it.
            while matches!(text.as_bytes().get(b), Some(b'\n' | b'\r')) {
                b += 1;
            }
            text.as_bytes()[..b].iter().filter(|c| **c == b'\n').count() + 1
        })
    };
    let header_line = line_of(header.position());
    let mut col: [Option<usize>; 5] = [None; 5];
    for (j, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        let k = COLUMNS.iter().position(|c| *c == h).or_else(|| {
            COLUMNS_ZH
                .iter()
                .position(|names| names.contains(&h.as_str()))
        });
        if let Some(k) = k {
            if col[k].is_some() {
                return Err(MonitorIoError::at(
                    header_line,
                    Some(COLUMNS[k]),
                    "表头重复",
                ));
            }
            col[k] = Some(j);
        }
    }
    for k in 0..4 {
        if col[k].is_none() {
            return Err(MonitorIoError::at(
                header_line,
                None,
                format!(
                    "缺少 {} 列（表头应为 region,indicator,period,value[,published]，或 地区,指标,时期,数值[,发布日期]）",
                    COLUMNS[k]
                ),
            ));
        }
    }
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for rec in records {
        let rec = rec.map_err(csv_error)?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = line_of(rec.position());
        let cell = |k: usize| col[k].and_then(|j| rec.get(j)).unwrap_or("").trim();
        let need = |k: usize| {
            let v = cell(k);
            if v.is_empty() {
                Err(MonitorIoError::at(line, Some(COLUMNS[k]), "为空"))
            } else {
                Ok(v)
            }
        };
        let region = need(0)?.to_string();
        let indicator = need(1)?.to_string();
        let period = Period::parse(need(2)?)
            .map_err(|e| MonitorIoError::at(line, Some("period"), e.to_string()))?;
        let raw = need(3)?;
        let value = parse_value(raw)
            .ok_or_else(|| MonitorIoError::at(line, Some("value"), format!("“{raw}” 不是数字")))?;
        let published = match cell(4) {
            "" => None,
            t => Some(parse_date(t).ok_or_else(|| {
                MonitorIoError::at(
                    line,
                    Some("published"),
                    format!("“{t}” 不是日期（应为 2020-10-20）"),
                )
            })?),
        };
        out.push(Observation {
            region,
            indicator,
            period,
            value,
            published,
        });
        lines.push(line);
    }
    // Of rows of one vintage (same key and date) the last in the file is the value.
    let keep = duban_core::monitor::last_row_per_vintage(&out);
    if keep.len() < out.len() {
        out = keep.iter().map(|&i| out[i].clone()).collect();
        lines = keep.iter().map(|&i| lines[i]).collect();
    }
    // Mixed frequencies, named by line.
    Series::new(&out).map_err(|e| {
        let mut msg = e.to_string();
        if let duban_core::monitor::SeriesError::Conflict { other, .. } = &e {
            msg += &format!("（另见第 {} 行）", lines[*other]);
        }
        MonitorIoError::at(lines[e.index()], None, msg)
    })?;
    Ok(out)
}

fn csv_error(e: csv::Error) -> MonitorIoError {
    match e.position() {
        Some(p) => MonitorIoError::at(p.line() as usize, None, format!("CSV 格式错误：{e}")),
        None => MonitorIoError::file(format!("CSV 格式错误：{e}")),
    }
}

/// The parsed rules file.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesFile {
    pub indicators: Vec<Indicator>,
    pub rules: Vec<Rule>,
    /// Each rule's `description` for people (rule id → text), where one is given; the
    /// 约谈通知 names a rule by it.
    pub descriptions: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema: String,
    #[serde(default)]
    indicator: Vec<RawIndicator>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    name: String,
    frequency: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    source: String,
    direction: Option<String>,
    release_lag_days: Option<u32>,
    /// 占比 inputs.
    numerator: Option<String>,
    denominator: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    indicator: String,
    measure: Option<String>,
    below: Option<f64>,
    above: Option<f64>,
    consecutive_declines: Option<i64>,
    bottom: Option<i64>,
    min_peers: Option<i64>,
    target: Option<f64>,
    max_gap: Option<f64>,
    level: Option<String>,
    #[serde(default)]
    regions: BTreeMap<String, RawThreshold>,
    /// Free text for people (the 约谈通知 names the rule by it); not used by the check.
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    below: Option<f64>,
    above: Option<f64>,
}

/// Parse a `duban.monitor/1` rules file; errors are one line and name the rule or field.
/// A TOML error where offices read it: 第 N 行第 M 列 and the parser's own words (which name the
/// key or the expected form).
fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let detail = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("第 {line} 行第 {column} 列格式有误：{}", detail.trim())
        }
        None => format!("格式有误：{}", detail.trim()),
    }
}

pub fn parse_rules(text: &str) -> Result<RulesFile> {
    let raw: RawFile =
        toml::from_str(text).map_err(|e| MonitorIoError::file(toml_error(&e, text)))?;
    if raw.schema != RULES_SCHEMA {
        return Err(MonitorIoError::file(format!(
            "schema = \"{}\"：应为 \"{RULES_SCHEMA}\"",
            raw.schema
        )));
    }
    let mut indicators = Vec::new();
    for i in raw.indicator {
        let bad = |field: &str, v: &str, want: &str| {
            MonitorIoError::file(format!("指标“{}”的 {field} = \"{v}\"：应为 {want}", i.name))
        };
        let frequency = match &i.frequency {
            None => None,
            Some(f) => Some(
                Frequency::parse(f)
                    .ok_or_else(|| bad("frequency", f, "monthly | quarterly | yearly"))?,
            ),
        };
        let kind = match &i.kind {
            None => Kind::Period,
            Some(k) => Kind::parse(k).ok_or_else(|| bad("kind", k, "cumulative | period"))?,
        };
        let direction = match i.direction.as_deref() {
            None => duban_core::monitor::Direction::HigherBetter,
            Some(d) => duban_core::monitor::Direction::parse(d)
                .ok_or_else(|| bad("direction", d, "higher_better | lower_better"))?,
        };
        let formula = match (i.numerator.clone(), i.denominator.clone()) {
            (None, None) => None,
            (Some(numerator), Some(denominator)) => Some(duban_core::monitor::Formula::Share {
                numerator,
                denominator,
            }),
            _ => {
                return Err(MonitorIoError::file(format!(
                    "指标“{}”：numerator 与 denominator 须同时给出",
                    i.name
                )));
            }
        };
        indicators.push(Indicator {
            name: i.name.trim().to_string(),
            unit: i.unit,
            frequency,
            kind,
            direction,
            source: i.source,
            release_lag_days: i.release_lag_days,
            formula,
        });
    }
    let mut rules = Vec::new();
    let mut descriptions = BTreeMap::new();
    for r in raw.rule {
        let bad = |msg: String| MonitorIoError::file(format!("规则 {}：{msg}", r.id));
        let measure = match &r.measure {
            None => Measure::Value,
            Some(m) => Measure::parse(m).ok_or_else(|| {
                bad(format!(
                    "measure = \"{m}\"：应为 value | period_value | yoy | period_yoy"
                ))
            })?,
        };
        let level = match &r.level {
            None => Level::default(),
            Some(l) => Level::parse(l)
                .ok_or_else(|| bad(format!("level = \"{l}\"：应为 提示 | 预警 | 严重")))?,
        };
        let count = |field: &str, v: Option<i64>| -> Result<Option<u32>> {
            match v {
                None => Ok(None),
                Some(n) if (1..=1000).contains(&n) => Ok(Some(n as u32)),
                Some(n) => Err(bad(format!("{field} = {n}：应为 1 到 1000 的整数"))),
            }
        };
        let target_gap = match (r.target, r.max_gap) {
            (None, None) => None,
            (Some(target), gap) => Some(TargetGap {
                target,
                max_gap: gap.unwrap_or(0.0),
            }),
            (None, Some(_)) => return Err(bad("max_gap 需要 target".into())),
        };
        let mut rule = Rule::new(r.id.trim(), r.indicator.trim(), measure);
        rule.threshold = Threshold {
            below: r.below,
            above: r.above,
        };
        rule.region_thresholds = r
            .regions
            .iter()
            .map(|(k, t)| {
                (
                    k.trim().to_string(),
                    Threshold {
                        below: t.below,
                        above: t.above,
                    },
                )
            })
            .collect();
        rule.consecutive_declines = count("consecutive_declines", r.consecutive_declines)?;
        rule.bottom = count("bottom", r.bottom)?;
        rule.min_peers = count("min_peers", r.min_peers)?;
        if rule.min_peers.is_some() && rule.bottom.is_none() {
            return Err(bad("min_peers 只与 bottom 一起使用".into()));
        }
        rule.target_gap = target_gap;
        rule.level = level;
        if !r.description.trim().is_empty() {
            descriptions.insert(rule.id.clone(), r.description.trim().to_string());
        }
        rules.push(rule);
    }
    duban_core::monitor::validate(&indicators, &rules)
        .map_err(|e| MonitorIoError::file(e.to_string()))?;
    Ok(RulesFile {
        indicators,
        rules,
        descriptions,
    })
}

/// Observations as the series CSV (`region,indicator,period,value,published`; an empty
/// `published` = the day after the period).
pub fn write_series_csv(observations: &[Observation]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("in-memory write");
    for o in observations {
        let published = o.published.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([
            o.region.as_str(),
            o.indicator.as_str(),
            &o.period.to_string(),
            &o.value.to_string(),
            &published,
        ])
        .expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory write")).expect("UTF-8 in, UTF-8 out")
}

#[derive(serde::Serialize)]
struct AlertsDoc<'a> {
    schema: &'static str,
    as_of: String,
    alerts: &'a [Alert],
}

/// The `duban.alerts/1` document (pretty JSON, fields in the contract's order, newline at
/// the end).
pub fn alerts_json(as_of: NaiveDate, alerts: &[Alert]) -> String {
    let doc = AlertsDoc {
        schema: ALERTS_SCHEMA,
        as_of: as_of.format("%Y-%m-%d").to_string(),
        alerts,
    };
    serde_json::to_string_pretty(&doc).expect("alerts serialise") + "\n"
}

#[cfg(test)]
mod tests;
