//! The parser against hand-annotated documents in data/fixtures/plans: structure (title,
//! pillars, tasks, lead units) must match exactly; targets are scored for recall (share of
//! annotated targets found with the right value, unit and comparator) and false
//! extractions (share of extracted targets that match no annotation).

// Each test target reads its own part of the shared annotations.
#[allow(dead_code)]
mod common;

use common::{Expected, describe, expected_pillars, found_targets, match_targets, plan_pillars};
use duban_core::{Comparator, Plan};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/plans")
}

fn load(name: &str) -> (Expected, Plan) {
    let dir = fixtures_dir();
    let expected: Expected =
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    let doc = dir.join(&expected.document);
    let bytes = std::fs::read(&doc).unwrap();
    let plan = duban_doc::parse_document(&bytes, &expected.document)
        .unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
    (expected, plan)
}

fn check_structure(name: &str, exp: &Expected, plan: &Plan) {
    assert_eq!(plan.title, exp.title, "{name}: title");
    assert_eq!(plan.issuer, exp.issuer, "{name}: issuer");
    assert_eq!(plan.year, exp.year, "{name}: year");
    let pillars = plan_pillars(plan);
    let want = expected_pillars(exp);
    assert_eq!(pillars, want, "{name}: pillars");
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    let want_numbers: Vec<u32> = exp.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, want_numbers, "{name}: task numbers");
    for (task, want) in plan.tasks.iter().zip(&exp.tasks) {
        let n = task.number;
        assert_eq!(task.title, want.title, "{name}: title of task {n}");
        if let Some(label) = &want.label {
            assert_eq!(&task.label, label, "{name}: label of task {n}");
        }
        if let Some(lead) = &want.lead_units {
            assert_eq!(&task.lead_units, lead, "{name}: lead units of task {n}");
        }
        if let Some(co) = &want.co_units {
            assert_eq!(&task.co_units, co, "{name}: co-operating units of task {n}");
        }
        if let Some(sep) = want.leads_separately {
            assert_eq!(task.leads_separately, sep, "{name}: 分别牵头 of task {n}");
        }
        assert!(
            !task.text.is_empty() || task.targets.is_empty(),
            "{name}: text of {n}"
        );
    }
    plan.validate()
        .unwrap_or_else(|e| panic!("{name}: invalid plan: {e}"));
}

/// (annotated, found, matched)
fn score(name: &str, exp: &Expected, plan: &Plan) -> (usize, usize, usize) {
    for want in &exp.targets {
        assert!(
            plan.text.contains(&want.phrase),
            "{name}: annotated phrase {:?} is not in the text",
            want.phrase
        );
        assert!(
            Comparator::parse(&want.comparator).is_some(),
            "{name}: {want:?}"
        );
    }
    let found = found_targets(plan);
    let (used, matched) = match_targets(name, &exp.targets, &found);
    for (i, (task, t)) in found.iter().enumerate() {
        if !used[i] {
            eprintln!(
                "{name}: false or wrong extraction in task {task:?}: {}",
                describe(t)
            );
        }
        assert_eq!(
            t.span.slice(&plan.text),
            Some(t.phrase.as_str()),
            "{name}: span"
        );
    }
    (exp.targets.len(), found.len(), matched)
}

const FIXTURES: &[&str] = &[
    "zhejiang-2020-services.expected.json",
    "digital-economy-2021.expected.json",
    "business-environment-2021.expected.json",
    "culture-tourism-2020-table.expected.json",
    "health-2021-portal.expected.json",
    "eldercare-2020-traditional.big5.expected.json",
    "district-livelihood-2022.expected.json",
    "county-report-duties-2023.expected.json",
];

fn run(name: &str) -> (usize, usize, usize) {
    let (exp, plan) = load(name);
    check_structure(name, &exp, &plan);
    let (annotated, found, matched) = score(name, &exp, &plan);
    let recall = matched as f64 / annotated.max(1) as f64;
    let false_rate = (found - matched) as f64 / found.max(1) as f64;
    println!(
        "{name}: recall {matched}/{annotated} = {:.1}%, false extractions {}/{found} = {:.1}%",
        recall * 100.0,
        found - matched,
        false_rate * 100.0
    );
    assert!(recall >= 0.95, "{name}: recall {recall:.3} < 0.95");
    assert!(
        false_rate <= 0.05,
        "{name}: false extractions {false_rate:.3} > 0.05"
    );
    (annotated, found, matched)
}

#[test]
fn seed_structure_and_targets() {
    let (exp, plan) = load(FIXTURES[0]);
    assert_eq!(plan.pillars.len(), 4);
    assert_eq!(plan.tasks.len(), 30);
    assert_eq!(exp.targets.len(), 33);
    run(FIXTURES[0]);
}

/// One test per fixture that needs nothing beyond [`run`], named for what it exercises.
macro_rules! fixture_tests {
    ($($(#[$doc:meta])* $name:ident => $index:literal,)+) => {
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                run(FIXTURES[$index]);
            }
        )+
    };
}

fixture_tests! {
    numbered_pillars_with_lead_unit_lines => 1,
    responsible_unit_lists_and_separate_leads => 2,
    task_table_flattened_to_lines => 3,
    traditional_chinese_in_big5 => 5,
    /// Written and annotated after the rules above were in place, as a hold-out: before the
    /// fixes it prompted (【牵头单位】 brackets, 3岁以下 as a description, 微克/立方米) it
    /// scored recall 17/18 and 1 false extraction in 19, with no lead unit found.
    hold_out_district_list => 6,
    /// A second hold-out, annotated before the parser first ran on it: targets were 16/16
    /// with none false on the first run; the 《》-less 关于印发…的通知 title and issuer were not.
    hold_out_county_duties => 7,
}

#[test]
fn portal_html_page_in_gbk_with_chrome() {
    let (_, plan) = load(FIXTURES[4]);
    for chrome in [
        "加入收藏",
        "当前位置",
        "浏览次数",
        "打印本页",
        "版权所有",
        "_hmt",
        "text-indent",
    ] {
        assert!(
            !plan.text.contains(chrome),
            "chrome left in the text: {chrome}"
        );
    }
    run(FIXTURES[4]);
}

#[test]
fn all_fixtures_together() {
    let (mut a, mut f, mut m) = (0, 0, 0);
    for name in FIXTURES {
        let (x, y, z) = run(name);
        a += x;
        f += y;
        m += z;
    }
    println!(
        "all fixtures: recall {m}/{a} = {:.1}%, false extractions {}/{f} = {:.1}%",
        m as f64 * 100.0 / a as f64,
        f - m,
        (f - m) as f64 * 100.0 / f as f64
    );
}
