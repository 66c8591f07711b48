//! `duban publish export --to DIR`: the whole public portal as files with relative links
//! (HTML, assets, downloads, Atom feed), to carry from the intranet to the public site.
//! `duban publish verify ID`: recomputes a publication from the database and compares it
//! with what was published (data hash).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::serve::{DbArgs, runtime};

#[derive(Subcommand, Debug)]
pub enum PublishCommand {
    /// Write the public portal (every publication, 简 and 繁, tables as .xlsx and .csv,
    /// bulletins as .docx and PDF, feed.xml) into DIR; it works opened from disk and copied
    /// under any path of another web server.
    Export {
        /// The folder to write (created if missing; files of the same name are replaced).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Publish a plan's progress and lights as of a date (the same as the office's 发布
    /// page; recorded in the audit log as the system actor). Prints the publication's id.
    Plan {
        /// The plan's id (`duban` pages show it in /plans/ID); default the first plan.
        #[arg(long)]
        plan: Option<i64>,
        /// YYYY-MM-DD.
        #[arg(long)]
        as_of: chrono::NaiveDate,
        /// Default: the plan's title and the date.
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Publish the 亩均 领跑者 list of a firm-level evaluation snapshot (written by
    /// `duban eval run --snapshot FILE` with a spec that has `[leaders]`); the snapshot is
    /// recomputed first and published with the list.
    Leaders {
        #[arg(long)]
        snapshot: PathBuf,
        #[arg(long)]
        title: String,
        /// The data are demonstration data (示例数据): the portal says so.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Recompute publication ID from the data now in the database; exit status 1 when it no
    /// longer matches what was published.
    Verify {
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: PublishCommand) -> Result<()> {
    match cmd {
        PublishCommand::Export { to, db } => runtime()?.block_on(async move {
            let store = db.open_existing().await?;
            let env = duban_web::render::environment();
            let portal = duban_web::publish::Portal::build(&store, &env)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("cannot build the public portal")?;
            let n = portal
                .write_to(&to)
                .with_context(|| format!("cannot write into {}", to.display()))?;
            let published = store.publications().await?.len();
            println!(
                "已导出 {n} 个文件（{published} 份发布件）到 {}；入口 {}",
                to.display(),
                to.join("index.html").display()
            );
            store.close().await;
            Ok(())
        }),
        PublishCommand::Plan {
            plan,
            as_of,
            title,
            db,
        } => runtime()?.block_on(async move {
            let store = db.open_existing().await?;
            let plan = match plan {
                Some(p) => p,
                None => store
                    .list_plans()
                    .await?
                    .first()
                    .map(|p| p.id)
                    .context("no plan in this database")?,
            };
            let p = duban_web::publish::publish_plan(
                &store,
                plan,
                as_of,
                title.as_deref().unwrap_or(""),
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("计划 {plan}：{e}"))?;
            println!("{}", p.id);
            store.close().await;
            Ok(())
        }),
        PublishCommand::Leaders {
            snapshot,
            title,
            demo,
            db,
        } => runtime()?.block_on(async move {
            let text = std::fs::read_to_string(&snapshot)
                .with_context(|| format!("cannot read {}", snapshot.display()))?;
            let list = duban_io::firm_format::leader_list(&text, &title, demo)
                .with_context(|| format!("{}", snapshot.display()))?;
            let store = db.open_existing().await?;
            let method = list.engine.clone();
            let p = store
                .publish(&duban_store::publication::NewPublication {
                    title: &title,
                    content: &duban_core::publication::Content::Leaders(list),
                    snapshot_id: None,
                    method: &method,
                    by: None,
                })
                .await
                .context("cannot publish")?;
            println!("{}", p.id);
            store.close().await;
            Ok(())
        }),
        PublishCommand::Verify { id, db } => runtime()?.block_on(async move {
            let store = db.open_existing().await?;
            let state = duban_web::AppState::new(store.clone(), duban_web::Config::default());
            let (ok, message) = duban_web::routes::publish::recompute(&state, id)
                .await
                .map_err(|e| anyhow::anyhow!("发布件 {id}：{e}"))?;
            store.close().await;
            if ok {
                println!("{message}");
                Ok(())
            } else {
                anyhow::bail!("{message}")
            }
        }),
    }
}
