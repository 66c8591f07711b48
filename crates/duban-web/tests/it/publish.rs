//! Publish (issue 14): the office publishes the seed plan as of the demo date, drafts,
//! reviews and issues bulletins (numbered 第1期, 第2期), withdraws one; the public portal
//! (no login, no cookies) shows exactly the live publications in 简 and 繁, every table
//! downloads as .xlsx and .csv, the feed lists the live ones, no public page shows a
//! person's name or a report's text, and every step is in the audit chain.

use axum::http::{StatusCode, header};
use duban_core::report::ReportState;

use crate::client::{Client, Resp};
use crate::oversight::{get_bytes, get_xlsx};
use crate::{app_with_demo, app_with_users, login};

const AS_OF: &str = "2020-07-15";

/// The id at the end of a redirect to `/publications/{id}` or `/bulletins/{id}`.
fn id_of(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location:?}"))
}

/// Posts a new draft bulletin of the seed series as of `AS_OF`; `requirements: None` leaves
/// the optional field out of the form.
async fn post_bulletin(
    admin: &mut Client,
    plan: i64,
    title: &str,
    requirements: Option<&str>,
) -> Resp {
    let plan = plan.to_string();
    let mut fields = vec![
        ("plan_id", plan.as_str()),
        ("as_of", AS_OF),
        ("series", "服务业发展工作通报"),
        ("issuer", "省发展改革委"),
        ("title", title),
    ];
    fields.extend(requirements.map(|r| ("requirements", r)));
    admin.post_csrf("/bulletins", &fields).await
}

/// Posts the 领跑者名单 form with `fields` and the snapshot file `name` holding `bytes`.
async fn post_leaders(c: &mut Client, fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> Resp {
    let csrf = c.csrf.clone();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    c.post_multipart("/publications/leaders", &all, Some((name, bytes)))
        .await
}

async fn issue_bulletin(admin: &mut Client, plan: i64, title: &str) -> i64 {
    let r = post_bulletin(admin, plan, title, Some("")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft = id_of(r.location());
    for (version, state, notice) in [(1, "已审核", "已审核通过"), (2, "已签发", "已签发：")]
    {
        let r = admin
            .post_csrf(
                &format!("/bulletins/{draft}/advance"),
                &[("version", &version.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The step is confirmed once, on the page it leads to.
        let page = admin.get(r.location()).await;
        assert!(page.body.contains(notice), "{notice}");
        let page = admin.get(&format!("/bulletins/{draft}")).await;
        assert!(page.body.contains(state), "{state}");
        assert!(!page.body.contains("done-notice"));
        // The demo plan's bulletin says so on its own page too.
        assert!(page.body.contains("id=\"bulletin-demo\""));
    }
    draft
}

#[tokio::test]
async fn office_publishes_and_the_portal_shows_only_what_is_public() {
    let (app, plan) = app_with_demo().await;
    let mut admin = login(&app, "admin").await;

    // Nothing public yet.
    let mut anon = Client::new(&app);
    let r = anon.get("/public/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"no-publications\""));

    // Only the office publishes.
    let mut viewer = login(&app, "viewer").await;
    assert_eq!(
        viewer.get("/publications").await.status,
        StatusCode::FORBIDDEN
    );
    let mut reporter = login(&app, "rep_fgw").await;
    let r = reporter
        .post_csrf(
            "/publications/plan",
            &[("plan_id", &plan.to_string()), ("as_of", AS_OF)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // CSRF is checked.
    let r = admin
        .post_form(
            "/publications/plan",
            &[
                ("csrf", "wrong"),
                ("plan_id", &plan.to_string()),
                ("as_of", AS_OF),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // A plan as of the demo date.
    let r = admin
        .post_csrf(
            "/publications/plan",
            &[("plan_id", &plan.to_string()), ("as_of", AS_OF)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan_pub = id_of(r.location());
    let p = app.state.store.publication(plan_pub).await.unwrap();
    assert_eq!(p.as_of.as_deref(), Some(AS_OF));
    assert_eq!(p.method, duban_core::STATUS_METHOD_VERSION);
    assert!(p.demo, "the demo plan's publication is marked 示例数据");
    assert_eq!(p.data_hash.len(), 64);

    // A bad date is refused and nothing is published.
    let r = admin
        .post_csrf(
            "/publications/plan",
            &[("plan_id", &plan.to_string()), ("as_of", "2020-13-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state.store.publications().await.unwrap().len(), 1);

    // A draft bulletin is not public; issued ones are numbered per series and year.
    let first = issue_bulletin(&mut admin, plan, "关于上半年服务业发展工作进展情况的通报").await;
    let second = issue_bulletin(&mut admin, plan, "关于服务业发展工作进展情况的第二次通报").await;
    let r = post_bulletin(&mut admin, plan, "尚未签发的草稿通报", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // 下步要求 typed in a browser (CRLF line breaks): a blank line starts a paragraph.
    let r = post_bulletin(
        &mut admin,
        plan,
        "分段的草稿",
        Some("一、按期补报。\r\n\r\n二、专题研究。"),
    )
    .await;
    let page = admin.get(r.location()).await;
    assert!(
        page.body
            .contains("<p>一、按期补报。</p><p>二、专题研究。</p>"),
        "{}",
        page.body
    );
    let pubs = app.state.store.publications().await.unwrap();
    let numbers: Vec<(Option<i64>, Option<i64>)> = pubs
        .iter()
        .filter(|p| p.kind == duban_core::publication::PublicationKind::Bulletin)
        .map(|p| (p.year, p.number))
        .collect();
    assert_eq!(numbers, [(Some(2020), Some(2)), (Some(2020), Some(1))]);
    let first_pub = app
        .state
        .store
        .bulletin_draft(first)
        .await
        .unwrap()
        .publication_id
        .unwrap();
    assert!(
        app.state
            .store
            .bulletin_draft(second)
            .await
            .unwrap()
            .publication_id
            .is_some()
    );

    // An issued bulletin cannot be signed again.
    let r = admin
        .post_csrf(&format!("/bulletins/{first}/advance"), &[("version", "3")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // The bulletin downloads as .docx from the office page.
    let (status, ctype, docx) = get_bytes(
        &admin,
        &app.base,
        &format!("/bulletins/{first}/download/docx"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.contains("wordprocessingml"));
    assert!(docx.starts_with(b"PK"));
    // Saved under the bulletin's own name (UTF-8, RFC 6266), an ASCII fallback beside it.
    let r = admin
        .get(&format!("/bulletins/{first}/download/docx"))
        .await;
    let cd = r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    let name = "服务业发展工作通报2020年第1期.docx";
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(cd.contains(&format!("filename*=UTF-8''{encoded}")), "{cd}");
    // Drawn from the demo's reports, the file says so itself (it travels without the page).
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("【示例数据】本通报根据演示数据生成"), "{xml}");

    // The portal: no login, no cookie, cacheable.
    let r = anon.get("/public/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies().is_empty(), "no cookies on public pages");
    // Its icon is served with it (no 404 on every page in an intranet's logs).
    assert!(r.body.contains("assets/icon.svg"));
    assert_eq!(
        anon.get("/public/assets/icon.svg").await.status,
        StatusCode::OK
    );
    assert_eq!(
        r.headers.get(header::CACHE_CONTROL).unwrap(),
        "public, max-age=60"
    );
    assert!(r.body.contains(&format!("p/{plan_pub}.html")));
    assert!(r.body.contains(&format!("p/{first_pub}.html")));
    assert!(
        !r.body.contains("尚未签发的草稿通报"),
        "a draft is not public"
    );
    let page = anon.get(&format!("/public/p/{plan_pub}.html")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("示例数据"));
    assert!(page.body.contains(&p.data_hash));
    assert!(page.body.contains("class=\"light light-red\""));
    let bulletin = anon.get(&format!("/public/p/{first_pub}.html")).await;
    assert!(bulletin.body.contains("2020年第1期"));
    for heading in [
        "一、总体进展",
        "二、红黄灯任务",
        "三、逾期未报",
        "四、部门排名",
        "五、下步要求",
    ] {
        assert!(bulletin.body.contains(heading), "{heading}");
    }

    // Every table has its .xlsx and .csv.
    for page in [&page.body, &bulletin.body] {
        let stems: Vec<&str> = page
            .split("id=\"table-")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
            .collect();
        assert!(stems.len() >= 3);
        for stem in stems {
            get_xlsx(&anon, &app.base, &format!("/public/p/{stem}.xlsx")).await;
            let (status, ctype, bytes) =
                get_bytes(&anon, &app.base, &format!("/public/p/{stem}.csv")).await;
            assert_eq!(status, StatusCode::OK, "{stem}.csv");
            assert!(ctype.starts_with("text/csv"));
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV with a BOM");
        }
    }
    let (_, _, csv) = get_bytes(&anon, &app.base, &format!("/public/p/{plan_pub}-tasks.csv")).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("\u{feff}序号,任务,牵头单位,状态,进度（%）\n"));
    assert_eq!(csv.lines().count(), 31, "a header and the 30 seed tasks");

    // 繁體 copy, its own toggle back; no cookie either.
    let hant = anon.get("/public/hant/index.html").await;
    assert_eq!(hant.status, StatusCode::OK);
    assert!(hant.body.contains("公開發布"), "converted to Traditional");
    assert!(
        hant.body
            .contains("id=\"lang-toggle\" href=\"../index.html\""),
        "toggle back to 简体: {}",
        hant.body
    );
    assert!(hant.set_cookies().is_empty());

    // Nothing personal or unpublished on any public page: no user name, no report text.
    let reports = duban_app::status::plan_deliver(
        &app.state.store,
        plan,
        chrono::NaiveDate::from_ymd_opt(2020, 12, 31).unwrap(),
    )
    .await
    .unwrap()
    .reports;
    let mut texts: Vec<String> = reports
        .iter()
        .flat_map(|r| [r.progress.clone(), r.problems.clone(), r.next_steps.clone()])
        .filter(|t| t.chars().count() >= 8)
        .collect();
    texts.sort();
    texts.dedup();
    assert!(
        reports
            .iter()
            .any(|r| r.state == ReportState::Draft || r.state == ReportState::Returned)
    );
    let portal = app
        .state
        .portal
        .get(&app.state.store, &app.state.templates)
        .await
        .unwrap();
    for (path, f) in &portal.files {
        if !path.ends_with(".html") && !path.ends_with(".xml") {
            continue;
        }
        let body = String::from_utf8_lossy(&f.bytes);
        for name in ["admin", "viewer", "rep_fgw", "rep_swt"] {
            assert!(!body.contains(name), "{path} names user {name}");
        }
        for t in &texts {
            assert!(!body.contains(t.as_str()), "{path} shows report text {t:?}");
        }
    }

    // Verify recomputes the publication; compare shows what changed.
    let r = admin
        .post_csrf(&format!("/publications/{plan_pub}/verify"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("复算一致"), "{}", r.body);
    // A bulletin recomputes in the layout it was composed in.
    let r = admin
        .post_csrf(&format!("/publications/{first_pub}/verify"), &[])
        .await;
    assert!(r.body.contains("复算一致"), "{}", r.body);
    let r = admin
        .post_csrf(
            "/publications/plan",
            &[("plan_id", &plan.to_string()), ("as_of", "2020-12-31")],
        )
        .await;
    let later = id_of(r.location());
    let r = admin
        .get(&format!("/publications/compare?a={plan_pub}&b={later}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("灯色或进度有变化的任务"));

    // Withdrawal: a reason is required; then recorded, the page keeps only the notice.
    let r = admin
        .post_csrf(
            &format!("/publications/{later}/withdraw"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_csrf(
            &format!("/publications/{later}/withdraw"),
            &[("reason", "数据口径调整")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let gone = anon.get(&format!("/public/p/{later}.html")).await;
    assert!(gone.body.contains("id=\"withdrawn\""));
    assert!(gone.body.contains("数据口径调整"));
    assert!(
        !gone.body.contains("id=\"table-"),
        "no tables of a withdrawn publication"
    );
    assert_eq!(
        anon.get(&format!("/public/p/{later}-tasks.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let feed = anon.get("/public/feed.xml").await;
    assert!(
        feed.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert_eq!(
        feed.body.matches("<entry>").count(),
        3,
        "plan + 2 bulletins"
    );
    assert!(!feed.body.contains(&format!("p/{later}.html")));
    // The publication itself is never deleted.
    assert!(
        app.state
            .store
            .publication(later)
            .await
            .unwrap()
            .withdrawn
            .is_some()
    );

    // Every step is in the audit chain.
    crate::assert_audited(
        &app,
        &[
            "publication.create",
            "bulletin.draft",
            "bulletin.review",
            "bulletin.issue",
            "publication.withdraw",
        ],
    )
    .await;
    assert!(app.state.store.verify_audit().await.unwrap().is_ok());
}

/// An escalation downloads as an official notice (催办通知书 …, GB/T 9704 .docx) for the
/// office and the unit it is addressed to, not for another unit's reporter.
#[tokio::test]
async fn an_escalation_downloads_as_an_official_notice() {
    let (app, _) = app_with_demo().await;
    let all = app
        .state
        .store
        .list_escalations(&Default::default(), 1000)
        .await
        .unwrap();
    let fgw = crate::unit_id(&app, "fgw").await;
    let own = all
        .iter()
        .find(|e| e.unit_id == fgw)
        .expect("an escalation of 省发展改革委");
    let other = all
        .iter()
        .find(|e| e.unit_id != fgw)
        .expect("another unit's escalation");
    let admin = login(&app, "admin").await;
    let (status, xml) = crate::oversight::notice_docx(&admin, &app.base, own.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        xml.contains(&format!("{}：", own.unit_name)),
        "addressed to the unit"
    );
    assert!(xml.contains(&format!("第{}项任务", own.task_number.unwrap())));
    assert!(xml.contains(&format!("督办〔2020〕{}号", own.id)));
    let rep = login(&app, "rep_fgw").await;
    for (who, id, format, want) in [
        (&rep, own.id, "docx", StatusCode::OK),
        (&rep, other.id, "docx", StatusCode::FORBIDDEN),
        (&admin, own.id, "odt", StatusCode::NOT_FOUND),
    ] {
        let path = format!("/escalations/{id}/notice/{format}");
        let (status, _, _) = get_bytes(who, &app.base, &path).await;
        assert_eq!(status, want, "{path}");
    }
}

/// 公开领跑者名单 from the office page: a firm-level snapshot is recomputed before it is
/// published; a file that is not one is refused and nothing is published.
#[tokio::test]
async fn the_office_publishes_a_leader_list_from_a_snapshot() {
    use duban_io::firm_format;
    let app = app_with_users().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec_text = std::fs::read_to_string(root.join("data/demo/muni/spec.toml")).unwrap();
    let spec = firm_format::parse_firm_spec(&spec_text).unwrap();
    let data = std::fs::read(root.join("data/demo/muni/firms.csv")).unwrap();
    let table = duban_io::firm_table::read_csv_table(&data, &spec.columns().unwrap()).unwrap();
    let e = firm_format::run(&table, &spec).unwrap();
    let snap = duban_io::eval_format::snapshot_text(
        &firm_format::snapshot_json(&e, &table, &spec).unwrap(),
    );
    let mut admin = login(&app, "admin").await;
    let r = post_leaders(
        &mut admin,
        &[("title", "领跑者名单")],
        "x.json",
        b"{not json",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(app.state.store.publications().await.unwrap().is_empty());
    let mut rep = login(&app, "rep_fgw").await;
    let r = post_leaders(
        &mut rep,
        &[("title", "领跑者名单")],
        "s.json",
        snap.as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let fields = [("title", "2020年度亩均效益领跑者名单"), ("demo", "yes")];
    let r = post_leaders(&mut admin, &fields, "s.json", snap.as_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = id_of(r.location());
    let mut anon = Client::new(&app);
    let page = anon.get(&format!("/public/p/{id}.html")).await;
    assert!(page.body.contains("id=\"table-"));
    assert!(page.body.contains("示例数据"));
    let r = admin
        .post_csrf(&format!("/publications/{id}/verify"), &[])
        .await;
    assert!(r.body.contains("复算一致"), "{}", r.body);
}

/// Found by a probe on PostgreSQL: ten 签发 clicks at once issued one draft as two numbered
/// bulletins (第1期 and 第2期 with the same content). Each step now happens once; the others
/// are told the draft moved on (409).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_sign_off_steps_issue_one_bulletin() {
    let (app, plan) = app_with_demo().await;
    let mut admin = login(&app, "admin").await;
    let r = post_bulletin(&mut admin, plan, "并发签发", Some("")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft = id_of(r.location());
    for version in [1, 2] {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = app.state.store.clone();
                tokio::spawn(async move { store.advance_bulletin(draft, version, None).await })
            })
            .collect();
        let mut done = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => done += 1,
                Err(duban_store::StoreError::Conflict) => {}
                Err(e) => panic!("version {version}: {e}"),
            }
        }
        assert_eq!(done, 1, "version {version}: one step");
    }
    let issued = app.state.store.bulletin_draft(draft).await.unwrap();
    assert_eq!(issued.version, 3);
    let bulletins = app
        .state
        .store
        .publications()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.title.starts_with("服务业发展工作通报"))
        .count();
    assert_eq!(bulletins, 1, "one numbered bulletin");
    // The office's page shows the issued text with its number, no longer the 审核稿.
    let page = admin.get(&format!("/bulletins/{draft}")).await;
    assert!(
        page.body.contains("2020年第1期") && !page.body.contains("审核稿）"),
        "{}",
        page.body
    );
}
