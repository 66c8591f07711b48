//! Publish (issue 14): freezing what is published, and the public portal built from the
//! publications — one set of files (HTML, downloads, feed, assets) with relative links only,
//! served under `/public/` and written to a folder by `duban publish export`. The same
//! [`Portal`] is both, so the served portal and the exported copy never differ.
//!
//! Public pages never show a person's name, a draft or an unpublished report: they are built
//! only from publication contents (`duban_core::publication`), which hold organisations,
//! tasks, figures and dates.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use duban_core::Light;
use duban_core::publication::{
    Bulletin, BulletinHead, Content, EvaluationLine, EvaluationTable, OverdueLine, PillarLine,
    PlanSnapshot, RankLine, TaskLine, compose_bulletin, zh_date,
};
use duban_io::grid::{Cell, grid_csv, grid_xlsx};
use duban_store::Store;
use duban_store::publication::Publication;
use minijinja::{Value, context};
use tokio::sync::RwLock;

use crate::deliver::{due_lists, pct, unit_ranking};
use crate::error::AppError;

/// A plan's progress as of `as_of`, frozen for publication: lights and progress per pillar
/// and task (lead units named), the overdue list and the unit ranking.
pub async fn plan_snapshot(
    store: &Store,
    plan_id: i64,
    as_of: NaiveDate,
) -> Result<PlanSnapshot, AppError> {
    let pd = duban_app::status::plan_deliver(store, plan_id, as_of).await?;
    Ok(plan_snapshot_of(&pd, plan_id, as_of, false))
}

/// [`plan_snapshot`] of loaded plan data; `review_counts` adds 已报 and 被退回 to the ranking
/// (the status page's download; publications are frozen without them).
pub fn plan_snapshot_of(
    pd: &duban_app::status::PlanDeliver,
    plan_id: i64,
    as_of: NaiveDate,
    review_counts: bool,
) -> PlanSnapshot {
    let d = &pd.detail;
    let task_line = |t: &duban_store::task::TaskRow| {
        let r = pd.status.task(t.number as u32);
        TaskLine {
            number: t.number as u32,
            title: t.title.clone(),
            leads: d
                .task_assignments(t.id)
                .filter(|a| a.role == duban_store::assignment::AssignRole::Lead)
                .map(|a| a.unit_name.clone())
                .collect(),
            light: r.map_or(Light::Grey, |r| r.light),
            progress: pct(r.and_then(|r| r.progress)),
        }
    };
    let pillars = pd
        .pillar_statuses()
        .map(|(p, r)| PillarLine {
            heading: p.heading.clone(),
            light: r.light,
            progress: pct(r.progress),
            tasks: d
                .tasks
                .iter()
                .filter(|t| t.pillar_id == Some(p.id))
                .map(task_line)
                .collect(),
        })
        .collect();
    let loose = d
        .tasks
        .iter()
        .filter(|t| t.pillar_id.is_none())
        .map(task_line)
        .collect();
    let (_, overdue) = due_lists(&pd.duties, as_of, 0);
    let overdue = overdue
        .iter()
        .map(|o| OverdueLine {
            task_number: o.task_number as u32,
            task_title: o.task_title.clone(),
            unit: o.unit_name.clone(),
            period: o.period_label.clone(),
            due: o.due,
            days: (as_of - o.due).num_days(),
        })
        .collect();
    let ranking = unit_ranking(&pd.duties, as_of)
        .into_iter()
        .map(|u| RankLine {
            unit: u.unit_name,
            due: u.due,
            on_time: u.on_time,
            late: u.late,
            missing: u.missing,
            on_time_pct: u.on_time_pct,
            returned_pct: u.returned_pct,
            submitted: review_counts.then_some(u.submitted),
            returned: review_counts.then_some(u.returned),
        })
        .collect();
    PlanSnapshot {
        plan_id,
        title: d.plan.title.clone(),
        year: d.plan.year.and_then(|y| i32::try_from(y).ok()),
        issuer: d.plan.issuer.clone(),
        as_of,
        method: pd.status.method.clone(),
        light: pd.status.plan.light,
        progress: pct(pd.status.plan.progress),
        pillars,
        loose,
        overdue,
        ranking,
        demo: pd.reports.iter().any(|r| r.demo),
    }
}

/// Publishes a plan's progress as of `as_of` (the office's 发布 page and
/// `duban publish plan`). An empty title gives "plan title（截至date）".
pub async fn publish_plan(
    store: &Store,
    plan_id: i64,
    as_of: NaiveDate,
    title: &str,
    by: Option<i64>,
) -> Result<Publication, AppError> {
    let snapshot = plan_snapshot(store, plan_id, as_of).await?;
    let title = match title.trim() {
        "" => format!("{}（截至{}）", snapshot.title, zh_date(as_of)),
        t => t.to_string(),
    };
    let method = snapshot.method.clone();
    Ok(store
        .publish(&duban_store::publication::NewPublication {
            title: &title,
            content: &Content::Plan(snapshot),
            snapshot_id: None,
            method: &method,
            by,
        })
        .await?)
}

/// A bulletin of a plan as of a date: head given by the office, sections composed from the
/// snapshot; its number is given when it is issued (签发).
pub async fn compose(
    store: &Store,
    plan_id: i64,
    as_of: NaiveDate,
    head: BulletinHead,
    requirements: &str,
) -> Result<Bulletin, AppError> {
    let plan = plan_snapshot(store, plan_id, as_of).await?;
    let layout = duban_core::publication::BULLETIN_LAYOUT;
    let sections = compose_bulletin(&plan, requirements, layout);
    Ok(Bulletin {
        head,
        sections,
        plan,
        layout,
    })
}

/// The ranking table of a published evaluation snapshot.
pub async fn evaluation_table(
    store: &Store,
    snapshot_id: i64,
) -> Result<EvaluationTable, AppError> {
    let s = store.eval_snapshot(snapshot_id).await?;
    let body = store.eval_snapshot_body(&s).await?;
    let result = duban_io::eval_result::EvalResult::from_snapshot(&body)
        .map_err(|e| AppError::Internal(format!("snapshot {snapshot_id}: {e}")))?;
    let lines = result
        .units
        .into_iter()
        .map(|u| EvaluationLine {
            unit: u.id,
            score: u.score,
            rank: u.rank,
        })
        .collect();
    Ok(EvaluationTable {
        snapshot_id,
        title: s.title.clone(),
        engine: s.engine.clone(),
        data_hash: s.data_hash.clone(),
        method_hash: s.method_hash.clone(),
        lines,
        demo: s.demo,
    })
}

/// The fonts of this machine for PDFs, looked up once (the files are read when a PDF is made).
pub fn pdf_fonts() -> Result<&'static duban_io::official_doc::pdf::FontSet, String> {
    static FONTS: std::sync::OnceLock<Result<duban_io::official_doc::pdf::FontSet, String>> =
        std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| duban_io::official_doc::pdf::FontSet::discover().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

// ---- the portal ----

/// One file of the portal.
#[derive(Debug, Clone)]
pub struct PortalFile {
    pub content_type: &'static str,
    /// Shared bytes: serving a file clones a handle, not the content.
    pub bytes: axum::body::Bytes,
}

/// The whole public portal: relative path → file (`index.html`, `p/3.html`,
/// `p/3-tasks.xlsx`, `hant/index.html`, `feed.xml`, `assets/portal.css`, …).
#[derive(Debug, Clone, Default)]
pub struct Portal {
    pub files: BTreeMap<String, PortalFile>,
}

const PORTAL_CSS: &str = include_str!("../assets/portal.css");
const PORTAL_JS: &str = include_str!("../assets/portal.js");
const PORTAL_ICON: &str = include_str!("../assets/icon.svg");

/// A table of a plan's status (published or downloaded): file stem, caption, rows.
pub struct Table {
    pub stem: String,
    pub caption: &'static str,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn view(&self) -> Value {
        let cells = |r: &Vec<Cell>| -> Vec<String> {
            r.iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Number(v) => format!("{v}"),
                    Cell::Empty => "—".to_string(),
                })
                .collect()
        };
        context! {
            stem => self.stem,
            caption => self.caption,
            head => self.rows.first().map(cells).unwrap_or_default(),
            rows => self.rows.iter().skip(1).map(cells).collect::<Vec<_>>(),
        }
    }
}

fn light_cell(l: Light) -> Cell {
    Cell::from(l.short_zh())
}

fn task_rows(tasks: &[&TaskLine]) -> Vec<Vec<Cell>> {
    let mut rows = vec![vec![
        Cell::from("序号"),
        Cell::from("任务"),
        Cell::from("牵头单位"),
        Cell::from("状态"),
        Cell::from("进度（%）"),
    ]];
    rows.extend(tasks.iter().map(|t| {
        vec![
            Cell::Number(f64::from(t.number)),
            Cell::from(t.title.clone()),
            Cell::from(t.leads.join("、")),
            light_cell(t.light),
            Cell::from(t.progress),
        ]
    }));
    rows
}

/// The tables of a plan snapshot (任务进展, 逾期未报, 部门排名), their stems `{prefix}-tasks`,
/// `{prefix}-overdue`, `{prefix}-ranking`: the portal's 表格下载 and the status page's
/// (`review_counts`: the ranking's 已报 and 被退回 columns, from [`plan_snapshot_of`]).
pub fn plan_tables(prefix: &str, p: &PlanSnapshot, review_counts: bool) -> Vec<Table> {
    let tasks: Vec<&TaskLine> = p.tasks().collect();
    let mut overdue = vec![vec![
        Cell::from("单位"),
        Cell::from("任务序号"),
        Cell::from("任务"),
        Cell::from("报送期"),
        Cell::from("应报日期"),
        Cell::from("逾期天数"),
    ]];
    overdue.extend(p.overdue.iter().map(|o| {
        vec![
            Cell::from(o.unit.clone()),
            Cell::Number(f64::from(o.task_number)),
            Cell::from(o.task_title.clone()),
            Cell::from(o.period.clone()),
            Cell::from(o.due.to_string()),
            Cell::Number(o.days as f64),
        ]
    }));
    let mut head = vec![
        "名次",
        "单位",
        "应报",
        "按时",
        "迟报",
        "未报",
        "按时报送率（%）",
    ];
    if review_counts {
        head.extend(["已报", "被退回"]);
    }
    head.push("退回率（%）");
    let mut ranking = vec![head.into_iter().map(Cell::from).collect::<Vec<_>>()];
    let places = duban_core::publication::shared_places(&p.ranking, RankLine::standing);
    ranking.extend(p.ranking.iter().zip(places).map(|(r, place)| {
        let mut row = vec![
            Cell::Number(place as f64),
            Cell::from(r.unit.clone()),
            Cell::Number(r.due as f64),
            Cell::Number(r.on_time as f64),
            Cell::Number(r.late as f64),
            Cell::Number(r.missing as f64),
            Cell::from(r.on_time_pct),
        ];
        if review_counts {
            let count = |n: Option<usize>| Cell::from(n.map(|n| n as f64));
            row.extend([count(r.submitted), count(r.returned)]);
        }
        row.push(Cell::from(r.returned_pct));
        row
    }));
    vec![
        Table {
            stem: format!("{prefix}-tasks"),
            caption: "任务进展",
            rows: task_rows(&tasks),
        },
        Table {
            stem: format!("{prefix}-overdue"),
            caption: "逾期未报",
            rows: overdue,
        },
        Table {
            stem: format!("{prefix}-ranking"),
            caption: "部门排名",
            rows: ranking,
        },
    ]
}

/// A published evaluation's ranking as table rows (名次, 对象, 得分).
pub fn evaluation_rows(e: &EvaluationTable) -> Vec<Vec<Cell>> {
    let mut rows = vec![vec![
        Cell::from("名次"),
        Cell::from("对象"),
        Cell::from("得分"),
    ]];
    rows.extend(e.lines.iter().map(|l| {
        vec![
            Cell::from(l.rank),
            Cell::from(l.unit.clone()),
            Cell::from(l.score.map(|s| (s * 1e6).round() / 1e6)),
        ]
    }));
    rows
}

fn plan_view(p: &PlanSnapshot) -> Value {
    let task = |t: &TaskLine| {
        context! {
            number => t.number, title => t.title, leads => t.leads.join("、"),
            light => t.light.as_str(), light_label => t.light.short_zh(), progress => t.progress,
        }
    };
    context! {
        title => p.title,
        year => p.year,
        as_of => p.as_of.to_string(),
        as_of_zh => zh_date(p.as_of),
        method => p.method,
        light => p.light.as_str(),
        light_label => p.light.short_zh(),
        progress => p.progress,
        demo => p.demo,
        counts => context! {
            blue => p.count(Light::Blue), green => p.count(Light::Green),
            yellow => p.count(Light::Yellow), red => p.count(Light::Red), grey => p.count(Light::Grey),
        },
        pillars => p.pillars.iter().map(|x| context! {
            heading => x.heading, light => x.light.as_str(), light_label => x.light.short_zh(),
            progress => x.progress, tasks => x.tasks.iter().map(task).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        loose => p.loose.iter().map(task).collect::<Vec<_>>(),
    }
}

/// A stored timestamp's date in China (`YYYY-MM-DD`), or the text as stored if unreadable.
fn china_day(stored: &str) -> String {
    duban_store::deliver::stored_china_date(Some(stored)).map_or_else(
        || stored.get(..10).unwrap_or(stored).to_string(),
        |d| d.to_string(),
    )
}

fn publication_view(p: &Publication) -> Value {
    context! {
        id => p.id,
        kind => p.kind.as_str(),
        kind_label => p.kind.label_zh(),
        title => p.title,
        as_of => p.as_of,
        method => p.method,
        data_hash => p.data_hash,
        demo => p.demo,
        published_at => p.published_at,
        // The date in China, as the office's pages show it (a UTC day ends at 08:00 there).
        published_date => china_day(&p.published_at),
        withdrawn => p.withdrawn.as_ref().map(|w| context! { reason => w.reason, date => china_day(&w.at) }),
    }
}

/// Renders one portal page at `path` (depth decides the relative prefix to the root).
fn page(
    env: &minijinja::Environment<'static>,
    template: &str,
    path: &str,
    hant: bool,
    ctx: Value,
) -> Result<String, AppError> {
    let depth = path.matches('/').count();
    let root = "../".repeat(depth);
    // From a 简 page the 繁 copy is under hant/; from a 繁 page the 简 one is at the root.
    let (self_path, toggle) = match path.strip_prefix("hant/") {
        Some(rest) => (rest.to_string(), format!("{root}{rest}")),
        None => (path.to_string(), format!("{root}hant/{path}")),
    };
    // The root of the simplified tree, and of the tree this page is in.
    let tree = if hant {
        format!("{root}hant/")
    } else {
        root.clone()
    };
    let html = env.get_template(template)?.render(context! {
        ..ctx,
        // Relative paths built here from ids and fixed names: written as they are (the
        // HTML escaper would turn `/` into `&#x2f;`, which naive link checkers misread).
        ..context! {
            root => Value::from_safe_string(root.clone()),
            tree => Value::from_safe_string(tree),
            toggle => Value::from_safe_string(toggle),
            hant => hant,
            self_path => self_path,
        }
    })?;
    Ok(if hant {
        crate::lang::convert_html(&html)
    } else {
        html
    })
}

/// An Atom feed of the publications (relative links resolve against the feed's location).
fn atom_feed(list: &[(Publication, Content)], updated: &str) -> String {
    use crate::highlight::escape;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>公开发布</title>\n<id>urn:duban:publications</id>\n",
    );
    out.push_str(&format!(
        "<updated>{}</updated>\n<link rel=\"alternate\" href=\"index.html\"/>\n<link rel=\"self\" href=\"feed.xml\"/>\n<author><name>duban</name></author>\n",
        escape(updated)
    ));
    for (p, _) in list.iter().filter(|(p, _)| p.withdrawn.is_none()) {
        out.push_str(&format!(
            "<entry><title>{}</title><id>urn:duban:publication:{}:{}</id><updated>{}</updated><link rel=\"alternate\" href=\"p/{}.html\"/><summary>{}</summary></entry>\n",
            escape(&p.title),
            p.id,
            &p.data_hash[..16.min(p.data_hash.len())],
            escape(&p.published_at),
            p.id,
            escape(p.kind.label_zh())
        ));
    }
    out.push_str("</feed>\n");
    out
}

impl Portal {
    fn add(&mut self, path: impl Into<String>, content_type: &'static str, bytes: Vec<u8>) {
        self.files.insert(
            path.into(),
            PortalFile {
                content_type,
                bytes: bytes.into(),
            },
        );
    }

    fn add_html(&mut self, path: &str, html: String) {
        self.add(path, "text/html; charset=utf-8", html.into_bytes());
    }

    /// Builds the whole portal from the store's publications.
    pub async fn build(
        store: &Store,
        env: &minijinja::Environment<'static>,
    ) -> Result<Portal, AppError> {
        let mut list = Vec::new();
        for p in store.publications().await? {
            let content = store.publication_content(p.id).await?;
            list.push((p, content));
        }
        let mut portal = Portal::default();
        portal.add(
            "assets/portal.css",
            "text/css; charset=utf-8",
            PORTAL_CSS.as_bytes().to_vec(),
        );
        portal.add(
            "assets/portal.js",
            "text/javascript; charset=utf-8",
            PORTAL_JS.as_bytes().to_vec(),
        );
        portal.add(
            "assets/icon.svg",
            "image/svg+xml",
            PORTAL_ICON.as_bytes().to_vec(),
        );
        let updated = list
            .iter()
            .map(|(p, _)| p.published_at.clone())
            .max()
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        portal.add(
            "feed.xml",
            "application/atom+xml; charset=utf-8",
            atom_feed(&list, &updated).into_bytes(),
        );
        let items: Vec<Value> = list.iter().map(|(p, _)| publication_view(p)).collect();
        for hant in [false, true] {
            let prefix = if hant { "hant/" } else { "" };
            let path = format!("{prefix}index.html");
            let html = page(
                env,
                "public/index.html",
                &path,
                hant,
                context! { items => items },
            )?;
            portal.add_html(&path, html);
        }
        let mut faces: Option<Option<duban_io::official_doc::pdf::Fonts>> = None;
        for (p, content) in &list {
            let mut tables = Vec::new();
            let mut ctx = context! { publication => publication_view(p) };
            if p.withdrawn.is_none() {
                match content {
                    Content::Plan(s) => {
                        tables = plan_tables(&p.id.to_string(), s, false);
                        ctx = context! { ..ctx, ..context! { plan => plan_view(s) } };
                    }
                    Content::Bulletin(b) => {
                        tables = plan_tables(&p.id.to_string(), &b.plan, false);
                        let docx = duban_io::official_doc::bulletin_docx(b)
                            .map_err(|e| AppError::Internal(format!("bulletin docx: {e}")))?;
                        portal.add(
                            format!("p/{}.docx", p.id),
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            docx,
                        );
                        // The PDF needs CJK fonts on this machine; without them the page
                        // offers the .docx only (the office page names the missing fonts).
                        // Faces are read once per build, for every bulletin.
                        if faces.is_none() {
                            faces = Some(pdf_fonts().ok().and_then(|set| {
                                set.load()
                                    .map_err(|e| tracing::warn!("PDF fonts: {e}"))
                                    .ok()
                            }));
                        }
                        let pdf = faces.as_ref().and_then(Option::as_ref).and_then(|fonts| {
                            duban_io::official_doc::bulletin_pdf(b, fonts)
                                .map_err(|e| tracing::warn!("bulletin {} PDF: {e}", p.id))
                                .ok()
                        });
                        let has_pdf = pdf.is_some();
                        if let Some(pdf) = pdf {
                            portal.add(format!("p/{}.pdf", p.id), "application/pdf", pdf);
                        }
                        ctx = context! { ..ctx, ..context! {
                            plan => plan_view(&b.plan),
                            bulletin => context! {
                                issuer => b.head.issuer, series => b.head.series,
                                issue => b.head.issue_label(), title => b.head.title,
                                date => zh_date(b.head.date),
                                sections => b.numbered_sections().into_iter().map(|(heading, paragraphs)| context! { heading => heading, paragraphs => paragraphs }).collect::<Vec<_>>(),
                            },
                            has_pdf => has_pdf,
                        } };
                    }
                    Content::Leaders(l) => {
                        let named = l.names().next().is_some();
                        let mut head = vec![
                            Cell::from("分组"),
                            Cell::from("名次"),
                            Cell::from("企业代码"),
                        ];
                        if named {
                            head.push(Cell::from("企业名称"));
                        }
                        head.extend([
                            Cell::from("评价单元"),
                            Cell::from("得分"),
                            Cell::from("等级"),
                        ]);
                        let mut rows = vec![head];
                        rows.extend(l.lines.iter().map(|x| {
                            let mut row = vec![
                                Cell::from(x.group.clone()),
                                Cell::Number(f64::from(x.position)),
                                Cell::from(x.firm.clone()),
                            ];
                            if named {
                                row.push(Cell::from(x.name.clone().unwrap_or_default()));
                            }
                            row.extend([
                                Cell::from(x.class.clone()),
                                Cell::from(x.score.map(|s| (s * 100.0).round() / 100.0)),
                                Cell::from(x.grade.clone()),
                            ]);
                            row
                        }));
                        tables.push(Table {
                            stem: format!("{}-leaders", p.id),
                            caption: "领跑者名单",
                            rows,
                        });
                        portal.add(
                            format!("p/{}-snapshot.json", p.id),
                            "application/json",
                            l.snapshot.as_bytes().to_vec(),
                        );
                        ctx = context! { ..ctx, ..context! { leaders => context! {
                            engine => l.engine, data_hash => l.data_hash, method_hash => l.method_hash,
                        } } };
                    }
                    Content::Evaluation(e) => {
                        tables.push(Table {
                            stem: format!("{}-ranking", p.id),
                            caption: "评价结果",
                            rows: evaluation_rows(e),
                        });
                        ctx = context! { ..ctx, ..context! { evaluation => context! {
                            engine => e.engine, data_hash => e.data_hash, method_hash => e.method_hash,
                            snapshot_id => e.snapshot_id,
                        } } };
                    }
                }
            }
            for t in &tables {
                portal.add(
                    format!("p/{}.csv", t.stem),
                    "text/csv; charset=utf-8",
                    grid_csv(&t.rows),
                );
                let xlsx = grid_xlsx(t.caption, &t.rows)
                    .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
                portal.add(
                    format!("p/{}.xlsx", t.stem),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    xlsx,
                );
            }
            let table_views: Vec<Value> = tables.iter().map(Table::view).collect();
            let ctx = context! { ..ctx, ..context! { tables => table_views } };
            for hant in [false, true] {
                let prefix = if hant { "hant/" } else { "" };
                let path = format!("{prefix}p/{}.html", p.id);
                let html = page(env, "public/publication.html", &path, hant, ctx.clone())?;
                portal.add_html(&path, html);
            }
        }
        Ok(portal)
    }

    /// Writes every file under `dir` (created if needed).
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<usize> {
        for (path, f) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, &f.bytes)?;
        }
        Ok(self.files.len())
    }
}

/// The served portal, rebuilt when the set of publications changes (checked at most once a
/// second; several servers on one database each notice a publication made on another).
#[derive(Debug, Default)]
pub struct PortalCache {
    inner: RwLock<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    generation: (i64, i64),
    checked: std::time::Instant,
    portal: Arc<Portal>,
}

impl PortalCache {
    pub async fn get(
        &self,
        store: &Store,
        env: &minijinja::Environment<'static>,
    ) -> Result<Arc<Portal>, AppError> {
        if let Some(c) = self.inner.read().await.as_ref()
            && c.checked.elapsed() < std::time::Duration::from_secs(1)
        {
            return Ok(c.portal.clone());
        }
        let mut guard = self.inner.write().await;
        let generation = store.publication_generation().await?;
        if let Some(c) = guard.as_mut()
            && c.generation == generation
        {
            c.checked = std::time::Instant::now();
            return Ok(c.portal.clone());
        }
        let portal = Arc::new(Portal::build(store, env).await?);
        *guard = Some(Cached {
            generation,
            checked: std::time::Instant::now(),
            portal: portal.clone(),
        });
        Ok(portal)
    }

    /// Forces a rebuild on the next request (after a publication or withdrawal here).
    pub async fn invalidate(&self) {
        *self.inner.write().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::china_day;

    #[test]
    fn portal_dates_are_dates_in_china() {
        // 01:58 on 8 December in Beijing is still 7 December in UTC.
        assert_eq!(china_day("2026-12-07T17:58:00Z"), "2026-12-08");
        assert_eq!(china_day("2026-12-07T15:59:59Z"), "2026-12-07");
        assert_eq!(china_day("2020-07-15"), "2020-07-15");
    }
}
