//! Property tests: any valid spec round-trips exactly; re-sorting rows keeps the mapping.

mod common;

use chrono::NaiveDate;
use common::load;
use duban_io::supervision_sheet::{
    SheetSpec, SheetTarget, SheetTaskRow, read_supervision_sheet, target_code, task_code,
    write_supervision_sheet,
};
use proptest::prelude::*;

/// Printable Unicode (any script, CJK, emoji, spaces), line breaks, and a few strings that
/// trip XML writers and readers (escapes, Excel's `_xHHHH_` form, formula-like text).
fn text() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        "",
        "_x0041_",
        "_x000D_",
        "&amp;<b>\"'",
        "=SUM(A1:A3)",
        "+1",
        "\t缩进",
        "第一行\r\n第二行\n",
        "  前后空格  ",
        "𠀀😀",
    ]);
    (tricky, "[\\PC\n]{0,40}").prop_map(|(a, b)| format!("{a}{b}"))
}

fn value() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        (-1e15f64..=1e15f64).prop_map(Some),
        any::<i32>().prop_map(|i| Some(i as f64)),
        prop::num::f64::NORMAL
            .prop_filter("bounded", |v| v.abs() <= 1e15)
            .prop_map(Some),
        Just(Some(0.1)),
        Just(Some(1e-300)),
    ]
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        Just(None),
        (1949i32..=2199, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
    ]
}

fn target(task: u32, i: usize) -> impl Strategy<Value = SheetTarget> {
    (text(), prop::option::of("[个家%亿元]{1,2}"), value()).prop_map(move |(label, unit, v)| {
        SheetTarget {
            target_code: target_code(task, i),
            label,
            unit,
            current_value: v,
        }
    })
}

fn row(number: u32) -> impl Strategy<Value = SheetTaskRow> {
    let targets =
        (0usize..=4).prop_flat_map(move |n| (0..n).map(|i| target(number, i)).collect::<Vec<_>>());
    (
        targets,
        (text(), text(), text(), text()),
        (text(), text(), text()),
        date(),
    )
        .prop_map(
            move |(
                targets,
                (title, deadline, status, unit),
                (progress, problems, next_steps),
                as_of,
            )| {
                SheetTaskRow {
                    task_code: task_code(number),
                    number: number.to_string(),
                    title,
                    targets,
                    lead_units: vec![unit],
                    co_units: vec![],
                    deadline,
                    progress,
                    problems,
                    next_steps,
                    status_label: status,
                    as_of,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = SheetSpec> {
    let rows = prop::collection::btree_set(1u32..200, 0..8)
        .prop_flat_map(|numbers| numbers.into_iter().map(row).collect::<Vec<_>>());
    (rows, text(), text(), text()).prop_map(|(rows, title, period_label, unit_name)| SheetSpec {
        plan_code: "p1".into(),
        plan_title: title,
        period_code: "2020-Q2".into(),
        period_label,
        unit_code: "u1".into(),
        unit_name,
        rows,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn write_then_read_is_exact(spec in spec()) {
        let bytes = write_supervision_sheet(&spec).unwrap();
        let filled = read_supervision_sheet(&bytes, &spec).unwrap();
        prop_assert_eq!(filled, common::filled_from_spec(&spec));
    }

    #[test]
    fn resorting_keeps_the_mapping(
        spec in spec(),
        seed in any::<u64>(),
    ) {
        let bytes = write_supervision_sheet(&spec).unwrap();
        let mut book = load(&bytes);
        let n = book.data_rows().len();
        // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
        let mut perm: Vec<usize> = (0..n).collect();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(i, (x >> 33) as usize % (i + 1));
        }
        book.permute_rows(&perm);
        let filled = read_supervision_sheet(&book.save_xlsxwriter(), &spec).unwrap();
        prop_assert_eq!(filled, common::filled_from_spec(&spec));
    }
}
