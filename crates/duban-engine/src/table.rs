//! A columnar table of raw input fields: what readers of CSV / Parquet / Arrow IPC produce and
//! what evaluations that compute their own indicators (亩均效益: formulas, exclusions, classes)
//! consume. Column-oriented like Arrow so a reader can fill it in parallel chunks and 1e7 rows
//! cost no per-row allocation.
//!
//! Conventions (shared with [`crate::Matrix`]): a missing number is NaN, never a value; readers
//! reject infinities. A missing text is the empty string.

use std::collections::HashMap;

/// Text cells stored back to back (`bytes[offsets[i]..offsets[i + 1]]` is row `i`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextColumn {
    bytes: String,
    offsets: Vec<usize>,
}

impl TextColumn {
    pub fn new() -> Self {
        Self {
            bytes: String::new(),
            offsets: vec![0],
        }
    }

    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            bytes: String::with_capacity(bytes),
            offsets,
        }
    }

    pub fn push(&mut self, cell: &str) {
        self.bytes.push_str(cell);
        self.offsets.push(self.bytes.len());
    }

    /// Appends all rows of `other` (for readers that parse chunks in parallel).
    pub fn extend(&mut self, other: &TextColumn) {
        let base = self.bytes.len();
        self.bytes.push_str(&other.bytes);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| o + base));
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Bytes of text held (all rows).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> &str {
        &self.bytes[self.offsets[row]..self.offsets[row + 1]]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Dictionary codes in order of first appearance: `(codes, levels)` with
    /// `levels[codes[i]] == self.get(i)`. Used to group rows by class.
    pub fn dictionary(&self) -> (Vec<u32>, Vec<String>) {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut levels = Vec::new();
        let codes = self
            .iter()
            .map(|cell| {
                *index.entry(cell).or_insert_with(|| {
                    levels.push(cell.to_string());
                    (levels.len() - 1) as u32
                })
            })
            .collect();
        (codes, levels)
    }
}

impl<'a> FromIterator<&'a str> for TextColumn {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut column = TextColumn::new();
        for cell in iter {
            column.push(cell);
        }
        column
    }
}

/// One column: numbers (missing = NaN) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Number(Vec<f64>),
    Text(TextColumn),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Number(v) => v.len(),
            Column::Text(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
    rows: usize,
}

impl Table {
    /// Columns must have distinct names and equal lengths.
    pub fn new(names: Vec<String>, columns: Vec<Column>) -> Result<Self, crate::EngineError> {
        if names.len() != columns.len() {
            return Err(crate::EngineError::Shape(format!(
                "{} column names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let rows = columns.first().map_or(0, Column::len);
        if let Some((name, c)) = names.iter().zip(&columns).find(|(_, c)| c.len() != rows) {
            return Err(crate::EngineError::Shape(format!(
                "column '{name}' has {} rows, not {rows}",
                c.len()
            )));
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(crate::EngineError::Shape(format!(
                    "column '{name}' appears twice"
                )));
            }
        }
        if let Some(pos) = columns.iter().position(|c| match c {
            Column::Number(v) => crate::matrix::first_infinite(v).is_some(),
            Column::Text(_) => false,
        }) {
            return Err(crate::EngineError::Shape(format!(
                "column '{}' holds an infinite value",
                names[pos]
            )));
        }
        Ok(Self {
            names,
            columns,
            rows,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    pub fn number(&self, name: &str) -> Option<&[f64]> {
        match self.column(name)? {
            Column::Number(v) => Some(v),
            Column::Text(_) => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<&TextColumn> {
        match self.column(name)? {
            Column::Text(t) => Some(t),
            Column::Number(_) => None,
        }
    }

    pub fn into_parts(self) -> (Vec<String>, Vec<Column>) {
        (self.names, self.columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_column_round_trips_and_extends() {
        let mut a: TextColumn = ["杭州", "", "宁波"].into_iter().collect();
        let b: TextColumn = ["杭州", "温州"].into_iter().collect();
        a.extend(&b);
        assert_eq!(a.len(), 5);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            ["杭州", "", "宁波", "杭州", "温州"]
        );
        let (codes, levels) = a.dictionary();
        assert_eq!(codes, [0, 1, 2, 0, 3]);
        assert_eq!(levels, ["杭州", "", "宁波", "温州"]);
    }

    #[test]
    fn table_checks_shape_names_and_infinities() {
        let ok = Table::new(
            vec!["id".into(), "tax".into()],
            vec![
                Column::Text(["a", "b"].into_iter().collect()),
                Column::Number(vec![1.0, f64::NAN]),
            ],
        )
        .unwrap();
        assert_eq!(ok.rows(), 2);
        assert_eq!(ok.number("tax").unwrap()[0], 1.0);
        assert!(ok.text("tax").is_none());
        assert!(
            Table::new(
                vec!["a".into(), "b".into()],
                vec![Column::Number(vec![1.0]), Column::Number(vec![])]
            )
            .is_err()
        );
        assert!(
            Table::new(
                vec!["a".into(), "a".into()],
                vec![Column::Number(vec![1.0]), Column::Number(vec![2.0])]
            )
            .is_err()
        );
        assert!(Table::new(vec!["a".into()], vec![Column::Number(vec![f64::INFINITY])]).is_err());
    }
}
