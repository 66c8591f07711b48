//! duban behind a real nginx under a path prefix (`/duban/`), as a data centre runs it.
//!
//! Needs the `nginx` binary (Debian package `nginx-light` or `nginx`), so it is `#[ignore]`d in
//! a plain `cargo test` and run by `.ci/run` (`-- --ignored nginx_`). Clients connect from
//! distinct loopback addresses (127.0.0.2 …), which nginx forwards in `X-Forwarded-For`; duban
//! trusts only 127.0.0.1, the address nginx connects from.

#[allow(dead_code)]
mod common;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One raw HTTP/1.1 request from source address `from`; returns (status, head, body).
fn request_from(
    from: Ipv4Addr,
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let target: SocketAddr = addr.parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::V4(SocketAddrV4::new(from, 0)).into())
        .unwrap();
    socket.connect(&target.into()).expect("connect");
    common::exchange(socket.into(), "gov.example", method, path, headers, body)
}

/// The `Set-Cookie` line for `name` in a response head.
fn set_cookie<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find(|l| {
            l.to_ascii_lowercase().starts_with("set-cookie:")
                && l.split_once(':')
                    .unwrap()
                    .1
                    .trim()
                    .starts_with(&format!("{name}="))
        })
        .unwrap_or_else(|| panic!("no cookie {name} in\n{head}"))
}

fn cookie_value(line: &str) -> String {
    let pair = line.split_once(':').unwrap().1.trim();
    pair.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

fn header<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then_some(v.trim())
        })
        .unwrap_or_else(|| panic!("no {name} in\n{head}"))
}

/// The value of the hidden input `name` in an HTML page.
fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &body[at..];
    let v = &rest[rest.find("value=\"").unwrap() + 7..];
    v[..v.find('"').unwrap()].to_string()
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_nginx(dir: &std::path::Path, upstream: &str) -> (Nginx, String) {
    let port = free_port();
    let conf = format!(
        r#"
user root root;
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 25m;
    server {{
        listen 127.0.0.1:{port};
        location /duban/ {{
            proxy_pass http://{upstream}/duban/;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"#,
        dir = dir.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("nginx")
        .args(["-p", dir.to_str().unwrap(), "-c", path.to_str().unwrap()])
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx is installed (Debian package nginx-light)");
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Nginx(child), addr)
}

/// Opens the login page from `from` through nginx: (csrf cookie, form token).
fn login_page(from: Ipv4Addr, nginx: &str) -> (String, String) {
    let (status, head, body) = request_from(from, nginx, "GET", "/duban/login", "", "");
    assert_eq!(status, 200, "{head}");
    let line = set_cookie(&head, "duban_login_csrf");
    assert!(
        line.contains("Path=/duban"),
        "cookie path under the prefix: {line}"
    );
    assert!(
        line.contains("Secure"),
        "https at the proxy makes cookies Secure: {line}"
    );
    assert!(
        body.contains("action=\"/duban/login\""),
        "the form posts under the prefix"
    );
    (cookie_value(line), hidden(&body, "login_csrf"))
}

fn try_login(from: Ipv4Addr, nginx: &str, name: &str, password: &str) -> (u16, String) {
    let (cookie, token) = login_page(from, nginx);
    let (status, head, _) = request_from(
        from,
        nginx,
        "POST",
        "/duban/login",
        &format!(
            "Cookie: duban_login_csrf={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        &format!("login_csrf={token}&name={name}&password={password}&next=/"),
    );
    (status, head)
}

#[test]
#[ignore = "needs nginx; run by .ci/run with --ignored nginx_"]
fn nginx_under_a_path_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let (mut server, upstream, _) = common::serve_with(
        &data,
        &["--base-path", "/duban", "--trusted-proxies", "127.0.0.1"],
    );
    common::duban(
        &data,
        &["user", "add", "boss", "--role", "admin", "--password-stdin"],
        Some("proxy-admin-password-7\n"),
    );
    let ngx_dir = dir.path().join("nginx");
    std::fs::create_dir(&ngx_dir).unwrap();
    let (_nginx, nginx) = start_nginx(&ngx_dir, &upstream);
    let alice = Ipv4Addr::new(127, 0, 0, 2);

    // Log in through the proxy: redirect and session cookie under the prefix.
    let (status, head) = try_login(alice, &nginx, "boss", "proxy-admin-password-7");
    assert_eq!(status, 303, "{head}");
    let location = header(&head, "location");
    assert!(
        location.starts_with("/duban/"),
        "redirect under the prefix: {location}"
    );
    let session_line = set_cookie(&head, "duban_session");
    assert!(session_line.contains("Path=/duban"), "{session_line}");
    assert!(session_line.contains("Secure"), "{session_line}");
    assert!(session_line.contains("HttpOnly"), "{session_line}");
    let session = format!("Cookie: duban_session={}\r\n", cookie_value(session_line));

    // Pages: every root-relative link carries the prefix, none escapes it.
    let (status, _, home) = request_from(alice, &nginx, "GET", "/duban/plans", &session, "");
    assert_eq!(status, 200);
    assert!(home.contains("href=\"/duban/"), "links under the prefix");
    for attr in ["href=\"/", "src=\"/", "action=\"/"] {
        for (at, _) in home.match_indices(attr) {
            assert!(
                home[at + attr.len()..].starts_with("duban/"),
                "a link outside the prefix: {}",
                &home[at..(at + 60).min(home.len())]
            );
        }
    }
    // An asset and a download through the proxy.
    let css = home
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|h| h.ends_with(".css"))
        .expect("a stylesheet");
    let (status, _, _) = request_from(alice, &nginx, "GET", css, "", "");
    assert_eq!(status, 200, "stylesheet {css}");
    let (status, head, body) = request_from(
        alice,
        &nginx,
        "GET",
        "/duban/plans/1/export.json",
        &session,
        "",
    );
    assert_eq!(status, 200, "{head}");
    assert!(
        body.contains("服务业"),
        "the plan downloads through the proxy"
    );

    // A CSRF-protected form through the proxy: log out, redirected under the prefix.
    let csrf = hidden(&home, "csrf");
    let (status, head, _) = request_from(
        alice,
        &nginx,
        "POST",
        "/duban/logout",
        &format!("{session}Content-Type: application/x-www-form-urlencoded\r\n"),
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 303, "{head}");
    assert!(header(&head, "location").starts_with("/duban/"), "{head}");
    let (status, _, _) = request_from(alice, &nginx, "GET", "/duban/plans", &session, "");
    assert!(
        status == 303 || status == 401,
        "the session ended ({status})"
    );

    // Throttling by the forwarded client address: mallory is locked out, bob is not.
    let mallory = Ipv4Addr::new(127, 0, 0, 3);
    let bob = Ipv4Addr::new(127, 0, 0, 4);
    let statuses: Vec<u16> = (0..6)
        .map(|_| try_login(mallory, &nginx, "boss", "wrong-password-0").0)
        .collect();
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let (status, head) = try_login(bob, &nginx, "boss", "proxy-admin-password-7");
    assert_eq!(status, 303, "another client behind the same proxy: {head}");

    // A forged X-Forwarded-For from an untrusted address is ignored: the failures count
    // against the sender's own address, whatever it claims.
    let eve = Ipv4Addr::new(127, 0, 0, 5);
    let mut last = 0;
    for i in 0..6 {
        let (status, head, body) = request_from(eve, &upstream, "GET", "/duban/login", "", "");
        assert_eq!(status, 200, "{head}");
        let cookie = cookie_value(set_cookie(&head, "duban_login_csrf"));
        let token = hidden(&body, "login_csrf");
        let (status, _, _) = request_from(
            eve,
            &upstream,
            "POST",
            "/duban/login",
            &format!(
                "X-Forwarded-For: 10.9.9.{i}\r\nForwarded: for=10.8.8.{i}\r\nCookie: duban_login_csrf={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            ),
            &format!("login_csrf={token}&name=boss&password=wrong-password-1&next=/"),
        );
        last = status;
    }
    assert_eq!(
        last, 429,
        "forged forwarding headers must not reset the count"
    );

    server.kill().ok();
    server.wait().ok();
}
