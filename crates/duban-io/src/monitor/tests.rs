use super::wide::{GROWTH_SUFFIX, parse_period_label, read_wide, write_wide_csv, write_wide_xlsx};
use super::*;
use duban_core::monitor::check;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const RULES: &str = r#"
schema = "duban.monitor/1"

[[indicator]]
name = "服务业增加值"
frequency = "quarterly"
kind = "cumulative"          # cumulative | period

[[rule]]
id = "growth-low"
indicator = "服务业增加值"
measure = "yoy"              # value | period_value | yoy | period_yoy
below = 5.0                  # or: above = …
level = "预警"

[[rule]]
id = "three-declines"
indicator = "服务业增加值"
measure = "period_value"
consecutive_declines = 3

[[rule]]
id = "bottom-two"
indicator = "服务业增加值"
measure = "yoy"
bottom = 2                   # the K regions with the lowest measure at that period
level = "提示"
"#;

#[test]
fn the_issue_example_end_to_end() {
    // Hand-computed: yoy at 2020-Q3 (cumulative Q3 against 2019-Q3):
    //   杭州 420/400 → 5 % (not below 5), 宁波 309/300 → 3 %, 温州 206/200 → 3 %.
    // 杭州's revision to 412 is published 2020-11-05, after the as-of date.
    // 当期 (period_value) for 宁波: 2019-Q4 = 420−300 = 120, 2020-Q1 = 110, Q2 = 210−110 = 100,
    //   Q3 = 309−210 = 99 → three declines.
    let csv = "\u{feff}region,indicator,period,value,published
杭州,服务业增加值,2019-Q3,400,
杭州,服务业增加值,2020-Q3,420,2020-10-20
杭州,服务业增加值,2020-Q3,412,2020-11-05
宁波,服务业增加值,2019-Q3,300,
宁波,服务业增加值,2019-Q4,420,
宁波,服务业增加值,2020-Q1,110,
宁波,服务业增加值,2020-Q2,210,
宁波,服务业增加值,2020-Q3,309,2020-10-25

温州,服务业增加值,2019-Q3,200,
温州,服务业增加值,2020-Q3,206,2020-10-28
";
    let obs = read_series_csv(csv.as_bytes()).unwrap();
    assert_eq!(obs.len(), 10);
    let rules = parse_rules(RULES).unwrap();
    let series = Series::new(&obs).unwrap();
    let alerts = check(&rules.indicators, &series, &rules.rules, d("2020-10-31")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&alerts_json(d("2020-10-31"), &alerts)).unwrap();
    let got: Vec<(String, String, String, f64)> = json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["region"].as_str().unwrap().to_string(),
                a["level"].as_str().unwrap().to_string(),
                a["value"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("bottom-two", "宁波", "提示", 3.0),
        ("bottom-two", "温州", "提示", 3.0),
        ("growth-low", "宁波", "预警", 3.0),
        ("growth-low", "温州", "预警", 3.0),
        ("three-declines", "宁波", "预警", 99.0),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str()), (w.0, w.1, w.2));
        assert!((g.3 - w.3).abs() < 1e-9, "{g:?}");
    }
    assert_eq!(json["schema"], "duban.alerts/1");
    assert_eq!(json["as_of"], "2020-10-31");
    assert!(
        json["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["period"] == "2020-Q3" && a["indicator"] == "服务业增加值")
    );
    // Field order is the contract's.
    let text = alerts_json(d("2020-10-31"), &alerts[..1]);
    let order: Vec<usize> = [
        "\"rule\"",
        "\"region\"",
        "\"indicator\"",
        "\"period\"",
        "\"level\"",
        "\"value\"",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn series_csv_without_published_and_in_any_column_order() {
    let obs = read_series_csv(
        "value,period,indicator,region,source\n1.5,2020-03,x,a,统计局\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(obs[0].published, None);
    assert_eq!(obs[0].value, 1.5);
    assert_eq!(obs[0].period.to_string(), "2020-03");
    // GB18030 as Chinese Excel saves it.
    let (bytes, _, _) =
        encoding_rs::GB18030.encode("region,indicator,period,value\n杭州,增加值,2020,1\n");
    assert_eq!(read_series_csv(&bytes).unwrap()[0].region, "杭州");
}

#[test]
fn series_csv_with_the_bureaus_chinese_headers_and_grouped_digits() {
    let obs = read_series_csv(
        "地区,指标,时期,数值,发布日期\n330100,服务业增加值,2020-Q3,\"4,021.5\",2020-10-20\n330200,服务业增加值,2020-Q3,３１２.５,\n"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(obs[0].value, 4021.5);
    assert_eq!(
        obs[0].published.map(|d| d.to_string()).as_deref(),
        Some("2020-10-20")
    );
    assert_eq!(obs[1].value, 312.5);
    // "1,5" stays ambiguous here as everywhere.
    let e = read_series_csv("地区,指标,时期,数值\n330100,x,2020,\"1,5\"\n".as_bytes()).unwrap_err();
    assert!(e.to_string().contains("不是数字"), "{e}");
}

#[test]
fn series_csv_errors_name_line_and_column() {
    let cases = [
        ("region,indicator,period\n", "第1行：缺少 value 列"),
        (
            "region,indicator,period,value\na,x,2020-3,1\n",
            "第2行 period 列：“2020-3” 不是统计期",
        ),
        (
            "region,indicator,period,value\na,x,2020-03,1\n\na,x,2020-04,一\n",
            "第4行 value 列：“一” 不是数字",
        ),
        (
            "region,indicator,period,value,published\na,x,2020-03,1,2020-13-01\n",
            "第2行 published 列：“2020-13-01” 不是日期",
        ),
        (
            "region,indicator,period,value\n,x,2020-03,1\n",
            "第2行 region 列：为空",
        ),
        (
            "region,indicator,period,value\na,x,2020-03,1\na,x,2020-Q1,2\n",
            "第3行：指标“x”混用了月度和季度统计期",
        ),
        (
            "region,indicator,period,value\na,x,2020-03,inf\n",
            "第2行 value 列：“inf” 不是数字",
        ),
        ("", "文件为空"),
    ];
    for (csv, want) in cases {
        let e = read_series_csv(csv.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with(want), "{csv:?}: {e}");
    }
}

#[test]
fn a_later_line_of_the_same_vintage_is_the_value() {
    // Lines 2 and 4: 2020-03 published 2020-04-15 twice → line 4 (5) wins; line 3 has no
    // date (known from 2020-04-01) and stays a vintage of its own. The mixed-frequency line 5
    // is still named by its own line number after the superseded line 2 is dropped.
    let csv = "region,indicator,period,value,published
a,x,2020-03,1,2020-04-15
a,x,2020-03,3,
a,x,2020-03,5,2020-04-15
";
    let obs = read_series_csv(csv.as_bytes()).unwrap();
    let values: Vec<f64> = obs.iter().map(|o| o.value).collect();
    assert_eq!(values, [3.0, 5.0]);
    let series = Series::new(&obs).unwrap();
    let march = Period::parse("2020-03").unwrap();
    let known = |on: &str| series.as_of("a", "x", d(on)).get(march).unwrap().value;
    assert_eq!(known("2020-04-14"), 3.0);
    assert_eq!(known("2020-04-15"), 5.0);
    let e = read_series_csv(format!("{csv}a,x,2020-Q2,1,\n").as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("第5行："), "{e}");
}

#[test]
fn rules_errors_are_precise() {
    let cases = [
        (
            "schema = \"duban.monitor/2\"",
            "schema = \"duban.monitor/2\"",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\nfrequency = \"weekly\"",
            "指标“x”的 frequency",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nbelow = 1\nlevel = \"红色\"",
            "规则 r：level = \"红色\"",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nbelwo = 1",
            "第 7 行第 1 列格式有误：unknown field `belwo`",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"y\"\nbelow = 1",
            "规则 r 的指标“y”未在",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nbottom = 0",
            "规则 r：bottom = 0",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nbelow = 1\nmin_peers = 3",
            "规则 r：min_peers 只与 bottom 一起使用",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nmeasure = \"mom\"\nbelow = 1",
            "规则 r：measure = \"mom\"",
        ),
        (
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"",
            "规则 r 没有任何条件",
        ),
    ];
    for (text, want) in cases {
        let e = parse_rules(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
    let ok = parse_rules(
        "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nbelow = 5\ndescription = \" 低于 5 \"\n[rule.regions.\"杭州\"]\nbelow = 6.5\n[[rule]]\nid = \"s\"\nindicator = \"x\"\nabove = 9\n",
    )
    .unwrap();
    assert_eq!(ok.rules[0].region_thresholds["杭州"].below, Some(6.5));
    // The description is kept for people (trimmed); a rule without one has none.
    assert_eq!(ok.descriptions.get("r").map(String::as_str), Some("低于 5"));
    assert!(!ok.descriptions.contains_key("s"));
    assert_eq!(ok.rules[0].level, Level::Warning);
    assert_eq!(ok.indicators[0].kind, Kind::Period);
}

const BUREAU_TABLE: &str = "2020年各市服务业增加值（示例数据）,,,,
地　区,2020年1-3月累计值(亿元),2020年1-3月累计增速(%),2020年上半年累计值(亿元),2020年上半年累计增速(%)
杭　州,\"1,234.5\",-3.2,2600,0.5
宁波市,800,-5.1,…,-
,,,,
注：增速按可比价计算。,,,,
";

/// The bureau's table of 服务业增加值 read as published on 2020-07-20.
fn bureau_table() -> Vec<Observation> {
    read_wide(
        BUREAU_TABLE.as_bytes(),
        "服务业增加值",
        Frequency::Quarterly,
        Some(d("2020-07-20")),
    )
    .unwrap()
}

#[test]
fn a_bureau_table_reads_with_growth_columns() {
    let obs = bureau_table();
    let got: Vec<(String, String, String, f64)> = obs
        .iter()
        .map(|o| {
            (
                o.region.clone(),
                o.indicator.clone(),
                o.period.to_string(),
                o.value,
            )
        })
        .collect();
    let g = format!("服务业增加值{GROWTH_SUFFIX}");
    assert_eq!(
        got,
        [
            (
                "杭州".into(),
                "服务业增加值".into(),
                "2020-Q1".into(),
                1234.5
            ),
            ("杭州".into(), g.clone(), "2020-Q1".into(), -3.2),
            (
                "杭州".into(),
                "服务业增加值".into(),
                "2020-Q2".into(),
                2600.0
            ),
            ("杭州".into(), g.clone(), "2020-Q2".into(), 0.5),
            (
                "宁波市".into(),
                "服务业增加值".into(),
                "2020-Q1".into(),
                800.0
            ),
            ("宁波市".into(), g, "2020-Q1".into(), -5.1),
        ]
    );
    assert!(obs.iter().all(|o| o.published == Some(d("2020-07-20"))));
}

#[test]
fn a_deliberate_error_names_its_cell() {
    let bad = BUREAU_TABLE.replace("800,-5.1", "800,约-5");
    let e = read_wide(bad.as_bytes(), "服务业增加值", Frequency::Quarterly, None).unwrap_err();
    assert_eq!(e.place, Place::Cell("C4".into()));
    assert!(e.to_string().starts_with("单元格 C4：“约-5”"), "{e}");
    let bad = BUREAU_TABLE.replace("2020年上半年累计值", "2020年1-5月累计值");
    let e = read_wide(bad.as_bytes(), "服务业增加值", Frequency::Quarterly, None).unwrap_err();
    assert_eq!(e.place, Place::Cell("D2".into()));
    let bad = BUREAU_TABLE.replace("宁波市", "杭州");
    let e = read_wide(bad.as_bytes(), "服务业增加值", Frequency::Quarterly, None).unwrap_err();
    assert_eq!(e.to_string(), "单元格 A4：地区“杭州”与第 3 行重复");
    let e = read_wide("a,b\n1,2\n".as_bytes(), "x", Frequency::Yearly, None).unwrap_err();
    assert_eq!(e.place, Place::File);
}

#[test]
fn period_labels() {
    let q = Frequency::Quarterly;
    let m = Frequency::Monthly;
    let y = Frequency::Yearly;
    for (text, f, want) in [
        ("2020年1-9月", q, Some("2020-Q3")),
        ("2020年1—9月", m, Some("2020-09")),
        ("2020年1-2月", m, Some("2020-02")),
        ("2020年前三季度", m, Some("2020-09")),
        ("2020年一季度", q, Some("2020-Q1")),
        ("2020年", q, Some("2020-Q4")),
        ("2020年", y, Some("2020")),
        ("2020年1-6月", y, None),
        ("2020年1-5月", q, None),
        ("2020-Q3", q, Some("2020-Q3")),
        ("2020-Q3", m, None),
        ("2020年13月", m, None),
        ("去年", m, None),
    ] {
        assert_eq!(
            parse_period_label(text, f)
                .map(|p| p.to_string())
                .as_deref(),
            want,
            "{text}"
        );
    }
}

#[test]
fn wide_export_reads_back_in_both_formats() {
    let obs = bureau_table();
    let series = Series::new(&obs).unwrap();
    for bytes in [
        write_wide_csv(&series, "服务业增加值", d("2020-12-31")),
        write_wide_xlsx(&series, "服务业增加值", d("2020-12-31")).unwrap(),
    ] {
        let back = read_wide(
            &bytes,
            "服务业增加值",
            Frequency::Quarterly,
            Some(d("2020-07-20")),
        )
        .unwrap();
        assert_eq!(Series::new(&back).unwrap(), series);
    }
}

/// Issue 9 item 1, the monitor's 宽表 import: a 2 KB workbook with one cell at XFD1048576
/// once made calamine allocate a dense 512 GB range and abort the server.
#[test]
fn a_stray_far_cell_in_a_wide_workbook_is_refused_by_its_position() {
    for (row, col, message) in [
        (1_048_575, 16_383, "超过 10000 行"),
        (3, 16_383, "超过 1000 列"),
    ] {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "地区").unwrap();
        ws.write_string(0, 1, "2020年一季度").unwrap();
        ws.write_string(1, 0, "浙江省").unwrap();
        ws.write_number(1, 1, 1.5).unwrap();
        ws.write_string(row, col, "x").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert!(bytes.len() < 10_000);
        let started = std::time::Instant::now();
        let e = read_wide(&bytes, "服务业增加值", Frequency::Quarterly, None).unwrap_err();
        assert!(started.elapsed().as_secs_f64() < 2.0);
        assert!(e.to_string().contains(message), "{e}");
    }
    // One far cell on every row: refused by the cells the rows would span, not allocated.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..5_000 {
        ws.write_number(r, 999, 1.0).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let e = read_wide(&bytes, "服务业增加值", Frequency::Quarterly, None).unwrap_err();
    assert!(e.to_string().contains("表格过大"), "{e}");
}

proptest! {
    #[test]
    fn series_csv_round_trips(rows in proptest::collection::vec(
        ("[a-c杭宁]{1,3}", "[xy]", 2015i32..2025, 1u32..13, -1e9f64..1e9, proptest::option::of(0u32..400)), 0..30)) {
        let mut obs = Vec::new();
        for (region, ind, year, month, value, days) in rows {
            let period = Period::month(year, month).unwrap();
            let o = Observation {
                region, indicator: ind, period, value,
                published: days.map(|k| period.default_published() + chrono::Days::new(u64::from(k))),
            };
            // Keep the set consistent: one value per (key, date).
            if !obs.iter().any(|p: &Observation| p.region == o.region && p.indicator == o.indicator && p.period == o.period && p.known_from() == o.known_from()) {
                obs.push(o);
            }
        }
        let text = write_series_csv(&obs);
        let back = read_series_csv(text.as_bytes()).unwrap();
        prop_assert_eq!(back, obs);
    }

    #[test]
    fn readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_series_csv(&bytes);
        let _ = read_wide(&bytes, "x", Frequency::Monthly, None);
        if let Ok(t) = std::str::from_utf8(&bytes) {
            let _ = parse_rules(t);
        }
    }

    #[test]
    fn wide_round_trips(vals in proptest::collection::vec(proptest::option::of(-1e6f64..1e6), 12)) {
        let regions = ["杭州市", "宁波市", "温州市"];
        let mut obs = Vec::new();
        for (k, v) in vals.iter().enumerate() {
            if let Some(v) = v {
                obs.push(Observation {
                    region: regions[k % 3].into(),
                    indicator: "x".into(),
                    period: Period::quarter(2020, (k / 3) as u32 + 1).unwrap(),
                    value: *v,
                    published: None,
                });
            }
        }
        prop_assume!(!obs.is_empty());
        let s = Series::new(&obs).unwrap();
        let bytes = write_wide_csv(&s, "x", d("2030-01-01"));
        let back = read_wide(&bytes, "x", Frequency::Quarterly, None).unwrap();
        prop_assert_eq!(Series::new(&back).unwrap(), s);
    }
}
