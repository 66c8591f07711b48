//! The target extractor: typed targets from a stretch of plan text.
//!
//! It scans the normalised view (see `text`) for numbers followed by a unit from the
//! lexicon below, reads the comparator from the cue word before the number and the
//! qualifier after it, and skips what is not a target (years, ordinals 第N, numbers in
//! names or quotes, base counts such as `107个…项目…的50%`). Adjacent values
//! (`分别增长10%、30%以上`) share their cue, unit and trailing qualifier.

use crate::lexicon::{MEASURE_SUFFIXES, TRENDS};
use crate::text::{View, is_cn_numeral, is_han, parse_cn_number};
use duban_core::number::MULTIPLIERS;
use duban_core::{Commitment, Comparator, Span, Target};

/// Whether a multiplier or a unit (万, 亿元, 个, 家 but not 家庭) starts at `i`: what
/// follows a number that is a quantity, not part of a name.
pub(crate) fn quantity_word_at(view: &View, i: usize) -> bool {
    MULTIPLIERS.iter().any(|(m, _)| view.starts_with(i, m))
        || UNITS.iter().any(|(u, not_after)| {
            view.starts_with(i, u) && !not_after.contains(view.at(i + u.chars().count()))
        })
}

/// Units as written (normalised to Simplified), with the chars after them that turn them
/// into another word (家 in 家庭, 名 in 名单): then it is not a unit.
const UNITS: &[(&str, &str)] = &[
    ("个百分点", ""),
    ("百分点", ""),
    ("%", ""),
    ("‰", ""),
    ("个工作日", ""),
    ("工作日", ""),
    ("个", "月体性"),
    ("所", "有属在得以谓"),
    ("家", "庭政居电具乡园族长"),
    ("户次", ""),
    ("户", "籍口外型"),
    ("条", "件例款文"),
    ("项", "目"),
    ("座", "谈"),
    ("名", "单称录片牌额义"),
    ("位", "于居列置"),
    ("人次", ""),
    ("人", "员口才民大工"),
    ("美元", ""),
    ("元", "素旦宵"),
    ("平方公里", ""),
    ("平方米", ""),
    ("公里", ""),
    ("千米", ""),
    ("公顷", ""),
    ("亩", ""),
    ("标准箱", ""),
    ("标箱", ""),
    ("千瓦时", ""),
    ("千瓦", ""),
    ("兆瓦", ""),
    // 2000张家庭养老床位: 张 counts beds; a number before 张家港 does not occur.
    ("张", ""),
    ("台", "湾州阶"),
    ("辆", ""),
    ("套", "餐"),
    ("场次", ""),
    ("场", "景馆所地合"),
    ("件", "事"),
    ("栋", ""),
    ("幢", ""),
    ("间", ""),
    ("处", "理置于"),
    ("株", ""),
    ("棵", ""),
    ("篇", ""),
    ("例", "如"),
    ("笔", ""),
    ("宗", "教旨"),
    ("起", "步草来点飞诉算始航见因源"),
    ("艘", ""),
    ("架", "构"),
    ("微克/立方米", ""),
    ("微克每立方米", ""),
    ("毫克/立方米", ""),
    ("毫克/升", ""),
    ("万吨标准煤", ""),
    ("吨标准煤", ""),
    ("立方米", ""),
    ("方", "面式法案向针便位向舱阵"),
    ("吨/年", ""),
    ("吨", ""),
    ("千克", ""),
    ("公斤", ""),
    ("斤", ""),
    ("支", "持撑付出援柱"),
    ("部", "门署分委长位属"),
    ("本", "地级科土市部"),
    ("种", "植子类养"),
    ("只", "要有是能"),
    ("头", "部号条脑版雁"),
    ("块", "状"),
    ("门", "户诊槛类"),
    ("分", "别钟之类布局析行区会享散公配期批级解工担项层档摊支流"),
    ("倍", ""),
    ("岁", ""),
    ("小时", ""),
    ("分钟", ""),
    ("天", "然下津"),
];

/// Units that are only targets with an explicit comparator (控制在3个工作日以内): a bare
/// 24小时 is part of a name.
const NEEDS_CUE: &[&str] = &["个工作日", "工作日", "小时", "分钟", "天"];
/// Units that describe who or what is counted (3岁以下婴幼儿) unless a cue word makes them
/// the goal (人均预期寿命达到83.5岁).
const ATTRIBUTE_UNITS: &[&str] = &["岁"];
/// Units a growth cue (增长, 提高) turns into a growth target.
const RATE_UNITS: &[&str] = &["%", "‰", "个百分点", "百分点", "倍"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    AtLeast,
    AtMost,
    Reach,
    Growth,
    Decrease,
}

/// Cue words before the number, longest first within each meaning.
const CUES: &[(&str, Cue)] = &[
    ("不超过", Cue::AtMost),
    ("不高于", Cue::AtMost),
    ("不大于", Cue::AtMost),
    ("不少于", Cue::AtLeast),
    ("不低于", Cue::AtLeast),
    ("不小于", Cue::AtLeast),
    ("超过", Cue::AtLeast),
    ("至少", Cue::AtLeast),
    ("突破", Cue::AtLeast),
    ("多于", Cue::AtLeast),
    ("超", Cue::AtLeast),
    ("控制在", Cue::AtMost),
    ("压缩至", Cue::AtMost),
    ("压缩到", Cue::AtMost),
    ("缩短至", Cue::AtMost),
    ("缩短到", Cue::AtMost),
    ("下降到", Cue::AtMost),
    ("下降至", Cue::AtMost),
    ("降低到", Cue::AtMost),
    ("降低至", Cue::AtMost),
    ("减少到", Cue::AtMost),
    ("减少至", Cue::AtMost),
    ("压减到", Cue::AtMost),
    ("压减至", Cue::AtMost),
    ("削减到", Cue::AtMost),
    ("削减至", Cue::AtMost),
    ("降至", Cue::AtMost),
    ("降到", Cue::AtMost),
    ("低于", Cue::AtMost),
    ("少于", Cue::AtMost),
    ("达到", Cue::Reach),
    ("保持在", Cue::Reach),
    ("稳定在", Cue::Reach),
    ("提升至", Cue::Reach),
    ("提升到", Cue::Reach),
    ("提高到", Cue::Reach),
    ("提高至", Cue::Reach),
    ("增加到", Cue::Reach),
    ("增加至", Cue::Reach),
    ("增长到", Cue::Reach),
    ("增长至", Cue::Reach),
    ("扩大到", Cue::Reach),
    ("扩大至", Cue::Reach),
    ("上升到", Cue::Reach),
    ("上升至", Cue::Reach),
    ("增至", Cue::Reach),
    ("升至", Cue::Reach),
    ("达", Cue::Reach),
    ("同比增长", Cue::Growth),
    ("年均增长", Cue::Growth),
    ("增长", Cue::Growth),
    ("增速", Cue::Growth),
    ("增幅", Cue::Growth),
    ("提高", Cue::Growth),
    ("提升", Cue::Growth),
    ("增加", Cue::Growth),
    ("下降", Cue::Decrease),
    ("降低", Cue::Decrease),
    ("减少", Cue::Decrease),
    ("压减", Cue::Decrease),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    AtLeast,
    AtMost,
    About,
}

const QUALIFIERS: &[(&str, Qualifier)] = &[
    ("以上", Qualifier::AtLeast),
    ("以内", Qualifier::AtMost),
    ("以下", Qualifier::AtMost),
    ("左右", Qualifier::About),
];

/// Verbs that make a Chinese-numeral count a target (新建三个…); without one, 十件实事 or
/// 四大平台 is a name.
const CN_VERBS: &[&str] = &[
    "新建",
    "建设",
    "建成",
    "完成",
    "创建",
    "培育",
    "打造",
    "新增",
    "达到",
    "达",
    "实现",
    "开展",
    "举办",
    "再建",
    "改造",
    "认定",
    "建立",
    "设立",
    "推出",
    "扶持",
    "新改建",
    "改扩建",
    "超过",
    "不少于",
    "不低于",
    "增长",
    "提高",
    "增加",
    "评选",
    "遴选",
    "命名",
    "建好",
];

/// Clause delimiters for metric and phrase boundaries.
fn is_delim(c: char) -> bool {
    matches!(
        c,
        ',' | '，' | '。' | ';' | '；' | ':' | '、' | '!' | '?' | '\n' | '\t' | '\0'
    )
}

/// A number with its unit, before comparators are settled.
#[derive(Debug, Clone)]
struct Token {
    /// Where the number starts and where the whole token (unit, qualifier) ends.
    num_start: usize,
    end: usize,
    value: f64,
    high: Option<f64>,
    /// 100多个, 50余家.
    more: bool,
    multiplier: f64,
    unit: Option<(usize, usize)>,
    unit_norm: String,
    qualifier: Option<Qualifier>,
    cue: Option<(Cue, usize)>,
    cn: bool,
}

/// Extracts the targets in `[start, end)`. `quoted[i]` tells whether char `i` is inside
/// 《》 or “”, where numbers belong to names.
pub fn extract(view: &View, start: usize, end: usize, quoted: &[bool]) -> Vec<Target> {
    let end = end.min(view.len());
    let mut tokens = Vec::new();
    let mut i = start;
    while i < end {
        let c = view.at(i);
        let starts_number = (c.is_ascii_digit() && !is_number_char(view.at(i.wrapping_sub(1)), i))
            || (is_cn_numeral(c) && (i == 0 || !is_cn_numeral(view.at(i - 1))))
            || bare_magnitude_at(view, i);
        if starts_number && let Some(tok) = read_token(view, i, end) {
            i = tok.end.max(i + 1);
            tokens.push(tok);
            continue;
        }
        i += 1;
    }
    share_in_lists(view, &mut tokens);
    let mut targets = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        // A list: tokens joined by 、 only.
        let mut j = k + 1;
        while j < tokens.len() && joined(view, &tokens[j - 1], &tokens[j]) {
            j += 1;
        }
        let group = &tokens[k..j];
        let metrics = list_metrics(view, group);
        for (n, tok) in group.iter().enumerate() {
            if !keep(view, tok, quoted) {
                continue;
            }
            let metric = metrics
                .as_ref()
                .and_then(|m| m.get(n).cloned())
                .unwrap_or_else(|| metric_for(view, tok));
            targets.push(to_target(view, tok, metric, n == 0));
        }
        k = j;
    }
    share_level_nouns(&mut targets);
    carry_metric_to_totals(view, &mut targets);
    targets.extend(direction_targets(view, start, end));
    targets.extend(word_targets(view, start, end));
    targets.sort_by_key(|t| t.span.start);
    targets
}

/// `新增稻渔综合种养100亩，累计达450亩`: a value without a metric of its own, in the clause
/// after another target's, counts the same thing (in all: 累计).
fn carry_metric_to_totals(view: &View, targets: &mut [Target]) {
    for i in 1..targets.len() {
        if !targets[i].metric.is_empty() || targets[i - 1].metric.is_empty() {
            continue;
        }
        let between = view.norm_str(targets[i - 1].span.end, targets[i].span.start);
        // The very next clause of the same sentence.
        if between.chars().count() > 12 || between.contains(['。', ';', '；', '\n']) {
            continue;
        }
        let total =
            between.contains("累计") || between.contains("总计") || between.contains("合计");
        let base = targets[i - 1].metric.clone();
        targets[i].metric = if total && !base.starts_with("累计") {
            format!("累计{base}")
        } else {
            base
        };
    }
}

/// `3—5个国家级、10—15个省级全域旅游示范县`: the first value counts the same thing at
/// another level, so it borrows the noun after the second value's level word.
fn share_level_nouns(targets: &mut [Target]) {
    for i in 1..targets.len() {
        let (a, b) = (&targets[i - 1].metric, &targets[i].metric);
        let short_level = a.ends_with('级') && a.chars().count() <= 4;
        if let (true, Some(p)) = (short_level, b.find('级'))
            && targets[i].span.start <= targets[i - 1].span.end + a.chars().count() + 1
        {
            let noun = b[p + '级'.len_utf8()..].to_string();
            if !noun.is_empty() {
                targets[i - 1].metric.push_str(&noun);
            }
        }
    }
}

fn is_number_char(c: char, i: usize) -> bool {
    i != usize::MAX && (c.is_ascii_digit() || c == '.' || c.is_ascii_alphabetic())
}

/// Reads `N`, `N-M`, `N多`, then multiplier, unit and qualifier at `i`.
fn read_token(view: &View, i: usize, end: usize) -> Option<Token> {
    let (value, mut k, cn) = read_number(view, i, end)?;
    let mut high = None;
    // A range: 2-3家, 3—5个, 10%—15%, 三至五个.
    let pct_after_low = view.at(k) == '%';
    let k_sep = if pct_after_low { k + 1 } else { k };
    if matches!(view.at(k_sep), '-' | '—' | '~' | '至' | '到')
        && let Some((h, k2, cn2)) = read_number(view, k_sep + 1, end)
        && cn2 == cn
        && h > value
    {
        high = Some(h);
        k = k2;
    }
    let mut more = false;
    if matches!(view.at(k), '多' | '余') {
        more = true;
        k += 1;
    }
    let mut multiplier = 1.0;
    let unit_start = k;
    for (m, f) in MULTIPLIERS {
        if view.starts_with(k, m) {
            multiplier = *f;
            k += m.chars().count();
            break;
        }
    }
    let mut unit_norm = String::new();
    // The first unit in lexicon order (longer forms first) not running into another word.
    let unit = UNITS.iter().find(|(u, not_before)| {
        view.starts_with(k, u) && !not_before.contains(view.at(k + u.chars().count()))
    });
    if let Some((u, _)) = unit {
        unit_norm = (*u).to_string();
        k += u.chars().count();
    }
    if multiplier != 1.0 && unit_norm.is_empty() {
        // A bare multiplier (1.2万) only when the number ends there, not 千亿级.
        let next = view.at(k);
        let qualifier_next = QUALIFIERS.iter().any(|(q, _)| view.starts_with(k, q));
        if is_han(next) && !qualifier_next {
            return None;
        }
    }
    let unit = (k > unit_start).then_some((unit_start, k));
    let mut qualifier = None;
    for (q, kind) in QUALIFIERS {
        if view.starts_with(k, q) {
            qualifier = Some(*kind);
            k += q.chars().count();
            break;
        }
    }
    // 1个工作日内, 30分钟内: a time limit.
    if qualifier.is_none() && NEEDS_CUE.contains(&unit_norm.as_str()) && view.at(k) == '内' {
        qualifier = Some(Qualifier::AtMost);
        k += 1;
    }
    if k > end {
        return None;
    }
    let cue = CUES
        .iter()
        .find(|(w, _)| view.ends_with(i, w))
        .map(|(w, c)| (*c, i - w.chars().count()))
        .map(|(c, p)| match c {
            Cue::Reach if rate_subject_before(view, p) => (Cue::Growth, p),
            _ => (c, p),
        })
        .or_else(|| split_reach(view, i));
    Some(Token {
        num_start: i,
        end: k,
        value,
        high,
        more,
        multiplier,
        unit,
        unit_norm,
        qualifier,
        cue,
        cn,
    })
}

/// `提高有线电视超高清机顶盒占比至75%`: a raising verb, its object, then 至/到 before the
/// value: a level to reach, the cue being the 至.
fn split_reach(view: &View, num_start: usize) -> Option<(Cue, usize)> {
    let at = num_start.checked_sub(1)?;
    if !matches!(view.at(at), '至' | '到') {
        return None;
    }
    let mut k = at;
    while k > 0 && at - k < 30 && !is_delim(view.at(k - 1)) {
        k -= 1;
        if ["提高", "提升", "扩大"]
            .iter()
            .any(|v| view.starts_with(k, v))
            && k + 2 < at
        {
            return Some((Cue::Reach, at));
        }
    }
    None
}

/// `增加值增速力争达到7.5%左右`: the subject just before a 达到-like cue (past a
/// commitment word) is a growth rate, so the value is a growth target.
fn rate_subject_before(view: &View, cue_start: usize) -> bool {
    let mut k = cue_start;
    for filler in ["力争", "确保", "争取", "要", "将"] {
        if view.ends_with(k, filler) {
            k -= filler.chars().count();
            break;
        }
    }
    ["增速", "增幅", "增长率"]
        .iter()
        .any(|w| view.ends_with(k, w))
}

/// Verbs after which a bare 万亿/亿/万 stands for one of it: `产业规模突破万亿元`.
const BARE_MAGNITUDE_VERBS: &[&str] = &["突破", "超过", "达到", "迈上", "跨上", "跃上", "跨越"];

/// `突破万亿元`: a magnitude word with no digit before it, right after a goal verb, reads as
/// one of that magnitude (the multiplier and unit are read after it as usual). `千亿`/`百亿`
/// are already numbers (千, 百 are numerals).
fn bare_magnitude_at(view: &View, i: usize) -> bool {
    matches!(view.at(i), '万' | '亿')
        && !is_cn_numeral(view.at(i.wrapping_sub(1)))
        && !view.at(i.wrapping_sub(1)).is_ascii_digit()
        && BARE_MAGNITUDE_VERBS.iter().any(|v| view.ends_with(i, v))
}

/// An Arabic (12, 1.5) or Chinese (三, 二十) number at `i`: value, end, whether Chinese; a
/// bare magnitude (see [`bare_magnitude_at`]) is 1, zero characters long.
fn read_number(view: &View, i: usize, end: usize) -> Option<(f64, usize, bool)> {
    if bare_magnitude_at(view, i) {
        return Some((1.0, i, false));
    }
    let mut k = i;
    if view.at(k).is_ascii_digit() {
        let mut thousands = false;
        loop {
            while k < end && view.at(k).is_ascii_digit() {
                k += 1;
            }
            // 1,000 or 12,500: a comma followed by exactly three digits.
            let three = (1..=3).all(|d| view.at(k + d).is_ascii_digit());
            if view.at(k) == ',' && three && !view.at(k + 4).is_ascii_digit() && k + 4 <= end {
                thousands = true;
                k += 1;
                continue;
            }
            break;
        }
        if view.at(k) == '.' && view.at(k + 1).is_ascii_digit() {
            k += 1;
            while k < end && view.at(k).is_ascii_digit() {
                k += 1;
            }
        }
        if k - i > 15 {
            return None;
        }
        let digits = view.norm_str(i, k);
        let value: f64 = if thousands {
            digits.replace(',', "").parse().ok()?
        } else {
            digits.parse().ok()?
        };
        return Some((value, k, false));
    }
    while k < end && k - i < 8 && is_cn_numeral(view.at(k)) {
        k += 1;
    }
    if k == i {
        return None;
    }
    let value = parse_cn_number(&view.norm_str(i, k))?;
    Some((value as f64, k, true))
}

/// Values written as a list share what only one of them spells out: the cue of the first
/// (分别增长), the unit and the qualifier of the last (10%、30%以上).
fn share_in_lists(view: &View, tokens: &mut [Token]) {
    let n = tokens.len();
    let mut k = 0;
    while k < n {
        let mut j = k + 1;
        while j < n && joined(view, &tokens[j - 1], &tokens[j]) {
            j += 1;
        }
        if j - k > 1 {
            let last = tokens[j - 1].clone();
            let first_cue = tokens[k].cue;
            for t in &mut tokens[k..j] {
                if t.unit.is_none() && last.unit.is_some() {
                    t.unit_norm = last.unit_norm.clone();
                    t.multiplier = last.multiplier;
                }
                if t.qualifier.is_none() {
                    t.qualifier = last.qualifier;
                }
                if t.cue.is_none()
                    && let Some((c, _)) = first_cue
                {
                    // Shared, so the phrase of a later value starts at its number.
                    t.cue = Some((c, t.num_start));
                }
            }
        }
        k = j;
    }
}

/// Whether `b` follows `a` with only 、 between: one list of values.
fn joined(view: &View, a: &Token, b: &Token) -> bool {
    b.num_start == a.end + 1 && view.at(a.end) == '、'
}

/// Whether a token is a target at all.
fn keep(view: &View, tok: &Token, quoted: &[bool]) -> bool {
    let i = tok.num_start;
    if tok.unit_norm.is_empty() && tok.multiplier == 1.0 {
        return false;
    }
    if quoted.get(i).copied().unwrap_or(false) {
        return false;
    }
    let prev = if i > 0 { view.at(i - 1) } else { '\0' };
    // 第七届, 等15部门, 前10名
    if matches!(prev, '第' | '近' | '前' | '后' | '每') {
        return false;
    }
    // 等15部门 describes who acts; 引进机数科技等8家研发机构 counts what is to be done.
    if prev == '等'
        && !clause_starts_with_goal_verb(view, i - 1)
        && !parallel_to_goal_clause(view, i - 1)
    {
        return false;
    }
    // 巩固368个经济薄弱村扶持成效: the places whose results are kept, not a new count.
    if view.ends_with(i, "巩固") {
        return false;
    }
    // A class, not an amount: 30万吨级进港航道, 5A级景区.
    if tok.end < view.len() && view.at(tok.end) == '级' {
        return false;
    }
    if tok.cn && (tok.value < 2.0 || !CN_VERBS.iter().any(|v| view.ends_with(i, v))) {
        return false;
    }
    if NEEDS_CUE.contains(&tok.unit_norm.as_str()) && tok.cue.is_none() && tok.qualifier.is_none() {
        return false;
    }
    if ATTRIBUTE_UNITS.contains(&tok.unit_norm.as_str()) && tok.cue.is_none() {
        return false;
    }
    !in_description(view, i)
        && !in_formula_or_notes(view, i)
        && !counts_own_measures(view, tok)
        && !is_base_count(view, tok)
        && !is_attributive(view, tok)
        && !is_capacity_of_named_project(view, tok)
        && !is_baseline(view, tok)
        && !names_those_served(view, tok)
        && !is_rule_parameter(view, tok)
        && !is_rule_or_category(view, tok)
        && !counts_listed_names(view, tok)
        && !is_benefit(view, tok)
        && !is_condition(view, tok)
}

/// Words opening a sentence that describes what is or was (`近年来，我国农机制造水平稳步
/// 提升`), not what is to be done.
const DESCRIPTION_OPENERS: &[&str] = &[
    "近年来",
    "近几年",
    "近年",
    "目前",
    "截至",
    "过去",
    "去年",
    "上年",
    "一年来",
    "五年来",
];

/// Whether the sentence holding `pos` opens with a description word.
pub(crate) fn in_description(view: &View, pos: usize) -> bool {
    let mut s = pos.min(view.len());
    while s > 0 && pos - s < 300 && !matches!(view.at(s - 1), '。' | '\n' | '!' | '?' | ';' | '；')
    {
        s -= 1;
    }
    while s < pos && matches!(view.at(s), ' ' | '　' | '\t') {
        s += 1;
    }
    DESCRIPTION_OPENERS.iter().any(|w| view.starts_with(s, w))
}

/// A number in a formula (`…/同期出院患者人次数×100%`) or in the notes after a `注：`
/// line (`2.标记“▲”的26个指标为国家监测指标`): definitions, not goals.
fn in_formula_or_notes(view: &View, i: usize) -> bool {
    if i > 0 && matches!(view.at(i - 1), '×' | '*' | '/' | '÷' | '=' | '＝') {
        return true;
    }
    // Back line by line: numbered note lines up to a line that opens with 注：.
    let mut end = i;
    for _ in 0..40 {
        let mut s = end;
        while s > 0 && view.at(s - 1) != '\n' {
            s -= 1;
        }
        let (ts, _) = view.trim(s, end.max(s));
        if view.starts_with(ts, "注:") || view.starts_with(ts, "注：") {
            return true;
        }
        // Only numbered note lines may stand between the number and 注：.
        if s != i && !view.at(ts).is_ascii_digit() && ts < end {
            return false;
        }
        if s == 0 {
            return false;
        }
        end = s - 1;
    }
    false
}

/// A count of the document's own measures: `知识产权保护方面5项：…` (a count that
/// introduces a list), `（共23项）`, `军民深度融合方面6项`, and of its own sections,
/// `确定了10个方面190项重点工作`, `分为五个方面`.
fn counts_own_measures(view: &View, tok: &Token) -> bool {
    let i = tok.num_start;
    if tok.end < view.len() && matches!(view.at(tok.end), ':' | '：') {
        return true;
    }
    if i >= 2 && view.at(i - 1) == '共' && matches!(view.at(i - 2), '(' | '（') {
        return true;
    }
    // The count of a report's 民生实事 (`实施民生实事28项`, `办好15件民生实事`): its items
    // are the plan's own tasks, listed with their own targets.
    if view.ends_with(i, "实事") {
        return true;
    }
    // A package of measures named by its count: 58条改革举措, 稳增长18条措施, 第一批12项
    // 重大改革事项.
    if tok.unit_norm == "条" || tok.unit_norm == "项" {
        let mut k = tok.end;
        while k < view.len() && k - tok.end < 6 && !is_delim(view.at(k)) {
            if ["举措", "措施", "政策", "改革事项"]
                .iter()
                .any(|w| view.starts_with(k, w))
            {
                return true;
            }
            k += 1;
        }
    }
    let mut k = tok.end;
    while k < view.len() && k - tok.end < 6 && !is_delim(view.at(k)) {
        if view.starts_with(k, "实事") {
            return true;
        }
        k += 1;
    }
    view.ends_with(i, "方面")
        || view.starts_with(tok.end, "方面")
        || view.starts_with(tok.end, "个方面")
}

/// A level the plan builds on, not one it sets: `在…拨款水平达到12000元的基础上，逐步提高`.
fn is_baseline(view: &View, tok: &Token) -> bool {
    let mut k = tok.end;
    while k < view.len() && k - tok.end < 12 && !is_delim(view.at(k)) {
        if view.starts_with(k, "的基础上") || view.starts_with(k, "基础上") {
            return true;
        }
        k += 1;
    }
    false
}

/// Verbs that grant something: the quantity in their clause is what is granted, not a goal.
const BENEFIT_VERBS: &[&str] = &["返还", "贴息", "可申请", "可享受", "给予", "予以奖补"];
/// Words that grant when they stand right before the amount (`每人补贴1000元`) but name a
/// metric elsewhere (`科技奖励项目8项以上`).
const BENEFIT_BEFORE_AMOUNT: &[&str] = &["补贴", "补助", "奖励", "奖补", "资助"];
/// Nouns of what is granted (`最高不超过15万元的创业担保贷款`).
const BENEFIT_NOUNS: &[&str] = &["贷款", "补贴", "补助", "奖励", "奖补", "资助", "标准"];

/// A policy parameter, not a goal: an amount granted (`可返还其…失业保险费的50%`,
/// `最高不超过300万元的创业担保贷款`, `每人补贴1000元`).
fn is_benefit(view: &View, tok: &Token) -> bool {
    // Only money and rates are granted; `资助200名` counts the people to be chosen.
    let money = tok.unit_norm.ends_with('元') || RATE_UNITS.contains(&tok.unit_norm.as_str());
    if !money {
        return false;
    }
    let i = tok.num_start;
    let mut s = i;
    while s > 0 && i - s < 40 && !is_delim(view.at(s - 1)) {
        s -= 1;
    }
    let before = view.norm_str(s, i);
    if BENEFIT_VERBS.iter().any(|v| before.contains(v))
        || BENEFIT_BEFORE_AMOUNT.iter().any(|v| before.ends_with(v))
        || before.ends_with("最高")
    {
        return true;
    }
    if before.contains("最高") && (before.ends_with("不超过") || before.ends_with("不高于"))
    {
        return true;
    }
    let after_de = tok.end < view.len() && view.at(tok.end) == '的';
    after_de
        && BENEFIT_NOUNS.iter().any(|n| {
            let mut k = tok.end + 1;
            while k < view.len() && k - tok.end < 12 && !is_delim(view.at(k)) {
                if view.starts_with(k, n) {
                    return true;
                }
                k += 1;
            }
            false
        })
}

/// A condition of eligibility, not a goal: the quantity sits in a `…的，` clause that the
/// next clause grants something to (`人员数量达到…25%…劳动合同的，可申请…`).
fn is_condition(view: &View, tok: &Token) -> bool {
    let mut k = tok.end;
    let mut depth = 0i32;
    while k < view.len() && k - tok.end < 80 {
        let c = view.at(k);
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ => {}
        }
        if depth <= 0 && matches!(c, ',' | '，' | '。' | ';' | '；' | '\n') {
            break;
        }
        k += 1;
    }
    // `…在3家及以上的，采取招标采购`: a clause ending in 的 before a comma is a condition.
    k < view.len() && matches!(view.at(k), ',' | '，') && k > 0 && view.at(k - 1) == '的'
}

/// Where the clause holding `pos` starts: back to a comma, full stop, semicolon or line
/// break (not 、, so a list stays one clause), at most 80 chars.
fn clause_start(view: &View, pos: usize) -> usize {
    let mut s = pos;
    while s > 0
        && pos - s < 80
        && !matches!(
            view.at(s - 1),
            ',' | '，' | '。' | ';' | '；' | '\n' | ':' | '：'
        )
    {
        s -= 1;
    }
    s
}

/// A rule of calculation or composition, not a goal: `按照…总用量的60%—70%估算采购总量`,
/// `按不低于采购金额的30%提前预付`, `由试点城市各派1名代表组成`.
fn is_rule_parameter(view: &View, tok: &Token) -> bool {
    let s = clause_start(view, tok.num_start);
    if ["按照", "按", "依照", "参照"]
        .iter()
        .any(|w| view.starts_with(s, w))
    {
        return true;
    }
    let mut k = tok.end;
    while k < view.len() && k - tok.end < 20 && !is_delim(view.at(k)) {
        if view.starts_with(k, "组成") {
            return view.norm_str(s, tok.num_start).contains('由');
        }
        k += 1;
    }
    false
}

/// Rules and categories, not goals: a clause said to hold `原则上` (as a rule) or a limit
/// under `不得` (`比例不得低于80%`); a procedural time limit (`自…之日起20个工作日内`,
/// `一般不少于5个工作日，最长不超过15个工作日`); a qualified value naming a category
/// (`单户担保金额500万元及以下的小微企业`); a value in a `对…的X` clause that names who
/// is granted something (`对…平均担保费率不超过1%的担保业务给予补贴`).
fn is_rule_or_category(view: &View, tok: &Token) -> bool {
    let i = tok.num_start;
    let s = clause_start(view, i);
    let before = view.norm_str(s, i);
    if before.contains("原则上") || before.contains("不得") {
        return true;
    }
    if tok.unit_norm.contains("工作日")
        && (before.contains("之日起") || before.ends_with("一般不少于") || before.contains("最长"))
    {
        return true;
    }
    let mut e = tok.end;
    let mut qualified = tok.qualifier.is_some();
    for q in ["及以下", "及以上", "以下", "以上"] {
        if view.starts_with(e, q) {
            e += q.chars().count();
            qualified = true;
            break;
        }
    }
    let de_after = e + 1 < view.len() && view.at(e) == '的' && is_han(view.at(e + 1));
    // 在50%以上的县建立“教联体”: the share of places a measure is to reach.
    let coverage = tok.unit_norm == "%" && tok.num_start > 0 && view.at(tok.num_start - 1) == '在';
    if de_after && !coverage && (qualified || before.contains('对')) {
        return true;
    }
    false
}

/// The count of a set just listed (`北京、天津、…西安11个城市`): it describes the names
/// before it, unless the clause opens with a goal verb (`建成A、B、C3个中心`).
fn counts_listed_names(view: &View, tok: &Token) -> bool {
    let i = tok.num_start;
    if i == 0 || !is_han(view.at(i - 1)) || tok.cue.is_some() || tok.unit_norm != "个" {
        return false;
    }
    // Only a set of places or bodies: 11个城市, 10个省份, 3个部门.
    const SETS: &[&str] = &[
        "城市", "省", "地区", "县", "市", "区", "国家", "部门", "单位",
    ];
    if !SETS.iter().any(|w| view.starts_with(tok.end, w)) {
        return false;
    }
    let s = clause_start(view, i);
    let listed = (s..i).filter(|&k| view.at(k) == '、').count() >= 2;
    listed && !clause_starts_with_goal_verb(view, i)
}

/// Verbs that open a clause whose `X等N家…` names what is to be achieved.
const GOAL_VERBS: &[&str] = &[
    "完成",
    "引进",
    "招引",
    "新引进",
    "培育",
    "新增",
    "新建",
    "建设",
    "建成",
    "打造",
    "创建",
    "认定",
    "引育",
    "扶持",
    "推动",
];

/// Whether the clause that ends at `pos` (back to a clause delimiter other than 、, past
/// a commitment word) starts with one of `GOAL_VERBS`.
fn clause_starts_with_goal_verb(view: &View, pos: usize) -> bool {
    let mut s = pos;
    while s > 0 && pos - s < 60 && !(is_delim(view.at(s - 1)) && view.at(s - 1) != '、') {
        s -= 1;
    }
    opens_with_goal_verb(view, s)
}

/// Whether the text at `s`, past commitment words and adverbs (力争, 重点, 加快 …),
/// starts with one of `GOAL_VERBS`.
fn opens_with_goal_verb(view: &View, mut s: usize) -> bool {
    const FILLERS: &[&str] = &[
        "集中力量",
        "力争",
        "确保",
        "争取",
        "全年",
        "年内",
        "重点",
        "大力",
        "加快",
        "着力",
        "积极",
        "持续",
        "全力",
        "努力",
        "进一步",
    ];
    let mut guard = 0;
    while guard < 4
        && let Some(f) = FILLERS.iter().find(|f| view.starts_with(s, f))
    {
        s += f.chars().count();
        guard += 1;
    }
    GOAL_VERBS.iter().any(|v| view.starts_with(s, v))
}

/// `重点打造A、B等10条具有国际优势，C、D等10条具有全国优势`: a clause without a verb that
/// repeats the `X等N` of the goal clause before it in the same sentence shares its verb.
fn parallel_to_goal_clause(view: &View, pos: usize) -> bool {
    // Back to the start of this clause (past 、).
    let mut s = pos;
    while s > 0 && pos - s < 60 && !(is_delim(view.at(s - 1)) && view.at(s - 1) != '、') {
        s -= 1;
    }
    if s == 0 || !matches!(view.at(s - 1), ',' | '，') {
        return false;
    }
    // The clause before it.
    let end = s - 1;
    let mut b = end;
    while b > 0 && end - b < 60 && !(is_delim(view.at(b - 1)) && view.at(b - 1) != '、') {
        b -= 1;
    }
    let repeats =
        (b..end.saturating_sub(1)).any(|k| view.at(k) == '等' && view.at(k + 1).is_ascii_digit());
    repeats && opens_with_goal_verb(view, b)
}

/// Physical capacities that name a plant: `榆能西南70万千瓦热电项目`, `50万吨甲醇制乙醇
/// 项目建成投产`. The plant is the goal; its size is part of its name.
const CAPACITY_UNITS: &[&str] = &[
    "吨",
    "千瓦",
    "兆瓦",
    "千瓦时",
    "立方米",
    "方",
    "标箱",
    "标准箱",
];
const PLANT_NOUNS: &[&str] = &["项目", "工程", "电站", "机组", "生产线", "基地"];

fn is_capacity_of_named_project(view: &View, tok: &Token) -> bool {
    if tok.cue.is_some() || !CAPACITY_UNITS.contains(&tok.unit_norm.as_str()) {
        return false;
    }
    let mut k = tok.end;
    while k < view.len() && k - tok.end < 14 && is_han(view.at(k)) {
        if PLANT_NOUNS.iter().any(|n| view.starts_with(k, n)) {
            return k > tok.end;
        }
        k += 1;
    }
    false
}

/// `3岁以下婴幼儿托位800个`, `亿元以上项目20个`: a qualified value that describes the noun
/// after it, whose count comes later in the same clause.
fn is_attributive(view: &View, tok: &Token) -> bool {
    if tok.qualifier.is_none() || !is_han(view.at(tok.end)) {
        return false;
    }
    let mut k = tok.end;
    while k < view.len() && !is_delim(view.at(k)) && k - tok.end < 30 {
        if view.at(k).is_ascii_digit() {
            return true;
        }
        k += 1;
    }
    false
}

/// Who the plan serves, not a goal: `以全市就业年龄段的7600多名持证残疾人为主要对象`,
/// `以300家重点企业为服务对象` — a quantity inside a 以…为(主要/服务/重点)对象 clause.
fn names_those_served(view: &View, tok: &Token) -> bool {
    let mut k = tok.end;
    let mut closes = false;
    while k < view.len() && !is_delim(view.at(k)) && k - tok.end < 40 {
        if [
            "为主要对象",
            "为对象",
            "为服务对象",
            "为重点对象",
            "为主要服务对象",
        ]
        .iter()
        .any(|w| view.starts_with(k, w))
        {
            closes = true;
            break;
        }
        k += 1;
    }
    if !closes {
        return false;
    }
    let mut b = tok.num_start;
    while b > 0 && !is_delim(view.at(b - 1)) && tok.num_start - b < 40 {
        b -= 1;
        if view.at(b) == '以' {
            return true;
        }
    }
    false
}

/// `107个传统文化项目总投资的50%`: the count is the base of a later percentage.
fn is_base_count(view: &View, tok: &Token) -> bool {
    if RATE_UNITS.contains(&tok.unit_norm.as_str()) {
        return false;
    }
    let mut k = tok.end;
    while k < view.len() && !is_delim(view.at(k)) && k - tok.end < 40 {
        if view.at(k) == '的' && view.at(k + 1).is_ascii_digit() {
            return true;
        }
        k += 1;
    }
    false
}

fn comparator(tok: &Token) -> Comparator {
    if tok.high.is_some() {
        return Comparator::Range;
    }
    let rate = RATE_UNITS.contains(&tok.unit_norm.as_str());
    let from_qualifier = |q: Option<Qualifier>, default| match q {
        Some(Qualifier::AtLeast) => Comparator::AtLeast,
        Some(Qualifier::AtMost) => Comparator::AtMost,
        Some(Qualifier::About) => Comparator::About,
        None if tok.more => Comparator::AtLeast,
        None => default,
    };
    match tok.cue.map(|c| c.0) {
        Some(Cue::Growth) if rate => match tok.qualifier {
            Some(Qualifier::AtLeast) => Comparator::GrowthAtLeast,
            Some(Qualifier::About) => Comparator::GrowthAbout,
            _ if tok.more => Comparator::GrowthAtLeast,
            _ => Comparator::Growth,
        },
        Some(Cue::Decrease) => Comparator::Decrease,
        Some(Cue::AtLeast) => Comparator::AtLeast,
        // 控制在5.5%左右: a level to stay about, as 5.5%左右 alone reads.
        Some(Cue::AtMost) if tok.qualifier == Some(Qualifier::About) => Comparator::About,
        Some(Cue::AtMost) => Comparator::AtMost,
        Some(Cue::Reach) => from_qualifier(tok.qualifier, Comparator::Reach),
        _ => from_qualifier(tok.qualifier, Comparator::Equal),
    }
}

fn to_target(view: &View, tok: &Token, metric: String, first_in_list: bool) -> Target {
    let start = match tok.cue {
        Some((_, s)) if first_in_list || s < tok.num_start => s,
        _ => tok.num_start,
    };
    let comparator = comparator(tok);
    let unit = match tok.unit {
        Some((s, e)) => Some(view.orig(s, e)),
        None if !tok.unit_norm.is_empty() => Some(tok.unit_norm.clone()),
        None => None,
    };
    let (value, low, high) = match tok.high {
        Some(h) => (None, Some(tok.value), Some(h)),
        None => (Some(tok.value), None, None),
    };
    let top = high.or(value);
    Target {
        phrase: view.orig(start, tok.end),
        span: Span {
            start,
            end: tok.end,
        },
        metric,
        comparator,
        value,
        low,
        high,
        unit,
        normalized: top.map(|v| v * tok.multiplier),
        commitment: commitment_before(view, start),
    }
}

/// 确保 (firm) or 力争/争取 (stretch), nearest before `pos` in the same sentence.
pub(crate) fn commitment_before(view: &View, pos: usize) -> Option<Commitment> {
    let mut k = pos.min(view.len());
    // A sentence longer than this is not one sentence (and the scan stays linear).
    let floor = k.saturating_sub(200);
    while k > floor {
        let c = view.at(k - 1);
        if matches!(c, '。' | ';' | '!' | '?' | '\n') {
            return None;
        }
        if view.ends_with(k, "确保") {
            return Some(Commitment::Firm);
        }
        // 增长5%左右、努力争取更好结果，…: an aspiration for the goal before, not the
        // commitment of the goals after.
        // (努力争取 holds 力争: read as 争取.)
        let strive =
            (view.ends_with(k, "力争") && !view.starts_with(k, "取")) || view.ends_with(k, "争取");
        if strive && !view.starts_with(k, "更") {
            return Some(Commitment::Stretch);
        }
        k -= 1;
    }
    None
}

/// For `X、Y分别增长10%、30%`: one metric per value, when the counts agree.
fn list_metrics(view: &View, group: &[Token]) -> Option<Vec<String>> {
    if group.len() < 2 {
        return None;
    }
    let start = group[0].cue.map_or(group[0].num_start, |c| c.1);
    if !view.ends_with(start, "分别") {
        return None;
    }
    let end = start - 2;
    let mut s = end;
    while s > 0 {
        let c = view.at(s - 1);
        if is_delim(c) && c != '、' {
            break;
        }
        s -= 1;
    }
    let parts: Vec<String> = split_keep(view, s, end, '、')
        .into_iter()
        .map(|(a, b)| clean_metric(&view.orig(a, b)))
        .collect();
    let parts = share_tail(parts);
    (parts.len() == group.len() && parts.iter().all(|p| !p.is_empty())).then_some(parts)
}

/// `大豆、油菜种植面积` → 大豆种植面积, 油菜种植面积: short first names (at most four chars, all
/// of one length) share what follows the last name's own head of that length.
fn share_tail(parts: Vec<String>) -> Vec<String> {
    let Some((last, heads)) = parts.split_last() else {
        return parts;
    };
    let len = heads.first().map_or(0, |h| h.chars().count());
    let short = (1..=4).contains(&len) && heads.iter().all(|h| h.chars().count() == len);
    if !short || last.chars().count() < len + 2 {
        return parts;
    }
    let tail: String = last.chars().skip(len).collect();
    heads
        .iter()
        .map(|h| format!("{h}{tail}"))
        .chain([last.clone()])
        .collect()
}

fn split_keep(view: &View, start: usize, end: usize, sep: char) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = start;
    for k in start..=end {
        if k == end || view.at(k) == sep {
            out.push((s, k));
            s = k + 1;
        }
    }
    out
}

/// What a value counts: the noun after it (350个乡镇居家养老服务中心) or, when the value
/// ends its clause, the subject before the cue (技术合同成交总额达800亿元).
fn metric_for(view: &View, tok: &Token) -> String {
    let mut after_start = tok.end;
    // 15万套（间）: a bracket right after the unit qualifies it; the noun, if any, follows.
    if view.at(after_start) == '(' && !names_units(view, after_start) {
        let close = (after_start..view.len().min(after_start + 8)).find(|&k| view.at(k) == ')');
        if let Some(close) = close {
            after_start = close + 1;
        }
    }
    let c = view.at(after_start);
    // A rate with its cue names what grows before it (地区生产总值按增长5%安排): the word
    // after the % is how, not what.
    let rate_with_cue = tok.cue.is_some() && RATE_UNITS.contains(&tok.unit_norm.as_str());
    if (is_han(c) || matches!(c, '“' | '"' | '(' | '《'))
        && !matches!(c, '的' | '并' | '且' | '或')
        && !(c == '(' && names_units(view, after_start))
        && !rate_with_cue
    {
        // Up to the clause end; a 、 inside parentheses (县(市、区)) does not end it.
        let mut e = after_start;
        let mut depth = 0i32;
        while e < view.len() && e - after_start < 40 {
            let c = view.at(e);
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            // 2个A和4个B: the next counted thing starts a metric of its own.
            if matches!(c, '和' | '及' | '与') && view.at(e + 1).is_ascii_digit() {
                break;
            }
            if is_delim(c) && (depth <= 0 || c == '\n' || c == '。') {
                break;
            }
            e += 1;
        }
        // 40个吸引力强、带动面广的消费场景: qualities listed before 的, then the thing
        // counted.
        if view.at(e) == '、' {
            let mut k = e;
            while k < view.len()
                && k - after_start < 40
                && !matches!(view.at(k), ',' | '。' | ';' | '\n' | ':')
            {
                k += 1;
            }
            if let Some(de) = (e..k).rev().find(|&j| view.at(j) == '的') {
                let head = trim_metric(&view.orig(de + 1, k));
                if !head.is_empty() {
                    return head;
                }
            }
        }
        let m = trim_metric(&view.orig(after_start, e));
        if !m.is_empty() {
            return m;
        }
    }
    let before_end = tok.cue.map_or(tok.num_start, |c| c.1.min(tok.num_start));
    let mut s = before_end;
    // Back to the clause start; a 、 inside brackets (县（市、区）) does not end it.
    let mut depth = 0i32;
    while s > 0 && before_end - s < 40 {
        let c = view.at(s - 1);
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            _ => {}
        }
        if is_delim(c) && (depth == 0 || matches!(c, '。' | '\n')) {
            break;
        }
        s -= 1;
    }
    // The object of the last verb: 布局首批浙江省实验室2-3家 → 首批浙江省实验室.
    let seg_start = s;
    for k in (s..before_end).rev() {
        let open_books = (seg_start..k).filter(|&j| view.at(j) == '《').count();
        let closed_books = (seg_start..k).filter(|&j| view.at(j) == '》').count();
        if open_books > closed_books {
            continue;
        }
        if VERBS
            .iter()
            .any(|v| view.starts_with(k, v) && k + v.chars().count() < before_end)
        {
            let v = VERBS
                .iter()
                .find(|v| view.starts_with(k, v))
                .map_or(0, |v| v.chars().count());
            s = k + v;
            break;
        }
    }
    clean_metric(&view.orig(s, before_end))
}

/// Whether the `(…)` opening at `open` assigns the work (省发展改革委牵头，省统计局配合): the
/// units that follow a target, not what it counts.
fn names_units(view: &View, open: usize) -> bool {
    let mut depth = 0i32;
    let mut end = open;
    while end < view.len() && end - open < 120 {
        match view.at(end) {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '\n' => break,
            _ => {}
        }
        end += 1;
    }
    let inside = view.norm_str(open + 1, end);
    [
        "牵头",
        "负责",
        "配合",
        "责任单位",
        "牵头单位",
        "主办",
        "协办",
    ]
    .iter()
    .any(|w| inside.contains(w))
}

/// Verbs whose object is the counted thing.
const VERBS: &[&str] = &[
    "布局",
    "建设",
    "新建",
    "再建",
    "创建",
    "培育发展",
    "培育",
    "打造",
    "建成",
    "完成",
    "实施",
    "开展",
    "设立",
    "组建",
    "认定",
    "发展",
    "交付",
];

/// Trims punctuation and trailing particles from a metric read after the value.
fn trim_metric(raw: &str) -> String {
    let s = raw
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() && c != '(' && c != ')');
    s.strip_suffix('的').unwrap_or(s).trim().to_string()
}

/// Drops leading verbs, years and adverbs and trailing particles from a metric.
fn clean_metric(raw: &str) -> String {
    const LEADING: &[&str] = &[
        "力争",
        "确保",
        "争取",
        "努力",
        "全年",
        "年内",
        "今年",
        "年底前",
        "到年底",
        "累计",
        "培育",
        "发展",
        "建设",
        "创建",
        "新建",
        "再建",
        "实现",
        "推动",
        "推进",
        "提高",
        "提升",
        "扩大",
        "完成",
        "开展",
        "重点",
        "指导",
        "新增",
        "全省",
        "使",
        "让",
        "将",
        "其中",
        "对",
    ];
    const TRAILING: &[&str] = &[
        "分别",
        "的",
        "为",
        "要",
        "将",
        "均",
        "各",
        "总计",
        "共",
        "保持在",
        "稳定在",
        "保持",
        "控制在",
        "继续",
        "按",
        // 外调绿电规模力争达到400亿千瓦时: the commitment is read on its own.
        "力争",
        "确保",
        "争取",
    ];
    let mut s = raw
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() && c != '(' && c != ')');
    loop {
        let before = s;
        s = strip_item_number(s);
        // A leading year: 2020年, 到2020年底.
        let t = s.strip_prefix('到').unwrap_or(s);
        let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 4 && t[digits..].starts_with('年') {
            s = &t[digits + '年'.len_utf8()..];
            s = s.strip_prefix('底').unwrap_or(s);
        }
        for p in LEADING {
            if let Some(r) = s.strip_prefix(p) {
                s = r;
            }
        }
        for p in TRAILING {
            // 全省平均 keeps its 均.
            if *p == "均" && s.ends_with("平均") {
                continue;
            }
            if let Some(r) = s.strip_suffix(p) {
                s = r;
            }
        }
        s = s.trim();
        if s == before {
            break;
        }
    }
    s.to_string()
}

/// `1.生产总值` → `生产总值`: an item number the clause started with (1. 1、 (1) (一)).
fn strip_item_number(s: &str) -> &str {
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        let rest = &s[digits..];
        if let Some(r) = rest
            .strip_prefix(['.', '、'])
            .filter(|r| r.starts_with(is_han))
        {
            return r;
        }
    }
    if let Some(inner) = s.strip_prefix(['(', '（']) {
        let close = inner.find([')', '）']).unwrap_or(0);
        let label = &inner[..close];
        let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
        if (1..=3).contains(&label.chars().count()) && label.chars().all(numeral) {
            let r = &inner[close + inner[close..].chars().next().map_or(0, char::len_utf8)..];
            if r.starts_with(is_han) {
                return r;
            }
        }
    }
    s
}

/// Shares and zeros written in words: `占总课时一半以上`, `占教师总数超过一半` (50 %), and
/// `事件零发生`, `零事故` (none at all). The measured quantity is the clause before.
fn word_targets(view: &View, start: usize, end: usize) -> Vec<Target> {
    let mut out = Vec::new();
    let clause_start = |pos: usize| {
        let mut s = pos;
        while s > start && !is_delim(view.at(s - 1)) && pos - s < 40 {
            s -= 1;
        }
        s
    };
    let mut k = start;
    while k < end {
        let half = view.starts_with(k, "一半") || view.starts_with(k, "半数");
        let zero = view.starts_with(k, "零发生") || view.starts_with(k, "零事故");
        if !half && !zero {
            k += 1;
            continue;
        }
        let s = clause_start(k);
        if in_description(view, k) {
            k += 2;
            continue;
        }
        let before = view.norm_str(s, k);
        let (comparator, value, mut e) = if half {
            let after = k + 2;
            let share = before.contains('占') || before.contains("比例") || before.contains("比重");
            if !share {
                k += 2;
                continue;
            }
            if view.starts_with(after, "以上") {
                (Comparator::AtLeast, 50.0, after + 2)
            } else if view.starts_with(after, "左右") {
                (Comparator::About, 50.0, after + 2)
            } else if before.ends_with("超过")
                || before.ends_with("不少于")
                || before.ends_with("不低于")
            {
                (Comparator::AtLeast, 50.0, after)
            } else if before.ends_with("达到") {
                (Comparator::Reach, 50.0, after)
            } else {
                k += 2;
                continue;
            }
        } else {
            (Comparator::AtMost, 0.0, k + 3)
        };
        e = e.min(end);
        // The phrase: from the comparator word (or the share's 占) to the end.
        let mut ps = k;
        for w in ["超过", "不少于", "不低于", "达到"] {
            if view.ends_with(k, w) {
                ps = k - w.chars().count();
            }
        }
        let metric_end = if half {
            before
                .rfind('占')
                .map_or(ps, |b| s + before[..b].chars().count())
        } else {
            k
        };
        let metric = clean_metric(&view.orig(s, metric_end));
        if metric.is_empty() {
            k = e;
            continue;
        }
        let (ps, pe) = view.trim(ps, e);
        out.push(Target {
            phrase: view.orig(ps, pe),
            span: Span { start: ps, end: pe },
            metric,
            comparator,
            value: Some(value),
            low: None,
            high: None,
            unit: half.then(|| "%".to_string()),
            normalized: Some(value),
            commitment: commitment_before(view, ps),
        });
        k = e;
    }
    out
}

/// Direction-only goals inside a clause: 比重稳步上升, 增速高于全国平均水平, 与经济增长同步.
fn direction_targets(view: &View, start: usize, end: usize) -> Vec<Target> {
    // Comparisons with another quantity, after the direction-only trends.
    const COMPARISONS: &[(&str, Comparator)] = &[
        ("高于", Comparator::HigherThan),
        ("快于", Comparator::HigherThan),
        // Only before a reference level (平均水平): 不低于5% is a number target.
        ("不低于", Comparator::HigherThan),
        ("同步", Comparator::InStepWith),
        // 增速保持在全国平均水平以上: only before a reference level ending in 以上.
        ("保持在", Comparator::HigherThan),
    ];
    let directions = || TRENDS.iter().chain(COMPARISONS);
    let mut out = Vec::new();
    let firsts: Vec<char> = directions().filter_map(|(w, _)| w.chars().next()).collect();
    let mut k = start;
    while k < end {
        let found = if firsts.contains(&view.at(k)) {
            directions().find(|(w, _)| view.starts_with(k, w))
        } else {
            None
        };
        let Some(&(word, comparator)) = found else {
            k += 1;
            continue;
        };
        let wlen = word.chars().count();
        // The measured quantity right before (allowing 保持/继续/均).
        let mut m_end = k;
        for filler in ["保持", "继续", "均", "要", "力争", "确保", "争取"] {
            if view.ends_with(m_end, filler) {
                m_end -= filler.chars().count();
            }
        }
        let mut phrase_end = k + wlen;
        let mut metric_end = m_end;
        if comparator == Comparator::InStepWith {
            // 与经济增长同步: the subject is before 与.
            let mut s = m_end;
            // 与 or 和: 居民收入增长和经济增长同步.
            while s > start && !is_delim(view.at(s - 1)) && !matches!(view.at(s - 1), '与' | '和')
            {
                s -= 1;
            }
            if s == start || !matches!(view.at(s - 1), '与' | '和') {
                k += wlen;
                continue;
            }
            metric_end = s - 1;
            for filler in ["基本", "保持"] {
                if view.ends_with(metric_end, filler) {
                    metric_end -= filler.chars().count();
                }
            }
        }
        if matches!(comparator, Comparator::HigherThan) {
            // The reference runs to the end of the clause and has no number.
            let mut e = phrase_end;
            while e < end && !is_delim(view.at(e)) && e - phrase_end < 20 {
                e += 1;
            }
            let reference = view.norm_str(phrase_end, e);
            let numeric = reference
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || is_cn_numeral(c));
            let level = reference.contains("水平") || reference.contains("平均");
            if (phrase_end..e).any(|j| view.at(j).is_ascii_digit())
                || e == phrase_end
                || numeric
                || (word == "不低于" && !level)
                || (word == "保持在" && !(level && reference.ends_with("以上")))
            {
                k += wlen;
                continue;
            }
            phrase_end = e;
        }
        let mut s = metric_end;
        while s > start && !is_delim(view.at(s - 1)) && metric_end - s < 40 {
            s -= 1;
        }
        let metric = clean_metric(&view.orig(s, metric_end));
        if metric.is_empty() || !MEASURE_SUFFIXES.iter().any(|m| metric.ends_with(m)) {
            k += wlen;
            continue;
        }
        let (ps, pe) = view.trim(s, phrase_end);
        if in_description(view, s) {
            k += wlen;
            continue;
        }
        // 推动技术改造投资稳步增长: growth an action aims at, not a level to check.
        if matches!(word, "稳步增长" | "持续增长")
            && ["推动", "促进", "带动", "支持", "引导", "鼓励"]
                .iter()
                .any(|v| view.starts_with(s, v))
        {
            k += wlen;
            continue;
        }
        out.push(Target {
            phrase: view.orig(ps, pe),
            span: Span { start: ps, end: pe },
            metric,
            comparator,
            value: None,
            low: None,
            high: None,
            unit: None,
            normalized: None,
            // From the direction word back: 增长力争高于… puts the commitment inside.
            commitment: commitment_before(view, k),
        });
        k = phrase_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_amounts_and_eligibility_conditions_are_not_targets() {
        let phrases = |t: &str| -> Vec<String> {
            let view = View::new(t);
            let quoted = vec![false; view.len()];
            extract(&view, 0, view.len(), &quoted)
                .into_iter()
                .map(|t| t.phrase)
                .collect()
        };
        assert!(phrases("对不裁员的参保企业，可返还其上年度实际缴纳失业保险费的50%。").is_empty());
        assert!(phrases("可申请最高不超过15万元的创业担保贷款。").is_empty());
        assert!(phrases(
            "小微企业新招用人员数量达到在职职工人数25%（超过100人的企业达到15%）并签订劳动合同的，可申请贷款。"
        )
        .is_empty());
        assert!(phrases("对符合条件的企业，每人补贴1000元。").is_empty());
        // Direction-only goals and grain in 斤.
        let p = phrases(
            "居民收入增长和经济增长同步，粮食产量1.3万亿斤以上，单位地区生产总值能耗保持下降，主要污染物排放量继续下降，固定资产投资增速保持在全国平均水平以上。",
        );
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(
            phrases("增速保持在5%以上。")
                .iter()
                .all(|p| p.contains('5'))
        );
        // A capacity that names a plant is not a target; the same unit as a goal is.
        assert!(phrases("建成榆能西南70万千瓦热电项目。").is_empty());
        assert_eq!(
            phrases("天然气产量370亿方，新增装机容量达到70万千瓦。").len(),
            2
        );
        assert_eq!(phrases("细颗粒物浓度不超过35微克每立方米。").len(), 1);
        // Shares and zeros in words.
        let p = phrases(
            "实践性教学课时占总课时一半以上，“双师型”教师占专业课教师总数超过一半，非法转移倾倒固体废物事件零发生。",
        );
        assert_eq!(p, vec!["一半以上", "超过一半", "零发生"]);
        assert!(phrases("一半以上的企业参与。").is_empty());
        // Conditions, rules of calculation and composition, counts of a listed set.
        assert!(phrases("入围生产企业在3家及以上的，采取招标采购的方式；入围生产企业为2家的，采取议价采购的方式。").is_empty());
        assert!(phrases("按照公立医疗机构年度药品总用量的60%—70%估算采购总量。").is_empty());
        assert!(phrases("医保基金在总额预算的基础上，按不低于采购金额的30%提前预付。").is_empty());
        assert!(phrases("联合采购办公室由试点城市各派1名代表组成。").is_empty());
        assert!(phrases("选择北京、天津、上海和西安11个城市开展试点。").is_empty());
        assert_eq!(phrases("建成北京、天津、上海3个国家中心。").len(), 1);
        // Counts of the document's own measures.
        assert!(
            phrases("安排资金148亿元，实施民生实事28项，不断增强群众获得感。")
                .iter()
                .all(|p| !p.contains("28"))
        );
        assert!(phrases("接续办好15件重点民生实事，包括：").is_empty());
        assert_eq!(phrases("新建民生工程项目28项。").len(), 1);
        assert!(
            phrases("市政府工作报告确定了10个方面190项重点工作，明确各项工作的牵头单位。")
                .is_empty()
        );
        // Who the plan serves is not a goal; the goal after it is.
        let found = phrases(
            "围绕“扩中”“提低”,以全市就业年龄段的7600多名持证残疾人为主要对象,以共同富裕示范区建设为牵引,促进残疾人更加充分更高质量就业。到2025年,全市新增残疾人就业800人以上。",
        );
        assert!(!found.iter().any(|p| p.contains("7600")), "{found:?}");
        assert!(found.iter().any(|p| p.contains("800人以上")), "{found:?}");
        assert!(phrases("一、推广的改革举措（共23项）\n（一）知识产权保护方面5项：知识产权案件审判。\n（四）军民深度融合方面6项。").is_empty());
        assert_eq!(phrases("全年共新建基站5000个。").len(), 1);
        // Formulas and notes define, they set no goal.
        assert!(phrases("计算方法：日间手术台次数/同期择期手术总台次数×100%。").is_empty());
        assert!(phrases("注：\n1.考核应采用上述全部指标。\n2.标记的26个指标为国家监测指标，住院时间不超过48小时。").is_empty());
        assert_eq!(phrases("1.门诊预约诊疗率达到60%以上。").len(), 1);
        // Rules, time limits and categories.
        assert!(phrases("法制审核人员原则上不少于本单位执法人员总数的5%。").is_empty());
        assert!(phrases("合作机构担保金额占比的比例不得低于80%。").is_empty());
        assert!(phrases("在执法决定作出之日起20个工作日内公开。").is_empty());
        assert!(phrases("合法性审核时间一般不少于5个工作日，最长不超过15个工作日。").is_empty());
        assert!(phrases("重点支持单户担保金额500万元及以下的小微企业。").is_empty());
        assert!(phrases("对平均担保费率不超过1%的担保业务给予补贴。").is_empty());
        assert_eq!(
            phrases("审批时间压缩至5个工作日以内，担保费率降至1%以下。").len(),
            2
        );
        // A level built on is not a target.
        assert!(phrases("在生均拨款水平达到12000元的基础上，逐步提高拨款水平。").is_empty());
        // A sentence describing the present or the past holds no goal.
        assert!(phrases("近年来，我国农机制造水平稳步提升，农机总动力达到10亿千瓦。").is_empty());
        assert_eq!(phrases("到2025年，农机总动力达到11亿千瓦。").len(), 1);
        // Goals with the same words stay targets.
        assert_eq!(phrases("获得省级科技奖励项目8项以上。").len(), 1);
        assert_eq!(phrases("5年内评选资助200名技能突出人才。").len(), 1);
        assert_eq!(phrases("新增创业担保贷款100亿元。").len(), 1);
        assert_eq!(phrases("参保率达到95%，覆盖人数超过100万人。").len(), 2);
    }

    fn targets(s: &str) -> Vec<Target> {
        let view = View::new(s);
        let quoted = crate::quoted_mask(&view);
        let ts = extract(&view, 0, view.len(), &quoted);
        for t in &ts {
            assert_eq!(t.span.slice(s), Some(t.phrase.as_str()));
        }
        ts
    }

    fn one(s: &str) -> Target {
        let ts = targets(s);
        assert_eq!(ts.len(), 1, "{s}: {ts:#?}");
        ts.into_iter().next().unwrap()
    }

    #[test]
    fn metrics_of_a_government_report_read_whole() {
        // Probe 7 (2026 Sichuan report): the thing counted after listed qualities; what a
        // rate is of, before it; a place name with a bracketed list.
        assert_eq!(
            one("打造40个吸引力强、带动面广的消费场景").metric,
            "消费场景"
        );
        assert_eq!(one("地区生产总值按增长5%安排").metric, "地区生产总值");
        assert_eq!(
            one("丘陵山区县（市、区）农作物耕种收综合机械化率达到55%").metric,
            "丘陵山区县（市、区）农作物耕种收综合机械化率"
        );
        assert_eq!(
            one("遴选首批20个技术先进、应用广泛的高质量数据集").metric,
            "高质量数据集"
        );
    }

    #[test]
    fn an_aspiration_after_a_goal_does_not_commit_the_next() {
        let ts = targets("地区生产总值增长5%左右、努力争取更好结果，一般公共预算收入增长4%左右。");
        assert_eq!(ts.len(), 2, "{ts:#?}");
        assert_eq!(ts[1].commitment, None);
        let t = one("外调绿电规模力争达到400亿千瓦时");
        assert_eq!(
            (t.metric.as_str(), t.commitment),
            ("外调绿电规模", Some(Commitment::Stretch))
        );
    }

    #[test]
    fn beds_in_zhang_before_jiating() {
        let ts = targets("新建2000张家庭养老床位、200个社区养老服务站。");
        assert_eq!(ts.len(), 2, "{ts:#?}");
        assert_eq!(
            (ts[0].value, ts[0].unit.as_deref()),
            (Some(2000.0), Some("张"))
        );
    }

    #[test]
    fn accidents_counted_in_qi_and_caps_after_yajian() {
        let t = one("重大事故起数减少10起以上");
        assert_eq!(
            (t.metric.as_str(), t.comparator, t.value, t.unit.as_deref()),
            ("重大事故起数", Comparator::Decrease, Some(10.0), Some("起"))
        );
        let t = one("煤炭消费量压减到500万吨以内");
        assert_eq!(
            (t.metric.as_str(), t.comparator, t.normalized),
            ("煤炭消费量", Comparator::AtMost, Some(5e6))
        );
        assert!(
            targets("推进项目尽早开工，发起设立3只基金")
                .iter()
                .all(|t| t.unit.as_deref() != Some("起"))
        );
    }

    #[test]
    fn the_units_after_a_target_are_not_its_metric() {
        let t = one("万元GDP能耗下降2.5%(分管副省长负责,省发展改革委牵头,省统计局配合)");
        assert_eq!(t.metric, "万元GDP能耗");
        let t = one("1.推进投资。固定资产投资增长10%（省发展改革委牵头）");
        assert_eq!(t.metric, "固定资产投资");
        // A bracket that says what is counted still names it.
        let t = one("建成50个(家)示范点。");
        assert_eq!(t.value, Some(50.0));
    }

    #[test]
    fn an_item_number_is_not_part_of_the_metric() {
        assert_eq!(one("1.生产总值增长6%以上。").metric, "生产总值");
        assert_eq!(one("（二）研发投入强度达到2.3%。").metric, "研发投入强度");
        // A number that is part of the name stays.
        assert_eq!(one("5G基站达到2万个。").metric, "5G基站");
    }

    #[test]
    fn listed_names_share_the_last_ones_tail() {
        let ts = targets("大豆、油菜种植面积分别达1800亩、38000亩。");
        let metrics: Vec<&str> = ts.iter().map(|t| t.metric.as_str()).collect();
        assert_eq!(metrics, ["大豆种植面积", "油菜种植面积"]);
        let ts = targets("实现网络零售额、跨境网络零售额分别增长10%、30%以上。");
        let metrics: Vec<&str> = ts.iter().map(|t| t.metric.as_str()).collect();
        assert_eq!(metrics, ["网络零售额", "跨境网络零售额"]);
    }

    #[test]
    fn raising_a_share_to_a_level_is_a_level_to_reach() {
        let t = one("提高有线电视超高清机顶盒占比至75%。");
        assert_eq!(t.comparator, Comparator::Reach);
        assert_eq!(t.metric, "有线电视超高清机顶盒占比");
        assert_eq!(t.value, Some(75.0));
        // Years joined by 至 are no target.
        assert!(targets("2020年至2022年持续推进。").is_empty());
    }

    #[test]
    fn two_counted_things_have_a_metric_each() {
        let ts = targets(
            "推进2个国家制造业新型技术改造城市试点和4个国家中小企业数字化转型城市试点建设。",
        );
        let metrics: Vec<&str> = ts.iter().map(|t| t.metric.as_str()).collect();
        assert_eq!(
            metrics,
            [
                "国家制造业新型技术改造城市试点",
                "国家中小企业数字化转型城市试点建设"
            ]
        );
        // Numbers inside straight quotes are part of a name.
        assert!(targets("举办\"制造业数字化转型50人会\"品牌活动。").is_empty());
    }

    #[test]
    fn government_report_phrasings() {
        let t = one("全年交付保障性租赁住房15万套（间）。");
        assert_eq!(t.metric, "保障性租赁住房");
        let t = one("开展一对一公益家庭教育指导服务1万户次。");
        assert_eq!(t.unit.as_deref(), Some("万户次"));
        let t = one("民间资本参与重大项目参股比例不低于10%并逐步提升。");
        assert_eq!(t.metric, "民间资本参与重大项目参股比例");
        let t = one("省属国有企业研发投入增速高于全省平均2个百分点以上。");
        assert!(t.metric.ends_with("全省平均"), "{}", t.metric);
        let t = one("粮食产量继续保持500亿斤以上。");
        assert_eq!(t.metric, "粮食产量");
        let t = one("力争重点文旅产业收入超1万亿元。");
        assert_eq!(
            (t.metric.as_str(), t.comparator),
            ("文旅产业收入", Comparator::AtLeast)
        );
        let t = one("城镇调查失业率控制在5.5%左右。");
        assert_eq!(t.comparator, Comparator::About);
        let t = one("建成产能1400万吨/年的项目。");
        assert_eq!(t.unit.as_deref(), Some("万吨/年"));
    }

    #[test]
    fn each_is_not_part_of_the_metric() {
        assert_eq!(one("建设马铃薯示范基地各10万亩。").metric, "马铃薯示范基地");
    }

    #[test]
    fn a_total_counts_what_the_clause_before_counts() {
        let ts = targets("新增稻渔综合种养100亩，累计达450亩。");
        let metrics: Vec<&str> = ts.iter().map(|t| t.metric.as_str()).collect();
        assert_eq!(metrics, ["稻渔综合种养", "累计稻渔综合种养"]);
    }

    #[test]
    fn head_counts_livestock() {
        let t = one("年度饲养生猪6.7万头。");
        assert_eq!((t.value, t.unit.as_deref()), (Some(6.7), Some("万头")));
        assert!(
            targets("打造3个龙头企业")
                .iter()
                .all(|t| t.unit.as_deref() != Some("头"))
        );
    }

    #[test]
    fn comparators() {
        let t = one("技术合同成交总额达800亿元。");
        assert_eq!(
            (t.comparator, t.value, t.unit.as_deref()),
            (Comparator::Reach, Some(800.0), Some("亿元"))
        );
        assert_eq!(t.normalized, Some(8e10));
        assert_eq!(t.metric, "技术合同成交总额");
        assert_eq!(t.phrase, "达800亿元");
        let t = one("布局首批浙江省实验室2-3家；");
        assert_eq!(
            (t.comparator, t.low, t.high),
            (Comparator::Range, Some(2.0), Some(3.0))
        );
        let t = one("开展10个以上省级“互联网+义务教育”实验区建设");
        assert_eq!(t.comparator, Comparator::AtLeast);
        assert_eq!(t.metric, "省级“互联网+义务教育”实验区建设");
        assert_eq!(one("床位数不少于5%").comparator, Comparator::AtLeast);
        assert_eq!(one("覆盖面扩大到70%以上").comparator, Comparator::AtLeast);
        assert_eq!(
            one("10条左右省级高品质步行街").comparator,
            Comparator::About
        );
        assert_eq!(
            one("再建350个乡镇(街道)居家养老服务中心").comparator,
            Comparator::Equal
        );
        assert_eq!(one("确保增长6%左右").comparator, Comparator::GrowthAbout);
        assert_eq!(one("确保增长6%左右").commitment, Some(Commitment::Firm));
        assert_eq!(
            one("审批时间控制在3个工作日以内").comparator,
            Comparator::AtMost
        );
        assert_eq!(one("新增就业１０万人").normalized, Some(1e5));
        assert_eq!(one("培育企业1,200家，").value, Some(1200.0));
        assert_eq!(one("比上年增长6%—7%").comparator, Comparator::Range);
        assert_eq!(one("新增企业1000余家").comparator, Comparator::AtLeast);
        assert_eq!(one("组建应急队伍10支").unit.as_deref(), Some("支"));
        assert_eq!(
            one("群众满意度达到90分以上").comparator,
            Comparator::AtLeast
        );
        assert!(targets("3分钟").is_empty() && targets("10支持").is_empty());
        assert_eq!(
            one("办理时间压缩至30分钟以内").unit.as_deref(),
            Some("分钟")
        );
    }

    #[test]
    fn lists_share_cue_and_qualifier() {
        let ts = targets("实现网络零售额、跨境网络零售额分别增长10%、30%以上。");
        assert_eq!(ts.len(), 2);
        assert!(ts.iter().all(|t| t.comparator == Comparator::GrowthAtLeast));
        assert_eq!(ts[0].metric, "网络零售额");
        assert_eq!(ts[1].metric, "跨境网络零售额");
        assert_eq!(ts[1].phrase, "30%以上");
    }

    #[test]
    fn not_targets() {
        for s in [
            "2020年3月5日",
            "第七届世界互联网大会",
            "统筹推进年度促消费十件实事",
            "做大做强两大平台",
            "大运河国家文化公园和四条诗路文化带",
            "打造千亿级高端服务业主平台",
            "国家发展改革委等15部门联合印发",
            "《2019年度社会办医状况白皮书》",
            "浙政办发〔2020〕12号",
            "“十四五”规划",
            "24小时便利店",
        ] {
            assert!(targets(s).is_empty(), "{s}: {:#?}", targets(s));
        }
        let ts = targets("完成《行动计划》107个传统文化项目总投资的50%；");
        assert_eq!(ts.len(), 1);
        assert_eq!(ts[0].value, Some(50.0));
    }

    #[test]
    fn growth_rate_subject_makes_reach_a_growth_target() {
        let t = one("全省服务业增加值增速力争达到7.5%左右。");
        assert_eq!(t.comparator, Comparator::GrowthAbout);
        assert_eq!(t.commitment, Some(Commitment::Stretch));
        assert_eq!(one("覆盖率达到90%").comparator, Comparator::Reach);
    }

    #[test]
    fn deng_n_after_a_goal_verb_is_a_target() {
        // Adverbs before the verb, and a parallel clause sharing it.
        let p: Vec<String> = targets(
            "大力建设国家先进制造业集群，重点打造智能电网、工程机械等10条具有国际优势，生物药、集成电路等10条具有全国优势，飞机配套等具有发展潜力的重点产业链。",
        )
        .into_iter()
        .map(|t| t.phrase)
        .collect();
        assert_eq!(p.len(), 2, "{p:?}");
        // Who acts, listed after a clause without a goal verb, stays out.
        assert!(
            targets("会同发展改革、财政等15部门，商务、海关等8部门按职责分工负责。").is_empty()
        );
        // The share of places a measure is to reach is a goal; a category by amount is not.
        assert_eq!(targets("在50%以上的县建立“教联体”。").len(), 1);
        assert!(targets("对单户担保金额500万元及以下的小微企业给予支持。").is_empty());
        // A package of measures named by its count is no target; roads counted in 条 are.
        assert!(targets("实施新一轮优化营商环境58条改革举措。").is_empty());
        assert_eq!(targets("再推出10条乡村旅游精品线路。").len(), 1);
        assert!(targets("加快推进第一批12项重大改革事项落地见效。").is_empty());
        assert_eq!(targets("力争突破关键技术125项以上。").len(), 1);
        // Kept results of existing places are no count to reach; a goal of 完善 is.
        assert!(targets("巩固368个经济薄弱村扶持成效。").is_empty());
        assert_eq!(targets("完善1000个居住小区再生资源回收体系。").len(), 1);
        // Containers in 标准箱; a verb after 集中力量 counts its 等N.
        assert_eq!(targets("集装箱吞吐量突破2400万标准箱。").len(), 1);
        assert_eq!(
            targets("集中力量完成瑶琳路、临月里、密云一支路等13处易积水点位改造。").len(),
            1
        );
        // A class is not an amount.
        assert!(targets("推进防城港30万吨级进港航道、北海铁山港20万吨级航道建设。").is_empty());
        assert_eq!(targets("新增港口吞吐能力2000万吨。").len(), 1);
        let t = one("推动实验室落地,引进机数科技等8家独立法人研发机构、中科院所");
        assert_eq!((t.value, t.unit.as_deref()), (Some(8.0), Some("家")));
        assert!(targets("认真贯彻落实国家发展改革委等14部委印发的文件").is_empty());
        assert!(targets("抓好减税降费、金融支持等10项政策措施落地").is_empty());
    }

    #[test]
    fn relative_directions_past_commitments() {
        let t = one("服务业固定资产投资增长力争高于面上投资;");
        assert_eq!(t.comparator, Comparator::HigherThan);
        assert_eq!(t.commitment, Some(Commitment::Stretch));
        let t = one("其他主要经济指标不低于全市平均水平。");
        assert_eq!(t.comparator, Comparator::HigherThan);
        assert_eq!(one("床位数不低于5%").comparator, Comparator::AtLeast);
        assert!(targets("质量不低于标准要求").is_empty());
    }

    #[test]
    fn a_bare_magnitude_after_a_goal_verb_is_one_of_it() {
        let t = one("力争产业规模突破万亿元");
        assert!(t.phrase.ends_with("突破万亿元"), "{t:?}");
        assert_eq!((t.value, t.unit.as_deref()), (Some(1.0), Some("万亿元")));
        assert_eq!(t.normalized, Some(1e12));
        // A class (万亿级) and a magnitude inside a word are not targets.
        assert!(targets("支柱产业突破万亿级规模").is_empty());
        assert!(targets("建设万亿级产业集群").is_empty());
    }

    #[test]
    fn steady_growth_of_a_measure_is_a_direction_goal() {
        let t = one("居民收入稳步增长");
        assert_eq!(t.comparator, Comparator::Increase);
        assert_eq!(t.metric, "居民收入");
        // Growth an action aims at is not a level to check.
        assert!(targets("推动技术改造投资稳步增长。").is_empty());
        let t = one("进出口总额保持正增长");
        assert_eq!(t.comparator, Comparator::Increase);
        assert_eq!(t.metric, "进出口总额");
        // Without a measured quantity before it there is nothing to track.
        let view = View::new("推动各项事业持续增长。");
        assert!(direction_targets(&view, 0, view.len()).is_empty());
    }

    #[test]
    fn directions() {
        let t = one("服务业增加值占地区生产总值比重保持稳步上升");
        assert_eq!(t.comparator, Comparator::Increase);
        assert_eq!(t.metric, "服务业增加值占地区生产总值比重");
        let t = one("城乡居民收入增长与经济增长同步");
        assert_eq!(t.comparator, Comparator::InStepWith);
        let t = one("研发投入增速高于全国平均水平");
        assert_eq!(t.comparator, Comparator::HigherThan);
    }
}
