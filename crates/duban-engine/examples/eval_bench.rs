//! The duban side of bench/eval/run.sh. Prints one JSON object per measurement.
//!
//!   eval_bench bandwidth
//!   eval_bench table CSV TASK REPS      TASK = minmax_sum | entropy_topsis
//!   eval_bench mc CSV DRAWS REPS [full]
//!   eval_bench stages CSV REPS         per-stage wall time of entropy + TOPSIS + rank
//!   eval_bench time CSV TASK REPS [scores]   read once, time REPS evaluations
//!   eval_bench digest CSV              hash of every output bit (compare two builds)
//!   eval_bench profile CSV TASK REPS   read once, evaluate REPS times (for perf)
//!
//! CSV: header `id,c0,c1,…`; columns 3 and 7 (0-based indicator index) are cost indicators.

use std::time::Instant;

use duban_engine::spec::*;
use duban_engine::{Dataset, EvalOptions, Matrix, evaluate, evaluate_with};

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
            let mut scores_only = Vec::new();
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
                drop(e);
                // Scores, ranks and weights only (what the peers compute): no normalised matrix.
                let t = Instant::now();
                let o = EvalOptions { normalised: false };
                std::hint::black_box(evaluate_with(&d, &s, None, o).expect("evaluates"));
                scores_only.push(t.elapsed().as_secs_f64());
            }
            println!(
                "{{\"tool\":\"duban\",\"task\":\"{task}\",\"mode\":\"scores\",\"median_s\":{},\"threads\":{threads}}}",
                median(scores_only)
            );
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
        "digest" => {
            // FNV-1a over every output bit (weights, scores, ranks, normalised values) for each
            // method combination: compare two builds for bit-identical results.
            let d = read_csv(&args[1]);
            for (w, agg, norm) in [
                ("minmax_sum", None, None),
                ("entropy_topsis", None, None),
                (
                    "entropy_topsis",
                    Some(Aggregate::Topsis),
                    Some(TopsisNorm::Minmax),
                ),
                ("minmax_sum", Some(Aggregate::Geometric), None),
                ("minmax_sum", Some(Aggregate::Gra), None),
            ] {
                for basis in [EntropyBasis::Raw, EntropyBasis::Minmax] {
                    let mut s = spec(&d, w);
                    s.method.entropy.basis = basis;
                    if basis == EntropyBasis::Minmax && w == "minmax_sum" {
                        s.method.weights = WeightMethod::Entropy;
                    }
                    if let Some(a) = agg {
                        s.method.aggregate = a;
                    }
                    if let Some(t) = norm {
                        s.method.topsis.normalise = t;
                    }
                    let fnv = |vals: &mut dyn Iterator<Item = &f64>| {
                        let mut h = 0xcbf2_9ce4_8422_2325u64;
                        for v in vals {
                            for b in v.to_bits().to_le_bytes() {
                                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                            }
                        }
                        h
                    };
                    let e = evaluate(&d, &s, None).expect("evaluates");
                    let h = fnv(&mut e.weights.iter().chain(&e.scores).chain(&e.ranks));
                    let hn = fnv(&mut e.normalised.as_slice().iter());
                    println!("{w} {agg:?} {norm:?} {basis:?}: {h:016x} normalised {hn:016x}");
                    {
                        // Scores only (no normalised matrix): must hash the same as above.
                        let o = duban_engine::EvalOptions { normalised: false };
                        let e = duban_engine::evaluate_with(&d, &s, None, o).expect("evaluates");
                        let h2 = fnv(&mut e.weights.iter().chain(&e.scores).chain(&e.ranks));
                        assert_eq!(h, h2, "scores-only evaluation differs");
                    }
                }
            }
        }
        "time" => {
            // Read once, then time REPS evaluations: median and best (ms), and CPU time.
            let (task, reps) = (&args[2], args[3].parse::<usize>().unwrap());
            let d = read_csv(&args[1]);
            let s = spec(&d, task);
            let full = args.get(4).is_none_or(|a| a != "scores");
            let mut t = Vec::new();
            for _ in 0..reps {
                let t0 = Instant::now();
                let o = EvalOptions { normalised: full };
                std::hint::black_box(evaluate_with(&d, &s, None, o).expect("evaluates"));
                t.push(t0.elapsed().as_secs_f64() * 1e3);
            }
            let best = t.iter().copied().fold(f64::INFINITY, f64::min);
            println!("{task}: median {:.1} ms, best {best:.1} ms", median(t));
        }
        "stages" => {
            // Per-stage wall time of entropy + TOPSIS + rank through the engine's public kernels
            // (the same calls `evaluate` makes), median of REPS, in ms.
            use duban_engine::{aggregate, normalise, rank, sum, weights};
            let d = read_csv(&args[1]);
            let reps = args[2].parse::<usize>().unwrap();
            let (n, m) = (d.values.rows(), d.values.cols());
            let cols: Vec<&[f64]> = (0..m).map(|k| d.values.col(k)).collect();
            let dirs: Vec<Direction> = (0..m)
                .map(|j| {
                    if j % 4 == 3 {
                        Direction::Cost
                    } else {
                        Direction::Benefit
                    }
                })
                .collect();
            let mut t = vec![Vec::new(); 6];
            for _ in 0..reps {
                let t0 = Instant::now();
                let st = sum::col_stats_par(&cols);
                let t1 = Instant::now();
                let affine = vec![(1.0, 0.0); m];
                let known: Vec<Option<f64>> = st.iter().map(|s| Some(s.sum)).collect();
                let present: Vec<Option<usize>> = st.iter().map(|s| Some(s.n)).collect();
                let (w, _, _) = weights::entropy_affine_counted(&cols, &affine, &known, &present);
                let t2 = Instant::now();
                let scores = aggregate::topsis_with(&cols, &st, &dirs, &w, n, TopsisNorm::Vector);
                let t3 = Instant::now();
                let ranks = rank::rank(&scores, Ties::Min);
                let t4 = Instant::now();
                let mut nrm = Matrix::filled(n, m, 0.0);
                {
                    use rayon::prelude::*;
                    let outs: Vec<&mut [f64]> = nrm.columns_mut().collect();
                    outs.into_par_iter().enumerate().for_each(|(k, o)| {
                        normalise::minmax01_with(cols[k], dirs[k], o, (st[k].lo, st[k].hi))
                    });
                }
                let t5 = Instant::now();
                std::hint::black_box((&ranks, &nrm));
                drop((scores, ranks, nrm));
                let t6 = Instant::now();
                for (k, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6)]
                    .into_iter()
                    .enumerate()
                {
                    t[k].push((b - a).as_secs_f64() * 1e3);
                }
            }
            let names = [
                "column_stats",
                "entropy_weights",
                "topsis_scores",
                "rank",
                "normalised_matrix",
                "free",
            ];
            let parts: Vec<String> = names
                .iter()
                .zip(t)
                .map(|(k, v)| format!("\"{k}_ms\":{:.2}", median(v)))
                .collect();
            println!(
                "{{\"tool\":\"duban\",\"task\":\"stages\",\"units\":{n},{},\"threads\":{threads}}}",
                parts.join(",")
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
