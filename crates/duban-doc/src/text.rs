//! The plan text and its char-for-char normalised view.
//!
//! `Plan::text` is never altered. Matching runs on a parallel view in which every char is
//! replaced by at most one char (full-width ASCII → ASCII, ideographic space → space, a few
//! Traditional characters → Simplified), so a char offset in the view is the same offset in
//! the plan text and no offset map is needed.

/// The plan text, its normalised view and offset helpers. All offsets are in chars.
pub struct View {
    orig: Vec<char>,
    norm: Vec<char>,
}

impl View {
    pub fn new(text: &str) -> View {
        let orig: Vec<char> = text.chars().collect();
        let norm = orig.iter().map(|&c| norm_char(c)).collect();
        View { orig, norm }
    }

    pub fn len(&self) -> usize {
        self.orig.len()
    }

    /// Normalised char at `i` (`'\0'` past the end).
    pub fn at(&self, i: usize) -> char {
        self.norm.get(i).copied().unwrap_or('\0')
    }

    pub fn norm(&self) -> &[char] {
        &self.norm
    }

    /// The original text of `[start, end)`, clamped to the text.
    pub fn orig(&self, start: usize, end: usize) -> String {
        let end = end.min(self.orig.len());
        let start = start.min(end);
        self.orig[start..end].iter().collect()
    }

    /// The normalised text of `[start, end)`, clamped.
    pub fn norm_str(&self, start: usize, end: usize) -> String {
        let end = end.min(self.norm.len());
        let start = start.min(end);
        self.norm[start..end].iter().collect()
    }

    /// Whether the normalised text at `i` starts with `pat` (already normalised).
    pub fn starts_with(&self, i: usize, pat: &str) -> bool {
        // Most calls (every cue word at every char) fail on the first char: test it
        // before building the iterators.
        let mut chars = pat.chars();
        match (chars.next(), self.norm.get(i)) {
            (Some(p), Some(&c)) if p == c => {}
            (None, _) => return true,
            _ => return false,
        }
        (i + 1..)
            .zip(chars)
            .all(|(j, c)| self.norm.get(j) == Some(&c))
    }

    /// Whether the normalised text ending at `i` (exclusive) ends with `pat`.
    pub fn ends_with(&self, i: usize, pat: &str) -> bool {
        let n = pat.chars().count();
        i >= n && i <= self.norm.len() && self.norm[i - n..i].iter().copied().eq(pat.chars())
    }

    /// Finds `pat` in `[start, end)`, returning the char offset.
    pub fn find(&self, start: usize, end: usize, pat: &str) -> Option<usize> {
        let n = pat.chars().count();
        let end = end.min(self.norm.len());
        if n == 0 || end < n {
            return None;
        }
        (start..=end - n).find(|&i| self.starts_with(i, pat))
    }

    /// Lines as `[start, end)` char ranges, without the newline.
    pub fn lines(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, &c) in self.orig.iter().enumerate() {
            if c == '\n' {
                lines.push(self.line(start, i));
                start = i + 1;
            }
        }
        lines.push(self.line(start, self.orig.len()));
        lines
    }

    fn line(&self, start: usize, end: usize) -> Line {
        let mut s = start;
        let mut e = end;
        while s < e && self.norm[s].is_whitespace() {
            s += 1;
        }
        while e > s && self.norm[e - 1].is_whitespace() {
            e -= 1;
        }
        Line {
            start: s,
            end: e,
            raw_start: start,
        }
    }

    /// `[start, end)` shrunk to exclude surrounding whitespace.
    pub fn trim(&self, mut start: usize, mut end: usize) -> (usize, usize) {
        end = end.min(self.norm.len());
        start = start.min(end);
        while start < end && self.norm[start].is_whitespace() {
            start += 1;
        }
        while end > start && self.norm[end - 1].is_whitespace() {
            end -= 1;
        }
        (start, end)
    }
}

/// One line of the plan text, trimmed: `[start, end)` in chars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub start: usize,
    pub end: usize,
    /// Where the untrimmed line starts.
    pub raw_start: usize,
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.start == self.end
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
}

/// The one-char normalisation behind the view.
pub fn norm_char(c: char) -> char {
    match c {
        // Full-width ASCII forms (！ … ～) → ASCII.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' | '\u{a0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' => ' ',
        '\t' => '\t',
        '〔' | '【' => '[',
        '〕' | '】' => ']',
        '–' | '―' | '‒' | '─' => '—',
        '〜' | '∼' => '~',
        '﹪' => '%',
        _ => traditional_to_simplified(c),
    }
}

/// Traditional → Simplified for the characters the recognisers match on (numbering,
/// lead-unit keys, comparators, units, title keywords). One char each: offsets hold.
fn traditional_to_simplified(c: char) -> char {
    match c {
        '萬' => '万',
        '億' => '亿',
        '個' => '个',
        '項' => '项',
        '戶' => '户',
        '處' => '处',
        '場' => '场',
        '輛' => '辆',
        '噸' => '吨',
        '畝' => '亩',
        '條' => '条',
        '張' => '张',
        '臺' => '台',
        '間' => '间',
        '達' => '达',
        '長' => '长',
        '於' => '于',
        '過' => '过',
        '內' => '内',
        '確' => '确',
        '爭' => '争',
        '牽' => '牵',
        '頭' => '头',
        '單' => '单',
        '負' => '负',
        '責' => '责',
        // 按職責分工負責, 鄉鎮, 衛生健康, 農業農村, 生態環境 in unit lists.
        '職' => '职',
        '統' => '统',
        '衛' => '卫',
        '鎮' => '镇',
        '鄉' => '乡',
        '療' => '疗',
        '農' => '农',
        '環' => '环',
        '預' => '预',
        '穩' => '稳',
        '別' => '别',
        '點' => '点',
        '與' => '与',
        '務' => '务',
        '標' => '标',
        '數' => '数',
        '實' => '实',
        '現' => '现',
        '開' => '开',
        '總' => '总',
        '額' => '额',
        '級' => '级',
        '區' => '区',
        '縣' => '县',
        '國' => '国',
        '廳' => '厅',
        '辦' => '办',
        '聯' => '联',
        '協' => '协',
        '門' => '门',
        '劃' => '划',
        '業' => '业',
        '發' => '发',
        '進' => '进',
        '產' => '产',
        '參' => '参',
        '關' => '关',
        '據' => '据',
        '經' => '经',
        '濟' => '济',
        '設' => '设',
        '計' => '计',
        '畫' => '画',
        '佈' => '布',
        '屆' => '届',
        '編' => '编',
        '輯' => '辑',
        '訪' => '访',
        '問' => '问',
        '當' => '当',
        '時' => '时',
        '體' => '体',
        '載' => '载',
        '覽' => '览',
        '擊' => '击',
        '讀' => '读',
        '減' => '减',
        '擴' => '扩',
        '幣' => '币',
        '錢' => '钱',
        '員' => '员',
        '會' => '会',
        '織' => '织',
        '組' => '组',
        '導' => '导',
        '領' => '领',
        '書' => '书',
        '記' => '记',
        '號' => '号',
        '週' => '周',
        '義' => '义',
        '樣' => '样',
        '將' => '将',
        '為' => '为',
        '並' => '并',
        '這' => '这',
        '雙' => '双',
        '兩' => '两',
        '幾' => '几',
        '約' => '约',
        '餘' => '余',
        '學' => '学',
        '醫' => '医',
        '構' => '构',
        '機' => '机',
        '營' => '营',
        '規' => '规',
        '積' => '积',
        '極' => '极',
        '資' => '资',
        '養' => '养',
        '創' => '创',
        '競' => '竞',
        '證' => '证',
        '幹' => '干',
        '網' => '网',
        '絡' => '络',
        '銷' => '销',
        '貿' => '贸',
        '價' => '价',
        '兒' => '儿',
        '園' => '园',
        '軌' => '轨',
        '鐵' => '铁',
        '車' => '车',
        '線' => '线',
        '橋' => '桥',
        '隊' => '队',
        '應' => '应',
        '歲' => '岁',
        _ => c,
    }
}

/// Parses a Chinese numeral (一, 十五, 二十三, 一百零八, 两千, 〇 …) of up to 亿.
pub fn parse_cn_number(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| -> Option<u64> {
        Some(match c {
            '零' | '〇' | '○' => 0,
            '一' | '壹' => 1,
            '二' | '两' | '贰' | '兩' => 2,
            '三' | '叁' => 3,
            '四' | '肆' => 4,
            '五' | '伍' => 5,
            '六' | '陆' | '陸' => 6,
            '七' | '柒' => 7,
            '八' | '捌' => 8,
            '九' | '玖' => 9,
            _ => return None,
        })
    };
    // All digits (二〇二〇): read positionally.
    if s.chars().count() > 1 && s.chars().all(|c| digit(c).is_some()) {
        return s
            .chars()
            .try_fold(0u64, |acc, c| acc.checked_mul(10)?.checked_add(digit(c)?));
    }
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut current: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = Some(d);
            continue;
        }
        let mul = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            '万' | '萬' => 10_000,
            '亿' | '億' => 100_000_000,
            _ => return None,
        };
        if mul >= 10_000 {
            section = section.checked_add(current.take().unwrap_or(0))?;
            total = total.checked_add(section.max(1).checked_mul(mul)?)?;
            section = 0;
        } else {
            section = section.checked_add(current.take().unwrap_or(1).checked_mul(mul)?)?;
        }
    }
    total
        .checked_add(section)?
        .checked_add(current.unwrap_or(0))
}

pub fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '千'
    )
}

pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cn_numbers() {
        for (s, n) in [
            ("一", 1),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("二十三", 23),
            ("一百零八", 108),
            ("两千", 2000),
            ("二〇二〇", 2020),
            ("三万五千", 35000),
        ] {
            assert_eq!(parse_cn_number(s), Some(n), "{s}");
        }
        assert_eq!(parse_cn_number("x"), None);
    }

    #[test]
    fn view_keeps_offsets() {
        let v = View::new("（１）再建３５０個");
        assert_eq!(v.len(), 9);
        assert_eq!(v.norm_str(0, 9), "(1)再建350个");
        assert_eq!(v.orig(3, 9), "再建３５０個");
    }
}
