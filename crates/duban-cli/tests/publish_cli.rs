//! `duban publish export --to DIR` with the real binary (issue 14): on a fresh
//! `serve --demo` database after the seed plan is published (and a bulletin issued),
//! DIR/index.html exists, no page refers to anything outside DIR (no absolute URL, no
//! root-relative path), every link between pages resolves to a file inside DIR, and every
//! table has its .xlsx and .csv. `duban publish verify` recomputes the publication.

#[allow(dead_code)] // each test binary uses a part of the shared helpers
mod common;

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use common::db::{Db, rt};
use duban_core::publication::{BulletinHead, Content};

/// Every `href`/`src` value of an HTML text (attribute values as written).
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap().to_string());
        }
    }
    out
}

/// `link` resolved against the folder of `page` (both relative to the export root), or
/// `None` when it climbs out of the root.
fn resolve(page: &Path, link: &str) -> Option<PathBuf> {
    let target = link.split(['#', '?']).next().unwrap();
    let mut parts: Vec<Component> = page.parent().unwrap().components().collect();
    for c in Path::new(target).components() {
        match c {
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(_) => parts.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.iter().collect())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn exported_portal_is_self_contained() {
    let db = Db::fresh();
    let mut server = db.serve_demo();
    server.kill().unwrap();
    server.wait().unwrap();

    // Publish the seed plan as of the demo date with the command; issue one bulletin
    // through the functions the office's pages call.
    let id = db.ok(&["publish", "plan", "--as-of", "2020-07-15"], None);
    assert_eq!(id.trim(), "1");
    rt().block_on(async {
        let store = duban_store::Store::connect(&db.url()).await.unwrap();
        let plan = store.list_plans().await.unwrap()[0].id;
        let as_of = chrono::NaiveDate::from_ymd_opt(2020, 7, 15).unwrap();
        let head = BulletinHead {
            issuer: "省发展改革委".into(),
            series: "服务业发展工作通报".into(),
            year: 2020,
            number: 0,
            title: "关于上半年服务业发展工作进展情况的通报".into(),
            date: as_of,
        };
        let b = duban_web::publish::compose(&store, plan, as_of, head, "")
            .await
            .unwrap();
        let d = store
            .draft_bulletin(plan, &Content::Bulletin(b), None)
            .await
            .unwrap();
        store.advance_bulletin(d.id, 1, None).await.unwrap();
        store.advance_bulletin(d.id, 2, None).await.unwrap();
        store.close().await;
    });

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("公开 portal");
    let printed = db.ok(&["publish", "export", "--to", dir.to_str().unwrap()], None);
    assert!(printed.contains("2 份发布件"), "{printed}");
    assert!(dir.join("index.html").is_file());
    assert!(dir.join("hant/index.html").is_file());
    assert!(dir.join("feed.xml").is_file());

    let files: BTreeSet<PathBuf> = files_under(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().to_path_buf())
        .collect();
    let mut pages = 0;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
    {
        pages += 1;
        let html = std::fs::read_to_string(dir.join(f)).unwrap();
        for needle in ["http://", "https://", "//"] {
            for l in links(&html) {
                assert!(
                    !l.starts_with(needle),
                    "{}: link {l:?} leaves the folder",
                    f.display()
                );
            }
        }
        assert!(
            !html.contains("url(/"),
            "{}: root-relative CSS url",
            f.display()
        );
        for l in links(&html) {
            if l.starts_with('#') {
                continue;
            }
            assert!(
                !l.starts_with('/'),
                "{}: root-relative link {l:?}",
                f.display()
            );
            let target = resolve(f, &l)
                .unwrap_or_else(|| panic!("{}: {l:?} climbs out of the folder", f.display()));
            assert!(
                files.contains(&target),
                "{}: {l:?} → {} is not in the export",
                f.display(),
                target.display()
            );
        }
        // Every table has its .xlsx and .csv.
        for stem in html
            .split("id=\"table-")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
        {
            for ext in ["xlsx", "csv"] {
                assert!(
                    files.contains(&PathBuf::from(format!("p/{stem}.{ext}"))),
                    "{}: table {stem} has no .{ext}",
                    f.display()
                );
            }
        }
    }
    assert!(pages >= 6, "index and two publications, 简 and 繁: {pages}");
    // The bulletin's documents.
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "docx"))
    );

    // The publication recomputes from the data.
    let verified = db.ok(&["publish", "verify", "1"], None);
    assert!(verified.contains("复算一致"), "{verified}");
    // A missing publication is an error with a message, not a panic.
    let out = db.run(&["publish", "verify", "999"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("999"));
}

/// A 亩均 领跑者 list (issue 14 item 1): the demo county's firm evaluation written as a
/// snapshot by `duban eval run --snapshot`, published with `duban publish leaders`, shown in
/// the exported portal with its table downloads and the snapshot itself; `publish verify`
/// recomputes it; a tampered snapshot is refused before anything is published.
#[test]
fn a_leader_list_is_published_from_a_firm_snapshot() {
    let db = Db::fresh();
    let mut server = db.serve_demo();
    server.kill().unwrap();
    server.wait().unwrap();
    let work = tempfile::tempdir().unwrap();
    let snap = work.path().join("firms-snapshot.json");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = common::run_command(
        {
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_duban"));
            c.args(["eval", "run", "--format", "csv", "--data"])
                .arg(root.join("data/demo/muni/firms.csv"))
                .arg("--spec")
                .arg(root.join("data/demo/muni/spec.toml"))
                .arg("--snapshot")
                .arg(&snap);
            c
        },
        None,
    );
    common::succeeded(&out, "duban eval run --snapshot");
    // Tampered: refused, nothing published.
    let text = std::fs::read_to_string(&snap).unwrap();
    let bad = work.path().join("bad.json");
    let mut tampered: serde_json::Value = serde_json::from_str(&text).unwrap();
    tampered["result"]["firms"][0]["score"] = serde_json::json!(999.0);
    std::fs::write(&bad, tampered.to_string()).unwrap();
    let out = db.run(
        &[
            "publish",
            "leaders",
            "--snapshot",
            bad.to_str().unwrap(),
            "--title",
            "x",
        ],
        None,
    );
    assert!(!out.status.success(), "a tampered snapshot is refused");

    let id = db.ok(
        &[
            "publish",
            "leaders",
            "--snapshot",
            snap.to_str().unwrap(),
            "--title",
            "2020年度亩均效益领跑者名单（示例数据）",
            "--demo",
        ],
        None,
    );
    let id = id.trim();
    let dir = work.path().join("site");
    db.ok(&["publish", "export", "--to", dir.to_str().unwrap()], None);
    let page = std::fs::read_to_string(dir.join(format!("p/{id}.html"))).unwrap();
    assert!(page.contains("领跑者名单"));
    assert!(page.contains("示例数据"));
    let csv = std::fs::read_to_string(dir.join(format!("p/{id}-leaders.csv"))).unwrap();
    assert!(
        csv.starts_with("\u{feff}分组,名次,企业代码,评价单元,得分,等级\n"),
        "{csv}"
    );
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty(), "the demo has leaders");
    assert!(
        rows.iter().all(|r| r.ends_with(",A")),
        "leaders are grade A: {rows:?}"
    );
    assert!(dir.join(format!("p/{id}-leaders.xlsx")).is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join(format!("p/{id}-snapshot.json"))).unwrap(),
        text
    );
    let verified = db.ok(&["publish", "verify", id], None);
    assert!(verified.contains("复算一致"), "{verified}");
}
