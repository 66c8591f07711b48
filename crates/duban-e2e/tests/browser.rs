//! Browser journeys in headless Chromium (Debian `chromium` + `chromium-driver`), driven by
//! fantoccini against the real app (`duban_web::testing::spawn_app`) on 127.0.0.1:0.
//! Each test starts its own chromedriver and browser profile. They are `#[ignore]`d in a
//! plain `cargo test`; run them with
//! `cargo test -p duban-e2e -- --ignored --test-threads=1` (as `.ci/run` does).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use duban_store::user::Role;
use duban_web::testing::{TestApp, spawn_app};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

const SMALL_PLAN: &str = "2021年某市服务业发展工作要点\n\n一、强化规划引领\n\n1.编制服务业专项规划\n完成3项专项规划编制，新建50个社区服务中心。\n\n2.推进消费升级\n社会消费品零售总额增长8%以上。\n\n二、优化营商环境\n\n3.深化放管服改革\n培育10家以上服务业领军企业。\n";

struct Browser {
    client: Client,
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

async fn browser() -> Browser {
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

async fn log_in(c: &Client, app: &TestApp, name: &str) {
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
    let who = c.wait().for_element(Locator::Id("who")).await.unwrap();
    assert!(who.text().await.unwrap().contains(name));
}

#[path = "browser/evaluation.rs"]
mod evaluation;

#[path = "browser/oversight.rs"]
mod oversight;

#[path = "browser/deliver.rs"]
mod deliver;

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_admin_reviews_the_seed_plan_uploads_and_adopts_another() {
    let app = spawn_app().await;
    app.add_user("admin", Role::Admin, None).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;

    // The seed plan: 4 pillars, 30 tasks, no invented progress.
    c.find(Locator::LinkText("2020年浙江省服务业发展工作要点"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("pillars")).await.unwrap();
    assert_eq!(
        c.find_all(Locator::Css("#pillars .pillar"))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        c.find_all(Locator::Css("#pillars .task-row"))
            .await
            .unwrap()
            .len(),
        30
    );
    assert!(body_text(c).await.contains("暂无数据"));
    // The chart is drawn by the embedded ECharts.
    let drawn = c
        .execute(
            "return !!(window.echarts && echarts.getInstanceByDom(document.getElementById('pillar-chart')));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn, serde_json::Value::Bool(true));

    // A task with its targets highlighted in the clause.
    c.find(Locator::Css(".task-row[data-number='15'] a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("clause")).await.unwrap();
    let marks = c
        .find_all(Locator::Css("#clause mark.target"))
        .await
        .unwrap();
    assert!(!marks.is_empty(), "targets highlighted");
    assert!(!marks[0].text().await.unwrap().is_empty());

    // 繁體 and back.
    c.find(Locator::Id("lang-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang='zh-Hant']"))
        .await
        .unwrap();
    let text = body_text(c).await;
    assert!(text.contains("條文") || text.contains("責任單位"), "{text}");
    c.find(Locator::Id("lang-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang='zh-Hans']"))
        .await
        .unwrap();
    assert!(body_text(c).await.contains("责任单位"));

    // Upload another plan (pasted text), review it, adopt it.
    c.goto(&format!("{}/plans/new", app.base)).await.unwrap();
    c.find(Locator::Id("pasted"))
        .await
        .unwrap()
        .send_keys(SMALL_PLAN)
        .await
        .unwrap();
    c.find(Locator::Id("region"))
        .await
        .unwrap()
        .send_keys("某市")
        .await
        .unwrap();
    c.find(Locator::Id("upload-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("source-text"))
        .await
        .unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/review"));
    assert!(
        !c.find_all(Locator::Css("#source-text mark.target"))
            .await
            .unwrap()
            .is_empty()
    );
    c.find(Locator::Id("adopt"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let state = c
        .wait()
        .for_element(Locator::Id("plan-state"))
        .await
        .unwrap();
    assert_eq!(state.text().await.unwrap(), "已通过");
    assert_eq!(app.state.store.list_plans().await.unwrap().len(), 2);

    // Log out.
    c.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("login-submit"))
        .await
        .unwrap();
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_a_reporter_is_refused_the_admin_pages() {
    let app = spawn_app().await;
    app.add_user("rep", Role::Reporter, Some("fgw")).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "rep").await;
    // No admin entry in the navigation.
    assert!(
        c.find_all(Locator::LinkText("管理"))
            .await
            .unwrap()
            .is_empty()
    );
    for path in ["/admin/users", "/plans/new", "/admin/tokens"] {
        c.goto(&format!("{}{path}", app.base)).await.unwrap();
        let err = c.wait().for_element(Locator::Id("error")).await.unwrap();
        assert_eq!(
            err.attr("data-code").await.unwrap().as_deref(),
            Some("forbidden"),
            "{path}"
        );
    }
    // But the plan is readable.
    c.goto(&format!("{}/plans", app.base)).await.unwrap();
    assert!(
        body_text(c)
            .await
            .contains("2020年浙江省服务业发展工作要点")
    );
    b.client.clone().close().await.unwrap();
}
