//! Units × indicators, column-major `f64`, missing cells as NaN.
//!
//! Why NaN and not `Option<f64>`: half the memory, contiguous columns the compiler vectorises,
//! and one pass can test for missing with `is_nan`. Input layers must map "missing" to NaN and
//! reject infinities, so NaN never means anything but "missing" here.

use rayon::prelude::*;

use crate::EngineError;

/// Position of the first infinite value, scanned in parallel blocks (a 1e7 × 8 input is
/// checked on every core, not one).
pub(crate) fn first_infinite(v: &[f64]) -> Option<usize> {
    const BLOCK: usize = 1 << 16;
    v.par_chunks(BLOCK)
        .position_first(|b| b.iter().any(|x| x.is_infinite()))
        .and_then(|b| {
            let start = b * BLOCK;
            v[start..]
                .iter()
                .position(|x| x.is_infinite())
                .map(|i| start + i)
        })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// From column-major data (`data[j * rows + i]` is unit `i`, indicator `j`).
    pub fn from_columns(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, EngineError> {
        if data.len() != rows * cols {
            return Err(EngineError::Shape(format!(
                "{} values for {rows} units × {cols} indicators",
                data.len()
            )));
        }
        if let Some(p) = crate::matrix::first_infinite(&data) {
            return Err(EngineError::Shape(format!(
                "infinite value at unit {}, indicator {}",
                p % rows.max(1),
                p / rows.max(1)
            )));
        }
        Ok(Self { rows, cols, data })
    }

    /// From rows of values (`None` = missing).
    pub fn from_rows(rows: &[Vec<Option<f64>>]) -> Result<Self, EngineError> {
        let n = rows.len();
        let m = rows.first().map_or(0, Vec::len);
        let mut data = vec![f64::NAN; n * m];
        for (i, r) in rows.iter().enumerate() {
            if r.len() != m {
                return Err(EngineError::Shape(format!(
                    "row {i} has {} values, not {m}",
                    r.len()
                )));
            }
            for (j, v) in r.iter().enumerate() {
                data[j * n + i] = v.unwrap_or(f64::NAN);
            }
        }
        Self::from_columns(n, m, data)
    }

    pub fn filled(rows: usize, cols: usize, v: f64) -> Self {
        Self {
            rows,
            cols,
            data: vec![v; rows * cols],
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[j * self.rows + i]
    }
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.data[j * self.rows + i] = v;
    }
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }
    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }
    pub fn columns_mut(&mut self) -> std::slice::ChunksExactMut<'_, f64> {
        self.data.chunks_exact_mut(self.rows.max(1))
    }
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
    pub fn has_missing(&self) -> bool {
        crate::sum::any_nan(&self.data)
    }

    /// Keep the listed rows (in that order) and columns.
    pub fn select(&self, rows: &[usize], cols: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * cols.len());
        for &j in cols {
            let c = self.col(j);
            data.extend(rows.iter().map(|&i| c[i]));
        }
        Matrix {
            rows: rows.len(),
            cols: cols.len(),
            data,
        }
    }
}
