//! Each role's day at a desk (1366 × 768) and on a phone (390 × 844), issue 10: every page
//! fits the screen (no sideways page scroll), shows no "UTC", and is kept as a screenshot
//! under `artifacts/screenshots/` (README: "Screenshots") for a person to look at.

use std::path::PathBuf;

use duban_store::user::Role;
use duban_web::testing::spawn_app;
use fantoccini::{Client, Locator};

use super::helpers::{body_text, browser, click, js, log_in, wait_for};

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
    let inner = js(c, "return [window.innerWidth, window.innerHeight];").await;
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

/// Controls a user could not use as shown: a visible link, button or menu whose text is cut
/// (by its own box, by a box that hides overflow, or by the screen edge; a box that scrolls
/// sideways is fine), a short button label squeezed onto more than two lines, a tab, menu
/// entry, action link, button or badge of a few characters split over lines, and controls or
/// status badges whose text hardly stands out from what is behind it (contrast below 3:1, the
/// WCAG minimum for large text and controls: what reads as "disabled").
const CONTROLS_JS: &str = r#"
const out = [];
const vw = document.documentElement.clientWidth;
const rgba = s => { const m = s.match(/[\d.]+/g) || []; return m.map(Number); };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const behind = el => { for (let a = el; a; a = a.parentElement) { const c = rgba(getComputedStyle(a).backgroundColor);
  if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
const name = (el, text) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' 「' + text.slice(0, 30) + '」';
for (const el of document.querySelectorAll('a, button, summary, input[type=submit], .button, .light, .rstate, .tag, .grade, .demo-tag, .demo-badge, small.error')) {
  const cs = getComputedStyle(el);
  if (cs.visibility === 'hidden' || el.disabled || el.closest('.visually-hidden')) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  const text = ((el.tagName === 'INPUT' ? el.value : el.innerText) || '').trim();
  if (!text) continue;
  let why = null;
  if (cs.display !== 'inline' && cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) why = 'text cut by its own box';
  let scrolls = false;
  for (let a = el.parentElement; !why && a && a !== document.body; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll') { scrolls = true; break; }
    if (o === 'hidden' || o === 'clip') {
      const b = a.getBoundingClientRect();
      if (r.right > b.right + 1 || r.left < b.left - 1) why = 'text cut by ' + a.tagName.toLowerCase() + '.' + a.className;
    }
  }
  // Off-screen on purpose (a skip link waiting for focus) is not cut; half on screen is.
  if (!why && !scrolls && ((r.left < vw && r.right > vw + 1) || (r.right > 0 && r.left < -1))) why = 'text cut by the screen edge';
  const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.6;
  const inner = r.height - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
  if (!why && (el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' || el.classList.contains('button')) && text.length <= 12) {
    if (inner > line * 2.5) why = 'label squeezed to ' + Math.round(r.width) + ' px';
  }
  // A tab, menu entry, action link, button or badge of a few characters is one word: never
  // split over lines (填 / 报, 审计日 / 志, 逾期 98 / 天).
  if (!why && text.length <= 8 && (el.tagName !== 'A' || el.closest('nav, .tabs, .actions') || el.classList.contains('button'))) {
    const range = document.createRange();
    range.selectNodeContents(el);
    // A second line starts below the bottom of the first (an icon set a little higher or
    // lower on the same line overlaps it and does not count).
    const boxes = [...range.getClientRects()].filter(q => q.width > 0);
    const first = Math.min(...boxes.map(q => q.bottom));
    if (boxes.some(q => q.top >= first - 1)) why = 'label broken over lines';
  }
  if (!why) {
    const fg = rgba(cs.color), bg = behind(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 3) why = 'text contrast ' + ratio.toFixed(2) + ':1 (' + cs.color + ' on rgb(' + bg.slice(0, 3).join(', ') + '))';
  }
  if (why) out.push(name(el, text) + ': ' + why);
}
return out;
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
    let problems = check_shown(c, &format!("{role} {size} {path}")).await;
    let name = format!(
        "{role}-{size}{}.png",
        path.replace(['/', '?', '=', '&', '#'], "_")
    );
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(name), png).unwrap();
    problems
}

/// The checks of `check_page` on the page as it is shown now; each problem starts with `at`.
async fn check_shown(c: &Client, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let widths = js(
        c,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    if scroll > inner + 1 {
        problems.push(format!(
            "{at}: page scrolls sideways ({scroll} px wide in {inner})"
        ));
    }
    let text = body_text(c).await;
    if text.contains("UTC") {
        problems.push(format!("{at}: shows UTC"));
    }
    let controls = c.execute(CONTROLS_JS, vec![]).await.unwrap();
    for control in controls.as_array().into_iter().flatten() {
        problems.push(format!("{at}: {}", control.as_str().unwrap_or("")));
    }
    let words = c.execute(CODE_WORDS_JS, vec![]).await.unwrap();
    for word in words.as_array().into_iter().flatten() {
        problems.push(format!(
            "{at}: code in Chinese prose: {}",
            word.as_str().unwrap_or("")
        ));
    }
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
        "/monitor".to_string(),
        "/monitor/alerts".to_string(),
        // The office edits the rules in a form; everyone else reads them as text.
        "/monitor/rules".to_string(),
        "/evaluations/snapshots".to_string(),
        // The error pages a user meets: unknown page (404), a date that is no date (400).
        "/no-such-page".to_string(),
        format!("/plans/{plan}/status?as_of=2020-13-45"),
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
        // Opened by /evaluations above, which loads the demo data set and method.
        "/evaluations/datasets/1".to_string(),
        "/evaluations/methods/1".to_string(),
        "/evaluations/datasets/new".to_string(),
        "/admin/tokens".to_string(),
        "/admin/adjustments".to_string(),
        "/reports/12".to_string(),
        "/muni".to_string(),
    ];
    // The reporter's own report form (a draft opened from 本期待办) and a refused page (403).
    let rep_pages = ["/admin/users".to_string(), "/muni".to_string()];
    let boss_pages = ["/muni/finals".to_string()];
    let mut problems = Vec::new();
    for (role, pages) in [
        (
            "admin",
            plan_pages
                .iter()
                .chain(admin_pages.iter())
                .collect::<Vec<_>>(),
        ),
        ("rep", plan_pages.iter().chain(rep_pages.iter()).collect()),
        ("boss", plan_pages.iter().chain(boss_pages.iter()).collect()),
    ] {
        let b = browser().await;
        let c = &b.client;
        log_in(c, &app, role).await;
        let mut pages = pages;
        let form;
        if role == "rep" {
            c.goto(&format!("{}/deliver", app.base)).await.unwrap();
            click(c, Locator::Css(".fill-report")).await;
            wait_for(c, Locator::Id("report-form")).await;
            form = c.current_url().await.unwrap().path().to_string();
            pages.push(&form);
        }
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
    // Before logging in: the log-in page and the public portal.
    let b = browser().await;
    let c = &b.client;
    for (size, w, h) in SIZES {
        set_viewport(c, w, h).await;
        for path in ["/login", "/public/"] {
            problems.extend(check_page(c, &app.base, "guest", size, path).await);
        }
    }
    b.client.clone().close().await.unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The walk's checks can fail: on a phone-sized log-in page, controls broken on purpose (one
/// per kind of fault) are each reported, and the page as shipped is not.
#[tokio::test]
#[ignore = "needs chromium; run by .ci/run"]
async fn browser_walk_checks_catch_broken_controls() {
    let app = spawn_app().await;
    let b = browser().await;
    let c = &b.client;
    set_viewport(c, 390, 844).await;
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    wait_for(c, Locator::Id("login-submit")).await;
    assert_eq!(check_shown(c, "login").await, Vec::<String>::new());
    // Styles are set through the DOM: the page's CSP refuses inline style attributes.
    c.execute(
        r#"const main = document.querySelector('main');
        const add = (parent, tag, id, text, css, cls) => {
          const el = document.createElement(tag);
          if (id) el.id = id;
          if (cls) el.className = cls;
          el.textContent = text;
          el.style.cssText = css;
          parent.appendChild(el);
          return el;
        };
        add(add(main, 'div', '', '', 'width:3rem;overflow:hidden'), 'button', 'cut-by-box', '保存并报送', 'white-space:nowrap');
        add(main, 'button', 'cut-own', '保存草稿', 'width:2rem;overflow:hidden;white-space:nowrap');
        add(add(main, 'p', '', '', ''), 'a', 'cut-by-edge', '督办情况一览', 'position:relative;left:330px;white-space:nowrap').href = '#';
        add(main, 'button', 'squeezed', '批量审核', 'width:1.2em;padding:0');
        add(add(main, 'p', '', '', ''), 'button', 'faint', '打印', 'color:#fff', 'link');
        add(main, 'span', 'pale', '黄灯', 'background:#ca8a04', 'light');
        add(main, 'div', '', '宽表格', 'width:600px');
        add(main, 'p', '', 'auth.login 登录 session_token', '');
        add(add(main, 'nav', '', '', 'display:flex;width:2.5em', 'tabs'), 'a', 'split-tab', '审计日志', 'white-space:normal').href = '#';"#,
        vec![],
    )
    .await
    .unwrap();
    let found = check_shown(c, "login").await.join("\n");
    for expected in [
        "#cut-by-box 「保存并报送」: text cut by div",
        "#cut-own 「保存草稿」: text cut by its own box",
        "#cut-by-edge 「督办情况一览」: text cut by the screen edge",
        "#squeezed 「批量审核」: label squeezed",
        "#faint 「打印」: text contrast 1.",
        "#pale 「黄灯」: text contrast 2.",
        "page scrolls sideways (6",
        "code in Chinese prose: session_token",
        "#split-tab 「审计日志」: label broken over lines",
    ] {
        assert!(
            found.contains(expected),
            "{expected} not reported in:\n{found}"
        );
    }
    b.client.clone().close().await.unwrap();
}
