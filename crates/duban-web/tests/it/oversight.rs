//! Oversight: the 督办表 round trip over HTTP (export → fill → import as drafts; a bad cell
//! → 422 naming it, nothing saved; another unit → 403), escalations raised by the rules
//! (idempotent) with their notifications delivered to a local SMTP sink and a local signed
//! webhook receiver, the unit's response and the office's closure, and the audit chain.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use duban_store::deliver::report::ReportKey;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::client::{Client, Resp};
use crate::{
    app_with_users, bearer, login, post_escalation_action, seed_plan_id, submit_report_in_store,
};

#[path = "../../../duban-io/tests/common/mod.rs"]
pub(crate) mod io_common;

/// GET returning the raw bytes (the test client decodes bodies as text).
pub(crate) async fn get_bytes(c: &Client, base: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
    use http_body_util::{BodyExt, Full};
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<axum::body::Bytes>>();
    let mut req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(format!("{base}{path}"));
    if let Some(b) = &c.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies.join("; "));
    }
    let res = http
        .request(req.body(Full::new(axum::body::Bytes::new())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ct, body)
}

/// GET of a workbook: it is answered 200 as a spreadsheet that is a zip file; its bytes.
pub(crate) async fn get_xlsx(c: &Client, base: &str, path: &str) -> Vec<u8> {
    let (status, ctype, bytes) = get_bytes(c, base, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert!(ctype.contains("spreadsheetml"), "{path}: {ctype}");
    assert!(bytes.starts_with(b"PK"), "{path}");
    bytes
}

/// An escalation's notice downloaded as .docx: its status, and the text of its
/// `word/document.xml` (empty unless it is a Word document).
pub(crate) async fn notice_docx(c: &Client, base: &str, id: i64) -> (StatusCode, String) {
    let (status, ctype, bytes) =
        get_bytes(c, base, &format!("/escalations/{id}/notice/docx")).await;
    if !ctype.contains("wordprocessingml") {
        return (status, String::new());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    (status, xml)
}

/// 省发展改革委's 督办表 of the seed plan's first quarter over the API.
pub(crate) struct FgwSheet {
    /// The unit's reporter, by token.
    pub rep: Client,
    pub plan: i64,
    pub period: String,
    /// Where the workbook downloads and where it uploads.
    pub export: String,
    pub import: String,
}

impl FgwSheet {
    pub(crate) async fn of_seed_plan(app: &duban_web::testing::TestApp) -> FgwSheet {
        let plan = seed_plan_id(app).await;
        let mut rep = bearer(app, "rep_fgw").await;
        let period = first_quarter(&mut rep, plan).await;
        FgwSheet {
            export: format!("/api/v1/plans/{plan}/export.xlsx?period={period}"),
            import: format!("/api/v1/plans/{plan}/import?period={period}"),
            rep,
            plan,
            period,
        }
    }
}

/// The task code in `row` of the 督办表 `book`.
pub(crate) fn task_code(book: &io_common::Book, row: u32) -> String {
    match book.main.get(&(row, book.col("任务编码"))) {
        Some(io_common::C::S(s)) => s.clone(),
        other => panic!("no task code in row {row}: {other:?}"),
    }
}

/// The first data row of the 督办表 `book` that names a target (of the unit's tasks).
pub(crate) fn first_row_with_target(book: &io_common::Book) -> u32 {
    let code_col = book.col("目标编码");
    book.data_rows()
        .into_iter()
        .find(
            |&r| matches!(book.main.get(&(r, code_col)), Some(io_common::C::S(s)) if !s.is_empty()),
        )
        .expect("fgw leads a task with a target")
}

/// The first quarterly period key of the plan.
pub(crate) async fn first_quarter(c: &mut Client, plan: i64) -> String {
    let r = c.get(&format!("/api/v1/plans/{plan}/periods")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cadence"] == "quarterly")
        .and_then(|p| p["key"].as_str())
        .expect("a quarterly period")
        .to_string()
}

#[tokio::test]
async fn workbook_round_trip_saves_drafts_or_nothing() {
    let app = app_with_users().await;
    let FgwSheet {
        mut rep,
        plan,
        period,
        export,
        import,
    } = FgwSheet::of_seed_plan(&app).await;

    let (status, ct, bytes) = get_bytes(&rep, &app.base, &export).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(ct.contains("spreadsheetml"), "{ct}");
    // Another unit's sheet: refused both ways.
    let (status, _, _) = get_bytes(&rep, &app.base, &format!("{export}&unit=swt")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = import_xlsx(&mut rep, &format!("{import}&unit=swt"), bytes.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Fill two rows: one with a target value, one with text only.
    let mut book = io_common::load(&bytes);
    let t1 = task_code(&book, first_row_with_target(&book));
    let t2 = book
        .data_rows()
        .into_iter()
        .map(|r| task_code(&book, r))
        .find(|c| *c != t1)
        .expect("fgw leads two tasks");
    book.set(
        &t1,
        "进展情况",
        io_common::s("一季度已完成年度任务的三成。"),
    );
    book.set(&t1, "存在问题", io_common::s("资金到位偏慢"));
    book.set(&t1, "目标值①", io_common::s("1,234.5"));
    book.set(&t2, "进展情况", io_common::s("按计划推进"));
    let filled = book.save_xlsxwriter();

    let r = import_xlsx(&mut rep, &import, filled).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved = r.json()["reports"].as_array().unwrap().clone();
    assert_eq!(saved.len(), 2, "{saved:?}");
    let report_of = |task_code: &str| {
        let row = saved.iter().find(|s| s["task_code"] == task_code).unwrap();
        row["report_id"].as_i64().unwrap()
    };
    let id1 = report_of(&t1);
    let report = rep.get(&format!("/api/v1/reports/{id1}")).await.json();
    assert_eq!(report["state"], "draft");
    assert_eq!(report["progress"], "一季度已完成年度任务的三成。");
    assert_eq!(report["values"][0]["value"], 1234.5);

    // A bad cell: 422 naming it; the other row's change is not saved either.
    let (_, _, bytes) = get_bytes(&rep, &app.base, &export).await;
    let mut book = io_common::load(&bytes);
    assert_eq!(
        book.main.get(&(book.row(&t1), book.col("进展情况"))),
        Some(&io_common::s("一季度已完成年度任务的三成。")),
        "the export is pre-filled with the draft"
    );
    book.set(&t2, "进展情况", io_common::s("这次不应保存"));
    book.set(&t1, "目标值①", io_common::s("三百五十"));
    let bad_row = book.row(&t1) + 1;
    let bad_col = duban_io::supervision_sheet::column_letters(book.col("目标值①"));
    let r = import_xlsx(&mut rep, &import, book.save_xlsxwriter()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["code"], "invalid_workbook");
    let d = &e["error"]["details"][0];
    assert_eq!(d["cell"], format!("{bad_col}{bad_row}"));
    assert!(d["message"].as_str().unwrap().contains("三百五十"), "{d}");
    assert!(
        r.error_message()
            .contains(&format!("第{bad_row}行 {bad_col}列")),
        "{}",
        r.body
    );
    let id2 = report_of(&t2);
    let r2 = rep.get(&format!("/api/v1/reports/{id2}")).await.json();
    assert_eq!(
        r2["progress"], "按计划推进",
        "nothing saved from the refused file"
    );

    // The HTML page: download link and upload form (multipart, CSRF) with cell errors.
    let mut web = login(&app, "rep_fgw").await;
    let page = web
        .get(&format!("/plans/{plan}/sheet?period={period}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"download-sheet\""));
    let r = upload_sheet(&mut web, plan, &period, &book.save_xlsxwriter()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(&format!("第{bad_row}行 {bad_col}列")),
        "{}",
        r.body
    );
    book.set(&t1, "目标值①", io_common::s("350"));
    let r = upload_sheet(&mut web, plan, &period, &book.save_xlsxwriter()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"import-result\""));
    // Reports are listed by 序号 and task title, not by the sheet's hidden codes.
    let result = r.body.split("id=\"import-result\"").nth(1).unwrap();
    let result = result.split("</div>").next().unwrap();
    assert!(
        result.contains("\">1. ") || result.contains(". "),
        "{result}"
    );
    assert!(!result.contains("\">T"), "{result}");
    let r2 = rep.get(&format!("/api/v1/reports/{id2}")).await.json();
    assert_eq!(
        r2["progress"], "这次不应保存",
        "the corrected file is saved whole"
    );

    // Every change is in the audit chain, under the task.
    let s = &app.state.store;
    let task_id = report["task_id"].as_i64().unwrap();
    let history = s.task_history(task_id, 100).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"report.create") && actions.contains(&"report.edit"),
        "{actions:?}"
    );
    assert!(history.iter().all(|e| e.actor == "rep_fgw"));
    assert!(s.verify_audit().await.unwrap().is_ok());
    let page = web.get(&format!("/tasks/{task_id}/history")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("report.create"),
        "the code stays in the title"
    );
    assert!(page.body.contains(">新建报告<"), "the action in Chinese");
}

/// Posts the 批量销号 form: the ticked escalations (ids) and the office's note.
async fn batch_close(c: &mut Client, escalations: &[&str], note: &str) -> Resp {
    let mut fields: Vec<(&str, &str)> = escalations.iter().map(|e| ("escalation", *e)).collect();
    fields.push(("note", note));
    c.post_csrf("/escalations/batch-close", &fields).await
}

/// Uploads the 督办表 `workbook` of plan `plan` for period `period` through its page's form.
async fn upload_sheet(web: &mut Client, plan: i64, period: &str, workbook: &[u8]) -> Resp {
    let csrf = web.csrf.clone();
    web.post_multipart(
        &format!("/plans/{plan}/sheet/import"),
        &[("csrf", &csrf), ("period", period)],
        Some(("督办表.xlsx", workbook)),
    )
    .await
}

/// POSTs a workbook to an import path of the API.
pub(crate) async fn import_xlsx(c: &mut Client, path: &str, workbook: Vec<u8>) -> Resp {
    c.send(
        Method::POST,
        path,
        Some(duban_web::api::oversight::XLSX),
        &[],
        workbook,
    )
    .await
}

/// A plain SMTP sink on 127.0.0.1: accepts everything, keeps (rcpt, data).
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<(Vec<String>, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    if cmd.starts_with("EHLO") {
                        w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await.unwrap();
                    } else if cmd.starts_with("RCPT") {
                        rcpt.push(line.trim_end().to_string());
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    } else if cmd == "DATA" {
                        w.write_all(b"354 go\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            line.clear();
                            r.read_line(&mut line).await.unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        store
                            .lock()
                            .unwrap()
                            .push((std::mem::take(&mut rcpt), data));
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else if cmd == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, got)
}

type Hooks = Arc<Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;

/// A webhook receiver on 127.0.0.1 keeping the raw requests.
async fn webhook_receiver() -> (String, Hooks) {
    let got: Hooks = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = store.clone();
                async move {
                    store.lock().unwrap().push((headers, body));
                    StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got)
}

#[tokio::test]
async fn escalations_notify_by_mail_and_signed_webhook_and_close() {
    let app = app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let s = &app.state.store;
    let (smtp_port, mails) = smtp_sink().await;
    let (hook_url, hooks) = webhook_receiver().await;
    let secret = "s3cret-for-tests";
    s.set_notify_settings(&duban_store::notification::NotifySettings {
        office_email: Some("office@example.org".into()),
        notifier: json!({
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "from": "督办办公室 <duban@example.org>", "tls": "none"},
            "webhooks": [{"url": hook_url, "secret": secret}],
        }),
    })
    .await
    .unwrap();
    let fgw = s.unit_by_code("fgw").await.unwrap().unwrap();
    s.set_unit_contact(fgw.id, "fgw@example.org").await.unwrap();

    // No reports at all: by 2020-05-15 the Q1 reports are far overdue.
    let mut admin = bearer(&app, "admin").await;
    let run = format!("/api/v1/plans/{plan}/escalations/run");
    let r = admin
        .post_json(&run, &json!({"as_of": "2020-05-15"}), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let created = r.json()["created"].as_array().unwrap().len();
    assert!(created > 0, "{}", r.body);
    assert_eq!(r.json()["required"].as_u64().unwrap() as usize, created);
    let again = admin
        .post_json(&run, &json!({"as_of": "2020-05-15"}), &[])
        .await;
    assert_eq!(again.json()["created"], json!([]), "idempotent");
    let mut rep = bearer(&app, "rep_fgw").await;
    assert_eq!(
        rep.post_json(&run, &json!({}), &[]).await.status,
        StatusCode::FORBIDDEN
    );

    // Reporters see their own unit's records only; levels follow the ladder.
    let mine = rep.get("/api/v1/escalations").await.json();
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|e| e["unit_id"] == fgw.id));
    assert!(mine.iter().any(|e| e["level"] == "reminder"));
    assert!(mine.iter().any(|e| e["level"] == "notice"));
    let all = admin.get("/api/v1/escalations?level=reminder").await.json();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|e| e["level"] == "reminder")
    );

    // The outbox delivers: one e-mail to the unit, a copy to the office, a signed webhook.
    let notifier = duban_web::oversight::notifier_for(s, None)
        .await
        .unwrap()
        .unwrap();
    let deliver = || {
        duban_web::oversight::deliver_outbox(
            s,
            &notifier,
            duban_web::oversight::DEFAULT_OUTBOX_LEASE,
        )
    };
    let pass = deliver().await.unwrap();
    assert_eq!(pass.dispatched, created);
    assert_eq!(pass.failed, 0, "{pass:?}");
    assert_eq!(pass.sent, pass.attempted);
    let again = deliver().await.unwrap();
    assert_eq!((again.dispatched, again.attempted), (0, 0), "nothing twice");
    let mails = mails.lock().unwrap().clone();
    let to_fgw: Vec<_> = mails
        .iter()
        .filter(|(rcpt, _)| rcpt.iter().any(|r| r.contains("fgw@example.org")))
        .collect();
    assert_eq!(to_fgw.len(), mine.len(), "one mail per record of the unit");
    assert!(
        to_fgw[0].1.contains("X-Duban-Event: escalation.raised"),
        "{}",
        to_fgw[0].1
    );
    assert!(
        mails
            .iter()
            .any(|(rcpt, _)| rcpt.iter().any(|r| r.contains("office@example.org")))
    );
    let hooks = hooks.lock().unwrap().clone();
    assert_eq!(hooks.len(), created);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (h, body) in &hooks {
        let hv = |k: &str| {
            h.get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        duban_notify::verify_signature(
            secret.as_bytes(),
            &hv("x-duban-timestamp"),
            body,
            &hv("x-duban-signature"),
            now,
            Duration::from_secs(300),
        )
        .expect("signature verifies");
        assert!(
            duban_notify::verify_signature(
                b"wrong",
                &hv("x-duban-timestamp"),
                body,
                &hv("x-duban-signature"),
                now,
                Duration::from_secs(300)
            )
            .is_err()
        );
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["event"], "escalation.raised");
    }

    // In-app inbox, the unit's response, the office's closure.
    let mut web = login(&app, "rep_fgw").await;
    let inbox = web.get("/messages").await;
    assert!(inbox.body.contains("escalation.raised"), "{}", inbox.body);
    // The menu counts what is unread, on every page.
    let home = web.get("/plans").await;
    assert!(home.body.contains("id=\"unread-count\""), "{}", home.body);
    let id = mine[0]["id"].as_i64().unwrap();
    let r = post_escalation_action(&mut web, id, "respond", "已召开专题会，4月底前补报").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(web.get(r.location()).await.body.contains("已提交整改反馈"));
    let r = post_escalation_action(&mut web, id, "close", "不能自己销号").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut office = login(&app, "admin").await;
    let r = post_escalation_action(&mut office, id, "close", "已补报，销号").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(office.get(r.location()).await.body.contains("已销号。"));
    let e = s.escalation(id).await.unwrap();
    assert_eq!(duban_store::escalation::state_str(e.state), "closed");
    assert_eq!(e.closed_by.as_deref(), Some("admin"));
    let page = office.get(&format!("/escalations/{id}")).await;
    assert!(
        page.body.contains("escalation.close") && page.body.contains("escalation.respond"),
        "{} {}",
        page.status,
        page.body
    );
    // Another unit's reporter cannot see or answer it.
    let mut swt = login(&app, "rep_swt").await;
    assert_eq!(
        swt.get(&format!("/escalations/{id}")).await.status,
        StatusCode::FORBIDDEN
    );

    // A report returned to the unit is notified in the same transaction.
    let key = {
        let d = s.report_duties(plan).await.unwrap();
        let d = d.iter().find(|d| d.unit_id == fgw.id).unwrap();
        ReportKey {
            task_id: d.task_id,
            period_id: d.period_id,
            unit_id: fgw.id,
        }
    };
    let rep_user = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let by = duban_store::deliver::report::ReportActor::of(&rep_user).unwrap();
    let rid = submit_report_in_store(s, key, "进展", &by).await;
    let office_user = s.user_by_name("admin").await.unwrap().unwrap();
    // The office hears of the submission (issue 10).
    let office_items = s.inbox(office_user.id, None, "admin", 100).await.unwrap();
    assert!(
        office_items
            .iter()
            .any(|i| i.event == "report.submitted" && i.title.contains("已报送，请审核")),
        "the office is told of a submission"
    );
    let ob = duban_store::deliver::report::ReportActor::of(&office_user).unwrap();
    duban_app::report::act(
        s,
        rid,
        &duban_core::report::ReportAction::Return {
            comment: "数据不全".into(),
        },
        &ob,
    )
    .await
    .unwrap();
    let items = s
        .inbox(rep_user.id, rep_user.unit_id, "reporter", 100)
        .await
        .unwrap();
    assert!(
        items
            .iter()
            .any(|i| i.event == "report.returned" && i.body.contains("数据不全"))
    );

    // Audit: raise, respond, close and the log-ins are in a valid chain.
    let summary = s.verify_audit().await.unwrap().expect("valid chain");
    assert!(summary.entries as usize > created + 4);
    crate::assert_audited(
        &app,
        &[
            "escalation.raise",
            "escalation.respond",
            "escalation.close",
            "auth.login",
            "report.return",
        ],
    )
    .await;
}

/// Long lists page (issue 10): the demo's escalations 50 to a page with the filters kept in
/// the page links; the audit log pages too.
#[tokio::test]
async fn long_lists_are_paged() {
    let (app, _) = crate::app_with_demo().await;
    let total = app
        .state
        .store
        .list_escalations(&Default::default(), 10_000)
        .await
        .unwrap()
        .len();
    assert!(total > 50, "the demo has more than a page: {total}");
    let mut office = login(&app, "admin").await;
    let first = office.get("/escalations").await;
    assert_eq!(first.status, StatusCode::OK);
    let rows = |body: &str| body.matches("<tr class=\"escalation level-").count();
    assert_eq!(rows(&first.body), 50);
    assert!(first.body.contains("rel=\"next\""));
    let pages = total.div_ceil(50);
    let last = office.get(&format!("/escalations?page={pages}")).await;
    assert_eq!(rows(&last.body), total - (pages - 1) * 50);
    assert!(!last.body.contains("rel=\"next\""));
    let filtered = office.get("/escalations?state=raised&page=1").await;
    if filtered.body.contains("rel=\"next\"") {
        assert!(filtered.body.contains("state=raised&amp;page=2"));
    }
    let audit = office.get("/admin/audit").await;
    assert!(
        audit.body.contains("rel=\"next\""),
        "the demo's audit log spans pages"
    );
    let audit2 = office.get("/admin/audit?page=2").await;
    assert_eq!(audit2.status, StatusCode::OK);
    assert!(audit2.body.contains("rel=\"prev\""));
}

/// 批量销号 (issue 10): the office closes several answered escalations with one note; one
/// still waiting for its unit's answer is skipped; a note is required; reporters cannot.
#[tokio::test]
async fn the_office_closes_several_escalations_at_once() {
    use duban_core::escalation::EscalationAction;
    let (app, _) = crate::app_with_demo().await;
    let s = &app.state.store;
    let all = s
        .list_escalations(&Default::default(), 10_000)
        .await
        .unwrap();
    let state =
        |e: &duban_store::escalation::EscalationRow| duban_store::escalation::state_str(e.state);
    let raised: Vec<i64> = all
        .iter()
        .filter(|e| state(e) == "raised")
        .map(|e| e.id)
        .collect();
    assert!(raised.len() >= 3);
    // Two answered by their units.
    let rep = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let mut answered = Vec::new();
    for e in all.iter().filter(|e| state(e) == "raised") {
        let measures = EscalationAction::Respond {
            measures: "已补报并落实整改".into(),
        };
        if s.act_on_escalation(e.id, &measures, duban_core::report::Role::Reporter, rep.id)
            .await
            .is_ok()
        {
            answered.push(e.id);
        }
        if answered.len() == 2 {
            break;
        }
    }
    assert_eq!(answered.len(), 2);
    let waiting = *raised.iter().find(|id| !answered.contains(id)).unwrap();
    let mut office = login(&app, "admin").await;
    let page = office.get("/escalations?state=responded").await;
    assert!(page.body.contains("id=\"batch-close-form\""));
    assert!(page.body.contains("id=\"batch-close\""));
    // Nothing to tick among the waiting ones: no batch box.
    let page = office.get("/escalations?state=raised").await;
    assert!(!page.body.contains("id=\"batch-close\""), "{}", page.body);
    let (a, b, w) = (
        answered[0].to_string(),
        answered[1].to_string(),
        waiting.to_string(),
    );
    let r = batch_close(&mut office, &[&a], " ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut reporter = login(&app, "rep_fgw").await;
    let r = batch_close(&mut reporter, &[&a], "x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = batch_close(&mut office, &[&a, &b, &w], "整改到位，同意销号").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let closed = s.escalation(answered[0]).await.unwrap();
    assert_eq!(duban_store::escalation::state_str(closed.state), "closed");
    assert_eq!(closed.office_note.as_deref(), Some("整改到位，同意销号"));
    let still = s.escalation(waiting).await.unwrap();
    assert_ne!(duban_store::escalation::state_str(still.state), "closed");
    assert_eq!(r.location(), "/escalations?closed=2&skipped=1");
}

/// 全局搜索 (issue 10): one word finds tasks, units, reports and 督办事项 across plans; a
/// reporter does not find another unit's unsubmitted report; a word of no length is no
/// search and one of more than 100 characters is refused.
#[tokio::test]
async fn one_search_box_finds_tasks_units_reports_and_escalations() {
    let app = crate::app_with_users().await;
    let plan = seed_plan_id(&app).await;
    let s = &app.state.store;
    // A draft of 省发展改革委 with a distinctive word.
    let fgw = s.unit_by_code("fgw").await.unwrap().unwrap();
    let duty = s
        .report_duties(plan)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.unit_id == fgw.id)
        .unwrap();
    let rep_user = s.user_by_name("rep_fgw").await.unwrap().unwrap();
    let by = duban_store::deliver::report::ReportActor::of(&rep_user).unwrap();
    let content = duban_store::deliver::report::ReportContent {
        progress: "完成梧桐计划首批项目遴选".into(),
        ..Default::default()
    };
    s.create_report(
        ReportKey {
            task_id: duty.task_id,
            period_id: duty.period_id,
            unit_id: fgw.id,
        },
        &content,
        &by,
    )
    .await
    .unwrap();

    let mut office = login(&app, "admin").await;
    let r = office.get("/search?q=十四五").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"search-tasks\""), "tasks found");
    let r = office.get("/search?q=商务").await;
    assert!(r.body.contains("id=\"search-units\"") && r.body.contains("/units/swt"));
    // An alias finds its unit as the full name does.
    app.state
        .store
        .add_unit_alias(fgw.id, "省发改委")
        .await
        .unwrap();
    let r = office.get("/search?q=省发改委").await;
    assert!(
        r.body.contains("id=\"search-units\"") && r.body.contains("/units/fgw"),
        "{}",
        r.body
    );
    let r = office.get(&format!("/search?q={}", "梧桐计划")).await;
    assert!(r.body.contains("id=\"search-reports\""), "{}", r.body);
    let mut own = login(&app, "rep_fgw").await;
    assert!(
        own.get("/search?q=梧桐计划")
            .await
            .body
            .contains("id=\"search-reports\"")
    );
    let mut other = login(&app, "rep_swt").await;
    let r = other.get("/search?q=梧桐计划").await;
    assert!(
        !r.body.contains("梧桐计划首批"),
        "another unit's draft stays hidden"
    );
    assert!(r.body.contains("id=\"search-none\""));
    let r = office.get("/search").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("id=\"search-count\""));
    let long = "字".repeat(101);
    assert_eq!(
        office.get(&format!("/search?q={long}")).await.status,
        StatusCode::BAD_REQUEST
    );
}

/// 督办事项 sorted (issue 10: sort on long lists): by response deadline, the dates on every
/// page run in order, and the sort survives the pager's links.
#[tokio::test]
async fn escalations_sort_by_deadline_across_pages() {
    let (app, _) = crate::app_with_demo().await;
    let mut office = crate::login(&app, "admin").await;
    let dates = |body: &str| -> Vec<String> {
        // The cell shows 2020年7月22日; its <time datetime> holds the sortable ISO date.
        body.split("class=\"respond-by\"")
            .skip(1)
            .map(|t| {
                t.split("datetime=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let first = office.get("/escalations?sort=respond_by").await;
    assert_eq!(first.status, axum::http::StatusCode::OK);
    let mut seen = dates(&first.body);
    assert!(seen.len() > 1, "the demo raises escalations");
    if first.body.contains("page=2") {
        assert!(
            first.body.contains("sort=respond_by"),
            "the pager keeps the sort"
        );
        let second = office.get("/escalations?page=2&sort=respond_by").await;
        seen.extend(dates(&second.body));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
}
