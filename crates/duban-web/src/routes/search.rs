//! 全局搜索 (issue 10): one box in the header finds tasks, units, reports and 督办事项 by a
//! word, across every plan. Results follow the read rules of `crate::access` — a reporter
//! finds only what it may open (its unit's drafts, other units' accepted reports) — and each
//! kind shows at most `LIMIT` hits.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use crate::auth::Auth;
use crate::error::AppError;
use crate::render::{Page, render};
use crate::state::AppState;

const LIMIT: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// Case-insensitive (for Latin letters) substring match.
fn hit(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(needle)
}

/// A short excerpt of `text` around the first match.
fn excerpt(text: &str, needle: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    let n: Vec<char> = needle.chars().collect();
    let at = (0..lower.len().saturating_sub(n.len().max(1) - 1))
        .find(|&i| lower.len() == chars.len() && lower[i..].starts_with(&n))
        .unwrap_or(0);
    let start = at.saturating_sub(20);
    let end = (at + n.len() + 40).min(chars.len());
    let mut s: String = chars[start..end].iter().collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < chars.len() {
        s.push('…');
    }
    s
}

async fn search(
    State(state): State<AppState>,
    auth: Auth,
    page: Page,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let raw = q.get("q").map(|s| s.trim()).unwrap_or("");
    if raw.chars().count() > 100 {
        return Err(AppError::BadRequest("搜索词不超过 100 个字".into()));
    }
    let needle = raw.to_lowercase();
    let (mut tasks, mut units, mut reports, mut escalations) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // A unit's alias or short form (省发改委) finds the unit and its 督办事项 as its full name does.
    let named_unit = if needle.is_empty() {
        None
    } else {
        state.store.match_unit(raw).await?
    };
    let unit_hit =
        |name: &str| hit(name, &needle) || named_unit.as_ref().is_some_and(|u| u.name == name);
    if !needle.is_empty() {
        for p in state.store.list_plans().await? {
            let d = state.store.plan_detail(p.id).await?;
            for t in &d.tasks {
                if tasks.len() < LIMIT && (hit(&t.title, &needle) || hit(&t.body, &needle)) {
                    // The body's excerpt only when the word is not in the title already.
                    let body = (!hit(&t.title, &needle)).then(|| excerpt(&t.body, &needle));
                    tasks.push(context! {
                        id => t.id, number => t.number, title => t.title, plan => p.title,
                        excerpt => body,
                    });
                }
            }
            for r in state.store.plan_reports(p.id).await? {
                if reports.len() >= LIMIT
                    || !crate::access::can_read_report(&auth.user, r.unit_id, r.state)
                {
                    continue;
                }
                let text = [&r.progress, &r.problems, &r.next_steps]
                    .into_iter()
                    .find(|x| hit(x, &needle));
                if let Some(text) = text {
                    reports.push(context! {
                        id => r.id, task_number => r.task_number, unit => r.unit_name,
                        period => r.period_label, state => r.state.label_zh(), plan => p.title,
                        excerpt => excerpt(text, &needle),
                    });
                }
            }
        }
        for u in state.store.list_units().await? {
            if units.len() < LIMIT && (unit_hit(&u.name) || hit(&u.code, &needle)) {
                units.push(context! { code => u.code, name => u.name });
            }
        }
        for e in state
            .store
            .list_escalations(&Default::default(), 10_000)
            .await?
        {
            if escalations.len() >= LIMIT
                || !crate::access::can_read_escalation(&auth.user, e.unit_id)
            {
                continue;
            }
            if hit(&e.reason, &needle)
                || unit_hit(&e.unit_name)
                || e.task_title.as_deref().is_some_and(|t| hit(t, &needle))
            {
                escalations.push(context! {
                    id => e.id, level => e.level_label, unit => e.unit_name,
                    about => e.about(), reason => e.reason, state => e.state_label,
                });
            }
        }
    }
    let total = tasks.len() + units.len() + reports.len() + escalations.len();
    Ok(render(
        &state,
        &page,
        "search.html",
        context! {
            q => raw, tasks => tasks, units => units, reports => reports,
            escalations => escalations, total => total, limit => LIMIT,
        },
    )?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_centre_on_the_match() {
        let text = format!("{}服务业增加值{}", "甲".repeat(30), "乙".repeat(60));
        let e = excerpt(&text, "服务业");
        assert!(e.starts_with('…') && e.ends_with('…'));
        assert!(e.contains("服务业增加值"));
        assert_eq!(excerpt("abc", "zz"), "abc");
    }
}
