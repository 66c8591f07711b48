//! Paging of long lists (督办事项, 审计日志): `?page=N` (from 1), a fixed page size, links to the
//! previous and next page that keep the other query parameters (the filters).

use std::collections::HashMap;

use minijinja::{Value, context};

/// Rows per page.
pub const PER_PAGE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    /// 1-based.
    pub page: usize,
    pub per: usize,
}

impl Pager {
    /// The page asked for (`page=`; missing, 0 or not a number = 1).
    pub fn from_query(q: &HashMap<String, String>) -> Pager {
        let page = q
            .get("page")
            .and_then(|p| p.trim().parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
            .min(100_000);
        Pager {
            page,
            per: PER_PAGE,
        }
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per
    }

    /// This page of `rows` (all rows given).
    pub fn slice<T: Clone>(&self, rows: &[T]) -> Vec<T> {
        rows.iter()
            .skip(self.offset())
            .take(self.per)
            .cloned()
            .collect()
    }

    /// The pager the template shows: `path` with the other query parameters of `q` kept,
    /// `has_next` when a further page exists, `total` when known.
    pub fn view(
        &self,
        path: &str,
        q: &HashMap<String, String>,
        has_next: bool,
        total: Option<usize>,
    ) -> Value {
        let mut keep: Vec<(&String, &String)> = q.iter().filter(|(k, _)| *k != "page").collect();
        keep.sort();
        let href = |page: usize| {
            let mut parts: Vec<String> = keep
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        crate::render::url_encode(k),
                        crate::render::url_encode(v)
                    )
                })
                .collect();
            parts.push(format!("page={page}"));
            format!("{path}?{}", parts.join("&"))
        };
        context! {
            page => self.page,
            pages => total.map(|t| t.div_ceil(self.per).max(1)),
            total => total,
            prev => (self.page > 1).then(|| href(self.page - 1)),
            next => has_next.then(|| href(self.page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_the_filters_and_clamp_bad_input() {
        let q: HashMap<String, String> = [("page", "2"), ("state", "raised"), ("plan", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let p = Pager::from_query(&q);
        assert_eq!(p.offset(), 50);
        let rows: Vec<u32> = (0..120).collect();
        assert_eq!(p.slice(&rows), (50..100).collect::<Vec<_>>());
        let v = p.view("/escalations", &q, true, Some(120));
        assert_eq!(v.get_attr("pages").unwrap(), Value::from(3));
        assert_eq!(
            v.get_attr("next").unwrap().to_string(),
            "/escalations?plan=1&state=raised&page=3"
        );
        for bad in ["0", "-1", "x", ""] {
            let q: HashMap<String, String> = [("page".to_string(), bad.to_string())].into();
            assert_eq!(Pager::from_query(&q).page, 1, "{bad:?}");
        }
    }
}
