//! The 简/繁 toggle. Pages are written in Simplified Chinese; when the reader chose
//! Traditional (`?lang=zh-Hant`, remembered in the `lang` cookie) the finished HTML is
//! converted at render time with OpenCC (Taiwan standard characters `s2tw` by default,
//! see [`HantVariant`]; characters converted, mainland vocabulary kept). Converted: text between tags, the attributes a reader sees
//! (placeholder, title, alt, aria-label, label, the `value` of submit/button/reset inputs,
//! the `data-chart` ECharts options) and `<script type="application/json">` data blocks.
//! Everything else stays byte-identical (URLs, names, ids, classes, typed and hidden form
//! values, `<script>` code, `<style>`, `<textarea>`), so links keep working and a form
//! submitted from a 繁體 page saves the stored text.

use std::sync::{LazyLock, OnceLock};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

pub const LANG_COOKIE: &str = "lang";

/// The reader's script for this request, put into the request extensions by the layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lang {
    pub hant: bool,
}

/// Which Traditional Chinese the 繁體 toggle writes: readers in Taiwan and Hong Kong expect
/// their own standard characters (為, 核, 才), not OpenCC's generic 爲 / 覈 / 纔.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HantVariant {
    /// Taiwan standard characters (OpenCC `s2tw`): the default.
    #[default]
    Taiwan,
    /// Taiwan characters and phrases (OpenCC `s2twp`: 软件 → 軟體).
    TaiwanPhrases,
    /// Hong Kong standard characters (OpenCC `s2hk`).
    HongKong,
    /// OpenCC's generic Traditional characters (`s2t`).
    Generic,
}

impl HantVariant {
    /// From a setting: `tw` | `twp` | `hk` | `t`.
    pub fn parse(setting: &str) -> Option<Self> {
        match setting.trim().to_ascii_lowercase().as_str() {
            "tw" | "zh-tw" => Some(Self::Taiwan),
            "twp" => Some(Self::TaiwanPhrases),
            "hk" | "zh-hk" => Some(Self::HongKong),
            "t" | "generic" => Some(Self::Generic),
            _ => None,
        }
    }

    fn config(self) -> BuiltinConfig {
        match self {
            Self::Taiwan => BuiltinConfig::S2tw,
            Self::TaiwanPhrases => BuiltinConfig::S2twp,
            Self::HongKong => BuiltinConfig::S2hk,
            Self::Generic => BuiltinConfig::S2t,
        }
    }
}

static VARIANT: OnceLock<HantVariant> = OnceLock::new();

/// Chooses the Traditional variant for this process; call once at start-up, before the first
/// page is converted (later calls are ignored). Without a call the variant is Taiwan.
pub fn set_hant_variant(variant: HantVariant) {
    let _ = VARIANT.set(variant);
}

static S2T: LazyLock<Option<OpenCC>> = LazyLock::new(|| {
    let variant = *VARIANT.get_or_init(HantVariant::default);
    match OpenCC::from_config(variant.config()) {
        Ok(cc) => Some(cc),
        Err(e) => {
            tracing::error!("OpenCC {variant:?} unavailable: {e}");
            None
        }
    }
});

/// Converts plain text from Simplified to Traditional (s2t).
pub fn to_hant(text: &str) -> String {
    match S2T.as_ref() {
        Some(cc) => cc.convert(text),
        None => text.to_string(),
    }
}

/// Converts the text nodes of an HTML document, leaving markup and raw-text elements alone,
/// plus the human-readable attributes (see [`convert_tag`]) and the contents of
/// `<script type="application/json">` data blocks. OpenCC maps Chinese characters to Chinese
/// characters only, so converting escaped text in place keeps entities (`&quot;`, `&amp;`)
/// and JSON syntax intact.
pub fn convert_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    // Inside a raw-text element: its closing tag, and whether the contents are JSON data.
    let mut raw_until: Option<(&'static str, bool)> = None;
    while !rest.is_empty() {
        if let Some((end_tag, json)) = raw_until {
            // Inside <script>/<style>/<textarea>: copy up to the closing tag.
            let lower = rest.to_ascii_lowercase();
            let stop = lower.find(end_tag).unwrap_or(rest.len());
            if json {
                out.push_str(&to_hant(&rest[..stop]));
            } else {
                out.push_str(&rest[..stop]);
            }
            rest = &rest[stop..];
            raw_until = None;
            continue;
        }
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                let tag = &rest[..end];
                let name = tag_name(tag);
                raw_until = match name.as_str() {
                    "script" => Some(("</script", is_json_script(tag))),
                    "style" => Some(("</style", false)),
                    "textarea" => Some(("</textarea", false)),
                    _ => None,
                };
                if name.is_empty() {
                    // Closing tags, comments, doctype: copied as they are.
                    out.push_str(tag);
                } else {
                    out.push_str(&convert_tag(tag, &name));
                }
                rest = &rest[end..];
            }
            Some(i) => {
                out.push_str(&to_hant(&rest[..i]));
                rest = &rest[i..];
            }
            None => {
                out.push_str(&to_hant(rest));
                rest = "";
            }
        }
    }
    out
}

/// Lower-cased element name of an opening tag; empty for `</x>`, `<!-- -->`, `<!DOCTYPE>`.
fn tag_name(tag: &str) -> String {
    tag[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// One attribute of a tag: its lower-cased name and the byte range of its value in the tag.
struct Attr {
    name: String,
    value: Option<(usize, usize)>,
}

/// Splits the attributes of an opening tag (`<name a="1" b='2' c=3 d>`), tolerant of
/// malformed markup: whatever it cannot read is simply not converted.
fn attributes(tag: &str, name_len: usize) -> Vec<Attr> {
    let b = tag.as_bytes();
    let mut i = 1 + name_len;
    let mut attrs = Vec::new();
    let is_name_end = |c: u8| c.is_ascii_whitespace() || matches!(c, b'=' | b'>' | b'/');
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            break;
        }
        let start = i;
        while i < b.len() && !is_name_end(b[i]) {
            i += 1;
        }
        let name = tag[start..i].to_ascii_lowercase();
        if start == i {
            // A stray '=' or similar: skip it.
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = None;
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = tag[vs..].find(q as char).map_or(b.len(), |k| vs + k);
                value = Some((vs, ve));
                i = (ve + 1).min(b.len());
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                value = Some((vs, j));
                i = j;
            }
        }
        attrs.push(Attr { name, value });
    }
    attrs
}

fn attr_value<'a>(tag: &'a str, attrs: &[Attr], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value)
        .map(|(s, e)| &tag[s..e])
}

fn is_json_script(tag: &str) -> bool {
    let attrs = attributes(tag, "script".len());
    attr_value(tag, &attrs, "type")
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Converts the values of the attributes a reader sees (an explicit allow-list) and leaves
/// every other attribute byte-identical: URLs, names, ids, classes, styles and form values
/// (hidden CSRF tokens, typed text) must survive the toggle unchanged.
fn convert_tag(tag: &str, name: &str) -> String {
    let attrs = attributes(tag, name.len());
    let button_input = name == "input"
        && attr_value(tag, &attrs, "type").is_some_and(|t| {
            let t = t.trim();
            ["submit", "button", "reset"]
                .iter()
                .any(|k| t.eq_ignore_ascii_case(k))
        });
    let mut out = String::with_capacity(tag.len() + 8);
    let mut copied = 0;
    for a in &attrs {
        let Some((s, e)) = a.value else { continue };
        let readable = match a.name.as_str() {
            "placeholder" | "title" | "alt" | "aria-label" | "label" => true,
            // ECharts options (labels, series names) travel as JSON in data-chart.
            "data-chart" => true,
            "value" => button_input,
            _ => false,
        };
        if readable {
            out.push_str(&tag[copied..s]);
            out.push_str(&to_hant(&tag[s..e]));
            copied = e;
        }
    }
    out.push_str(&tag[copied..]);
    out
}

fn query_lang(query: Option<&str>) -> Option<bool> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.eq_ignore_ascii_case("zh-Hant"))
}

/// Decides the script, remembers a choice made by `?lang=`, converts HTML responses.
pub async fn convert_layer(mut req: Request, next: Next) -> Response {
    // The public portal carries its own 繁體 copy under /public/hant/ and sets no cookie.
    if req.uri().path().starts_with("/public") {
        return next.run(req).await;
    }
    let from_query = query_lang(req.uri().query());
    let hant = from_query.unwrap_or_else(|| {
        crate::auth::cookie(req.headers(), LANG_COOKIE).as_deref() == Some("zh-Hant")
    });
    req.extensions_mut().insert(Lang { hant });
    let response = next.run(req).await;
    let mut response = if hant && is_html(&response) {
        let (mut parts, body) = response.into_parts();
        match axum::body::to_bytes(body, 32 * 1024 * 1024).await {
            Ok(bytes) => {
                let html = convert_html(&String::from_utf8_lossy(&bytes));
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::from(html))
            }
            Err(_) => Response::from_parts(parts, Body::empty()),
        }
    } else {
        response
    };
    if let Some(h) = from_query {
        let value = if h { "zh-Hant" } else { "zh-Hans" };
        let cookie =
            format!("{LANG_COOKIE}={value}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn is_html(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_text_keeps_vocabulary() {
        assert_eq!(to_hant("服务业发展工作要点"), "服務業發展工作要點");
        // s2tw keeps mainland vocabulary (s2twp would give 軟體).
        assert_eq!(to_hant("软件"), "軟件");
    }

    #[test]
    fn default_variant_writes_taiwan_standard_characters() {
        // Not OpenCC's generic 爲 / 審覈 / 纔.
        assert_eq!(to_hant("为了审核"), "為了審核");
        assert_eq!(to_hant("才"), "才");
        assert_eq!(HantVariant::parse("hk"), Some(HantVariant::HongKong));
        assert_eq!(HantVariant::parse("TW"), Some(HantVariant::Taiwan));
        assert_eq!(HantVariant::parse("x"), None);
    }

    #[test]
    fn converts_text_nodes_not_code_or_urls() {
        let html = r#"<a href="/plans?q=服务" title="服务">服务业</a><script>var s="发展";</script><textarea name="t">发展</textarea><p>发展</p>"#;
        let out = convert_html(html);
        assert_eq!(
            out,
            r#"<a href="/plans?q=服务" title="服務">服務業</a><script>var s="发展";</script><textarea name="t">发展</textarea><p>發展</p>"#
        );
    }

    #[test]
    fn converts_readable_attributes_only() {
        // Each element as written and as converted: only text a reader sees changes.
        let cases = [
            (
                r#"<input type="search" name="q" placeholder="搜索任务" value="发展">"#,
                r#"<input type="search" name="q" placeholder="搜索任務" value="发展">"#,
            ),
            (
                r#"<img src="/a/发展.png" alt="发展图" class="发展">"#,
                r#"<img src="/a/发展.png" alt="發展圖" class="发展">"#,
            ),
            (
                r#"<button aria-label='关闭' id="发展" style="x">关闭</button>"#,
                r#"<button aria-label='關閉' id="发展" style="x">關閉</button>"#,
            ),
            (
                r#"<input type="hidden" name="csrf" value="发展&amp;tok">"#,
                r#"<input type="hidden" name="csrf" value="发展&amp;tok">"#,
            ),
            (
                r#"<input type="text" name="n" value="发展">"#,
                r#"<input type="text" name="n" value="发展">"#,
            ),
            (
                r#"<input type=submit value=保存发展>"#,
                r#"<input type=submit value=保存發展>"#,
            ),
            (
                r#"<form action="/发展" method="post"><select name="s"><option value="发展" label="发展">发展</option></select></form>"#,
                r#"<form action="/发展" method="post"><select name="s"><option value="发展" label="發展">發展</option></select></form>"#,
            ),
        ];
        let html: String = cases.iter().map(|(written, _)| *written).collect();
        let converted: String = cases.iter().map(|(_, converted)| *converted).collect();
        assert_eq!(convert_html(&html), converted);
    }

    #[test]
    fn keeps_entities_in_converted_attributes() {
        let out = convert_html(r#"<span title="&quot;发展&quot; &amp; 服务 &#34;&lt;">x</span>"#);
        assert_eq!(
            out,
            r#"<span title="&quot;發展&quot; &amp; 服務 &#34;&lt;">x</span>"#
        );
        // Comments and closing tags are never touched.
        let html = r#"<!-- title="发展" --></p title="发展">"#;
        assert_eq!(convert_html(html), html);
    }

    #[test]
    fn converts_chart_json_in_data_attribute_and_json_blocks() {
        // As askama renders `data-chart="{{ chart }}"`: JSON, HTML-escaped.
        let chart = serde_json::json!({
            "xAxis": {"data": ["服务业发展", "数字经济"]},
            "series": [{"name": "进度", "data": [1, 2]}]
        })
        .to_string();
        let escaped = chart.replace('&', "&amp;").replace('"', "&quot;");
        let html = format!(
            r#"<div class="chart" data-chart="{escaped}" data-unit="发展" id="c">（图表）</div><script type="application/json" id="d">{chart}</script>"#
        );
        let out = convert_html(&html);
        let attr = out
            .split("data-chart=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap();
        let parsed: serde_json::Value =
            serde_json::from_str(&attr.replace("&quot;", "\"").replace("&amp;", "&")).unwrap();
        assert_eq!(parsed["xAxis"]["data"][0], "服務業發展");
        assert_eq!(parsed["xAxis"]["data"][1], "數字經濟");
        assert_eq!(parsed["series"][0]["name"], "進度");
        assert_eq!(parsed["series"][0]["data"][1], 2);
        assert!(out.contains(r#"data-unit="发展""#));
        assert!(out.contains("（圖表）"));
        let block = out
            .split(r#"id="d">"#)
            .nth(1)
            .and_then(|r| r.split("</script>").next())
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(block).unwrap();
        assert_eq!(parsed["series"][0]["name"], "進度");
        // A code script stays as written.
        let code = r#"<script type="module">let s="发展";</script>"#;
        assert_eq!(convert_html(code), code);
    }

    #[test]
    fn query_parameter_wins() {
        assert_eq!(query_lang(Some("a=1&lang=zh-Hant")), Some(true));
        assert_eq!(query_lang(Some("lang=zh-Hans")), Some(false));
        assert_eq!(query_lang(Some("a=1")), None);
        assert_eq!(query_lang(None), None);
    }
}
