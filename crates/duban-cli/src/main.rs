//! The `duban` binary: a thin shell over the library crates. Each subcommand group lives in
//! its own module; errors get their context here and are printed as one line.

use clap::{Parser, Subcommand};

mod eval;
mod plan;

#[derive(Parser)]
#[command(
    name = "duban",
    version,
    about = "督办: run an annual work plan from document to results"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with plan documents (工作要点).
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Composite evaluation (综合评价).
    #[command(subcommand)]
    Eval(eval::EvalCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(cmd) => plan::run(cmd),
        Command::Eval(cmd) => eval::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first.
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
