//! Genres of text as users paste or export it: portal HTML tables with `<p>` in every
//! cell, task tables extracted from PDF with space-aligned columns and wrapped cells,
//! Markdown / `|` tables with category rows, news summaries written as 一要…二要….
//! Each case is a small realistic snippet; the properties at the end check the splitting
//! logic never panics and never loses a numbered row.

use duban_core::Plan;
use proptest::prelude::*;

fn parse_html(html: &str) -> Plan {
    duban_doc::parse_document(html.as_bytes(), "page.html").expect("parses")
}

fn parse(text: &str) -> Plan {
    duban_doc::parse_text(text).expect("parses")
}

fn task(plan: &Plan, number: u32) -> &duban_core::Task {
    plan.tasks
        .iter()
        .find(|t| t.number == number)
        .unwrap_or_else(|| panic!("task {number} missing: {:#?}", plan.tasks))
}

/// Asserts a task's lead and co-operating units, in order.
#[track_caller]
fn assert_units(t: &duban_core::Task, leads: &[&str], cos: &[&str]) {
    assert_eq!(t.lead_units, leads, "{t:#?}");
    assert_eq!(t.co_units, cos, "{t:#?}");
}

/// Whether the outline carries a diagnostic with this code.
fn diagnosed(plan: &Plan, code: &str) -> bool {
    plan.outline.diagnostics.iter().any(|d| d.code == code)
}

#[track_caller]
fn assert_diagnosed(plan: &Plan, code: &str) {
    assert!(
        diagnosed(plan, code),
        "no {code} in {:#?}",
        plan.outline.diagnostics
    );
}

/// A task's title and text together (where a phrase lands depends on the genre).
fn full_text(t: &duban_core::Task) -> String {
    format!("{}{}", t.title, t.text)
}

/// Every target phrase of a plan, headline goals first.
fn phrases_of_plan(plan: &Plan) -> Vec<&str> {
    plan.headline_targets
        .iter()
        .chain(plan.tasks.iter().flat_map(|t| t.targets.iter()))
        .map(|t| t.phrase.as_str())
        .collect()
}

fn phrases(t: &duban_core::Task) -> Vec<&str> {
    t.targets.iter().map(|x| x.phrase.as_str()).collect()
}

// ---------------------------------------------------------------- (a) portal HTML

const PORTAL_TABLE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>任务分解</title></head>
<body><div class="article">
<h1>某市2024年政府工作报告重点工作任务分解表</h1>
<table border="1" cellspacing="0">
<tr><td><p>序号</p></td><td><p>重点任务</p></td><td><p>牵头单位</p></td><td><p>配合单位</p></td><td><p>完成时限</p></td></tr>
<tr><td><p style="text-align:center">1</p></td>
<td><p><span>推进重大项目建设，</span></p><p>全年完成固定资产投资200亿元以上。</p></td>
<td><p>市发展改革委</p></td>
<td><p>市财政局</p><p>市自然资源和规划局</p></td>
<td><p>2024年12月底</p></td></tr>
<tr><td><p>2</p></td>
<td><p>稳定外贸外资。</p><p>实际使用外资增长5%。</p></td>
<td><p>市商务局</p></td>
<td><p>市税务局、</p><p>各区县政府</p></td>
<td><p>全年</p></td></tr>
<tr><td><p>3</p></td><td><p>新建改建农村公路150公里。</p></td><td><p>市交通运输局</p></td><td><p></p></td><td><p>2024年11月</p></td></tr>
</table></div></body></html>"#;

#[test]
fn portal_html_rows_with_paragraph_cells_stay_one_task_each() {
    let plan = parse_html(PORTAL_TABLE);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    assert!(t1.text.contains("推进重大项目建设") || t1.title.contains("推进重大项目建设"));
    assert!(full_text(t1).contains("200亿元"), "{t1:?}");
    assert_units(t1, &["市发展改革委"], &["市财政局", "市自然资源和规划局"]);
    assert!(phrases(t1).iter().any(|p| p.contains("200亿元")), "{t1:?}");
    let t2 = task(&plan, 2);
    assert_units(t2, &["市商务局"], &["市税务局", "各区县政府"]);
    assert!(phrases(t2).iter().any(|p| p.contains("5%")), "{t2:?}");
    let t3 = task(&plan, 3);
    assert_units(t3, &["市交通运输局"], &[]);
    assert!(phrases(t3).iter().any(|p| p.contains("150公里")));
}

/// A layout table holding the whole article keeps its paragraphs as lines.
#[test]
fn a_layout_cell_holding_the_article_keeps_its_lines() {
    let mut body = String::new();
    for k in 1..=4 {
        body.push_str(&format!(
            "<p>{k}.推进第{k}项工作，完善相关制度，加强督促检查，确保各项措施落到实处，形成长效机制，\
             进一步提升服务质量和群众满意度，切实增强人民群众获得感幸福感安全感。</p>"
        ));
    }
    let html = format!(
        "<html><body><table><tr><td><p>关于印发某区2024年工作要点的通知</p><p>一、总体要求</p>{body}</td><td>栏目导航</td></tr></table></body></html>"
    );
    let plan = parse_html(&html);
    assert_eq!(plan.tasks.len(), 4, "{:#?}", plan.tasks);
}

// ---------------------------------------------------------------- (b) PDF columns

const PDF_TABLE: &str = "\
某县2023年重点工作任务分解表

序号  重点任务                              牵头单位          配合单位            完成时限
一、扩大有效投资
1     推进重大项目建设，全年完成固定资产    县发展改革局      县财政局、县自然    2023年12月
      投资120亿元以上。                                       资源局
2     实施城市更新行动，改造老旧小区32个，  县住房城乡建设局  各乡镇人民政府      2023年10月
      惠及居民5000户。
二、保障和改善民生
3     新增城镇就业3000人以上。              县人力社保局      县财政局            2023年12月
4     新建改建农村公路80公里，完成危桥改    县交通运输局      县财政局            2023年11月
      造5座。
";

#[test]
fn pdf_space_aligned_table_keeps_wrapped_cells() {
    let plan = parse(PDF_TABLE);
    assert_eq!(plan.tasks.len(), 4, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    let all1 = full_text(t1);
    assert!(
        all1.contains("投资120亿元以上"),
        "continuation lost: {t1:?}"
    );
    assert_units(t1, &["县发展改革局"], &["县财政局", "县自然资源局"]);
    assert!(phrases(t1).iter().any(|p| p.contains("120亿元")), "{t1:?}");
    let t2 = task(&plan, 2);
    assert!(full_text(t2).contains("惠及居民5000户"));
    assert_eq!(t2.lead_units, vec!["县住房城乡建设局".to_string()]);
    let t4 = task(&plan, 4);
    assert!(full_text(t4).contains("危桥改造5座"), "{t4:?}");
    // Category rows are pillars and parents.
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(t1.pillar, Some(0));
    assert_eq!(t4.pillar, Some(1));
    let items = &plan.outline.items;
    let row3 = items
        .iter()
        .find(|i| i.task == Some(3))
        .expect("row 3 in the tree");
    let parent = row3.parent.expect("row 3 has a parent");
    assert!(items[parent].label.starts_with("二"), "{items:#?}");
}

// ---------------------------------------------------------------- (c) Markdown tables

const MD_TABLE: &str = "\
# 某市2024年重点工作责任分工

| 序号 | 工作任务 | 牵头单位 | 配合单位 |
| --- | --- | --- | --- |
| 一、扩大有效投资 | | | |
| 1 | 全年实施重点项目300个，完成投资500亿元。 | 市发展改革委 | 市财政局 |
| 2 | 新开工保障性租赁住房2000套。 | 市住房城乡建设局 | 各区政府 |
| 二、提升城市品质 | | | |
| 3 | 新增城市绿地100公顷。 | 市园林局 | 市自然资源局 |
";

#[test]
fn markdown_category_rows_are_parents() {
    let plan = parse(MD_TABLE);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(plan.pillars[0].heading, "扩大有效投资");
    assert_eq!(task(&plan, 1).pillar, Some(0));
    assert_eq!(task(&plan, 3).pillar, Some(1));
    assert_eq!(task(&plan, 2).co_units, vec!["各区政府".to_string()]);
    let items = &plan.outline.items;
    let row3 = items.iter().find(|i| i.task == Some(3)).expect("row 3");
    let parent = row3.parent.expect("row 3 has a parent");
    assert!(items[parent].label.starts_with("二"), "{items:#?}");
}

/// The category in the number column (`| 一 | 扩大有效投资 | | |`), a Chinese numeral,
/// is a category row, not task 1.
#[test]
fn markdown_category_with_numeral_in_the_number_cell() {
    let text = "\
| 序号 | 工作任务 | 牵头单位 | 配合单位 |
|---|---|---|---|
| 一 | 扩大有效投资 | | |
| 1 | 全年实施重点项目300个。 | 市发展改革委 | 市财政局 |
| 2 | 新开工保障性租赁住房2000套。 | 市住房城乡建设局 | 各区政府 |
| 二 | 提升城市品质 | | |
| 3 | 新增城市绿地100公顷。 | 市园林局 | 市自然资源局 |
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(plan.pillars[1].heading, "提升城市品质");
    assert_eq!(task(&plan, 3).pillar, Some(1));
    assert_eq!(task(&plan, 1).lead_units, vec!["市发展改革委".to_string()]);
}

// ---------------------------------------------------------------- (d) news summaries

#[test]
fn news_summary_with_yao_items() {
    let text = "\
市政府召开常务会议研究部署2024年工作要点

本报讯（记者 王明）3月5日，市政府召开常务会议，审议通过《2024年市政府工作要点》。会议强调，一要稳住经济大盘，全年地区生产总值增长6%左右；二要扩大有效投资，新开工重大项目100个以上；三要提振消费，社会消费品零售总额增长7%；四要深化改革开放，持续优化营商环境；五要保障改善民生，新增城镇就业3万人；六要加强政府自身建设，确保各项任务落地见效。
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 6, "{:#?}", plan.tasks);
    let all: Vec<&str> = plan.targets().map(|t| t.phrase.as_str()).collect();
    assert!(all.iter().any(|p| p.contains("100个")), "{all:?}");
    assert!(all.iter().any(|p| p.contains("3万人")), "{all:?}");
}

#[test]
fn news_summary_with_shi_items_each_in_its_paragraph() {
    let text = "\
区政府部署今年重点工作

近日，区政府印发《2024年区政府工作要点》，明确今年重点抓好以下工作：
一是聚焦产业升级，新引进亿元以上项目20个。
二是聚焦城乡融合，改造农村公路50公里。
三是聚焦民生保障，新增托位500个。
会议还对安全生产工作作了部署。
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    assert!(plan.targets().any(|t| t.phrase.contains("50公里")));
}

/// 一是/二是 inside a numbered section (a summary that keeps the 一、 of the plan): the
/// sub-items are read, not refused.
#[test]
fn yao_items_in_a_single_paragraph_after_a_heading() {
    let text = "\
省政府工作要点发布

记者从省政府办公厅获悉，《2024年省政府工作要点》日前印发。要点明确，一要着力扩大内需，二要加快建设现代化产业体系，三要深化重点领域改革，四要扩大高水平对外开放。
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 4, "{:#?}", plan.tasks);
}

// ---------------------------------------------------------------- (e) government reports

/// A provincial report as its newspaper copy gives it: section headings without 一、,
/// （一） restarting under each, a 民生实事 annex and a glossary of terms.
const REPORT_UNNUMBERED: &str = "2025年某某省政府工作报告\n来源：某某日报\n2025年1月20日在某某省第十四届人民代表大会第四次会议上\n某某省人民政府省长 张某\n各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n2024年工作回顾\n过去一年，全省地区生产总值增长5.7%。\n（一）巩固增强经济回升向好态势。新增规上工业企业2157家，完成投资9757亿元。\n（二）扎实做好保障改善民生工作。城镇新增就业30万人。\n2025年工作安排建议\n今年发展主要预期目标是：地区生产总值增长5.5%以上；城镇新增就业85万人。\n（一）全方位扩大内需。新建充电桩1万个以上。\n（二）切实保障和改善民生。新增托位2万个。\n附件1\n2025年十件民生实事\n一、为老年人提供健康服务。为2.5万名失能老年人提供康复护理。\n二、推进污水治理。新增改造管网2000公里。\n附件2 名词解释\n1.“两重”：是指国家重大战略实施和重点领域安全能力建设。\n2.“三级百圈”：力争用5年打造100个商圈。\n";

#[test]
fn a_report_with_unnumbered_sections_reads_only_the_years_targets() {
    let plan = parse(REPORT_UNNUMBERED);
    assert_eq!(
        plan.outline.kind,
        Some(duban_core::DocKind::GovernmentReport)
    );
    assert_eq!(plan.issuer.as_deref(), Some("某某省人民政府"));
    let all = phrases_of_plan(&plan);
    // Last year's results (2157家, 9757亿元, 30万人) and the glossary (100个) are not targets.
    for past in ["2157", "9757", "30万人", "100个", "5.7%"] {
        assert!(!all.iter().any(|p| p.contains(past)), "{past} in {all:?}");
    }
    for goal in [
        "5.5%以上",
        "85万人",
        "1万个以上",
        "2万个",
        "2.5万名",
        "2000公里",
    ] {
        assert!(
            all.iter().any(|p| p.contains(goal)),
            "{goal} missing: {all:?}"
        );
    }
    // The year's items and the 民生实事 annex are tasks; the review's items are not.
    let titles: Vec<&str> = plan.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    // The glossary's entries are not items of the plan, and a diagnostic says so.
    assert!(
        !plan
            .outline
            .items
            .iter()
            .any(|i| i.label == "1." || i.label == "2."),
        "{:?}",
        plan.outline
            .items
            .iter()
            .map(|i| &i.label)
            .collect::<Vec<_>>()
    );
    assert_diagnosed(&plan, "glossary");
}

// ---------------------------------------------------------------- properties

/// A random task table (tabs, `|`, or space-aligned) of `n` rows with wrapped cells.
fn table_text(style: u8, rows: &[(u8, bool)]) -> String {
    let mut out = String::from("某市重点工作任务分解表\n\n");
    match style {
        0 => out.push_str("序号\t重点任务\t牵头单位\t配合单位\n"),
        1 => out.push_str("| 序号 | 重点任务 | 牵头单位 | 配合单位 |\n|---|---|---|---|\n"),
        _ => out.push_str("序号  重点任务                    牵头单位      配合单位\n"),
    }
    for (k, &(len, wrap)) in rows.iter().enumerate() {
        let n = k + 1;
        let body: String = "推进重点项目建设完成投资"
            .chars()
            .cycle()
            .take(len as usize % 20 + 2)
            .collect();
        match style {
            0 => out.push_str(&format!("{n}\t{body}\t市发展改革委\t市财政局\n")),
            1 => out.push_str(&format!("| {n} | {body} | 市发展改革委 | 市财政局 |\n")),
            2 => {
                out.push_str(&format!("{n:<4}  {body:<24}  市发展改革委  市财政局\n"));
                if wrap {
                    out.push_str("      续写内容十个字。\n");
                }
            }
            // Cells centred vertically: a line before the number.
            _ => {
                if wrap {
                    out.push_str("      开头内容八个字，\n");
                }
                let body = format!("{body}。");
                out.push_str(&format!("{n:<4}  {body:<24}  市发展改革委  市财政局\n"));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every numbered row of a table is a task (or, if not, the outline says why).
    #[test]
    fn no_table_row_is_lost(style in 0u8..4, rows in prop::collection::vec((any::<u8>(), any::<bool>()), 1..25)) {
        let text = table_text(style, &rows);
        let plan = duban_doc::parse_text(&text).expect("parses");
        for n in 1..=rows.len() as u32 {
            let found = plan.tasks.iter().any(|t| t.number == n);
            prop_assert!(found || diagnosed(&plan, "sequence_break"), "row {n} lost in {text}");
        }
        // Wrapped text stays with its own row (a centred table is recognised by lines
        // before its first row's number).
        if style == 2 || style == 3 && rows[0].1 {
            let piece = if style == 2 { "续写内容十个字" } else { "开头内容八个字" };
            for (t, &(_, wrap)) in plan.tasks.iter().zip(&rows) {
                let all = full_text(t);
                prop_assert_eq!(all.contains(piece), wrap, "row {} in {}", t.number, text);
            }
        }
    }

    /// Cut or garbled space-aligned tables and HTML tables never panic.
    #[test]
    fn mangled_tables_do_not_panic(cut in 0usize..2000, junk in "[ 　\t\n|一二1234序号牵头单位配合<>/tdpr]{0,80}") {
        for base in [PDF_TABLE, MD_TABLE, PORTAL_TABLE] {
            let chars: Vec<char> = base.chars().collect();
            let at = cut % (chars.len() + 1);
            let mut s: String = chars[..at].iter().collect();
            s.push_str(&junk);
            s.extend(chars[at..].iter());
            let _ = duban_doc::parse_text(&s);
            let _ = duban_doc::parse_document(s.as_bytes(), "x.html");
        }
    }
}

/// 一是/二是 inside 一要 items are the items' own points, not items of the outer list.
#[test]
fn shi_points_inside_yao_items_do_not_join_the_outer_list() {
    let text = "\
市政府常务会议研究部署今年重点工作

会议指出，要抓好以下工作：一要稳定经济增长。一是扩大有效投资，新开工项目100个；二是促进消费。二要深化改革开放，实际使用外资增长5%。三要保障改善民生，新增城镇就业3万人。四要加强安全生产。五要强化作风建设。六要务实高效推进政府自身建设。
";
    let plan = parse(text);
    let labels: Vec<&str> = plan.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["一要", "二要", "三要", "四要", "五要", "六要"],
        "{:#?}",
        plan.tasks
    );
    // The points stay in their item's text.
    assert!(
        plan.tasks[0].text.contains("二是促进消费") || plan.tasks[0].title.contains("二是促进消费")
    );
}

/// A summary that ends with a numbered list of related links still reads its 一要 items.
#[test]
fn news_summary_with_a_numbered_footer() {
    let text = "\
区政府召开全体会议部署2024年工作要点

会议强调，一要聚焦项目建设，全年完成投资80亿元；二要聚焦城市更新，改造老旧小区12个；三要聚焦民生实事，新增托位300个。

相关阅读：
1.区政府召开第5次常务会议
";
    let plan = parse(text);
    let labels: Vec<&str> = plan.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, vec!["一要", "二要", "三要"], "{:#?}", plan.tasks);
}

/// A gap in the 一要 sequence (二要 missing) does not drop the rest: the items after it
/// are read and the break is diagnosed.
#[test]
fn a_gap_in_yao_items_is_diagnosed_not_lost() {
    let text = "\
县政府部署今年工作

会议要求，一要抓项目，新开工项目50个；三要抓民生，新增就业2000人；四要抓安全。
";
    let plan = parse(text);
    let labels: Vec<&str> = plan.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, vec!["一要", "三要", "四要"], "{:#?}", plan.tasks);
    assert_diagnosed(&plan, "sequence_break");
}

/// Inline items are items of the tree, so the review shows them.
#[test]
fn inline_items_are_in_the_tree() {
    let text = "县政府部署今年工作\n\n会议要求，一要抓项目，新开工项目50个；二要抓民生，新增就业2000人。\n";
    let plan = parse(text);
    let labels: Vec<&str> = plan
        .outline
        .items
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(labels, vec!["一要", "二要"]);
    assert!(plan.outline.items.iter().all(|i| i.task.is_some()));
}

const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every 一要 of a summary is an item, or a break is diagnosed.
    #[test]
    fn no_inline_item_is_lost(
        n in 2usize..=10,
        fill in prop::collection::vec("[推进建设完成新增一是二是项目0-9个万，]{0,20}", 10),
        sep in prop::sample::select(vec!["；", "。", "，", "\n"]),
    ) {
        let mut text = String::from("会议部署今年工作\n\n会议要求，");
        for k in 0..n {
            text.push_str(&format!("{}要{}{}", CN[k], fill[k], sep));
        }
        let plan = duban_doc::parse_text(&text).expect("parses");
        for cn in CN.iter().take(n) {
            let label = format!("{cn}要");
            let found = plan.outline.items.iter().any(|i| i.label == label);
            prop_assert!(found || diagnosed(&plan, "sequence_break"), "{label} lost in {text}");
        }
    }

    /// Every row of a portal table with `<p>` cells is one task.
    #[test]
    fn no_html_row_is_lost(rows in prop::collection::vec((1usize..4, 0usize..3), 1..20)) {
        let mut html = String::from("<html><body><p>某市重点工作任务分解表</p><table><tr><td><p>序号</p></td><td><p>重点任务</p></td><td><p>牵头单位</p></td><td><p>配合单位</p></td></tr>");
        for (k, &(paras, cos)) in rows.iter().enumerate() {
            html.push_str(&format!("<tr><td><p>{}</p></td><td>", k + 1));
            for p in 0..paras {
                html.push_str(&format!("<p>推进第{p}项工作。</p>"));
            }
            html.push_str("</td><td><p>市发展改革委</p></td><td>");
            for c in 0..cos {
                html.push_str(&format!("<p>市第{c}局</p>"));
            }
            html.push_str("</td></tr>");
        }
        html.push_str("</table></body></html>");
        let plan = duban_doc::parse_document(html.as_bytes(), "t.html").expect("parses");
        prop_assert_eq!(plan.tasks.len(), rows.len(), "{}", html);
        for (t, &(_, cos)) in plan.tasks.iter().zip(&rows) {
            prop_assert_eq!(&t.lead_units, &vec!["市发展改革委".to_string()]);
            prop_assert_eq!(t.co_units.len(), cos);
        }
    }
}

/// A portal table with category rows spanning the table (`<td colspan="5">`) and a task
/// cell holding numbered points in paragraphs.
#[test]
fn portal_table_with_colspan_category_rows() {
    let html = r#"<html><body><p>某区2024年重点工作任务责任分工表</p><table>
<tr><td><p>序号</p></td><td><p>工作任务</p></td><td><p>牵头单位</p></td><td><p>配合单位</p></td></tr>
<tr><td colspan="4"><p>一、稳增长</p></td></tr>
<tr><td><p>1</p></td><td><p>（1）新开工项目30个；</p><p>（2）完成投资60亿元。</p></td><td><p>区发展改革局</p></td><td><p>各街道</p></td></tr>
<tr><td><p>2</p></td><td><p>新增市场主体5000户。</p></td><td><p>区市场监管局</p></td><td></td></tr>
<tr><td colspan="4"><p>二、惠民生</p></td></tr>
<tr><td><p>3</p></td><td><p>新增托位200个。</p></td><td><p>区卫生健康局</p></td><td><p>区财政局</p></td></tr>
</table></body></html>"#;
    let plan = parse_html(html);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    let t1 = task(&plan, 1);
    assert_eq!(t1.lead_units, vec!["区发展改革局".to_string()]);
    let p1 = phrases(t1);
    assert!(p1.iter().any(|p| p.contains("30个")), "{p1:?}");
    assert!(p1.iter().any(|p| p.contains("60亿元")), "{p1:?}");
    assert_eq!(task(&plan, 3).pillar, Some(1));
}

/// A PDF table over two pages: a page number between rows and the header repeated.
#[test]
fn pdf_table_over_a_page_break() {
    let text = "\
某县2023年重点工作任务分解表

序号  重点任务                              牵头单位          配合单位
1     新建改建农村公路80公里，完成危桥改    县交通运输局      县财政局
      造5座。

                               — 1 —

序号  重点任务                              牵头单位          配合单位
2     新增城镇就业3000人以上。              县人力社保局      县财政局
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert!(full_text(task(&plan, 1)).contains("危桥改造5座"));
    assert_eq!(task(&plan, 2).lead_units, vec!["县人力社保局".to_string()]);
}

/// A portal metadata table whose 内容 cell holds the plan keeps the plan's lines: only a
/// task table (序号 / 牵头单位 …) has its cells joined.
#[test]
fn a_metadata_table_holding_the_plan_keeps_its_lines() {
    let html = "<html><body><table>\
        <tr><td>索引号</td><td>11330000/2024-00012</td></tr>\
        <tr><td>发布机构</td><td>某市人民政府办公室</td></tr>\
        <tr><td>内容</td><td><p>某市2024年政务公开工作要点</p><p>一、加强政策解读</p>\
        <p>1.推进政策解读与政策文件同步起草。</p><p>2.政策解读率达到100%。</p>\
        <p>二、优化政务服务</p><p>3.新增“一件事”主题服务10个。</p></td></tr>\
        </table></body></html>";
    let plan = parse_html(html);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2);
}

/// A summary counting its points 第一，…第二，…: items; 第一批 is a word.
#[test]
fn news_summary_with_di_items() {
    let text = "\
市政府常务会议部署今年重点工作

会议指出，今年要重点抓好三方面工作：第一，扩大有效投资，推动第一批重大项目开工，新开工项目120个；第二，提振消费，社会消费品零售总额增长6%；第三，保障民生，新增城镇就业2万人。
";
    let plan = parse(text);
    let labels: Vec<&str> = plan.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["第一，", "第二，", "第三，"],
        "{:#?}",
        plan.tasks
    );
    assert!(plan.targets().any(|t| t.phrase.contains("120个")));
}

/// A division list: each item followed by 责任领导 / 牵头单位 / 配合单位 / 完成时限 lines.
#[test]
fn division_list_with_label_lines() {
    let text = "\
某市2024年政府工作报告重点工作任务分解

一、扩大有效投资
1.推进重大项目建设。全年实施市级重点项目120个，完成投资300亿元以上。
责任领导：张三
牵头单位：市发展改革委
配合单位：市财政局、市自然资源和规划局，各县（市、区）人民政府
完成时限：2024年12月底
2.新开工保障性租赁住房2000套。
责任领导：李四
牵头单位：市住房城乡建设局
配合单位：各县（市、区）人民政府
完成时限：2024年11月底
二、保障改善民生
3.新增城镇就业3万人。
牵头单位：市人力资源社会保障局
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    assert_units(
        t1,
        &["市发展改革委"],
        &["市财政局", "市自然资源和规划局", "各县（市、区）人民政府"],
    );
    let p1 = phrases(t1);
    assert!(p1.iter().any(|p| p.contains("120个")), "{p1:?}");
    assert!(p1.iter().any(|p| p.contains("300亿元")), "{p1:?}");
    // Dates of the 完成时限 line are not targets.
    assert!(!p1.iter().any(|p| p.contains("2024")), "{p1:?}");
    assert_eq!(task(&plan, 3).pillar, Some(1));
}

/// A table whose numbers skip (row 3 missing from the copy) keeps every later row and
/// says where the sequence breaks.
#[test]
fn a_gap_in_table_rows_is_diagnosed_not_lost() {
    let text = "\
| 序号 | 工作任务 | 牵头单位 |
|---|---|---|
| 1 | 全年实施重点项目300个。 | 市发展改革委 |
| 2 | 新开工保障性租赁住房2000套。 | 市住房城乡建设局 |
| 4 | 新增城市绿地100公顷。 | 市园林局 |
| 5 | 新增托位500个。 | 市卫生健康委 |
";
    let plan = parse(text);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, vec![1, 2, 4, 5], "{:#?}", plan.tasks);
    assert_diagnosed(&plan, "sequence_break");
}

/// A repeated row number keeps both rows, with unique task numbers.
#[test]
fn a_repeated_table_number_keeps_both_rows() {
    let text = "\
序号\t工作任务\t牵头单位
1\t全年实施重点项目300个。\t市发展改革委
2\t新开工保障性租赁住房2000套。\t市住房城乡建设局
2\t新增城市绿地100公顷。\t市园林局
3\t新增托位500个。\t市卫生健康委
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 4, "{:#?}", plan.tasks);
    let mut numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    numbers.dedup();
    assert_eq!(numbers.len(), 4);
    assert_diagnosed(&plan, "sequence_break");
}

/// A category column spanning several rows (`rowspan`): the rows under it lack that cell
/// and are still read, each under its category.
#[test]
fn portal_table_with_a_rowspan_category_column() {
    let html = r#"<html><body><p>某市2024年重点工作任务分解表</p><table>
<tr><td>类别</td><td>序号</td><td>重点任务</td><td>牵头单位</td><td>配合单位</td></tr>
<tr><td rowspan="2"><p>扩大有效投资</p></td><td>1</td><td><p>全年实施重点项目300个。</p></td><td>市发展改革委</td><td>市财政局</td></tr>
<tr><td>2</td><td><p>新开工保障性租赁住房2000套。</p></td><td>市住房城乡建设局</td><td>各区政府</td></tr>
<tr><td rowspan="2"><p>保障改善民生</p></td><td>3</td><td><p>新增托位500个。</p></td><td>市卫生健康委</td><td>市财政局</td></tr>
<tr><td>4</td><td><p>新增城镇就业3万人。</p></td><td>市人力资源社会保障局</td><td>各区政府</td></tr>
</table></body></html>"#;
    let plan = parse_html(html);
    assert_eq!(plan.tasks.len(), 4, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(task(&plan, 2).pillar, Some(0));
    assert_eq!(task(&plan, 4).pillar, Some(1));
    assert_eq!(
        task(&plan, 2).lead_units,
        vec!["市住房城乡建设局".to_string()]
    );
    assert_eq!(task(&plan, 4).co_units, vec!["各区政府".to_string()]);
}

/// A header over two rows: `责任单位` spanning `牵头单位` / `配合单位`.
#[test]
fn portal_table_with_a_two_row_header() {
    let html = r#"<html><body><p>某县2024年重点工作任务分解表</p><table>
<tr><td rowspan="2">序号</td><td rowspan="2">重点任务</td><td colspan="2">责任单位</td><td rowspan="2">完成时限</td></tr>
<tr><td>牵头单位</td><td>配合单位</td></tr>
<tr><td>1</td><td><p>新建改建农村公路80公里。</p></td><td>县交通运输局</td><td><p>县财政局</p><p>各乡镇</p></td><td>2024年12月</td></tr>
<tr><td>2</td><td>新增城镇就业3000人。</td><td>县人力社保局</td><td>县财政局</td><td>2024年12月</td></tr>
</table></body></html>"#;
    let plan = parse_html(html);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    assert_units(t1, &["县交通运输局"], &["县财政局", "各乡镇"]);
}

/// Row numbers written `（1）`, and a row without a number (the task's cells merged over
/// two rows) whose text stays with the task above.
#[test]
fn table_rows_with_parenthesised_numbers_and_unnumbered_rows() {
    let text = "\
序号\t工作任务\t牵头单位\t配合单位
（1）\t全年实施重点项目300个。\t市发展改革委\t市财政局
\t其中新开工项目120个。\t市发展改革委\t各区政府
（2）\t新增城市绿地100公顷。\t市园林局\t
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    assert!(full_text(t1).contains("新开工项目120个"), "{t1:#?}");
    assert!(phrases(t1).iter().any(|p| p.contains("120个")), "{t1:#?}");
    assert_eq!(task(&plan, 2).lead_units, vec!["市园林局".to_string()]);
}

/// A whole 工作要点 as portals publish it: the notice, its signature and date, the plan's
/// title again, sections 一、 with items （一） whose text holds 一是…二是… points and a
/// closing unit clause.
#[test]
fn a_work_points_notice_with_points_inside_items() {
    let text = "\
某市人民政府办公室关于印发某市2024年政务公开工作要点的通知
某政办发〔2024〕8号

各县（市、区）人民政府，市政府各部门：
《某市2024年政务公开工作要点》已经市政府同意，现印发给你们，请认真贯彻落实。

某市人民政府办公室
2024年4月10日

某市2024年政务公开工作要点

一、围绕稳经济促发展加强政策发布解读
（一）加强政策解读。一是完善政策解读机制，政策解读率达到100%；二是开展“政策进企业”活动不少于20场。（牵头单位：市政府办公室；配合单位：市发展改革委、市工业和信息化局）
（二）优化惠企政策服务。推动惠企政策“免申即享”，年内新增“免申即享”事项10项以上。（牵头单位：市营商环境建设局）
二、围绕保障和改善民生加强信息公开
（三）做好民生实事公开。及时公开年度民生实事项目进展情况。（牵头单位：市发展改革委；配合单位：各县（市、区）人民政府）
";
    let plan = parse(text);
    let labels: Vec<&str> = plan.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        vec!["（一）", "（二）", "（三）"],
        "{:#?}",
        plan.tasks
    );
    assert_eq!(plan.pillars.len(), 2);
    assert_eq!(plan.year, Some(2024));
    assert_eq!(plan.title, "某市2024年政务公开工作要点");
    let t1 = task(&plan, 1);
    assert_units(t1, &["市政府办公室"], &["市发展改革委", "市工业和信息化局"]);
    let p1 = phrases(t1);
    assert!(p1.iter().any(|p| p.contains("100%")), "{p1:?}");
    assert!(p1.iter().any(|p| p.contains("20场")), "{p1:?}");
    assert!(phrases(task(&plan, 2)).iter().any(|p| p.contains("10项")));
    assert_eq!(
        task(&plan, 3).co_units,
        vec!["各县（市、区）人民政府".to_string()]
    );
    // The points are items of the tree under their item.
    let items = &plan.outline.items;
    let shi = items.iter().position(|i| i.label == "二是");
    if let Some(k) = shi {
        let parent = items[k].parent.expect("a parent");
        assert_eq!(items[parent].label, "（一）");
    }
}

/// A 牵头市领导 column names leaders, not the lead unit.
#[test]
fn a_leader_column_is_not_the_lead_unit() {
    let text = "\
序号\t重点任务\t牵头市领导\t牵头单位\t责任单位
1\t全年实施重点项目300个。\t张三\t市发展改革委\t市财政局、各区政府
2\t新增城市绿地100公顷。\t李四\t市园林局\t
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2);
    let t1 = task(&plan, 1);
    assert_units(t1, &["市发展改革委"], &["市财政局", "各区政府"]);
}

/// A plan exported as Markdown: `#` headings, bold labels, list markers.
#[test]
fn a_plan_exported_as_markdown() {
    let text = "\
# 某市2024年重点工作要点

## 一、扩大有效投资

**1. 推进重大项目建设。**全年实施重点项目300个，完成投资500亿元以上。（牵头单位：市发展改革委）

**2. 加快城市更新。**改造老旧小区50个。（牵头单位：市住房城乡建设局）

## 二、保障改善民生

- 3. 新增城镇就业3万人。（牵头单位：市人力资源社会保障局）
";
    let plan = parse(text);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    assert_eq!(numbers, vec![1, 2, 3], "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(plan.pillars[0].heading, "扩大有效投资");
    assert_eq!(task(&plan, 1).title, "推进重大项目建设");
    assert_eq!(
        task(&plan, 2).lead_units,
        vec!["市住房城乡建设局".to_string()]
    );
    assert_eq!(task(&plan, 3).pillar, Some(1));
    assert_eq!(plan.title, "某市2024年重点工作要点");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever Markdown wraps the numbered lines, every item is read.
    #[test]
    fn no_markdown_item_is_lost(
        marks in prop::collection::vec(prop::sample::select(vec!["", "- ", "* ", "**", "### ", "> "]), 2..15),
    ) {
        let mut text = String::from("# 某市重点工作要点\n\n一、总体任务\n");
        for (k, m) in marks.iter().enumerate() {
            let close = if *m == "**" { "**" } else { "" };
            text.push_str(&format!("{m}{}. 推进第{}项工作。{close}完成项目{}个。\n", k + 1, k + 1, k + 10));
        }
        let plan = duban_doc::parse_text(&text).expect("parses");
        for n in 1..=marks.len() as u32 {
            let found = plan.tasks.iter().any(|t| t.number == n);
            prop_assert!(found || diagnosed(&plan, "sequence_break"), "item {n} lost in {text}");
        }
    }
}

/// A task table in Traditional script (a Hong Kong / Macao / Taiwan copy, or a Big5 page).
#[test]
fn a_traditional_script_task_table() {
    let text = "\
序號\t工作任務\t牽頭單位\t配合單位
1\t全年實施重點項目300個。\t市發展改革委\t市財政局
2\t新增城市綠地100公頃。\t市園林局\t
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert_units(task(&plan, 1), &["市發展改革委"], &["市財政局"]);
    assert!(phrases(task(&plan, 1)).iter().any(|p| p.contains("300個")));
}

/// A PDF table in Traditional script.
#[test]
fn a_traditional_script_pdf_table() {
    let text = "\
序號  工作任務                    牽頭單位      配合單位
1     全年實施重點項目300個，     市發展改革委  市財政局
      完成投資500億元。
2     新增城市綠地100公頃。       市園林局
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert!(full_text(task(&plan, 1)).contains("500億元"));
    assert_eq!(task(&plan, 2).lead_units, vec!["市園林局".to_string()]);
}

/// A portal table in Traditional script with paragraph cells.
#[test]
fn a_traditional_script_portal_table() {
    let html = "<html><body><p>某市重點工作任務分解表</p><table>\
        <tr><td><p>序號</p></td><td><p>工作任務</p></td><td><p>牽頭單位</p></td><td><p>配合單位</p></td></tr>\
        <tr><td><p>1</p></td><td><p>全年實施重點項目300個，</p><p>完成投資500億元。</p></td><td><p>市發展改革委</p></td><td><p>市財政局</p><p>各區政府</p></td></tr>\
        <tr><td><p>2</p></td><td><p>新增城市綠地100公頃。</p></td><td><p>市園林局</p></td><td></td></tr>\
        </table></body></html>";
    let plan = parse_html(html);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert_eq!(
        task(&plan, 1).co_units,
        vec!["市財政局".to_string(), "各區政府".to_string()]
    );
}

/// Two levels of category rows in a `|` table: `（一）` rows under `一、` rows.
#[test]
fn two_levels_of_category_rows() {
    let text = "\
| 序号 | 工作任务 | 牵头单位 |
|---|---|---|
| 一、加强政策发布解读 | | |
| （一）做好政策解读 | | |
| 1 | 政策解读率达到100%。 | 市政府办公室 |
| （二）回应社会关切 | | |
| 2 | 开展政策宣讲不少于20场。 | 市司法局 |
| 二、优化政务服务 | | |
| （三）推进一件事 | | |
| 3 | 新增主题服务10个。 | 市营商环境建设局 |
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    let items = &plan.outline.items;
    let path = |task_no: u32| {
        let mut k = items
            .iter()
            .position(|i| i.task == Some(task_no))
            .expect("row");
        let mut labels = vec![items[k].label.clone()];
        while let Some(p) = items[k].parent {
            labels.push(items[p].label.clone());
            k = p;
        }
        labels.reverse();
        labels.join("/")
    };
    assert_eq!(path(1), "一、/（一）/1");
    assert_eq!(path(2), "一、/（二）/2");
    assert_eq!(path(3), "二、/（三）/3");
}

/// Text copied from a PDF with its hard line breaks: lines of the page width break words,
/// unit names and targets in the middle.
#[test]
fn pdf_text_with_hard_line_breaks() {
    let text = "\
某市2024年重点工作要点
一、扩大有效投资
1.推进重大项目建设。全年实施市级重点项目120个，完
成投资300亿元以上，新开工项目不少于80个。（牵头单
位：市发展改革委；配合单位：市财政局、市自然资源
和规划局）
2.加快城市更新。改造城镇老旧小区50个，惠及居民2
万户。（牵头单位：市住房城乡建设局）
二、保障改善民生
3.新增城镇就业3万人以上。（牵头单位：市人力资源社
会保障局）
";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 3, "{:#?}", plan.tasks);
    let t1 = task(&plan, 1);
    assert_units(t1, &["市发展改革委"], &["市财政局", "市自然资源和规划局"]);
    let p1 = phrases(t1);
    assert!(p1.iter().any(|p| p.contains("300亿元")), "{p1:?}");
    assert!(p1.iter().any(|p| p.contains("80个")), "{p1:?}");
    let t2 = task(&plan, 2);
    assert!(
        phrases(t2)
            .iter()
            .any(|p| p.contains("2\n万户") || p.contains("2万户")),
        "{t2:#?}"
    );
    assert_eq!(
        task(&plan, 3).lead_units,
        vec!["市人力资源社会保障局".to_string()]
    );
}

/// Display width: two for Han and full-width forms.
fn display_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A plan hard-wrapped at any page width reads the same items with the same lead unit.
    #[test]
    fn hard_wrapped_text_keeps_items_and_units(
        lens in prop::collection::vec(10usize..60, 3..12),
        page in 40usize..64,
    ) {
        let mut paras = vec!["某市重点工作要点".to_string(), "一、总体任务".to_string()];
        for (k, &len) in lens.iter().enumerate() {
            let body: String = "推进重点项目建设完成投资新增就业岗位".chars().cycle().take(len).collect();
            paras.push(format!("{}.{body}，全年新增项目{}个。（牵头单位：市发展改革委；配合单位：市财政局）", k + 1, k + 10));
        }
        // Wrap every paragraph at the page width.
        let mut text = String::new();
        for p in &paras {
            let mut w = 0;
            for c in p.chars() {
                if w + display_width(c) > page {
                    text.push('\n');
                    w = 0;
                }
                text.push(c);
                w += display_width(c);
            }
            text.push('\n');
        }
        let plan = duban_doc::parse_text(&text).expect("parses");
        let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
        prop_assert_eq!(numbers, (1..=lens.len() as u32).collect::<Vec<_>>(), "{}", text);
        for t in &plan.tasks {
            prop_assert_eq!(&t.lead_units, &vec!["市发展改革委".to_string()], "{}", text);
            prop_assert_eq!(&t.co_units, &vec!["市财政局".to_string()], "{}", text);
        }
    }
}

/// The format stages are idempotent: parsing a plan's own text again (as the workspace
/// does when a person corrects the kind) gives the same text, so spans stay valid.
#[test]
fn reparsing_plan_text_keeps_it() {
    let texts = [
        PDF_TABLE.to_string(),
        MD_TABLE.to_string(),
        "# 某市要点\n\n## 一、扩大投资\n\n**1. 推进建设。**全年完成投资500亿元。\n\n- 2. 新增就业3万人。\n".to_string(),
        "某市2024年重点工作要点\n一、扩大有效投资\n1.推进重大项目建设。全年实施市级重点项目120个，完\n成投资300亿元以上，新开工项目不少于80个。（牵头单\n位：市发展改革委；配合单位：市财政局、市自然资源\n和规划局）\n2.加快城市更新。改造城镇老旧小区50个，惠及居民2\n万户。（牵头单位：市住房城乡建设局）\n".to_string(),
    ];
    for t in &texts {
        let first = parse(t);
        let again = parse(&first.text);
        assert_eq!(again.text, first.text);
        assert_eq!(again.tasks.len(), first.tasks.len());
    }
    let html = parse_html(PORTAL_TABLE);
    assert_eq!(parse(&html.text).text, html.text);
}

/// PDF category rows with trailing spaces or centred over the table.
#[test]
fn pdf_category_rows_centred_or_with_trailing_spaces() {
    let text = "序号  重点任务                              牵头单位          配合单位\n\
                一、扩大有效投资      \n\
                1     推进重大项目建设，全年完成固定资产    县发展改革局      县财政局\n\
                \x20     投资120亿元以上。\n\
                \x20                 二、保障和改善民生\n\
                2     新增城镇就业3000人以上。              县人力社保局      县财政局\n";
    let plan = parse(text);
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 2, "{:#?}", plan.pillars);
    assert_eq!(task(&plan, 2).pillar, Some(1));
    let t1 = task(&plan, 1);
    assert!(!full_text(t1).contains("保障和改善民生"), "{t1:#?}");
}

/// A table pasted one cell per line whose numbers skip (row 3 missing from the copy).
#[test]
fn a_gap_in_a_one_cell_per_line_table_is_not_silent() {
    let text = "\
某市重点工作任务分解表
序号
工作任务
牵头单位
配合单位
1
全年实施重点项目300个。
市发展改革委
市财政局
2
新开工保障性租赁住房2000套。
市住房城乡建设局
各区政府
4
新增城市绿地100公顷。
市园林局
市自然资源局
5
新增托位500个。
市卫生健康委
市财政局
";
    let plan = parse(text);
    let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
    let all_read = numbers.contains(&4) && numbers.contains(&5);
    let diagnosed = diagnosed(&plan, "sequence_break");
    assert!(
        all_read && diagnosed,
        "{numbers:?} {:#?}",
        plan.outline.diagnostics
    );
    assert_eq!(task(&plan, 4).lead_units, vec!["市园林局".to_string()]);
}

/// A report whose first section names last year's work without a review word
/// (`一、2025年主要工作和“十四五”发展成就`): a review all the same, no tasks or targets from it;
/// the copy lost the speaker's line, the head still names the government.
#[test]
fn a_section_of_an_earlier_year_is_a_review() {
    let text = "2026年某某省政府工作报告\n某某省人民政府省长 张某\n各位代表：\n一、2025年主要工作和“十四五”发展成就\n（一）强化创新驱动。全省科技创新投入7232亿元、增长5.6%。\n（二）推进共同富裕。城镇新增就业110万人。\n二、2026年经济社会发展总体要求和主要目标任务\n今年主要预期目标是：地区生产总值增长5%左右。\n三、2026年重点工作\n（一）扩大有效投资。新开工重大项目200个以上。\n（二）办好民生实事。新增托位2万个。\n";
    let plan = parse_as(text, duban_core::DocKind::GovernmentReport);
    let all = phrases_of_plan(&plan);
    for past in ["7232", "110万人"] {
        assert!(!all.iter().any(|p| p.contains(past)), "{past} in {all:?}");
    }
    assert!(all.iter().any(|p| p.contains("200个")), "{all:?}");
    assert_eq!(
        plan.tasks.len(),
        2,
        "{:?}",
        plan.tasks.iter().map(|t| &t.title).collect::<Vec<_>>()
    );
    assert_eq!(plan.issuer.as_deref(), Some("某某省人民政府"));
}

fn parse_as(text: &str, kind: duban_core::DocKind) -> Plan {
    duban_doc::parse_text_with(text, &duban_doc::ParseOptions { kind: Some(kind) }).expect("parses")
}

/// 重点任务 ⇥ 具体举措: the row's task is both cells; under a 重点任务 cell merged over
/// two rows (a .docx `vMerge`, left empty in the second row) the second row is a task of
/// its own, with its own units and time limit. A 配合单位 cell reading 无 names no unit.
#[test]
fn a_detail_column_and_a_merged_task_cell_keep_every_row() {
    let plan = parse(
        "重点任务分工表\n序号\t重点任务\t具体举措\t牵头单位\t配合单位\t完成时限\n\
         1\t实施“模芯协同”行动。\t支持中试服务平台建设，遴选优秀企业20家。\t省发展改革委\t省经信厅\t2026年12月\n\
         2\t\t招引1—2家人工智能芯片设计龙头企业总部。\t省经信厅\t无\t2026年6月\n",
    );
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    let first = task(&plan, 1);
    assert!(full_text(first).contains("遴选优秀企业20家"), "{first:#?}");
    assert_eq!(first.targets.len(), 1, "{first:#?}");
    let second = task(&plan, 2);
    assert!(second.title.starts_with("招引1—2家"), "{second:#?}");
    assert_units(second, &["省经信厅"], &[]);
    assert_eq!(second.deadline.as_deref(), Some("2026年6月"));
}

/// 等有关部门和单位 and 会同有关部门 are not part of a unit's name; under a document's
/// 列第一位者为牵头单位，下同 the first unit of every later list leads; 由政府负责人牵头
/// names a person, not the unit 政府.
#[test]
fn unit_lists_of_a_state_council_notice() {
    let plan = parse_as(
        "一、鼓励支持就业创业\n\
         （一）扩大就业见习补贴范围。（人力资源社会保障部等有关部门和单位负责）\n\
         （二）支持产业集群建设。（国家发展改革委会同有关部门负责）\n\
         （三）加大稳岗支持力度。（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）\n\
         （四）支持创业载体建设。（人力资源社会保障部、科技部、财政部，各省级人民政府按职责分工负责）\n\
         （五）落实地方政府主体责任。建立由政府负责人牵头、相关部门共同参与的工作机制。（各省级人民政府负责）\n",
        duban_core::DocKind::Implementation,
    );
    assert_units(task(&plan, 1), &["人力资源社会保障部"], &[]);
    assert_units(task(&plan, 2), &["国家发展改革委"], &[]);
    assert_units(task(&plan, 3), &["人力资源社会保障部"], &["财政部"]);
    assert_units(
        task(&plan, 4),
        &["人力资源社会保障部"],
        &["科技部", "财政部", "各省级人民政府"],
    );
    assert_units(task(&plan, 5), &["各省级人民政府"], &[]);
}

/// The closing instruction, the signature, the date and （此件公开发布） after the last item
/// are not the last task's text, nor its deadline.
#[test]
fn a_notice_closing_block_is_not_the_last_task() {
    let plan = parse_as(
        "一、对深化商事制度改革成效显著的市，优先纳入相关试点。（市场监管总局负责）\n\
         二、对落实有关重大政策措施成效明显的县，实行“免督查”。（国务院办公厅负责）\n\
         各有关部门制定或调整完善后的激励措施实施办法，于2018年12月31日前报送国务院办公厅。\n\
         国务院办公厅\n2018年12月6日\n（此件公开发布）\n",
        duban_core::DocKind::Implementation,
    );
    let last = task(&plan, 2);
    assert!(!full_text(last).contains("报送"), "{last:#?}");
    assert!(!full_text(last).contains("此件"), "{last:#?}");
    assert_eq!(last.deadline, None);
    assert_units(last, &["国务院办公厅"], &[]);
}

/// A report: the issuer after the year in the title (2026年四川省人民政府工作报告), no 文号
/// asked for, and a closing paragraph that says 干实事 above a glossary is not a 民生实事
/// list (the glossary's entries stay out of the tasks).
#[test]
fn a_report_with_a_glossary_after_its_last_section() {
    let plan = parse_as(
        "2026年四川省人民政府工作报告\n各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n\
         一、2026年工作安排\n（一）突出扩大内需战略基点。打造40个消费场景。\n\
         （二）突出政府履职效能。严明纪律规矩，让基层有更多精力务实功、干实事。\n\
         各位代表！\n名词解释\n1.“两重”：是指国家重大战略实施。\n2.“两新”：是指大规模设备更新。\n",
        duban_core::DocKind::GovernmentReport,
    );
    assert_eq!(plan.issuer.as_deref(), Some("四川省人民政府"));
    assert_eq!(plan.tasks.len(), 2, "{:#?}", plan.tasks);
    assert_eq!(plan.pillars.len(), 1, "{:#?}", plan.pillars);
    assert!(
        !plan
            .outline
            .diagnostics
            .iter()
            .any(|d| d.message.contains("文号")),
        "{:#?}",
        plan.outline.diagnostics
    );
}

/// Probe 8: header cells spaced out (主 要 工 作 任 务) or broken (责任<br>单位); a 项目名称
/// column is the task's title; 建设起止年限 is the time limit, due at the span's end.
#[test]
fn portal_tables_with_spaced_headers_and_a_name_column() {
    let plan = parse_html(
        "<p>2023年政府工作报告重点工作责任分解</p><table>\
         <tr><td>序号</td><td>主 要 工 作 任 务</td><td>责任单位</td></tr>\
         <tr><td>1</td><td>地区生产总值增长6%左右。</td><td>市发展改革委</td></tr></table>",
    );
    assert_units(task(&plan, 1), &["市发展改革委"], &[]);
    let plan = parse_html(
        "<p>2023年市政府民生实事项目实施计划表</p><table>\
         <tr><td>序号</td><td>项目名称</td><td>项目建设规模及内容</td><td>建设起<br>止年限</td><td>责任<br>单位</td></tr>\
         <tr><td>1</td><td>城市用气提升工程</td><td>安装燃气安全装置13000套。</td><td>2023.01-2023.12</td><td>城投集团</td></tr>\
         <tr><td>2</td><td>山塘水库综合整治工程</td><td>完成6座小型水库加固改造。</td><td>2023.01-2023.06</td><td>水利局</td></tr></table>",
    );
    let first = task(&plan, 1);
    assert_eq!(first.title, "城市用气提升工程");
    assert_eq!(first.targets.len(), 1, "{first:#?}");
    assert_units(first, &["城投集团"], &[]);
    assert_eq!(
        task(&plan, 2).due,
        chrono::NaiveDate::from_ymd_opt(2023, 6, 30)
    );
}

/// Probe 8: 等和 closes one unit list and opens the next; 全国工商联 and 共青团中央 are units.
#[test]
fn unit_lists_with_people_organisations() {
    let plan = parse_as(
        "一、动员社会各界\n（一）动员民营企业参与消费扶贫。（全国工商联、发展改革委、共青团中央、全国妇联等和各省级人民政府负责）\n",
        duban_core::DocKind::Implementation,
    );
    assert_units(
        task(&plan, 1),
        &["全国工商联"],
        &["发展改革委", "共青团中央", "全国妇联", "各省级人民政府"],
    );
}

/// Probe 8: sentences each closing with their own (X负责): one lead per sentence, leading
/// their parts separately.
#[test]
fn each_sentence_with_its_own_units_has_its_own_lead() {
    let plan = parse_as(
        "一、壮大市场主体\n（一）鼓励创新创业。推进商事制度改革。（市场监管总局负责）加强创新创业教育服务。（体育总局、教育部负责）\n",
        duban_core::DocKind::Implementation,
    );
    let t = task(&plan, 1);
    assert_units(t, &["市场监管总局", "体育总局"], &["教育部"]);
    assert!(t.leads_separately);
}

/// A tab after an item's label is white space, not the end of a table cell: the title is
/// the text after it.
#[test]
fn a_tab_after_the_label_keeps_the_title() {
    let plan = parse(
        "2024年某市工作要点\n一、目标\n1.\t推进项目建设，新建10个公园。\n2.\t加快发展现代服务业。\n",
    );
    assert_eq!(task(&plan, 1).title, "推进项目建设，新建10个公园");
    assert_eq!(task(&plan, 2).title, "加快发展现代服务业");
}
