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

/// Finds the units in a task's text, given in the normalised view (char-for-char with the
/// original, see `text`) and the original text (names are returned as written).
pub fn find_units(norm: &str, orig: &str) -> Units {
    let norm_chars: Vec<char> = norm.chars().collect();
    let orig_chars: Vec<char> = orig.chars().collect();
    let mut units = Units::default();
    let mut responsible: Vec<String> = Vec::new();
    let separately = norm.contains("分别牵头") || norm.contains("分别负责");

    // `key:` labels, in parentheses or at the start of a clause.
    for (i, _) in norm_chars.iter().enumerate() {
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
            let names = split_names(&orig_chars[j..end], &norm_chars[j..end]);
            match role {
                Role::Lead => units.lead.extend(names),
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
        let Some(end) = (start..limit)
            .find(|&k| starts_with(&norm_chars, k, "牵头") || starts_with(&norm_chars, k, "负责"))
        else {
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
        if names.iter().all(|n| looks_like_unit(n)) {
            units.lead.extend(names);
        }
    }
    // （省商务厅牵头，省财政厅配合）, （省发展改革委、省商务厅按职责分工负责）, and a bare
    // unit list closing a paragraph: （省发展改革委、省经信厅）, where the first leads.
    let mut by_duty = false;
    for (open, close) in paren_groups(&norm_chars) {
        let parts = clauses(&norm_chars, open + 1, close);
        let at_line_end = norm_chars[close + 1..]
            .iter()
            .find(|c| !matches!(c, ' ' | '\t' | '。' | ';'))
            .is_none_or(|&c| c == '\n');
        for &(s, e) in &parts {
            let part: String = norm_chars[s..e].iter().collect();
            if part.contains("第一位")
                || part.contains("第一个")
                || part.contains(':')
                || part.contains(']')
            {
                continue;
            }
            let role = if part.ends_with("牵头") || part.ends_with("负责") {
                Role::Lead
            } else if part.ends_with("配合") || part.ends_with("参与") || part.ends_with("协同")
            {
                Role::Co
            } else if at_line_end {
                Role::Responsible
            } else {
                continue;
            };
            let names = split_names(&orig_chars[s..e], &norm_chars[s..e]);
            if names.is_empty() || !names.iter().all(|n| looks_like_unit(n)) {
                continue;
            }
            by_duty |= part.contains("按职责");
            match role {
                Role::Co => units.co.extend(names),
                Role::Lead => units.lead.extend(names),
                Role::Responsible => responsible.extend(names),
            }
        }
    }
    let separately = separately || (by_duty && units.lead.len() > 1);
    if !responsible.is_empty() {
        if separately {
            units.lead.extend(responsible);
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
fn split_names(orig: &[char], norm: &[char]) -> Vec<String> {
    let mut names = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    for (i, &c) in norm.iter().enumerate() {
        let sep = depth == 0 && matches!(c, '、' | ',' | '，' | ' ' | '/');
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

fn push_name(names: &mut Vec<String>, orig: &[char], norm: &[char], mut s: usize, mut e: usize) {
    e = e.min(orig.len()).min(norm.len());
    let trims = |c: char| c.is_whitespace() || c.is_ascii_punctuation() || c == '。';
    loop {
        let before = (s, e);
        while s < e && trims(norm[s]) {
            s += 1;
        }
        while e > s && trims(norm[e - 1]) {
            e -= 1;
        }
        for suffix in [
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
        if (s, e) == before {
            break;
        }
    }
    if e > s && e - s <= 30 {
        names.push(orig[s..e].iter().collect());
    }
}

/// A plausible organisation name for 由X牵头 (not 由此, 由政府引导…).
fn looks_like_unit(name: &str) -> bool {
    const ENDS: &[&str] = &[
        "委",
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
    (2..=30).contains(&n) && ENDS.iter().any(|e| name.ends_with(e))
}

/// Top-level `(…)` groups of at most 80 chars, as `(open, close)` indices.
fn paren_groups(chars: &[char]) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut open = None;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' => open = Some(i),
            ')' => {
                if let Some(o) = open.take()
                    && i - o <= 80
                {
                    groups.push((o, i));
                }
            }
            '\n' => open = None,
            _ => {}
        }
    }
    groups
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
    (i..)
        .zip(pat.chars())
        .all(|(j, p)| chars.get(j) == Some(&p))
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
        find_units(&norm, s)
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
    fn paren_lead_and_co() {
        let u = units("推进步行街建设。（牵头单位：省商务厅、省市场监管局；配合单位：省财政厅）");
        assert_eq!(u.lead, ["省商务厅", "省市场监管局"]);
        assert_eq!(u.co, ["省财政厅"]);
        assert!(!u.separately);
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
