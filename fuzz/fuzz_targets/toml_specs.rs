//! Fuzz the TOML specs people upload or pass on the command line: the evaluation method
//! (`duban.eval/1`), the firm-level (亩均) method and the monitor warning rules
//! (`duban.monitor/1`). Any text must give a spec or a one-line error, never a panic.
//! The first byte picks the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let error = match mode % 3 {
        0 => duban_io::eval_format::parse_spec(&text)
            .err()
            .map(|e| e.to_string()),
        1 => {
            let _ = duban_io::firm_format::is_firm_spec(&text);
            duban_io::firm_format::parse_firm_spec(&text)
                .err()
                .map(|e| e.to_string())
        }
        _ => duban_io::monitor::parse_rules(&text)
            .err()
            .map(|e| e.to_string()),
    };
    if let Some(e) = error {
        assert!(!e.contains('\n'), "errors are one line: {e:?}");
    }
});
