//! Store tests on the backend chosen by DUBAN_TEST_DATABASE_URL (SQLite by default).

use duban_core::{Comparator, PLAN_SCHEMA, Pillar, Plan, Span, Target, Task};
use duban_store::plan::ImportMeta;
use duban_store::testing::TestDb;

fn plan() -> Plan {
    let text = "一、板块\n1.任务一\n新建350个中心，增长10%以上。".to_string();
    Plan {
        schema: PLAN_SCHEMA.into(),
        outline: Default::default(),
        title: "测试计划".into(),
        issuer: Some("办公室".into()),
        year: Some(2020),
        headline_targets: vec![],
        pillars: vec![Pillar {
            heading: "板块".into(),
            subtitle: None,
            tasks: vec![1],
        }],
        tasks: vec![Task {
            number: 1,
            label: "1.".into(),
            title: "任务一".into(),
            text: "新建350个中心，增长10%以上。".into(),
            pillar: Some(0),
            lead_units: vec!["省发展改革委".into()],
            co_units: vec![],
            leads_separately: false,
            targets: vec![
                Target {
                    phrase: "新建350个".into(),
                    span: Span { start: 11, end: 17 },
                    metric: "中心".into(),
                    comparator: Comparator::Equal,
                    value: Some(350.0),
                    low: None,
                    high: None,
                    unit: Some("个".into()),
                    normalized: Some(350.0),
                    commitment: None,
                },
                Target {
                    phrase: "增长10%以上".into(),
                    span: Span { start: 20, end: 27 },
                    metric: "零售额".into(),
                    comparator: Comparator::GrowthAtLeast,
                    value: Some(10.0),
                    low: None,
                    high: None,
                    unit: Some("%".into()),
                    normalized: None,
                    commitment: Some(duban_core::Commitment::Stretch),
                },
                // A bound after NULL bounds: on PostgreSQL this catches statement-cache
                // type mix-ups (sqlx Any types a NULL f64 as FLOAT4).
                Target {
                    phrase: "3—5个".into(),
                    span: Span { start: 0, end: 0 },
                    metric: "示范县".into(),
                    comparator: Comparator::Range,
                    value: None,
                    low: Some(3.0),
                    high: Some(5.0),
                    unit: Some("个".into()),
                    normalized: Some(5.0),
                    commitment: None,
                },
            ],
        }],
        text,
    }
}

#[tokio::test]
async fn import_and_read_back_a_plan() {
    let db = TestDb::fresh().await.unwrap();
    let id = db
        .store
        .import_plan(&plan(), &ImportMeta::default(), &[])
        .await
        .unwrap();
    // Twice, so the second import meets cached statements.
    db.store
        .import_plan(&plan(), &ImportMeta::default(), &[])
        .await
        .unwrap();
    let d = db.store.plan_detail(id).await.unwrap();
    assert_eq!(d.tasks.len(), 1);
    assert_eq!(d.targets.len(), 3);
    assert_eq!(d.tasks[0].text_start, Some(11));
    let back = d.to_model();
    assert_eq!(back.tasks[0].targets, plan().tasks[0].targets);
    assert_eq!(back.tasks[0].lead_units, vec!["省发展改革委".to_string()]);
}

/// An admin user and the test plan imported: (the user's id, the plan's id, its first task).
async fn admin_and_task(db: &TestDb) -> (i64, i64, duban_store::task::TaskRow) {
    let user = db
        .store
        .create_user(&duban_store::user::NewUser {
            name: "a".into(),
            password: "long-enough".into(),
            role: duban_store::user::Role::Admin,
            unit_code: None,
        })
        .await
        .unwrap();
    let id = db
        .store
        .import_plan(&plan(), &ImportMeta::default(), &[])
        .await
        .unwrap();
    let t = db.store.plan_detail(id).await.unwrap().tasks[0].clone();
    (user.id, id, t)
}

/// A workspace edit of `t` that keeps its title, text, pillar and cadence and clears its
/// deadline, units and targets (`..unchanged(&t)` for the rest of a literal).
fn unchanged(t: &duban_store::task::TaskRow) -> duban_store::task::TaskEdit {
    duban_store::task::TaskEdit {
        task_id: t.id,
        version: t.version,
        title: t.title.clone(),
        body: t.body.clone(),
        pillar_id: t.pillar_id,
        deadline: None,
        cadence: t.cadence,
        leads_separately: false,
        carried_from: None,
        leads: vec![],
        cos: vec![],
        targets: vec![],
        reason: String::new(),
    }
}

#[tokio::test]
async fn optimistic_locking_refuses_a_stale_edit() {
    let db = TestDb::fresh().await.unwrap();
    let (user, _, t) = admin_and_task(&db).await;
    let edit = duban_store::task::TaskEdit {
        title: "新标题".into(),
        ..unchanged(&t)
    };
    db.store.update_task(&edit, user).await.unwrap();
    let again = db.store.update_task(&edit, user).await;
    assert!(
        matches!(again, Err(duban_store::StoreError::Conflict)),
        "{again:?}"
    );
    assert_eq!(db.store.task(t.id).await.unwrap().version, t.version + 1);
}

/// A workspace edit normalises by the one multiplier table (longest match): 3 千万元 is 3e7,
/// not 3e3 as a prefix match on 千 gave.
#[tokio::test]
async fn workspace_edit_normalises_by_the_core_multiplier_table() {
    let db = TestDb::fresh().await.unwrap();
    let (user, id, t) = admin_and_task(&db).await;
    let target = |value: f64, unit: &str| duban_store::task::TargetEdit {
        id: None,
        delete: false,
        phrase: format!("{value}{unit}"),
        metric: format!("投资{unit}"),
        comparator: Comparator::AtLeast,
        value: Some(value),
        low: None,
        high: None,
        unit: Some(unit.into()),
        commitment: None,
        baseline: None,
        deadline: None,
        curve: duban_store::target::Curve::Linear,
        milestones: vec![],
    };
    let edit = duban_store::task::TaskEdit {
        targets: vec![
            target(3.0, "千万元"),
            target(5.0, "百亿元"),
            target(1.0, "万亿元"),
        ],
        ..unchanged(&t)
    };
    db.store.update_task(&edit, user).await.unwrap();
    let d = db.store.plan_detail(id).await.unwrap();
    let normalized = |unit: &str| {
        d.targets
            .iter()
            .find(|r| r.target.unit.as_deref() == Some(unit))
            .and_then(|r| r.target.normalized)
    };
    assert_eq!(normalized("千万元"), Some(3e7));
    assert_eq!(normalized("百亿元"), Some(5e10));
    assert_eq!(normalized("万亿元"), Some(1e12));
}
