//! Completion times (完成时限): from a table's column or the task's own text, with the date
//! they stand for in the plan's year.

use chrono::NaiveDate;

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn a_deadline_column_gives_each_row_its_time() {
    let text = "2022年重点工作任务分解表\n序号\t重点任务\t牵头单位\t完成时限\n1\t出台数字经济促进条例。\t市发改委\t2022年6月底前\n2\t推进政务服务改革。\t市政务服务局\t持续推进\n3\t建成5G基站2000个。\t市经信局\t年底前\n";
    let plan = duban_doc::parse_text(text).unwrap();
    let got: Vec<(Option<&str>, Option<NaiveDate>)> = plan
        .tasks
        .iter()
        .map(|t| (t.deadline.as_deref(), t.due))
        .collect();
    assert_eq!(
        got,
        [
            (Some("2022年6月底前"), date(2022, 6, 30)),
            (Some("持续推进"), None),
            (Some("年底前"), date(2022, 12, 31)),
        ]
    );
    // The column is not read as task text or a unit.
    assert_eq!(plan.tasks[0].lead_units, ["市发改委"]);
    assert!(!plan.tasks[0].text.contains("6月底前"));
}

#[test]
fn a_deadline_in_the_text_is_the_latest_it_names() {
    let text = "某市2023年数字经济工作要点\n一、夯实基础\n1.推进数据立法。3月底前完成调研，10月底前提请审议。（牵头单位：市司法局）\n2.建设算力中心。加快项目建设。（牵头单位：市发改委）\n";
    let plan = duban_doc::parse_text(text).unwrap();
    assert_eq!(plan.tasks[0].deadline.as_deref(), Some("10月底前"));
    assert_eq!(plan.tasks[0].due, date(2023, 10, 31));
    assert_eq!(plan.tasks[1].deadline, None);
    // Plans without deadlines write none in their JSON.
    let json = serde_json::to_string(&plan.tasks[1]).unwrap();
    assert!(
        !json.contains("deadline") && !json.contains("\"due\""),
        "{json}"
    );
}
