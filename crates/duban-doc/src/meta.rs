//! Plan-level facts: title, issuer, year, headline direction goals, and task titles.

use crate::structure::classify;
use crate::targets::commitment_before;
use crate::text::{Line, View, is_han, parse_cn_number};
use duban_core::{Comparator, Span, Target};

/// Words that mark a plan's title line.
const TITLE_WORDS: &[&str] = &[
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
];

/// The title line: the first short line before the numbered items that names a plan
/// (工作要点, 任务分解 …), else the first short unpunctuated line.
pub fn title_line(view: &View, lines: &[Line]) -> Option<usize> {
    let first_numbered = lines
        .iter()
        .position(|l| classify(view, l).is_some())
        .unwrap_or(lines.len());
    let candidates = || {
        lines[..first_numbered]
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_blank() && l.len() <= 80)
            .filter(|(_, l)| {
                let t = view.norm_str(l.start, l.end);
                !t.ends_with('。') && t.chars().filter(|&c| is_han(c)).count() >= 4
            })
    };
    candidates()
        .find(|(_, l)| {
            let t = view.norm_str(l.start, l.end);
            TITLE_WORDS.iter().any(|w| t.contains(w)) && !t.contains('。')
        })
        .or_else(|| candidates().find(|(_, l)| l.len() <= 40))
        .map(|(i, _)| i)
}

/// `关于印发《2020年…工作要点》的通知` → the plan name and the issuer before 关于.
pub fn clean_title(line: &str) -> (String, Option<String>) {
    let line = line.trim();
    if let (Some(a), Some(b)) = (line.find('《'), line.rfind('》'))
        && a < b
    {
        let inner = &line[a + '《'.len_utf8()..b];
        let issuer = line[..a]
            .split("关于")
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().count() <= 40)
            .map(str::to_string);
        if line.contains("印发") || line.contains("通知") || a == 0 {
            return (inner.trim().to_string(), issuer);
        }
    }
    // 关于印发2023年…方案的通知, without 《》.
    for verb in ["关于印发", "关于下达", "关于转发", "关于公布"] {
        if let Some(a) = line.find(verb)
            && let Some(inner) = line[a + verb.len()..]
                .strip_suffix("的通知")
                .or_else(|| line[a + verb.len()..].strip_suffix("的通知。"))
            && !inner.trim().is_empty()
        {
            let issuer = line[..a].trim();
            let issuer =
                (!issuer.is_empty() && issuer.chars().count() <= 40).then(|| issuer.to_string());
            return (inner.trim().to_string(), issuer);
        }
    }
    (line.trim_end_matches(['。', '.']).to_string(), None)
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
    for verb in ["印发《", "制定《", "发布《", "出台《", "下发《"] {
        if let Some(p) = view.find(0, before, verb) {
            let mut s = p;
            while s > 0 && !is_delim(view.at(s - 1)) && p - s < 40 {
                s -= 1;
            }
            let name = view.orig(s, p).trim().to_string();
            if looks_like_org(&name) {
                return Some(name);
            }
        }
    }
    let nonblank: Vec<&Line> = lines.iter().filter(|l| !l.is_blank()).collect();
    if nonblank.len() >= 2 && is_date_line(view, nonblank[nonblank.len() - 1]) {
        let l = nonblank[nonblank.len() - 2];
        let name = view.orig(l.start, l.end);
        if looks_like_org(&name) {
            return Some(name);
        }
    }
    None
}

fn is_delim(c: char) -> bool {
    matches!(c, ',' | '，' | '。' | ';' | ':' | '\n' | ' ' | '、')
}

fn looks_like_org(name: &str) -> bool {
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
    const DIRECTION_LINES: &[(&str, Comparator)] = &[
        ("稳步上升", Comparator::Increase),
        ("持续上升", Comparator::Increase),
        ("稳步提高", Comparator::Increase),
        ("持续提高", Comparator::Increase),
        ("稳步提升", Comparator::Increase),
        ("持续提升", Comparator::Increase),
        ("逐步提高", Comparator::Increase),
        ("不断提高", Comparator::Increase),
        ("稳步下降", Comparator::Decrease),
        ("持续下降", Comparator::Decrease),
        ("逐步下降", Comparator::Decrease),
    ];
    const MEASURES: &[&str] = &[
        "比重",
        "比例",
        "占比",
        "率",
        "水平",
        "份额",
        "指数",
        "总量",
        "规模",
        "增速",
        "收入",
        "增加值",
        "总额",
        "总值",
    ];
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
        let Some(&(_, comparator)) = DIRECTION_LINES.iter().find(|(w, _)| *w == t) else {
            continue;
        };
        let mut metric_lines = Vec::new();
        for &j in inside[..pos].iter().rev() {
            let m = &lines[j];
            let mt = view.norm_str(m.start, m.end);
            if m.len() <= 40
                && MEASURES.iter().any(|s| mt.ends_with(s))
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
    let mut line_end = start;
    while line_end < end && view.at(line_end) != '\n' {
        line_end += 1;
    }
    let mut e = start;
    let mut stop = line_end;
    while e < line_end {
        let c = view.at(e);
        if matches!(c, '。' | ';' | '!' | '?') {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(year("2020年浙江省服务业发展工作要点"), Some(2020));
        assert_eq!(year("二〇二一年工作要点"), Some(2021));
        assert_eq!(year("“十四五”规划"), None);
        assert_eq!(year("12020年"), None);
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
