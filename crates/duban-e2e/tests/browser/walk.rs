//! Each role's day at a desk (1366 × 768) and on a phone (390 × 844), issue 10: every page
//! fits the screen (no sideways page scroll), shows no "UTC", and is kept as a screenshot
//! under `artifacts/screenshots/` (README: "Screenshots") for a person to look at.

use std::path::PathBuf;

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::{Client, Locator};

use super::helpers::{body_text, browser, log_in, wait_for};

const SIZES: [(&str, u32, u32); 2] = [("desk", 1366, 768), ("phone", 390, 844)];

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// Sets the viewport (not the window) to `w × h`, as a phone's screen would be.
pub(crate) async fn set_viewport(c: &Client, w: u32, h: u32) {
    c.set_window_size(w, h).await.unwrap();
    // The window includes browser chrome in some builds: grow it until the viewport fits.
    let inner = c
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let (iw, ih) = (
        inner[0].as_u64().unwrap_or(w as u64) as u32,
        inner[1].as_u64().unwrap_or(h as u64) as u32,
    );
    if iw != w || ih != h {
        c.set_window_size(w + (w - iw.min(w)), h + (h - ih.min(h)))
            .await
            .unwrap();
    }
}

/// Identifier-like words (`[a-z_]{4,}`) in visible Chinese prose: text nodes that hold Chinese
/// and a code that leaked into it ("2020-Q2 报告逾期" is fine, "auth.login 登录" is not). Codes
/// shown as codes (`<code>`, `<kbd>`, `<samp>`, `<pre>`, `<textarea>`, `[translate=no]`) are allowed.
const CODE_WORDS_JS: &str = r#"
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const n = walker.currentNode;
  const el = n.parentElement;
  if (!el || el.closest('code,kbd,samp,pre,textarea,script,style,[translate=no]')) continue;
  if (!el.offsetParent && el.tagName !== 'BODY') continue;
  const t = n.textContent;
  if (!/[一-鿿]/.test(t)) continue;
  for (const m of t.matchAll(/(?<![A-Za-z0-9_.\/:-])[a-z_]{4,}(?![A-Za-z0-9_])/g)) {
    if (!['duban', 'xlsx', 'json', 'docx', 'https', 'html', 'toml'].includes(m[0])) out.push(m[0] + ' ← ' + t.trim().slice(0, 60));
  }
}
return [...new Set(out)];
"#;

/// Opens `path`, then checks and photographs it. Returns the problems found.
pub(crate) async fn check_page(
    c: &Client,
    base: &str,
    role: &str,
    size: &str,
    path: &str,
) -> Vec<String> {
    c.goto(&format!("{base}{path}")).await.unwrap();
    wait_for(c, Locator::Css("body")).await;
    let mut problems = Vec::new();
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    if scroll > inner {
        problems.push(format!(
            "{role} {size} {path}: page scrolls sideways ({scroll} px wide in {inner})"
        ));
    }
    let text = body_text(c).await;
    if text.contains("UTC") {
        problems.push(format!("{role} {size} {path}: shows UTC"));
    }
    let words = c.execute(CODE_WORDS_JS, vec![]).await.unwrap();
    for word in words.as_array().into_iter().flatten() {
        problems.push(format!(
            "{role} {size} {path}: code in Chinese prose: {}",
            word.as_str().unwrap_or("")
        ));
    }
    let name = format!(
        "{role}-{size}{}.png",
        path.replace(['/', '?', '=', '&', '#'], "_")
    );
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(name), png).unwrap();
    problems
}

/// On a phone (call after `set_viewport(c, 390, …)`), the table `id` on `path` reads as cards:
/// no column headers, nothing hidden sideways, at least one row.
pub(crate) async fn assert_cards(c: &Client, base: &str, path: &str, id: &str) {
    c.goto(&format!("{base}{path}")).await.unwrap();
    wait_for(c, Locator::Id(id)).await;
    let fit = c
        .execute(
            "const t = document.getElementById(arguments[0]);
             return [getComputedStyle(t.tHead).display, t.scrollWidth, t.parentElement.clientWidth,
                     t.querySelectorAll('tbody tr').length];",
            vec![serde_json::json!(id)],
        )
        .await
        .unwrap();
    assert_eq!(
        fit[0], "none",
        "{path}: #{id} has no column headers on a phone"
    );
    assert!(
        fit[1].as_u64() <= fit[2].as_u64(),
        "{path}: #{id} cards fit their box on a phone: {fit:?}"
    );
    assert!(fit[3].as_u64().unwrap() > 0, "{path}: #{id} lists rows");
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_every_role_every_page_fits_desk_and_phone() {
    let app = spawn_app().await;
    duban_web::demo::load_demo(&app.state.store).await.unwrap();
    app.add_user("admin", Role::Admin, None).await;
    app.add_user("rep", Role::Reporter, Some("fgw")).await;
    app.add_user("boss", Role::Viewer, None).await;
    let plan = app.state.store.list_plans().await.unwrap()[0].id;
    // A publication and a bulletin draft, for the office's 发布 pages.
    let as_of = chrono::NaiveDate::from_ymd_opt(2020, 7, 15).unwrap();
    let publication = duban_web::publish::publish_plan(&app.state.store, plan, as_of, "", None)
        .await
        .unwrap()
        .id;
    let head = duban_core::publication::BulletinHead {
        issuer: "浙江省发展和改革委员会".into(),
        series: "服务业发展工作通报".into(),
        year: 2020,
        number: 0,
        title: "关于2020年上半年服务业发展工作进展情况的通报".into(),
        date: as_of,
    };
    let b = duban_web::publish::compose(&app.state.store, plan, as_of, head, "")
        .await
        .unwrap();
    let bulletin = app
        .state
        .store
        .draft_bulletin(plan, &duban_core::publication::Content::Bulletin(b), None)
        .await
        .unwrap()
        .id;
    let plan_pages = [
        "/plans".to_string(),
        format!("/plans/{plan}"),
        format!("/plans/{plan}/tasks"),
        format!("/plans/{plan}/status?as_of=2020-07-15"),
        format!("/plans/{plan}/summary?as_of=2020-07-15"),
        "/tasks/1".to_string(),
        "/tasks/1/deliver".to_string(),
        "/deliver".to_string(),
        "/escalations".to_string(),
        "/evaluations".to_string(),
        "/units".to_string(),
        "/messages".to_string(),
        "/methods/status".to_string(),
        "/search?q=%E6%9C%8D%E5%8A%A1%E4%B8%9A".to_string(),
    ];
    let admin_pages = [
        format!("/plans/{plan}/review"),
        format!("/plans/{plan}/adopt"),
        format!("/plans/{plan}/sheet"),
        "/plans/new".to_string(),
        "/admin/users".to_string(),
        "/admin/units".to_string(),
        "/admin/audit".to_string(),
        "/admin/escalations".to_string(),
        "/admin/notifications".to_string(),
        "/admin/calendar".to_string(),
        "/tasks/1/history".to_string(),
        "/tasks/1/edit".to_string(),
        format!("/plans/{plan}/edit"),
        "/escalations/1".to_string(),
        "/publications".to_string(),
        format!("/publications/{publication}"),
        format!("/bulletins/{bulletin}"),
    ];
    let mut problems = Vec::new();
    for (role, pages) in [
        (
            "admin",
            plan_pages
                .iter()
                .chain(admin_pages.iter())
                .collect::<Vec<_>>(),
        ),
        ("rep", plan_pages.iter().collect()),
        ("boss", plan_pages.iter().collect()),
    ] {
        let b = browser().await;
        let c = &b.client;
        log_in(c, &app, role).await;
        for (size, w, h) in SIZES {
            set_viewport(c, w, h).await;
            for path in &pages {
                problems.extend(check_page(c, &app.base, role, size, path).await);
            }
        }
        // On a phone the menu folds away and opens on a tap.
        set_viewport(c, 390, 844).await;
        c.goto(&format!("{}/plans", app.base)).await.unwrap();
        let nav = wait_for(c, Locator::Css("nav.main-nav")).await;
        assert!(!nav.is_displayed().await.unwrap(), "menu folded on a phone");
        c.find(Locator::Css("#menu-toggle > summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(nav.is_displayed().await.unwrap(), "menu opens on a tap");
        // Lists read row by row are cards on a phone.
        assert_cards(c, &app.base, "/escalations", "escalations").await;
        if role == "admin" {
            assert_cards(c, &app.base, "/admin/audit", "audit-entries").await;
        }
        b.client.clone().close().await.unwrap();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
