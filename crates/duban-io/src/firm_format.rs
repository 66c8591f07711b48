//! Formats of the 亩均效益 method (a `duban.eval/1` spec with `normalise = "benchmark"`):
//! the spec ([`parse_firm_spec`], told apart by [`is_firm_spec`]), the per-firm result as CSV
//! ([`write_csv`]) and JSON (`duban.eval.firms/1`, [`write_json`]), written in parallel chunks
//! straight from the engine's arrays with `zmij` (as `eval_write`), and the snapshot that `duban eval verify`
//! recomputes bit for bit ([`snapshot_json`], [`verify_firm_snapshot`]).

use std::io::Write;

use duban_engine::ENGINE_VERSION;
use duban_engine::firm::{FirmEvaluation, FirmSpec, evaluate_firms};
use duban_engine::table::{Column, Table, TextColumn};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::columnar_write::{
    ColumnType, ColumnarFormat, ColumnarWriteError, number_array, schema, text_array,
    write_columnar as write_columnar_rows,
};
use crate::eval_format::{EvalFormatError, SNAPSHOT_SCHEMA, bad, check_hashes};

pub const FIRM_RESULT_SCHEMA: &str = "duban.eval.firms/1";

type Result<T, E = EvalFormatError> = std::result::Result<T, E>;

/// Whether a `duban.eval/1` text is a firm-level (亩均效益) spec: `[method] normalise =
/// "benchmark"`.
pub fn is_firm_spec(text: &str) -> bool {
    let Ok(v) = toml::from_str::<toml::Table>(text) else {
        return false;
    };
    v.get("method")
        .and_then(|m| m.get("normalise"))
        .and_then(|n| n.as_str())
        == Some("benchmark")
}

/// Parses and checks a firm-level spec; the error is one line.
pub fn parse_firm_spec(text: &str) -> Result<FirmSpec> {
    let spec: FirmSpec = toml::from_str(text)
        .map_err(|e| EvalFormatError::Spec(e.to_string().replace('\n', " ").trim().to_string()))?;
    spec.validate()
        .map_err(|e| EvalFormatError::Spec(e.to_string()))?;
    Ok(spec)
}

/// Evaluates, mapping engine errors to the format error.
pub fn run(table: &Table, spec: &FirmSpec) -> Result<FirmEvaluation> {
    evaluate_firms(table, spec).map_err(|e| EvalFormatError::Engine(e.to_string()))
}

/// Rows formatted per parallel work item, and work items per batch (bounds the memory of
/// formatted text to about batch × chunk rows).
const CHUNK: usize = 1 << 15;
const BATCH: usize = 16;

/// Formats rows in parallel chunks of [`CHUNK`] and writes them in order
/// ([`crate::pipeline::write_parts`], [`BATCH`] chunks a group).
fn write_rows(
    n: usize,
    out: &mut (impl Write + ?Sized),
    row: impl Fn(usize, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    crate::pipeline::write_parts(out, n.div_ceil(CHUNK), BATCH, CHUNK * 48, |c, buf| {
        for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
            row(i, buf);
        }
    })
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(buf: &mut Vec<u8>, s: &str) {
    // Bytes, not chars: the four are ASCII and never part of a longer UTF-8 sequence.
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        buf.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

/// A field as [`csv_field`] writes it, made once for text written on many rows.
fn csv_field_bytes(s: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(s.len() + 2);
    csv_field(&mut b, s);
    b
}

/// A whole number in decimal, as `{}` prints it.
fn put_uint(buf: &mut Vec<u8>, mut n: u64) {
    let mut d = [0u8; 20];
    let mut k = d.len();
    loop {
        k -= 1;
        d[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    crate::pipeline::extend_short(buf, &d[k..]);
}

/// A number as the shortest text that reads back to the same f64 (integers without ".0").
fn number(buf: &mut Vec<u8>, x: f64) {
    // Whole below 1e15 (< 2⁵³): the round trip through i64 is exact, and needs no libm call.
    if x.abs() < 1e15 && (x as i64) as f64 == x {
        let i = x as i64;
        if i < 0 {
            buf.push(b'-');
        }
        put_uint(buf, i.unsigned_abs());
    } else {
        let mut r = zmij::Buffer::new();
        crate::pipeline::extend_short(buf, r.format_finite(x).as_bytes());
    }
}

/// The id of row i as text (a numeric id column is written as numbers are).
fn id_text(col: &Column, i: usize, buf: &mut Vec<u8>) {
    match col {
        Column::Text(t) => csv_field(buf, t.get(i)),
        Column::Number(v) => number(buf, v[i]),
    }
}

fn id_column<'a>(table: &'a Table, spec: &FirmSpec) -> &'a Column {
    table
        .column(&spec.id)
        .expect("the engine checked the id column")
}

/// The result as CSV: `id,class,score,rank,grade,excluded` (+ `adjust` when the spec has
/// `[[adjust]]`, `leader` when it has `[leaders]`), one row per firm in input order. Excluded
/// firms have empty score, rank and grade and the reason in `excluded`.
pub fn write_csv(
    e: &FirmEvaluation,
    table: &Table,
    spec: &FirmSpec,
    out: &mut (impl Write + ?Sized),
) -> std::io::Result<()> {
    let ids = id_column(table, spec);
    let mut head = String::from("id,class,score,rank,grade,excluded");
    if !spec.adjustments.is_empty() {
        head += ",adjust";
    }
    if spec.leaders.is_some() {
        head += ",leader";
    }
    writeln!(out, "{head}")?;
    // Class names and reasons repeat on many rows: quoted once.
    let classes: Vec<Vec<u8>> = e.classes.iter().map(|c| csv_field_bytes(c)).collect();
    let reasons: Vec<Vec<u8>> = e.reasons.iter().map(|r| csv_field_bytes(r)).collect();
    write_rows(e.len(), out, |i, buf| {
        id_text(ids, i, buf);
        buf.push(b',');
        buf.extend_from_slice(&classes[e.class_of[i] as usize]);
        buf.push(b',');
        match e.excluded[i] {
            0 => {
                number(buf, e.score[i]);
                buf.push(b',');
                put_uint(buf, e.rank[i].into());
                buf.push(b',');
                buf.push(e.grade[i]);
                buf.push(b',');
            }
            k => {
                buf.extend_from_slice(b",,,");
                buf.extend_from_slice(&reasons[k as usize - 1]);
            }
        }
        if !spec.adjustments.is_empty() {
            buf.push(b',');
            csv_field(buf, &adjust_text(e, spec, i));
        }
        if spec.leaders.is_some() {
            buf.push(b',');
            if e.leader[i] > 0 {
                let _ = write!(buf, "{}", e.leader[i]);
            }
        }
        buf.push(b'\n');
    })
}

/// The result as Parquet or Arrow IPC with the CSV's columns (`id,class,score,rank,grade,
/// excluded` [+ `adjust`] [+ `leader`]), one row per firm in input order: a numeric id column
/// stays numeric; what the CSV leaves empty is null.
pub fn write_columnar<W: Write + Send>(
    e: &FirmEvaluation,
    table: &Table,
    spec: &FirmSpec,
    format: ColumnarFormat,
    out: W,
) -> Result<(), ColumnarWriteError> {
    let ids = id_column(table, spec);
    let id_type = match ids {
        Column::Number(_) => ColumnType::Number,
        Column::Text(_) => ColumnType::Text,
    };
    let mut fields = vec![
        ("id".to_string(), id_type),
        ("class".to_string(), ColumnType::Text),
        ("score".to_string(), ColumnType::Number),
        ("rank".to_string(), ColumnType::Number),
        ("grade".to_string(), ColumnType::Text),
        ("excluded".to_string(), ColumnType::Text),
    ];
    if !spec.adjustments.is_empty() {
        fields.push(("adjust".to_string(), ColumnType::Text));
    }
    if spec.leaders.is_some() {
        fields.push(("leader".to_string(), ColumnType::Number));
    }
    const GRADES: [&str; 4] = ["A", "B", "C", "D"];
    let evaluated = |i: usize| e.excluded[i] == 0;
    write_columnar_rows(out, format, schema(&fields), e.len(), |rows| {
        let numbers = |f: &dyn Fn(usize) -> f64| number_array(rows.clone().map(f).collect());
        let mut columns = vec![
            match ids {
                Column::Number(v) => numbers(&|i| v[i]),
                Column::Text(t) => text_array(rows.clone().map(|i| Some(t.get(i)))),
            },
            text_array(
                rows.clone()
                    .map(|i| Some(e.classes[e.class_of[i] as usize].as_str())),
            ),
            numbers(&|i| if evaluated(i) { e.score[i] } else { f64::NAN }),
            numbers(&|i| {
                if evaluated(i) {
                    e.rank[i].into()
                } else {
                    f64::NAN
                }
            }),
            text_array(
                rows.clone()
                    .map(|i| evaluated(i).then(|| GRADES[usize::from(e.grade[i] - b'A')])),
            ),
            text_array(rows.clone().map(|i| e.reason(i))),
        ];
        if !spec.adjustments.is_empty() {
            let texts: Vec<String> = rows.clone().map(|i| adjust_text(e, spec, i)).collect();
            columns.push(text_array(
                texts.iter().map(|t| (!t.is_empty()).then_some(t.as_str())),
            ));
        }
        if spec.leaders.is_some() {
            columns.push(numbers(&|i| {
                if e.leader[i] > 0 {
                    e.leader[i].into()
                } else {
                    f64::NAN
                }
            }));
        }
        columns
    })
}

/// The adjustments of firm i, e.g. `安全生产事故 -5; 高新技术企业 +3`.
fn adjust_text(e: &FirmEvaluation, spec: &FirmSpec, i: usize) -> String {
    let mut s = String::new();
    for (k, a) in spec.adjustments.iter().enumerate() {
        if e.adjust_hits[i] & (1 << k) != 0 {
            if !s.is_empty() {
                s += "; ";
            }
            s += &format!("{} {:+}", a.reason, a.points);
        }
    }
    s
}

fn json_str(buf: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *buf, s).expect("a string serialises");
}

fn json_num(buf: &mut Vec<u8>, x: f64) {
    if x.is_nan() {
        buf.extend_from_slice(b"null");
    } else {
        let mut r = zmij::Buffer::new();
        buf.extend_from_slice(r.format_finite(x).as_bytes());
    }
}

/// The result as JSON (`duban.eval.firms/1`): method and data hashes, per-class sizes and
/// benchmarks, then every firm in input order with its indicator values.
pub fn write_json(
    e: &FirmEvaluation,
    table: &Table,
    spec: &FirmSpec,
    out: &mut (impl Write + ?Sized),
) -> std::io::Result<()> {
    let classes: Vec<Value> = e
        .classes
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let b: serde_json::Map<String, Value> = e
                .indicators
                .iter()
                .zip(&e.benchmarks)
                .map(|(n, b)| {
                    let v = serde_json::Number::from_f64(b[c]).map_or(Value::Null, Value::Number);
                    (n.clone(), v)
                })
                .collect();
            json!({"class": name, "evaluated": e.class_sizes[c], "benchmarks": b})
        })
        .collect();
    let head = json!({
        "schema": FIRM_RESULT_SCHEMA,
        "engine": ENGINE_VERSION,
        "method_hash": method_hash(spec),
        "data_hash": data_hash(table, spec),
        "indicators": e.indicators,
        "classes": classes,
    });
    let head = serde_json::to_string(&head).expect("serialises");
    // Everything but the closing brace, then the firms array.
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"firms\":[\n")?;
    let ids = id_column(table, spec);
    let n = e.len();
    write_rows(n, out, |i, buf| {
        buf.extend_from_slice(b"{\"id\":");
        match ids {
            Column::Text(t) => json_str(buf, t.get(i)),
            Column::Number(v) => json_num(buf, v[i]),
        }
        buf.extend_from_slice(b",\"class\":");
        json_str(buf, &e.classes[e.class_of[i] as usize]);
        buf.extend_from_slice(b",\"score\":");
        json_num(buf, e.score[i]);
        buf.extend_from_slice(b",\"rank\":");
        match e.rank[i] {
            0 => buf.extend_from_slice(b"null"),
            r => {
                let _ = write!(buf, "{r}");
            }
        }
        buf.extend_from_slice(b",\"grade\":");
        match e.grade[i] {
            0 => buf.extend_from_slice(b"null"),
            g => buf.extend_from_slice(&[b'"', g, b'"']),
        }
        buf.extend_from_slice(b",\"excluded\":");
        match e.reason(i) {
            Some(r) => json_str(buf, r),
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b",\"values\":{");
        for (j, name) in e.indicators.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            json_str(buf, name);
            buf.push(b':');
            json_num(buf, e.values[j][i]);
        }
        buf.push(b'}');
        if !spec.adjustments.is_empty() {
            buf.extend_from_slice(b",\"adjust\":");
            json_num(buf, e.adjust[i]);
            buf.extend_from_slice(b",\"adjust_reasons\":");
            json_str(buf, &adjust_text(e, spec, i));
        }
        if spec.leaders.is_some() {
            buf.extend_from_slice(b",\"leader\":");
            match e.leader[i] {
                0 => buf.extend_from_slice(b"null"),
                r => {
                    let _ = write!(buf, "{r}");
                }
            }
        }
        buf.push(b'}');
        if i + 1 < n {
            buf.push(b',');
        }
        buf.push(b'\n');
    })?;
    out.write_all(b"]}\n")
}

pub fn method_hash(spec: &FirmSpec) -> String {
    let bytes = serde_json::to_vec(spec).expect("spec serialises");
    format!("sha256:{:x}", Sha256::digest(&bytes))
}

/// Canonical bytes of the columns the spec reads: independent of file format, column order
/// in the file, extra columns and number formatting.
pub fn data_hash(table: &Table, spec: &FirmSpec) -> String {
    let mut h = Sha256::new();
    h.update(b"duban.eval.firms.data/1\0");
    h.update(spec.id.as_bytes());
    h.update([0]);
    h.update((table.rows() as u64).to_le_bytes());
    let mut cols: Vec<(&String, &Column)> = table.names().iter().zip(table.columns()).collect();
    cols.sort_by(|a, b| a.0.cmp(b.0));
    for (name, col) in cols {
        h.update(name.as_bytes());
        h.update([0]);
        match col {
            Column::Number(v) => {
                h.update(b"n");
                for x in v {
                    let bits = if x.is_nan() {
                        f64::NAN.to_bits()
                    } else {
                        x.to_bits()
                    };
                    h.update(bits.to_le_bytes());
                }
            }
            Column::Text(t) => {
                h.update(b"t");
                for s in t.iter() {
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
            }
        }
    }
    format!("sha256:{:x}", h.finalize())
}

fn result_value(e: &FirmEvaluation, table: &Table, spec: &FirmSpec) -> Result<Value> {
    let mut buf = Vec::new();
    write_json(e, table, spec, &mut buf).expect("writing to memory");
    serde_json::from_slice(&buf).map_err(|e| EvalFormatError::Snapshot(e.to_string()))
}

/// The snapshot (`duban.eval.snapshot/1`) of a firm-level evaluation: spec, the columns read
/// (numbers with null for missing), engine version and the JSON result.
pub fn snapshot_json(e: &FirmEvaluation, table: &Table, spec: &FirmSpec) -> Result<Value> {
    let columns: Vec<Value> = table
        .names()
        .iter()
        .zip(table.columns())
        .map(|(name, col)| match col {
            Column::Number(v) => json!({"name": name, "type": "number", "values": v
                .iter()
                .map(|&x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number))
                .collect::<Vec<_>>()}),
            Column::Text(t) => {
                json!({"name": name, "type": "text", "values": t.iter().collect::<Vec<_>>()})
            }
        })
        .collect();
    Ok(json!({
        "schema": SNAPSHOT_SCHEMA,
        "engine": ENGINE_VERSION,
        "spec": serde_json::to_value(spec).expect("spec serialises"),
        "data": {"columns": columns},
        "result": result_value(e, table, spec)?,
    }))
}

fn table_from_snapshot(d: &Value) -> Result<Table> {
    let cols = d["columns"]
        .as_array()
        .ok_or_else(|| bad("snapshot data: no `columns` array"))?;
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for c in cols {
        let name = c["name"]
            .as_str()
            .ok_or_else(|| bad("snapshot data: a column without a name"))?;
        let values = c["values"]
            .as_array()
            .ok_or_else(|| bad(format!("snapshot data: column '{name}' has no values")))?;
        let col = match c["type"].as_str() {
            Some("number") => Column::Number(
                values
                    .iter()
                    .map(|v| match v {
                        Value::Null => Ok(f64::NAN),
                        v => v
                            .as_f64()
                            .ok_or_else(|| bad(format!("snapshot data: '{name}' holds {v}"))),
                    })
                    .collect::<Result<_>>()?,
            ),
            Some("text") => {
                let mut t = TextColumn::new();
                for v in values {
                    t.push(
                        v.as_str()
                            .ok_or_else(|| bad(format!("snapshot data: '{name}' holds {v}")))?,
                    );
                }
                Column::Text(t)
            }
            other => {
                return Err(bad(format!(
                    "snapshot data: column '{name}' type {other:?}"
                )));
            }
        };
        names.push(name.to_string());
        columns.push(col);
    }
    Table::new(names, columns).map_err(|e| bad(format!("snapshot data: {e}")))
}

/// Recomputes a firm-level snapshot and checks the result bit for bit.
pub fn verify_firm_snapshot(snap: &Value) -> Result<crate::eval_format::Verified> {
    let spec: FirmSpec = serde_json::from_value(snap["spec"].clone())
        .map_err(|e| bad(format!("snapshot spec: {e}")))?;
    let table = table_from_snapshot(&snap["data"])?;
    let stored = &snap["result"];
    let dh = data_hash(&table, &spec);
    check_hashes(stored, &dh, &method_hash(&spec))?;
    let e = run(&table, &spec)?;
    let fresh = result_value(&e, &table, &spec)?;
    if let Some(d) = crate::eval_format::first_difference("result", stored, &fresh) {
        return Err(bad(format!("differs at {d}")));
    }
    Ok(crate::eval_format::Verified {
        units: table.rows(),
        indicators: spec.indicators.len(),
        firms: true,
        data_hash: dh,
    })
}

/// The 领跑者 list of a firm-level snapshot, for publication: the snapshot is recomputed
/// first (refused unless identical bit for bit), then every firm with a leader position is
/// listed with its class, its group (the `[leaders] by` columns' values) and grade, in group
/// and position order. A snapshot whose spec has no `[leaders]` is refused.
pub fn leader_list(
    snapshot_text: &str,
    title: &str,
    demo: bool,
) -> Result<duban_core::publication::LeaderList> {
    let snap: Value =
        serde_json::from_str(snapshot_text).map_err(|e| bad(format!("snapshot: {e}")))?;
    verify_firm_snapshot(&snap)?;
    let spec: FirmSpec = serde_json::from_value(snap["spec"].clone())
        .map_err(|e| bad(format!("snapshot spec: {e}")))?;
    let leaders = spec
        .leaders
        .as_ref()
        .ok_or_else(|| bad("该评价方法没有 [leaders]（领跑者）设置"))?;
    let table = table_from_snapshot(&snap["data"])?;
    let by: Vec<&Column> = leaders
        .by
        .names()
        .iter()
        .filter_map(|n| table.names().iter().position(|x| x == n))
        .map(|j| &table.columns()[j])
        .collect();
    let text = |c: &Column, i: usize| match c {
        Column::Text(t) => t.get(i).to_string(),
        Column::Number(v) => format!("{}", v[i]),
    };
    let firms = snap["result"]["firms"]
        .as_array()
        .ok_or_else(|| bad("snapshot result: no firms"))?;
    let mut lines: Vec<duban_core::publication::LeaderLine> = firms
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let position = f["leader"].as_u64().filter(|p| *p > 0)?;
            Some(duban_core::publication::LeaderLine {
                firm: match &f["id"] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                },
                name: None,
                class: f["class"].as_str().unwrap_or_default().to_string(),
                group: by
                    .iter()
                    .map(|c| text(c, i))
                    .collect::<Vec<_>>()
                    .join(" · "),
                position: position as u32,
                score: f["score"].as_f64(),
                grade: f["grade"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect();
    lines.sort_by(|a, b| a.group.cmp(&b.group).then(a.position.cmp(&b.position)));
    Ok(duban_core::publication::LeaderList {
        title: title.to_string(),
        engine: snap["engine"].as_str().unwrap_or_default().to_string(),
        data_hash: snap["result"]["data_hash"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        method_hash: snap["result"]["method_hash"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        lines,
        snapshot: snapshot_text.to_string(),
        demo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firm_table::read_csv_table;

    /// A small 亩均 scheme shared with the web tests (`data/fixtures/eval/`).
    const SPEC: &str = include_str!("../../../data/fixtures/eval/firm-small.spec.toml");
    const DATA: &str = "firm_id,county,land_mu,税收,energy\n\
        f1,甲,10,150,5\nf2,甲,2,50,1\n\"f,3\",甲,5,25,NA\nf4,乙,4,8,2\n";

    fn run_csv(spec: &str, data: &str) -> (FirmSpec, Table, FirmEvaluation) {
        assert!(is_firm_spec(spec));
        let spec = parse_firm_spec(spec).unwrap();
        let table = read_csv_table(data.as_bytes(), &spec.columns().unwrap()).unwrap();
        let e = run(&table, &spec).unwrap();
        (spec, table, e)
    }

    /// Probe: a missing column is named with the part of the spec that asks for it.
    #[test]
    fn a_missing_column_names_its_indicator() {
        let spec = parse_firm_spec(SPEC).unwrap();
        let data = DATA.replace("energy", "power");
        let e = crate::firm_table::read_firm_table_for(
            data.as_bytes(),
            crate::table_read::DataKind::Csv,
            &spec,
            &spec.columns().unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no column named 'energy'"), "{e}");
        assert!(e.contains("indicator '"), "{e}");
    }

    #[test]
    fn csv_output_rows_in_input_order() {
        let (spec, table, e) = run_csv(SPEC, DATA);
        let mut out = Vec::new();
        write_csv(&e, &table, &spec, &mut out).unwrap();
        // 甲: 亩均税收 f1 15, f3 5 → mean 10; 亩均能耗 f1 0.5 (f3 missing) → 0.5.
        // f1: 60·1.5 + 40·1 = 130; f3: 60·0.5 + 0 = 30. 乙: f4 at its benchmarks: 100.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,class,score,rank,grade,excluded\n\
             f1,甲,130,1,A,\n\
             f2,甲,,,,用地面积不足3亩\n\
             \"f,3\",甲,30,2,B,\n\
             f4,乙,100,1,A,\n"
        );
        let mut json = Vec::new();
        write_json(&e, &table, &spec, &mut json).unwrap();
        let v: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["firms"][2]["id"], "f,3");
        assert_eq!(v["firms"][1]["rank"], Value::Null);
        assert_eq!(v["firms"][1]["excluded"], "用地面积不足3亩");
        assert_eq!(v["classes"][0]["benchmarks"]["亩均税收"], 10.0);
        assert_eq!(v["firms"][0]["values"]["亩均能耗"], 0.5);
    }

    /// Parquet and Arrow hold the CSV's cells, with adjustments and 领跑者 columns too, and a
    /// numeric id column stays numeric.
    #[test]
    fn columnar_output_holds_the_csv_cells() {
        let with_extras = format!(
            "{SPEC}\n[[adjust]]\ncolumn = \"energy\"\nabove = 1.5\npoints = -5\nreason = \"能耗超标\"\n\
             [leaders]\ntop = 1\nby = \"county\"\n"
        );
        let numeric_ids = DATA
            .replace("f1,", "1,")
            .replace("f2,", "2,")
            .replace("\"f,3\",", "3,")
            .replace("f4,", "4,");
        for (spec, data) in [
            (SPEC, DATA),
            (with_extras.as_str(), DATA),
            (SPEC, numeric_ids.as_str()),
        ] {
            let (spec, table, e) = run_csv(spec, data);
            let mut csv = Vec::new();
            write_csv(&e, &table, &spec, &mut csv).unwrap();
            let csv = String::from_utf8(csv).unwrap();
            for format in [ColumnarFormat::Parquet, ColumnarFormat::ArrowIpc] {
                let mut bytes = Vec::new();
                write_columnar(&e, &table, &spec, format, &mut bytes).unwrap();
                crate::columnar_write::assert_same_cells(&csv, bytes, format);
            }
        }
    }

    #[test]
    fn snapshot_verifies_and_tampering_is_named() {
        let (spec, table, e) = run_csv(SPEC, DATA);
        let snap = snapshot_json(&e, &table, &spec).unwrap();
        assert!(
            verify_firm_snapshot(&snap)
                .unwrap()
                .to_string()
                .starts_with("ok: 4 firms")
        );
        let mut altered = snap.clone();
        altered["data"]["columns"][2]["values"][0] = json!(11.0);
        let err = verify_firm_snapshot(&altered).unwrap_err().to_string();
        assert!(err.contains("data were altered"), "{err}");
        let mut result = snap.clone();
        result["result"]["firms"][0]["score"] = json!(131.0);
        let err = verify_firm_snapshot(&result).unwrap_err().to_string();
        assert!(err.contains("result.firms[0].score"), "{err}");
    }

    #[test]
    fn composite_specs_are_not_firm_specs() {
        assert!(!is_firm_spec("id = \"x\"\n[[indicator]]\nname = \"a\"\n"));
        assert!(!is_firm_spec("not toml ["));
        let e = parse_firm_spec(&SPEC.replace("weight = 40", "weight = 40\nextra = 1"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("extra") && !e.contains('\n'), "{e}");
    }
}
