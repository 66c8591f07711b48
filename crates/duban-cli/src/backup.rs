//! `duban backup --to FILE` and `duban restore --from FILE [--force]`: the whole database
//! as one SQLite file (see `duban_store::backup`), on SQLite or PostgreSQL alike.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::serve::{DbArgs, runtime};

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (must not exist). Safe while servers are running.
    #[arg(long)]
    pub to: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file written by `duban backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Replace a database that already holds plans, users or reports (all of it is lost).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn backup(args: BackupArgs) -> Result<()> {
    runtime()?.block_on(async move {
        let store = args.db.open_existing().await?;
        let made = store
            .backup_to(&args.to)
            .await
            .with_context(|| format!("backup to {} failed", args.to.display()));
        store.close().await;
        let made = made?;
        println!(
            "backup written to {}: {} tables, {} rows ({} plans, {} reports, {} evidence files, {} audit entries)",
            args.to.display(),
            made.tables.len(),
            made.rows(),
            made.rows_of("plan"),
            made.rows_of("report"),
            made.rows_of("evidence"),
            made.rows_of("audit_log"),
        );
        Ok(())
    })
}

pub fn restore(args: RestoreArgs) -> Result<()> {
    runtime()?.block_on(async move {
        let store = args.db.open().await?;
        let done = store
            .restore_from(&args.from, args.force)
            .await
            .with_context(|| format!("restore from {} failed", args.from.display()));
        store.close().await;
        let done = done?;
        println!(
            "restored {} rows ({} plans, {} reports, {} evidence files); audit chain OK: {} entries, head {}",
            done.copied.rows(),
            done.copied.rows_of("plan"),
            done.copied.rows_of("report"),
            done.copied.rows_of("evidence"),
            done.audit.entries,
            done.audit.head_hash
        );
        Ok(())
    })
}
