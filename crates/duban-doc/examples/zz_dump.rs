fn main() {
    for p in std::env::args().skip(1) {
        let b = std::fs::read(&p).unwrap();
        match duban_doc::parse_document(&b, &p) {
            Ok(plan) => {
                println!("== {p}: title={:?} issuer={:?} year={:?} kind={:?}", plan.title, plan.issuer, plan.year, plan.outline.kind);
                for t in &plan.tasks {
                    println!("{} {} | lead={:?} co={:?} | targets={:?}", t.label, t.title.chars().take(30).collect::<String>(), t.lead_units, t.co_units, t.targets.iter().map(|x| plan.text.chars().skip(x.span.start).take(x.span.end-x.span.start).collect::<String>()).collect::<Vec<_>>());
                }
                for d in &plan.outline.diagnostics { println!("diag: {:?}", d); }
            }
            Err(e) => println!("== {p}: ERR {e}"),
        }
    }
}
