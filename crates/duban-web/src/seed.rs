//! The seed: 2020年浙江省服务业发展工作要点 (embedded, parsed by our own parser), the
//! organisations it involves, and a demonstration assignment (示例分工) for its tasks.
//! Loading is idempotent: a second start finds the marker and does nothing.

use duban_core::UnitKind;
use duban_store::assignment::AssignRole;
use duban_store::plan::{ImportMeta, PresetAssignment};
use duban_store::unit::NewUnit;
use duban_store::{Store, StoreError};
use serde::Deserialize;

pub const SEED_DOCUMENT: &[u8] = include_bytes!("../../../data/seed/zhejiang-2020-services.txt");
pub const SEED_FILE_NAME: &str = "zhejiang-2020-services.txt";
pub const DEMO_ASSIGNMENT: &str = include_str!("../../../data/seed/demo-assignment.toml");
const MARKER: &str = "seed.zhejiang-2020";

#[derive(Debug, Deserialize)]
struct SeedFile {
    unit: Vec<SeedUnit>,
    task: Vec<SeedTask>,
}

#[derive(Debug, Deserialize)]
struct SeedUnit {
    code: String,
    name: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct SeedTask {
    number: u32,
    #[serde(default)]
    lead: Vec<String>,
    #[serde(default)]
    co: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo-assignment.toml: {0}")]
    Assignment(String),
    #[error("the seed document did not parse: {0}")]
    Parse(String),
    #[error("monitor seed: {0}")]
    Monitor(String),
    #[error("evaluation demo: {0}")]
    Evaluation(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `ensure_seed` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Loaded { plan_id: i64 },
    AlreadyLoaded,
}

/// Parses a plan document with duban's parser (txt/html/docx, any Chinese encoding).
pub fn parse_document(bytes: &[u8], file_name: &str) -> Result<duban_core::Plan, String> {
    duban_doc::parse_document(bytes, file_name).map_err(|e| e.to_string())
}

/// Loads the seed units, plan and demo assignment unless already loaded, then the monitor's
/// seed (its catalogue, series and rules, and the plan's headline goals bound to series) and
/// the demo evaluation.
pub async fn ensure_seed(store: &Store) -> Result<SeedOutcome, SeedError> {
    let outcome = ensure_plan_seed(store).await?;
    let plan_id = match &outcome {
        SeedOutcome::Loaded { plan_id } => Some(*plan_id),
        SeedOutcome::AlreadyLoaded => store.meta_get(MARKER).await?.and_then(|v| v.parse().ok()),
    };
    crate::monitor::ensure_monitor_seed(store, plan_id)
        .await
        .map_err(SeedError::Monitor)?;
    // The labelled demo evaluation (示例数据), loaded here so that no page view writes.
    crate::evaluation::ensure_demo(store)
        .await
        .map_err(|e| SeedError::Evaluation(e.to_string()))?;
    Ok(outcome)
}

async fn ensure_plan_seed(store: &Store) -> Result<SeedOutcome, SeedError> {
    if store.meta_get(MARKER).await?.is_some() {
        return Ok(SeedOutcome::AlreadyLoaded);
    }
    let file: SeedFile =
        toml::from_str(DEMO_ASSIGNMENT).map_err(|e| SeedError::Assignment(e.to_string()))?;
    for u in &file.unit {
        let kind = UnitKind::parse(&u.kind)
            .ok_or_else(|| SeedError::Assignment(format!("unit {}: kind {:?}", u.code, u.kind)))?;
        store
            .ensure_unit(&NewUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                kind,
                demo: false,
            })
            .await?;
    }
    let plan = parse_document(SEED_DOCUMENT, SEED_FILE_NAME).map_err(SeedError::Parse)?;
    let mut preset = Vec::new();
    for t in &file.task {
        for (role, codes) in [(AssignRole::Lead, &t.lead), (AssignRole::Co, &t.co)] {
            for code in codes {
                preset.push(PresetAssignment {
                    task_number: t.number,
                    unit_code: code.clone(),
                    role,
                    demo: true,
                });
            }
        }
    }
    // Another process may be seeding at the same moment: re-check just before writing.
    if store.meta_get(MARKER).await?.is_some() {
        return Ok(SeedOutcome::AlreadyLoaded);
    }
    let plan_id = store
        .import_plan(
            &plan,
            &ImportMeta {
                region: Some("浙江省".into()),
                source_name: Some(SEED_FILE_NAME.into()),
            },
            &preset,
        )
        .await?;
    store.meta_set(MARKER, &plan_id.to_string()).await?;
    Ok(SeedOutcome::Loaded { plan_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_assignment_is_complete_and_consistent() {
        let file: SeedFile = toml::from_str(DEMO_ASSIGNMENT).unwrap();
        let codes: std::collections::HashSet<&str> =
            file.unit.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes.len(), file.unit.len(), "unit codes are unique");
        let cities = file.unit.iter().filter(|u| u.kind == "city").count();
        assert_eq!(cities, 11);
        let numbers: Vec<u32> = file.task.iter().map(|t| t.number).collect();
        assert_eq!(numbers, (1..=30).collect::<Vec<_>>());
        for t in &file.task {
            assert!(!t.lead.is_empty(), "task {} has a lead", t.number);
            for c in t.lead.iter().chain(&t.co) {
                assert!(
                    codes.contains(c.as_str()),
                    "task {}: unknown unit {c}",
                    t.number
                );
            }
        }
    }
}
