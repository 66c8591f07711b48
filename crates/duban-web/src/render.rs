//! Templates (minijinja, embedded in the binary) and the per-page context every template
//! gets: the user, the CSRF token for forms, the script (简/繁) and the toggle link.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::{Environment, Value, context};

use crate::auth::Auth;
use crate::error::{AppError, ErrorInfo};
use crate::lang::Lang;
use crate::state::AppState;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        /// Every template, by name (path under `templates/`).
        pub const TEMPLATES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../templates/", $name)))),*
        ];
    };
}

templates!(
    "base.html",
    "macros.html",
    "login.html",
    "error.html",
    "plans/list.html",
    "plans/overview.html",
    "plans/tasks.html",
    "plans/review.html",
    "plans/new.html",
    "plans/edit.html",
    "plans/adopt.html",
    "tasks/detail.html",
    "tasks/edit.html",
    "units/list.html",
    "units/detail.html",
    "admin/users.html",
    "admin/units.html",
    "admin/tokens.html",
    "admin/adjustments.html",
    "deliver/macros.html",
    "deliver/inbox.html",
    "deliver/dashboard.html",
    "deliver/task.html",
    "deliver/report.html",
    "deliver/methods.html",
    "deliver/calendar.html",
    "evaluation/index.html",
    "evaluation/dataset_new.html",
    "evaluation/dataset.html",
    "evaluation/method.html",
    "evaluation/result.html",
    "evaluation/snapshots.html",
    "muni/index.html",
    "muni/scheme_new.html",
    "muni/scheme.html",
    "muni/run.html",
    "muni/result.html",
    "muni/report.html",
    "muni/final.html",
    "muni/finals.html",
    "oversight/entries.html",
    "oversight/escalations.html",
    "oversight/escalation.html",
    "oversight/rules.html",
    "oversight/messages.html",
    "oversight/audit.html",
    "oversight/task_history.html",
    "oversight/notifications.html",
    "oversight/sheet.html",
    "oversight/summary.html",
    "publish/index.html",
    "publish/detail.html",
    "publish/bulletin.html",
    "publish/compare.html",
    "search.html",
    "public/base.html",
    "public/index.html",
    "public/publication.html",
    "monitor/index.html",
    "monitor/indicator.html",
    "monitor/region.html",
    "monitor/import.html",
    "monitor/alerts.html",
    "monitor/alert.html",
    "monitor/bindings.html",
    "monitor/rules.html",
);

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        // Templates are compiled into the binary; a broken one is a build defect that the
        // `every_template_parses` test catches.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e:#}");
        }
    }
    env.add_filter("urlenc", |v: String| -> String { url_encode(&v) });
    // A plan in a list or a picker: its title, and （草稿） until it is adopted, so two
    // imports of one document can be told apart and a draft is not mistaken for the plan.
    env.add_filter("plan_name", |p: Value| -> String {
        let title = p
            .get_attr("title")
            .ok()
            .map(|t| t.to_string())
            .unwrap_or_default();
        let draft = p
            .get_attr("state")
            .ok()
            .is_some_and(|s| s.as_str() == Some("draft"));
        if draft {
            format!("{title}（草稿）")
        } else {
            title
        }
    });
    env.add_filter("bjt", |v: Value| -> Value { beijing_time(&v.to_string()) });
    // A calendar date as people write it (2020年11月2日); anything else is shown as it is.
    env.add_filter("zh_date", |v: String| -> String {
        chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(duban_core::period::zh_date)
            .unwrap_or(v)
    });
    // Audit codes as offices read them (the code stays in the cell's title).
    env.add_filter("audit_action", |v: String| -> String {
        duban_core::audit::action_label(&v).map_or(v.clone(), str::to_string)
    });
    // The server's own actions (background workers) by their Chinese name.
    env.add_filter("audit_actor", |v: String| -> String {
        if v == "system" { "系统".into() } else { v }
    });
    // An entry's details one field a line (`key: value`), strings without their quotes;
    // anything that is not a JSON object as it is.
    env.add_filter("audit_payload", |v: String| -> String {
        let lines = duban_core::audit::payload_lines(&v);
        if lines.is_empty() {
            return "（无）".into();
        }
        lines
            .iter()
            .map(|(k, x)| {
                if k.is_empty() {
                    x.clone()
                } else {
                    format!("{k}：{x}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    // Identifiers (ids, user names) are data, marked so: not prose to translate.
    env.add_filter("audit_subject", |v: String| -> Value {
        let html: Vec<String> = duban_core::audit::subject_parts(&v)
            .into_iter()
            .map(|(noun, id)| {
                if id.is_empty() {
                    noun.to_string()
                } else {
                    format!(
                        "{noun}<span translate=\"no\">{}</span>",
                        minijinja::HtmlEscape(&id)
                    )
                }
            })
            .collect();
        Value::from_safe_string(html.join(" / "))
    });
    // A failed form shown again: what was typed in field `name`, else the stored value.
    env.add_function(
        "typed",
        |st: &minijinja::State,
         name: String,
         stored: Option<Value>,
         form: Option<Value>|
         -> Value {
            // Macros do not see the page's variables: they pass `form` explicitly.
            let form = form
                .filter(|f| !f.is_none() && !f.is_undefined())
                .or_else(|| st.lookup("form"));
            typed_or(form, &name, stored)
        },
    );
    // `typed`, except after a stale save (409): then the newer stored value, what was
    // typed being listed beside the form (pages that opt in, e.g. the report form).
    env.add_function(
        "current",
        |st: &minijinja::State, name: String, stored: Option<Value>| -> Value {
            let form = st.lookup("form").filter(|f| {
                !f.is_none() && !f.is_undefined() && !f.get_attr("stale").is_ok_and(|v| v.is_true())
            });
            typed_or(form, &name, stored)
        },
    );
    // The message next to field `name` when the failed form's error is about it.
    env.add_function(
        "field_error",
        |st: &minijinja::State, name: String| -> Value {
            let Some(form) = st.lookup("form").filter(|f| !f.is_none()) else {
                return Value::from("");
            };
            let field = form.get_attr("field").ok().map(|f| f.to_string());
            if field.as_deref() != Some(name.as_str()) {
                return Value::from("");
            }
            let message = form
                .get_attr("message")
                .map(|m| m.to_string())
                .unwrap_or_default();
            Value::from_safe_string(format!(
                "<span class=\"error field-error\" role=\"alert\" data-field=\"{}\">{}</span>",
                crate::highlight::escape(&name),
                crate::highlight::escape(&message)
            ))
        },
    );
    env.add_filter("num", |v: Value| -> String {
        f64::try_from(v)
            .map(duban_io::grid::number_text)
            .unwrap_or_default()
    });
    env
}

/// What was typed into field `name` of the failed `form`, else `stored`.
fn typed_or(form: Option<Value>, name: &str, stored: Option<Value>) -> Value {
    form.and_then(|f| f.get_attr("values").ok())
        .and_then(|v| v.get_item(&Value::from(name)).ok())
        .filter(|v| !v.is_undefined() && !v.is_none())
        .unwrap_or_else(|| match stored {
            // A stored whole number is shown as people write it (3000, not 3000.0).
            Some(v) if v.kind() == minijinja::value::ValueKind::Number => {
                match f64::try_from(v.clone()) {
                    Ok(x) if x.fract() == 0.0 && x.abs() < 1e15 => {
                        Value::from(format!("{}", x as i64))
                    }
                    _ => v,
                }
            }
            other => other.unwrap_or_default(),
        })
}

/// Beijing time (UTC+8, no daylight saving) for a stored UTC timestamp, as a `<time>` element:
/// `2020-07-03T02:00:00Z` → `2020年7月3日 10:00` with `datetime="2020-07-03T10:00:00+08:00"`.
/// Times are stored in UTC; every page shows them in Beijing time, the date as people write
/// it. Anything that is not an RFC 3339 timestamp (a bare date, an empty value) is shown as
/// it is.
pub fn beijing_time(stored: &str) -> Value {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(stored.trim()) else {
        return Value::from(stored);
    };
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let local = at.with_timezone(&beijing);
    Value::from_safe_string(format!(
        "<time datetime=\"{}\">{} {}</time>",
        local.format("%Y-%m-%dT%H:%M:%S+08:00"),
        duban_core::period::zh_date(local.date_naive()),
        local.format("%H:%M")
    ))
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The parts of the request every page needs.
#[derive(Debug, Clone)]
pub struct Page {
    pub auth: Option<Auth>,
    pub hant: bool,
    pub path: String,
    /// The current URL with `lang` switched to the other script.
    pub toggle_href: String,
    /// A failed form post being shown again (what was typed, the message).
    pub form: Option<crate::form_replay::FormPrefill>,
    /// The signed-in user's unread messages (the menu's 消息 shows the count).
    pub unread: i64,
}

impl Page {
    fn from_parts(parts: &Parts) -> Page {
        let hant = parts.extensions.get::<Lang>().is_some_and(|l| l.hant);
        let path = parts.uri.path().to_string();
        let mut query: Vec<&str> = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        let switch = if hant { "lang=zh-Hans" } else { "lang=zh-Hant" };
        query.push(switch);
        Page {
            auth: parts.extensions.get::<Auth>().cloned(),
            hant,
            toggle_href: format!("{path}?{}", query.join("&")),
            path,
            form: parts
                .extensions
                .get::<crate::form_replay::FormPrefill>()
                .cloned(),
            unread: 0,
        }
    }

    pub fn context(&self) -> Value {
        let user = self.auth.as_ref().map(|a| {
            context! {
                name => a.user.name,
                role => a.user.role.as_str(),
                role_label => a.user.role.label_zh(),
                unit_name => a.user.unit_name,
                unit_code => a.user.unit_code,
                is_admin => a.is_admin(),
            }
        });
        context! {
            user => user,
            csrf => self.auth.as_ref().map(|a| a.csrf_token().to_string()).unwrap_or_default(),
            hant => self.hant,
            toggle_href => self.toggle_href,
            path => self.path,
            form => self.form.as_ref().map(Value::from_serialize),
            unread => self.unread,
        }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let mut page = Page::from_parts(parts);
        // Only a page shown (GET) has a menu to count for: a form post answered by a
        // redirect never renders one (its replay is a GET). Best effort: a page still renders
        // when the count cannot be read.
        if let (Some(a), true) = (&page.auth, parts.method == axum::http::Method::GET) {
            let u = &a.user;
            page.unread = state
                .store
                .inbox_unread(u.id, u.unit_id, u.role.as_str())
                .await
                .unwrap_or(0);
        }
        Ok(page)
    }
}

/// Renders `template` with the page context merged under the page's own values.
pub fn render(
    state: &AppState,
    page: &Page,
    template: &str,
    ctx: Value,
) -> Result<Html<String>, AppError> {
    let tpl = state.templates.get_template(template)?;
    let html = tpl.render(context! { ..ctx, ..page.context() })?;
    Ok(Html(html))
}

/// [`render`] answered with `status` (a form shown again with its message: 422).
pub fn render_with_status(
    state: &AppState,
    page: &Page,
    status: axum::http::StatusCode,
    template: &str,
    ctx: Value,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    Ok((status, render(state, page, template, ctx)?).into_response())
}

/// The HTML error page (without the user menu; it links home).
pub fn error_page(
    state: &AppState,
    info: &ErrorInfo,
    hant: bool,
    auth: Option<crate::auth::Auth>,
    path: &str,
) -> String {
    let page = Page {
        auth,
        hant,
        path: path.to_string(),
        toggle_href: if hant {
            "?lang=zh-Hans"
        } else {
            "?lang=zh-Hant"
        }
        .into(),
        form: None,
        unread: 0,
    };
    let heading = match info.status.as_u16() {
        409 => "编辑冲突",
        403 => "无权访问",
        404 => "未找到",
        413 => "上传过大",
        429 => "请稍后再试",
        500.. => "系统错误",
        _ => "请求有误",
    };
    let ctx = context! {
        heading => heading,
        status => info.status.as_u16(),
        code => info.code,
        message => info.message,
        back => info.back,
    };
    match render(state, &page, "error.html", ctx) {
        Ok(Html(s)) => s,
        Err(_) => format!(
            "<!doctype html><meta charset=utf-8><title>{}</title><p>{}</p>",
            info.status.as_u16(),
            crate::highlight::escape(&info.message)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_subjects_escape_their_identifiers() {
        let env = environment();
        let out = env
            .render_str(
                "{{ s|audit_subject }}",
                context! { s => "user:<b>x&y/task:3" },
            )
            .unwrap();
        assert_eq!(
            out,
            "用户 <span translate=\"no\">&lt;b&gt;x&amp;y</span> / 任务 #<span translate=\"no\">3</span>"
        );
    }

    #[test]
    fn audit_details_read_one_field_a_line_and_stay_escaped() {
        let env = environment();
        // Named .html: escaped as the pages are.
        let t = env
            .template_from_named_str("t.html", "{{ a|audit_actor }}|{{ p|audit_payload }}")
            .unwrap();
        let render =
            |payload: &str, actor: &str| t.render(context! { p => payload, a => actor }).unwrap();
        assert_eq!(
            render(r#"{"reason":"<b>晚了</b>","version":3}"#, "system"),
            "系统|原因：&lt;b&gt;晚了&lt;&#x2f;b&gt;\n版本：3"
        );
        assert_eq!(render("{}", "admin"), "admin|（无）");
        assert_eq!(render("not json", "admin"), "admin|not json");
    }

    /// A page title is text: markup in a title block ends up in the browser's tab and history
    /// (a whole form with its CSRF token once did, on 发布).
    #[test]
    fn title_blocks_hold_no_markup() {
        for (name, src) in TEMPLATES {
            for block in src.split("{% block title %}").skip(1) {
                let title = block.split("{% endblock %}").next().unwrap_or("");
                assert!(!title.contains('<'), "{name}: {title}");
            }
        }
    }

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn url_encoding() {
        assert_eq!(url_encode("/plans/1?x=a b"), "/plans/1%3Fx%3Da%20b");
    }
}

#[cfg(test)]
mod time_tests {
    use super::beijing_time;

    #[test]
    fn utc_timestamps_are_shown_in_beijing_time() {
        assert_eq!(
            beijing_time("2020-07-03T18:30:05Z").to_string(),
            "<time datetime=\"2020-07-04T02:30:05+08:00\">2020年7月4日 02:30</time>"
        );
        assert_eq!(beijing_time("2020-07-03").to_string(), "2020-07-03");
        assert_eq!(beijing_time("").to_string(), "");
    }
}
