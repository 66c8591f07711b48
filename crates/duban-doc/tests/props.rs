//! Property tests: the parser never panics, and every target's span slices `Plan::text` to
//! exactly its phrase.

use duban_core::Plan;
use proptest::prelude::*;
use std::path::Path;

fn seed() -> &'static str {
    static SEED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/seed/zhejiang-2020-services.txt");
        std::fs::read_to_string(path).unwrap()
    })
}

fn check_spans(plan: &Plan) {
    for t in plan.targets() {
        assert_eq!(
            t.span.slice(&plan.text),
            Some(t.phrase.as_str()),
            "span {:?} of {:?}",
            t.span,
            t.phrase
        );
        assert!(t.validate().is_ok(), "{t:?}");
    }
    for task in &plan.tasks {
        if let Some(p) = task.pillar {
            assert!(p < plan.pillars.len());
        }
    }
}

/// Characters plans are made of, so random strings hit the recognisers.
fn plan_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "一二三四五六七八九十百千万亿两〇0123456789１２３.．、（）()：:；;，,。%％—-~～个家所户条项以上下内左右达到不少于超过增长分别牵头单位责任配合由确保力争第届年月日《》“”\n\n\t 　比重稳步上升"
                .chars()
                .collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ]
}

fn plan_like() -> impl Strategy<Value = String> {
    prop::collection::vec(plan_char(), 0..400).prop_map(|v| v.into_iter().collect())
}

/// The seed with a stretch cut out, replaced or duplicated.
fn seed_mutation() -> impl Strategy<Value = String> {
    let n = seed().chars().count();
    (0..n, 0..200usize, plan_like(), 0..3u8).prop_map(move |(at, len, insert, kind)| {
        let chars: Vec<char> = seed().chars().collect();
        let end = (at + len).min(chars.len());
        let mut out: String = chars[..at].iter().collect();
        match kind {
            0 => {}
            1 => out.push_str(&insert),
            _ => out.extend(chars[at..end].iter().chain(chars[at..end].iter())),
        }
        out.extend(chars[end..].iter());
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn parse_text_never_panics(s in plan_like()) {
        if let Ok(plan) = duban_doc::parse_text(&s) {
            check_spans(&plan);
        }
    }

    #[test]
    fn parse_document_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600), html in any::<bool>()) {
        let name = if html { "page.html" } else { "plan.txt" };
        if let Ok(plan) = duban_doc::parse_document(&bytes, name) {
            check_spans(&plan);
        }
        let _ = duban_doc::parse_document(&bytes, "plan.docx");
    }

    #[test]
    fn seed_mutations_keep_spans_exact(s in seed_mutation()) {
        if let Ok(plan) = duban_doc::parse_text(&s) {
            check_spans(&plan);
        }
        let (gbk, _, _) = encoding_rs::GB18030.encode(&s);
        if let Ok(plan) = duban_doc::parse_document(&gbk, "seed.txt") {
            check_spans(&plan);
        }
    }

    #[test]
    fn html_wrapping_never_panics(s in plan_like(), tags in prop::collection::vec(prop::sample::select(vec!["<p>", "</p>", "<br>", "<td>", "</td>", "</tr>", "<script>", "</script>", "<!--", "-->", "&nbsp;", "&#x4e00;", "&", "<", ">"]), 0..20)) {
        let mut html = String::from("<html><body>");
        let chars: Vec<char> = s.chars().collect();
        let step = chars.len() / (tags.len() + 1) + 1;
        for (i, chunk) in chars.chunks(step).enumerate() {
            html.extend(chunk.iter());
            if let Some(t) = tags.get(i) {
                html.push_str(t);
            }
        }
        if let Ok(plan) = duban_doc::parse_document(html.as_bytes(), "page.html") {
            check_spans(&plan);
        }
    }
}

#[test]
fn seed_spans_are_exact() {
    let plan = duban_doc::parse_text(seed()).unwrap();
    check_spans(&plan);
    assert!(plan.targets().count() > 30);
}
