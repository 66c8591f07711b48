//! `duban unit list`: the unit codes that `user add --unit` and the 督办表 use.

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::serve::{DbArgs, runtime};

#[derive(Subcommand, Debug)]
pub enum UnitCommand {
    /// List the units: code, name and kind (tab-separated).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: UnitCommand) -> Result<()> {
    match cmd {
        UnitCommand::List { db } => runtime()?.block_on(async move {
            let store = db.open_existing().await?;
            let units = store.list_units().await.context("cannot read the units")?;
            println!("代码\t名称\t类型");
            for u in units {
                let demo = if u.demo {
                    "\t（示例分工，待确认）"
                } else {
                    ""
                };
                println!("{}\t{}\t{}{demo}", u.code, u.name, u.kind.label());
            }
            store.close().await;
            Ok(())
        }),
    }
}

/// An error naming the closest valid unit codes, when `code` is not one.
pub async fn check_unit_code(store: &duban_store::Store, code: &str) -> Result<()> {
    let units = store.list_units().await.context("cannot read the units")?;
    if units.iter().any(|u| u.code == code) {
        return Ok(());
    }
    let near = duban_core::unit::closest_units(
        units.iter().map(|u| (u.code.as_str(), u.name.as_str())),
        code,
        5,
    );
    let hint = if near.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = near.iter().map(|(c, n)| format!("{c}（{n}）")).collect();
        format!("；最接近的：{}", list.join("、"))
    };
    anyhow::bail!("单位代码 {code} 不存在{hint}（全部单位：duban unit list）")
}
