//! Every rule of the 亩均效益 method on small hand-computed cases, and proptests of the grade
//! rule.

use super::*;
use crate::table::TextColumn;
use proptest::prelude::*;

enum C<'a> {
    T(&'a [&'a str]),
    N(&'a [f64]),
}

fn table(cols: &[(&str, C)]) -> Table {
    Table::new(
        cols.iter().map(|(n, _)| n.to_string()).collect(),
        cols.iter()
            .map(|(_, c)| match c {
                C::T(v) => Column::Text(v.iter().copied().collect::<TextColumn>()),
                C::N(v) => Column::Number(v.to_vec()),
            })
            .collect(),
    )
    .unwrap()
}

const NA: f64 = f64::NAN;

fn spec(text: &str) -> FirmSpec {
    toml::from_str(text).unwrap()
}

/// id, county, land_mu, tax; one indicator tax/land_mu weight 100, mean, cap 3.
const BASE: &str = r#"
id = "id"
class = "county"
[[exclude]]
column = "land_mu"
below = 3
reason = "用地面积不足3亩"
[[indicator]]
name = "亩均税收"
formula = "tax / land_mu"
direction = "benefit"
weight = 100
[method]
normalise = "benchmark"
aggregate = "sum"
weights = "expert"
[method.benchmark]
basis = "mean"
cap = 3.0
missing = "zero"
[grades]
A = 25
B = 45
C = 25
D = 5
"#;

fn grades(e: &FirmEvaluation) -> String {
    e.grade
        .iter()
        .map(|&g| if g == 0 { '-' } else { g as char })
        .collect()
}

#[test]
fn hand_computed_class_with_exclusion() {
    // 甲: a 30/3 = 10, b 20/4 = 5, c 0/5 = 0, d land 2 excluded. Mean of a, b, c = 5.
    // 乙: e alone: 12/6 = 2 = its own benchmark → ratio 1 → 100, rank 1, grade A.
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d", "e"])),
        ("county", C::T(&["甲", "甲", "甲", "甲", "乙"])),
        ("land_mu", C::N(&[3.0, 4.0, 5.0, 2.0, 6.0])),
        ("tax", C::N(&[30.0, 20.0, 0.0, 50.0, 12.0])),
    ]);
    let e = evaluate_firms(&t, &spec(BASE)).unwrap();
    assert_eq!(e.classes, ["甲", "乙"]);
    assert_eq!(e.class_sizes, [3, 1]);
    assert_eq!(e.benchmarks[0], [5.0, 2.0]);
    assert_eq!(e.score[..3], [200.0, 100.0, 0.0]);
    assert!(e.score[3].is_nan());
    assert_eq!(e.score[4], 100.0);
    assert_eq!(e.rank, [1, 2, 3, 0, 1]);
    // n = 3: r=1: 0 < 75 → A; r=2: 100 < 210 → B; r=3: 200 < 210 → B.
    assert_eq!(grades(&e), "ABB-A");
    assert_eq!(e.reason(3), Some("用地面积不足3亩"));
    assert_eq!(e.reason(0), None);
}

#[test]
fn ties_share_the_better_rank_and_grade_at_a_boundary() {
    // Scores 3,3,2,1 (×100): ranks 1,1,3,4. n=4: A while (r−1)·100 < 100: both rank-1 firms
    // are A although A is 25 % of 4 = 1 firm. r=3: 200 < 280 → B; r=4: 300 < 380 → C.
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d"])),
        ("county", C::T(&["甲"; 4])),
        ("land_mu", C::N(&[10.0; 4])),
        ("tax", C::N(&[30.0, 30.0, 20.0, 10.0])),
    ]);
    let e = evaluate_firms(&t, &spec(BASE)).unwrap();
    assert_eq!(e.rank, [1, 1, 3, 4]);
    assert_eq!(grades(&e), "AABC");
    // Equal scores are equal bit for bit.
    assert_eq!(e.score[0].to_bits(), e.score[1].to_bits());
}

#[test]
fn grade_rule_is_integer_and_cumulative() {
    let cum = [25, 70, 95];
    // n = 20: A ranks 1..5, B 6..14, C 15..19, D 20.
    let g: String = (1..=20).map(|r| grade(r, 20, cum) as char).collect();
    assert_eq!(g, "AAAAABBBBBBBBBCCCCCD");
    // n = 1: A. n = 2: A, B ((2−1)·100 = 100 < 140).
    assert_eq!(grade(1, 1, cum), b'A');
    assert_eq!(grade(2, 2, cum), b'B');
    // Exactly on the boundary is the next grade: n = 4, r = 2: 100 < 100 is false → B.
    assert_eq!(grade(2, 4, cum), b'B');
}

#[test]
fn missing_zero_land_negative_tax_and_all_missing_indicator() {
    let s = spec(&BASE.replace(
        "[method]",
        "[[indicator]]\nname = \"单位排放税收\"\nformula = \"tax / emission\"\nweight = 50\n[method]",
    ));
    let s = FirmSpec {
        exclusions: Vec::new(),
        ..s
    };
    // tax/land: a 30, b −10, c missing (land 0), d missing (tax NA).
    // Mean over present values a, b = 10. Ratios: a 3 (cap), b −1 → 0, c, d missing → 0.
    // Emission is missing everywhere: no benchmark, contributes 0.
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d"])),
        ("county", C::T(&["甲"; 4])),
        ("land_mu", C::N(&[1.0, 1.0, 0.0, 2.0])),
        ("tax", C::N(&[30.0, -10.0, 5.0, NA])),
        ("emission", C::N(&[NA; 4])),
    ]);
    let e = evaluate_firms(&t, &s).unwrap();
    assert_eq!(e.benchmarks[0], [10.0]);
    assert!(e.benchmarks[1][0].is_nan());
    assert!(e.values[0][2].is_nan() && e.values[0][3].is_nan());
    assert_eq!(e.score, [300.0, 0.0, 0.0, 0.0]);
    assert_eq!(e.rank, [1, 2, 2, 2]);
}

#[test]
fn benchmark_zero_or_negative_contributes_nothing() {
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d"])),
        ("county", C::T(&["甲", "甲", "乙", "乙"])),
        ("land_mu", C::N(&[5.0; 4])),
        ("tax", C::N(&[0.0, 0.0, 10.0, -20.0])),
    ]);
    let e = evaluate_firms(&t, &spec(BASE)).unwrap();
    assert_eq!(e.benchmarks[0], [0.0, -1.0]);
    assert_eq!(e.score, [0.0; 4]);
    assert_eq!(e.rank, [1, 1, 1, 1]);
}

#[test]
fn cost_indicator_and_bases() {
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d", "e"])),
        ("energy", C::N(&[2.0, 4.0, 0.0, -1.0, 8.0])),
        ("land_mu", C::N(&[1.0; 5])),
    ]);
    let text = r#"
id = "id"
[[indicator]]
name = "亩均能耗"
formula = "energy / land_mu"
direction = "cost"
weight = 10
[method]
normalise = "benchmark"
[method.benchmark]
basis = "median"
cap = 2.5
[grades]
A = 20
B = 40
C = 40
"#;
    // Median of 2, 4, 0, −1, 8 = 2. Ratios b/x: a 1, b 0.5, c (x ≤ 0) cap, d cap, e 0.25.
    let e = evaluate_firms(&t, &spec(text)).unwrap();
    assert_eq!(e.benchmarks[0], [2.0]);
    assert_eq!(e.score, [10.0, 5.0, 25.0, 25.0, 2.5]);
    assert_eq!(e.rank, [3, 4, 1, 1, 5]);
    // n = 5, A < 100: ranks 1 (two firms); B < 300: rank 3; C < 500: ranks 4, 5. No D share.
    assert_eq!(grades(&e), "BCAAC");
    let max = spec(&text.replace("median", "max"));
    assert_eq!(evaluate_firms(&t, &max).unwrap().benchmarks[0], [8.0]);
    let mean = spec(&text.replace("median", "mean"));
    assert_eq!(evaluate_firms(&t, &mean).unwrap().benchmarks[0], [2.6]);
    // Median of an even count: the mean of the two middle values.
    let mut xs = [4.0, 1.0, 3.0, 10.0];
    assert_eq!(median(&mut xs), 3.5);
}

#[test]
fn exclusions_in_order_first_reason_missing_not_excluded() {
    let text = BASE.replace(
        "[[indicator]]",
        "[[exclude]]\ncolumn = \"industry\"\nin = [\"金融业\", \"房地产开发\"]\nreason = \"不参评行业\"\n[[indicator]]",
    );
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d"])),
        ("county", C::T(&["甲"; 4])),
        ("industry", C::T(&["金融业", "金融业", "制造业", "房地产"])),
        ("land_mu", C::N(&[2.0, 5.0, NA, 5.0])),
        ("tax", C::N(&[1.0; 4])),
    ]);
    let e = evaluate_firms(&t, &spec(&text)).unwrap();
    // a matches both: the first written (land) gives the reason. c: missing land is kept.
    // d: 房地产 is not 房地产开发 (text must be equal).
    assert_eq!(e.reason(0), Some("用地面积不足3亩"));
    assert_eq!(e.reason(1), Some("不参评行业"));
    assert_eq!(e.reason(2), None);
    assert_eq!(e.reason(3), None);
    assert_eq!(e.class_sizes, [2]);
    assert_eq!(e.rank, [0, 0, 2, 1]);
}

#[test]
fn weights_as_written_sum_to_100_at_the_benchmark() {
    // Six indicators 30/20/20/10/10/10 and every firm at its benchmark: score 100.
    let mut text = String::from("id = \"id\"\nclass = \"county\"\n");
    for (k, w) in [30, 20, 20, 10, 10, 10].iter().enumerate() {
        text += &format!("[[indicator]]\nname = \"i{k}\"\nformula = \"x\"\nweight = {w}\n");
    }
    text += "[method]\nnormalise = \"benchmark\"\n[grades]\nA = 25\nB = 45\nC = 25\nD = 5\n";
    let t = table(&[
        ("id", C::T(&["a", "b"])),
        ("county", C::T(&["甲", "乙"])),
        ("x", C::N(&[7.0, 9.0])),
    ]);
    let e = evaluate_firms(&t, &spec(&text)).unwrap();
    assert_eq!(e.score, [100.0, 100.0]);
}

/// Probe: an excluded firm is never scored, so no bonus or penalty reaches it either; two
/// class combinations that would print as one name are refused.
#[test]
fn excluded_firms_take_no_adjustments_and_class_names_stay_distinct() {
    let text = format!(
        "{BASE}[[adjust]]\ncolumn = \"accidents\"\nabove = 0\npoints = -50\nreason = \"安全生产事故\"\n"
    );
    let t = table(&[
        ("id", C::T(&["a", "b"])),
        ("county", C::T(&["甲", "甲"])),
        ("land_mu", C::N(&[1.0, 10.0])),
        ("tax", C::N(&[8.0, 6.0])),
        ("accidents", C::N(&[1.0, 1.0])),
    ]);
    let e = evaluate_firms(&t, &spec(&text)).unwrap();
    assert_eq!(e.adjust_hits, [0, 1]);
    assert_eq!(e.adjust, [0.0, -50.0]);
    let two = text.replace(r#"class = "county""#, r#"class = ["industry", "county"]"#);
    let t = table(&[
        ("id", C::T(&["a", "b"])),
        ("county", C::T(&["B|C", "C"])),
        ("industry", C::T(&["A", "A|B"])),
        ("land_mu", C::N(&[10.0, 10.0])),
        ("tax", C::N(&[8.0, 6.0])),
        ("accidents", C::N(&[0.0, 0.0])),
    ]);
    let e = evaluate_firms(&t, &spec(&two)).unwrap_err().to_string();
    assert!(e.contains("'A|B|C'"), "{e}");
}

#[test]
fn a_class_given_twice_in_fixed_benchmarks_is_refused() {
    let text = r#"
id = "id"
class = "county"
[[indicator]]
name = "亩均税收"
formula = "tax / land_mu"
weight = 100
[method]
normalise = "benchmark"
[method.benchmark]
basis = "fixed"
[[benchmark]]
class = "甲"
values = { "亩均税收" = 2.0 }
[[benchmark]]
class = "甲"
values = { "亩均税收" = 4.0 }
[grades]
A = 25
B = 45
C = 25
D = 5
"#;
    let e = spec(text).validate().unwrap_err().to_string();
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn two_column_class_fixed_benchmarks_adjustments_and_leaders() {
    let text = r#"
id = "id"
class = ["industry", "county"]
[[indicator]]
name = "亩均税收"
formula = "tax / land_mu"
weight = 100
[method]
normalise = "benchmark"
[method.benchmark]
basis = "fixed"
cap = 3
[[benchmark]]
class = ["制造业", "甲"]
values = { "亩均税收" = 4.0 }
[[benchmark]]
class = ["服务业", "甲"]
values = { "亩均税收" = 2.0 }
[[adjust]]
column = "accidents"
above = 0
points = -50
reason = "安全生产事故"
[[adjust]]
column = "hightech"
in = ["是"]
points = 10
reason = "高新技术企业"
[grades]
A = 50
B = 50
C = 0
D = 0
[leaders]
top = 1
by = "county"
"#;
    let t = table(&[
        ("id", C::T(&["a", "b", "c", "d"])),
        ("industry", C::T(&["制造业", "制造业", "服务业", "服务业"])),
        ("county", C::T(&["甲"; 4])),
        ("land_mu", C::N(&[1.0; 4])),
        ("tax", C::N(&[8.0, 6.0, 2.0, 1.0])),
        ("accidents", C::N(&[1.0, 0.0, NA, 0.0])),
        ("hightech", C::T(&["", "是", "", ""])),
    ]);
    let e = evaluate_firms(&t, &spec(text)).unwrap();
    assert_eq!(e.classes, ["制造业|甲", "服务业|甲"]);
    // a: 100·2 − 50 = 150; b: 100·1.5 + 10 = 160; c: 100; d: 50.
    assert_eq!(e.score, [150.0, 160.0, 100.0, 50.0]);
    assert_eq!(e.adjust_hits, [1, 2, 0, 0]);
    assert_eq!(e.rank, [2, 1, 1, 2]);
    assert_eq!(grades(&e), "BAAB");
    // Leaders by county among grade A: b (160) before c (100); top 1.
    assert_eq!(e.leader, [0, 1, 0, 0]);
    // A class with evaluated firms but no published value is an error naming it.
    let missing = text.replace(
        "[[benchmark]]\nclass = [\"服务业\", \"甲\"]",
        "[[benchmark]]\nclass = [\"服务业\", \"乙\"]",
    );
    let err = evaluate_firms(&t, &spec(&missing)).unwrap_err().to_string();
    assert!(err.contains("服务业|甲"), "{err}");
}

#[test]
fn spec_and_formula_errors_are_precise() {
    let t = table(&[
        ("id", C::T(&["a"])),
        ("county", C::T(&["甲"])),
        ("land_mu", C::N(&[5.0])),
        ("tax", C::N(&[1.0])),
    ]);
    let bad = spec(&BASE.replace("tax / land_mu", "tax / (land_mu"));
    let e = evaluate_firms(&t, &bad).unwrap_err().to_string();
    assert!(e.contains("亩均税收") && e.contains("character 15"), "{e}");
    let unknown = spec(&BASE.replace("tax / land_mu", "税收 / land_mu"));
    let e = evaluate_firms(&t, &unknown).unwrap_err().to_string();
    assert!(e.contains("no column '税收'"), "{e}");
    let text_col = spec(&BASE.replace("tax / land_mu", "county / land_mu"));
    let e = evaluate_firms(&t, &text_col).unwrap_err().to_string();
    assert!(e.contains("'county' holds text"), "{e}");
    let shares = spec(&BASE.replace("D = 5", "D = 6"));
    assert!(
        evaluate_firms(&t, &shares)
            .unwrap_err()
            .to_string()
            .contains("101")
    );
    let both = spec(&BASE.replace("below = 3", "below = 3\nin = [\"x\"]"));
    assert!(both.validate().is_err());
    assert!(
        spec(&BASE.replace("cap = 3.0", "cap = 0"))
            .validate()
            .is_err()
    );
    // Finite but absurd magnitudes are refused too (they overflowed scores to 1.8e308).
    assert!(
        spec(&BASE.replace("weight = 100", "weight = 1e308"))
            .validate()
            .is_err()
    );
    assert!(
        spec(&BASE.replace("weight = 100", "weight = 1e6"))
            .validate()
            .is_ok()
    );
    assert!(
        spec(&BASE.replace("cap = 3.0", "cap = 1e7"))
            .validate()
            .is_err()
    );
    let points = |p: &str| {
        spec(&format!(
            "{BASE}[[adjust]]\ncolumn = \"tax\"\nbelow = 0\npoints = {p}\nreason = \"x\"\n"
        ))
        .validate()
    };
    assert!(points("-5").is_ok());
    assert!(points("-1e308").is_err());
    assert!(
        spec(&BASE.replace("weight = 100", "weight = -1"))
            .validate()
            .is_err()
    );
    assert!(
        toml::from_str::<FirmSpec>(&BASE.replace("basis = \"mean\"", "basis = \"mode\"")).is_err()
    );
    assert!(
        toml::from_str::<FirmSpec>(&BASE.replace("cap = 3.0", "cap = 3.0\nshift = 1")).is_err()
    );
}

#[test]
fn results_do_not_depend_on_chunking() {
    // More rows than one chunk, classes interleaved: the mean is the input-order sum.
    let n = CHUNK * 2 + 17;
    let ids: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let counties: Vec<&str> = (0..n).map(|i| ["甲", "乙", "丙"][i % 3]).collect();
    let tax: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 7.0).collect();
    let t = table(&[
        ("id", C::T(&ids)),
        ("county", C::T(&counties)),
        ("land_mu", C::N(&vec![3.5; n])),
        ("tax", C::N(&tax)),
    ]);
    let e = evaluate_firms(&t, &spec(BASE)).unwrap();
    for c in 0..3 {
        let xs: Vec<f64> = (0..n)
            .filter(|i| i % 3 == c)
            .map(|i| tax[i] / 3.5)
            .collect();
        let mean = xs.iter().fold(0.0, |s, x| s + x) / xs.len() as f64;
        assert_eq!(e.benchmarks[0][c], mean);
    }
    // Competition ranks: rank = 1 + number of strictly better firms of the class.
    for i in (0..n).step_by(997) {
        let better = (0..n)
            .filter(|&k| e.class_of[k] == e.class_of[i] && e.score[k] > e.score[i])
            .count();
        assert_eq!(e.rank[i] as usize, better + 1);
    }
}

proptest! {
    #[test]
    fn grades_are_monotone_in_rank_and_respect_shares(
        scores in proptest::collection::vec(0u8..20, 1..60),
        a in 0u32..=100,
        b in 0u32..=100,
    ) {
        let b = b.min(100 - a);
        let c = (100 - a - b) / 2;
        let n = scores.len();
        let ids: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let tax: Vec<f64> = scores.iter().map(|&s| s as f64 + 1.0).collect();
        let t = table(&[
            ("id", C::T(&ids)),
            ("county", C::T(&vec!["甲"; n])),
            ("land_mu", C::N(&vec![5.0; n])),
            ("tax", C::N(&tax)),
        ]);
        let text = BASE.replace("A = 25\nB = 45\nC = 25\nD = 5", &format!("A = {a}\nB = {b}\nC = {c}"));
        let e = evaluate_firms(&t, &spec(&text)).unwrap();
        let cum = [a as usize, (a + b) as usize, (a + b + c) as usize];
        for i in 0..n {
            for k in 0..n {
                // A better (or equal) rank never has a worse grade.
                if e.rank[i] <= e.rank[k] {
                    prop_assert!(e.grade[i] <= e.grade[k]);
                }
            }
            // Ties get the same rank and grade.
            for k in 0..n {
                if e.score[i] == e.score[k] {
                    prop_assert_eq!(e.rank[i], e.rank[k]);
                    prop_assert_eq!(e.grade[i], e.grade[k]);
                }
            }
        }
        // Shares: the firms graded A (A or B, …) are exactly those whose rank r has
        // (r − 1)·100 < share·n; with distinct ranks that is ceil(share·n / 100) firms.
        for (g, &share) in [b'A', b'B', b'C'].iter().zip(&cum) {
            let at_most = e.grade.iter().filter(|&&x| x <= *g).count();
            let by_rule = e.rank.iter().filter(|&&r| (r as usize - 1) * 100 < share * n).count();
            prop_assert_eq!(at_most, by_rule);
            if e.rank.iter().all(|&r| e.rank.iter().filter(|&&q| q == r).count() == 1) {
                prop_assert_eq!(at_most, (share * n).div_ceil(100));
            }
        }
    }
}

#[test]
fn duplicate_ids_name_the_earliest_repeat_and_its_first_row() {
    let ids: Vec<String> = (0..5000).map(|i| format!("企{i}")).collect();
    let mut with_dups = ids.clone();
    with_dups[4000] = "企5".into(); // later repeat
    with_dups[3000] = "企100".into(); // earliest repeat
    let refs: Vec<&str> = with_dups.iter().map(String::as_str).collect();
    let col = Column::Text(refs.iter().copied().collect());
    assert_eq!(
        check_ids(&col, "id").unwrap_err().to_string(),
        EngineError::Shape("row 3002: id '企100' (column 'id') already at row 102".into())
            .to_string()
    );
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert!(check_ids(&Column::Text(refs.iter().copied().collect()), "id").is_ok());
    // Rows split over several chunks (partitioned in parallel): still the earliest repeat.
    let mut many: Vec<String> = (0..200_000).map(|i| format!("企{i}")).collect();
    many[190_000] = "企3".into();
    many[150_000] = "企70000".into();
    let col = Column::Text(many.iter().map(String::as_str).collect());
    assert_eq!(
        check_ids(&col, "id").unwrap_err().to_string(),
        "row 150002: id '企70000' (column 'id') already at row 70002"
    );
    // Numeric ids are compared as written ("0" and "-0" differ) but hashed as values, so
    // 0 and −0 share a hash: the text comparison sorts it out.
    let nums = Column::Number(vec![1.0, 0.0, 2.5, -0.0, 2.5]);
    let e = check_ids(&nums, "no").unwrap_err().to_string();
    assert!(
        e.contains("row 6: id '2.5' (column 'no') already at row 4"),
        "{e}"
    );
    let e = check_ids(&Column::Number(vec![1.0, NA]), "no")
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 3: empty id"), "{e}");
}

#[test]
fn a_hash_shared_by_two_ids_falls_back_to_text() {
    let text = ["a", "b", "c", "b"];
    let same = |i: u32, f: u32| text[i as usize] == text[f as usize];
    let by_text = |rows: &[u32]| {
        let mut seen = HashMap::new();
        rows.iter()
            .find_map(|&i| seen.insert(text[i as usize], i).map(|f| (i, f)))
    };
    let rows = [0, 1, 2, 3];
    // Rows 0 and 1 share a hash but not their text; row 3 repeats row 1.
    assert_eq!(
        first_repeat(&rows, &[1, 1, 2, 1], same, by_text),
        Some((3, 1))
    );
    assert_eq!(
        first_repeat(&rows, &[1, 2, 3, 2], same, by_text),
        Some((3, 1))
    );
    assert_eq!(first_repeat(&rows[..3], &[1, 2, 3], same, by_text), None);
}
