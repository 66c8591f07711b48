//! Shared by every browser journey: chromedriver start, log-in, and the find/click/type/wait
//! steps each journey repeats.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use duban_web::testing::TestApp;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub struct Browser {
    pub client: Client,
    _driver: tokio::process::Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub async fn browser() -> Browser {
    let port = free_port();
    let driver = tokio::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver (Debian package chromium-driver) on PATH");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = std::env::temp_dir().join(format!("duban-e2e-{}-{port}", std::process::id()));
    let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("/usr/bin/chromium");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": binary,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session");
    Browser {
        client,
        _driver: driver,
        profile,
    }
}

pub async fn log_in(c: &Client, app: &TestApp, name: &str) {
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&format!("{name}-password"))
        .await
        .unwrap();
    c.find(Locator::Id("login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The page before the submit may still be shown (with an earlier user's name): wait for
    // this user's name rather than for any name.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(who) = c.find(Locator::Id("who")).await
            && who.text().await.is_ok_and(|t| t.contains(name))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} is not shown as logged in after the login"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Logs out and waits until the login page is shown, so that the next `log_in` cannot race the
/// logout's own navigation.
pub async fn log_out(c: &Client) {
    click(c, Locator::Id("logout")).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let on_login = c.current_url().await.is_ok_and(|u| u.path() == "/login");
        if on_login && c.find(Locator::Id("who")).await.is_err() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the login page is not shown after logging out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks the element `loc` finds (it must be on the page already).
pub async fn click(c: &Client, loc: Locator<'_>) {
    c.find(loc).await.unwrap().click().await.unwrap();
}

/// Clicks the submit button `loc` of a form that asks before an irreversible step
/// (`data-ask`): the question must appear, and it is answered 确定.
pub async fn click_and_confirm(c: &Client, loc: Locator<'_>) {
    click(c, loc).await;
    assert!(accept_if_asked(c).await, "no confirmation was asked");
}

/// Answers 确定 to a confirmation dialog if one opens within a second; whether one did.
pub async fn accept_if_asked(c: &Client) -> bool {
    for _ in 0..20 {
        if c.get_alert_text().await.is_ok() {
            c.accept_alert().await.unwrap();
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// Clicks the element `loc` finds and waits until the browser is on another address (a GET
/// form or a link): what is read next is the new page, never the old one still shown.
pub async fn click_to_navigate(c: &Client, loc: Locator<'_>) {
    let before = c.current_url().await.unwrap();
    click(c, loc).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c.current_url().await.unwrap() == before {
        assert!(
            std::time::Instant::now() < deadline,
            "still on {before} after the click"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Types `text` into the element `loc` finds (it must be on the page already).
pub async fn type_in(c: &Client, loc: Locator<'_>, text: &str) {
    c.find(loc).await.unwrap().send_keys(text).await.unwrap();
}

/// Runs `script` (no arguments) in the page: what it returns.
pub async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Waits for the element `loc` finds to appear.
pub async fn wait_for(c: &Client, loc: Locator<'_>) -> Element {
    c.wait().for_element(loc).await.unwrap()
}
