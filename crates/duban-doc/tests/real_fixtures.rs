//! The parser against excerpts of REAL published plan documents in
//! data/fixtures/plans/real (see its README and each `.source.txt`), annotated by hand
//! before the parser first ran on them. Unlike `fixtures.rs`, structure is scored field by
//! field (so one wrong field does not hide the rest) and every figure is printed; the
//! assertions are floors at the level reached, so a regression fails the build.

// Each test target reads its own part of the shared annotations.
#[allow(dead_code)]
mod common;

use common::{Expected, describe, expected_pillars, found_targets, match_targets, plan_pillars};
use duban_core::Plan;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures/plans/real")
}

/// Per document: structure checks passed / made, targets annotated / found / matched.
#[derive(Default, Debug, Clone, Copy)]
struct Score {
    checks: usize,
    passed: usize,
    annotated: usize,
    found: usize,
    matched: usize,
}

fn check<T: PartialEq + std::fmt::Debug>(name: &str, what: &str, got: T, want: T, s: &mut Score) {
    s.checks += 1;
    if got == want {
        s.passed += 1;
    } else {
        eprintln!("{name}: {what}: got {got:?}, want {want:?}");
    }
}

fn run(stem: &str) -> Score {
    let exp: Expected = serde_json::from_str(
        &std::fs::read_to_string(dir().join(format!("{stem}.expected.json"))).unwrap(),
    )
    .unwrap();
    let name = exp.document.trim_start_matches("real/").to_string();
    let bytes = std::fs::read(dir().join(&name)).unwrap();
    let mut s = Score::default();
    if exp.expect_error {
        let result = duban_doc::parse_document(&bytes, &name);
        s.checks = 1;
        s.passed = usize::from(result.is_err());
        if let Ok(plan) = result {
            eprintln!("{name}: expected no tasks, got {} tasks", plan.tasks.len());
            s.found = plan.tasks.iter().map(|t| t.targets.len()).sum::<usize>()
                + plan.headline_targets.len();
        }
        println!("{name}: structure {}/1 (no tasks expected)", s.passed);
        return s;
    }
    let plan: Plan = match duban_doc::parse_document(&bytes, &name) {
        Ok(plan) => plan,
        Err(e) => {
            // Scored as a total failure: nothing passed, nothing found.
            println!("{name}: parse error: {e}");
            s.checks = 5 + 3 * exp.tasks.len();
            s.annotated = exp.targets.len();
            return s;
        }
    };
    plan.validate().unwrap();
    check(
        &name,
        "title",
        plan.title.as_str(),
        exp.title.as_str(),
        &mut s,
    );
    check(
        &name,
        "issuer",
        plan.issuer.as_deref(),
        exp.issuer.as_deref(),
        &mut s,
    );
    check(&name, "year", plan.year, exp.year, &mut s);
    let got = plan_pillars(&plan);
    let want = expected_pillars(&exp);
    check(&name, "pillars", got, want, &mut s);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    let want_numbers: Vec<u32> = exp.tasks.iter().map(|t| t.number).collect();
    check(&name, "task numbers", numbers, want_numbers, &mut s);
    for want in &exp.tasks {
        let n = want.number;
        let Some(task) = plan.tasks.iter().find(|t| t.number == n) else {
            s.checks += 1;
            eprintln!("{name}: task {n} missing");
            continue;
        };
        check(
            &name,
            &format!("title of {n}"),
            task.title.as_str(),
            want.title.as_str(),
            &mut s,
        );
        if let Some(lead) = &want.lead_units {
            check(
                &name,
                &format!("lead of {n}"),
                &task.lead_units,
                lead,
                &mut s,
            );
        }
        if let Some(co) = &want.co_units {
            check(&name, &format!("co of {n}"), &task.co_units, co, &mut s);
        }
    }
    for want in &exp.targets {
        assert!(
            plan.text.contains(&want.phrase),
            "{name}: {want:?} not in text"
        );
    }
    let found = found_targets(&plan);
    let (used, matched) = match_targets(&name, &exp.targets, &found);
    s.matched = matched;
    for (i, (task, t)) in found.iter().enumerate() {
        assert_eq!(t.span.slice(&plan.text), Some(t.phrase.as_str()));
        if !used[i] {
            eprintln!("{name}: false or wrong in task {task:?}: {}", describe(t));
        }
    }
    s.annotated = exp.targets.len();
    s.found = found.len();
    println!(
        "{name}: structure {}/{}, targets recall {}/{}, false {}/{}",
        s.passed,
        s.checks,
        s.matched,
        s.annotated,
        s.found - s.matched,
        s.found
    );
    s
}

/// (document stem, minimum structure checks passed, minimum targets matched, maximum
/// false extractions) — the level reached after the fixes; the first-run (hold-out)
/// figures are in data/fixtures/plans/README.md. The Taiwanese KPI table is not
/// understood yet (see the README): its floor records that, so an improvement shows.
const REAL: &[(&str, usize, usize, usize)] = &[
    ("lishan-2023-task-division", 26, 7, 0),
    ("xianyang-2022-business-environment.traditional", 11, 0, 0),
    ("guangdong-2021-report-division", 11, 2, 0),
    ("deqing-2021-services", 11, 3, 0),
    ("shanxi-2022-services-action", 11, 1, 0),
    ("shapingba-2022-targets-table", 36, 9, 0),
    ("xianan-2023-report-division", 44, 9, 0),
    ("shiyan-2022-plan-report", 8, 16, 0),
    ("caidian-2023-targets", 15, 4, 0),
    ("xialu-2023-report-tasks", 11, 7, 0),
    ("yuzhong-2023-report-targets", 15, 4, 0),
    ("liupanshui-2022-new-infrastructure", 8, 4, 0),
    ("taichung-2014-economic-goals.traditional", 15, 0, 18),
    ("beijing-2016-open-government", 8, 0, 0),
    ("hubei-2021-services", 8, 0, 0),
    ("jingan-2018-action-plan", 1, 0, 0),
    ("wuhan-2022-report-division", 7, 1, 0),
    ("xuchang-2020-report-tasks", 13, 0, 0),
];

#[test]
fn real_documents() {
    let mut total = Score::default();
    for &(stem, min_passed, min_matched, max_false) in REAL {
        let s = run(stem);
        assert!(s.passed >= min_passed, "{stem}: structure {s:?}");
        assert!(s.matched >= min_matched, "{stem}: recall {s:?}");
        assert!(s.found - s.matched <= max_false, "{stem}: false {s:?}");
        total.checks += s.checks;
        total.passed += s.passed;
        total.annotated += s.annotated;
        total.found += s.found;
        total.matched += s.matched;
    }
    println!(
        "real documents: structure {}/{}, targets recall {}/{}, false {}/{}",
        total.passed,
        total.checks,
        total.matched,
        total.annotated,
        total.found - total.matched,
        total.found
    );
}
