//! Export: [`SheetSpec`] → `.xlsx` bytes (rust_xlsxwriter).

use chrono::Datelike;
use rust_xlsxwriter::{
    Color, DataValidation, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use super::{
    IoError, Layout, MAIN_SHEET, MAX_ABS_VALUE, MAX_LABEL_CHARS, MAX_ROWS, MAX_TARGETS_PER_TASK,
    MAX_TEXT_CHARS, META_SHEET, SHEET_SCHEMA, SheetSpec, circled, value_columns,
};

/// Writes the supervision table of `spec` as an `.xlsx` file (format `duban.sheet/1`, see
/// the [module docs](super)). Refuses a spec that breaks a bound the reader enforces, so
/// every exported file can be imported back unchanged.
pub fn write_supervision_sheet(spec: &SheetSpec) -> Result<Vec<u8>, IoError> {
    validate(spec)?;
    let layout = Layout {
        values: value_columns(spec),
    };
    let mut wb = Workbook::new();
    write_main(wb.add_worksheet(), spec, layout)?;
    write_meta(wb.add_worksheet(), spec)?;
    Ok(wb.save_to_buffer()?)
}

fn invalid(msg: String) -> IoError {
    IoError::InvalidSpec(msg)
}

fn validate(spec: &SheetSpec) -> Result<(), IoError> {
    for (name, code) in [
        ("plan_code", &spec.plan_code),
        ("period_code", &spec.period_code),
        ("unit_code", &spec.unit_code),
    ] {
        if code.chars().count() > 200 || code.trim() != code {
            return Err(invalid(format!(
                "{name}“{code}”不合规（不超过200字，首尾无空白）"
            )));
        }
    }
    if spec.rows.len() > MAX_ROWS {
        return Err(invalid(format!(
            "任务行数 {} 超过上限 {MAX_ROWS}",
            spec.rows.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for row in &spec.rows {
        let code = &row.task_code;
        if code.trim().is_empty() || code.trim() != code || code.contains('|') {
            return Err(invalid(format!("任务编码“{code}”不合规")));
        }
        if !seen.insert(code.as_str()) {
            return Err(invalid(format!("任务编码“{code}”重复")));
        }
        if row.targets.len() > MAX_TARGETS_PER_TASK {
            return Err(invalid(format!(
                "任务 {code} 有 {} 个目标，超过上限 {MAX_TARGETS_PER_TASK}",
                row.targets.len()
            )));
        }
        for (name, text) in [
            ("进展情况", &row.progress),
            ("存在问题", &row.problems),
            ("下步打算", &row.next_steps),
        ] {
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(invalid(format!(
                    "任务 {code} 的{name}超过 {MAX_TEXT_CHARS} 字"
                )));
            }
        }
        for t in &row.targets {
            let tc = &t.target_code;
            if tc.trim().is_empty() || tc.trim() != tc || tc.contains('|') {
                return Err(invalid(format!("目标编码“{tc}”不合规")));
            }
            if let Some(v) = t.current_value
                && (!v.is_finite() || v.abs() > MAX_ABS_VALUE)
            {
                return Err(invalid(format!("目标 {tc} 的数值 {v} 超出范围")));
            }
        }
        let codes_len: usize = row.targets.iter().map(|t| t.target_code.len() + 1).sum();
        if codes_len > MAX_LABEL_CHARS {
            return Err(invalid(format!("任务 {code} 的目标编码过长")));
        }
    }
    Ok(())
}

pub(super) struct Formats {
    pub(super) title: Format,
    pub(super) info: Format,
    pub(super) header: Format,
    header_input: Format,
    header_code: Format,
    pub(super) readonly: Format,
    text_input: Format,
    value_input: Format,
    value_none: Format,
    date_input: Format,
    code: Format,
}

impl Formats {
    pub(super) fn new() -> Self {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top)
            .set_text_wrap();
        let input = cell.clone().set_unlocked();
        // Header cells: read-only columns grey, columns the unit fills in yellow.
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            info: Format::new().set_align(FormatAlign::Left),
            header_input: header.clone().set_background_color(Color::RGB(0xFFF2CC)),
            header: header.set_background_color(Color::RGB(0xD9D9D9)),
            header_code: Format::new()
                .set_border(FormatBorder::Thin)
                .set_font_color(Color::RGB(0x808080)),
            readonly: cell.clone().set_background_color(Color::RGB(0xF2F2F2)),
            text_input: input.clone(),
            // Text format: what is typed (12%, 350家) stays as typed; the reader parses it.
            value_input: input.clone().set_num_format("@"),
            value_none: cell.clone().set_background_color(Color::RGB(0xBFBFBF)),
            date_input: input.set_num_format("yyyy-mm-dd"),
            code: Format::new().set_font_color(Color::RGB(0x808080)),
        }
    }
}

fn col(c: u32) -> u16 {
    // Bounded by MAX_TARGETS_PER_TASK + 13 columns.
    c as u16
}

fn write_main(ws: &mut Worksheet, spec: &SheetSpec, layout: Layout) -> Result<(), IoError> {
    let f = Formats::new();
    ws.set_name(MAIN_SHEET)?;
    let last_visible = col(layout.as_of_col());

    // Title and info rows (merged: LibreOffice and WPS keep merges on save).
    // Every text a user or a document wrote goes through `formula::neutralise`.
    let title =
        crate::formula::neutralise(&format!("{} 督办表", spec.plan_title.trim())).into_owned();
    ws.merge_range(0, 0, 0, last_visible, &title, &f.title)?;
    ws.set_row_height(0, 30)?;
    let info = format!(
        "填报单位：{}　　报告期：{}　　（黄色表头的列由填报单位填写；灰色列为只读；请勿删除、插入行或修改隐藏列）",
        spec.unit_name.trim(),
        spec.period_label.trim()
    );
    ws.merge_range(1, 0, 1, last_visible, &info, &f.info)?;

    // Header.
    let hr = Layout::HEADER_ROW;
    for (i, h) in layout.headers().iter().enumerate() {
        let c = i as u32;
        let fmt = if c == layout.task_code_col() || c == layout.target_codes_col() {
            &f.header_code
        } else if matches!(c, Layout::PROGRESS | Layout::PROBLEMS | Layout::NEXT_STEPS)
            || c >= Layout::FIRST_VALUE
        {
            &f.header_input
        } else {
            &f.header
        };
        ws.write_string_with_format(hr, col(c), h, fmt)?;
    }
    ws.set_row_height(hr, 32)?;

    for (c, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for i in 0..layout.values {
        ws.set_column_width(col(layout.value_col(i)), 12.0)?;
    }
    ws.set_column_width(col(layout.as_of_col()), 13.0)?;
    ws.set_column_width(col(layout.task_code_col()), 10.0)?;
    ws.set_column_width(col(layout.target_codes_col()), 16.0)?;
    ws.set_column_hidden(col(layout.task_code_col()))?;
    ws.set_column_hidden(col(layout.target_codes_col()))?;

    for (i, row) in spec.rows.iter().enumerate() {
        let r = hr + 1 + i as u32;
        let targets_text = row
            .targets
            .iter()
            .enumerate()
            .map(|(j, t)| format!("{}{}", circled(j + 1), t.label.trim()))
            .collect::<Vec<_>>()
            .join("\n");
        // Explicit heights: not every program re-measures wrapped rows when opening a file.
        let lines = [
            (&row.title, WIDTHS[1]),
            (&targets_text, WIDTHS[2]),
            (&row.progress, WIDTHS[6]),
            (&row.problems, WIDTHS[7]),
            (&row.next_steps, WIDTHS[8]),
        ]
        .into_iter()
        .map(|(t, w)| wrapped_lines(t, w))
        .max()
        .unwrap_or(1);
        ws.set_row_height(r, (lines as f64 * 15.0).clamp(20.0, 409.0))?;
        let readonly: [(u32, String); 7] = [
            (0, row.number.clone()),
            (1, row.title.clone()),
            (2, targets_text),
            (3, row.lead_units.join("、")),
            (4, row.co_units.join("、")),
            (5, row.deadline.clone()),
            (Layout::STATUS, row.status_label.clone()),
        ];
        for (c, text) in readonly {
            let text = truncate(&text, MAX_LABEL_CHARS);
            let text = crate::formula::neutralise(&text);
            ws.write_string_with_format(r, col(c), text.as_ref(), &f.readonly)?;
        }
        for (c, text) in [
            (Layout::PROGRESS, &row.progress),
            (Layout::PROBLEMS, &row.problems),
            (Layout::NEXT_STEPS, &row.next_steps),
        ] {
            let text = crate::formula::neutralise(text);
            ws.write_string_with_format(r, col(c), text.as_ref(), &f.text_input)?;
        }
        for i in 0..layout.values {
            let c = col(layout.value_col(i));
            match row.targets.get(i) {
                Some(t) => {
                    match t.current_value {
                        Some(v) => ws.write_number_with_format(r, c, v, &f.value_input)?,
                        None => ws.write_blank(r, c, &f.value_input)?,
                    };
                    let unit = t.unit.as_deref().unwrap_or("");
                    let msg = format!(
                        "{}{}\n填写数字{}；留空表示未报。",
                        circled(i + 1),
                        t.label.trim(),
                        if unit.is_empty() {
                            String::new()
                        } else {
                            format!("（单位：{unit}，可写“123{unit}”）")
                        }
                    );
                    let dv = DataValidation::new()
                        .allow_any_value()
                        .set_input_title(format!("目标{}", circled(i + 1)))?
                        .set_input_message(truncate_utf16(&msg, 250))?;
                    ws.add_data_validation(r, c, r, c, &dv)?;
                }
                None => {
                    ws.write_blank(r, c, &f.value_none)?;
                }
            }
        }
        let dc = col(layout.as_of_col());
        match row.as_of {
            Some(d) => {
                let ed = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                ws.write_date_with_format(r, dc, &ed, &f.date_input)?;
            }
            None => {
                ws.write_blank(r, dc, &f.date_input)?;
            }
        }
        ws.write_string_with_format(r, col(layout.task_code_col()), &row.task_code, &f.code)?;
        let codes = row
            .targets
            .iter()
            .map(|t| t.target_code.as_str())
            .collect::<Vec<_>>()
            .join("|");
        ws.write_string_with_format(r, col(layout.target_codes_col()), &codes, &f.code)?;
    }

    // Autofilter over every column, hidden codes included, so sorting moves them along.
    let last_row = hr + spec.rows.len().max(1) as u32;
    ws.autofilter(hr, 0, last_row, col(layout.last_col()))?;
    ws.set_freeze_panes(hr + 1, 2)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn write_meta(ws: &mut Worksheet, spec: &SheetSpec) -> Result<(), IoError> {
    ws.set_name(META_SHEET)?;
    let rows = [
        ("schema", SHEET_SCHEMA),
        ("plan_code", spec.plan_code.as_str()),
        ("plan_title", spec.plan_title.as_str()),
        ("period_code", spec.period_code.as_str()),
        ("period_label", spec.period_label.as_str()),
        ("unit_code", spec.unit_code.as_str()),
        ("unit_name", spec.unit_name.as_str()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string(i as u32, 0, *k)?;
        ws.write_string(i as u32, 1, truncate(v, MAX_LABEL_CHARS))?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 40)?;
    ws.set_hidden(true);
    Ok(())
}

/// Widths of columns A..J, in Excel character units (a CJK character takes about two).
const WIDTHS: [f64; 10] = [6.0, 30.0, 40.0, 16.0, 16.0, 12.0, 40.0, 30.0, 30.0, 10.0];

/// Estimated wrapped line count of `text` in a column `width` units wide.
pub(super) fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|p| {
            let w: f64 = p
                .chars()
                .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                .sum();
            ((w / per_line).ceil() as usize).max(1)
        })
        .sum()
}

/// Excel limits input messages to 255 UTF-16 units (an emoji counts two).
fn truncate_utf16(s: &str, max_units: usize) -> String {
    let mut units = 0;
    s.chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= max_units
        })
        .collect()
}

pub(super) fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_messages_fit_excel() {
        let long = "😀".repeat(200);
        assert_eq!(truncate_utf16(&long, 250).chars().count(), 125);
        assert_eq!(truncate_utf16("目标", 250), "目标");
    }

    #[test]
    fn wrapped_lines_count_cjk_double() {
        assert_eq!(wrapped_lines("", 30.0), 1);
        assert_eq!(wrapped_lines("一二三四五六七八九十一二三四五", 30.0), 2);
        assert_eq!(wrapped_lines("a\nb\nc", 30.0), 3);
    }
}
