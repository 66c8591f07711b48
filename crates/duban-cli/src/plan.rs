use clap::Subcommand;

#[derive(Subcommand)]
pub enum PlanCommand {}

pub fn run(cmd: PlanCommand) -> anyhow::Result<()> {
    match cmd {}
}
