//! The duban side of bench/eval/run.sh. Prints one JSON object per measurement.
//!
//!   eval_bench bandwidth
//!   eval_bench table CSV TASK REPS      TASK = minmax_sum | entropy_topsis
//!   eval_bench mc CSV DRAWS REPS [full]
//!
//! CSV: header `id,c0,c1,…`; columns 3 and 7 (0-based indicator index) are cost indicators.

use std::time::Instant;

use duban_engine::spec::*;
use duban_engine::{Dataset, Matrix, evaluate};

fn read_csv(path: &str) -> Dataset {
    let mut rdr = csv::Reader::from_path(path).expect("csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let m = header.len() - 1;
    let mut ids = Vec::new();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); m];
    let mut rec = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).expect("record") {
        ids.push(String::from_utf8_lossy(&rec[0]).into_owned());
        for (j, c) in cols.iter_mut().enumerate() {
            let t = std::str::from_utf8(&rec[j + 1]).expect("utf8");
            c.push(t.parse().expect("number"));
        }
    }
    let n = ids.len();
    Dataset {
        ids,
        columns: header[1..].to_vec(),
        values: Matrix::from_columns(n, m, cols.concat()).unwrap(),
        classes: None,
    }
}

fn spec(d: &Dataset, task: &str) -> Spec {
    let inds: Vec<(&str, Direction)> = d
        .columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            (
                c.as_str(),
                if j % 4 == 3 {
                    Direction::Cost
                } else {
                    Direction::Benefit
                },
            )
        })
        .collect();
    let mut s = Spec::flat("id", &inds);
    s.method.impute = Impute::None;
    match task {
        "minmax_sum" => {}
        "entropy_topsis" => {
            s.method.weights = WeightMethod::Entropy;
            s.method.entropy.basis = EntropyBasis::Raw;
            s.method.aggregate = Aggregate::Topsis;
            s.method.topsis.normalise = TopsisNorm::Vector;
        }
        other => panic!("task {other}"),
    }
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads = rayon::current_num_threads();
    match args[0].as_str() {
        "bandwidth" => {
            // One streaming read of 1 GiB of f64 (8 independent accumulators), best of 5.
            let v = vec![1.0f64; 1 << 27];
            let mut best = f64::INFINITY;
            let mut s = 0.0;
            for _ in 0..5 {
                let t = Instant::now();
                let mut acc = [0.0f64; 8];
                for c in v.chunks_exact(8) {
                    for k in 0..8 {
                        acc[k] += c[k];
                    }
                }
                s += acc.iter().sum::<f64>();
                best = best.min(t.elapsed().as_secs_f64());
            }
            use rayon::prelude::*;
            let mut best_par = f64::INFINITY;
            for _ in 0..5 {
                let t = Instant::now();
                s += v
                    .par_chunks(1 << 16)
                    .map(|c| c.iter().sum::<f64>())
                    .sum::<f64>();
                best_par = best_par.min(t.elapsed().as_secs_f64());
            }
            let gb = (v.len() * 8) as f64 / 1e9;
            println!(
                "{{\"tool\":\"duban\",\"task\":\"bandwidth\",\"single_thread_gb_s\":{:.2},\"all_threads_gb_s\":{:.2},\"threads\":{threads},\"check\":{s}}}",
                gb / best,
                gb / best_par
            );
        }
        "table" => {
            let (path, task, reps) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
            let mut e2e = Vec::new();
            let mut mem = Vec::new();
            let mut first_score = 0.0;
            for _ in 0..reps {
                let t = Instant::now();
                let d = read_csv(path);
                let s = spec(&d, task);
                let t_mem = Instant::now();
                let e = evaluate(&d, &s, None).expect("evaluates");
                let done = Instant::now();
                mem.push((done - t_mem).as_secs_f64());
                e2e.push((done - t).as_secs_f64());
                first_score = e.scores[0];
                std::hint::black_box(&e);
            }
            println!(
                "{{\"tool\":\"duban\",\"task\":\"{task}\",\"mode\":\"memory\",\"median_s\":{},\"threads\":{threads},\"unit0_score\":{first_score}}}",
                median(mem)
            );
            println!(
                "{{\"tool\":\"duban\",\"task\":\"{task}\",\"mode\":\"csv\",\"median_s\":{},\"threads\":{threads}}}",
                median(e2e)
            );
        }
        "mc" => {
            let (path, draws, reps) = (
                &args[1],
                args[2].parse::<usize>().unwrap(),
                args[3].parse::<usize>().unwrap(),
            );
            let full = args.get(4).is_some_and(|a| a == "full");
            let d = read_csv(path);
            let mut s = spec(&d, "minmax_sum");
            s.uncertainty = Some(if full {
                Uncertainty {
                    draws,
                    seed: 1,
                    normalise: vec![Normalise::Minmax, Normalise::Zscore, Normalise::Rank],
                    aggregate: vec![Aggregate::Sum, Aggregate::Geometric],
                    leave_one_out: true,
                    sensitivity: true,
                    ..Uncertainty::default()
                }
            } else {
                Uncertainty {
                    draws,
                    seed: 1,
                    sensitivity: false,
                    ..Uncertainty::default()
                }
            });
            let mut times = Vec::new();
            for _ in 0..reps {
                let t = Instant::now();
                let e = evaluate(&d, &s, None).expect("evaluates");
                times.push(t.elapsed().as_secs_f64());
                std::hint::black_box(&e);
            }
            let task = if full {
                "mc_full_sensitivity"
            } else {
                "mc_weights"
            };
            println!(
                "{{\"tool\":\"duban\",\"task\":\"{task}\",\"mode\":\"memory\",\"median_s\":{},\"threads\":{threads}}}",
                median(times)
            );
        }
        "profile" => {
            // Read once, evaluate many times (for a profiler).
            let d = read_csv(&args[1]);
            let s = spec(&d, &args[2]);
            for _ in 0..args[3].parse::<usize>().unwrap() {
                std::hint::black_box(evaluate(&d, &s, None).expect("evaluates"));
            }
        }
        other => panic!("unknown command {other}"),
    }
}
