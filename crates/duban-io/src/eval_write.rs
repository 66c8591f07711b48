//! Streaming writers of an evaluation result, straight from the engine's struct of arrays
//! ([`Evaluation`]): no per-unit JSON value, no per-unit allocation. Units are formatted in
//! parallel blocks (in rank order) into byte buffers that are written in order, so memory is a
//! few blocks whatever the number of units.
//!
//! * [`write_result_json`]: `duban.eval.result/1`, byte for byte what
//!   `serde_json::to_string_pretty(&result_json(..))` gives (the same float formatter, zmij,
//!   the same key order and indentation; tested).
//! * [`write_csv`]: `id,rank,score,class,class_rank,mark,rank_change,<indicator>…` with the
//!   normalised values; floats in shortest round-trip form (integers without `.0`; very large
//!   or small magnitudes in exponent form, e.g. `1e-7`); missing values empty.

use std::io::{self, Write};

use duban_engine::{Dataset, Evaluation, Spec};
use rayon::prelude::*;

use crate::columnar_write::{
    ColumnType, ColumnarFormat, ColumnarWriteError, number_array, schema, text_array,
    write_columnar,
};
use crate::eval_format::result_head;
use crate::pipeline::extend_short;

/// Units per formatting block (a CSV block of 8 indicators, ~1.6 MB, is written past a 1 MB
/// `BufWriter` without a copy into it).
const BLOCK: usize = 8192;

/// Scored units (positions in the evaluation) in rank order; ties keep data order.
pub fn rank_order(e: &Evaluation) -> Vec<usize> {
    if let Some(order) = counting_order(&e.ranks) {
        return order;
    }
    let mut order: Vec<usize> = (0..e.len()).collect();
    // Stable, like the sequential sort it replaces.
    order.par_sort_by(|&a, &b| e.ranks[a].total_cmp(&e.ranks[b]));
    order
}

/// The order of [`rank_order`] by a counting sort when every rank is a whole number in
/// 1..=n or NaN (missing score, last), as competition, dense and ordinal ranks are: linear,
/// and stable like the sort. `None` for other ranks (averaged ties: x.5).
fn counting_order(ranks: &[f64]) -> Option<Vec<usize>> {
    let n = ranks.len();
    // Bucket of a rank: r − 1, NaN (positive, as the engine makes it) after every rank.
    let bucket = |r: f64| -> Option<usize> {
        if r.is_nan() {
            r.is_sign_positive().then_some(n)
        } else if r >= 1.0 && r <= n as f64 && r.fract() == 0.0 {
            Some(r as usize - 1)
        } else {
            None
        }
    };
    let mut start = vec![0usize; n + 2];
    for &r in ranks {
        start[bucket(r)? + 1] += 1;
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let mut order = vec![0usize; n];
    for (k, &r) in ranks.iter().enumerate() {
        let b = bucket(r).expect("checked above");
        order[start[b]] = k;
        start[b] += 1;
    }
    Some(order)
}

/// One block of units in rank order, with what every line needs gathered from the struct of
/// arrays first: a unit's values are scattered (units are in data order, the block in rank
/// order), and independent loads in a tight loop overlap their cache misses where the
/// formatting loop would wait for each.
struct Block<'a> {
    /// Rank position of the block's first unit.
    base: usize,
    units: &'a [usize],
    ids: Vec<&'a str>,
    ranks: Vec<f64>,
    scores: Vec<f64>,
    /// Normalised values, row-major (`m` per unit); empty without the normalised matrix.
    normalised: Vec<f64>,
    m: usize,
}

impl<'a> Block<'a> {
    /// `with_normalised`: also gather the normalised values (a CSV that writes none of them
    /// does not pay for the scattered loads).
    fn gather(
        e: &Evaluation,
        ids: &'a [String],
        base: usize,
        units: &'a [usize],
        with_normalised: bool,
    ) -> Self {
        let m = e.indicators.len();
        let mut normalised = Vec::new();
        if with_normalised && e.normalised.rows() == e.len() && m > 0 {
            normalised = vec![0.0; units.len() * m];
            for j in 0..m {
                let col = e.normalised.col(j);
                for (row, &k) in normalised.chunks_exact_mut(m).zip(units) {
                    row[j] = col[k];
                }
            }
        }
        Block {
            base,
            units,
            ids: units.iter().map(|&k| ids[e.rows[k]].as_str()).collect(),
            ranks: units.iter().map(|&k| e.ranks[k]).collect(),
            scores: units.iter().map(|&k| e.scores[k]).collect(),
            normalised,
            m,
        }
    }

    /// The normalised values of the block's i-th unit (empty without them).
    fn normalised(&self, i: usize) -> &[f64] {
        self.normalised
            .get(i * self.m..(i + 1) * self.m)
            .unwrap_or(&[])
    }
}

/// Formats `order` in parallel blocks of [`BLOCK`] units with `f(buf, block)` and writes the
/// blocks in order ([`crate::pipeline::write_parts`], two blocks per thread a group).
fn write_blocks<W: Write + ?Sized>(
    w: &mut W,
    e: &Evaluation,
    ids: &[String],
    order: &[usize],
    with_normalised: bool,
    f: impl Fn(&mut Vec<u8>, &Block) + Sync,
) -> io::Result<()> {
    let per_group = rayon::current_num_threads().max(1) * 2;
    let capacity = BLOCK * (32 + 24 * e.indicators.len());
    crate::pipeline::write_parts(
        w,
        order.len().div_ceil(BLOCK),
        per_group,
        capacity,
        |b, buf| {
            let units = &order[b * BLOCK..((b + 1) * BLOCK).min(order.len())];
            f(
                buf,
                &Block::gather(e, ids, b * BLOCK, units, with_normalised),
            );
        },
    )
}

/// A finite float in shortest round-trip form (the formatter serde_json uses).
fn put_float(buf: &mut Vec<u8>, v: f64) {
    let mut b = zmij::Buffer::new();
    extend_short(buf, b.format_finite(v).as_bytes());
}

/// A JSON number, `null` for NaN (as `serde_json::Number::from_f64` does).
fn put_json_num(buf: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        put_float(buf, v);
    } else {
        buf.extend_from_slice(b"null");
    }
}

/// A JSON string, escaped by serde_json.
fn put_json_str(buf: &mut Vec<u8>, s: &str) {
    // serde_json escapes only '"', '\\' and control characters: other text goes as it is.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        serde_json::to_writer(&mut *buf, s).expect("writing to memory");
    }
}

/// A CSV number: shortest round-trip, integers without `.0` (as Rust prints them).
fn put_csv_num(buf: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        return;
    }
    // Whole numbers below 1e9 (ranks) as the float formatter prints them, without it. (The
    // round trip through i64 is exact below 2⁵³ and, unlike `fract`, needs no libm call.)
    if v.abs() < 1e9 && v != 0.0 && (v as i64) as f64 == v {
        let mut n = v.abs() as u64;
        let mut d = [0u8; 20];
        let mut i = d.len();
        while n > 0 {
            i -= 1;
            d[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        if v < 0.0 {
            buf.push(b'-');
        }
        extend_short(buf, &d[i..]);
        return;
    }
    let mut b = zmij::Buffer::new();
    let s = b.format_finite(v);
    extend_short(buf, s.strip_suffix(".0").unwrap_or(s).as_bytes());
}

fn put_csv_text(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        buf.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// A column of the tabular result (CSV, Parquet, Arrow IPC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultColumn {
    Id,
    Rank,
    Score,
    Class,
    ClassRank,
    Mark,
    RankChange,
    /// The normalised value of the evaluation's j-th (included) indicator.
    Normalised(usize),
}

/// The fixed columns by name, in the default order.
const FIXED_COLUMNS: [(&str, ResultColumn); 7] = [
    ("id", ResultColumn::Id),
    ("rank", ResultColumn::Rank),
    ("score", ResultColumn::Score),
    ("class", ResultColumn::Class),
    ("class_rank", ResultColumn::ClassRank),
    ("mark", ResultColumn::Mark),
    ("rank_change", ResultColumn::RankChange),
];

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ColumnListError {
    #[error("“{name}” is not a column of the result; the columns are: {available}")]
    Unknown { name: String, available: String },
    #[error("column “{0}” is named twice")]
    Repeated(String),
    #[error("no column named")]
    Empty,
}

impl ResultColumn {
    /// Every column in the default order: the fixed ones, then each indicator's normalised
    /// value.
    pub fn all(e: &Evaluation) -> Vec<ResultColumn> {
        FIXED_COLUMNS
            .iter()
            .map(|&(_, c)| c)
            .chain((0..e.indicators.len()).map(ResultColumn::Normalised))
            .collect()
    }

    /// The column's header: its fixed name or the indicator's name.
    pub fn name(self, e: &Evaluation) -> &str {
        match self {
            ResultColumn::Normalised(j) => &e.indicators[j],
            fixed => {
                FIXED_COLUMNS
                    .iter()
                    .find(|&&(_, c)| c == fixed)
                    .expect("every fixed column is in the table")
                    .0
            }
        }
    }

    /// The columns of a comma-separated list of headers, in the list's order. A fixed name
    /// (`id`, `rank`, `score`, `class`, `class_rank`, `mark`, `rank_change`) comes before an
    /// indicator of the same name.
    pub fn parse_list(list: &str, e: &Evaluation) -> Result<Vec<ResultColumn>, ColumnListError> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let column = FIXED_COLUMNS
                .iter()
                .find(|&&(n, _)| n == name)
                .map(|&(_, c)| c)
                .or_else(|| {
                    e.indicators
                        .iter()
                        .position(|i| i == name)
                        .map(ResultColumn::Normalised)
                })
                .ok_or_else(|| ColumnListError::Unknown {
                    name: name.to_string(),
                    available: ResultColumn::all(e)
                        .into_iter()
                        .map(|c| c.name(e))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            if out.contains(&column) {
                return Err(ColumnListError::Repeated(name.to_string()));
            }
            out.push(column);
        }
        if out.is_empty() {
            return Err(ColumnListError::Empty);
        }
        Ok(out)
    }
}

/// The result as CSV, one line per unit in rank order, with every column.
pub fn write_csv<W: Write + ?Sized>(w: &mut W, e: &Evaluation, ids: &[String]) -> io::Result<()> {
    write_csv_columns(w, e, ids, &ResultColumn::all(e))
}

/// The result as CSV, one line per unit in rank order, with `columns` in that order.
pub fn write_csv_columns<W: Write + ?Sized>(
    w: &mut W,
    e: &Evaluation,
    ids: &[String],
    columns: &[ResultColumn],
) -> io::Result<()> {
    let mut head = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            head.push(b',');
        }
        put_csv_text(&mut head, c.name(e));
    }
    head.push(b'\n');
    w.write_all(&head)?;
    let with_normalised = columns
        .iter()
        .any(|c| matches!(c, ResultColumn::Normalised(_)));
    write_blocks(w, e, ids, &rank_order(e), with_normalised, |buf, block| {
        for (i, &k) in block.units.iter().enumerate() {
            for (n, column) in columns.iter().enumerate() {
                if n > 0 {
                    buf.push(b',');
                }
                match *column {
                    ResultColumn::Id => put_csv_text(buf, block.ids[i]),
                    ResultColumn::Rank => put_csv_score(buf, block.ranks[i]),
                    ResultColumn::Score => put_csv_score(buf, block.scores[i]),
                    ResultColumn::Class => {
                        if let Some(c) = &e.classes {
                            put_csv_text(buf, &c[k]);
                        }
                    }
                    ResultColumn::ClassRank => {
                        if let Some(c) = &e.class_ranks {
                            put_csv_num(buf, c[k]);
                        }
                    }
                    ResultColumn::Mark => {
                        if let Some(Some(mark)) = e.marks.as_ref().map(|m| m[k]) {
                            buf.extend_from_slice(mark.as_bytes());
                        }
                    }
                    ResultColumn::RankChange => {
                        if let Some(c) = &e.rank_changes {
                            put_csv_num(buf, c[k]);
                        }
                    }
                    ResultColumn::Normalised(j) => {
                        if let Some(&v) = block.normalised(i).get(j) {
                            put_csv_num(buf, v);
                        }
                    }
                }
            }
            buf.push(b'\n');
        }
    })
}

/// A rank or a score: `NaN` spelled out for a unit without one (the other number columns
/// leave the cell empty).
fn put_csv_score(buf: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        buf.extend_from_slice(b"NaN");
    } else {
        put_csv_num(buf, v);
    }
}

/// The result as Parquet or Arrow IPC, one row per unit in rank order, with `columns` in that
/// order: text columns as UTF-8, number columns as 64-bit floats, missing values as nulls.
pub fn write_columnar_result<W: Write + Send>(
    out: W,
    format: ColumnarFormat,
    e: &Evaluation,
    ids: &[String],
    columns: &[ResultColumn],
) -> Result<(), ColumnarWriteError> {
    let fields: Vec<(String, ColumnType)> = columns
        .iter()
        .map(|&c| {
            let t = match c {
                ResultColumn::Id | ResultColumn::Class | ResultColumn::Mark => ColumnType::Text,
                _ => ColumnType::Number,
            };
            (c.name(e).to_string(), t)
        })
        .collect();
    let order = rank_order(e);
    let has_normalised = e.normalised.rows() == e.len();
    write_columnar(out, format, schema(&fields), order.len(), |range| {
        let units = &order[range];
        let numbers =
            |f: &dyn Fn(usize) -> f64| number_array(units.iter().map(|&k| f(k)).collect());
        columns
            .iter()
            .map(|&c| match c {
                ResultColumn::Id => {
                    text_array(units.iter().map(|&k| Some(ids[e.rows[k]].as_str())))
                }
                ResultColumn::Rank => numbers(&|k| e.ranks[k]),
                ResultColumn::Score => numbers(&|k| e.scores[k]),
                ResultColumn::Class => text_array(
                    units
                        .iter()
                        .map(|&k| e.classes.as_ref().map(|c| c[k].as_str())),
                ),
                ResultColumn::ClassRank => {
                    numbers(&|k| e.class_ranks.as_ref().map_or(f64::NAN, |c| c[k]))
                }
                ResultColumn::Mark => {
                    text_array(units.iter().map(|&k| e.marks.as_ref().and_then(|m| m[k])))
                }
                ResultColumn::RankChange => {
                    numbers(&|k| e.rank_changes.as_ref().map_or(f64::NAN, |c| c[k]))
                }
                ResultColumn::Normalised(j) => numbers(&|k| {
                    if has_normalised {
                        e.normalised.col(j)[k]
                    } else {
                        f64::NAN
                    }
                }),
            })
            .collect()
    })
}

/// Keys of a name → value map as serde_json orders them (sorted; a repeated name keeps the
/// last value), each as its escaped JSON string, with the position of its value.
fn map_keys(names: &[String]) -> Vec<(Vec<u8>, usize)> {
    let mut idx: Vec<usize> = (0..names.len()).collect();
    idx.sort_by(|&a, &b| names[a].cmp(&names[b]).then(b.cmp(&a)));
    idx.dedup_by(|a, b| names[*a] == names[*b]);
    idx.into_iter()
        .map(|j| {
            let mut k = Vec::new();
            put_json_str(&mut k, &names[j]);
            (k, j)
        })
        .collect()
}

const IND_KEY: &[u8] = b"\n      ";
const IND_MAP: &[u8] = b"\n        ";

/// A name → number object inside a unit (pretty, at the unit's key depth).
fn put_json_map(buf: &mut Vec<u8>, keys: &[(Vec<u8>, usize)], v: impl Fn(usize) -> f64) {
    if keys.is_empty() {
        buf.extend_from_slice(b"{}");
        return;
    }
    buf.push(b'{');
    for (i, (k, j)) in keys.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(IND_MAP);
        buf.extend_from_slice(k);
        buf.extend_from_slice(b": ");
        put_json_num(buf, v(*j));
    }
    buf.extend_from_slice(b"\n      }");
}

/// The result (`duban.eval.result/1`) as pretty JSON without the final newline: the same bytes
/// as `serde_json::to_string_pretty(&result_json(e, spec, ds))`.
pub fn write_result_json<W: Write + ?Sized>(
    w: &mut W,
    e: &Evaluation,
    spec: &Spec,
    ds: &Dataset,
) -> io::Result<()> {
    let head = result_head(e, spec, ds);
    w.write_all(b"{")?;
    for (i, (key, value)) in head.iter().enumerate() {
        w.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
        let mut k = Vec::new();
        put_json_str(&mut k, key);
        w.write_all(&k)?;
        w.write_all(b": ")?;
        if key == "units" {
            write_units(w, e, ds)?;
        } else {
            let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
            // Nested one level: strings hold no raw line breaks, so every '\n' is layout.
            w.write_all(text.replace('\n', "\n  ").as_bytes())?;
        }
    }
    w.write_all(if head.is_empty() { b"}" } else { b"\n}" })
}

fn write_units<W: Write + ?Sized>(w: &mut W, e: &Evaluation, ds: &Dataset) -> io::Result<()> {
    if e.is_empty() {
        return w.write_all(b"[]");
    }
    let ind_keys = map_keys(&e.indicators);
    let group_keys = map_keys(&e.groups);
    w.write_all(b"[")?;
    write_blocks(w, e, &ds.ids, &rank_order(e), true, |buf, block| {
        for (i, &k) in block.units.iter().enumerate() {
            buf.extend_from_slice(if block.base + i == 0 {
                b"\n    {"
            } else {
                b",\n    {"
            });
            let mut first = true;
            let mut key = |buf: &mut Vec<u8>, name: &str| {
                if !first {
                    buf.push(b',');
                }
                first = false;
                buf.extend_from_slice(IND_KEY);
                buf.push(b'"');
                buf.extend_from_slice(name.as_bytes());
                buf.extend_from_slice(b"\": ");
            };
            // Keys in serde_json's (sorted) order.
            if let Some(c) = &e.classes {
                key(buf, "class");
                put_json_str(buf, &c[k]);
                key(buf, "class_rank");
                put_json_num(buf, e.class_ranks.as_ref().map_or(f64::NAN, |r| r[k]));
            }
            if !e.groups.is_empty() {
                key(buf, "groups");
                put_json_map(buf, &group_keys, |g| e.group_scores[g][k]);
            }
            key(buf, "id");
            put_json_str(buf, block.ids[i]);
            if let Some(Some(mark)) = e.marks.as_ref().map(|m| m[k]) {
                key(buf, "mark");
                put_json_str(buf, mark);
            }
            key(buf, "normalised");
            let nv = block.normalised(i);
            put_json_map(buf, &ind_keys, |j| nv.get(j).copied().unwrap_or(f64::NAN));
            key(buf, "rank");
            put_json_num(buf, block.ranks[i]);
            if let Some(rc) = e
                .rank_changes
                .as_ref()
                .map(|r| r[k])
                .filter(|v| !v.is_nan())
            {
                key(buf, "rank_change");
                put_json_num(buf, rc);
            }
            key(buf, "score");
            put_json_num(buf, block.scores[i]);
            buf.extend_from_slice(b"\n    }");
        }
    })?;
    w.write_all(b"\n  ]")
}

/// The result as a JSON value is still what small callers (web pages) use; this checks both
/// agree byte for byte.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval_format::{DataKind, parse_spec, read_dataset, result_json};
    use crate::eval_result::EvalResult;
    use duban_engine::evaluate;
    use std::collections::HashMap;

    fn same_bytes(spec: &str, data: &str, prev: Option<&HashMap<String, f64>>) {
        let spec = parse_spec(spec).unwrap();
        let ds = read_dataset(data.as_bytes(), DataKind::Csv, &spec).unwrap();
        let e = evaluate(&ds, &spec, prev).unwrap();
        let want = serde_json::to_string_pretty(&result_json(&e, &spec, &ds)).unwrap();
        let mut got = Vec::new();
        write_result_json(&mut got, &e, &spec, &ds).unwrap();
        let got = String::from_utf8(got).unwrap();
        assert_eq!(got, want);
        // The one type: the streamed bytes are the type's, and they read back as it.
        let typed = EvalResult::of(&e, &spec, &ds);
        assert_eq!(got, serde_json::to_string_pretty(&typed).unwrap());
        let back = EvalResult::from_json(&got).unwrap();
        assert_eq!(back, typed);
        assert_eq!(serde_json::to_string_pretty(&back).unwrap(), got);
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&typed).unwrap()
        );
    }

    #[test]
    fn streamed_json_is_byte_identical() {
        let data = "城市,类别,a,b,\"c,\"\"x\"\"\"\n甲,Ⅰ,1,5,0.1\n乙,Ⅰ,2,4,1e-9\n丙,Ⅱ,3,NA,3\n丁,Ⅱ,2.5,1,1e300\n戊,Ⅲ,2.5,1,7\n";
        let flat = "id = \"城市\"\nclass = \"类别\"\n[[indicator]]\nname = \"b\"\ndirection = \"cost\"\n[[indicator]]\nname = \"a\"\n[[indicator]]\nname = \"c,\\\"x\\\"\"\n[uncertainty]\ndraws = 20\nseed = 3\n";
        let prev: HashMap<String, f64> = [("甲".to_string(), 2.0), ("丁".to_string(), 1.0)].into();
        same_bytes(flat, data, None);
        same_bytes(flat, data, Some(&prev));
        let grouped = "id = \"城市\"\n[[group]]\nname = \"乙组\"\n[[group]]\nname = \"甲组\"\n[[indicator]]\nname = \"a\"\ngroup = \"乙组\"\n[[indicator]]\nname = \"b\"\ngroup = \"甲组\"\n[method]\nimpute = \"mean\"\n";
        same_bytes(grouped, data, None);
    }

    #[test]
    fn csv_integers_as_the_float_formatter_prints_them() {
        for v in [
            1.0,
            2.0,
            9.0,
            10.0,
            99.0,
            100.0,
            123_456.0,
            999_999_999.0,
            -1.0,
            -42.0,
            0.0,
            -0.0,
            0.5,
            1e9,
            1e15,
            1e16,
            1e300,
            1e-7,
            -2.5,
        ] {
            let mut fast = Vec::new();
            put_csv_num(&mut fast, v);
            let mut b = zmij::Buffer::new();
            let s = b.format_finite(v);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                s.strip_suffix(".0").unwrap_or(s),
                "{v}"
            );
        }
    }

    #[test]
    fn csv_rows_in_rank_order_with_quoting() {
        let (e, ids) = small_evaluation();
        let mut out = Vec::new();
        write_csv(&mut out, &e, &ids).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,rank,score,class,class_rank,mark,rank_change,a,b"
        );
        assert_eq!(lines.len(), 5);
        for (i, k) in rank_order(&e).into_iter().enumerate() {
            let cells: Vec<&str> = lines[i + 1].rsplitn(9, ',').collect();
            assert_eq!(cells[6].parse::<f64>().unwrap(), e.scores[k]);
            assert_eq!(cells[7].parse::<f64>().unwrap(), e.ranks[k]);
        }
        assert!(text.contains("\"x,y\","));
    }

    /// Four units in two classes, one with a missing value, one id that needs quoting.
    fn small_evaluation() -> (duban_engine::Evaluation, Vec<String>) {
        let spec = parse_spec(
            "id = \"城市\"\nclass = \"类别\"\n[[indicator]]\nname = \"a\"\n[[indicator]]\nname = \"b\"\n",
        )
        .unwrap();
        let ds = read_dataset(
            "城市,类别,a,b\n\"x,y\",Ⅰ,1,5\n乙,Ⅰ,2,4\n丙,Ⅱ,3,NA\n丁,Ⅱ,2,4\n".as_bytes(),
            DataKind::Csv,
            &spec,
        )
        .unwrap();
        let e = evaluate(&ds, &spec, None).unwrap();
        (e, ds.ids)
    }

    #[test]
    fn csv_columns_as_listed() {
        let (e, ids) = small_evaluation();
        let columns = ResultColumn::parse_list(" score, id ,b", &e).unwrap();
        let mut out = Vec::new();
        write_csv_columns(&mut out, &e, &ids, &columns).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut full = Vec::new();
        write_csv(&mut full, &e, &ids).unwrap();
        let full = String::from_utf8(full).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("score,id,b"));
        // The same cells as the full CSV's columns 2, 0 and 8, line by line.
        for (line, whole) in lines.zip(full.lines().skip(1)) {
            let cells: Vec<&str> = whole.rsplitn(9, ',').collect(); // b … score, then the id
            let id = cells[8];
            assert_eq!(line, format!("{},{id},{}", cells[6], cells[0]));
        }
        assert_eq!(text.lines().count(), full.lines().count());
        assert_eq!(
            ResultColumn::parse_list("id,Score", &e),
            Err(ColumnListError::Unknown {
                name: "Score".into(),
                available: "id, rank, score, class, class_rank, mark, rank_change, a, b".into()
            })
        );
        assert_eq!(
            ResultColumn::parse_list("id,rank,id", &e),
            Err(ColumnListError::Repeated("id".into()))
        );
        assert_eq!(
            ResultColumn::parse_list(" , ", &e),
            Err(ColumnListError::Empty)
        );
    }

    /// Parquet and Arrow IPC hold what the CSV holds: the same rows in the same order, text as
    /// text, numbers equal, empty cells as nulls.
    #[test]
    fn columnar_results_hold_the_csv_cells() {
        let (e, ids) = small_evaluation();
        let mut csv = Vec::new();
        write_csv(&mut csv, &e, &ids).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        for format in [ColumnarFormat::Parquet, ColumnarFormat::ArrowIpc] {
            let mut bytes = Vec::new();
            write_columnar_result(&mut bytes, format, &e, &ids, &ResultColumn::all(&e)).unwrap();
            crate::columnar_write::assert_same_cells(&csv, bytes, format);
        }
    }
}
