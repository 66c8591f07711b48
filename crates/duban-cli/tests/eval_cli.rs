//! `duban eval run | verify`, run as a user would.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::{exec as duban, write_file as write};

/// A file of `data/demo/eval`.
fn demo(file: &str) -> String {
    common::data_file("demo/eval", file)
}

/// `duban eval run` on the demo data and method, followed by `more`.
fn run_demo(more: &[&str]) -> (bool, String, String) {
    common::eval_run(&demo("zhejiang-cities-demo.csv"), &demo("spec.toml"), more)
}

const SPEC: &str = r#"
id = "城市"
class = "类别"
[[indicator]]
name = "a"
weight = 0.5
[[indicator]]
name = "b"
direction = "cost"
weight = 0.5
[method]
weights = "expert"
"#;

#[test]
fn demo_runs_in_every_format() {
    let (ok, out, err) = run_demo(&["--format", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "duban.eval.result/1");
    assert_eq!(v["units"].as_array().unwrap().len(), 11);
    let w: f64 = v["weights"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((w - 1.0).abs() < 1e-12);
    assert!((v["weights"]["重点工作完成率(%)"].as_f64().unwrap() - 0.09).abs() < 1e-15);
    assert_eq!(v["units"][0]["rank"], 1.0);
    let u = &v["uncertainty"][0];
    for k in [
        "id",
        "rank_nominal",
        "rank_median",
        "rank_p5",
        "rank_p95",
        "rank_min",
        "rank_max",
        "share_first",
    ] {
        assert!(!u[k].is_null(), "{k}");
    }
    assert!(v["method_hash"].as_str().unwrap().starts_with("sha256:"));
    assert!(v["data_hash"].as_str().unwrap().starts_with("sha256:"));
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "available_case" && d["subject"] == "舟山")
    );
    // efficacy scores live in [60, 100]
    for u in v["units"].as_array().unwrap() {
        let s = u["score"].as_f64().unwrap();
        assert!((60.0..=100.0).contains(&s), "{s}");
    }
    let (ok, csv, _) = run_demo(&["--format", "csv"]);
    assert!(ok);
    assert!(csv.starts_with("id,rank,score,"));
    assert_eq!(csv.lines().count(), 12);
    let (ok, table, _) = run_demo(&[]);
    assert!(ok && table.contains("杭州") && table.contains("sensitivity"));
}

#[test]
fn snapshot_verifies_and_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let snap_s = snap.to_string_lossy().to_string();
    let (ok, _, err) = run_demo(&["--format", "json", "--snapshot", &snap_s]);
    assert!(ok, "{err}");
    let (ok, out, err) = duban(&["eval", "verify", &snap_s]);
    assert!(ok, "{err}");
    assert!(out.starts_with("ok: 11 units"), "{out}");

    let text = std::fs::read_to_string(&snap).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = v["result"]["units"][2]["score"].as_f64().unwrap();
    v["result"]["units"][2]["score"] = serde_json::json!(f64::from_bits(s.to_bits() + 1));
    std::fs::write(&snap, serde_json::to_string(&v).unwrap()).unwrap();
    let (ok, _, err) = duban(&["eval", "verify", &snap_s]);
    assert!(!ok);
    assert!(err.contains("result.units[2].score"), "{err}");

    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["data"]["values"][0][0] = serde_json::json!(13001.0);
    std::fs::write(&snap, serde_json::to_string(&v).unwrap()).unwrap();
    let (ok, _, err) = duban(&["eval", "verify", &snap_s]);
    assert!(!ok && err.contains("data_hash"), "{err}");
}

#[test]
fn bad_data_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "s.toml", SPEC);
    let cases = [
        (
            "城市,类别,a,b\n甲,Ⅰ,1,2\n乙,Ⅰ,x1,3\n",
            "row 3, column C ('a'): 'x1' is not a number",
        ),
        (
            "城市,类别,a,b\n甲,Ⅰ,1,2\n甲,Ⅰ,2,3\n",
            "row 3, column A ('城市'): duplicate id '甲' (first at row 2)",
        ),
        ("城市,类别,a,c\n甲,Ⅰ,1,2\n", "row 1: no column named 'b'"),
    ];
    for (csv, want) in cases {
        let data = write(dir.path(), "d.csv", csv);
        let (ok, _, err) = duban(&["eval", "run", "--data", &data, "--spec", &spec]);
        assert!(!ok);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
    let bad = write(
        dir.path(),
        "bad.toml",
        &SPEC.replace("weight = 0.5\n[method]", "weight = 0.4\n[method]"),
    );
    let data = write(dir.path(), "d.csv", "城市,类别,a,b\n甲,Ⅰ,1,2\n乙,Ⅰ,2,3\n");
    let (ok, _, err) = duban(&["eval", "run", "--data", &data, "--spec", &bad]);
    assert!(!ok && err.contains("sum to 0.9"), "{err}");
    let (ok, _, err) = duban(&[
        "eval",
        "run",
        "--data",
        &data,
        "--spec",
        &write(dir.path(), "t.toml", "id = 1"),
    ]);
    assert!(!ok && err.contains("t.toml"), "{err}");
}

#[test]
fn xlsx_with_classes_and_previous() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows: [(&str, &str, f64, f64); 5] = [
        ("甲", "Ⅰ类", 9.0, 1.0),
        ("乙", "Ⅰ类", 5.0, 5.0),
        ("丙", "Ⅱ类", 7.0, 2.0),
        ("丁", "Ⅱ类", 1.0, 9.0),
        ("戊", "Ⅰ类", 3.0, 3.0),
    ];
    for (c, h) in ["城市", "类别", "a", "b"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, cl, a, b)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *cl).unwrap();
        ws.write_number(r, 2, *a).unwrap();
        ws.write_number(r, 3, *b).unwrap();
    }
    let xlsx = dir.path().join("d.xlsx");
    wb.save(&xlsx).unwrap();
    let spec = write(dir.path(), "s.toml", SPEC);
    let prev = write(
        dir.path(),
        "prev.json",
        r#"{"units": [{"id": "甲", "rank": 3}]}"#,
    );
    let (ok, out, err) = duban(&[
        "eval",
        "run",
        "--data",
        &xlsx.to_string_lossy(),
        "--spec",
        &spec,
        "--format",
        "json",
        "--previous",
        &prev,
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &v["units"][0];
    assert_eq!(
        (
            first["id"].as_str(),
            first["mark"].as_str(),
            first["rank_change"].as_f64()
        ),
        (Some("甲"), Some("★"), Some(2.0))
    );
    let marks: Vec<(String, String)> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| {
            Some((
                u["id"].as_str()?.to_string(),
                u["mark"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert!(
        marks.contains(&("丁".into(), "▲".into())) && marks.contains(&("戊".into(), "▲".into())),
        "{marks:?}"
    );
    // The same data as CSV hashes the same.
    let csv = write(
        dir.path(),
        "d.csv",
        "城市,类别,a,b\n甲,Ⅰ类,9,1\n乙,Ⅰ类,5,5\n丙,Ⅱ类,7,2\n丁,Ⅱ类,1,9\n戊,Ⅰ类,3,3\n",
    );
    let (_, out2, _) = duban(&[
        "eval", "run", "--data", &csv, "--spec", &spec, "--format", "json",
    ]);
    let v2: serde_json::Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(v["data_hash"], v2["data_hash"]);
}

/// `--columns` picks and orders the CSV's columns; Parquet and Arrow take the same list; a
/// wrong name is refused naming the columns there are.
#[test]
fn columns_and_binary_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, full, err) = run_demo(&["--format", "csv"]);
    assert!(ok, "{err}");
    let (ok, picked, err) = run_demo(&["--format", "csv", "--columns", "id,score,rank"]);
    assert!(ok, "{err}");
    let mut lines = picked.lines();
    assert_eq!(lines.next(), Some("id,score,rank"));
    for (line, whole) in lines.zip(full.lines().skip(1)) {
        let cells: Vec<&str> = whole.split(',').collect();
        assert_eq!(line, format!("{},{},{}", cells[0], cells[2], cells[1]));
    }
    assert_eq!(picked.lines().count(), 12);
    let (ok, _, err) = run_demo(&["--format", "csv", "--columns", "id,分数"]);
    assert!(
        !ok && err.contains("“分数” is not a column") && err.contains("rank_change"),
        "{err}"
    );
    let (ok, _, err) = run_demo(&["--format", "json", "--columns", "id"]);
    assert!(!ok && err.contains("--columns"), "{err}");
    common::check_binary_outputs(dir.path(), &["--columns", "id,rank,score"], run_demo);
    let (ok, _, err) = run_demo(&["--format", "arrow"]);
    assert!(!ok && err.contains("--output"), "{err}");
}
