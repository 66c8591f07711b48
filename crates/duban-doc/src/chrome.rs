//! Page chrome: navigation bars, breadcrumbs, view counters and footers that a portal page
//! carries around the plan. Whole lines are dropped; nothing inside a kept line changes.

use crate::text::norm_char;

/// Removes chrome lines from `text`, keeping every other line verbatim.
pub fn strip_chrome(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for line in &lines {
        if is_chrome(line) {
            continue;
        }
        // A browser title (`<title>-<site>`): the title alone, or nothing when the page
        // repeats it on a line of its own.
        if let Some(title) = without_site_name(line) {
            if !lines.iter().any(|l| l.trim() == title) {
                out.push_str(title);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
    }
    // Leading blank lines carry nothing.
    let start = out.len() - out.trim_start_matches(['\n', ' ', '\t']).len();
    let start = out[..start].rfind('\n').map_or(0, |i| i + 1);
    out.split_off(start)
}

/// Menu entries a portal repeats on every page (accessibility and version switches).
/// `湖南省人民政府关于…的意见-湖南省人民政府门户网站` → the part before the site's name.
fn without_site_name(line: &str) -> Option<&str> {
    const SITES: &[&str] = &["门户网站", "政府网站", "政府网", "网站", "政府门户"];
    let line = line.trim();
    let cut = line.rfind(['-', '_', '|', '—'])?;
    let (title, site) = (
        line[..cut].trim(),
        line[cut..].chars().skip(1).collect::<String>(),
    );
    let site = site.trim();
    (SITES.iter().any(|s| site.ends_with(s))
        && site.chars().count() <= 24
        && title.chars().count() >= 8
        && !title.contains('。'))
    .then_some(title)
}

const MENU: &[&str] = &[
    "设为首页",
    "加入收藏",
    "无障碍阅读",
    "无障碍浏览",
    "无障碍",
    "长者版",
    "长者模式",
    "关怀版",
    "返回首页",
    "手机版",
    "English",
    "登录",
    "注册",
    "搜索",
    "简体",
    "繁体",
    "繁體",
    "智能问答",
    "政务微博",
    "政务微信",
];

/// Whether one line is page chrome rather than plan text.
pub fn is_chrome(line: &str) -> bool {
    let norm: String = line.trim().chars().map(norm_char).collect();
    if norm.is_empty() || norm.chars().count() > 120 {
        return false;
    }
    const STARTS: &[&str] = &[
        "今天是",
        ">>",
        "»",
        "当前位置",
        "您的位置",
        "您现在的位置",
        "您当前的位置",
        "所在位置",
        "首页>",
        "首页 >",
        "上一篇",
        "下一篇",
        "相关链接",
        "网站地图",
        "主办单位",
        "承办单位",
        "技术支持",
        "网站标识码",
        "扫一扫",
        "分享到",
    ];
    const CONTAINS: &[&str] = &[
        "加入收藏",
        "设为首页",
        "访问次数",
        "浏览次数",
        "阅读次数",
        "点击次数",
        "点击数:",
        "点击率",
        "打印本页",
        "关闭窗口",
        "[打印]",
        "[关闭]",
        "[字体",
        "字号:",
        "字体:",
        "版权所有",
        "Copyright",
        "copyright",
        "ICP备",
        "公网安备",
        "政府网站找错",
        "表格下载",
        "繁体中文",
        "繁體中文",
        "简体中文",
        "无障碍浏览",
    ];
    // Menu entries left alone on their line by an HTML page.
    const WHOLE: &[&str] = &[
        "首页",
        "网站首页",
        "返回顶部",
        "打印",
        "关闭",
        "收藏",
        "分享",
        // A portal's tool bar, one link a line: 下载 / 打印 / 全屏 / 【字号：加大 还原 减小】.
        "下载",
        "全屏",
        "加大",
        "还原",
        "减小",
        "]",
        "[",
    ];
    if WHOLE.contains(&norm.as_str()) {
        return true;
    }
    // Menu links without a <nav>: `• 设为首页`, `无障碍阅读 关怀版 返回首页` — every item
    // on the line (bullets dropped) is a menu word.
    let items: Vec<&str> = norm
        .split(|c: char| c.is_whitespace() || "|•·▪►*".contains(c))
        .filter(|t| !t.is_empty())
        .collect();
    if !items.is_empty() && items.iter().all(|t| WHOLE.contains(t) || MENU.contains(t)) {
        return true;
    }
    if STARTS.iter().any(|s| norm.starts_with(s)) || CONTAINS.iter().any(|s| norm.contains(s)) {
        return true;
    }
    // 编辑: admin 时间: 4年前 / 发布时间: 2020-03-05 来源: …
    let meta_keys = [
        "编辑:",
        "作者:",
        "来源:",
        "发布时间:",
        "时间:",
        "发布日期:",
        "信息来源:",
        "日期:",
        "索引号:",
        "文号:",
        "发布机构:",
        "生成日期:",
        "成文日期:",
        "公开方式:",
        "主题分类:",
        "发文机关:",
        "有效性:",
        "统一编号:",
        "公开范围:",
    ];
    let keys = meta_keys.iter().filter(|k| norm.contains(*k)).count();
    let short_meta_line = keys == 1
        && norm.chars().count() <= 40
        && !norm.contains('。')
        && meta_keys.iter().any(|k| norm.starts_with(k));
    keys >= 2 || short_meta_line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_chrome() {
        for l in [
            "今天是:",
            "加入收藏 | 繁體中文 | 表格下载",
            "当前位置 : 首页>>最新政策",
            "编辑: admin 时间: 4年前 访问次数: 0",
            "发布时间：2020-03-05  来源：省发展改革委",
            "索引号：002482410/2021-00123",
            "文号：浙发改服务〔2021〕12号",
        ] {
            assert!(is_chrome(l), "{l}");
        }
        for l in [
            "2020年浙江省服务业发展工作要点",
            "1.编制现代服务业发展“十四五”规划",
            "责任单位：省发展改革委、省商务厅",
            "力争2020年",
        ] {
            assert!(!is_chrome(l), "{l}");
        }
    }

    #[test]
    fn menu_links_without_nav() {
        for l in [
            "  • 无障碍阅读",
            "• 长者版",
            "无障碍阅读 关怀版 返回首页",
            "English | 手机版",
        ] {
            assert!(is_chrome(l), "{l}");
        }
        for l in ["• 推进无障碍环境建设", "长者版服务专区建设 3个"] {
            assert!(!is_chrome(l), "{l}");
        }
    }

    #[test]
    fn a_tool_bar_one_link_a_line_is_chrome() {
        let t =
            "下载\n打印\n全屏\n收藏\n【字号：\n加大\n还原\n减小\n】\n2026年某某省政府工作报告\n";
        assert_eq!(strip_chrome(t), "2026年某某省政府工作报告\n");
    }

    #[test]
    fn breadcrumbs_and_site_names_are_not_titles() {
        assert!(is_chrome(
            ">> 专题专栏 >> 归档专题 >> 2023市政府重点工作(已归档)"
        ));
        let t = "某省人民政府关于落实重点工作的意见-某省人民政府门户网站\n\n某省人民政府关于落实重点工作的意见\n正文。\n";
        assert_eq!(
            strip_chrome(t),
            "某省人民政府关于落实重点工作的意见\n正文。\n"
        );
        let t = "2022年数字经济工作要点_某市人民政府网站\n一、正文\n";
        assert_eq!(strip_chrome(t), "2022年数字经济工作要点\n一、正文\n");
        // A dash inside a title is not a site name.
        let t = "2021—2025年服务业发展行动计划\n";
        assert_eq!(strip_chrome(t), t);
    }

    #[test]
    fn keeps_other_lines_verbatim() {
        let t = "今天是:\n\n标题\n  正文 。\n";
        assert_eq!(strip_chrome(t), "标题\n  正文 。\n");
    }
}
