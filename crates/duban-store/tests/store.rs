//! Store tests on the backend chosen by DUBAN_TEST_DATABASE_URL (SQLite by default).

use duban_core::{Comparator, PLAN_SCHEMA, Pillar, Plan, Span, Target, Task};
use duban_store::plan::ImportMeta;
use duban_store::testing::{TestDb, account, report_actions};
use duban_store::user::Role;

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
            deadline: None,
            due: None,
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
    let user = account(&db.store, "a", Role::Admin, None).await.unwrap();
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
        curve: duban_core::curve::CurveChoice::Linear,
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

/// A reporter of the test task's lead unit: (its workflow actor, the report key of the
/// task's first period).
async fn reporter_and_key(
    db: &TestDb,
    plan: i64,
    task: &duban_store::task::TaskRow,
) -> (
    duban_store::deliver::report::ReportActor,
    duban_store::deliver::report::ReportKey,
) {
    let leads = db.store.task_leads(task.id).await.unwrap();
    let (unit_id, unit_code, _) = leads[0].clone();
    let user = account(&db.store, "r", Role::Reporter, Some(unit_code.as_str()))
        .await
        .unwrap();
    let periods = db.store.ensure_periods(plan).await.unwrap();
    let period = periods
        .iter()
        .find(|p| p.cadence == task.cadence)
        .expect("a period of the task's cadence");
    let key = duban_store::deliver::report::ReportKey {
        task_id: task.id,
        period_id: period.id,
        unit_id,
    };
    (
        duban_store::deliver::report::ReportActor::of(&user).unwrap(),
        key,
    )
}

/// Reading periods never creates them; generating them twice changes nothing.
#[tokio::test]
async fn periods_are_generated_once_and_read_without_writing() {
    let db = TestDb::fresh().await.unwrap();
    let (_, plan, _) = admin_and_task(&db).await;
    let stored = db.store.plan_periods(plan).await.unwrap();
    let first = db.store.ensure_periods(plan).await.unwrap();
    let again = db.store.ensure_periods(plan).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(db.store.plan_periods(plan).await.unwrap(), first);
    assert!(first.len() >= stored.len());
    // 2020: four quarters and twelve months at most, each inside the year, due after its end.
    for p in &first {
        assert_eq!(p.start.format("%Y").to_string(), "2020", "{p:?}");
        assert!(p.start <= p.end && p.end < p.due, "{p:?}");
    }
}

/// The report workflow at the store boundary: the core's transitions decide, the store
/// keeps the state, the versions and the events, and refuses stale or foreign writes.
#[tokio::test]
async fn a_report_goes_from_draft_to_accepted_with_its_history() {
    use duban_core::report::{ReportAction, ReportState};
    use duban_store::deliver::DeliverError;
    use duban_store::deliver::report::{ReportActor, ReportContent, ValueInput};
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let (admin_id, plan, task) = admin_and_task(&db).await;
    let (reporter, key) = reporter_and_key(&db, plan, &task).await;
    let office = ReportActor::of(&s.user(admin_id).await.unwrap()).unwrap();
    let target = s
        .plan_detail(plan)
        .await
        .unwrap()
        .task_targets(task.id)
        .next()
        .unwrap()
        .id;
    let content = |progress: &str, value: f64| ReportContent {
        progress: progress.into(),
        values: vec![ValueInput {
            target_id: target,
            value: Some(value),
            as_of: None,
        }],
        ..Default::default()
    };

    // The office does not write a unit's report; a value beyond the 督办表's range is refused.
    assert!(matches!(
        s.create_report(key, &content("办公室代填", 1.0), &office)
            .await,
        Err(DeliverError::Workflow(_))
    ));
    assert!(
        s.create_report(key, &content("过大", 1e16), &reporter)
            .await
            .is_err()
    );
    let (id, created) = s
        .create_report(key, &content("已建成120个", 120.0), &reporter)
        .await
        .unwrap();
    assert!(created);
    let (same, created) = s
        .create_report(key, &content("已建成150个", 150.0), &reporter)
        .await
        .unwrap();
    assert_eq!((same, created), (id, false));
    let r = s.report(id).await.unwrap();
    assert_eq!(
        (r.state, r.progress.as_str()),
        (ReportState::Draft, "已建成150个")
    );
    assert_eq!(r.value_of(target).and_then(|v| v.value), Some(150.0));

    // A save against an old version is a conflict and changes nothing.
    let stale = s
        .save_report(id, Some(r.version - 1), &content("旧页面", 1.0), &reporter)
        .await;
    assert!(
        matches!(
            stale,
            Err(DeliverError::Store(duban_store::StoreError::Conflict))
        ),
        "{stale:?}"
    );
    assert_eq!(s.report(id).await.unwrap().progress, "已建成150个");

    let act = |a: ReportAction, by: &ReportActor| {
        let by = by.clone();
        async move {
            let r = s.report(id).await?;
            s.report_action_at(&r, &a, &by, chrono::Utc::now(), None)
                .await
        }
    };
    assert_eq!(
        act(ReportAction::Submit, &reporter).await.unwrap(),
        ReportState::Submitted
    );
    assert!(
        s.save_report(id, None, &content("报送后再改", 1.0), &reporter)
            .await
            .is_err()
    );
    assert!(
        act(
            ReportAction::Return {
                comment: " ".into()
            },
            &office
        )
        .await
        .is_err()
    );
    let back = act(
        ReportAction::Return {
            comment: "请补充数据来源".into(),
        },
        &office,
    )
    .await;
    assert_eq!(back.unwrap(), ReportState::Returned);
    s.save_report(id, None, &content("已补充来源", 150.0), &reporter)
        .await
        .unwrap();
    act(ReportAction::Submit, &reporter).await.unwrap();
    assert_eq!(
        act(ReportAction::accept(), &office).await.unwrap(),
        ReportState::Accepted
    );
    assert!(
        act(ReportAction::accept(), &office).await.is_err(),
        "accepted twice"
    );

    let r = s.report(id).await.unwrap();
    assert_eq!(r.state, ReportState::Accepted);
    assert!(r.first_submitted_at.is_some() && r.reviewed_at.is_some());
    let actions = report_actions(s, id).await.unwrap();
    assert_eq!(
        actions,
        [
            "create", "edit", "submit", "return", "edit", "submit", "accept"
        ]
    );
    let versions = s.report_versions(id).await.unwrap();
    // A version is kept at each submission, with what was sent.
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].number, 1);
    assert!(
        versions
            .iter()
            .any(|v| v.content.to_string().contains("已补充来源"))
    );
    assert!(
        versions
            .iter()
            .any(|v| v.content.to_string().contains("已建成150个"))
    );
}

/// A full disk aborts a write transaction inside SQLite (SQLITE_FULL rolls it back), so the
/// ROLLBACK of the dropped transaction fails and sqlx's count of open transactions on that
/// connection stays at 1. Returned to the pool, the connection refused every later write
/// ("begin_with at non-zero transaction depth") until the server restarted (found by a
/// probe: 500s and a flapping /readyz after the disk was freed). The pool now drops it.
#[tokio::test]
async fn a_write_aborted_by_a_full_disk_leaves_no_broken_connection() {
    use sqlx::{Connection, Executor};
    let db = TestDb::fresh_sqlite().await.unwrap();
    let store = &db.store;
    {
        let mut conn = store.pool().acquire().await.unwrap();
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        // This connection's database is "full" at its current size.
        conn.execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {pages}"
        )))
        .await
        .unwrap();
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let big = "x".repeat(1 << 20);
        let full = sqlx::query("INSERT INTO heartbeat (id, at) VALUES (2, $1)")
            .bind(&big)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(full.to_string().contains("full"), "{full}");
        drop(tx);
        conn.execute("PRAGMA max_page_count = 1073741823")
            .await
            .unwrap();
    }
    // Every connection of the pool (8) at once: each can begin a transaction (deferred, so
    // they do not wait on each other's write lock).
    let mut held = Vec::new();
    for _ in 0..8 {
        let mut conn = store.pool().acquire().await.unwrap();
        conn.begin_with("BEGIN")
            .await
            .expect("a transaction begins")
            .rollback()
            .await
            .unwrap();
        held.push(conn);
    }
    drop(held);
    assert!(store.readiness().await.is_ok());
}

/// Unit names and aliases are bounded (a 1,200-character name was a 500 on PostgreSQL: an
/// index row too large) and refuse bidirectional controls; a taken code reads as a sentence,
/// not as the database's constraint text.
#[tokio::test]
async fn unit_names_are_bounded_and_a_taken_code_is_said_plainly() {
    use duban_store::StoreError;
    use duban_store::unit::{MAX_UNIT_NAME_CHARS, NewUnit};
    let db = TestDb::fresh().await.unwrap();
    let unit = |code: &str, name: String| NewUnit {
        code: code.into(),
        name,
        kind: duban_core::UnitKind::Department,
        demo: false,
    };
    let long = "长".repeat(1200);
    let e = db.store.create_unit(&unit("u1", long)).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(m) if m.contains("不能超过 100 个字")),
        "{e}"
    );
    let limit = "名".repeat(MAX_UNIT_NAME_CHARS);
    let u = db.store.create_unit(&unit("u1", limit)).await.unwrap();
    let e = db
        .store
        .create_unit(&unit("u2", "\u{202e}厅务商省".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(m) if m.contains("方向控制符")),
        "{e}"
    );
    let e = db
        .store
        .add_unit_alias(u.id, &"别".repeat(MAX_UNIT_NAME_CHARS + 1))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e}");
    let e = db
        .store
        .create_unit(&unit("u9", "名".repeat(MAX_UNIT_NAME_CHARS)))
        .await
        .unwrap_err();
    let StoreError::Duplicate(m) = &e else {
        panic!("{e}")
    };
    assert!(
        m.contains("已存在") && !m.to_lowercase().contains("constraint"),
        "{m}"
    );
    for code in ["u1", "U1"] {
        let e = db
            .store
            .create_unit(&unit(code, "另一个单位".into()))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Duplicate(m) if m.contains("不区分大小写")),
            "{e}"
        );
    }
}

/// Found by a probe on PostgreSQL: removing a file while the same file (same bytes) was being
/// attached to another report made one of the two fail with a foreign-key error (a 500).
/// Both now succeed, and the shared blob stays while any evidence uses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_a_file_while_the_same_file_is_attached_elsewhere_both_succeed() {
    use duban_store::deliver::report::{ReportContent, ReportKey};
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let (_, plan, task) = admin_and_task(&db).await;
    let (reporter, key) = reporter_and_key(&db, plan, &task).await;
    let periods = s.plan_periods(plan).await.unwrap();
    let other = periods
        .iter()
        .find(|p| p.cadence == task.cadence && p.id != key.period_id)
        .expect("a second period");
    let content = ReportContent {
        progress: "进展".into(),
        ..Default::default()
    };
    let (a, _) = s.create_report(key, &content, &reporter).await.unwrap();
    let key_b = ReportKey {
        period_id: other.id,
        ..key
    };
    let (b, _) = s.create_report(key_b, &content, &reporter).await.unwrap();
    for round in 0..12 {
        let bytes = format!("%PDF-1.4 同一份文件 {round}").into_bytes();
        let e = s
            .add_evidence(a, "文件.pdf", &bytes, &reporter)
            .await
            .unwrap();
        let (s1, s2, r1, r2, bytes2) = (
            s.clone(),
            s.clone(),
            reporter.clone(),
            reporter.clone(),
            bytes.clone(),
        );
        let remove = tokio::spawn(async move { s1.remove_evidence(e.id, &r1).await });
        let attach =
            tokio::spawn(async move { s2.add_evidence(b, "文件.pdf", &bytes2, &r2).await });
        remove.await.unwrap().expect("the removal");
        let kept = attach.await.unwrap().expect("the attachment");
        // The attached copy reads back whole: its blob was not collected.
        let read = s.evidence_bytes(&kept).await.unwrap();
        assert_eq!(read, bytes, "round {round}");
        s.remove_evidence(kept.id, &reporter).await.unwrap();
    }
}

/// Found by a probe: two merges that touch the same unit at once (C into A while D goes into
/// C, or E into F while F goes into E) failed with a foreign-key error (500). Now the second
/// finds its unit gone: a clean "not found", and the first merge stands.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merges_that_touch_the_same_unit_at_once_do_not_fail() {
    use duban_store::StoreError;
    use duban_store::unit::NewUnit;
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let a = s
        .create_unit(&NewUnit {
            code: "sswt".into(),
            name: "省商务厅".into(),
            kind: duban_core::UnitKind::Department,
            demo: false,
        })
        .await
        .unwrap();
    for round in 0..4 {
        let c = s
            .unit_for_name(&format!("待核单位甲{round}"))
            .await
            .unwrap();
        let d = s
            .unit_for_name(&format!("待核单位乙{round}"))
            .await
            .unwrap();
        let (s1, s2) = (s.clone(), s.clone());
        let (first, second) = if round % 2 == 0 {
            (
                tokio::spawn(async move { s1.merge_unit(c.id, a.id).await }),
                tokio::spawn(async move { s2.merge_unit(d.id, c.id).await }),
            )
        } else {
            (
                tokio::spawn(async move { s1.merge_unit(c.id, d.id).await }),
                tokio::spawn(async move { s2.merge_unit(d.id, c.id).await }),
            )
        };
        let results = [first.await.unwrap(), second.await.unwrap()];
        assert!(results.iter().any(|r| r.is_ok()), "{results:?}");
        for r in &results {
            assert!(
                matches!(
                    r,
                    Ok(()) | Err(StoreError::NotFound | StoreError::Invalid(_))
                ),
                "round {round}: {r:?}"
            );
        }
    }
}
