//! The steps of `duban eval run` (read → evaluate → write), timed one by one, for profiling
//! the product path without building the whole CLI (`bench/eval/product.sh` times the CLI):
//! `cargo run --release -p duban-io --example eval_product -- DATA SPEC OUT [csv|json|parquet]
//! [COLUMNS]` (COLUMNS as `--columns`, e.g. `id,rank,score`).

use std::io::{BufWriter, Write};
use std::time::Instant;

use duban_io::columnar_write::ColumnarFormat;
use duban_io::eval_format::{evaluate_dataset, parse_spec, read_dataset_path};
use duban_io::eval_write::{
    ResultColumn, write_columnar_result, write_csv_columns, write_result_json,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, spec, out] = [&args[0], &args[1], &args[2]];
    let format = args.get(3).map_or("csv", String::as_str);
    let t = Instant::now();
    let lap = |what: &str, t: &mut Instant| {
        eprintln!("{what:<10} {:>8.3} s", t.elapsed().as_secs_f64());
        *t = Instant::now();
    };
    let mut t0 = t;
    let spec = parse_spec(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let ds = read_dataset_path(data.as_ref(), &spec).unwrap();
    lap("read", &mut t0);
    let e = evaluate_dataset(&ds, &spec, None).unwrap();
    lap("evaluate", &mut t0);
    let columns = match args.get(4) {
        Some(list) => ResultColumn::parse_list(list, &e).unwrap(),
        None => ResultColumn::all(&e),
    };
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out).unwrap());
    match format {
        "json" => {
            write_result_json(&mut w, &e, &spec, &ds).unwrap();
            w.write_all(b"\n").unwrap();
        }
        "parquet" => {
            write_columnar_result(&mut w, ColumnarFormat::Parquet, &e, &ds.ids, &columns).unwrap()
        }
        _ => write_csv_columns(&mut w, &e, &ds.ids, &columns).unwrap(),
    }
    w.flush().unwrap();
    lap("write", &mut t0);
    drop((e, ds));
    lap("drop", &mut t0);
    eprintln!("total      {:>8.3} s", t.elapsed().as_secs_f64());
}
