//! `duban monitor check | import | export`: warning rules over indicator series as of a date
//! (contract of issue 13, output `duban.alerts/1`), and wide statistics tables in and out.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Subcommand, ValueEnum};
use duban_core::monitor::{Frequency, Series, check};
use duban_io::monitor::{alerts_json, parse_rules, read_series_csv, wide, write_series_csv};

#[derive(Subcommand)]
pub enum MonitorCommand {
    /// Check warning rules: `duban monitor check --series S.csv --rules R.toml --as-of 2020-10-31`.
    Check {
        /// Long CSV: region,indicator,period,value[,published].
        #[arg(long)]
        series: PathBuf,
        /// Rules, a `duban.monitor/1` TOML file.
        #[arg(long)]
        rules: PathBuf,
        /// The date the figures are judged as known on (YYYY-MM-DD).
        #[arg(long, value_parser = as_date)]
        as_of: NaiveDate,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Read a wide statistics table (regions × periods, xlsx or csv) and print the series CSV.
    Import {
        /// The table (.xlsx or .csv).
        table: PathBuf,
        /// The indicator the table holds (growth columns become `<name>累计增速`).
        #[arg(long)]
        indicator: String,
        #[arg(long, value_enum)]
        frequency: FrequencyArg,
        /// The bulletin's publication date; without it each value is known the day after its period.
        #[arg(long, value_parser = as_date)]
        published: Option<NaiveDate>,
    },
    /// Write one indicator of a series CSV as a wide table (.csv or .xlsx by the extension of --out).
    Export {
        #[arg(long)]
        series: PathBuf,
        #[arg(long)]
        indicator: String,
        #[arg(long, value_parser = as_date)]
        as_of: NaiveDate,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FrequencyArg {
    Monthly,
    Quarterly,
    Yearly,
}

fn as_date(s: &str) -> Result<NaiveDate, String> {
    duban_core::period::parse_iso_date("日期", s)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{}", path.display()))
}

fn load_series(path: &Path) -> anyhow::Result<Series> {
    let obs = read_series_csv(&read(path)?).with_context(|| format!("{}", path.display()))?;
    Ok(Series::new(&obs).expect("checked by the reader"))
}

pub fn run(cmd: MonitorCommand) -> anyhow::Result<()> {
    match cmd {
        MonitorCommand::Check {
            series,
            rules,
            as_of,
            format,
        } => {
            let text = String::from_utf8(read(&rules)?)
                .with_context(|| format!("{}: 不是 UTF-8 文本", rules.display()))?;
            let rules_file = parse_rules(&text).with_context(|| format!("{}", rules.display()))?;
            let data = load_series(&series)?;
            let alerts = check(&rules_file.indicators, &data, &rules_file.rules, as_of)
                .with_context(|| format!("{}", series.display()))?;
            match format {
                Format::Json => print!("{}", alerts_json(as_of, &alerts)),
                Format::Table => {
                    println!("截至 {as_of}：{} 条预警", alerts.len());
                    for a in &alerts {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            a.rule,
                            a.region,
                            a.indicator,
                            a.period.label_zh(),
                            a.level.label_zh(),
                            a.value
                        );
                    }
                }
            }
            Ok(())
        }
        MonitorCommand::Import {
            table,
            indicator,
            frequency,
            published,
        } => {
            let frequency = match frequency {
                FrequencyArg::Monthly => Frequency::Monthly,
                FrequencyArg::Quarterly => Frequency::Quarterly,
                FrequencyArg::Yearly => Frequency::Yearly,
            };
            let obs = wide::read_wide(&read(&table)?, &indicator, frequency, published)
                .with_context(|| format!("{}", table.display()))?;
            print!("{}", write_series_csv(&obs));
            Ok(())
        }
        MonitorCommand::Export {
            series,
            indicator,
            as_of,
            out,
        } => {
            let data = load_series(&series)?;
            if data.regions(&indicator).next().is_none() {
                bail!("{}: 没有指标“{indicator}”的数据", series.display());
            }
            let xlsx = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
            let bytes = if xlsx {
                wide::write_wide_xlsx(&data, &indicator, as_of)?
            } else {
                wide::write_wide_csv(&data, &indicator, as_of)
            };
            std::fs::write(&out, bytes).with_context(|| format!("{}", out.display()))
        }
    }
}
