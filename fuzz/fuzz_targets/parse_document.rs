//! Fuzzes the whole document pipeline: format detection, decoding, HTML/DOCX to text,
//! chrome removal, structure and targets. Any panic is a bug; so is a target whose span
//! does not slice `Plan::text` to its phrase.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the file name, so every format path is reached.
    let (name, bytes) = match data.split_first() {
        Some((b, rest)) => (
            match b % 4 {
                0 => "plan.txt",
                1 => "plan.html",
                2 => "plan.docx",
                _ => "plan",
            },
            rest,
        ),
        None => ("plan.txt", data),
    };
    if let Ok(plan) = duban_doc::parse_document(bytes, name) {
        for t in plan.targets() {
            assert_eq!(t.span.slice(&plan.text), Some(t.phrase.as_str()));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = duban_doc::parse_text(text);
    }
});
