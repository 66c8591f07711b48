//! One light everywhere (issue 10): with the demo loaded, for every task of the seed plan
//! and several as-of dates, the light shown by the task list, the plan overview, the
//! status API, the status page (状态看板) and the 督办表 export are the same. Also: the
//! demo plan opens as of its own date (not today) with a 示例数据 banner, the task list
//! shows progress (not 暂无数据), and no task at 100% is yellow.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use duban_store::assignment::AssignRole;

use crate::oversight::{get_bytes, get_xlsx, io_common};
use crate::{app_with_demo, app_with_users, bearer, login, seed_plan_id};

const DATES: [&str; 3] = ["2020-03-31", "2020-07-15", "2020-12-31"];

/// task number → light (`data-light`) of the rows of `html` opened by `row_marker`
/// followed by the task number (e.g. `class="task-row" data-number="`).
fn html_lights(html: &str, row_marker: &str) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    for chunk in html.split(row_marker).skip(1) {
        let number: i64 = chunk
            .split('"')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no task number after {row_marker}"));
        // The row's light: the first data-light before the next row.
        let light = chunk
            .split("data-light=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("task {number}: no light in its row"));
        assert!(
            out.insert(number, light.to_string()).is_none(),
            "task {number} listed twice"
        );
    }
    out
}

/// The 督办表's 状态 text back to the light.
fn sheet_light(label: &str) -> &'static str {
    match label {
        "蓝灯" => "blue",
        "绿灯" => "green",
        "黄灯" => "yellow",
        "红灯" => "red",
        "无数据" => "grey",
        "不适用" => "not_applicable",
        other => panic!("unknown 状态 in the 督办表: {other:?}"),
    }
}

/// The key of the first period of `cadence` in the periods API's answer.
fn first_period<'a>(periods: &'a serde_json::Value, cadence: &str) -> &'a str {
    periods
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cadence"] == cadence)
        .and_then(|p| p["key"].as_str())
        .unwrap_or_else(|| panic!("no {cadence} period"))
}

/// Each task of `numbers` shows in `view` (a workbook) with one light, the status API's.
fn same_lights(
    view: &str,
    found: &BTreeMap<i64, BTreeSet<String>>,
    from_api: &BTreeMap<i64, String>,
    numbers: &BTreeSet<i64>,
    date: &str,
) {
    for (n, lights) in found {
        assert_eq!(
            lights,
            &BTreeSet::from([from_api[n].clone()]),
            "{date}: task {n}: {view} vs status API"
        );
    }
    assert_eq!(
        &found.keys().copied().collect::<BTreeSet<_>>(),
        numbers,
        "{date}: tasks in the {view}"
    );
}

#[tokio::test]
async fn every_view_shows_the_same_light_for_every_task() {
    let (app, plan) = app_with_demo().await;
    let detail = app.state.store.plan_detail(plan).await.unwrap();
    let numbers: BTreeSet<i64> = detail.tasks.iter().map(|t| t.number).collect();
    assert!(numbers.len() >= 20, "the seed has its tasks");

    let mut api = bearer(&app, "admin").await;
    let mut office = login(&app, "admin").await;
    let periods = api
        .get(&format!("/api/v1/plans/{plan}/periods"))
        .await
        .json();
    // One 督办表 per (lead unit, cadence): the first period of that cadence.
    let mut sheets: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for t in &detail.tasks {
        for a in detail
            .task_assignments(t.id)
            .filter(|a| a.role == AssignRole::Lead)
        {
            sheets
                .entry((a.unit_code.clone(), t.cadence.as_str().to_string()))
                .or_default()
                .push(t.number);
        }
    }
    let in_sheets: BTreeSet<i64> = sheets.values().flatten().copied().collect();
    // Every task of the seed has a lead unit, so every task is in some 督办表.
    assert_eq!(in_sheets, numbers, "tasks without a 督办表 row");

    let mut seen_lights = BTreeSet::new();
    for date in DATES {
        // Status API.
        let r = api
            .get(&format!("/api/v1/plans/{plan}/status?as_of={date}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let s = r.json();
        assert_eq!(s["as_of"], date);
        let mut from_api = BTreeMap::new();
        for t in s["tasks"].as_array().unwrap() {
            let n = t["number"].as_i64().unwrap();
            let light = t["light"].as_str().unwrap().to_string();
            // A task at 100% is never yellow (duban.status/2).
            if t["progress"].as_f64() == Some(100.0) {
                assert!(
                    matches!(light.as_str(), "blue" | "green"),
                    "{date}: task {n} at 100% is {light}"
                );
            }
            from_api.insert(n, light);
        }
        assert_eq!(
            from_api.keys().copied().collect::<BTreeSet<_>>(),
            numbers,
            "{date}: API tasks"
        );
        seen_lights.extend(from_api.values().cloned());

        // Task list, plan overview, status page: HTML rows carrying data-light.
        for (path, marker) in [
            (
                format!("/plans/{plan}/tasks?as_of={date}"),
                "class=\"task-row\" data-number=\"",
            ),
            (
                format!("/plans/{plan}?as_of={date}"),
                "class=\"task-row\" data-number=\"",
            ),
            (
                format!("/plans/{plan}/status?as_of={date}"),
                "class=\"task-light\" data-number=\"",
            ),
        ] {
            let page = office.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
            let lights = html_lights(&page.body, marker);
            assert_eq!(lights, from_api, "{path} disagrees with the status API");
        }

        // The status page's 任务状态 download (CSV; the .xlsx has the same rows) and the
        // same table published to the public portal.
        let path = format!("/plans/{plan}/status/download/tasks.csv?as_of={date}");
        let (status, _, csv) = get_bytes(&office, &app.base, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csv = String::from_utf8(csv).unwrap();
        let csv = csv.trim_start_matches('\u{feff}');
        let from_csv: BTreeMap<i64, String> = csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].parse().unwrap(), sheet_light(&r[3]).to_string())
            })
            .collect();
        assert_eq!(from_csv, from_api, "{path} disagrees with the status API");
        let overdue = format!("/plans/{plan}/status/download/overdue.xlsx?as_of={date}");
        get_xlsx(&office, &app.base, &overdue).await;
        // The ranking download carries the page's rates, the return rate included.
        let path = format!("/plans/{plan}/status/download/ranking.csv?as_of={date}");
        let (_, _, ranking) = get_bytes(&office, &app.base, &path).await;
        let ranking = String::from_utf8(ranking).unwrap();
        assert!(
            ranking
                .lines()
                .next()
                .unwrap()
                .ends_with("按时报送率（%）,已报,被退回,退回率（%）"),
            "{ranking}"
        );
        // The counts add up as on the page: 已报 ≤ 应报, 被退回 ≤ 已报.
        for line in ranking.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let n = |i: usize| cells[i].parse::<f64>().unwrap_or(0.0);
            assert!(n(7) <= n(2) && n(8) <= n(7), "{line}");
        }
        // Units equal in both rates share their place (1, 2, 2, 4), others take their row's.
        let rows: Vec<Vec<&str>> = ranking
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let tied = i > 0 && rows[i - 1][6] == row[6] && rows[i - 1][9] == row[9];
            let expected = if tied {
                rows[i - 1][0].to_string()
            } else {
                (i + 1).to_string()
            };
            assert_eq!(row[0], expected, "{ranking}");
        }

        // 督办表 export: every task's row in its lead units' sheets.
        let mut from_sheet: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for ((unit, cadence), tasks) in &sheets {
            let period = first_period(&periods, cadence);
            let path = format!(
                "/api/v1/plans/{plan}/export.xlsx?period={period}&unit={unit}&as_of={date}"
            );
            let (status, _, bytes) = get_bytes(&api, &app.base, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let book = io_common::load(&bytes);
            let code_col = book.col("任务编码");
            let status_col = book.col("状态");
            for n in tasks {
                let code = duban_io::supervision_sheet::task_code(*n as u32);
                let row = book.row(&code);
                let label = match book.main.get(&(row, status_col)) {
                    Some(io_common::C::S(s)) => s.clone(),
                    other => panic!("{path}: task {n}: 状态 {other:?}"),
                };
                assert!(book.main.contains_key(&(row, code_col)));
                from_sheet
                    .entry(*n)
                    .or_default()
                    .insert(sheet_light(&label).to_string());
            }
        }
        same_lights("督办表", &from_sheet, &from_api, &numbers, date);
        // 督办总表 (all units in one workbook), one per cadence's first period: every task
        // × lead unit row, the task's light as everywhere else.
        let mut from_overview: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let cadences: BTreeSet<&String> = sheets.keys().map(|(_, c)| c).collect();
        for cadence in cadences {
            let period = first_period(&periods, cadence);
            let path = format!("/plans/{plan}/sheet/all.xlsx?period={period}&as_of={date}");
            let bytes = get_xlsx(&office, &app.base, &path).await;
            use calamine::Reader;
            let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let range = book.worksheet_range("督办总表").unwrap();
            let rows: Vec<_> = range.rows().skip(3).collect();
            let expected: usize = sheets
                .iter()
                .filter(|((_, c), _)| c == cadence)
                .map(|(_, tasks)| tasks.len())
                .sum();
            assert_eq!(rows.len(), expected, "{path}: one row per task × lead unit");
            for r in rows {
                let n: i64 = r[0].to_string().parse().unwrap();
                from_overview
                    .entry(n)
                    .or_default()
                    .insert(sheet_light(&r[10].to_string()).to_string());
            }
        }
        same_lights("督办总表", &from_overview, &from_api, &numbers, date);
    }
    // The comparison is not vacuous: the demo shows several colours.
    for l in ["blue", "green", "yellow", "red"] {
        assert!(seen_lights.contains(l), "{l} never shown: {seen_lights:?}");
    }
}

#[tokio::test]
async fn demo_plan_opens_as_of_its_own_date_with_a_banner() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let mut office = login(&app, "admin").await;
    // Before the demo is loaded: no banner.
    let before = office.get(&format!("/plans/{plan}/tasks")).await;
    assert!(!before.body.contains("id=\"demo-banner\""));

    duban_web::demo::load_demo(&app.state.store).await.unwrap();
    let (y, m, d) = duban_web::demo::DEMO_AS_OF;
    let demo_date = format!("{y:04}-{m:02}-{d:02}");
    let mut api = bearer(&app, "viewer").await;
    let s = api
        .get(&format!("/api/v1/plans/{plan}/status"))
        .await
        .json();
    assert_eq!(s["as_of"], demo_date.as_str(), "API default as-of");
    let explicit = api
        .get(&format!("/api/v1/plans/{plan}/status?as_of={demo_date}"))
        .await
        .json();
    assert_eq!(s["tasks"], explicit["tasks"]);

    for path in [
        format!("/plans/{plan}"),
        format!("/plans/{plan}/tasks"),
        format!("/plans/{plan}/status"),
        format!("/plans/{plan}/sheet"),
    ] {
        let page = office.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains("id=\"demo-banner\"")
                && page.body.contains("示例数据")
                && page.body.contains(&format!("{y}年{m}月{d}日")),
            "{path}: no demo banner with the date"
        );
    }
    // The status page counts overdue reports as of the demo date, not today.
    let dash = office.get(&format!("/plans/{plan}/status")).await;
    assert!(
        dash.body
            .contains(&format!("<b id=\"as-of-shown\">{y}年{m}月{d}日</b>"))
    );
    // The task list shows progress from the same status, not 暂无数据 everywhere.
    let tasks = office.get(&format!("/plans/{plan}/tasks")).await;
    assert!(
        tasks.body.contains("<meter class=\"progress\""),
        "no progress shown"
    );
    // Another as-of still works and is named in the banner.
    let other = office
        .get(&format!("/plans/{plan}/tasks?as_of=2020-12-31"))
        .await;
    assert!(other.body.contains("当前截至日期为 2020年12月31日"));
}

/// 督办情况一览 (issue 10): the plan's page lists every task × lead unit of the period with
/// its light and report state, the unit's page only that unit's rows; both count the
/// overdue rows they list; the page offers printing and the whole-plan workbook.
#[tokio::test]
async fn the_one_page_summary_lists_the_period_per_plan_and_per_unit() {
    let (app, plan) = app_with_demo().await;
    let mut office = login(&app, "admin").await;
    let page = office
        .get(&format!(
            "/plans/{plan}/summary?period=2020-Q2&as_of=2020-07-15"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("督办情况一览") && body.contains("2020年7月15日"));
    assert!(body.contains("data-print") && body.contains("id=\"overview-download\""));
    let rows = body.matches("<tr class=\"overdue\">").count() + {
        let table = body.split("id=\"summary-rows\"").nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        table.matches("<tr><td class=\"num\">").count()
    };
    let pd = duban_app::status::plan_deliver(
        &app.state.store,
        plan,
        chrono::NaiveDate::from_ymd_opt(2020, 7, 15).unwrap(),
    )
    .await
    .unwrap();
    let q2 = pd.periods.iter().find(|p| p.key == "2020-Q2").unwrap().id;
    let duties: Vec<_> = pd.duties.iter().filter(|d| d.period_id == q2).collect();
    assert_eq!(rows, duties.len(), "one row per task × lead unit");
    let overdue_shown: usize = body
        .split("id=\"summary-overdue\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert_eq!(overdue_shown, body.matches("（逾期）").count());
    // Replayed before a report was first sent, its row says 未报, not today's state.
    let mut unsent_rows = 0;
    for as_of in ["2020-07-01", "2020-07-10", "2020-07-13"] {
        let page = office
            .get(&format!(
                "/plans/{plan}/summary?period=2020-Q2&as_of={as_of}"
            ))
            .await;
        for state in ["已报送（逾期）", "已审核通过（逾期）", "已退回（逾期）"]
        {
            assert!(!page.body.contains(state), "{as_of}: {state}");
        }
        // Nor does the 督办总表 show the text that report holds today.
        let path = format!("/plans/{plan}/sheet/all.xlsx?period=2020-Q2&as_of={as_of}");
        let bytes = get_xlsx(&office, &app.base, &path).await;
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("督办总表").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let header = rows
            .iter()
            .position(|r| r.iter().any(|c| c == "报送情况"))
            .unwrap();
        let col = |name: &str| rows[header].iter().position(|c| c == name).unwrap();
        let (state, progress) = (col("报送情况"), col("进展情况"));
        for r in rows[header + 1..]
            .iter()
            .filter(|r| r[state].starts_with("未报"))
        {
            assert_eq!(r[progress], "", "{as_of}: {r:?}");
            unsent_rows += 1;
        }
    }

    assert!(unsent_rows > 0, "the replay checks some unsent rows");

    // One unit: only its rows.
    let unit = &duties[0].unit_code;
    let name = &duties[0].unit_name;
    let page = office
        .get(&format!(
            "/plans/{plan}/summary?period=2020-Q2&as_of=2020-07-15&unit={unit}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("督办情况一览（{name}）")));
    let table = page.body.split("id=\"summary-rows\"").nth(1).unwrap();
    let table = table.split("</table>").next().unwrap();
    let unit_rows = table.matches("<tr").count() - 1;
    assert_eq!(
        unit_rows,
        duties.iter().filter(|d| &d.unit_code == unit).count()
    );
    assert!(
        !page.body.contains("id=\"summary-ranking\""),
        "no ranking for one unit"
    );
    let r = office
        .get(&format!("/plans/{plan}/summary?unit=nope"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// 进度趋势 on the status page (issue 10, a 领导's view): one row per quarter end before the
/// date and one for the date itself; the last row is the status shown above it.
#[tokio::test]
async fn the_status_page_shows_the_trend_up_to_its_date() {
    let (app, plan) = app_with_demo().await;
    let mut boss = login(&app, "viewer").await;
    let page = boss
        .get(&format!("/plans/{plan}/status?as_of=2020-12-31"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let table = page
        .body
        .split("id=\"trend-table\"")
        .nth(1)
        .expect("trend table")
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = table.split("<tr><td>").skip(1).collect();
    assert_eq!(rows.len(), 4, "Q1, Q2, Q3 ends and the date");
    assert!(rows[0].starts_with("2020年3月31日"));
    assert!(rows[3].starts_with("2020年12月31日"));
    let api = bearer(&app, "viewer")
        .await
        .get(&format!("/api/v1/plans/{plan}/status?as_of=2020-12-31"))
        .await
        .json();
    let progress = api["plan"]["progress"].as_f64().expect("plan progress");
    let progress = (progress * 1000.0).round() / 10.0;
    assert!(
        rows[3].contains(&format!("{progress:.1}%")),
        "last trend row {} vs API {progress}",
        rows[3]
    );
}
