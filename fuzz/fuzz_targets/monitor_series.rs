//! Series CSV, wide statistics tables (csv and xlsx) and the rules file: untrusted input must
//! give a value or an error, never a panic; what reads must also check without panicking.
#![no_main]

use duban_core::monitor::{Frequency, Series, check};
use duban_io::monitor::{parse_rules, read_series_csv, wide::read_wide};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let as_of = chrono::NaiveDate::from_ymd_opt(2020, 10, 31).unwrap();
    if let Ok(obs) = read_series_csv(data) {
        let series = Series::new(&obs).expect("the reader checked the series");
        let rules = parse_rules(
            "schema = \"duban.monitor/1\"\n[[indicator]]\nname = \"x\"\n[[rule]]\nid = \"r\"\nindicator = \"x\"\nmeasure = \"period_yoy\"\nbottom = 2\nconsecutive_declines = 2\n",
        )
        .unwrap();
        let _ = check(&rules.indicators, &series, &rules.rules, as_of);
    }
    for f in [Frequency::Monthly, Frequency::Quarterly, Frequency::Yearly] {
        let _ = read_wide(data, "x", f, None);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_rules(text);
    }
});
