//! Fuzz the JSON API request bodies: the same bytes are read by every typed body parser of
//! `duban-web/src/api/*.rs` the way its handler reads it (the text guard's JSON check, the
//! JSON, the typed body with its 422 naming the field, the conversion to store and core
//! types: numbers, dates, milestones, roles, bindings, a `duban.plan/1` document), through
//! `duban_web::api::parse_bodies`. Nothing may panic, and every refusal must be a 400 or a
//! 422 — never a 5xx. The unit test `api::tests::bodies_never_panic_nor_answer_5xx` runs
//! the same check on generated JSON in CI.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (body, result) in duban_web::api::parse_bodies(data) {
        if let Err(e) = result {
            assert!(
                duban_web::api::is_client_refusal(&e),
                "{body}: {} {e}",
                e.status()
            );
        }
    }
});
