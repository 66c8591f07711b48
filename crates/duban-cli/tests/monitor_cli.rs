//! `duban monitor check | import | export`, run as a user would.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::{exec as duban, write_file as write};

/// A file of `data/monitor`.
fn data(file: &str) -> String {
    common::data_file("monitor", file)
}

/// `duban monitor check --series SERIES --rules RULES --as-of AS_OF` and `extra` flags.
fn monitor_check(series: &str, rules: &str, as_of: &str, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec![
        "monitor", "check", "--series", series, "--rules", rules, "--as-of", as_of,
    ];
    args.extend(extra);
    duban(&args)
}

const RULES: &str = r#"
schema = "duban.monitor/1"

[[indicator]]
name = "服务业增加值"
frequency = "quarterly"
kind = "cumulative"

[[rule]]
id = "growth-low"
indicator = "服务业增加值"
measure = "yoy"
below = 5.0
level = "预警"

[[rule]]
id = "bottom-two"
indicator = "服务业增加值"
measure = "period_yoy"
bottom = 2
level = "提示"
"#;

#[test]
fn check_prints_the_contract_json() {
    let dir = tempfile::tempdir().unwrap();
    // Hand-computed, as of 2020-10-31:
    //   a: latest 2020-Q3; yoy 210/200 → 5 (not below 5); 当期 Q3 110/100 → 10.
    //   b: latest 2020-Q3 (its revision is later); yoy 206/200 → 3; 当期 106/100 → 6.
    //   c: 2020-Q3 not known (published 2020-11-02), so its latest is 2020-Q2: yoy 102/100 → 2,
    //      alone at 2020-Q2 for bottom; its 当期 Q2 needs Q1, which is missing → not computed.
    //   d: yoy 220/200 → 10; 当期 2020-Q3 = 220 − 100 = 120 against 2019-Q3 = 200 − 100 = 100 → 20.
    let series = "region,indicator,period,value,published
a,服务业增加值,2019-Q2,100,
a,服务业增加值,2019-Q3,200,
a,服务业增加值,2020-Q2,100,
a,服务业增加值,2020-Q3,210,
b,服务业增加值,2019-Q2,100,
b,服务业增加值,2019-Q3,200,
b,服务业增加值,2020-Q2,100,2020-07-20
b,服务业增加值,2020-Q3,206,2020-10-20
b,服务业增加值,2020-Q3,230,2020-11-20
c,服务业增加值,2019-Q2,100,
c,服务业增加值,2020-Q2,102,
c,服务业增加值,2020-Q3,150,2020-11-02
d,服务业增加值,2019-Q2,100,
d,服务业增加值,2019-Q3,200,
d,服务业增加值,2020-Q2,100,
d,服务业增加值,2020-Q3,220,
";
    let s = write(dir.path(), "s.csv", series);
    let r = write(dir.path(), "r.toml", RULES);
    let (ok, out, err) = monitor_check(&s, &r, "2020-10-31", &["--format", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "duban.alerts/1");
    assert_eq!(v["as_of"], "2020-10-31");
    let got: Vec<String> = v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {} {:.6}",
                a["rule"].as_str().unwrap(),
                a["region"].as_str().unwrap(),
                a["indicator"].as_str().unwrap(),
                a["period"].as_str().unwrap(),
                a["level"].as_str().unwrap(),
                a["value"].as_f64().unwrap()
            )
        })
        .collect();
    // bottom-two at 2020-Q3 among a (10), b (6), d (20): b and a.
    assert_eq!(
        got,
        [
            "bottom-two a 服务业增加值 2020-Q3 提示 10.000000",
            "bottom-two b 服务业增加值 2020-Q3 提示 6.000000",
            "growth-low b 服务业增加值 2020-Q3 预警 3.000000",
            "growth-low c 服务业增加值 2020-Q2 预警 2.000000",
        ]
    );
}

#[test]
fn bad_input_names_the_place_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = write(
        dir.path(),
        "s.csv",
        "region,indicator,period,value\na,服务业增加值,2020-Q3,1\na,服务业增加值,2020-Q5,2\n",
    );
    let r = write(dir.path(), "r.toml", RULES);
    let (ok, out, err) = monitor_check(&s, &r, "2020-10-31", &[]);
    assert!(!ok);
    assert!(out.is_empty());
    assert!(
        err.contains("s.csv") && err.contains("第3行 period 列"),
        "{err}"
    );
    let (ok, _, err) = monitor_check(&s, &r, "2020-13-01", &[]);
    assert!(!ok && err.contains("2020-13-01"), "{err}");
}

#[test]
fn seed_data_checks_and_round_trips_through_a_wide_table() {
    let dir = tempfile::tempdir().unwrap();
    let series = data("services-2019-2020-示例数据.csv");
    let (ok, out, err) = monitor_check(&series, &data("rules-seed.toml"), "2020-10-31", &[]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!v["alerts"].as_array().unwrap().is_empty());
    for ext in ["csv", "xlsx"] {
        let wide = dir.path().join(format!("wide.{ext}"));
        let wide = wide.to_str().unwrap();
        let (ok, _, err) = duban(&[
            "monitor",
            "export",
            "--series",
            &series,
            "--indicator",
            "服务业增加值",
            "--as-of",
            "2020-10-31",
            "--out",
            wide,
        ]);
        assert!(ok, "{err}");
        let (ok, csv, err) = duban(&[
            "monitor",
            "import",
            wide,
            "--indicator",
            "服务业增加值",
            "--frequency",
            "quarterly",
        ]);
        assert!(ok, "{err}");
        assert!(csv.starts_with("region,indicator,period,value,published\n"));
        // 11 cities × 7 quarters known on 2020-10-31 (the revision comes later).
        assert_eq!(csv.lines().count(), 1 + 77, "{csv}");
        assert!(csv.contains("330100,服务业增加值,2020-Q3,"));
    }
}
