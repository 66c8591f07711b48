//! The two CLI contracts checked against independent references written from the issue
//! texts only (`tests/contracts/`: 亩均效益 of issue 12, `duban monitor check` of issue 13):
//! random small cases aimed at the edges, the real binary against the reference, scores to
//! 1e-9 relative and everything else exactly, plus bad inputs (nonzero exit, the place named,
//! nothing on stdout). Needs `python3` ≥ 3.11 (tomllib), standard library only.
//!
//! More cases by hand: `python3 crates/duban-cli/tests/contracts/run.py --cases 2000
//! --bin target/debug/duban`. `DUBAN_CONTRACT_SEED` picks other cases here.

use std::path::Path;
use std::process::Command;

#[test]
fn cli_contracts_agree_with_the_reference_implementations() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contracts/run.py");
    let keep = tempfile::tempdir().unwrap();
    let seed = std::env::var("DUBAN_CONTRACT_SEED").unwrap_or_else(|_| "1".into());
    let out = Command::new("python3")
        .arg(&script)
        .args(["--cases", "80", "--seed", &seed, "--bin"])
        .arg(env!("CARGO_BIN_EXE_duban"))
        .arg("--keep")
        .arg(keep.path())
        .output()
        .expect("python3 (≥ 3.11) runs the contract references; install it (CI: .ci/run)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the binary and the references disagree (seed {seed}):\n{stdout}\n{stderr}"
    );
    // The run really ran: 80 cases of each contract and the bad inputs.
    let last = stdout.lines().last().unwrap_or_default();
    let ran: usize = last
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(ran >= 160, "too few cases ran: {last}");
}
