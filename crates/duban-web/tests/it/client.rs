//! A small HTTP/1 client over a real socket (hyper-util), with a cookie jar and helpers to
//! log in and to read the CSRF token from a page. Redirects are not followed.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use duban_web::testing::TestApp;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a binary download is not text).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", &self.body[..self.body.len().min(300)])
        })
    }
    /// The message of an API error (`{"error": {"message": …}}`).
    pub fn error_message(&self) -> String {
        let v = self.json();
        let message = v["error"]["message"].as_str();
        message
            .unwrap_or_else(|| panic!("no error message: {v}"))
            .to_string()
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

pub struct Client {
    base: String,
    http: HyperClient<HttpConnector, Full<Bytes>>,
    pub cookies: BTreeMap<String, String>,
    pub bearer: Option<String>,
    pub csrf: String,
}

impl Client {
    pub fn new(app: &TestApp) -> Client {
        Client {
            base: app.base.clone(),
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            cookies: BTreeMap::new(),
            bearer: None,
            csrf: String::new(),
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if let Some(b) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body))).unwrap();
        let res = self.http.request(req).await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        };
        for c in resp.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        resp
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[], Vec::new()).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = encode_form(fields);
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            &[],
            body.into_bytes(),
        )
        .await
    }

    /// A form post with the session's CSRF token added.
    pub async fn post_csrf(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        body: &serde_json::Value,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.post_json_bytes(path, extra, body.to_string().into_bytes())
            .await
    }

    /// A POST declared as JSON with `body` sent as it is (broken or oversized on purpose).
    pub async fn post_json_bytes(
        &mut self,
        path: &str,
        extra: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        self.send(Method::POST, path, Some("application/json"), extra, body)
            .await
    }

    /// multipart/form-data with text fields and one file.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let boundary = "----dubanTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send(Method::POST, path, Some(&ct), &[], body).await
    }

    /// Logs in through the form; panics unless it succeeds. Reads the CSRF token.
    pub async fn login(&mut self, name: &str, password: &str) {
        let r = self.try_login(name, password).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {name}: {}",
            r.body
        );
        let page = self.get("/units").await;
        self.csrf = csrf_of(&page.body).expect("csrf token on a page");
    }

    pub async fn try_login(&mut self, name: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let token = input_value(&page.body, "login_csrf").expect("login_csrf field");
        self.post_form(
            "/login",
            &[
                ("login_csrf", &token),
                ("name", name),
                ("password", password),
                ("next", "/plans"),
            ],
        )
        .await
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The value of `<input name="NAME" value="…">` in a page (first occurrence).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

pub fn csrf_of(html: &str) -> Option<String> {
    input_value(html, "csrf").filter(|s| !s.is_empty())
}

/// Every `name="…" value="…"` pair of inputs in a form, plus checked radios and selected
/// options — enough to resubmit the task edit form as the browser would.
pub fn form_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("id=\"{form_id}\""))
        .expect("form present");
    let end = start + html[start..].find("</form>").expect("form end");
    let form = &html[start..end];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        let attr = |a: &str| -> Option<String> {
            let k = format!(" {a}=\"");
            let s = tag.find(&k)? + k.len();
            let e = tag[s..].find('"')?;
            Some(unescape(&tag[s..s + e]))
        };
        if tag.starts_with("<input") {
            let ty = attr("type").unwrap_or_else(|| "text".into());
            if let Some(name) = attr("name") {
                let checked = tag.contains(" checked");
                match ty.as_str() {
                    "radio" | "checkbox" if !checked => {}
                    "checkbox" => out.push((name, "on".into())),
                    _ => out.push((name, attr("value").unwrap_or_default())),
                }
            }
        } else if tag.starts_with("<textarea")
            && let Some(name) = attr("name")
        {
            {
                let body_start = tag_end + 1;
                let body_end = rest.find("</textarea>").unwrap_or(body_start);
                out.push((name, unescape(&rest[body_start..body_end])));
            }
        } else if tag.starts_with("<select")
            && let Some(name) = attr("name")
        {
            {
                let sel_end = rest.find("</select>").unwrap_or(rest.len());
                let sel = &rest[..sel_end];
                let mut value = String::new();
                let mut first = None;
                for opt in sel.split("<option").skip(1) {
                    let v = opt
                        .split_once("value=\"")
                        .and_then(|(_, r)| r.split_once('"'))
                        .map(|(v, _)| unescape(v))
                        .unwrap_or_else(|| {
                            opt.split_once('>')
                                .map(|(_, r)| r.split('<').next().unwrap_or("").to_string())
                                .unwrap_or_default()
                        });
                    if first.is_none() {
                        first = Some(v.clone());
                    }
                    if opt.split('>').next().unwrap_or("").contains(" selected") {
                        value = v;
                    }
                }
                if value.is_empty() {
                    value = first.unwrap_or_default();
                }
                out.push((name, value));
            }
        }
        rest = &rest[1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn set(fields: &mut Vec<(String, String)>, key: &str, value: &str) {
    fields.retain(|(k, _)| k != key);
    fields.push((key.to_string(), value.to_string()));
}

pub fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
