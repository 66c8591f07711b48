//! Accounts and API tokens managed with the real `duban` binary while `duban serve` runs on
//! the same SQLite data dir: `user add|list|passwd` (with the rules the store enforces:
//! reporters need a known unit, roles are admin/reporter/viewer, passwords have at least
//! 8 characters) and `token create|revoke|list`, each effect checked over HTTP.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use common::{admin_hint, duban, duban_fails, http, kill9, serve, serve_with};

fn get_plans(addr: &str, token: &str) -> u16 {
    let auth = format!("Authorization: Bearer {token}\r\n");
    http(addr, "GET", "/api/v1/plans", &auth, "").0
}

fn cookie_value(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .filter_map(|l| l.split_once(':').map(|x| x.1.trim()))
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// Logs in through the login form (CSRF cookie + field); true when a session cookie is set.
fn login(addr: &str, name: &str, password: &str) -> bool {
    let (st, head, _) = http(addr, "GET", "/login", "", "");
    assert_eq!(st, 200);
    let csrf = cookie_value(&head, "duban_login_csrf").expect("login csrf cookie");
    let form = format!("login_csrf={csrf}&name={name}&password={password}&next=%2F");
    let headers = format!(
        "Cookie: duban_login_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nOrigin: http://{addr}\r\n"
    );
    let (st, head, body) = http(addr, "POST", "/login", &headers, &form);
    match st {
        303 | 302 => {
            assert!(cookie_value(&head, "duban_session").is_some(), "{head}");
            true
        }
        401 => false,
        other => panic!("login answered {other}: {head}\n{body}"),
    }
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn users_and_tokens_managed_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The first start loads the seed units (fgw, …); every command below shares its SQLite file.
    let (server, addr) = serve(d);

    // user add: the rules the store enforces, each a one-line error and a non-zero exit.
    let add = |name: &str, role: &str, unit: Option<&str>| {
        let mut a = vec!["user", "add", name, "--role", role];
        if let Some(u) = unit {
            a.extend(["--unit", u]);
        }
        a.push("--password-stdin");
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let good = Some("old-password-1\n");
    let v = add("rep", "reporter", None);
    let e = duban_fails(d, &args(&v), good);
    assert!(e.contains("必须指定所属单位"), "{e}");
    let v = add("rep", "reporter", Some("no-such-unit"));
    let e = duban_fails(d, &args(&v), good);
    assert!(e.contains("no-such-unit"), "{e}");
    let v = add("rep", "boss", Some("fgw"));
    let e = duban_fails(d, &args(&v), good);
    assert!(e.contains("unknown role"), "{e}");
    let v = add("rep", "reporter", Some("fgw"));
    let e = duban_fails(d, &args(&v), Some("short\n"));
    assert!(e.contains("至少需要 8 个字符"), "{e}");
    let e = duban_fails(d, &args(&v), Some("\n"));
    assert!(e.contains("empty password"), "{e}");
    let e = duban_fails(d, &args(&v)[..args(&v).len() - 1], good);
    assert!(e.contains("--password-stdin"), "{e}");
    // None of the failures created anyone.
    assert_eq!(duban(d, &["user", "list"], None).trim(), "");

    let out = duban(d, &args(&v), good);
    assert!(
        out.contains("created user rep (role reporter, unit fgw)"),
        "{out}"
    );
    duban(
        d,
        &args(&add("boss", "admin", None)),
        Some("admin-password-1\n"),
    );
    duban(
        d,
        &args(&add("look", "viewer", None)),
        Some("viewer-password-1\n"),
    );
    let e = duban_fails(d, &args(&v), good);
    assert!(e.contains("已存在"), "duplicate: {e}");

    let list = duban(d, &["user", "list"], None);
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split('\t').collect()).collect();
    let names: Vec<_> = rows.iter().map(|r| (r[1], r[2], r[3])).collect();
    assert_eq!(
        names,
        [
            ("rep", "reporter", "fgw"),
            ("boss", "admin", "-"),
            ("look", "viewer", "-")
        ],
        "{list}"
    );

    // user passwd: the old password stops working, the new one works.
    assert!(login(&addr, "rep", "old-password-1"));
    let e = duban_fails(
        d,
        &["user", "passwd", "rep", "--password-stdin"],
        Some("short\n"),
    );
    assert!(e.contains("至少需要 8 个字符"), "{e}");
    let e = duban_fails(
        d,
        &["user", "passwd", "nobody", "--password-stdin"],
        Some("new-password-2\n"),
    );
    assert!(e.contains("nobody"), "{e}");
    duban(
        d,
        &["user", "passwd", "rep", "--password-stdin"],
        Some("new-password-2\n"),
    );
    assert!(!login(&addr, "rep", "old-password-1"));
    assert!(login(&addr, "rep", "new-password-2"));

    // token create|revoke|list.
    let out = duban(d, &["token", "create", "rep"], None);
    let token = out.lines().last().unwrap().trim().to_string();
    let id = out
        .split_whitespace()
        .nth(1)
        .expect("token id on the first line")
        .to_string();
    assert!(token.len() >= 20, "{out}");
    assert_eq!(get_plans(&addr, &token), 200);
    assert_eq!(get_plans(&addr, &format!("{token}x")), 401);
    assert_eq!(get_plans(&addr, "not-a-token"), 401);
    let list = duban(d, &["token", "list"], None);
    let row = list
        .lines()
        .find(|l| l.starts_with(&format!("{id}\t")))
        .expect("token listed");
    assert!(
        row.contains("\trep\t") && row.ends_with("\tactive"),
        "{row}"
    );
    assert!(!list.contains(&token), "the secret is never listed");

    duban(d, &["token", "revoke", &id], None);
    assert_eq!(get_plans(&addr, &token), 401);
    let list = duban(d, &["token", "list"], None);
    let row = list
        .lines()
        .find(|l| l.starts_with(&format!("{id}\t")))
        .unwrap();
    assert!(!row.ends_with("\tactive"), "revoked: {row}");
    let e = duban_fails(d, &["token", "create", "nobody"], None);
    assert!(e.contains("nobody"), "{e}");

    kill9(server);
}

/// `serve --demo` creates a (locked, viewer) demo account, so the first-admin hint depends
/// on admins, not on users: shown on a demo-only database, gone once an admin exists.
#[test]
fn serve_demo_still_hints_at_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (server, _, rx) = serve_with(d, &["--demo"]);
    assert!(admin_hint(&rx), "hint on a fresh --demo database");
    kill9(server);
    assert!(
        !duban(d, &["user", "list"], None).trim().is_empty(),
        "--demo created its account"
    );
    let (server, _, rx) = serve_with(d, &["--demo"]);
    assert!(admin_hint(&rx), "still no admin: hint again");
    duban(
        d,
        &["user", "add", "boss", "--role", "admin", "--password-stdin"],
        Some("admin-password-1\n"),
    );
    kill9(server);
    let (server, _, rx) = serve_with(d, &["--demo"]);
    assert!(!admin_hint(&rx), "no hint once an admin exists");
    kill9(server);
}

/// First run: the command `serve` prints (and the login page shows) creates the first admin
/// from any folder; one-off commands never create a second database; unit codes are listed.
#[test]
fn first_run_command_works_from_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let e = duban_fails(
        elsewhere.path(),
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("admin-password-1\n"),
    );
    assert!(
        e.contains("no duban database") && e.contains("duban serve"),
        "{e}"
    );
    assert!(
        !elsewhere.path().join("duban.db").exists(),
        "no second database created"
    );

    let (server, addr, rx) = serve_with(d, &[]);
    let mut hint = None;
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(5)) {
        if line.contains(" user add admin ") {
            hint = Some(line.trim().to_string());
            break;
        }
    }
    let hint = hint.expect("serve printed the command");
    let abs = std::fs::canonicalize(d).unwrap();
    assert!(
        hint.contains(&format!("--data-dir {}", abs.display()))
            || hint.contains(&format!("--data-dir {}", d.display())),
        "the data directory spelled out: {hint}"
    );
    let (_, _, page) = http(&addr, "GET", "/login", "", "");
    assert!(
        page.contains("id=\"first-admin\""),
        "the login page shows it"
    );
    assert!(page.contains(" user add admin "), "{page}");

    // The printed command, as printed, run from another folder.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&hint)
        .current_dir(elsewhere.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    common::succeeded(&out, &hint);
    assert!(duban(d, &["user", "list"], None).contains("admin"));
    let (_, _, page) = http(&addr, "GET", "/login", "", "");
    assert!(
        !page.contains("first-admin"),
        "no paths once an admin exists"
    );

    // Unit codes: listed, and a wrong one names the closest.
    let units = duban(d, &["unit", "list"], None);
    assert!(units.lines().any(|l| l.starts_with("fgw\t")), "{units}");
    let e = duban_fails(
        d,
        &common::add_reporter("rep", "fgw1"),
        Some("reporter-password-1\n"),
    );
    assert!(e.contains("fgw（") && e.contains("duban unit list"), "{e}");
    let e = duban_fails(
        d,
        &common::add_reporter("rep", "省发展改革委"),
        Some("reporter-password-1\n"),
    );
    assert!(e.contains("fgw（"), "a unit's name leads to its code: {e}");
    kill9(server);
}
