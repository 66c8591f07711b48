//! Fuzzes the 亩均效益 inputs: a spec text (TOML with formulas) and a CSV of firms, then the
//! evaluation. Any panic is a bug; so is an evaluated firm without a rank and grade, or a rank
//! outside 1..=n of its class.
#![no_main]

use duban_io::firm_format::{parse_firm_spec, run};
use duban_io::firm_table::read_csv_table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Spec and data separated by the first NUL byte.
    let Some(cut) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let Ok(spec_text) = std::str::from_utf8(&data[..cut]) else {
        return;
    };
    let Ok(spec) = parse_firm_spec(spec_text) else {
        return;
    };
    let Ok(columns) = spec.columns() else {
        return;
    };
    let Ok(table) = read_csv_table(&data[cut + 1..], &columns) else {
        return;
    };
    if let Ok(e) = run(&table, &spec) {
        for i in 0..e.len() {
            if e.reason(i).is_none() {
                let n = e.class_sizes[e.class_of[i] as usize];
                assert!(e.rank[i] >= 1 && e.rank[i] <= n);
                assert!((b'A'..=b'D').contains(&e.grade[i]));
                assert!(!e.score[i].is_nan());
            }
        }
    }
});
