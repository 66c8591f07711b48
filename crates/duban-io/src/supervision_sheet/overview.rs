//! The whole-plan 督办总表: every lead unit's row of one period in one read-only sheet, for
//! the office's meeting or file (the per-unit 督办表 is the one that is filled and read
//! back). Printed landscape on A4, one page wide, the header repeated on every page.

use duban_core::Light;
use rust_xlsxwriter::{Color, Format, Workbook};

use super::IoError;
use super::write::{Formats, truncate, wrapped_lines};

/// Everything the overview shows, filled by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOverview {
    pub plan_title: String,
    /// e.g. 2020年第二季度.
    pub period_label: String,
    /// The date the lights refer to, as prose (2020年7月15日).
    pub as_of_label: String,
    pub rows: Vec<OverviewRow>,
}

/// One task × lead unit of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    /// 序号 as in the plan.
    pub number: String,
    pub task: String,
    /// One line per target, with the value reported this period when there is one.
    pub targets: Vec<String>,
    pub lead_unit: String,
    pub co_units: String,
    pub deadline: String,
    /// 未报 / 草稿 / 已报送 / 已退回 / 已审核通过, with 逾期 where it applies.
    pub report_state: String,
    /// Submitted (or accepted) by the date of the overview.
    pub submitted: bool,
    pub progress: String,
    pub problems: String,
    pub next_steps: String,
    pub light: Option<Light>,
    pub light_label: String,
}

const HEADERS: [&str; 12] = [
    "序号",
    "重点任务",
    "量化目标及本期报送值",
    "牵头单位",
    "配合单位",
    "时间节点",
    "报送情况",
    "进展情况",
    "存在问题",
    "下步打算",
    "状态",
    "备注",
];
const WIDTHS: [f64; 12] = [
    6.0, 28.0, 36.0, 16.0, 16.0, 11.0, 12.0, 40.0, 26.0, 26.0, 10.0, 10.0,
];
/// A cell's text is cut here (Excel's own limit is 32,767 characters).
const MAX_CELL_CHARS: usize = 4000;

/// Writes the overview as an `.xlsx` file.
pub fn write_plan_overview(spec: &PlanOverview) -> Result<Vec<u8>, IoError> {
    let f = Formats::new();
    let light_formats = |l: Option<Light>| -> Format {
        let rgb = match l {
            Some(Light::Red) => 0xF4CCCC,
            Some(Light::Yellow) => 0xFFF2CC,
            Some(Light::Green) => 0xD9EAD3,
            Some(Light::Blue) => 0xCFE2F3,
            _ => 0xF2F2F2,
        };
        f.readonly.clone().set_background_color(Color::RGB(rgb))
    };
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("督办总表")?;
    let last = (HEADERS.len() - 1) as u16;
    let title =
        crate::formula::neutralise(&format!("{} 督办总表", spec.plan_title.trim())).into_owned();
    ws.merge_range(0, 0, 0, last, &title, &f.title)?;
    ws.set_row_height(0, 30)?;
    let reported = spec.rows.iter().filter(|r| r.submitted).count();
    let info = format!(
        "报告期：{}　　状态截至：{}　　共 {} 项应报，已报 {} 项",
        spec.period_label.trim(),
        spec.as_of_label.trim(),
        spec.rows.len(),
        reported
    );
    ws.merge_range(1, 0, 1, last, &info, &f.info)?;
    const HEADER_ROW: u32 = 2;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, &f.header)?;
        ws.set_column_width(c as u16, WIDTHS[c])?;
    }
    ws.set_row_height(HEADER_ROW, 30)?;
    for (i, row) in spec.rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        let targets = row.targets.join("\n");
        let cells: [&str; 12] = [
            &row.number,
            &row.task,
            &targets,
            &row.lead_unit,
            &row.co_units,
            &row.deadline,
            &row.report_state,
            &row.progress,
            &row.problems,
            &row.next_steps,
            &row.light_label,
            "",
        ];
        let lines = cells
            .iter()
            .zip(WIDTHS)
            .map(|(t, w)| wrapped_lines(t, w))
            .max()
            .unwrap_or(1);
        ws.set_row_height(r, (lines as f64 * 15.0).clamp(20.0, 409.0))?;
        for (c, text) in cells.iter().enumerate() {
            let text = truncate(text, MAX_CELL_CHARS);
            let text = crate::formula::neutralise(&text);
            let fmt = if c == 10 {
                light_formats(row.light)
            } else {
                f.readonly.clone()
            };
            ws.write_string_with_format(r, c as u16, text.as_ref(), &fmt)?;
        }
    }
    let last_row = HEADER_ROW + spec.rows.len().max(1) as u32;
    ws.autofilter(HEADER_ROW, 0, last_row, last)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_print_gridlines(false);
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn row(n: &str, unit: &str, state: &str) -> OverviewRow {
        OverviewRow {
            number: n.into(),
            task: "加快发展现代物流".into(),
            targets: vec!["①快递业务量 增长 10%：本期 8.5%".into()],
            lead_unit: unit.into(),
            co_units: "省交通运输厅".into(),
            deadline: "2020年底前".into(),
            submitted: state == "已审核通过",
            report_state: state.into(),
            progress: "=HYPERLINK(\"http://x\")".into(),
            problems: String::new(),
            next_steps: String::new(),
            light: Some(Light::Red),
            light_label: "红灯".into(),
        }
    }

    #[test]
    fn every_unit_row_is_written_and_formulas_are_neutralised() {
        let spec = PlanOverview {
            plan_title: "2020年服务业发展工作要点".into(),
            period_label: "2020年第二季度".into(),
            as_of_label: "2020年7月15日".into(),
            rows: vec![
                row("1", "省发展改革委", "已审核通过"),
                row("1", "省商务厅", "未报（逾期）"),
            ],
        };
        let bytes = write_plan_overview(&spec).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("督办总表").unwrap();
        assert_eq!(
            range.get((0, 0)),
            Some(&Data::String("2020年服务业发展工作要点 督办总表".into()))
        );
        let info = range.get((1, 0)).unwrap().to_string();
        assert!(info.contains("共 2 项应报，已报 1 项"), "{info}");
        assert_eq!(
            range.get((3, 3)),
            Some(&Data::String("省发展改革委".into()))
        );
        assert_eq!(range.get((4, 3)), Some(&Data::String("省商务厅".into())));
        assert_eq!(
            range.get((4, 6)),
            Some(&Data::String("未报（逾期）".into()))
        );
        let progress = range.get((3, 7)).unwrap().to_string();
        assert!(
            progress.starts_with('\''),
            "formula neutralised: {progress}"
        );
    }
}
