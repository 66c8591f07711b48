//! Fuzz the supervision-table import (untrusted uploads): any bytes must give `Ok` or a list
//! of errors, never a panic, a hang or an unbounded allocation. The first byte picks the
//! mode: raw bytes as the uploaded file, or the rest as the text of a value cell.
#![no_main]

use duban_io::supervision_sheet::{
    SheetSpec, SheetTarget, SheetTaskRow, parse_number, read_supervision_sheet,
};
use libfuzzer_sys::fuzz_target;

fn spec() -> SheetSpec {
    SheetSpec {
        plan_code: "p1".into(),
        plan_title: "示例计划".into(),
        period_code: "2020-Q2".into(),
        period_label: "2020年第二季度".into(),
        unit_code: "u1".into(),
        unit_name: "示例单位".into(),
        rows: vec![SheetTaskRow {
            task_code: "T01".into(),
            number: "1".into(),
            title: "示例任务".into(),
            targets: vec![SheetTarget {
                target_code: "T01-1".into(),
                label: "示例目标 不少于 10 个".into(),
                unit: Some("个".into()),
                current_value: None,
            }],
            lead_units: vec![],
            co_units: vec![],
            deadline: String::new(),
            progress: String::new(),
            problems: String::new(),
            next_steps: String::new(),
            status_label: String::new(),
            as_of: None,
        }],
    }
}

/// libfuzzer-sys aborts on every panic, even a caught one. The import contains calamine's
/// panics on purpose (they become "file damaged" errors), so those alone are let through;
/// any other panic still aborts and is reported.
fn allow_contained_parser_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parser = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_parser {
                abort_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    allow_contained_parser_panics();
    match data.split_first() {
        Some((0, rest)) => {
            if let Ok(text) = std::str::from_utf8(rest) {
                if let Ok(Some(v)) = parse_number(text, Some("个")) {
                    assert!(v.is_finite());
                }
            }
        }
        _ => {
            if let Err(e) = read_supervision_sheet(data, &spec()) {
                assert!(!e.errors.is_empty());
            }
        }
    }
});
