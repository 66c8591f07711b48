//! Response security headers, the request size guard, the text guard (NUL and invalid
//! UTF-8 refused in every path, query, form, multipart field and JSON string), `Cache-Control` on signed-in
//! responses and the same-site check of redirect targets.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;

/// Everything is served by the binary itself: nothing may load from another host.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

type H = SetResponseHeaderLayer<HeaderValue>;
/// Four header layers stacked.
type Headers = ServiceBuilder<Stack<H, Stack<H, Stack<H, Stack<H, Identity>>>>>;

/// The security headers on every response.
pub fn headers() -> Headers {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    ServiceBuilder::new()
        .layer(h(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(h(header::X_FRAME_OPTIONS, "DENY"))
        .layer(h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(h(header::REFERRER_POLICY, "same-origin"))
}

/// Refuses a request whose declared length is over the limit before reading it (413);
/// bodies without a length are cut off by `DefaultBodyLimit` while being read.
pub async fn size_guard(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_BODY_BYTES as u64) {
        return AppError::TooLarge.into_response();
    }
    next.run(req).await
}

/// `Cache-Control: no-store` on every response that does not say otherwise (assets set
/// their own): signed-in pages and API answers must not stay in shared or browser caches.
pub async fn no_store(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    r.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

/// The 400 for a field holding a NUL byte or bytes that are not UTF-8.
fn invalid_field(field: &str) -> Response {
    unclean_field(field).into_response()
}

fn unclean_field(field: &str) -> AppError {
    AppError::BadRequest(format!("字段“{field}”含有无效字符（NUL 或非 UTF-8）"))
}

/// A multipart text field's value: the 400 of the text guard when it is not clean text. The
/// guard passes a part declared with a binary Content-Type as a file, so a handler that
/// reads such a part as a field checks it here instead of storing a lossy copy.
pub fn field_text(name: &str, bytes: &[u8]) -> Result<String, AppError> {
    if is_clean_text(bytes) {
        Ok(String::from_utf8(bytes.to_vec()).expect("checked above"))
    } else {
        Err(unclean_field(&shown(name.as_bytes())))
    }
}

/// Whether bytes are text a handler and both databases accept: UTF-8 without NUL
/// (PostgreSQL refuses NUL in `text`, which used to surface as a 500).
pub fn is_clean_text(bytes: &[u8]) -> bool {
    !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// A field name as shown in a message: lossy, control characters escaped, at most 40
/// characters.
fn shown(name: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(name)
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_debug().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .take(40)
        .collect();
    if s.is_empty() {
        "（无名）".into()
    } else {
        s
    }
}

/// Whether every percent-decoded segment of a path is clean text.
fn is_clean_path(path: &str) -> bool {
    path.split('/')
        .all(|seg| is_clean_text(&percent_encoding::percent_decode_str(seg).collect::<Vec<u8>>()))
}

/// Whether an address passes [`text_guard`]'s checks of the path and the query (the form
/// replay's internal GET, which does not go through the guard, asks first).
pub fn is_clean_uri(uri: &axum::http::Uri) -> bool {
    is_clean_path(uri.path())
        && uri
            .query()
            .is_none_or(|q| bad_urlencoded_field(q.as_bytes()).is_none())
}

/// Refuses (400, naming the field) a request carrying a NUL byte or bytes that are not
/// UTF-8 anywhere a handler reads text: the percent-decoded path, the query string, an
/// urlencoded body, a JSON body (every string and key, walked), and a multipart body's
/// field names, text fields and file names. Urlencoded and JSON bodies are read into
/// memory (within `MAX_BODY_BYTES`, as their extractors would); a multipart body keeps
/// streaming: it is inspected as the handler reads it, the file contents are not looked at,
/// and a bad field makes the handler's read fail and the answer this 400.
pub async fn text_guard(req: Request, next: Next) -> Response {
    if !is_clean_path(req.uri().path()) {
        return AppError::BadRequest("路径含有无效字符（NUL 或非 UTF-8）".into()).into_response();
    }
    if let Some(q) = req.uri().query()
        && let Some(field) = bad_urlencoded_field(q.as_bytes())
    {
        return invalid_field(&field);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.trim_start().to_ascii_lowercase())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let json = essence == "application/json" || essence.ends_with("+json");
    if essence == "application/x-www-form-urlencoded" || json {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
            return AppError::TooLarge.into_response();
        };
        if json {
            if let Err(e) = check_json_text(&bytes) {
                return e.into_response();
            }
        } else if let Some(field) = bad_urlencoded_field(&bytes) {
            return invalid_field(&field);
        }
        return next
            .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
            .await;
    }
    if essence == "multipart/form-data"
        && let Some(boundary) = multipart_boundary(&content_type_raw(&req))
    {
        let found = std::sync::Arc::new(std::sync::OnceLock::new());
        let (parts, body) = req.into_parts();
        let body = axum::body::Body::new(InspectedBody {
            inner: body,
            scan: MultipartScan::new(&boundary),
            found: found.clone(),
        });
        let response = next.run(Request::from_parts(parts, body)).await;
        return match found.get() {
            Some(message) => AppError::BadRequest(message.clone()).into_response(),
            None => response,
        };
    }
    next.run(req).await
}

/// The text guard's check of a JSON body: 400 when it is not UTF-8, or when a string or a
/// key holds a NUL (naming it: `values[1].note`). A body that is not JSON passes: the
/// handler's parser answers it (400/422).
pub fn check_json_text(bytes: &[u8]) -> Result<(), AppError> {
    check_utf8(bytes)?;
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => check_json_value(&value),
        Err(_) => Ok(()),
    }
}

/// 400 when a body is not UTF-8.
pub fn check_utf8(bytes: &[u8]) -> Result<(), AppError> {
    std::str::from_utf8(bytes)
        .map(drop)
        .map_err(|_| AppError::BadRequest("请求内容不是有效的 UTF-8 编码".into()))
}

/// 400 naming the first string or key of a parsed JSON body that holds a NUL.
pub fn check_json_value(value: &serde_json::Value) -> Result<(), AppError> {
    match bad_json_field(value) {
        None => Ok(()),
        Some(field) => {
            let field = field.strip_prefix('.').unwrap_or(&field);
            let field = if field.is_empty() {
                "请求内容"
            } else {
                field
            };
            Err(unclean_field(field))
        }
    }
}

/// The Content-Type header as sent (the boundary is case-sensitive).
fn content_type_raw(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The `boundary` parameter of a multipart Content-Type.
fn multipart_boundary(content_type: &str) -> Option<Vec<u8>> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').as_bytes().to_vec())
            .filter(|b| !b.is_empty())
    })
}

/// The first field of an urlencoded text (`a=1&b=2`) whose decoded name or value is not
/// clean text: its name, as shown.
fn bad_urlencoded_field(s: &[u8]) -> Option<String> {
    s.split(|b| *b == b'&').find_map(|pair| {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let name: Vec<u8> = percent_encoding::percent_decode(name).collect();
        let value: Vec<u8> = percent_encoding::percent_decode(value).collect();
        (!is_clean_text(&name) || !is_clean_text(&value)).then(|| shown(&name))
    })
}

/// Where in a JSON value a string or a key holds a NUL (`.values[1].note`; "" for the
/// root). Strings are UTF-8 once parsed; lone surrogates are refused by the parser.
fn bad_json_field(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| bad_json_field(x).map(|p| format!("[{i}]{p}"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(format!(".{}", shown(k.as_bytes())))
            } else {
                bad_json_field(x).map(|p| format!(".{k}{p}"))
            }
        }),
        _ => None,
    }
}

/// A request body passed through unchanged while a [`MultipartScan`] looks at it; the
/// first problem is kept in `found` and ends the body with an error.
struct InspectedBody {
    inner: axum::body::Body,
    scan: MultipartScan,
    found: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl http_body::Body for InspectedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        if self.found.get().is_some() {
            return Poll::Ready(Some(Err(axum::Error::new("invalid multipart text"))));
        }
        let frame = match std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => return other,
        };
        if let Some(data) = frame.data_ref()
            && let Err(message) = self.scan.feed(data)
        {
            let _ = self.found.set(message);
            return Poll::Ready(Some(Err(axum::Error::new("invalid multipart text"))));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Where a [`MultipartScan`] is.
enum Part {
    /// Before the first boundary, or in a file part (contents not looked at).
    Skip,
    /// In a part's headers.
    Headers,
    /// In a text field: its name and the bytes of an unfinished UTF-8 sequence.
    Text { name: String, tail: Vec<u8> },
    /// After the closing boundary, or given up (malformed: the handler's parser refuses it).
    Done,
}

/// An incremental reader of multipart/form-data framing (RFC 7578) that checks field
/// names, file names and text fields without keeping more than a boundary's length (and one
/// header block) of the body.
struct MultipartScan {
    /// `\r\n--BOUNDARY`.
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    part: Part,
}

/// Largest header block of one part that is inspected.
const MAX_PART_HEADERS: usize = 16 * 1024;

impl MultipartScan {
    fn new(boundary: &[u8]) -> Self {
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary);
        MultipartScan {
            delimiter,
            // The first boundary may open the body without a line break.
            buf: b"\r\n".to_vec(),
            part: Part::Skip,
        }
    }

    /// Takes the next bytes of the body; `Err` is the message of the first bad field.
    fn feed(&mut self, data: &[u8]) -> Result<(), String> {
        if matches!(self.part, Part::Done) {
            return Ok(());
        }
        self.buf.extend_from_slice(data);
        loop {
            match &mut self.part {
                Part::Done => {
                    self.buf.clear();
                    return Ok(());
                }
                Part::Headers => {
                    let Some(end) = find(&self.buf, b"\r\n\r\n") else {
                        if self.buf.len() > MAX_PART_HEADERS {
                            self.part = Part::Done;
                        }
                        return Ok(());
                    };
                    let headers: Vec<u8> = self.buf.drain(..end + 4).collect();
                    self.part = part_from_headers(&headers[..end])?;
                }
                Part::Skip | Part::Text { .. } => {
                    let dl = self.delimiter.len();
                    let Some(at) = find(&self.buf, &self.delimiter) else {
                        // Keep what could be the start of a delimiter.
                        let n = self.buf.len() - self.buf.len().min(dl - 1);
                        check_text(&mut self.part, &self.buf[..n], false)?;
                        self.buf.drain(..n);
                        return Ok(());
                    };
                    // Two bytes after the delimiter tell the closing one (`--`) apart.
                    if self.buf.len() < at + dl + 2 {
                        check_text(&mut self.part, &self.buf[..at], false)?;
                        self.buf.drain(..at);
                        return Ok(());
                    }
                    check_text(&mut self.part, &self.buf[..at], true)?;
                    self.buf.drain(..at);
                    let closing = &self.buf[dl..dl + 2] == b"--";
                    self.buf.drain(..dl);
                    // The line break that ends the boundary line stays: it starts the
                    // header block, so a part without headers still ends at `\r\n\r\n`.
                    self.part = if closing { Part::Done } else { Part::Headers };
                }
            }
        }
    }
}

/// Checks the next content of a text field (`last`: the field ends here).
fn check_text(part: &mut Part, content: &[u8], last: bool) -> Result<(), String> {
    let Part::Text { name, tail } = part else {
        return Ok(());
    };
    let bad = || format!("字段“{name}”含有无效字符（NUL 或非 UTF-8）");
    if content.contains(&0) {
        return Err(bad());
    }
    let mut text = std::mem::take(tail);
    text.extend_from_slice(content);
    match std::str::from_utf8(&text) {
        Ok(_) => {}
        Err(e) if e.error_len().is_none() && !last => *tail = text[e.valid_up_to()..].to_vec(),
        Err(_) => return Err(bad()),
    }
    Ok(())
}

/// A part's kind from its header block (the bytes after the boundary line up to the blank
/// line): a file when it has a file name (or a non-text Content-Type), else a text field.
fn part_from_headers(block: &[u8]) -> Result<Part, String> {
    let mut name: Option<&[u8]> = None;
    let mut file_name: Option<Vec<u8>> = None;
    let mut binary_type = false;
    for line in block.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        if key.trim_ascii().eq_ignore_ascii_case(b"content-type") {
            let v = value.trim_ascii().to_ascii_lowercase();
            binary_type = !v.starts_with(b"text/plain") && !v.is_empty();
        }
        if !key
            .trim_ascii()
            .eq_ignore_ascii_case(b"content-disposition")
        {
            continue;
        }
        for param in split_params(value).into_iter().skip(1) {
            let Some(eq) = param.iter().position(|b| *b == b'=') else {
                continue;
            };
            let k = param[..eq].trim_ascii().to_ascii_lowercase();
            let v = param[eq + 1..].trim_ascii();
            let v = v
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(v);
            match k.as_slice() {
                b"name" => name = Some(v),
                b"filename" => file_name = Some(v.to_vec()),
                // RFC 5987: charset'language'percent-encoded.
                b"filename*" => {
                    let encoded = v.rsplit(|b| *b == b'\'').next().unwrap_or(v);
                    file_name = Some(percent_encoding::percent_decode(encoded).collect());
                }
                _ => {}
            }
        }
    }
    let name = name.unwrap_or(b"");
    if !is_clean_text(name) {
        return Err(format!(
            "字段“{}”含有无效字符（NUL 或非 UTF-8）",
            shown(name)
        ));
    }
    let name = String::from_utf8_lossy(name).into_owned();
    if let Some(f) = &file_name
        && !is_clean_text(f)
    {
        return Err(format!(
            "字段“{name}”的文件名含有无效字符（NUL 或非 UTF-8）"
        ));
    }
    Ok(if file_name.is_some() || binary_type {
        Part::Skip
    } else {
        Part::Text {
            name,
            tail: Vec::new(),
        }
    })
}

/// A header value split at `;` outside double quotes.
fn split_params(value: &[u8]) -> Vec<&[u8]> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, b) in value.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `next` (already form-decoded once) as a same-site path to redirect to, or `None`.
/// Judged after percent-decoding until stable, so `/%2F/host` or `/%09/host` cannot become
/// `//host` in a browser: it must start with one `/` (not `//`, not `/\\`), and hold no
/// backslash, control or white-space character, hence no scheme and no host.
pub fn same_site_path(next: &str) -> Option<&str> {
    let mut form = std::borrow::Cow::Borrowed(next);
    for _ in 0..4 {
        let s: &str = &form;
        let bad_start = !s.starts_with('/') || s[1..].starts_with(['/', '\\']);
        // A dot segment could make the resolved path start with `//` (`/.//host`), which a
        // later redirect might follow off-site; duban never links with one.
        let path = s.split(['?', '#']).next().unwrap_or("");
        let dot_segment = path.split('/').any(|seg| seg == "." || seg == "..");
        if bad_start
            || dot_segment
            || s.chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(s).decode_utf8().ok()?;
        if decoded == s {
            return Some(next);
        }
        form = std::borrow::Cow::Owned(decoded.into_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_fields_must_be_clean_text() {
        assert_eq!(bad_urlencoded_field(b"a=1&b=%E4%B8%AD&c=x+y&d"), None);
        assert_eq!(bad_urlencoded_field(b""), None);
        assert_eq!(
            bad_urlencoded_field(b"progress=%FF%FE").as_deref(),
            Some("progress")
        );
        assert_eq!(bad_urlencoded_field(b"a=1&q=a%00b").as_deref(), Some("q"));
        assert_eq!(bad_urlencoded_field(b"%C3=1").as_deref(), Some("\u{fffd}"));
        assert_eq!(bad_urlencoded_field(b"n%00=1").as_deref(), Some("n\\0"));
        assert_eq!(bad_urlencoded_field(b"a=\xff").as_deref(), Some("a"));
    }

    #[test]
    fn json_strings_and_keys_are_walked() {
        let v = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            bad_json_field(&v(r#"{"a":["x",{"b":"\t中"}],"n":1}"#)),
            None
        );
        assert_eq!(
            bad_json_field(&v(r#"{"a":["x",{"b":"\u0000"}]}"#)).as_deref(),
            Some(".a[1].b")
        );
        assert_eq!(
            bad_json_field(&v(r#"{"k\u0000":1}"#)).as_deref(),
            Some(".k\\0")
        );
        assert_eq!(bad_json_field(&v(r#""\u0000""#)).as_deref(), Some(""));
    }

    /// A multipart body fed in chunks of every size: the same verdict as in one piece.
    fn scan(body: &[u8], chunk: usize) -> Result<(), String> {
        let mut s = MultipartScan::new(b"XyZ");
        body.chunks(chunk).try_for_each(|c| s.feed(c))
    }

    fn body(parts: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut b = Vec::new();
        for (headers, content) in parts {
            b.extend_from_slice(b"--XyZ\r\n");
            b.extend_from_slice(headers);
            b.extend_from_slice(b"\r\n\r\n");
            b.extend_from_slice(content);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    #[test]
    fn multipart_text_fields_names_and_file_names_are_checked_in_any_chunking() {
        let text = |n: &str| format!("Content-Disposition: form-data; name=\"{n}\"").into_bytes();
        let file = |f: &[u8]| {
            let mut h = b"Content-Disposition: form-data; name=\"file\"; filename=\"".to_vec();
            h.extend_from_slice(f);
            h.extend_from_slice(b"\"\r\nContent-Type: application/pdf");
            h
        };
        let (csrf, note, f_ok) = (text("csrf"), text("note"), file("佐证.pdf".as_bytes()));
        let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
            (
                body(&[
                    (&csrf, b"abc"),
                    (&note, "中文\r\n--XyZ 不是边界".as_bytes()),
                    (&f_ok, b"\0\xff\r\n--Xy"),
                ]),
                None,
            ),
            (
                body(&[(&csrf, b"abc"), (&note, b"a\0b")]),
                Some("字段“note”"),
            ),
            (
                body(&[(&note, "中".as_bytes()[..2].as_ref())]),
                Some("字段“note”"),
            ),
            (body(&[(&f_ok, b"x"), (&note, b"\xff")]), Some("字段“note”")),
            (
                body(&[(&file(b"a\0.pdf"), b"x")]),
                Some("字段“file”的文件名"),
            ),
            (
                body(&[(&file(b"\xfe.pdf"), b"x")]),
                Some("字段“file”的文件名"),
            ),
            (body(&[(&text("n\0"), b"x")]), Some("字段“n\\0”")),
            (
                body(&[(
                    b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%FF",
                    b"x",
                )]),
                Some("字段“f”的文件名"),
            ),
        ];
        for (b, expected) in &cases {
            for chunk in 1..=b.len() {
                let r = scan(b, chunk);
                match expected {
                    None => assert_eq!(r, Ok(()), "chunk {chunk}"),
                    Some(m) => {
                        let e = r.expect_err(m);
                        assert!(e.contains(m), "chunk {chunk}: {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in [
            "/plans",
            "/plans/1?x=a",
            "/reports/3#v",
            "/任务?q=中文",
            "/search?q=..",
            "/a.b/c",
        ] {
            assert_eq!(same_site_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "plans",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil",
            "/\t/host:1/x",
            "/%09/host:1/x",
            "/%2F/evil.example",
            "/%252F/evil.example",
            "https://evil.example",
            "/a\\b",
            "/a\nb",
            "/a b",
            "/%FF",
            "/\u{85}/x",
            "/%5Cevil",
            "/.//evil.example",
            "/%2e//evil.example",
            "/a/..//evil.example",
            "/a/%2E%2E//evil.example",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
        }
    }
}
