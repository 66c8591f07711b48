//! 亩均效益评价 rows on both engines: schemes, data sets, the job lifecycle (claim once,
//! progress, cancel), result pages with filters, objections and the immutable final row.

use duban_store::muni::{FirmFilter, FirmRow, NewDataset, NewScheme, PAGE, Run, RunState};
use duban_store::testing::TestDb;
use duban_store::{Store, StoreError};

fn lease() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

fn firm(seq: i64, class: &str, rank: Option<i64>, grade: Option<&str>) -> FirmRow {
    FirmRow {
        seq,
        ord: seq,
        firm: format!("f{seq}"),
        name: Some(format!("企业{seq}")),
        region: Some(if seq % 2 == 0 { "甲镇" } else { "乙镇" }.into()),
        class: class.into(),
        score: rank.map(|r| 200.0 - r as f64),
        adjust: 0.0,
        rank,
        grade: grade.map(str::to_string),
        excluded: grade.is_none().then(|| "用地面积不足3亩".into()),
        leader: 0,
        vals: "[1.5,null]".into(),
    }
}

/// A scheme with an empty text and no columns (`..new_scheme("名称")` for the rest of a literal).
fn new_scheme(name: &str) -> NewScheme<'_> {
    NewScheme {
        name,
        spec: "",
        region_column: None,
        name_column: None,
        policy: "{}",
        demo: false,
        created_by: None,
    }
}

/// A data set of `firms` firms for `scheme_id` (the bytes are not read by the store).
fn new_dataset(scheme_id: i64, firms: i64) -> NewDataset<'static> {
    NewDataset {
        scheme_id,
        name: "数据",
        file_name: "f.csv",
        kind: "csv",
        bytes: b"x",
        firms,
        demo: false,
        corrects_run_id: None,
        created_by: None,
    }
}

/// A run queued on a new scheme and a data set of `firms` firms.
async fn queued_run(s: &Store, firms: i64) -> Run {
    let scheme = s.create_muni_scheme(&new_scheme("方案")).await.unwrap();
    let ds = s
        .create_muni_dataset(&new_dataset(scheme.id, firms))
        .await
        .unwrap();
    s.queue_muni_run(scheme.id, ds.id, None, None)
        .await
        .unwrap()
}

/// The order the platform writes: rank within class, class, input order; excluded last.
fn set_order(rows: &mut [FirmRow]) {
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by_key(|&i| {
        (
            rows[i].rank.is_none(),
            rows[i].rank,
            rows[i].class.clone(),
            rows[i].seq,
        )
    });
    for (pos, i) in idx.into_iter().enumerate() {
        rows[i].ord = pos as i64;
    }
}

#[tokio::test]
async fn a_run_moves_through_its_states_and_pages_read_slices() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let scheme = s
        .create_muni_scheme(&NewScheme {
            spec: "schema = \"duban.eval/1\"",
            region_column: Some("乡镇街道"),
            demo: true,
            ..new_scheme("示例方案")
        })
        .await
        .unwrap();
    let again = s.create_muni_scheme(&new_scheme(" 示例方案 ")).await;
    assert!(matches!(again, Err(StoreError::Invalid(m)) if m.contains("已有")));
    let ds = s
        .create_muni_dataset(&NewDataset {
            file_name: "firms.csv",
            bytes: b"id\nf1\n",
            ..new_dataset(scheme.id, 1)
        })
        .await
        .unwrap();
    assert_eq!(s.muni_dataset_content(ds.id).await.unwrap(), b"id\nf1\n");
    assert_eq!(s.muni_datasets(Some(scheme.id)).await.unwrap().len(), 1);

    // Cancelled while queued: never claimed.
    let r0 = s
        .queue_muni_run(scheme.id, ds.id, None, None)
        .await
        .unwrap();
    assert!(r0.demo, "a demo scheme makes a demo run");
    s.cancel_muni_run(r0.id).await.unwrap();
    assert!(!s.claim_muni_run(r0.id, lease()).await.unwrap());
    assert_eq!(s.muni_run(r0.id).await.unwrap().state, RunState::Cancelled);
    assert!(s.cancel_muni_run(r0.id).await.is_err());

    let r = s
        .queue_muni_run(scheme.id, ds.id, None, None)
        .await
        .unwrap();
    assert_eq!(r.state, RunState::Queued);
    assert!(s.claim_muni_run(r.id, lease()).await.unwrap());
    assert!(
        !s.claim_muni_run(r.id, lease()).await.unwrap(),
        "claimed once"
    );
    assert!(
        !s.muni_run_progress(r.id, 40, "计算", lease())
            .await
            .unwrap()
    );
    let mut rows: Vec<FirmRow> = (0..120)
        .map(|i| {
            firm(
                i,
                if i < 60 { "化工" } else { "纺织" },
                Some(i % 60 + 1),
                Some("B"),
            )
        })
        .collect();
    rows.push(firm(120, "化工", None, None));
    set_order(&mut rows);
    s.insert_muni_firms(r.id, &rows).await.unwrap();
    s.finish_muni_run(r.id, 121, 120, "e", "sha256:d", "sha256:m", "{}", 5)
        .await
        .unwrap();
    let done = s.muni_run(r.id).await.unwrap();
    assert_eq!(
        (done.state, done.progress, done.firms),
        (RunState::Done, 100, Some(121))
    );

    let all = FirmFilter::default();
    assert_eq!(s.muni_firm_count(r.id, &all).await.unwrap(), 121);
    let p0 = s.muni_firms(r.id, &all, 0).await.unwrap();
    assert_eq!(p0.len() as i64, PAGE);
    assert_eq!(p0[0].rank, Some(1));
    assert_eq!(p0[1].rank, Some(1));
    let p2 = s.muni_firms(r.id, &all, 2).await.unwrap();
    assert_eq!(p2.len(), 21);
    assert_eq!(
        p2.last().unwrap().excluded.as_deref(),
        Some("用地面积不足3亩")
    );
    let chem = FirmFilter {
        class: Some("化工".into()),
        region: Some("甲镇".into()),
        ..Default::default()
    };
    assert_eq!(s.muni_firm_count(r.id, &chem).await.unwrap(), 31);
    // Read a chunk at a time after the last position, the filtered firms come once each,
    // in page order.
    let mut chunks = Vec::new();
    let mut after = -1;
    loop {
        let chunk = s.muni_firms_after(r.id, &chem, after, 7).await.unwrap();
        let Some(last) = chunk.last() else { break };
        after = last.ord;
        chunks.extend(chunk);
    }
    let mut paged = s.muni_firms(r.id, &chem, 0).await.unwrap();
    assert_eq!(paged.len(), 31);
    assert_eq!(chunks, std::mem::take(&mut paged));
    let ex = FirmFilter {
        grade: Some("excluded".into()),
        ..Default::default()
    };
    assert_eq!(s.muni_firm_count(r.id, &ex).await.unwrap(), 1);
    let text = FirmFilter {
        text: Some("企业11".into()),
        ..Default::default()
    };
    // 企业11, 企业110..119
    assert_eq!(s.muni_firm_count(r.id, &text).await.unwrap(), 11);
    let odd = FirmFilter {
        text: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(s.muni_firm_count(r.id, &odd).await.unwrap(), 0);
    assert_eq!(s.muni_firm(r.id, "f7").await.unwrap().seq, 7);
    assert_eq!(s.muni_class_size(r.id, "化工").await.unwrap(), 60);

    // A failed run keeps no rows.
    let r2 = s
        .queue_muni_run(scheme.id, ds.id, None, None)
        .await
        .unwrap();
    assert!(s.claim_muni_run(r2.id, lease()).await.unwrap());
    s.insert_muni_firms(r2.id, &rows[..3]).await.unwrap();
    s.cancel_muni_run(r2.id).await.unwrap();
    assert!(
        s.muni_run_progress(r2.id, 50, "写入", lease())
            .await
            .unwrap(),
        "cancel seen"
    );
    s.end_muni_run(r2.id, RunState::Cancelled, None)
        .await
        .unwrap();
    assert_eq!(s.muni_firm_count(r2.id, &all).await.unwrap(), 0);
    assert_eq!(s.muni_run(r2.id).await.unwrap().state, RunState::Cancelled);

    // 公示, objections, final.
    assert!(
        s.open_muni_publicity(r2.id, "2026-12-07", "2026-12-10")
            .await
            .is_err()
    );
    s.open_muni_publicity(r.id, "2026-12-07", "2026-12-10")
        .await
        .unwrap();
    assert!(
        s.open_muni_publicity(r.id, "2026-12-07", "2026-12-10")
            .await
            .is_err()
    );
    assert!(
        s.add_muni_objection(r.id, "nobody", "x", "张三", "2026-12-08", None)
            .await
            .is_err()
    );
    let o = s
        .add_muni_objection(r.id, "f3", "税收少计 10 万元", "张三", "2026-12-08", None)
        .await
        .unwrap();
    // Probe: the store itself refuses a final while an objection is open or accepted
    // (the page checks first, but an objection may land while the snapshot is computed).
    let open = s
        .create_muni_final(r.id, "t", "{}", "d", "m", true, None)
        .await
        .unwrap_err();
    assert!(open.to_string().contains("未处理的异议"), "{open}");
    s.decide_muni_objection(o.id, false, "核实不属实", None)
        .await
        .unwrap();
    assert!(s.decide_muni_objection(o.id, true, "", None).await.is_err());
    let os = s.muni_objections(r.id).await.unwrap();
    assert_eq!(os[0].decision.as_deref(), Some("rejected"));
    let o2 = s
        .add_muni_objection(r.id, "f3", "另一异议", "李四", "2026-12-08", None)
        .await
        .unwrap();
    s.decide_muni_objection(o2.id, true, "属实", None)
        .await
        .unwrap();
    assert!(
        s.create_muni_final(r.id, "t", "{}", "d", "m", true, None)
            .await
            .is_err(),
        "an accepted objection calls for a re-run, not a final"
    );
    sqlx::query("UPDATE muni_objection SET decision = 'rejected' WHERE id = $1")
        .bind(o2.id)
        .execute(s.pool())
        .await
        .unwrap();
    let f = s
        .create_muni_final(r.id, "2026年度亩均效益评价结果", "{}", "d", "m", true, None)
        .await
        .unwrap();
    assert!(
        s.create_muni_final(r.id, "again", "{}", "d", "m", true, None)
            .await
            .is_err()
    );
    assert_eq!(s.muni_run(r.id).await.unwrap().final_id, Some(f.id));
    // Probe: once final, no objection is recorded or decided on that run.
    assert!(
        s.add_muni_objection(r.id, "f3", "迟到的异议", "王五", "2026-12-20", None)
            .await
            .is_err()
    );
    assert_eq!(s.muni_finals().await.unwrap().len(), 1);
    let upd = sqlx::query("UPDATE muni_final SET title = 'x'")
        .execute(s.pool())
        .await;
    assert!(upd.is_err(), "the final row is immutable");
}

/// Batches of the same size share their SQL text: a NULL score in one batch and a number at
/// the same place in the next must both store (PostgreSQL once refused the second).
#[tokio::test]
async fn batches_with_missing_scores_in_different_places_store() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let r = queued_run(s, 400).await;
    assert!(s.claim_muni_run(r.id, lease()).await.unwrap());
    let rows: Vec<FirmRow> = (0..400)
        .map(|i| {
            if i == 3 {
                firm(i, "甲", None, None)
            } else {
                firm(i, "甲", Some(i + 1), Some("A"))
            }
        })
        .collect();
    // One call: two statements of 200 rows on one connection.
    s.insert_muni_firms(r.id, &rows).await.unwrap();
    assert_eq!(
        s.muni_firm_count(r.id, &FirmFilter::default())
            .await
            .unwrap(),
        400
    );
}

/// A running job whose worker died (its lease passed) is listed as stale and taken over once;
/// its partial rows go.
#[tokio::test]
async fn a_run_whose_lease_passed_is_taken_over_once() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let r = queued_run(s, 3).await;
    assert!(s.stale_muni_runs().await.unwrap().is_empty(), "just queued");
    // A worker that dies: its lease already passed.
    assert!(
        s.claim_muni_run(r.id, chrono::Duration::seconds(-5))
            .await
            .unwrap()
    );
    s.insert_muni_firms(r.id, &[firm(0, "甲", Some(1), Some("A"))])
        .await
        .unwrap();
    assert_eq!(s.stale_muni_runs().await.unwrap(), vec![r.id]);
    assert!(s.claim_muni_run(r.id, lease()).await.unwrap());
    assert!(
        !s.claim_muni_run(r.id, lease()).await.unwrap(),
        "taken once"
    );
    assert!(s.stale_muni_runs().await.unwrap().is_empty());
    assert_eq!(
        s.muni_firm_count(r.id, &FirmFilter::default())
            .await
            .unwrap(),
        0
    );
}

/// `n` calls of `f(store, i)` started together on the runtime's threads; their results.
async fn at_once<T, F, Fut>(s: &Store, n: usize, f: F) -> Vec<Result<T, StoreError>>
where
    T: Send + 'static,
    F: Fn(Store, usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(f(s.clone(), i))).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task ran"));
    }
    out
}

/// A run of `scheme_id` on `dataset_id`, finished with three firms (f0, f1, f2).
async fn done_run(s: &Store, scheme_id: i64, dataset_id: i64) -> Run {
    let r = s
        .queue_muni_run(scheme_id, dataset_id, None, None)
        .await
        .unwrap();
    assert!(s.claim_muni_run(r.id, lease()).await.unwrap());
    let mut rows: Vec<FirmRow> = (0..3)
        .map(|i| firm(i, "化工", Some(i + 1), Some("A")))
        .collect();
    set_order(&mut rows);
    s.insert_muni_firms(r.id, &rows).await.unwrap();
    s.finish_muni_run(r.id, 3, 3, "e", "sha256:d", "sha256:m", "{}", 1)
        .await
        .unwrap();
    s.muni_run(r.id).await.unwrap()
}

/// Found by a probe on PostgreSQL: steps that were checked, then written without a guard, all
/// succeeded when sent at once (four 公示 opened, twelve decisions on one objection, a final
/// beside a new objection). Each now happens once, on both engines.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_office_steps_on_one_run_each_happen_once() {
    let db = TestDb::fresh().await.unwrap();
    let s = &db.store;
    let scheme = s.create_muni_scheme(&new_scheme("并发")).await.unwrap();
    let ds = s
        .create_muni_dataset(&new_dataset(scheme.id, 3))
        .await
        .unwrap();
    let r = done_run(s, scheme.id, ds.id).await;

    let opens = at_once(s, 8, move |s, _| async move {
        s.open_muni_publicity(r.id, "2026-12-07", "2026-12-14")
            .await
    })
    .await;
    assert_eq!(opens.iter().filter(|o| o.is_ok()).count(), 1, "{opens:?}");

    let o = s
        .add_muni_objection(r.id, "f1", "税收少计", "张三", "2026-12-08", None)
        .await
        .unwrap();
    let decisions = at_once(s, 8, move |s, i| async move {
        s.decide_muni_objection(o.id, i % 2 == 0, "结论", None)
            .await
    })
    .await;
    assert_eq!(
        decisions.iter().filter(|d| d.is_ok()).count(),
        1,
        "{decisions:?}"
    );
    let stored = s.muni_objection(o.id).await.unwrap();
    let audited: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'muni.objection.decide'")
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert_eq!(audited.0, 1, "one decision audited");
    assert!(stored.decision.is_some());

    // A final and an objection at once: never both (the final would stand beside an
    // objection nobody can decide any more).
    for _ in 0..6 {
        let r = done_run(s, scheme.id, ds.id).await;
        let (fin, obj) = tokio::join!(
            s.create_muni_final(r.id, "结果", "{}", "d", "m", false, None),
            s.add_muni_objection(r.id, "f2", "异议", "李四", "2026-12-08", None)
        );
        assert!(fin.is_err() || obj.is_err(), "{fin:?} {obj:?}");
    }
}
