//! Lead and co-operating units of a task: 由X牵头, （牵头单位：X、Y）, 责任单位：X、Y (the first
//! leads unless the text says 分别牵头), 配合单位：…

/// Who leads and who co-operates, as found in one task's text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Units {
    pub lead: Vec<String>,
    pub co: Vec<String>,
    pub separately: bool,
}

/// What a `key：` label says about the units after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// 牵头单位: every unit listed leads.
    Lead,
    /// 责任单位: the first leads, the rest co-operate (unless 分别牵头).
    Responsible,
    /// 配合单位, 参与单位 …
    Co,
}

const KEYS: &[(&str, Role)] = &[
    ("牵头单位", Role::Lead),
    ("牵头部门", Role::Lead),
    ("牵头", Role::Lead),
    ("负责单位", Role::Lead),
    ("主责单位", Role::Lead),
    ("责任单位", Role::Responsible),
    ("责任部门", Role::Responsible),
    ("实施单位", Role::Responsible),
    ("配合单位", Role::Co),
    ("配合部门", Role::Co),
    ("参与单位", Role::Co),
    ("协同单位", Role::Co),
    ("协助单位", Role::Co),
    ("协办单位", Role::Co),
];

/// Whether the document states once that the first unit of every list leads
/// (列第一位者为牵头单位，下同): then `A、B按职责分工负责` is one list that A leads, not
/// units leading their parts separately. 牵头 must lie within 12 chars of the marker.
pub fn first_listed_leads(norm: &[char]) -> bool {
    (0..norm.len()).any(|i| {
        ["第一位", "第一个", "首位"]
            .iter()
            .any(|w| starts_with(norm, i, w))
            && (i..i + 11).any(|k| starts_with(norm, k, "牵头"))
    })
}

/// Finds the units in a task's text, given in the normalised view (char-for-char with the
/// original, see `text`) and the original text (names are returned as written).
pub fn find_units(norm: &str, orig: &str, first_leads: bool) -> Units {
    let norm_chars: Vec<char> = norm.chars().collect();
    let orig_chars: Vec<char> = orig.chars().collect();
    let mut units = Units::default();
    let mut responsible: Vec<String> = Vec::new();
    let separately = says_separately(norm);
    // A `牵头单位：` label next to a `责任单位：` list makes the list the co-operating units.
    let mut labelled_lead = false;
    // Where `key：` lists run: a (…) inside one qualifies a name (政府(管委会)).
    let mut labelled: Vec<(usize, usize)> = Vec::new();

    // `key:` labels, in parentheses or at the start of a clause.
    // Every key starts with one of these: skip other chars without trying each key.
    let firsts: Vec<char> = KEYS.iter().filter_map(|(k, _)| k.chars().next()).collect();
    for (i, c) in norm_chars.iter().enumerate() {
        if !firsts.contains(c) {
            continue;
        }
        for &(key, role) in KEYS {
            if !starts_with(&norm_chars, i, key) {
                continue;
            }
            // 牵头单位：X, or in brackets: 【牵头单位】X / [牵头单位]：X.
            let mut j = i + key.chars().count();
            let bracketed = i > 0 && norm_chars[i - 1] == '[' && norm_chars.get(j) == Some(&']');
            if bracketed {
                j += 1;
                if norm_chars.get(j) == Some(&':') {
                    j += 1;
                }
            } else if norm_chars.get(j) == Some(&':') {
                j += 1;
            } else {
                continue;
            }
            let end = list_end(&norm_chars, j);
            labelled.push((j, end));
            let names = split_names(&orig_chars[j..end], &norm_chars[j..end]);
            match role {
                Role::Lead => {
                    labelled_lead |= !names.is_empty();
                    units.lead.extend(names);
                }
                Role::Responsible => responsible.extend(names),
                Role::Co => units.co.extend(names),
            }
            break;
        }
    }
    // 由X牵头 / 由X负责.
    let mut from = 0;
    while let Some(p) = find_from(&norm_chars, from, "由") {
        from = p + 1;
        let start = p + 1;
        let limit = (start + 40).min(norm_chars.len());
        // 由政府负责人牵头: a person, not the unit 政府.
        let Some(end) = (start..limit).find(|&k| {
            starts_with(&norm_chars, k, "牵头")
                || (starts_with(&norm_chars, k, "负责") && norm_chars.get(k + 2) != Some(&'人'))
        }) else {
            continue;
        };
        if norm_chars[start..end]
            .iter()
            .any(|c| matches!(c, ',' | '。' | ';' | '\n' | ':'))
            || end == start
        {
            continue;
        }
        let names = split_names(&orig_chars[start..end], &norm_chars[start..end]);
        let norm_names = split_names(&norm_chars[start..end], &norm_chars[start..end]);
        // 由一个部门牵头 describes a rule, it names no unit.
        let generic = |n: &String| ["一个", "多个", "某"].iter().any(|w| n.starts_with(w));
        if norm_names.iter().all(|n| looks_like_unit(n) && !generic(n)) {
            units.lead.extend(names);
        }
    }
    // （省商务厅牵头，省财政厅配合）, （省发展改革委、省商务厅按职责分工负责）, and a bare
    // unit list closing a paragraph: （省发展改革委、省经信厅）, where the first leads.
    let mut by_duty = false;
    // Parenthesised groups, and the same wording after a `部门分工：` label.
    let mut groups: Vec<(usize, usize, bool)> = paren_groups(&norm_chars)
        .into_iter()
        .filter(|&(open, _)| !labelled.iter().any(|&(s, e)| (s..e).contains(&open)))
        .map(|(open, close)| {
            let at_line_end = norm_chars[close + 1..]
                .iter()
                .find(|c| !matches!(c, ' ' | '\t' | '。' | ';'))
                .is_none_or(|&c| c == '\n');
            (open + 1, close, at_line_end)
        })
        .collect();
    groups.extend(division_labels(&norm_chars));
    // Each bracket's 负责 list on its own: a task whose sentences each close with their own
    // (X负责) has one lead per sentence.
    let mut responsible_groups: Vec<Vec<String>> = Vec::new();
    for (gs, ge, at_line_end) in groups {
        let mut group_responsible = Vec::new();
        let parts: Vec<(usize, usize, String)> = clauses(&norm_chars, gs, ge)
            .into_iter()
            .map(|(s, e)| (s, e, norm_chars[s..e].iter().collect()))
            .collect();
        let has_lead = parts.iter().any(|(_, _, p)| p.ends_with("牵头"));
        for (s, e, part) in &parts {
            let (s, e) = (*s, *e);
            // (技工院校内由人力资源社会保障行政部门负责): 由X负责 inside a bracket is read by
            // the 由X rule above, not as a list of names.
            if part.contains("第一位")
                || part.contains("第一个")
                || part.contains(':')
                || part.contains(']')
                || part.contains('由')
            {
                continue;
            }
            let duty = part.contains("按职责");
            let role = if part.ends_with("牵头") {
                Role::Lead
            } else if part.ends_with("负责") {
                // (A、B按职责分工负责) alone: each leads its part; after an (X牵头) clause:
                // the rest co-operate; (A、B，C负责): one list, the first leads.
                match (has_lead, duty) {
                    (true, _) => Role::Co,
                    (false, true) if !first_leads => Role::Lead,
                    (false, _) => Role::Responsible,
                }
            } else if part.ends_with("配合")
                || part.ends_with("参与")
                || part.ends_with("协同")
                || part.ends_with("落实")
            {
                // 各地级以上市人民政府结合实际落实: carries it out locally, does not lead.
                Role::Co
            } else if at_line_end && has_lead {
                // (A牵头，B，C、D按职责分工负责): a bare name after the lead's clause is one
                // of the units that take part.
                Role::Co
            } else if at_line_end {
                Role::Responsible
            } else {
                continue;
            };
            let names = split_names(&orig_chars[s..e], &norm_chars[s..e]);
            // Judged on the normalised names: 部門, 廳 in Traditional text.
            let norm_names = split_names(&norm_chars[s..e], &norm_chars[s..e]);
            if names.is_empty() || !norm_names.iter().all(|n| looks_like_unit(n)) {
                continue;
            }
            by_duty |= duty && role == Role::Lead;
            match role {
                Role::Co => units.co.extend(names),
                Role::Lead => units.lead.extend(names),
                Role::Responsible => group_responsible.extend(names),
            }
        }
        if !group_responsible.is_empty() {
            responsible_groups.push(group_responsible);
        }
    }
    let mut separately = separately || (by_duty && units.lead.len() > 1);
    if responsible_groups.len() > 1 && !labelled_lead && !separately {
        // (市场监管总局负责)…(体育总局、教育部负责): the first of each list leads its part.
        for group in responsible_groups {
            let mut it = group.into_iter();
            units.lead.extend(it.next());
            units.co.extend(it);
        }
        separately = true;
    } else {
        responsible.extend(responsible_groups.into_iter().flatten());
    }
    if !responsible.is_empty() {
        if separately {
            units.lead.extend(responsible);
        } else if labelled_lead {
            units.co.extend(responsible);
        } else {
            let mut it = responsible.into_iter();
            units.lead.extend(it.next());
            units.co.extend(it);
        }
    }
    units.separately = separately && units.lead.len() > 1;
    dedupe(&mut units.lead);
    dedupe(&mut units.co);
    units.co.retain(|c| !units.lead.contains(c));
    units
}

/// Units from the columns of a task table: every unit in a 牵头单位 column leads; in a
/// 责任单位 column the first leads unless the cell says 分别牵头; the 配合单位 column
/// co-operates.
pub fn from_cells(
    lead: Option<(String, String)>,
    responsible: bool,
    co: Option<(String, String)>,
) -> Units {
    let names = |(norm, orig): (String, String)| {
        let n: Vec<char> = norm.chars().collect();
        let o: Vec<char> = orig.chars().collect();
        (
            split_names(&o, &n),
            norm.contains("分别牵头") || norm.contains("分别负责"),
        )
    };
    let mut units = Units::default();
    if let Some(cell) = lead {
        let (list, separately) = names(cell);
        if responsible && !separately {
            let mut it = list.into_iter();
            units.lead.extend(it.next());
            units.co.extend(it);
        } else {
            units.separately = separately && list.len() > 1;
            units.lead = list;
        }
    }
    if let Some(cell) = co {
        units.co.extend(names(cell).0);
    }
    dedupe(&mut units.lead);
    dedupe(&mut units.co);
    units
}

/// Where a unit list ends: a closing parenthesis, a clause or sentence end, a newline, or
/// the next `key:` label.
fn list_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0i32;
    for (k, &c) in chars.iter().enumerate().skip(start) {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return k,
            ')' => depth -= 1,
            '。' | ';' | '\n' | '\t' | '[' => return k,
            _ => {}
        }
        if k > start
            && KEYS.iter().any(|(key, _)| {
                starts_with(chars, k, key)
                    && matches!(chars.get(k + key.chars().count()), Some(':' | ']'))
            })
        {
            return k;
        }
    }
    chars.len()
}

/// Splits `省发展改革委、省商务厅等` into names (not at 和: 省文化和旅游厅 is one unit);
/// `norm` decides separators and suffixes,
/// names are returned as written in `orig`.
/// Levels of local government that complete a `各…` list: 各区、县级市 is one unit (the
/// district and county-level city governments), not 各区 and 县级市.
const LEVELS: &[&str] = &[
    "区",
    "县",
    "市",
    "县级市",
    "县(市)",
    "县(市、区)",
    "乡",
    "镇",
    "乡镇",
    "街道",
    "开发区",
    "功能区",
];

/// Whether the `、` at `i` continues a `各…` list of government levels (各区、县级市).
fn joins_levels(norm: &[char], start: usize, i: usize) -> bool {
    if norm.get(start).copied() != Some('各') || norm[i] != '、' {
        return false;
    }
    let mut depth = 0i32;
    let end = (i + 1..norm.len())
        .find(|&k| {
            match norm[k] {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth == 0 && matches!(norm[k], '、' | ',' | '，' | ' ' | '/' | '及')
        })
        .unwrap_or(norm.len());
    let next: String = norm[i + 1..end].iter().collect();
    let next = ["人民政府", "政府"]
        .iter()
        .find_map(|s| next.strip_suffix(s))
        .unwrap_or(&next);
    LEVELS.contains(&next)
}

fn split_names(orig: &[char], norm: &[char]) -> Vec<String> {
    let mut names = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, &c) in norm.iter().enumerate() {
        // 及 joins two units (市级各有关部门及各县市区政府); 和 does not split (省文化和旅游厅).
        // …商务部等和各有关省级人民政府: 等和 closes one list and opens the next.
        let sep = depth == 0
            && (matches!(c, '、' | ',' | '，' | ' ' | '/' | '及')
                || (c == '和' && i > 0 && norm[i - 1] == '等'))
            && !joins_levels(norm, start, i);
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if sep {
            push_name(&mut names, orig, norm, start, i);
            start = i + 1;
        }
    }
    push_name(&mut names, orig, norm, start, norm.len());
    names
}

/// `分别牵头` / `分别负责` said of this task's units, not quoted in a note about the marking
/// (除标注“分别牵头”外，列第一位为牵头单位).
fn says_separately(norm: &str) -> bool {
    ["分别牵头", "分别负责"].iter().any(|w| {
        norm.match_indices(w).any(|(i, _)| {
            let before = norm[..i].chars().next_back();
            !matches!(before, Some('“' | '"' | '‘' | '\'' | '「'))
        })
    })
}

/// A note in brackets after the last name of a list (列第一位为牵头单位，下同): not a part of
/// the name.
const LIST_NOTES: &[&str] = &["第一位", "下同", "牵头", "汇总", "标注", "分别"];

fn push_name(names: &mut Vec<String>, orig: &[char], norm: &[char], mut s: usize, mut e: usize) {
    e = e.min(orig.len()).min(norm.len());
    let trims = |c: char| c.is_whitespace() || c.is_ascii_punctuation() || c == '。';
    // A closing ) that matches a ( inside the name stays: 各县(市、区)政府(管委会).
    let keeps_close = |s: usize, e: usize| {
        norm[e - 1] == ')'
            && norm[s..e].iter().filter(|&&c| c == '(').count()
                >= norm[s..e].iter().filter(|&&c| c == ')').count()
    };
    loop {
        let before = (s, e);
        while s < e && trims(norm[s]) {
            s += 1;
        }
        while e > s && trims(norm[e - 1]) && !keeps_close(s, e) {
            e -= 1;
        }
        for suffix in [
            "结合实际抓好落实",
            "结合实际落实",
            "抓好落实",
            "按职责分工负责",
            "按职责分工",
            "按职责负责",
            "分别牵头",
            "分别负责",
            "分别",
            "配合",
            "参与",
            "牵头",
            "负责",
            "等有关部门和单位",
            "等有关单位和部门",
            "等有关部门",
            "等有关单位",
            "等相关部门",
            "等相关单位",
            "会同有关部门",
            "会同相关部门",
            "等单位",
            "等部门",
            "等",
        ] {
            let n = suffix.chars().count();
            if e >= s + n && norm[e - n..e].iter().copied().eq(suffix.chars()) {
                e -= n;
                break;
            }
        }
        // A closing note in brackets, once the name's own suffixes are off.
        if e > s
            && norm[e - 1] == ')'
            && let Some(open) = (s..e).rev().find(|&k| norm[k] == '(')
            && LIST_NOTES
                .iter()
                .any(|w| norm[open..e].iter().collect::<String>().contains(w))
        {
            e = open;
        }
        if (s, e) == before {
            break;
        }
    }
    // An empty unit cell written out (配合单位：无).
    let none = ["无", "暂无", "—", "——", "-"];
    if e > s
        && e - s <= 30
        && !none
            .iter()
            .any(|w| norm[s..e].iter().copied().eq(w.chars()))
    {
        names.push(orig[s..e].iter().collect());
    }
}

/// A plausible organisation name for 由X牵头 (not 由此, 由政府引导…).
pub(crate) fn looks_like_unit(name: &str) -> bool {
    const ENDS: &[&str] = &[
        "委",
        // 全国工商联, 妇联, 残联, 科协, 共青团中央.
        "联",
        "协",
        "团中央",
        "厅",
        "局",
        "办",
        "办公室",
        "政府",
        "委员会",
        "小组",
        "中心",
        "院",
        "会",
        "部",
        "署",
        "行",
        "公司",
        "集团",
        "社",
        "馆",
        "所",
        "处",
        "室",
        "站",
        "队",
        "团",
        "市",
        "县",
        "区",
        "省",
        "单位",
        "部门",
    ];
    let n = name.chars().count();
    // 各地, 各街道, 各相关单位: every unit of a kind.
    let collective = name.starts_with('各') && (2..=10).contains(&n);
    (2..=30).contains(&n) && (collective || ENDS.iter().any(|e| name.ends_with(e)))
}

/// Outermost `(…)` groups of at most 80 chars, as `(open, close)` indices: a group holding
/// a group (市数据局、各县(市、区)政府牵头) is one group; when an outer `(` never closes
/// on its line, the groups inside it still count.
fn paren_groups(chars: &[char]) -> Vec<(usize, usize)> {
    let mut closed: Vec<(usize, usize)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' => open.push(i),
            ')' => {
                if let Some(o) = open.pop()
                    && i - o <= 80
                {
                    // Groups closed inside this one are not outermost.
                    closed.retain(|&(a, _)| a < o);
                    closed.push((o, i));
                }
            }
            '\n' => open.clear(),
            _ => {}
        }
    }
    closed
}

/// `部门分工：省发展改革委牵头，各地、各部门配合。`: the text after a 分工 label up to the
/// end of its line, read like a parenthesised group, as `(start, end, at_line_end)`.
fn division_labels(chars: &[char]) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = find_from(chars, from, "分工:") {
        from = p + 1;
        let start = p + "分工:".chars().count();
        let end = (start..chars.len())
            .find(|&k| chars[k] == '\n')
            .unwrap_or(chars.len());
        out.push((start, end, true));
    }
    out
}

/// `[s, e)` clauses of `[start, end)` split at `,` `;` `，`.
fn clauses(chars: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = start;
    for k in start..=end {
        if k == end || matches!(chars.get(k), Some(',' | ';' | '，' | '。')) {
            if k > s + 2 {
                out.push((s, k));
            }
            s = k + 1;
        }
    }
    out
}

fn starts_with(chars: &[char], i: usize, pat: &str) -> bool {
    let mut pc = pat.chars();
    match (pc.next(), chars.get(i)) {
        (Some(p), Some(&c)) if p == c => {}
        (None, _) => return true,
        _ => return false,
    }
    (i + 1..).zip(pc).all(|(j, p)| chars.get(j) == Some(&p))
}

fn find_from(chars: &[char], from: usize, pat: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| starts_with(chars, i, pat))
}

fn dedupe(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::norm_char;

    fn units(s: &str) -> Units {
        let norm: String = s.chars().map(norm_char).collect();
        find_units(&norm, s, false)
    }

    #[test]
    fn you_x_qiantou() {
        let u = units("由省商务厅、省文化和旅游厅分别牵头推进");
        assert_eq!(u.lead, ["省商务厅", "省文化和旅游厅"]);
        assert!(u.separately);
        let u = units("由省发展改革委牵头制定滚动推进清单");
        assert_eq!(u.lead, ["省发展改革委"]);
        assert!(u.co.is_empty());
        assert!(units("由此带动消费，由政府引导").lead.is_empty());
    }

    #[test]
    fn names_after_the_lead_take_part() {
        let u = units(
            "推进数字金融。（人民银行广东省分行牵头，省委金融办，广东金融监管局、广东证监局按职责分工负责）",
        );
        assert_eq!(u.lead, ["人民银行广东省分行"]);
        assert_eq!(u.co, ["省委金融办", "广东金融监管局", "广东证监局"]);
        let u = units(
            "推进攻关。（省科技厅、工业和信息化厅按职责分工负责，各地级以上市人民政府结合实际落实）",
        );
        assert_eq!(u.lead, ["省科技厅", "工业和信息化厅"]);
        assert_eq!(u.co, ["各地级以上市人民政府"]);
    }

    #[test]
    fn a_group_holding_a_group_is_read_whole() {
        let u = units("2.推进建设。完成5个项目。（市数据局、各县（市、区）政府牵头）");
        assert_eq!(u.lead, ["市数据局", "各县（市、区）政府"]);
        let u = units("完成80%以上指标任务。(市政務服務數據管理局、各縣(市、區)政府牽頭)");
        assert_eq!(u.lead, ["市政務服務數據管理局", "各縣(市、區)政府"]);
    }

    #[test]
    fn a_note_on_the_marking_is_neither_a_name_nor_a_separate_lead() {
        let u = units(
            "责任单位:市发改委、市经信局、市卫生健康委(除标注“分别牵头”外,列第一位为牵头或汇总单位,下同)",
        );
        assert_eq!(u.lead, ["市发改委"]);
        assert_eq!(u.co, ["市经信局", "市卫生健康委"]);
        assert!(!u.separately);
        assert!(units("(市人力社保局、市农业农村局分别牵头)").separately);
    }

    #[test]
    fn a_list_of_government_levels_is_one_unit() {
        let u = units("推进全域旅游。（牵头单位：各区、县级市政府；配合单位：市文广旅游局）");
        assert_eq!(u.lead, ["各区、县级市政府"]);
        assert_eq!(u.co, ["市文广旅游局"]);
        let u = units("（责任单位：市发展改革委、各区、县级市）");
        assert_eq!(u.lead, ["市发展改革委"]);
        assert_eq!(u.co, ["各区、县级市"]);
        // Two departments stay two.
        let u = units("（牵头单位：省商务厅、省财政厅）");
        assert_eq!(u.lead, ["省商务厅", "省财政厅"]);
    }

    #[test]
    fn paren_lead_and_co() {
        let u = units("推进步行街建设。（牵头单位：省商务厅、省市场监管局；配合单位：省财政厅）");
        assert_eq!(u.lead, ["省商务厅", "省市场监管局"]);
        assert_eq!(u.co, ["省财政厅"]);
        assert!(!u.separately);
    }

    #[test]
    fn explicit_lead_makes_responsible_list_co() {
        let u = units(
            "增长6.2%左右。\n牵头单位:区发改局\n责任单位:立山经济开发区,各街道、区直各部门\n",
        );
        assert_eq!(u.lead, ["区发改局"]);
        assert_eq!(u.co, ["立山经济开发区", "各街道", "区直各部门"]);
        let u = units("通车。(责任领导:洪声耀;牵头单位:区交通运输局;责任单位:区发改局、区林业局)");
        assert_eq!(u.lead, ["区交通运输局"]);
        assert_eq!(u.co, ["区发改局", "区林业局"]);
    }

    #[test]
    fn closing_list_with_fu_ze() {
        let u = units("落实。(省发展改革委、省财政厅、省税务局,各市人民政府负责)\n");
        assert_eq!(u.lead, ["省发展改革委"]);
        assert_eq!(u.co, ["省财政厅", "省税务局", "各市人民政府"]);
        let u =
            units("衔接。(市政府办公室、市审改办牵头,市级各有关部门及各县市区政府按职责分工负责)");
        assert_eq!(u.lead, ["市政府办公室", "市审改办"]);
        assert_eq!(u.co, ["市级各有关部门", "各县市区政府"]);
        assert!(!u.separately);
    }

    #[test]
    fn bracket_label_variants() {
        let u = units("推进改革。【牵头单位：省商务厅】【配合单位：省财政厅、省税务局】");
        assert_eq!(u.lead, ["省商务厅"]);
        assert_eq!(u.co, ["省财政厅", "省税务局"]);
        let u = units("推进改革。[责任单位:老街办、区招商服务中心、长乐投资有限公司]");
        assert_eq!(u.lead, ["老街办"]);
        assert_eq!(u.co, ["区招商服务中心", "长乐投资有限公司"]);
    }

    #[test]
    fn qualified_names_in_lists() {
        let u = units(
            "恢复。\n责任单位:市疫情防控指挥部办公室、市卫生健康委等,各县(市、区)政府(管委会)\n",
        );
        assert_eq!(u.lead, ["市疫情防控指挥部办公室"]);
        assert_eq!(u.co, ["市卫生健康委", "各县(市、区)政府(管委会)"]);
    }

    #[test]
    fn traditional_unit_lists() {
        let u = units("銜接。(市政府辦公室牽頭,市級各有關部門及各縣市區政府按職責分工負責)");
        assert_eq!(u.lead, ["市政府辦公室"]);
        assert_eq!(u.co, ["市級各有關部門", "各縣市區政府"]);
        assert_eq!(units("由省商務廳牽頭推進").lead, ["省商務廳"]);
    }

    #[test]
    fn division_label_line() {
        let u = units(
            "增长6%以上。\n分管省领导:林克庆\n部门分工:省发展改革委牵头,各地、各部门配合。\n",
        );
        assert_eq!(u.lead, ["省发展改革委"]);
        assert_eq!(u.co, ["各地", "各部门"]);
        assert!(units("分管省领导:林克庆\n").lead.is_empty());
    }

    #[test]
    fn responsible_first_leads() {
        let u = units("责任单位：省教育厅、省财政厅、各设区市政府");
        assert_eq!(u.lead, ["省教育厅"]);
        assert_eq!(u.co, ["省财政厅", "各设区市政府"]);
        let u = units("【牵头单位】区人力社保局　【配合单位】区财政局、区总工会");
        assert_eq!(u.lead, ["区人力社保局"]);
        assert_eq!(u.co, ["区财政局", "区总工会"]);
        let u = units("推进改革。（省发展改革委、省商务厅按职责分工负责）");
        assert_eq!(u.lead, ["省发展改革委", "省商务厅"]);
        assert!(u.separately);
        let u = units("推进改革。（省发展改革委、省经信厅、省财政厅）\n");
        assert_eq!(u.lead, ["省发展改革委"]);
        assert_eq!(u.co, ["省经信厅", "省财政厅"]);
        let u = units("推进乡镇（街道）中心建设，打造金华（义乌）枢纽。");
        assert!(u.lead.is_empty() && u.co.is_empty());
        let u = units("加快建设（省商务厅牵头，省财政厅配合）");
        assert_eq!(u.lead, ["省商务厅"]);
        assert_eq!(u.co, ["省财政厅"]);
        let u = units("責任單位：省衛生健康委、省民政廳分別牽頭");
        assert_eq!(u.lead, ["省衛生健康委", "省民政廳"]);
        assert!(u.separately);
    }
}
