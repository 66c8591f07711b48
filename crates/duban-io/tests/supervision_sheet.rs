//! Round trip of the supervision table: export, fill (as various producers would), import.

mod common;

use chrono::NaiveDate;
use common::{Book, C, load, s, sample_spec};
use duban_io::supervision_sheet::{
    MAX_TEXT_CHARS, SheetErrorKind, SheetErrors, read_supervision_sheet, write_supervision_sheet,
};

fn messages(e: &SheetErrors) -> Vec<String> {
    e.errors.iter().map(|x| x.to_string()).collect()
}

fn exported() -> Book {
    load(&write_supervision_sheet(&sample_spec()).unwrap())
}

#[test]
fn unchanged_export_reads_back_as_the_spec() {
    let spec = sample_spec();
    let bytes = write_supervision_sheet(&spec).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let filled = read_supervision_sheet(&bytes, &spec).unwrap();
    assert_eq!(filled, common::filled_from_spec(&spec));
}

#[test]
fn export_layout_is_as_documented() {
    let b = exported();
    let headers: Vec<String> = (0..16)
        .map(|c| match b.main.get(&(2, c)) {
            Some(C::S(x)) => x.clone(),
            other => panic!("header {c}: {other:?}"),
        })
        .collect();
    assert_eq!(
        headers.join(","),
        "序号,工作任务,目标,牵头单位,配合单位,时间节点,进展情况,存在问题,下步打算,状态,\
         目标值①,目标值②,目标值③,数据截至日期,任务编码,目标编码"
    );
    assert_eq!(
        b.main.get(&(0, 0)),
        Some(&s("2020年浙江省服务业发展工作要点 督办表"))
    );
    // Row 5 = T13, its targets numbered like the value columns.
    assert_eq!(b.main.get(&(4, 14)), Some(&s("T13")));
    assert_eq!(b.main.get(&(4, 15)), Some(&s("T13-1|T13-2|T13-3")));
    match b.main.get(&(4, 2)) {
        Some(C::S(t)) => assert!(t.starts_with("①城镇小区") && t.contains("\n③省级"), "{t}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(b.main.get(&(5, 10)), Some(&C::N(120.0)));
    assert_eq!(b.main.get(&(5, 13)), Some(&C::D(43921.0))); // 2020-03-31
    assert_eq!(b.meta.get(&(0, 1)), Some(&s("duban.sheet/1")));
}

#[test]
fn filled_values_in_every_accepted_form() {
    let spec = sample_spec();
    let mut b = exported();
    b.set(
        "T13",
        "进展情况",
        s("  已治理180所。\r\n下半年完成剩余任务。 "),
    );
    b.set("T13", "存在问题", C::N(3.0)); // a number typed into a text column
    b.set("T13", "目标值①", s("１８０")); // full-width digits, text
    b.set("T13", "目标值②", s("1,00所")); // bad grouping → error below, fixed next
    b.set("T13", "目标值③", C::N(12.0));
    b.set("T15", "目标值①", s("350 个"));
    b.set("T15", "目标值②", s("71.5％"));
    b.set("T15", "数据截至日期", s("2020年6月30日"));
    b.set("T30", "数据截至日期", C::N(44012.0)); // a bare serial
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "第5行 L列：“1,00所” 中的逗号含义不明确（千位分隔符须每三位一组；小数请用小数点，如 1.5）"
        ]
    );
    b.set("T13", "目标值②", s("1,000所"));
    let f = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap();
    let t13 = &f.rows[1];
    assert_eq!(t13.progress, "已治理180所。\n下半年完成剩余任务。");
    assert_eq!(t13.problems, "3");
    let vals: Vec<Option<f64>> = t13.values.iter().map(|v| v.value).collect();
    assert_eq!(vals, [Some(180.0), Some(1000.0), Some(12.0)]);
    let t15 = &f.rows[2];
    assert_eq!(t15.values[0].value, Some(350.0));
    assert_eq!(t15.values[1].value, Some(71.5));
    assert_eq!(t15.values[1].target_code, "T15-2");
    let june30 = NaiveDate::from_ymd_opt(2020, 6, 30);
    assert_eq!(t15.as_of, june30);
    assert_eq!(f.rows[3].as_of, june30);
    assert_eq!(f.rows[0].values, []);
}

#[test]
fn every_bad_cell_is_reported_with_its_reference() {
    let spec = sample_spec();
    let mut b = exported();
    b.set("T13", "目标值①", s("三百五十"));
    b.set("T13", "目标值②", s("约100"));
    b.set("T13", "目标值③", s("3.5万"));
    b.set("T15", "目标值①", C::D(43922.0));
    b.set("T15", "数据截至日期", s("上半年"));
    b.set("T30", "目标值②", s("5")); // T30 has one target
    b.set("T08", "下步打算", s(&"字".repeat(MAX_TEXT_CHARS + 1)));
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            format!(
                "第4行 I列：文字过长（{}字），上限为{MAX_TEXT_CHARS}字",
                MAX_TEXT_CHARS + 1
            ),
            "第5行 K列：“三百五十” 不是数字".into(),
            "第5行 L列：“约100” 不是数字".into(),
            "第5行 M列：“3.5万” 的单位“万”与目标单位“个”不一致，请只填数字".into(),
            "第6行 K列：“2020-04-01” 是日期或时间，不是数字".into(),
            "第6行 N列：“上半年” 不是日期（请写成 2020-06-30）".into(),
            "第7行 L列：“5” 填在了本任务没有的目标列（本任务有1个目标）：请留空".into(),
        ]
    );
    assert_eq!(e.errors[1].kind, SheetErrorKind::NotANumber);
    assert_eq!((e.errors[1].row, e.errors[1].col), (Some(4), Some(10)));
}

/// A NUL in a text cell (issue 9: PostgreSQL answered 500 storing it) is named at its cell.
#[test]
fn a_nul_in_a_text_cell_is_named_at_its_cell() {
    let spec = sample_spec();
    let mut b = exported();
    b.set("T13", "进展情况", s("已完成\0一半"));
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        ["第5行 G列：单元格含有 NUL 字符（不可见的控制字符），请删除后重新上传"]
    );
}

#[test]
fn rows_survive_resorting() {
    let spec = sample_spec();
    let mut b = exported();
    b.set("T15", "目标值②", s("66%"));
    b.set("T08", "进展情况", s("已推出重大项目（示例数据）"));
    let before = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap();
    b.permute_rows(&[3, 2, 0, 1]);
    assert_eq!(b.row("T08"), 6);
    let after = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap();
    assert_eq!(before, after);
    assert_eq!(after.rows[2].values[1].value, Some(66.0));
}

#[test]
fn deleted_inserted_duplicated_and_unknown_rows_are_refused() {
    let spec = sample_spec();
    let b0 = exported();

    let mut b = b0.clone();
    b.delete_row(b.row("T13"));
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::MissingTask);
    assert_eq!(
        messages(&e),
        ["缺少任务行 T13（序号13 全面推进教育现代化工程）：请勿删除行"]
    );

    let mut b = b0.clone();
    b.insert_row_before(5, &[(1, s("新增任务")), (6, s("新写的进展"))]);
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].kind, SheetErrorKind::InsertedRow);
    assert!(
        messages(&e)[0].starts_with("第6行 G列：此行没有任务编码"),
        "{e}"
    );

    // A note under the table in a read-only column is harmless.
    let mut b = b0.clone();
    b.main.insert((20, 1), s("填表人：张三"));
    assert!(read_supervision_sheet(&b.save_xlsxwriter(), &spec).is_ok());

    let mut b = b0.clone();
    let r = b.row("T15");
    let copy: Vec<(u32, C)> = b
        .main
        .iter()
        .filter(|(k, _)| k.0 == r)
        .map(|(k, v)| (k.1, v.clone()))
        .collect();
    b.insert_row_before(8, &copy);
    b.main.insert((7, 14), s("T99"));
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "第8行 O列：未知的任务编码“T99”：此任务不在本单位本期的督办表中",
            "第9行 O列：任务编码“T15”重复（第6行已有此任务）：请删除复制出的行",
        ]
    );
}

#[test]
fn a_file_for_another_unit_period_or_plan_is_refused() {
    let spec = sample_spec();
    let mut b = exported();
    b.set_meta("unit_code", "unit-9");
    b.set_meta("unit_name", "省商务厅");
    b.set_meta("period_code", "2020-Q1");
    b.set_meta("period_label", "2020年第一季度");
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "此文件的报告期是“2020年第一季度”（2020-Q1），不是“2020年第二季度”（2020-Q2）",
            "此文件的填报单位是“省商务厅”，不是“省民政厅”",
        ]
    );
    assert!(
        e.errors
            .iter()
            .all(|x| x.kind == SheetErrorKind::WrongMetadata)
    );

    let mut b = exported();
    b.set_meta("plan_code", "plan-2");
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        ["此文件属于计划“2020年浙江省服务业发展工作要点”，不是“2020年浙江省服务业发展工作要点”"]
    );

    let mut b = exported();
    b.set_meta("schema", "duban.sheet/0");
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::WrongMetadata);

    let mut b = exported();
    b.with_meta = false;
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::MissingMetadata);
}

#[test]
fn missing_or_duplicated_headers_are_named() {
    let spec = sample_spec();
    let mut b = exported();
    b.main.remove(&(2, 7)); // 存在问题
    b.main.insert((2, 9), s("进展情况")); // 状态 renamed to a duplicate
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "第3行：表头“进展情况”出现2次（G、J列）",
            "第3行：缺少表头“存在问题”"
        ]
    );

    let mut b = exported();
    b.main.retain(|&(r, _), _| r != 2);
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::MissingHeader);
}

#[test]
fn changed_targets_require_a_new_export() {
    let mut spec = sample_spec();
    let bytes = write_supervision_sheet(&spec).unwrap();
    spec.rows[3].targets[0].target_code = "T30-9".into();
    let e = read_supervision_sheet(&bytes, &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        ["第7行 P列：任务 T30 的目标已变更（文件中为“T30-1”，现为“T30-9”）：请重新下载督办表"]
    );
    // More targets than value columns: the header check says so.
    let mut spec = sample_spec();
    let mut extra = spec.rows[1].targets[0].clone();
    extra.target_code = "T13-4".into();
    spec.rows[1].targets.push(extra);
    let e = read_supervision_sheet(&bytes, &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        ["第3行：缺少表头“目标值④”：计划的目标可能已变更，请重新下载督办表"]
    );
}

#[test]
fn too_many_rows_and_garbage_are_refused() {
    let spec = sample_spec();
    let mut b = exported();
    for r in 10..1015 {
        b.main.insert((r, 1), s("x"));
    }
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::TooManyRows);

    let e = read_supervision_sheet(b"not a workbook", &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::Unreadable);
    let e = read_supervision_sheet(b"PK\x03\x04garbage", &spec).unwrap_err();
    assert_eq!(e.errors[0].kind, SheetErrorKind::Unreadable);
}

#[test]
fn a_stray_cell_far_away_costs_nothing() {
    // Dense readers would allocate 1M x 16K cells; the streaming reader does not.
    let spec = sample_spec();
    let mut b = exported();
    b.main.insert((1_048_575, 16_383), s(" "));
    let f = read_supervision_sheet(&b.save_inline(&[]), &spec).unwrap();
    assert_eq!(f, common::filled_from_spec(&spec));
}

#[test]
fn inline_strings_numbers_as_text_and_date_serials() {
    // Mimics WPS / online producers: no sharedStrings part, every string inline, numbers
    // typed as text, dates as serials with a date style, a merged title, stray blank cells.
    let spec = sample_spec();
    let mut b = exported();
    b.set("T13", "目标值①", s("218"));
    b.set("T13", "目标值②", s("+100.0"));
    b.set("T15", "目标值①", s("1,234"));
    b.set("T15", "数据截至日期", C::D(44012.0));
    b.set("T30", "进展情况", s("已完成2019年度综合评价 & 发布<结果>"));
    let bytes = b.save_inline(&[(40, 30), (3, 25)]);
    let f = read_supervision_sheet(&bytes, &spec).unwrap();
    assert_eq!(f.rows[1].values[0].value, Some(218.0));
    assert_eq!(f.rows[1].values[1].value, Some(100.0));
    assert_eq!(f.rows[2].values[0].value, Some(1234.0));
    assert_eq!(f.rows[2].as_of, NaiveDate::from_ymd_opt(2020, 6, 30));
    assert_eq!(f.rows[3].progress, "已完成2019年度综合评价 & 发布<结果>");
}

#[test]
fn every_error_is_listed_up_to_the_cap() {
    let mut spec = sample_spec();
    let template = spec.rows[3].clone();
    spec.rows = (1..=300)
        .map(|i| {
            let mut r = template.clone();
            r.task_code = format!("T{i:03}");
            r.targets[0].target_code = format!("T{i:03}-1");
            r
        })
        .collect();
    let mut b = load(&write_supervision_sheet(&spec).unwrap());
    let col = b.col("目标值①");
    for r in b.data_rows() {
        b.main.insert((r, col), s("很多"));
    }
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(e.errors.len(), 200);
    assert_eq!(e.more, 100);
    assert!(e.to_string().ends_with("……另有100处错误未列出"));
}

#[test]
fn export_refuses_specs_the_import_would_refuse() {
    let mut spec = sample_spec();
    spec.rows[1].task_code = spec.rows[0].task_code.clone();
    assert!(write_supervision_sheet(&spec).is_err());
    let mut spec = sample_spec();
    spec.rows[0].progress = "字".repeat(MAX_TEXT_CHARS + 1);
    assert!(write_supervision_sheet(&spec).is_err());
    let mut spec = sample_spec();
    spec.rows[2].targets[0].current_value = Some(f64::NAN);
    assert!(write_supervision_sheet(&spec).is_err());
    let mut spec = sample_spec();
    spec.rows[2].targets[0].target_code = "T15|1".into();
    assert!(write_supervision_sheet(&spec).is_err());
}

#[test]
fn an_empty_sheet_round_trips() {
    let mut spec = sample_spec();
    spec.rows.clear();
    let bytes = write_supervision_sheet(&spec).unwrap();
    let f = read_supervision_sheet(&bytes, &spec).unwrap();
    assert!(f.rows.is_empty());
}

/// The spec of the committed LibreOffice fixtures (data/fixtures/xlsx/README.md): the sample
/// with a filled draft, 示例数据.
fn fixture_spec() -> duban_io::supervision_sheet::SheetSpec {
    let mut spec = sample_spec();
    spec.rows[0].progress = "已推出年度服务业重大项目120个（示例数据）".into();
    spec.rows[1].progress =
        "已完成城镇小区配套幼儿园治理180所；\n改扩建农村普惠性幼儿园64所。".into();
    spec.rows[1].problems = "部分项目受疫情影响开工延迟".into();
    spec.rows[1].next_steps = "三季度完成剩余治理任务".into();
    spec.rows[1].targets[0].current_value = Some(180.0);
    spec.rows[1].targets[1].current_value = Some(64.0);
    spec.rows[1].as_of = NaiveDate::from_ymd_opt(2020, 6, 30);
    spec.rows[2].targets[0].current_value = Some(205.0);
    spec.rows[2].targets[1].current_value = Some(58.5);
    spec.rows[2].as_of = NaiveDate::from_ymd_opt(2020, 6, 30);
    spec
}

/// Writes the exports the LibreOffice fixtures were made from (data/fixtures/xlsx/README.md):
/// `exported-sample.xlsx` (empty draft) and `exported-filled.xlsx` (pre-filled draft).
#[test]
#[ignore = "generates the input of the LibreOffice fixtures; see data/fixtures/xlsx/README.md"]
fn write_libreoffice_fixture_input() {
    let dir = std::path::PathBuf::from(
        std::env::var("DUBAN_FIXTURE_OUT").expect("DUBAN_FIXTURE_OUT=dir"),
    );
    let sample = write_supervision_sheet(&sample_spec()).unwrap();
    std::fs::write(dir.join("exported-sample.xlsx"), sample).unwrap();
    let filled = write_supervision_sheet(&fixture_spec()).unwrap();
    std::fs::write(dir.join("exported-filled.xlsx"), filled).unwrap();
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/fixtures/xlsx")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn files_saved_by_libreoffice_are_accepted() {
    let spec = fixture_spec();
    let want = common::filled_from_spec(&spec);
    for name in [
        "exported-saved-by-libreoffice.xlsx",
        "exported-saved-by-libreoffice.ods",
    ] {
        let got = read_supervision_sheet(&fixture(name), &spec)
            .unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(got, want, "{name}");
    }
    // Legacy .xls is refused (calamine's reader is unsafe on damaged files), politely.
    let e =
        read_supervision_sheet(&fixture("exported-saved-by-libreoffice.xls"), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "不支持旧版 .xls（Excel 97-2003）文件：请在 Excel、WPS 或 LibreOffice 中“另存为” .xlsx 后上传"
        ]
    );
}

#[test]
fn a_file_filled_and_saved_by_libreoffice_is_accepted() {
    let spec = sample_spec();
    let got = read_supervision_sheet(&fixture("filled-in-libreoffice.xlsx"), &spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let t13 = &got.rows[1];
    assert_eq!(t13.progress, "已治理180所\n剩余38所三季度完成");
    let vals: Vec<Option<f64>> = t13.values.iter().map(|v| v.value).collect();
    assert_eq!(vals, [Some(180.0), Some(1000.0), None]);
    let t15 = &got.rows[2];
    assert_eq!(t15.values[0].value, Some(350.0));
    assert_eq!(t15.values[1].value, Some(71.5));
    assert_eq!(t15.as_of, NaiveDate::from_ymd_opt(2020, 6, 30));
}

#[test]
fn a_file_filled_in_libreoffice_with_errors_names_the_cells() {
    let spec = sample_spec();
    let e =
        read_supervision_sheet(&fixture("filled-in-libreoffice-errors.xlsx"), &spec).unwrap_err();
    assert_eq!(
        messages(&e),
        [
            "第5行 K列：“三百五十” 不是数字",
            "第6行 K列：“约350” 不是数字",
            "缺少任务行 T30（序号30 建立完善推进服务业高质量发展协调联动机制）：请勿删除行",
        ]
    );
}

/// A deterministic stand-in for the fuzz target, run by `cargo test`: damaged containers and
/// damaged XML inside a valid container must give errors, never a panic.
#[test]
fn damaged_files_give_errors_not_panics() {
    use std::io::{Cursor, Read, Write};
    let spec = sample_spec();
    let good = write_supervision_sheet(&spec).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let mut outcomes = (0, 0);
    let mut tally = |r: Result<_, SheetErrors>| match r {
        Ok(_) => outcomes.0 += 1,
        Err(e) => {
            assert!(!e.errors.is_empty());
            outcomes.1 += 1
        }
    };
    // Byte flips and truncations of the container.
    for i in 0..150 {
        let mut b = good.clone();
        if i % 3 == 0 {
            b.truncate(next() % good.len());
        } else {
            for _ in 0..1 + next() % 4 {
                let p = next() % b.len();
                b[p] = next() as u8;
            }
        }
        tally(read_supervision_sheet(&b, &spec));
    }
    // Damaged sheet XML in an intact zip (reaches the XML parsers).
    let mut archive = zip::ZipArchive::new(Cursor::new(good.clone())).unwrap();
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        parts.push((f.name().unwrap().to_string(), data));
    }
    for _ in 0..150 {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in &parts {
            let mut data = data.clone();
            if name.starts_with("xl/worksheets/") || name == "xl/workbook.xml" {
                for _ in 0..1 + next() % 3 {
                    let p = next() % data.len();
                    data[p] = b"<>\"/=&x 1;"[next() % 10];
                }
            }
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(&data).unwrap();
        }
        tally(read_supervision_sheet(
            &w.finish().unwrap().into_inner(),
            &spec,
        ));
    }
    assert!(outcomes.1 > 100, "{outcomes:?}");
}

/// The bound itself: 1000 task rows with three targets each export and import; prints the
/// time of both (debug build) for BENCHMARKS-style figures.
#[test]
fn the_largest_sheet_round_trips() {
    let mut spec = sample_spec();
    let template = spec.rows[1].clone();
    spec.rows = (1..=duban_io::supervision_sheet::MAX_ROWS as u32)
        .map(|i| {
            let mut r = template.clone();
            r.task_code = format!("T{i:04}");
            r.progress = format!("第{i}项任务进展：{}", "推进中".repeat(50));
            for (j, t) in r.targets.iter_mut().enumerate() {
                t.target_code = format!("T{i:04}-{}", j + 1);
                t.current_value = Some(i as f64 * 1.5 + j as f64);
            }
            r
        })
        .collect();
    let t0 = std::time::Instant::now();
    let bytes = write_supervision_sheet(&spec).unwrap();
    let t1 = std::time::Instant::now();
    let filled = read_supervision_sheet(&bytes, &spec).unwrap();
    let t2 = std::time::Instant::now();
    assert_eq!(filled, common::filled_from_spec(&spec));
    eprintln!(
        "1000 rows: {} KB, write {:?}, read {:?}",
        bytes.len() / 1024,
        t1 - t0,
        t2 - t1
    );
}

#[test]
fn inserted_columns_and_shifted_tables_are_found_by_header() {
    let spec = sample_spec();
    let mut b = exported();
    b.set("T15", "目标值①", s("300"));
    // The user inserts a 备注 column after 工作任务 and two rows above the title.
    let shifted: common::Grid = std::mem::take(&mut b.main)
        .into_iter()
        .map(|((r, c), v)| ((r + 2, if c >= 2 { c + 1 } else { c }), v))
        .collect();
    b.main = shifted;
    b.main.insert((4, 2), s("备注"));
    b.main.insert((7, 2), s("请核实"));
    let f = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap();
    assert_eq!(f.rows[2].values[0].value, Some(300.0));
    // Errors then name the shifted cells: T13's first value is now at L7.
    b.main.insert((6, 11), s("三百五十"));
    let e = read_supervision_sheet(&b.save_xlsxwriter(), &spec).unwrap_err();
    assert_eq!(messages(&e), ["第7行 L列：“三百五十” 不是数字"]);
}

/// Found by the fuzz target: a damaged .xls made calamine panic (slice index in its CFB
/// reader). The import must answer with an error (now: .xls is refused before parsing).
#[test]
fn fuzz_regression_damaged_xls_is_an_error() {
    for name in ["fuzz-crash-truncated-cfb.xls", "fuzz-oom-cfb.xls"] {
        let e = read_supervision_sheet(&fixture(name), &sample_spec()).unwrap_err();
        assert_eq!(e.errors[0].kind, SheetErrorKind::Unreadable, "{name}");
    }
}
