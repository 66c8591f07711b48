//! Monitor storage (issue 13) on the backend chosen by DUBAN_TEST_DATABASE_URL: vintages
//! appended and read "as known on D", imports all or nothing, rules, alerts with their
//! lifecycle, every change on the audit chain.

use chrono::NaiveDate;
use duban_core::escalation::{EscalationAction, EscalationLevel, EscalationState};
use duban_core::monitor::{
    Alert, AlertAction, AlertState, Indicator, InterviewRecord, Kind, Level, Observation, Period,
};
use duban_store::StoreError;
use duban_store::escalation::EscalationFilter;
use duban_store::monitor::{LadderLink, MonitorImport, NewMonitorImport};
use duban_store::testing::{TestDb, account};
use duban_store::unit::NewUnit;
use duban_store::user::Role;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn obs(region: &str, period: &str, value: f64, published: Option<&str>) -> Observation {
    Observation {
        region: region.into(),
        indicator: "服务业增加值".into(),
        period: Period::parse(period).unwrap(),
        value,
        published: published.map(d),
    }
}

fn import<'a>(file_name: &'a str, bytes: &'a [u8]) -> NewMonitorImport<'a> {
    NewMonitorImport {
        file_name,
        format: "series_csv",
        bytes,
        source: "测试",
        demo: false,
        created_by: None,
        new_indicators: &[],
    }
}

/// Stores `rows` as imported from the file `file_name` holding `bytes`.
async fn import_rows(
    db: &TestDb,
    file_name: &str,
    bytes: &[u8],
    rows: &[Observation],
) -> duban_store::Result<MonitorImport> {
    db.store
        .import_monitor_values(&import(file_name, bytes), rows)
        .await
}

async fn audit_actions(db: &TestDb) -> Vec<String> {
    db.store
        .audit_entries(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn catalogue_is_seeded_once() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    let regions = db.store.monitor_regions().await.unwrap();
    assert_eq!(regions.all().len(), 12);
    assert_eq!(regions.children("330000").count(), 11);
    assert_eq!(regions.get("331100").unwrap().name, "丽水市");
    let inds = db.store.monitor_indicators().await.unwrap();
    let s = inds.iter().find(|i| i.name == "服务业增加值").unwrap();
    assert_eq!(s.kind, Kind::Cumulative);
    assert!(
        inds.iter()
            .any(|i| i.name == "服务业增加值占GDP比重" && i.formula.is_some())
    );
    let n = audit_actions(&db)
        .await
        .iter()
        .filter(|a| *a == "monitor.catalogue")
        .count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn vintages_are_appended_and_read_as_of_a_date() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    let first = [
        obs("330100", "2020-Q1", 835.8, Some("2020-04-25")),
        obs("330100", "2020-Q2", 1831.1, Some("2020-07-25")),
        obs("330100", "2020-Q3", 2854.2, Some("2020-10-25")),
    ];
    let i1 = import_rows(&db, "a.csv", b"a", &first).await.unwrap();
    assert_eq!((i1.rows_read, i1.rows_added), (3, 3));
    // A revision of Q3 published later, and one row already stored (skipped).
    let second = [
        obs("330100", "2020-Q3", 2870.0, Some("2020-11-20")),
        obs("330100", "2020-Q2", 1831.1, Some("2020-07-25")),
    ];
    let i2 = import_rows(&db, "b.csv", b"b", &second).await.unwrap();
    assert_eq!((i2.rows_read, i2.rows_added), (2, 1));

    let at = |date: &str| {
        let store = db.store.clone();
        let date = d(date);
        async move {
            store
                .monitor_known("服务业增加值", "330100", date)
                .await
                .unwrap()
                .into_iter()
                .map(|v| (v.period.to_string(), v.value))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        at("2020-10-31").await,
        vec![
            ("2020-Q1".to_string(), 835.8),
            ("2020-Q2".to_string(), 1831.1),
            ("2020-Q3".to_string(), 2854.2)
        ]
    );
    assert_eq!(at("2020-11-20").await[2], ("2020-Q3".to_string(), 2870.0));
    assert_eq!(at("2020-05-01").await, vec![("2020-Q1".to_string(), 835.8)]);
    assert_eq!(
        db.store
            .monitor_values(Some("服务业增加值"))
            .await
            .unwrap()
            .len(),
        4
    );
    // The series of the core sees both vintages too.
    let series = db.store.monitor_series(None).await.unwrap();
    let view = series.as_of("330100", "服务业增加值", d("2020-10-31"));
    assert_eq!(
        view.get(Period::parse("2020-Q3").unwrap()).unwrap().value,
        2854.2
    );

    // Values are never updated in place.
    let updated = sqlx::query("UPDATE monitor_value SET value = 1 WHERE region = '330100'")
        .execute(db.store.pool())
        .await;
    assert!(updated.is_err(), "monitor_value must refuse UPDATE");
    let actions = audit_actions(&db).await;
    assert_eq!(actions.iter().filter(|a| *a == "monitor.import").count(), 2);
    db.store.verify_audit().await.unwrap().unwrap();
}

#[tokio::test]
async fn a_bad_row_stores_nothing() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    import_rows(
        &db,
        "a.csv",
        b"a",
        &[obs("330100", "2020-Q1", 835.8, Some("2020-04-25"))],
    )
    .await
    .unwrap();
    let before = audit_actions(&db).await.len();
    // Third row: another value for a stored (region, period, published).
    let bad = [
        obs("330200", "2020-Q1", 623.0, None),
        obs("330200", "2020-Q2", 1382.3, None),
        obs("330100", "2020-Q1", 836.0, Some("2020-04-25")),
    ];
    let err = import_rows(&db, "b.csv", b"b", &bad).await.unwrap_err();
    let StoreError::Invalid(msg) = err else {
        panic!("{err:?}")
    };
    assert!(msg.starts_with("第3条数据"), "{msg}");
    // An unknown region and a wrong frequency are refused by row too.
    let err = import_rows(
        &db,
        "c.csv",
        b"c",
        &[
            obs("330100", "2020-Q2", 1.0, None),
            obs("339900", "2020-Q2", 1.0, None),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.starts_with("第2条数据") && m.contains("339900")),
        "{err:?}"
    );
    let err = import_rows(&db, "d.csv", b"d", &[obs("330100", "2020-05", 1.0, None)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("季度")),
        "{err:?}"
    );
    assert_eq!(db.store.monitor_values(None).await.unwrap().len(), 1);
    assert_eq!(db.store.monitor_imports().await.unwrap().len(), 1);
    assert_eq!(audit_actions(&db).await.len(), before);
}

#[tokio::test]
async fn growth_indicator_added_with_its_import() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    let mut growth = Indicator::new("服务业增加值累计增速", None, Kind::Period);
    growth.unit = "%".into();
    let mut o = obs("330100", "2020-Q1", -7.5, None);
    o.indicator = growth.name.clone();
    let new = [growth];
    db.store
        .import_monitor_values(
            &NewMonitorImport {
                new_indicators: &new,
                ..import("g.csv", b"g")
            },
            &[o],
        )
        .await
        .unwrap();
    let stored = db
        .store
        .monitor_indicator("服务业增加值累计增速")
        .await
        .unwrap();
    assert_eq!(stored.unit, "%");
}

#[tokio::test]
async fn alerts_raised_once_and_follow_their_lifecycle() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    let office = account(&db.store, "office", Role::Admin, None)
        .await
        .unwrap();
    let alert = Alert {
        rule: "growth-low".into(),
        region: "330100".into(),
        indicator: "服务业增加值".into(),
        period: Period::parse("2020-Q3").unwrap(),
        level: Level::Warning,
        value: -1.25,
    };
    let created = db
        .store
        .raise_monitor_alerts(
            d("2020-10-31"),
            std::slice::from_ref(&alert),
            false,
            |a, region| format!("{region} {}", a.value),
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 1);
    let again = db
        .store
        .raise_monitor_alerts(d("2020-11-30"), &[alert], false, |_, _| String::new())
        .await
        .unwrap();
    assert!(again.is_empty(), "the same alert is not raised twice");
    let id = created[0];
    let a = db.store.monitor_alert(id).await.unwrap();
    assert_eq!(
        (a.state, a.region_name.as_str(), a.value),
        (AlertState::Raised, "杭州市", -1.25)
    );
    // The office's inbox has it.
    let outbox: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notification WHERE event = 'monitor.alert.raised'",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(outbox, 1);

    // Closing needs a note; 约谈 after acknowledging; nothing after closing.
    let err = db
        .store
        .act_on_monitor_alert(
            id,
            &AlertAction::Close { note: " ".into() },
            office.id,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    db.store
        .act_on_monitor_alert(id, &AlertAction::Acknowledge, office.id, None)
        .await
        .unwrap();
    // A 约谈 goes on the ladder: it needs the unit talked to, an existing one.
    let hz = db
        .store
        .create_unit(&NewUnit {
            code: "hangzhou".into(),
            name: "杭州市".into(),
            kind: duban_core::UnitKind::City,
            demo: false,
        })
        .await
        .unwrap();
    let interview = AlertAction::Interview {
        record: InterviewRecord {
            held_on: d("2020-11-02"),
            held_by: "省发展改革委副主任".into(),
            attendees: "杭州市政府分管副市长".into(),
            outcome: "约谈杭州市商务局".into(),
        },
    };
    let link = |unit_id| LadderLink {
        unit_id,
        respond_by: d("2020-11-16"),
    };
    for ladder in [None, Some(link(hz.id + 1000))] {
        let err = db
            .store
            .act_on_monitor_alert(id, &interview, office.id, ladder)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    }
    assert_eq!(
        db.store.monitor_alert(id).await.unwrap().state,
        AlertState::Acknowledged,
        "a refused 约谈 changes nothing"
    );
    let a = db
        .store
        .act_on_monitor_alert(id, &interview, office.id, Some(link(hz.id)))
        .await
        .unwrap();
    assert_eq!(a.state, AlertState::Interviewed);
    let esc = a.escalation.clone().expect("a 约谈 record on the ladder");
    assert_eq!(
        (esc.unit_name.as_str(), esc.state, esc.respond_by.as_str()),
        ("杭州市", EscalationState::Raised, "2020-11-16")
    );
    let rows = db
        .store
        .list_escalations(
            &EscalationFilter {
                level: Some(EscalationLevel::Interview),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let e = &rows[0];
    assert_eq!(
        (e.id, e.alert_id, e.task_id, e.plan_id),
        (esc.id, Some(id), None, None)
    );
    assert_eq!(e.unit_id, hz.id);
    assert_eq!(e.raised_on, d("2020-11-02"));
    assert_eq!(
        e.reason,
        format!("监测预警：杭州市 服务业增加值 2020年第三季度（预警 #{id}）")
    );
    let i = e.interview.as_ref().unwrap();
    assert_eq!(
        (i.held_by.as_str(), i.attendees.as_str(), i.outcome.as_str()),
        (
            "省发展改革委副主任",
            "杭州市政府分管副市长",
            "约谈杭州市商务局"
        )
    );
    assert_eq!(i.recorded_by.as_deref(), Some("office"));
    assert_eq!(
        e.subject(),
        format!("monitor-alert:{id}/escalation:{}", e.id)
    );
    // The unit was told (inbox item addressed to the unit, outbox row).
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM inbox_item WHERE unit_id = $1 AND event = 'escalation.raised'",
    )
    .bind(hz.id)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(told, 1);
    // The unit answers it like any 督办 record; the alert shows it.
    let rep = account(&db.store, "rep_hz", Role::Reporter, Some("hangzhou"))
        .await
        .unwrap();
    db.store
        .act_on_escalation(
            e.id,
            &EscalationAction::Respond {
                measures: "已制定整改措施".into(),
            },
            duban_core::report::Role::Reporter,
            rep.id,
        )
        .await
        .unwrap();
    assert_eq!(
        db.store
            .monitor_alert(id)
            .await
            .unwrap()
            .escalation
            .unwrap()
            .state,
        EscalationState::Responded
    );
    let a = db
        .store
        .act_on_monitor_alert(
            id,
            &AlertAction::Close {
                note: "已整改，四季度回升".into(),
            },
            office.id,
            None,
        )
        .await
        .unwrap();
    assert_eq!(a.state, AlertState::Closed);
    assert_eq!(a.interview_record.as_deref(), Some("约谈杭州市商务局"));
    assert_eq!(a.close_note.as_deref(), Some("已整改，四季度回升"));
    assert_eq!(a.closed_by.as_deref(), Some("office"));
    let err = db
        .store
        .act_on_monitor_alert(id, &AlertAction::Acknowledge, office.id, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    assert_eq!(
        db.store
            .monitor_alerts(Some(AlertState::Closed))
            .await
            .unwrap()
            .len(),
        1
    );
    let entries = db
        .store
        .audit_entries(Some(&format!("monitor-alert:{id}")), 100)
        .await
        .unwrap();
    let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "escalation.raise",
            "escalation.respond",
            "monitor.alert.acknowledge",
            "monitor.alert.close",
            "monitor.alert.interview",
            "monitor.alert.raise"
        ]
    );
    db.store.verify_audit().await.unwrap().unwrap();
}

#[tokio::test]
async fn rules_newest_in_force() {
    let db = TestDb::fresh().await.unwrap();
    db.store.ensure_monitor_catalogue().await.unwrap();
    assert!(db.store.monitor_rules().await.unwrap().is_none());
    let mut ind = Indicator::new("社会消费品零售总额", None, Kind::Cumulative);
    ind.unit = "亿元".into();
    db.store
        .set_monitor_rules("schema = \"duban.monitor/1\"\n# a", &[], false, None)
        .await
        .unwrap();
    db.store
        .set_monitor_rules("schema = \"duban.monitor/1\"\n# b", &[ind], false, None)
        .await
        .unwrap();
    assert!(
        db.store
            .monitor_rules()
            .await
            .unwrap()
            .unwrap()
            .body
            .ends_with("# b")
    );
    assert_eq!(
        db.store
            .monitor_indicator("社会消费品零售总额")
            .await
            .unwrap()
            .unit,
        "亿元"
    );
}
