//! Replays a 2020 target quarter by quarter with the real calendar: periods and due dates,
//! late and missing reports, lights, forecast, escalations. Demo figures (示例数据).

use chrono::NaiveDate;
use duban_core::calendar::WorkCalendar;
use duban_core::escalation::{
    Duty, EscalationLevel, EscalationRules, PeriodRecord, required_escalations,
};
use duban_core::period::{Cadence, DueRule, periods};
use duban_core::status::{
    EvalContext, Light, LightRules, Measure, Observation, QuantityTarget, ReportDue, TargetSpec,
    TargetStatus, evaluate_target,
};
use duban_core::{Comparator, STATUS_METHOD_VERSION};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_year_of_quarterly_reports() {
    let cal = WorkCalendar::china();
    let rules = LightRules::default();
    let quarters = periods(2020, Cadence::Quarterly, DueRule::default(), &cal);
    let dues: Vec<NaiveDate> = quarters.iter().map(|p| p.due).collect();
    assert_eq!(
        dues,
        [
            d("2020-04-08"),
            d("2020-07-07"),
            d("2020-10-14"),
            d("2021-01-08")
        ]
    );

    // 再建350个居家养老服务中心 (示例数据): cumulative new centres per quarter, and the
    // day each report came in (Q2 late by 3 working days, Q4 never).
    let spec = TargetSpec {
        measure: Measure::Quantity(QuantityTarget {
            comparator: Comparator::Equal,
            value: Some(350.0),
            low: None,
            high: None,
            baseline: None,
            increment: true,
            relative: false,
        }),
        start: d("2020-01-01"),
        deadline: d("2020-12-31"),
        curve: Default::default(),
    };
    let values = [80.0, 150.0, 240.0];
    let submitted = [
        Some(d("2020-04-07")),
        Some(d("2020-07-10")),
        Some(d("2020-10-13")),
        None,
    ];
    let observations: Vec<Observation> = quarters
        .iter()
        .zip(values)
        .zip(submitted)
        .map(|((p, v), s)| Observation::value(p.end, v).reported(s.unwrap()))
        .collect();
    let reports: Vec<ReportDue> = quarters
        .iter()
        .zip(submitted)
        .map(|(p, s)| ReportDue {
            period: p.key.clone(),
            due: p.due,
            submitted: s,
        })
        .collect();

    let at = |date: &str| -> TargetStatus {
        let ctx = EvalContext {
            as_of: d(date),
            calendar: &cal,
            rules: &rules,
        };
        evaluate_target(&spec, &observations, &reports, &ctx)
    };

    // Q1: 80/350 = 22.9% vs 24.9% → yellow (1.6 points behind).
    let q1 = at("2020-04-10");
    assert_eq!(q1.light, Light::Yellow, "{:?}", q1.explanation);
    assert_eq!(q1.method, STATUS_METHOD_VERSION);
    // Q2 not yet in on 07-08 (due 07-07): missing → yellow, and the expected share is still
    // Q1's because the latest data is Q1's.
    let q2_missing = at("2020-07-08");
    assert_eq!(q2_missing.light, Light::Yellow);
    assert_eq!(q2_missing.latest_date, Some(d("2020-03-31")));
    // Q2 in (late): 150/350 = 42.9% vs 49.7% → yellow; forecast below target.
    let q2 = at("2020-07-15");
    assert_eq!(q2.light, Light::Yellow);
    let f = q2.forecast.as_ref().unwrap();
    assert!(!f.projected_achieved, "{f:?}");
    assert!(
        f.projected_value > 250.0 && f.projected_value < 330.0,
        "{f:?}"
    );
    // Q3: 240/350 = 68.6% vs 74.9% → yellow, on-time report.
    let q3 = at("2020-10-20");
    assert_eq!(q3.light, Light::Yellow);
    // After the deadline with no Q4 report: red (deadline passed unmet).
    let end = at("2021-01-20");
    assert_eq!(end.light, Light::Red);

    // The status serialises for storage and the API.
    let json = serde_json::to_string(&end).unwrap();
    let back: TargetStatus = serde_json::from_str(&json).unwrap();
    assert_eq!(back, end);
    assert!(json.contains("\"method\":\"duban.status/3\""));

    // Escalations for the same unit: Q4 report missing since 2021-01-08.
    let duty = Duty {
        key: ("task-26", "省民政厅"),
        periods: quarters
            .iter()
            .zip(&reports)
            .map(|(p, r)| PeriodRecord {
                period: p.key.clone(),
                due: p.due,
                submitted: r.submitted,
                light: None,
                light_on: None,
            })
            .collect(),
    };
    let esc = required_escalations(&EscalationRules::default(), &cal, d("2021-01-20"), &[duty]);
    let levels: Vec<(String, EscalationLevel)> =
        esc.iter().map(|e| (e.ident.clone(), e.level)).collect();
    // Q2 was 3 working days late (07-08, 07-09, 07-10): submitted on the day the reminder
    // would fire, so none; Q4 is 8 working days overdue on 01-20 → 提醒 and 催办.
    assert_eq!(
        levels,
        [
            (
                "overdue:2020-Q4:reminder".to_string(),
                EscalationLevel::Reminder
            ),
            ("overdue:2020-Q4:urge".to_string(), EscalationLevel::Urge),
        ]
    );
}
