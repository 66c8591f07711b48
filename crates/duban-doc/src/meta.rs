//! Plan-level facts: title, issuer, year, headline direction goals, and task titles.

use crate::lexicon::{MEASURE_SUFFIXES, TRENDS};
use crate::structure::classify;
use crate::targets::commitment_before;
use crate::text::{Line, View, is_han, parse_cn_number};
use duban_core::{Span, Target};

/// Words that mark a plan's title line.
const TITLE_WORDS: &[&str] = &[
    "关于印发",
    "工作要点",
    "要点",
    "任务分解",
    "工作计划",
    "计划",
    "实施方案",
    "方案",
    "重点工作",
    "工作安排",
    "任务清单",
    "清单",
    "责任分工",
    "分工",
    // 发文机关 + 关于 + 事由 + 文种: 指导意见, 若干意见, 实施意见, 的通知.
    "意见",
    "的通知",
];

/// The title line: the first short line before the numbered items that names a plan
/// (工作要点, 任务分解 …), else the first short unpunctuated line.
pub fn title_line(view: &View, lines: &[Line]) -> Option<usize> {
    let first_numbered = lines
        .iter()
        .position(|l| classify(view, l).is_some())
        .unwrap_or(lines.len());
    title_line_before(view, lines, first_numbered)
}

/// `title_line` among the lines before line `limit` (once the structure is known, the first
/// pillar or task: a notice's own 一、二、三、 may come before the plan's title).
pub fn title_line_before(view: &View, lines: &[Line], limit: usize) -> Option<usize> {
    let first_numbered = limit.min(lines.len());
    let candidates = || {
        lines[..first_numbered]
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_blank() && l.len() <= 80)
            .filter(|(_, l)| {
                let t = view.norm_str(l.start, l.end);
                // A salutation (`各位代表：`, `各区人民政府：`) addresses, it does not title;
                // a numbered item (`一、2018年工作回顾`) is part of the body.
                classify(view, l).is_none()
                    && !t.ends_with('。')
                    && !t.trim_end().ends_with([':', '!', '！'])
                    && t.chars().filter(|&c| is_han(c)).count() >= 4
            })
    };
    candidates()
        .find(|(_, l)| {
            let t = view.norm_str(l.start, l.end);
            TITLE_WORDS.iter().any(|w| t.contains(w)) && !t.contains('。')
        })
        .or_else(|| {
            // Without a genre word: a short line that is not a sentence.
            candidates().find(|(_, l)| {
                l.len() <= 40
                    && !view
                        .norm_str(l.start, l.end)
                        .contains(['。', ',', ';', '，', '；'])
            })
        })
        .map(|(i, _)| i)
}

/// `关于印发《2020年…工作要点》的通知` → the plan name and the issuer before 关于.
/// The name is what stands between 印发 and 的通知: brackets around all of it are dropped,
/// brackets inside it kept (`印发2021年省《政府工作报告》重点任务分工方案的通知`). A
/// document number after the notice (`(粤府〔2021〕22号)`) and spaces left by a line break
/// between two Han characters are dropped.
pub fn clean_title(line: &str) -> (String, Option<String>) {
    let line = title_cell(line.trim());
    let line = strip_column_tag(line.trim());
    let line = strip_doc_number(line.trim());
    let line = strip_leading_doc_number(line);
    // 《…关于印发〈…〉的通知》: the whole notice title quoted.
    let line = line
        .strip_prefix('《')
        .and_then(|l| l.strip_suffix('》'))
        .filter(|l| l.ends_with("的通知") && !l.contains('》'))
        .unwrap_or(line);
    let (title, issuer) = split_notice(line);
    (join_han_spaces(&title), issuer)
}

fn split_notice(line: &str) -> (String, Option<String>) {
    let issuer_of = |before: &str| {
        let before = before.trim();
        let before = before.strip_suffix("关于").unwrap_or(before).trim();
        // Several organs issuing jointly, separated by spaces (`成都市发展和改革委员会
        // 中共成都市委社会工作部 …`): longer than one name, each part an organ.
        let parts: Vec<&str> = before.split_whitespace().collect();
        let joint = (2..=6).contains(&parts.len()) && parts.iter().all(|p| looks_like_org(p));
        (!before.is_empty() && (before.chars().count() <= 40 || joint)).then(|| before.to_string())
    };
    for verb in ["关于印发", "关于下达", "关于转发", "关于公布", "印发"] {
        let Some(a) = line.find(verb) else { continue };
        let rest = &line[a + verb.len()..];
        let Some(inner) = rest
            .strip_suffix("的通知")
            .or_else(|| rest.strip_suffix("的通知。"))
        else {
            continue;
        };
        let inner = inner.trim();
        let bare = [('《', '》'), ('〈', '〉')].iter().find_map(|&(o, c)| {
            inner
                .strip_prefix(o)
                .and_then(|s| s.strip_suffix(c))
                .filter(|s| !s.contains(c))
        });
        let name = bare.unwrap_or(inner).trim();
        if !name.is_empty() {
            return (name.to_string(), issuer_of(&line[..a]));
        }
    }
    if let (Some(a), Some(b)) = (line.find('《'), line.rfind('》'))
        && a < b
    {
        let inner = &line[a + '《'.len_utf8()..b];
        if line.contains("印发") || line.contains("通知") || a == 0 {
            let issuer = line[..a].split("关于").next().and_then(issuer_of);
            return (inner.trim().to_string(), issuer);
        }
    }
    // 发文机关 + 关于 + 事由 + 文种: 国务院办公厅关于加快发展…的指导意见.
    let issuer = line
        .split_once("关于")
        .map(|(before, _)| before.trim())
        .filter(|before| looks_like_org(before))
        .map(str::to_string);
    (line.trim_end_matches(['。', '.']).to_string(), issuer)
}

/// A portal's metadata row flattened to a line, `名 称: | 市人民政府办公室关于印发…的通知 |`:
/// the cell that names the document, without its `名称:` label.
fn title_cell(line: &str) -> &str {
    let cell = if line.contains('|') {
        line.split('|')
            .map(str::trim)
            .max_by_key(|c| {
                let named = TITLE_WORDS.iter().any(|w| c.contains(w));
                (named, c.chars().count())
            })
            .unwrap_or(line)
    } else {
        line
    };
    for colon in [':', '：'] {
        if let Some((label, rest)) = cell.split_once(colon) {
            let label: String = label.chars().filter(|c| !c.is_whitespace()).collect();
            if ["名称", "标题", "文件名称", "题名", "名稱", "標題"].contains(&label.as_str())
            {
                return rest.trim();
            }
        }
    }
    cell
}

/// `京政办发〔2016〕26号《…》` → `《…》`: a document number before the title.
/// A portal's column tag before the title, `【市政府重点工作及责任分解】滁州市人民政府关于…的通知`:
/// a bracketed label no document title starts with.
fn strip_column_tag(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('【')
        && let Some(close) = rest.find('】')
    {
        let after = rest[close + '】'.len_utf8()..].trim_start();
        if after.chars().count() >= 6 {
            return after;
        }
    }
    line
}

fn strip_leading_doc_number(line: &str) -> &str {
    if let Some(p) = line.find('号') {
        let head = &line[..p];
        if head.contains('〔') && head.chars().count() <= 20 && !head.contains('《') {
            return line[p + '号'.len_utf8()..].trim_start();
        }
    }
    line
}

/// `…的通知 (粤府〔2021〕22号)` → `…的通知`.
fn strip_doc_number(line: &str) -> &str {
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(body) = line.strip_suffix(close)
            && let Some(p) = body.rfind(open)
        {
            let inner = &body[p + open.len_utf8()..];
            if inner.ends_with('号') && (inner.contains('〔') || inner.contains('[')) {
                return body[..p].trim_end();
            }
        }
    }
    line
}

/// `任务分解 和责任分工方案` → `任务分解和责任分工方案`: a space between two Han
/// characters is a line break of the original layout, not part of the name.
fn join_han_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            let hanish = |c: Option<&char>| c.is_some_and(|&c| is_han(c) || "《》“”".contains(c));
            if hanish(prev) && hanish(next) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// A title broken over two lines (`2022年市《政府工作报告》目标任务` / `责任分解方案`): the
/// short unpunctuated line just above the title line (blank lines between allowed), when it
/// is not a document number, a date, a signature or a red header (`…人民政府文件`).
pub fn title_first_half(view: &View, lines: &[Line], title: usize) -> Option<usize> {
    let p = (0..title).rev().find(|&i| !lines[i].is_blank())?;
    let t = view.norm_str(lines[p].start, lines[p].end);
    let own = view.norm_str(lines[title].start, lines[title].end);
    let han = t.chars().filter(|&c| is_han(c)).count();
    // Menu words left by a page (办事服务) are shorter than half a plan title.
    let ok = lines[p].len() <= 40
        && lines[p].len() >= 8
        && han >= 6
        && !t.contains(['。', ',', ':', ';', '!', '?', '〔', '['])
        && !t.ends_with('号')
        && (!t.ends_with("文件") || t.contains("关于"))
        && !is_date_line(view, &lines[p])
        && !looks_like_org(&t)
        && !TITLE_WORDS.iter().any(|w| t.ends_with(w))
        && !own.contains("关于")
        && own.chars().count() <= 20;
    ok.then_some(p)
}

/// An official title over up to three lines ending at the title line
/// (`国务院办公厅关于全面推行` / `行政执法公示制度执法全过程记录制度` /
/// `重大执法决定法制审核制度的指导意见`): the first line of the block, when the lines
/// above are short and unpunctuated and the topmost holds 关于.
pub fn official_title_top(view: &View, lines: &[Line], title: usize) -> Option<usize> {
    let qualifies = |p: usize| {
        let t = view.norm_str(lines[p].start, lines[p].end);
        let t = t.trim();
        lines[p].len() <= 40
            && t.chars().filter(|&c| is_han(c)).count() >= 4
            && !t.contains(['。', ',', ':', ';', '!', '?', '〔', '['])
            && !t.ends_with('号')
            && (!t.ends_with("文件") || t.contains("关于"))
            && !is_date_line(view, &lines[p])
            && !looks_like_org(t)
            && classify(view, &lines[p]).is_none()
    };
    let mut top = title;
    for _ in 0..2 {
        let p = (0..top).rev().find(|&i| !lines[i].is_blank())?;
        if !qualifies(p) {
            return None;
        }
        top = p;
        if view
            .norm_str(lines[top].start, lines[top].end)
            .contains("关于")
        {
            return Some(top);
        }
    }
    None
}

/// Endings of an official document's title (文种).
const GENRE_ENDINGS: &[&str] = &[
    "的通知",
    "意见",
    "方案",
    "要点",
    "计划",
    "决定",
    "办法",
    "规划",
    "安排",
    "清单",
    "报告",
];

/// A notice title broken after its first line (`国务院关于印发国家职业教育改革` /
/// `实施方案的通知`): the short unpunctuated line just below a `关于` line that does not yet
/// end with a genre word, when that line does.
///
/// A title cut inside its genre word (`政府工作报` / `告`, the copy breaking a line at a
/// link) is joined with the few chars below that complete it, with or without 关于.
pub fn title_second_half(view: &View, lines: &[Line], title: usize) -> Option<usize> {
    let own = view.norm_str(lines[title].start, lines[title].end);
    let own = own.trim();
    if GENRE_ENDINGS.iter().any(|g| own.ends_with(g)) {
        return None;
    }
    let n = (title + 1..lines.len()).find(|&i| !lines[i].is_blank())?;
    let t = view.norm_str(lines[n].start, lines[n].end);
    let t = t.trim();
    let completes_word = t.chars().count() <= 3
        && GENRE_ENDINGS
            .iter()
            .any(|g| format!("{own}{t}").ends_with(g) && !t.ends_with(g) && !own.ends_with(g));
    if !own.contains("关于") && !completes_word {
        return None;
    }
    let ok = t.chars().count() <= 40
        && !t.contains(['。', ',', ':', ';', '!', '?', '['])
        && !is_date_line(view, &lines[n])
        && classify(view, &lines[n]).is_none()
        && (completes_word || GENRE_ENDINGS.iter().any(|g| t.ends_with(g)));
    ok.then_some(n)
}

/// The first year (2020年, 二〇二〇年) in `text`.
pub fn year(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let end = i + 4;
        if end >= chars.len() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            continue;
        }
        let four: String = chars[i..end].iter().collect();
        // A span of years, 2022—2024年: the plan starts in the first.
        let range_end = end + 5;
        if c.is_ascii_digit()
            && four.chars().all(|d| d.is_ascii_digit())
            && matches!(chars[end], '—' | '-' | '–' | '~' | '至' | '到')
            && range_end < chars.len()
            && chars[end + 1..range_end].iter().all(char::is_ascii_digit)
            && chars[range_end] == '年'
            && let Ok(y) = four.parse::<i32>()
            && (1990..=2100).contains(&y)
        {
            return Some(y);
        }
        if chars[end] == '年' {
            if c.is_ascii_digit() && four.chars().all(|d| d.is_ascii_digit()) {
                let y: i32 = four.parse().ok()?;
                if (1990..=2100).contains(&y) {
                    return Some(y);
                }
            } else if let Some(y) = parse_cn_number(&four).filter(|_| c != '十')
                && (1990..=2100).contains(&y)
            {
                return i32::try_from(y).ok();
            }
        }
    }
    None
}

/// The issuing body: `X印发《…》` in the introduction, or a signature line over a date at
/// the end of the document.
pub fn issuer(view: &View, lines: &[Line], before: usize) -> Option<String> {
    if let Some(name) = labelled_issuer(view, before) {
        return Some(name);
    }
    for verb in ["印发《", "制定《", "发布《", "出台《", "下发《"] {
        if let Some(p) = view.find(0, before, verb) {
            let mut s = p;
            while s > 0 && !is_delim(view.at(s - 1)) && p - s < 40 {
                s -= 1;
            }
            let name = view.orig(s, p).trim().to_string();
            if looks_like_org(view.norm_str(s, p).trim()) {
                return Some(name);
            }
        }
    }
    let nonblank: Vec<&Line> = lines.iter().filter(|l| !l.is_blank()).collect();
    // A red header on its own line: 鞍山市立山区人民政府文件.
    for l in nonblank.iter().filter(|l| l.start < before) {
        let t = view.orig(l.start, l.end);
        if let Some(name) = t.trim().strip_suffix("文件")
            && looks_like_org(name)
        {
            return Some(name.to_string());
        }
    }
    // A notice signed over its date before the plan starts.
    let head: Vec<&Line> = nonblank
        .iter()
        .copied()
        .filter(|l| l.start < before)
        .collect();
    if let Some(name) = head.windows(2).find_map(|w| {
        let name = view.orig(w[0].start, w[0].end);
        (is_date_line(view, w[1]) && looks_like_org(&name)).then_some(name)
    }) {
        return Some(name);
    }
    // The signature over the date at the end, before notes such as （此件公开发布）.
    let mut k = nonblank.len();
    while k > 0 && is_closing_note(&view.norm_str(nonblank[k - 1].start, nonblank[k - 1].end)) {
        k -= 1;
    }
    if k >= 2 && is_date_line(view, nonblank[k - 1]) {
        // Joint senders sign one per line over the date (国家发展改革委办公厅 /
        // 税务总局办公厅 / 2019年8月20日): up to six organ lines, joined by a space.
        let mut names = Vec::new();
        let mut j = k - 1;
        while j > 0 && names.len() < 6 {
            let l = nonblank[j - 1];
            let name = view.orig(l.start, l.end).trim().to_string();
            if !looks_like_org(&name) {
                break;
            }
            names.push(name);
            j -= 1;
        }
        if !names.is_empty() {
            names.reverse();
            return Some(names.join(" "));
        }
    }
    reporting_body(view, before)
}

/// A report's speaker names the body: `我代表国务院，向大会报告`. A bare level
/// (`我代表省人民政府`) is not a name and gives none.
fn reporting_body(view: &View, before: usize) -> Option<String> {
    let Some(p) = view.find(0, before.min(view.len()), "我代表") else {
        return head_government(view, before);
    };
    let p = p + 3;
    let mut e = p;
    while e < before && e - p < 20 && !matches!(view.at(e), ',' | '，' | '向' | '\n' | '。') {
        e += 1;
    }
    let name = view.orig(p, e).trim().to_string();
    let bare = ["省", "市", "区", "县", "州", "旗", "自治区"]
        .iter()
        .find(|l| name.starts_with(**l));
    match bare {
        None => looks_like_org(&name).then_some(name),
        Some(level) => speaker_government(view, before, level),
    }
}

/// A report whose copy lost the speaker's sentence still names its government in the head:
/// `河北省人民政府省长 王正谱` → 河北省人民政府 (the office alone, `浙江省省长`, names none).
fn head_government(view: &View, before: usize) -> Option<String> {
    let end = before.min(view.len()).min(600);
    let mut from = 0;
    while let Some(p) = view.find(from, end, "人民政府") {
        from = p + 4;
        let after = p + 4;
        if !["省长", "市长", "主席", "区长", "县长", "州长"]
            .iter()
            .any(|t| view.starts_with(after, t))
        {
            continue;
        }
        // Back over the place's name, not into the sentence before it (…会议上河南省).
        let mut s = p;
        while s > 0
            && p - s < 8
            && ('\u{4e00}'..='\u{9fff}').contains(&view.at(s - 1))
            && !"上在的议会届日年月次".contains(view.at(s - 1))
        {
            s -= 1;
        }
        if p - s >= 2 {
            return Some(format!("{}人民政府", view.orig(s, p)));
        }
    }
    None
}

/// The government a bare `我代表省人民政府` speaks for, when the head names it in full
/// (`四川省人民政府省长 施小琳`, `…会议上河南省人民政府省长王凯作政府工作报告`): a
/// `<place>人民政府` whose place ends with the speaker's level and is named in the
/// document's first line (`2025年四川省政府工作报告`). A head naming only the office
/// (`广东省省长 王伟中`) gives none.
fn speaker_government(view: &View, before: usize, level: &str) -> Option<String> {
    let end = before.min(view.len());
    let first_end = (0..end).find(|&i| view.at(i) == '\n').unwrap_or(end);
    let first = view.norm_str(0, first_end);
    // The place is more than the level itself (`自治区人民政府` names no government).
    let min_len = level.chars().count() + 2;
    let level = level.chars().last()?;
    let mut from = 0;
    while let Some(p) = view.find(from, end, "人民政府") {
        from = p + 4;
        // The longest place named in the first line.
        for len in (2..=8.min(p)).rev() {
            let place = view.norm_str(p - len, p);
            if len >= min_len
                && place.ends_with(level)
                && place
                    .chars()
                    .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                // 2026年四川省人民政府工作报告: the place starts after the year.
                && !place.starts_with(['年', '月', '日', '的', '在', '于'])
                && first.contains(place.as_str())
            {
                return Some(format!("{}人民政府", view.orig(p - len, p)));
            }
        }
    }
    None
}

/// A note after a signature: （此件公开发布）, （此件主动公开）, （联系人：…）.
pub(crate) fn is_closing_note(t: &str) -> bool {
    let t = t.trim();
    t.chars().count() <= 30
        && (t.starts_with('(') || t.starts_with('（'))
        && (t.ends_with(')') || t.ends_with('）'))
}

/// The year of the document's own number: a line that is just `国发〔2018〕42号` among the
/// lines before `limit` (a number cited inside a sentence is another document's).
pub fn own_number_year(view: &View, lines: &[Line], limit: usize) -> Option<i32> {
    lines[..limit.min(lines.len())].iter().find_map(|l| {
        let (s, e) = view.trim(l.start, l.end);
        let (ns, ne) = doc_number(view, e).filter(|&(ns, _)| ns >= s)?;
        if ne != e || ns != s || e - s > 24 {
            return None;
        }
        let t = view.norm_str(ns, ne);
        let open = t.find('[')?;
        t.get(open + 1..open + 5)?.parse().ok()
    })
}

fn is_delim(c: char) -> bool {
    matches!(c, ',' | '，' | '。' | ';' | ':' | '\n' | ' ' | '、')
}

/// `区人民政府办公室` in a notice title is the signature's `蔡甸区人民政府办公室` without its
/// place name: the fuller name signed over a date (before `before`) that ends with `short`.
pub fn fuller_issuer(view: &View, lines: &[Line], before: usize, short: &str) -> Option<String> {
    let nonblank: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.is_blank() && l.start < before)
        .collect();
    nonblank.windows(2).find_map(|w| {
        let name = view.orig(w[0].start, w[0].end);
        (is_date_line(view, w[1])
            && name.ends_with(short)
            && name.chars().count() > short.chars().count()
            && looks_like_org(&name))
        .then_some(name)
    })
}

/// A portal's metadata field naming the issuer: `发布机构: X`, `发文机关 | X`, or the
/// label and the value on consecutive lines (a metadata table flattened to text).
fn labelled_issuer(view: &View, before: usize) -> Option<String> {
    for label in ["发布机构", "发文机关", "发布单位", "发文单位", "发文机构"] {
        let mut from = 0;
        while let Some(p) = view.find(from, before, label) {
            from = p + 1;
            let mut s = p + label.chars().count();
            while s < before && matches!(view.at(s), ' ' | ':' | '|' | '\n' | '\t' | '[' | ']') {
                s += 1;
            }
            let mut e = s;
            while e < before && !matches!(view.at(e), ' ' | '|' | '\n' | '\t' | '[' | ']') {
                e += 1;
            }
            let name = view.orig(s, e).trim().to_string();
            // Judged on the normalised text, so a Traditional name (`…辦公廳`) counts.
            if looks_like_org(view.norm_str(s, e).trim()) {
                return Some(name);
            }
        }
    }
    None
}

pub(crate) fn looks_like_org(name: &str) -> bool {
    const ENDS: &[&str] = &[
        "办公室",
        "委员会",
        "小组",
        "政府",
        "委",
        "厅",
        "局",
        "办",
        "部",
        "院",
        "中心",
        "会",
    ];
    let n = name.chars().count();
    (2..=40).contains(&n) && ENDS.iter().any(|e| name.ends_with(e))
}

/// A line that is just a date: 2020年3月5日, 二〇二〇年三月五日, 2020-03-05.
pub fn is_date_line(view: &View, line: &Line) -> bool {
    let t = view.norm_str(line.start, line.end);
    let n = t.chars().count();
    if !(6..=16).contains(&n) {
        return false;
    }
    let date_chars = t.chars().all(|c| {
        c.is_ascii_digit() || crate::text::is_cn_numeral(c) || "年月日-./○〇 ".contains(c)
    });
    date_chars && (t.ends_with('日') || t.chars().filter(|&c| c == '-' || c == '.').count() == 2)
}

/// Headline goals written as a banner: metric lines, each alone, then one line saying the
/// direction (`服务业增加值占地区生产总值比重` … `保持稳步上升!`). One target per metric
/// line; the commitment is the nearest 确保/力争 line above them.
pub fn headline_directions(view: &View, lines: &[Line], start: usize, end: usize) -> Vec<Target> {
    let inside: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].is_blank() && lines[i].start >= start && lines[i].end <= end)
        .collect();
    let mut out = Vec::new();
    for (pos, &i) in inside.iter().enumerate() {
        let l = &lines[i];
        let t = view.norm_str(l.start, l.end);
        let t = t.trim_end_matches(['!', '。', '.', '!']);
        let t = t.strip_prefix("保持").unwrap_or(t);
        let t = t.strip_prefix("均").unwrap_or(t);
        let Some(&(_, comparator)) = TRENDS.iter().find(|(w, _)| *w == t) else {
            continue;
        };
        let mut metric_lines = Vec::new();
        for &j in inside[..pos].iter().rev() {
            let m = &lines[j];
            let mt = view.norm_str(m.start, m.end);
            if m.len() <= 40
                && MEASURE_SUFFIXES.iter().any(|s| mt.ends_with(s))
                && !mt.contains(['。', ',', ';'])
            {
                metric_lines.push(j);
            } else {
                break;
            }
        }
        metric_lines.reverse();
        let first = metric_lines
            .first()
            .map(|&j| lines[j].start)
            .unwrap_or(l.start);
        let commitment = commitment_above(view, lines, &inside, first);
        for j in metric_lines {
            let m = &lines[j];
            let phrase = view.orig(m.start, m.end);
            out.push(Target {
                phrase: phrase.clone(),
                span: Span {
                    start: m.start,
                    end: m.end,
                },
                metric: phrase,
                comparator,
                value: None,
                low: None,
                high: None,
                unit: None,
                normalized: None,
                commitment,
            });
        }
    }
    out
}

/// The commitment stated on one of the three lines above `pos` (力争2020年 …).
fn commitment_above(
    view: &View,
    lines: &[Line],
    inside: &[usize],
    pos: usize,
) -> Option<duban_core::Commitment> {
    let above: Vec<usize> = inside
        .iter()
        .copied()
        .filter(|&i| lines[i].end <= pos)
        .collect();
    for &i in above.iter().rev().take(3) {
        let l = &lines[i];
        if l.len() > 80 {
            continue;
        }
        for k in (l.start..l.end).rev() {
            if let Some(c) = commitment_before(view, k + 1)
                && (view.starts_with(k.saturating_sub(1), "确保")
                    || view.starts_with(k.saturating_sub(1), "力争")
                    || view.starts_with(k.saturating_sub(1), "争取"))
            {
                return Some(c);
            }
        }
    }
    None
}

/// A task's title and where its text starts: the label line alone when it is short and
/// unpunctuated (`1.编制…规划` + paragraphs), else the first sentence (`（一）加快…。正文`),
/// without a trailing lead-unit note (（牵头单位：…）).
pub fn task_title(view: &View, start: usize, end: usize) -> (String, usize) {
    // White space after the label (`1.\t推进…`) is not the end of a cell.
    let mut start = start;
    while start < end && matches!(view.at(start), ' ' | '\t' | '\u{3000}') {
        start += 1;
    }
    let mut line_end = start;
    while line_end < end && view.at(line_end) != '\n' {
        line_end += 1;
    }
    let mut e = start;
    let mut stop = line_end;
    while e < line_end {
        let c = view.at(e);
        // A tab ends a table cell: a 项目名称 cell is the title, the content cell its text.
        if matches!(c, '。' | ';' | '!' | '?' | '\t') {
            stop = e;
            break;
        }
        if c == ':' && e - start <= 40 {
            stop = e;
            break;
        }
        e += 1;
    }
    // A trailing （牵头单位：…） belongs to the units, not the title.
    let mut title_end = stop;
    for key in ["(牵头", "(责任", "(负责", "(配合"] {
        if let Some(p) = view.find(start, stop, key) {
            title_end = title_end.min(p);
        }
    }
    let (s, te) = view.trim(start, title_end);
    let title = view.orig(s, te);
    let text_start = if stop < line_end { stop + 1 } else { line_end };
    let text_start = if title_end < stop && stop == line_end {
        title_end
    } else {
        text_start
    };
    (title, text_start.min(end))
}

/// The document number in `[0, limit)`: `粤府〔2021〕22号` (brackets normalised to `[`/`]`),
/// as a char range from the issuer abbreviation to 号.
pub fn doc_number(view: &View, limit: usize) -> Option<(usize, usize)> {
    let limit = limit.min(view.len());
    let mut i = 0;
    while i < limit {
        if view.at(i) == '['
            && (1..=4).all(|k| view.at(i + k).is_ascii_digit())
            && view.at(i + 5) == ']'
        {
            let mut e = i + 6;
            while e < limit && e - i < 12 && view.at(e).is_ascii_digit() {
                e += 1;
            }
            if e > i + 6 && view.at(e) == '号' {
                let mut s = i;
                while s > 0 && s + 8 > i && crate::text::is_han(view.at(s - 1)) {
                    s -= 1;
                }
                return Some((s, e + 1));
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(year("2020年浙江省服务业发展工作要点"), Some(2020));
        assert_eq!(year("二〇二一年工作要点"), Some(2021));
        assert_eq!(year("“十四五”规划"), None);
        assert_eq!(year("12020年"), None);
        assert_eq!(year("三年行动方案(2022—2024年)"), Some(2022));
        assert_eq!(year("2021-2025年规划"), Some(2021));
    }

    #[test]
    fn joint_issuers_before_the_notice() {
        let (title, issuer) = clean_title(
            "成都市发展和改革委员会 中共成都市委社会工作部 成都市规划和自然资源局 成都市住房和城乡建设局 关于印发成都市城市社区嵌入式服务设施建设工程实施方案的通知",
        );
        assert_eq!(title, "成都市城市社区嵌入式服务设施建设工程实施方案");
        assert_eq!(
            issuer.as_deref(),
            Some(
                "成都市发展和改革委员会 中共成都市委社会工作部 成都市规划和自然资源局 成都市住房和城乡建设局"
            )
        );
        // A long run of words that are not all organs is no issuer.
        let (_, issuer) = clean_title(
            "为深入贯彻落实党中央国务院决策部署进一步推动全市经济社会高质量发展和高水平安全良性互动 市政府办公室 关于印发某某方案的通知",
        );
        assert_eq!(issuer, None);
    }

    #[test]
    fn a_portal_column_tag_before_the_title_is_dropped() {
        assert_eq!(
            clean_title(
                "【市政府重点工作及责任分解】滁州市人民政府关于2020年市政府重点工作及责任分解的通知"
            ),
            (
                "滁州市人民政府关于2020年市政府重点工作及责任分解的通知".to_string(),
                Some("滁州市人民政府".to_string())
            )
        );
        // A tag alone on its line is left as it is (it is not a title either way).
        assert_eq!(clean_title("【打印】").0, "【打印】");
    }

    #[test]
    fn notice_titles_keep_inner_brackets_and_drop_numbers() {
        assert_eq!(
            clean_title(
                "广东省人民政府关于印发2021年省《政府工作报告》重点任务分工方案的通知 (粤府〔2021〕22号)"
            ),
            (
                "2021年省《政府工作报告》重点任务分工方案".to_string(),
                Some("广东省人民政府".to_string())
            )
        );
        assert_eq!(
            clean_title(
                "立山区人民政府关于印发 《立山区政府2023年重点工作任务分解 和责任分工方案》的通知"
            ),
            (
                "立山区政府2023年重点工作任务分解和责任分工方案".to_string(),
                Some("立山区人民政府".to_string())
            )
        );
        assert_eq!(
            clean_title("静安区人民政府办公室印发《静安区三年行动计划》的通知").1,
            Some("静安区人民政府办公室".to_string())
        );
        assert_eq!(
            clean_title(
                "名 称: | 市人民政府办公室关于印发六盘水市三年行动方案(2022—2024年)的通知 |"
            ),
            (
                "六盘水市三年行动方案(2022—2024年)".to_string(),
                Some("市人民政府办公室".to_string())
            )
        );
        assert_eq!(
            clean_title(
                "京政办发〔2016〕26号《北京市人民政府办公厅关于印发〈北京市2016年政务公开工作要点〉的通知》"
            ),
            (
                "北京市2016年政务公开工作要点".to_string(),
                Some("北京市人民政府办公厅".to_string())
            )
        );
        // Spaces between Latin words stay.
        assert_eq!(clean_title("2021年 GDP 工作要点").0, "2021年 GDP 工作要点");
    }

    #[test]
    fn fuller_issuer_from_the_signature() {
        let text = "关于印发…的通知\n蔡甸区人民政府办公室\n2023年1月3日\n正文";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(
            fuller_issuer(&view, &lines, view.len(), "区人民政府办公室").as_deref(),
            Some("蔡甸区人民政府办公室")
        );
        assert_eq!(
            fuller_issuer(&view, &lines, view.len(), "蔡甸区人民政府办公室"),
            None
        );
    }

    #[test]
    fn two_line_titles_and_head_signatures() {
        let text = "武汉市人民政府办公厅\n\n2022年1月22日\n\n2022年市《政府工作报告》目标任务\n\n责任分解方案\n\n一、目标\n";
        let view = View::new(text);
        let lines = view.lines();
        let t = title_line_before(&view, &lines, 8).unwrap();
        assert_eq!(t, 6);
        assert_eq!(title_first_half(&view, &lines, t), Some(4));
        assert_eq!(
            issuer(&view, &lines, lines[8].start).as_deref(),
            Some("武汉市人民政府办公厅")
        );
        // A menu word, a date or a signature above is not half of the title.
        let view = View::new("办事服务\n2021年全市卫生健康工作要点\n一、目标");
        let lines = view.lines();
        assert_eq!(title_first_half(&view, &lines, 1), None);
        let view = View::new("武汉市人民政府办公厅\n2022年工作要点\n一、目标");
        let lines = view.lines();
        assert_eq!(title_first_half(&view, &lines, 1), None);
        let view = View::new("鞍山市立山区人民政府文件\n正文\n");
        let lines = view.lines();
        assert_eq!(
            issuer(&view, &lines, view.len()).as_deref(),
            Some("鞍山市立山区人民政府")
        );
    }

    #[test]
    fn official_document_title_over_two_lines_with_issuer_and_number() {
        let text = "国务院关于加快推进农业机械化和\n农机装备产业转型升级的指导意见\n国发〔2018〕42号\n各省、自治区、直辖市人民政府：\n近年来，2016年以来……。\n一、总体要求\n正文。\n国务院\n2018年12月21日\n（此件公开发布）\n";
        let view = View::new(text);
        let lines = view.lines();
        let t = title_line_before(&view, &lines, 5).unwrap();
        assert_eq!(t, 1);
        assert_eq!(title_first_half(&view, &lines, t), Some(0));
        let (title, issuer_) =
            clean_title("国务院关于加快推进农业机械化和农机装备产业转型升级的指导意见");
        assert_eq!(
            title,
            "国务院关于加快推进农业机械化和农机装备产业转型升级的指导意见"
        );
        assert_eq!(issuer_.as_deref(), Some("国务院"));
        // No organ before 关于: no issuer from the title.
        assert_eq!(clean_title("关于推进人才集聚工程的实施意见").1, None);
        // The document's own number gives the year; a number cited in a sentence does not.
        assert_eq!(own_number_year(&view, &lines, 5), Some(2018));
        let cited = View::new("标题的通知\n根据《办法》（国办发〔2016〕82号）要求\n一、");
        assert_eq!(own_number_year(&cited, &cited.lines(), 2), None);
        // A report's speaker names the body; a bare level does not.
        let r =
            View::new("政府工作报告\n各位代表：\n现在，我代表国务院，向大会报告政府工作。\n一、");
        assert_eq!(issuer(&r, &r.lines(), r.len()).as_deref(), Some("国务院"));
        let r = View::new("各位代表：\n现在，我代表省人民政府向大会报告工作。\n一、");
        assert_eq!(issuer(&r, &r.lines(), r.len()), None);
        // The signature over the date, under a closing note.
        assert_eq!(
            issuer(&view, &lines, lines[5].start).as_deref(),
            Some("国务院")
        );
    }

    #[test]
    fn an_official_title_over_three_lines() {
        let text = "国务院办公厅关于全面推行\n行政执法公示制度执法全过程记录制度\n重大执法决定法制审核制度的指导意见\n国办发〔2018〕118号\n";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(official_title_top(&view, &lines, 2), Some(0));
        // A title line may end with 文件 (…行政规范性文件); a red header (…政府文件) has no 关于.
        let view = View::new("国务院办公厅关于全面推行行政规范性文件\n合法性审核机制的指导意见\n");
        assert_eq!(official_title_top(&view, &view.lines(), 1), Some(0));
        // Without 关于 above, no block (a plan name under a signature stays alone).
        let view = View::new("武汉市人民政府办公厅\n2022年1月22日\n责任分解方案\n");
        assert_eq!(official_title_top(&view, &view.lines(), 2), None);
    }

    #[test]
    fn a_notice_title_broken_after_its_first_line() {
        let text =
            "国务院关于印发国家职业教育改革\n实施方案的通知\n国发〔2019〕4号\n各省人民政府：\n";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(title_second_half(&view, &lines, 0), Some(1));
        // A complete title, or a next line that is a sentence, is not joined.
        let view = View::new("国务院关于推进政务新媒体发展的意见\n国办发〔2018〕123号\n");
        assert_eq!(title_second_half(&view, &view.lines(), 0), None);
        let view = View::new("关于印发要点\n各区：现将方案印发给你们。\n");
        assert_eq!(title_second_half(&view, &view.lines(), 0), None);
    }

    #[test]
    fn a_title_cut_inside_its_genre_word_is_joined() {
        // A wiki copy breaks the line at a link: `政府工作报` / `告`.
        let text = "\u{200b}\n\n政府工作报\n\n告\n\n——2021年3月5日在第十三届全国人民代表大会第四次会议上\n";
        let view = View::new(text);
        let lines = view.lines();
        let title = (0..lines.len())
            .find(|&i| view.norm_str(lines[i].start, lines[i].end) == "政府工作报")
            .unwrap();
        let second = title_second_half(&view, &lines, title).unwrap();
        assert_eq!(view.norm_str(lines[second].start, lines[second].end), "告");
        // A short line below a complete title, or a longer line, is not joined.
        let view = View::new("政府工作报告\n告\n");
        assert_eq!(title_second_half(&view, &view.lines(), 0), None);
        let view = View::new("政府工作报\n告别过去的一年\n");
        assert_eq!(title_second_half(&view, &view.lines(), 0), None);
    }

    #[test]
    fn a_salutation_a_numbered_heading_or_a_sentence_is_no_title() {
        // A report copied without its title line: the fallback title is used.
        let text = "各位代表：\n\n现在，我代表国务院，向大会报告政府工作。\n各位代表！\n一、2018年工作回顾\n稳健的货币政策要松紧适度。广义货币M\n三、2019年政府工作任务\n";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(title_line_before(&view, &lines, lines.len()), None);
        // A short unpunctuated line is still taken.
        let view = View::new("各位代表：\n某某区服务业发展安排\n一、总体要求\n");
        let lines = view.lines();
        assert_eq!(title_line_before(&view, &lines, lines.len()), Some(1));
    }

    #[test]
    fn joint_senders_sign_one_per_line_over_the_date() {
        let text = "关于加强个人所得税纳税信用建设的通知\n各省发展改革委：\n一、总体要求\n（一）建立机制。\n国家发展改革委办公厅\n税务总局办公厅\n2019年8月20日\n";
        let view = View::new(text);
        let lines = view.lines();
        assert_eq!(
            issuer(&view, &lines, 0).as_deref(),
            Some("国家发展改革委办公厅 税务总局办公厅")
        );
        // One sender: its name alone.
        let view = View::new("正文。\n国家发展改革委办公厅\n2019年8月20日\n");
        assert_eq!(
            issuer(&view, &view.lines(), 0).as_deref(),
            Some("国家发展改革委办公厅")
        );
    }

    #[test]
    fn a_report_names_its_government_in_the_speakers_line() {
        let issuer_of = |text: &str| {
            let view = View::new(text);
            let lines = view.lines();
            issuer(&view, &lines, view.len())
        };
        // The bare 我代表省人民政府, the government named in the speaker's line.
        assert_eq!(
            issuer_of(
                "2025年四川省政府工作报告\n四川省人民政府省长 施小琳\n各位代表：\n现在，我代表省人民政府，向大会报告工作。\n"
            )
            .as_deref(),
            Some("四川省人民政府")
        );
        assert_eq!(
            issuer_of(
                "2025年河南省政府工作报告\n2025年1月18日在河南省第十四届人民代表大会第三次会议上河南省人民政府省长王凯作政府工作报告\n各位代表:\n现在，我代表省人民政府，向大会报告工作。\n"
            )
            .as_deref(),
            Some("河南省人民政府")
        );
        // The speaker's sentence lost in the copy: the head still names the government.
        assert_eq!(
            issuer_of("2026年河北省政府工作报告\n河北省人民政府省长 王正谱\n各位代表：\n一、")
                .as_deref(),
            Some("河北省人民政府")
        );
        // Only the office named: no government in the text, none read.
        assert_eq!(
            issuer_of(
                "2025年广东省政府工作报告\n广东省省长 王伟中\n各位代表：\n现在，我代表省人民政府，向大会报告工作。\n"
            ),
            None
        );
        // The bare level is no name, even where the first line holds it.
        assert_eq!(
            issuer_of(
                "2025年内蒙古自治区政府工作报告\n自治区主席 某某\n现在，我代表自治区人民政府，向大会报告工作。\n"
            ),
            None
        );
        // A government of another level, or one the first line does not name, is not it.
        assert_eq!(
            issuer_of(
                "2025年四川省政府工作报告\n成都市人民政府市长 某某\n现在，我代表省人民政府，向大会报告工作。\n"
            ),
            None
        );
    }

    #[test]
    fn issuer_from_portal_metadata() {
        for text in [
            "发布机构: 德清县人民政府办公室\n正文",
            "发布机构\n市发改委\n文号",
            "发布单位 |\n广东省人民政府\n|",
        ] {
            let view = View::new(text);
            assert!(labelled_issuer(&view, view.len()).is_some(), "{text}");
        }
        // Traditional script: the name is judged on its normalised form, kept as written.
        let view = View::new(
            "  • 中文名:廣東省最佳化營商環境三年行動方案\n  • 發布單位:廣東省人民政府辦公廳\n內容全文",
        );
        assert_eq!(
            labelled_issuer(&view, view.len()).as_deref(),
            Some("廣東省人民政府辦公廳")
        );
        let view = View::new("發布機構:德清縣人民政府辦公室\n正文");
        assert_eq!(
            labelled_issuer(&view, view.len()).as_deref(),
            Some("德清縣人民政府辦公室")
        );
        let view = View::new("发布机构: \n来源: 网站");
        assert_eq!(labelled_issuer(&view, view.len()), None);
    }

    #[test]
    fn titles() {
        assert_eq!(
            clean_title("浙江省人民政府办公厅关于印发《2021年数字经济工作要点》的通知"),
            (
                "2021年数字经济工作要点".to_string(),
                Some("浙江省人民政府办公厅".to_string())
            )
        );
        assert_eq!(
            clean_title("2020年浙江省服务业发展工作要点").0,
            "2020年浙江省服务业发展工作要点"
        );
    }

    #[test]
    fn task_titles() {
        let v = View::new("编制规划\n正文。");
        assert_eq!(task_title(&v, 0, v.len()), ("编制规划".to_string(), 4));
        let v = View::new("加快推进。正文（牵头单位：省商务厅）");
        assert_eq!(task_title(&v, 0, v.len()), ("加快推进".to_string(), 5));
        let v = View::new("加快推进（牵头单位：省商务厅）\n正文");
        assert_eq!(task_title(&v, 0, v.len()).0, "加快推进");
    }
}
