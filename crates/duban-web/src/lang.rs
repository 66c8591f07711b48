//! The 简/繁 toggle. Pages are written in Simplified Chinese; when the reader chose
//! Traditional (`?lang=zh-Hant`, remembered in the `lang` cookie) the finished HTML is
//! converted at render time with OpenCC's `s2t` dictionaries (characters converted,
//! mainland vocabulary kept). Only text between tags is converted: tags, attributes,
//! URLs, form values, `<script>`, `<style>` and `<textarea>` contents stay as they are,
//! so links keep working and a form submitted from a 繁體 page saves the stored text.

use std::sync::LazyLock;

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

static S2T: LazyLock<Option<OpenCC>> =
    LazyLock::new(|| match OpenCC::from_config(BuiltinConfig::S2t) {
        Ok(cc) => Some(cc),
        Err(e) => {
            tracing::error!("OpenCC s2t unavailable: {e}");
            None
        }
    });

/// Converts plain text from Simplified to Traditional (s2t).
pub fn to_hant(text: &str) -> String {
    match S2T.as_ref() {
        Some(cc) => cc.convert(text),
        None => text.to_string(),
    }
}

/// Converts the text nodes of an HTML document, leaving markup and raw-text elements alone.
pub fn convert_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    let mut raw_until: Option<&'static str> = None;
    while !rest.is_empty() {
        if let Some(end_tag) = raw_until {
            // Inside <script>/<style>/<textarea>: copy up to the closing tag.
            let lower = rest.to_ascii_lowercase();
            let stop = lower.find(end_tag).unwrap_or(rest.len());
            out.push_str(&rest[..stop]);
            rest = &rest[stop..];
            raw_until = None;
            continue;
        }
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                let tag = &rest[..end];
                let name: String = tag[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                raw_until = match name.as_str() {
                    "script" => Some("</script"),
                    "style" => Some("</style"),
                    "textarea" => Some("</textarea"),
                    _ => None,
                };
                out.push_str(tag);
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

fn query_lang(query: Option<&str>) -> Option<bool> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.eq_ignore_ascii_case("zh-Hant"))
}

/// Decides the script, remembers a choice made by `?lang=`, converts HTML responses.
pub async fn convert_layer(mut req: Request, next: Next) -> Response {
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
        // s2t keeps mainland vocabulary (s2twp would give 軟體).
        assert_eq!(to_hant("软件"), "軟件");
    }

    #[test]
    fn converts_only_text_nodes() {
        let html = r#"<a href="/plans?q=服务" title="服务">服务业</a><script>var s="发展";</script><textarea name="t">发展</textarea><p>发展</p>"#;
        let out = convert_html(html);
        assert_eq!(
            out,
            r#"<a href="/plans?q=服务" title="服务">服務業</a><script>var s="发展";</script><textarea name="t">发展</textarea><p>發展</p>"#
        );
    }

    #[test]
    fn query_parameter_wins() {
        assert_eq!(query_lang(Some("a=1&lang=zh-Hant")), Some(true));
        assert_eq!(query_lang(Some("lang=zh-Hans")), Some(false));
        assert_eq!(query_lang(Some("a=1")), None);
        assert_eq!(query_lang(None), None);
    }
}
