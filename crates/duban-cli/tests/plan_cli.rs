//! `duban plan parse`: JSON and table output on the seed, one-line errors with a non-zero
//! exit on bad input.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn duban() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duban"))
}

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/seed/zhejiang-2020-services.txt")
}

#[test]
fn parse_seed_as_json() {
    let out = duban()
        .args(["plan", "parse"])
        .arg(seed())
        .output()
        .unwrap();
    common::succeeded(&out, "duban plan parse");
    let plan: duban_core::Plan = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan.schema, "duban.plan/1");
    assert_eq!(plan.title, "2020年浙江省服务业发展工作要点");
    assert_eq!(plan.pillars.len(), 4);
    assert_eq!(plan.tasks.len(), 30);
    plan.validate().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = &json["tasks"][11]["targets"][2];
    assert_eq!(target["comparator"], "reach");
    assert_eq!(target["unit"], "亿元");
    assert_eq!(target["normalized"], 8e10);
}

#[test]
fn parse_seed_as_table() {
    let out = duban()
        .args(["plan", "parse", "--format", "table"])
        .arg(seed())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("板块 4 个，任务 30 项"), "{text}");
    assert!(text.contains("【着力谋规划促改革】构建服务业发展新格局"));
    assert!(text.contains("技术合同成交总额 达到 800 亿元"));
}

#[test]
fn errors_are_one_line_with_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "empty"),
        ("binary.bin", &[0, 159, 146, 150, 0, 1, 2, 3], "binary"),
        (
            "note.txt",
            "只是一段说明文字，没有编号任务。".as_bytes(),
            "no numbered tasks",
        ),
        ("broken.docx", b"PK\x03\x04\x14\x00\x00\x00", "DOCX"),
    ];
    for (name, bytes, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = duban().args(["plan", "parse"]).arg(&path).output().unwrap();
        assert!(!out.status.success(), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{name}: {err}"
        );
    }
    let out = duban()
        .args(["plan", "parse"])
        .arg(dir.path().join("missing.txt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr)
            .unwrap()
            .trim_end()
            .lines()
            .count(),
        1
    );
}
