//! Helpers shared by the tests that drive the real `duban` binary: one-shot commands on a
//! data dir, `duban serve` on port 0, raw HTTP/1.1 requests, SIGKILL.

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub mod db;

pub fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duban"));
    command
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap()])
        .env_remove("DATABASE_URL");
    run_command(command, stdin)
}

/// Runs `command` with `stdin` as its input; returns what it printed.
pub fn run_command(mut command: Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run duban");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        // A command that fails before reading its input (a bad flag) may already have
        // exited: a broken pipe here is that, not a test failure.
        if let Err(e) = input.write_all(s.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Runs `duban args` on no data dir (file commands: eval, monitor); returns whether it
/// succeeded, its stdout and its stderr.
pub fn exec(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_duban"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `duban eval run --data DATA --spec SPEC` followed by `more`, as [`exec`].
pub fn eval_run(data: &str, spec: &str, more: &[&str]) -> (bool, String, String) {
    let mut args = vec!["eval", "run", "--data", data, "--spec", spec];
    args.extend_from_slice(more);
    exec(&args)
}

/// Runs `run(more + ["-o", r.parquet | r.arrow])` in `dir` and checks that each result is
/// written whole to its file (its format's magic bytes at both ends), nothing to standard output.
pub fn check_binary_outputs(
    dir: &Path,
    more: &[&str],
    run: impl Fn(&[&str]) -> (bool, String, String),
) {
    for (name, magic) in [("r.parquet", &b"PAR1"[..]), ("r.arrow", &b"ARROW1"[..])] {
        let path = dir.join(name);
        let mut args = more.to_vec();
        args.extend(["-o", path.to_str().unwrap()]);
        let (ok, out, err) = run(&args);
        assert!(ok, "{name}: {err}");
        assert_eq!(out, "");
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(magic) && bytes.ends_with(magic), "{name}");
    }
}

/// `duban eval verify path`: whether the snapshot verified, and all it printed.
pub fn eval_verify(path: &Path) -> (bool, String) {
    let (ok, out, err) = exec(&["eval", "verify", path.to_str().unwrap()]);
    (ok, format!("{out}{err}"))
}

/// The path of `file` under the repository's `data/` folder (`dir`: `demo/eval`, `monitor`).
pub fn data_file(dir: &str, file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(dir)
        .join(file)
        .to_string_lossy()
        .into()
}

/// Writes `text` to `dir/name`; returns the file's path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into()
}

/// The arguments of `duban user add NAME --role reporter --unit UNIT --password-stdin`.
pub fn add_reporter<'a>(name: &'a str, unit: &'a str) -> [&'a str; 8] {
    [
        "user",
        "add",
        name,
        "--role",
        "reporter",
        "--unit",
        unit,
        "--password-stdin",
    ]
}

/// The stdout of a command that must have succeeded (`what` names it when it did not,
/// followed by its stderr).
pub fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must succeed; returns its stdout.
pub fn duban(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    succeeded(&run(dir, args, stdin), &format!("duban {args:?}"))
}

/// Runs a command that must fail with a one-line error; returns that line.
pub fn duban_fails(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(dir, args, stdin);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "duban {args:?} should fail");
    assert_eq!(err.trim_end().lines().count(), 1, "one-line error: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

/// Starts `duban serve` on port 0 (plus `extra` flags); returns the child, the address it
/// printed and the stdout lines after it (drained on a thread so the server never blocks).
pub fn serve_with(dir: &Path, extra: &[&str]) -> (Child, String, mpsc::Receiver<String>) {
    let (child, addr, lines) = spawn_serve(
        Command::new(env!("CARGO_BIN_EXE_duban"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                dir.to_str().unwrap(),
            ])
            .args(extra)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null()),
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, addr, rx)
}

/// Spawns `command` (a `duban serve`; its stdout is piped here) and reads stdout up to the
/// line that gives the address; returns the child, that address and the lines after it.
/// A server that ends first fails the test with what it wrote to stderr, if piped.
pub fn spawn_serve(command: &mut Command) -> (Child, String, Lines<BufReader<ChildStdout>>) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("start duban serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("http://").nth(1) {
                    break rest.split('/').next().unwrap().to_string();
                }
            }
            _ => {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    stderr.read_to_string(&mut err).ok();
                }
                panic!("duban serve ended before printing its address: {err}");
            }
        }
    };
    (child, addr, lines)
}

pub fn serve(dir: &Path) -> (Child, String) {
    let (child, addr, _) = serve_with(dir, &[]);
    (child, addr)
}

/// Whether serve printed the "create the first admin" hint (it follows the address line).
pub fn admin_hint(rx: &mpsc::Receiver<String>) -> bool {
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
        if line.contains("Create the first admin") {
            return true;
        }
    }
    false
}

/// Ends the server with SIGKILL (std's `Child::kill` on Unix): no shutdown handler runs.
pub fn kill9(mut server: Child) {
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
}

/// One raw HTTP/1.1 request; returns (status, head, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let s = TcpStream::connect(addr).expect("connect");
    exchange(s, addr, method, path, headers, body)
}

/// Sends one HTTP/1.1 request on an open connection and reads the whole answer:
/// (status, head, body).
pub fn exchange(
    mut s: TcpStream,
    host: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}
