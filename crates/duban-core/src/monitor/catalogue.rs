//! Indicator catalogue and the region hierarchy.

use serde::{Deserialize, Serialize};

use super::period::Frequency;

/// 累计 (cumulative within the year, as statistics bureaus publish) or 当期.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Cumulative,
    #[default]
    Period,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cumulative => "cumulative",
            Kind::Period => "period",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Cumulative, Kind::Period]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Cumulative => "累计",
            Kind::Period => "当期",
        }
    }
}

/// Which way is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    HigherBetter,
    LowerBetter,
}

/// How a derived indicator is computed from others (same region, same period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Formula {
    /// 占比 = numerator / denominator × 100.
    Share {
        numerator: String,
        denominator: String,
    },
}

/// One indicator of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub name: String,
    #[serde(default)]
    pub unit: String,
    /// `None`: taken from the periods of the series.
    #[serde(default)]
    pub frequency: Option<Frequency>,
    #[serde(default)]
    pub kind: Kind,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub source: String,
    /// Days after the period ends that the figure is usually published.
    #[serde(default)]
    pub release_lag_days: Option<u32>,
    #[serde(default)]
    pub formula: Option<Formula>,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherBetter => "higher_better",
            Direction::LowerBetter => "lower_better",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::HigherBetter, Direction::LowerBetter]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<RegionLevel> {
        [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

impl Indicator {
    pub fn new(name: &str, frequency: Option<Frequency>, kind: Kind) -> Indicator {
        Indicator {
            name: name.to_string(),
            unit: String::new(),
            frequency,
            kind,
            direction: Direction::HigherBetter,
            source: String::new(),
            release_lag_days: None,
            formula: None,
        }
    }
}

/// The indicators built in for the seed plan (浙江省 2020 服务业): the quarterly figures
/// behind item 28 (服务业运行监测预警) and the headline goals' shares. A catalogue entry
/// without a frequency takes it from its data.
pub fn builtin_indicators() -> Vec<Indicator> {
    let stats = "统计局 地区生产总值核算";
    let mut out = Vec::new();
    for (name, frequency, kind) in [
        ("服务业增加值", Some(Frequency::Quarterly), Kind::Cumulative),
        ("地区生产总值", None, Kind::Cumulative),
        ("第三产业增加值", None, Kind::Cumulative),
        ("生产性服务业增加值", None, Kind::Cumulative),
    ] {
        let mut i = Indicator::new(name, frequency, kind);
        i.unit = "亿元".into();
        i.source = stats.into();
        i.release_lag_days = Some(25);
        out.push(i);
    }
    for (name, numerator, denominator) in [
        ("服务业增加值占GDP比重", "第三产业增加值", "地区生产总值"),
        (
            "生产性服务业增加值占服务业增加值比重",
            "生产性服务业增加值",
            "第三产业增加值",
        ),
    ] {
        let mut i = Indicator::new(name, None, Kind::Period);
        i.unit = "%".into();
        i.source = stats.into();
        i.formula = Some(Formula::Share {
            numerator: numerator.into(),
            denominator: denominator.into(),
        });
        out.push(i);
    }
    out
}

/// Administrative level (GB/T 2260).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省
    Province,
    /// 设区市
    City,
    /// 县（市、区）
    County,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// GB/T 2260 code, e.g. `330100`.
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<String>,
}

/// Zhejiang and its eleven 设区市 (GB/T 2260).
pub const ZHEJIANG: [(&str, &str); 12] = [
    ("330000", "浙江省"),
    ("330100", "杭州市"),
    ("330200", "宁波市"),
    ("330300", "温州市"),
    ("330400", "嘉兴市"),
    ("330500", "湖州市"),
    ("330600", "绍兴市"),
    ("330700", "金华市"),
    ("330800", "衢州市"),
    ("330900", "舟山市"),
    ("331000", "台州市"),
    ("331100", "丽水市"),
];

/// A region hierarchy: province → 设区市 → 县（市、区）.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regions {
    regions: Vec<Region>,
}

/// Adding a region that does not fit the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("地区代码 {0} 重复")]
    Duplicate(String),
    #[error("地区 {code} 的上级 {parent} 不存在")]
    UnknownParent { code: String, parent: String },
    #[error("地区 {code} 的层级与上级 {parent} 不符")]
    WrongLevel { code: String, parent: String },
    #[error("地区代码 {0} 不是 6 位数字")]
    BadCode(String),
}

impl Regions {
    /// The seed's province and its eleven cities.
    pub fn zhejiang() -> Regions {
        let mut r = Regions::default();
        for (code, name) in ZHEJIANG {
            let (level, parent) = if code == "330000" {
                (RegionLevel::Province, None)
            } else {
                (RegionLevel::City, Some("330000"))
            };
            r.add(code, name, level, parent)
                .expect("built-in regions are valid");
        }
        r
    }

    /// Add a region under an existing parent one level up (a province has none).
    pub fn add(
        &mut self,
        code: &str,
        name: &str,
        level: RegionLevel,
        parent: Option<&str>,
    ) -> Result<(), RegionError> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::BadCode(code.to_string()));
        }
        if self.get(code).is_some() {
            return Err(RegionError::Duplicate(code.to_string()));
        }
        let want = match level {
            RegionLevel::Province => None,
            RegionLevel::City => Some(RegionLevel::Province),
            RegionLevel::County => Some(RegionLevel::City),
        };
        match (parent, want) {
            (None, None) => {}
            (Some(p), Some(w)) => {
                let par = self.get(p).ok_or_else(|| RegionError::UnknownParent {
                    code: code.to_string(),
                    parent: p.to_string(),
                })?;
                if par.level != w {
                    return Err(RegionError::WrongLevel {
                        code: code.to_string(),
                        parent: p.to_string(),
                    });
                }
            }
            _ => {
                return Err(RegionError::WrongLevel {
                    code: code.to_string(),
                    parent: parent.unwrap_or("-").to_string(),
                });
            }
        }
        self.regions.push(Region {
            code: code.to_string(),
            name: name.to_string(),
            level,
            parent: parent.map(str::to_string),
        });
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// By code or by name (杭州市 or 杭州).
    pub fn find(&self, code_or_name: &str) -> Option<&Region> {
        let t = code_or_name.trim();
        self.get(t).or_else(|| {
            self.regions.iter().find(|r| {
                r.name == t || (r.name.chars().count() > 2 && r.name.strip_suffix('市') == Some(t))
            })
        })
    }

    pub fn children(&self, code: &str) -> impl Iterator<Item = &Region> {
        self.regions
            .iter()
            .filter(move |r| r.parent.as_deref() == Some(code))
    }

    pub fn all(&self) -> &[Region] {
        &self.regions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zhejiang_has_eleven_cities() {
        let r = Regions::zhejiang();
        assert_eq!(r.children("330000").count(), 11);
        assert_eq!(r.find("杭州").unwrap().code, "330100");
        assert_eq!(r.find("331100").unwrap().name, "丽水市");
        assert!(r.find("浙江").is_none() || r.find("浙江").unwrap().code == "330000");
    }

    #[test]
    fn builtin_shares_name_builtin_inputs() {
        let all = builtin_indicators();
        for i in &all {
            if let Some(Formula::Share {
                numerator,
                denominator,
            }) = &i.formula
            {
                assert!(all.iter().any(|j| &j.name == numerator), "{numerator}");
                assert!(all.iter().any(|j| &j.name == denominator), "{denominator}");
            }
        }
        assert_eq!(
            Direction::parse("lower_better"),
            Some(Direction::LowerBetter)
        );
        assert_eq!(
            RegionLevel::parse(RegionLevel::City.as_str()),
            Some(RegionLevel::City)
        );
    }

    #[test]
    fn hierarchy_is_checked() {
        let mut r = Regions::zhejiang();
        r.add("330106", "西湖区", RegionLevel::County, Some("330100"))
            .unwrap();
        assert_eq!(
            r.add("330106", "x", RegionLevel::County, Some("330100")),
            Err(RegionError::Duplicate("330106".into()))
        );
        assert!(matches!(
            r.add("330199", "x", RegionLevel::County, Some("330000")),
            Err(RegionError::WrongLevel { .. })
        ));
        assert!(matches!(
            r.add("330198", "x", RegionLevel::County, Some("339900")),
            Err(RegionError::UnknownParent { .. })
        ));
        assert!(matches!(
            r.add("3301", "x", RegionLevel::County, Some("330100")),
            Err(RegionError::BadCode(_))
        ));
    }
}
