//! `duban eval run | verify` with a 亩均效益 spec (`normalise = "benchmark"`), as a user runs it.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::{exec as duban, write_file as write};

/// A file of `data/demo/muni`.
fn demo(file: &str) -> String {
    common::data_file("demo/muni", file)
}

const SPEC: &str = r#"
schema = "duban.eval/1"
id = "firm_id"
class = "county"
[[exclude]]
column = "land_mu"
below = 3
reason = "用地面积不足3亩"
[[exclude]]
column = "industry"
in = ["金融业"]
reason = "不参评行业"
[[indicator]]
name = "亩均税收"
formula = "tax / land_mu"
direction = "benefit"
weight = 30
[[indicator]]
name = "亩均能耗"
formula = "energy / land_mu"
direction = "cost"
weight = 20
[method]
normalise = "benchmark"
aggregate = "sum"
weights = "expert"
[method.benchmark]
basis = "mean"
cap = 3.0
missing = "zero"
[grades]
A = 25
B = 45
C = 25
D = 5
"#;

// 甲: a 亩均税收 10, 亩均能耗 1; b 5, 2; c 0, 0 (cost x ≤ 0 → cap 3); d excluded (land).
// Benchmarks over a, b, c: 税收 5, 能耗 1. a: 30·2 + 20·1 = 80; b: 30·1 + 20·0.5 = 40;
// c: 0 + 20·3 = 60. Ranks a 1, c 2, b 3; n = 3: A, B, B. 乙: e alone at its benchmarks: 50,
// f 金融业 excluded.
const DATA: &str = "firm_id,county,industry,land_mu,tax,energy\n\
a,甲,制造业,10,100,10\n\
b,甲,制造业,4,20,8\n\
c,甲,制造业,5,0,0\n\
d,甲,制造业,2,100,1\n\
e,乙,制造业,8,16,4\n\
f,乙,金融业,8,16,4\n";

#[test]
fn hand_computed_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "spec.toml", SPEC);
    let data = write(dir.path(), "firms.csv", DATA);
    let (ok, out, err) = duban(&[
        "eval", "run", "--data", &data, "--spec", &spec, "--format", "csv",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "id,class,score,rank,grade,excluded\n\
         a,甲,80,1,A,\n\
         b,甲,40,3,B,\n\
         c,甲,60,2,B,\n\
         d,甲,,,,用地面积不足3亩\n\
         e,乙,50,1,A,\n\
         f,乙,,,,不参评行业\n"
    );
    let (ok, out, err) = duban(&[
        "eval", "run", "--data", &data, "--spec", &spec, "--format", "json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "duban.eval.firms/1");
    assert_eq!(v["firms"].as_array().unwrap().len(), 6);
    assert_eq!(v["firms"][2]["score"], 60.0);
    assert_eq!(v["classes"][0]["benchmarks"]["亩均税收"], 5.0);
}

/// The same firms in an Excel workbook give the same result: the file is read by its
/// extension (.xlsx, .parquet, .arrow; anything else as CSV).
#[test]
fn an_xlsx_firm_file_reads_like_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "spec.toml", SPEC);
    let csv = write(dir.path(), "firms.csv", DATA);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in DATA.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            match cell.parse::<f64>() {
                Ok(x) if r > 0 => ws.write_number(r as u32, c as u16, x),
                _ => ws.write_string(r as u32, c as u16, cell),
            }
            .unwrap();
        }
    }
    let xlsx = dir.path().join("firms.xlsx");
    wb.save(&xlsx).unwrap();
    let run = |data: &str| {
        let (ok, out, err) = duban(&[
            "eval", "run", "--data", data, "--spec", &spec, "--format", "csv",
        ]);
        assert!(ok, "{data}: {err}");
        out
    };
    assert_eq!(run(xlsx.to_str().unwrap()), run(&csv));
}

#[test]
fn errors_name_formula_position_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "firms.csv", DATA);
    let bad = write(
        dir.path(),
        "bad.toml",
        &SPEC.replace("tax / land_mu", "tax / * land_mu"),
    );
    let (ok, _, err) = duban(&["eval", "run", "--data", &data, "--spec", &bad]);
    assert!(!ok);
    assert!(
        err.contains("亩均税收") && err.contains("character 7"),
        "{err}"
    );
    let spec = write(dir.path(), "spec.toml", SPEC);
    let bad_data = write(dir.path(), "bad.csv", &DATA.replace("5,0,0", "5,零,0"));
    let (ok, _, err) = duban(&["eval", "run", "--data", &bad_data, "--spec", &spec]);
    assert!(!ok);
    assert!(
        err.contains("row 4, column E ('tax'): '零' is not a number"),
        "{err}"
    );
    let dup = write(dir.path(), "dup.csv", &DATA.replace("\nb,", "\na,"));
    let (ok, _, err) = duban(&["eval", "run", "--data", &dup, "--spec", &spec]);
    assert!(!ok);
    assert!(
        err.contains("row 3: id 'a'") && err.contains("row 2"),
        "{err}"
    );
}

#[test]
fn demo_runs_and_its_snapshot_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let snap_s = snap.to_string_lossy().to_string();
    let (ok, out, err) = duban(&[
        "eval",
        "run",
        "--data",
        &demo("firms.csv"),
        "--spec",
        &demo("spec.toml"),
        "--format",
        "csv",
        "--snapshot",
        &snap_s,
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,class,score,rank,grade,excluded,adjust,leader");
    assert_eq!(lines.len(), 1201);
    for reason in ["规下企业另行评价", "不参评行业"] {
        assert!(out.contains(reason), "{reason}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(",A,,,1") || l.contains(",A,,高新技术企业 +3,1"))
    );
    let (ok, msg, err) = duban(&["eval", "verify", &snap_s]);
    assert!(ok, "{err}");
    assert!(msg.starts_with("ok: 1200 firms"), "{msg}");
    let text = std::fs::read_to_string(&snap).unwrap();
    let tampered = text.replacen("\"grade\": \"A\"", "\"grade\": \"B\"", 1);
    std::fs::write(&snap, tampered).unwrap();
    let (ok, _, err) = duban(&["eval", "verify", &snap_s]);
    assert!(!ok);
    assert!(err.contains("differs at result.firms["), "{err}");
    let (ok, out, err) = duban(&[
        "eval",
        "run",
        "--data",
        &demo("firms.csv"),
        "--spec",
        &demo("spec_guixia.toml"),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("evaluated"), "{out}");
}

/// `--output` writes the result to the file (it went to standard output before), in the format
/// its extension names; Parquet and Arrow files are written whole (magic bytes at both ends).
#[test]
fn output_file_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "spec.toml", SPEC);
    let data = write(dir.path(), "firms.csv", DATA);
    let run = |more: &[&str]| common::eval_run(&data, &spec, more);
    let csv = dir.path().join("r.csv");
    let (ok, out, err) = run(&["-o", csv.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out, "");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("id,class,score,rank,grade,excluded\na,甲,80,1,A,\n"),
        "{text}"
    );
    common::check_binary_outputs(dir.path(), &[], run);
    let (ok, _, err) = run(&["--format", "parquet"]);
    assert!(!ok && err.contains("--output"), "{err}");
    let (ok, _, err) = run(&["--format", "csv", "--columns", "id"]);
    assert!(!ok && err.contains("--columns"), "{err}");
}
