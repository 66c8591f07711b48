//! `duban eval run | verify`: composite evaluation from a data file and a `duban.eval/1` spec,
//! and bit-for-bit re-computation of a published snapshot.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use duban_engine::{Dataset, Evaluation, Spec};
// Spec parsing, hashes, result and snapshot formats are shared with the web platform.
use duban_io::columnar_write::ColumnarFormat;
use duban_io::eval_format::{
    self, parse_spec, read_dataset_path, snapshot_json, snapshot_text, verify_snapshot,
};
use duban_io::eval_write::{
    ResultColumn, rank_order, write_columnar_result, write_csv_columns, write_result_json,
};

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Evaluate and rank units: `duban eval run --data 数据.xlsx --spec 方法.toml`.
    Run {
        /// Units × indicators, .csv or .xlsx (first row = header).
        #[arg(long)]
        data: PathBuf,
        /// The method, a `duban.eval/1` TOML file.
        #[arg(long)]
        spec: PathBuf,
        /// Output format. Without it: by the --output file's extension (.json, .csv), else a
        /// table on the terminal.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Write the result to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Also write a snapshot (data, method, engine version, results) for `duban eval verify`.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// A previous result (JSON from `--format json`) for rank changes.
        #[arg(long)]
        previous: Option<PathBuf>,
        /// The columns of a CSV, Parquet or Arrow result, comma-separated, in this order:
        /// id, rank, score, class, class_rank, mark, rank_change and indicator names (their
        /// normalised values). Default: all of them.
        #[arg(long)]
        columns: Option<String>,
    },
    /// Recompute a snapshot and check it bit for bit.
    Verify { snapshot: PathBuf },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Format {
    /// `duban.eval.result/1` (pretty JSON), streamed.
    Json,
    /// One line per unit in rank order, with the normalised values, streamed.
    Csv,
    /// A text table for the terminal.
    Table,
    /// Apache Parquet (Snappy), one row per unit in rank order; needs --output.
    Parquet,
    /// Arrow IPC file (Feather v2), one row per unit in rank order; needs --output.
    Arrow,
}

impl Format {
    /// The binary table format, for Parquet and Arrow.
    fn columnar(self) -> Option<ColumnarFormat> {
        match self {
            Format::Parquet => Some(ColumnarFormat::Parquet),
            Format::Arrow => Some(ColumnarFormat::ArrowIpc),
            _ => None,
        }
    }

    fn of_path(p: &Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "txt" => Some(Format::Table),
            "parquet" => Some(Format::Parquet),
            "arrow" | "feather" | "ipc" => Some(Format::Arrow),
            _ => None,
        }
    }
}

pub fn run(cmd: EvalCommand) -> anyhow::Result<()> {
    match cmd {
        EvalCommand::Run {
            data,
            spec,
            format,
            output,
            snapshot,
            previous,
            columns,
        } => {
            let format = match (format, &output) {
                (Some(f), _) => f,
                (None, Some(p)) => Format::of_path(p).with_context(|| {
                    format!(
                        "{}: say --format (json, csv, table, parquet, arrow) or use a .json / \
                         .csv / .txt / .parquet / .arrow file",
                        p.display()
                    )
                })?,
                (None, None) => Format::Table,
            };
            let spec_text =
                std::fs::read_to_string(&spec).with_context(|| format!("{}", spec.display()))?;
            let columnar = format.columnar();
            anyhow::ensure!(
                columnar.is_none() || output.is_some(),
                "--format {}: a binary file, say where with --output FILE",
                if format == Format::Parquet {
                    "parquet"
                } else {
                    "arrow"
                }
            );
            anyhow::ensure!(
                columns.is_none()
                    || matches!(format, Format::Csv | Format::Parquet | Format::Arrow),
                "--columns: only with a CSV, Parquet or Arrow result"
            );
            if duban_io::firm_format::is_firm_spec(&spec_text) {
                anyhow::ensure!(previous.is_none(), "--previous: not used by 亩均效益 specs");
                anyhow::ensure!(
                    columns.is_none(),
                    "--columns: not used by 亩均效益 specs (their columns are fixed)"
                );
                return run_firms(
                    &spec_text,
                    &spec,
                    &data,
                    format,
                    output.as_deref(),
                    snapshot.as_deref(),
                );
            }
            let spec_v = parse_spec(&spec_text).with_context(|| format!("{}", spec.display()))?;
            let ds =
                read_dataset_path(&data, &spec_v).with_context(|| format!("{}", data.display()))?;
            let prev = previous.as_deref().map(load_previous).transpose()?;
            let eval = eval_format::evaluate_dataset(&ds, &spec_v, prev.as_ref())
                .with_context(|| format!("{}", data.display()))?;
            let columns = match &columns {
                Some(list) => ResultColumn::parse_list(list, &eval).context("--columns")?,
                None => ResultColumn::all(&eval),
            };
            if let Some(path) = snapshot {
                let result = eval_format::result_json(&eval, &spec_v, &ds);
                let snap = snapshot_json(&spec_v, &ds, prev.as_ref(), &result);
                std::fs::write(&path, snapshot_text(&snap))
                    .with_context(|| format!("{}", path.display()))?;
            }
            match (columnar, &output) {
                (Some(kind), Some(path)) => {
                    write_columnar_result(create(path)?, kind, &eval, &ds.ids, &columns)
                        .with_context(|| format!("{}", path.display()))?
                }
                _ => write_text(output.as_deref(), |w| match format {
                    Format::Json => {
                        write_result_json(w, &eval, &spec_v, &ds)?;
                        w.write_all(b"\n")
                    }
                    Format::Table => w.write_all(to_table(&eval, &ds, &spec_v).as_bytes()),
                    _ => write_csv_columns(w, &eval, &ds.ids, &columns),
                })?,
            }
            // The command ends here: the memory goes back to the system with the process,
            // without freeing a million ids one by one first.
            std::mem::forget((ds, eval));
            Ok(())
        }
        EvalCommand::Verify { snapshot } => {
            let text = std::fs::read_to_string(&snapshot)
                .with_context(|| format!("{}", snapshot.display()))?;
            let msg = verify_snapshot(&text).with_context(|| format!("{}", snapshot.display()))?;
            println!("{msg}");
            Ok(())
        }
    }
}

/// A new output file, buffered.
fn create(path: &Path) -> anyhow::Result<BufWriter<std::fs::File>> {
    let file = std::fs::File::create(path).with_context(|| format!("{}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

/// Writes a text result with `write` to `output`, or to standard output without one.
fn write_text(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            let mut w = create(path)?;
            write(&mut w)
                .and_then(|()| w.flush())
                .with_context(|| format!("{}", path.display()))
        }
        None => {
            let mut w = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            write(&mut w)
                .and_then(|()| w.flush())
                .context("standard output")
        }
    }
}

fn load_previous(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    duban_io::eval_result::ranks_from_json(&text).with_context(|| format!("{}", path.display()))
}

fn to_table(e: &Evaluation, ds: &Dataset, spec: &Spec) -> String {
    let mut out = String::new();
    let intervals: HashMap<&str, (f64, f64, f64)> = e
        .uncertainty
        .iter()
        .flat_map(|u| &u.units)
        .map(|x| (x.id.as_str(), (x.rank_p5, x.rank_p95, x.share_first)))
        .collect();
    let _ = writeln!(
        out,
        "{:>5}  {:<2} {:<12} {:<8} {:>12}  {}",
        "rank",
        "",
        "id",
        "class",
        "score",
        if intervals.is_empty() {
            ""
        } else {
            "rank 5–95%   first"
        }
    );
    for k in rank_order(e) {
        let u = &e.unit(k);
        let class = match (&u.class, u.class_rank) {
            (Some(c), Some(r)) => format!("{c}#{r}"),
            _ => String::new(),
        };
        let id = ds.ids[u.row].as_str();
        let iv = intervals.get(id).map_or(String::new(), |(a, b, s)| {
            format!("{a:>5.1}–{b:<5.1}  {:>5.1}%", s * 100.0)
        });
        let _ = writeln!(
            out,
            "{:>5}  {:<2} {:<12} {:<8} {:>12.6}  {iv}",
            u.rank,
            u.mark.unwrap_or(""),
            id,
            class,
            u.score
        );
    }
    let _ = writeln!(out, "\nweights:");
    for (n, w) in e.indicators.iter().zip(&e.weights) {
        let _ = writeln!(out, "  {n}: {w:.6}");
    }
    for x in &e.excluded {
        let _ = writeln!(out, "excluded {} {}: {}", x.kind, x.name, x.reason);
    }
    for d in &e.diagnostics {
        let _ = writeln!(out, "note [{}] {}: {}", d.code, d.subject, d.message);
    }
    if let Some(u) = &e.uncertainty {
        for s in &u.sensitivity {
            let _ = writeln!(
                out,
                "sensitivity {}: first-order {:.3}, total {:.3}",
                s.factor, s.first_order, s.total
            );
        }
    }
    put_hashes(
        &mut out,
        &eval_format::method_hash(spec),
        &eval_format::data_hash(ds, spec),
    );
    out
}

/// The last lines of a terminal table: what was computed, on what.
fn put_hashes(out: &mut String, method_hash: &str, data_hash: &str) {
    let _ = writeln!(out, "method {method_hash}\ndata   {data_hash}");
}

/// 亩均效益 (`normalise = "benchmark"`): firms read into a table, evaluated, written per firm
/// in input order.
fn run_firms(
    spec_text: &str,
    spec_path: &Path,
    data: &Path,
    format: Format,
    output: Option<&Path>,
    snapshot: Option<&Path>,
) -> anyhow::Result<()> {
    use duban_io::firm_format;
    let spec = firm_format::parse_firm_spec(spec_text)
        .with_context(|| format!("{}", spec_path.display()))?;
    let bytes = duban_io::table_read::FileBytes::open(data)
        .with_context(|| format!("{}", data.display()))?;
    // By the file's extension (.xlsx, .parquet, .arrow …); anything else is read as CSV.
    let kind = data
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(duban_io::table_read::DataKind::of_name)
        .unwrap_or(duban_io::table_read::DataKind::Csv);
    let table = duban_io::firm_table::read_firm_table_for(&bytes, kind, &spec, &spec.columns()?)
        .with_context(|| format!("{}", data.display()))?;
    drop(bytes);
    let e = firm_format::run(&table, &spec).with_context(|| format!("{}", data.display()))?;
    if let Some(path) = snapshot {
        let snap = firm_format::snapshot_json(&e, &table, &spec)?;
        std::fs::write(path, snapshot_text(&snap))
            .with_context(|| format!("{}", path.display()))?;
    }
    if let (Some(kind), Some(path)) = (format.columnar(), output) {
        return firm_format::write_columnar(&e, &table, &spec, kind, create(path)?)
            .with_context(|| format!("{}", path.display()));
    }
    write_text(output, |out| match format {
        Format::Json => firm_format::write_json(&e, &table, &spec, out),
        Format::Table => out.write_all(firm_table_text(&e, &table, &spec).as_bytes()),
        _ => firm_format::write_csv(&e, &table, &spec, out),
    })
}

/// Grades per class, for the terminal.
fn firm_table_text(
    e: &duban_engine::firm::FirmEvaluation,
    table: &duban_engine::table::Table,
    spec: &duban_engine::firm::FirmSpec,
) -> String {
    use duban_io::firm_format;
    let mut out = format!(
        "{:<16} {:>9}  {:>7} {:>7} {:>7} {:>7}\n",
        "class", "evaluated", "A", "B", "C", "D"
    );
    let mut counts = vec![[0usize; 4]; e.classes.len()];
    for (i, &g) in e.grade.iter().enumerate() {
        if g != 0 {
            counts[e.class_of[i] as usize][(g - b'A') as usize] += 1;
        }
    }
    for (c, name) in e.classes.iter().enumerate() {
        let [a, b, cc, d] = counts[c];
        let _ = writeln!(
            out,
            "{name:<16} {:>9}  {a:>7} {b:>7} {cc:>7} {d:>7}",
            e.class_sizes[c]
        );
    }
    let excluded = e.excluded.iter().filter(|&&x| x != 0).count();
    let _ = writeln!(out, "\n{} firms, {excluded} excluded", e.len());
    put_hashes(
        &mut out,
        &firm_format::method_hash(spec),
        &firm_format::data_hash(table, spec),
    );
    out
}
