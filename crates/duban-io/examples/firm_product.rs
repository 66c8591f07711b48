//! The steps of `duban eval run` with a 亩均效益 spec (read → evaluate → write CSV), timed one
//! by one, for profiling without building the whole CLI (`bench/muni/run.sh` times the CLI):
//! `cargo run --release -p duban-io --example firm_product -- DATA SPEC OUT`.

use std::io::{BufWriter, Write};
use std::time::Instant;

use duban_io::firm_format::{parse_firm_spec, run, write_csv};
use duban_io::firm_table::read_csv_table;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, spec, out] = [&args[0], &args[1], &args[2]];
    let t = Instant::now();
    let lap = |what: &str, t: &mut Instant| {
        eprintln!("{what:<10} {:>8.3} s", t.elapsed().as_secs_f64());
        *t = Instant::now();
    };
    let mut t0 = t;
    let spec = parse_firm_spec(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let bytes = std::fs::read(data).unwrap();
    lap("file", &mut t0);
    let table = read_csv_table(&bytes, &spec.columns().unwrap()).unwrap();
    drop(bytes);
    lap("read", &mut t0);
    let e = run(&table, &spec).unwrap();
    lap("evaluate", &mut t0);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out).unwrap());
    write_csv(&e, &table, &spec, &mut w).unwrap();
    w.flush().unwrap();
    lap("write", &mut t0);
    drop((e, table));
    lap("drop", &mut t0);
    eprintln!("total      {:>8.3} s", t.elapsed().as_secs_f64());
}
