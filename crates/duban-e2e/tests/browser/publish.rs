//! Publish in the browser (issue 14): the office publishes the seed plan as of the demo
//! date and issues a bulletin through the pages; the public portal is walked without a login
//! at desk and phone widths in 简 and 繁 (no sideways scroll, screenshots kept), its 关怀版
//! button enlarges the type, and the same portal exported to a folder works opened from disk.

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::Locator;

use super::helpers::{
    accept_if_asked, body_text, browser, click, click_and_confirm, click_to_navigate, js, log_in,
    type_in, wait_for,
};
use super::walk::{check_page, set_viewport};

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_publish_plan_bulletin_and_public_portal() {
    let app = spawn_app().await;
    duban_web::demo::load_demo(&app.state.store).await.unwrap();
    app.add_user("admin", Role::Admin, None).await;
    let b = browser().await;
    let c = &b.client;
    log_in(c, &app, "admin").await;

    // The office publishes the plan (the form opens at the demo date).
    c.goto(&format!("{}/publications", app.base)).await.unwrap();
    let as_of = wait_for(c, Locator::Css("#publish-as-of")).await;
    assert_eq!(
        as_of.prop("value").await.unwrap().as_deref(),
        Some("2020-07-15")
    );
    click_and_confirm(c, Locator::Css("#publish-plan-submit")).await;
    wait_for(c, Locator::Css("#data-hash")).await;
    assert!(body_text(c).await.contains("截至日期"));

    // A bulletin: drafted, reviewed, issued.
    c.goto(&format!("{}/publications", app.base)).await.unwrap();
    type_in(
        c,
        Locator::Css("#bulletin-issuer"),
        "浙江省发展和改革委员会",
    )
    .await;
    type_in(
        c,
        Locator::Css("#bulletin-title"),
        "关于2020年上半年服务业发展工作进展情况的通报",
    )
    .await;
    click(c, Locator::Css("#bulletin-submit")).await;
    wait_for(c, Locator::Css("#bulletin-text")).await;
    assert!(body_text(c).await.contains("五、下步要求"));
    for expected in ["已审核", "已签发"] {
        click(c, Locator::Css("#advance")).await;
        // 签发 (not 审核) asks first: it numbers and publishes the bulletin for good.
        assert_eq!(accept_if_asked(c).await, expected == "已签发");
        // The page reloads after each step: wait for the new state, not the old element.
        let mut shown = String::new();
        for _ in 0..100 {
            shown = js(c, "const e = document.getElementById('bulletin-state'); return e ? e.textContent : '';").await
                .as_str()
                .unwrap_or("")
                .to_string();
            if shown == expected {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(shown, expected);
    }

    // The public portal, signed out, at both widths and in both scripts.
    c.goto(&format!("{}/public/", app.base)).await.unwrap();
    let pages = [
        "/public/index.html",
        "/public/p/1.html",
        "/public/p/2.html",
        "/public/hant/index.html",
        "/public/hant/p/1.html",
        "/public/hant/p/2.html",
    ];
    let mut problems = Vec::new();
    for (size, w, h) in [("desk", 1366, 768), ("phone", 390, 844)] {
        set_viewport(c, w, h).await;
        for p in pages {
            problems.extend(check_page(c, &app.base, "public", size, p).await);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // 关怀版: a button (keyboard-reachable) that enlarges the type and is remembered.
    c.goto(&format!("{}/public/p/1.html", app.base))
        .await
        .unwrap();
    const FONT_SIZE: &str =
        "return parseFloat(getComputedStyle(document.documentElement).fontSize);";
    let before = js(c, FONT_SIZE).await.as_f64().unwrap();
    click(c, Locator::Css("#care-toggle")).await;
    let after = js(c, FONT_SIZE).await.as_f64().unwrap();
    assert!(
        after > before * 1.2,
        "关怀版 enlarges the type: {before} → {after}"
    );
    c.goto(&format!("{}/public/index.html", app.base))
        .await
        .unwrap();
    wait_for(c, Locator::Css("#publications")).await;
    let care = js(
        c,
        "return document.documentElement.classList.contains('care');",
    )
    .await;
    assert_eq!(care, serde_json::json!(true), "kept on the next page");
    click(c, Locator::Css("#care-toggle")).await;
    let cookies = c.get_all_cookies().await.unwrap();
    assert!(
        cookies.iter().all(|k| k.name() != "lang"),
        "the portal sets no cookie"
    );
    // The 繁體 link goes to the Traditional copy.
    click_to_navigate(c, Locator::Css("#lang-toggle")).await;
    wait_for(c, Locator::Css("#publications")).await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/public/hant/index.html")
    );
    assert!(body_text(c).await.contains("公開發布"));

    // The exported copy works opened from disk: links between pages resolve.
    let env = duban_web::render::environment();
    let portal = duban_web::publish::Portal::build(&app.state.store, &env)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    portal.write_to(dir.path()).unwrap();
    let index = format!("file://{}/index.html", dir.path().display());
    c.goto(&index).await.unwrap();
    click_to_navigate(c, Locator::Css("#publications li:first-child a")).await;
    wait_for(c, Locator::Css("h1")).await;
    assert!(body_text(c).await.contains("数据摘要"));
    let stylesheets = js(c, "return document.styleSheets.length;").await;
    assert_eq!(
        stylesheets,
        serde_json::json!(1),
        "the portal's CSS loads from the folder"
    );
    b.client.clone().close().await.unwrap();
}
