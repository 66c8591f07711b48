//! Prints the plan parsed from a file as JSON (without `text`):
//! `cargo run -p duban-doc --example parse FILE [REPEAT]`; with REPEAT, prints the mean
//! parse time instead.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse FILE [REPEAT]");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            std::process::exit(1);
        }
    };
    if let Some(n) = args.next().and_then(|n| n.parse::<u32>().ok()) {
        let start = std::time::Instant::now();
        for _ in 0..n {
            let _ = duban_doc::parse_document(&bytes, &path);
        }
        println!("{:?} per parse", start.elapsed() / n.max(1));
        return;
    }
    match duban_doc::parse_document(&bytes, &path) {
        Ok(mut plan) => {
            plan.text.clear();
            println!(
                "{}",
                serde_json::to_string_pretty(&plan).unwrap_or_default()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
