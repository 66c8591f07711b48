//! A posted HTML form whose fields are not known in advance: per-target values
//! (`value_{id}`), per-unit choices (`unit_{code}`), ticked rows (repeated `report=ID`), the
//! rows of an evaluation method. Forms with fixed fields are `Deserialize` structs instead;
//! this is the one way to read the others.

use axum::extract::{FromRequest, Request};
use serde::Deserialize;

use crate::error::AppError;

/// The fields of a form in the order posted; a repeated name keeps every value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub fn new(fields: Vec<(String, String)>) -> FormFields {
        FormFields(fields)
    }

    /// Adds a field (multipart forms are read a part at a time).
    pub fn push(&mut self, name: String, value: String) {
        self.0.push((name, value));
    }

    /// The first value of `name`, if the form has the field (an unticked checkbox has not).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name` as posted, "" when absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// [`FormFields::text`] without the spaces around it.
    pub fn trimmed(&self, name: &str) -> &str {
        self.text(name).trim()
    }

    /// The trimmed value of `name`, `None` when absent or blank.
    pub fn non_blank(&self, name: &str) -> Option<String> {
        Some(self.trimmed(name))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of a repeated `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every field, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The id of a record chosen in field `name`, if any: blank → `None`; anything but a
    /// number is a 400 naming the field's `what` (板块“x”无效).
    pub fn optional_id(&self, name: &str, what: &str) -> Result<Option<i64>, AppError> {
        crate::routes::optional_id(self.text(name), what)
    }

    /// The rows ticked in a list form (repeated `name=ID` fields) for a bulk action on
    /// `what`: at least one, at most 500, each a number.
    pub fn ticked_ids(&self, name: &str, what: &str) -> Result<Vec<i64>, AppError> {
        let ids: Vec<i64> = self
            .all(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| AppError::BadRequest(format!("{what}编号“{v}”无效")))
            })
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Err(AppError::Invalid(format!("请先勾选{what}")));
        }
        if ids.len() > 500 {
            return Err(AppError::Invalid(format!("一次最多处理 500 项{what}")));
        }
        Ok(ids)
    }
}

/// `FormFields` as an extractor: an urlencoded body, refused as axum's `Form` refuses one.
impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = <axum::Form<FormFields> as FromRequest<S>>::Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<FormFields>::from_request(req, state)
            .await
            .map(|axum::Form(f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> FormFields {
        FormFields::new(
            form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    #[test]
    fn fields_in_order_with_repeats() {
        let f = form("csrf=t&report=3&note=+%E5%8A%9E+&report=5&empty=");
        assert_eq!(f.text("csrf"), "t");
        assert_eq!(f.text("missing"), "");
        assert_eq!(f.trimmed("note"), "办");
        assert_eq!(f.get("empty"), Some(""));
        assert_eq!(f.non_blank("empty"), None);
        assert!(!f.has("missing"));
        assert_eq!(f.all("report").collect::<Vec<_>>(), ["3", "5"]);
        assert_eq!(f.ticked_ids("report", "报告").unwrap(), [3, 5]);
        assert!(f.ticked_ids("none", "报告").is_err());
        assert!(form("report=x").ticked_ids("report", "报告").is_err());
        assert_eq!(form("p=").optional_id("p", "板块").unwrap(), None);
        assert_eq!(form("p=7").optional_id("p", "板块").unwrap(), Some(7));
        assert!(form("p=x").optional_id("p", "板块").is_err());
    }
}
