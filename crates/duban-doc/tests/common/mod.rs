//! Shared by `fixtures.rs` and `real_fixtures.rs`: the annotated pillars and targets, and
//! the matching of extracted targets against the annotations.

use duban_core::{Comparator, Plan, Target};
use serde::Deserialize;

/// An `*.expected.json` annotation of one document.
#[derive(Deserialize)]
pub struct Expected {
    pub document: String,
    /// The text holds no task (e.g. only a 基本原则 list): parsing must fail.
    #[serde(default)]
    pub expect_error: bool,
    pub title: String,
    pub issuer: Option<String>,
    pub year: Option<i32>,
    pub pillars: Vec<ExpectedPillar>,
    pub tasks: Vec<ExpectedTask>,
    pub targets: Vec<ExpectedTarget>,
}

/// An annotated task; the optional fields are checked only where annotated.
#[derive(Deserialize)]
pub struct ExpectedTask {
    pub number: u32,
    pub title: String,
    pub label: Option<String>,
    pub lead_units: Option<Vec<String>>,
    pub co_units: Option<Vec<String>>,
    pub leads_separately: Option<bool>,
}

#[derive(Deserialize)]
pub struct ExpectedPillar {
    pub heading: String,
    pub subtitle: Option<String>,
    pub tasks: Vec<u32>,
}

#[derive(Deserialize, Debug)]
pub struct ExpectedTarget {
    pub task: Option<u32>,
    pub phrase: String,
    pub comparator: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub unit: Option<String>,
    pub commitment: Option<String>,
}

/// A pillar as compared: heading, subtitle, task numbers.
pub type PillarRow<'a> = (&'a str, Option<&'a str>, &'a [u32]);

/// The parsed plan's pillars, as compared.
pub fn plan_pillars(plan: &Plan) -> Vec<PillarRow<'_>> {
    plan.pillars
        .iter()
        .map(|p| (p.heading.as_str(), p.subtitle.as_deref(), &p.tasks[..]))
        .collect()
}

/// The annotated pillars, as compared.
pub fn expected_pillars(exp: &Expected) -> Vec<PillarRow<'_>> {
    exp.pillars
        .iter()
        .map(|p| (p.heading.as_str(), p.subtitle.as_deref(), &p.tasks[..]))
        .collect()
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}

/// Whether `found` (in task `task`, None for a headline target) is the annotated `want`.
pub fn matches(found: &Target, task: Option<u32>, want: &ExpectedTarget) -> bool {
    let commitment = found.commitment.map(|c| match c {
        duban_core::Commitment::Firm => "firm",
        duban_core::Commitment::Stretch => "stretch",
    });
    task == want.task
        && Comparator::parse(&want.comparator) == Some(found.comparator)
        && same(found.value, want.value)
        && same(found.low, want.low)
        && same(found.high, want.high)
        && found.unit == want.unit
        && commitment == want.commitment.as_deref()
        && (want.phrase.contains(&found.phrase) || found.phrase.contains(&want.phrase))
}

/// An extracted target on one line, as the fixture reports print a false or wrong one:
/// phrase (comparator value low–high unit commitment).
pub fn describe(t: &Target) -> String {
    format!(
        "{} ({} {:?} {:?}–{:?} {:?} {:?})",
        t.phrase,
        t.comparator.as_str(),
        t.value,
        t.low,
        t.high,
        t.unit,
        t.commitment
    )
}

/// Every extracted target with its task number (None: a headline target).
pub fn found_targets(plan: &Plan) -> Vec<(Option<u32>, &Target)> {
    plan.headline_targets
        .iter()
        .map(|t| (None, t))
        .chain(
            plan.tasks
                .iter()
                .flat_map(|task| task.targets.iter().map(|t| (Some(task.number), t))),
        )
        .collect()
}

/// Pairs each annotation with the first unused extracted target it matches (printing the
/// missed ones): which extracted targets were used, and how many annotations matched.
pub fn match_targets(
    name: &str,
    wanted: &[ExpectedTarget],
    found: &[(Option<u32>, &Target)],
) -> (Vec<bool>, usize) {
    let mut used = vec![false; found.len()];
    let mut matched = 0;
    for want in wanted {
        let hit = found
            .iter()
            .enumerate()
            .position(|(i, (task, t))| !used[i] && matches(t, *task, want));
        match hit {
            Some(i) => {
                used[i] = true;
                matched += 1;
            }
            None => eprintln!("{name}: missed {want:?}"),
        }
    }
    (used, matched)
}
