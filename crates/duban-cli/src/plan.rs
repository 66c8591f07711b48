//! `duban plan …`: read a plan document.

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use duban_core::{DocKind, Plan, Target};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Parse a plan document (.txt, .html, .docx, .xlsx (first worksheet); UTF-8, GBK/GB18030 or Big5) and print
    /// the plan (schema duban.plan/1).
    Parse {
        /// The document to read.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Read the document as this kind instead of the detected one.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// The duban.plan/1 JSON exchange format.
    Json,
    /// A readable outline: pillars, tasks, lead units and targets.
    Table,
}

/// The document kinds `--kind` accepts (see `duban_core::DocKind`).
#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    /// 工作要点
    WorkPoints,
    /// 任务分解 / 责任分工
    TaskDivision,
    /// 实施意见 / 行动计划 / 方案
    Implementation,
    /// 政府工作报告
    GovernmentReport,
    /// 新闻摘要
    NewsSummary,
}

impl From<Kind> for DocKind {
    fn from(k: Kind) -> DocKind {
        match k {
            Kind::WorkPoints => DocKind::WorkPoints,
            Kind::TaskDivision => DocKind::TaskDivision,
            Kind::Implementation => DocKind::Implementation,
            Kind::GovernmentReport => DocKind::GovernmentReport,
            Kind::NewsSummary => DocKind::NewsSummary,
        }
    }
}

pub fn run(cmd: PlanCommand) -> anyhow::Result<()> {
    match cmd {
        PlanCommand::Parse { file, format, kind } => parse(&file, format, kind),
    }
}

fn parse(file: &std::path::Path, format: Format, kind: Option<Kind>) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > duban_doc::MAX_BYTES as u64 {
        anyhow::bail!(
            "cannot parse {}: {}",
            file.display(),
            duban_doc::DocError::TooLarge {
                size: usize::try_from(meta.len()).unwrap_or(usize::MAX)
            }
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = duban_doc::ParseOptions {
        kind: kind.map(DocKind::from),
    };
    let plan = duban_doc::parse_document_with(&bytes, &name, &options)
        .with_context(|| format!("cannot parse {}", file.display()))?;
    let out = match format {
        Format::Json => serde_json::to_string_pretty(&plan)? + "\n",
        Format::Table => outline(&plan),
    };
    print!("{out}");
    Ok(())
}

/// The plan as a readable outline.
fn outline(plan: &Plan) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("标题  {}", plan.title));
    line(format!("发文  {}", plan.issuer.as_deref().unwrap_or("—")));
    line(format!(
        "年度  {}",
        plan.year.map_or("—".to_string(), |y| y.to_string())
    ));
    line(format!(
        "板块 {} 个，任务 {} 项，量化目标 {} 个",
        plan.pillars.len(),
        plan.tasks.len(),
        plan.targets().count()
    ));
    line(format!(
        "类型  {}{}",
        plan.outline.kind.map_or("未识别", DocKind::label_zh),
        if plan.outline.kind_forced {
            "（指定）"
        } else {
            ""
        }
    ));
    for t in &plan.headline_targets {
        line(format!("  总目标  {}", target_cell(t)));
    }
    let mut current = None;
    for task in &plan.tasks {
        if task.pillar != current {
            current = task.pillar;
            if let Some(p) = task.pillar.and_then(|p| plan.pillars.get(p)) {
                line(String::new());
                match &p.subtitle {
                    Some(s) => line(format!("【{}】{}", p.heading, s)),
                    None => line(format!("【{}】", p.heading)),
                }
            }
        }
        let mut units = String::new();
        if !task.lead_units.is_empty() {
            let sep = if task.leads_separately {
                "（分别牵头）"
            } else {
                ""
            };
            units = format!("  牵头：{}{sep}", task.lead_units.join("、"));
        }
        if !task.co_units.is_empty() {
            units.push_str(&format!("  配合：{}", task.co_units.join("、")));
        }
        if let Some(deadline) = &task.deadline {
            units.push_str(&format!("  时限：{deadline}"));
        }
        line(format!("{:>4}  {}{units}", task.label, task.title));
        for t in &task.targets {
            line(format!("        · {}", target_cell(t)));
        }
    }
    if !plan.outline.diagnostics.is_empty() {
        line(String::new());
        line(format!("待核对 {} 处", plan.outline.diagnostics.len()));
        for d in &plan.outline.diagnostics {
            let at = d
                .span
                .map_or(String::new(), |s| format!("[{}–{}] ", s.start, s.end));
            line(format!("  ! {at}{}", d.message));
        }
    }
    out
}

fn target_cell(t: &Target) -> String {
    let num = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    };
    let value = match (t.value, t.low, t.high) {
        (_, Some(l), Some(h)) => format!("{}–{}", num(l), num(h)),
        (Some(v), _, _) => num(v),
        _ => String::new(),
    };
    let commitment = match t.commitment {
        Some(duban_core::Commitment::Firm) => " [确保]",
        Some(duban_core::Commitment::Stretch) => " [力争]",
        None => "",
    };
    format!(
        "{} {}{} {}（{}）{commitment}",
        t.metric,
        t.comparator.label_zh(),
        if value.is_empty() {
            String::new()
        } else {
            format!(" {value}")
        },
        t.unit.as_deref().unwrap_or(""),
        t.phrase
    )
}
