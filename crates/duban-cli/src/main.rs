//! The `duban` binary: a thin shell over the library crates. Each subcommand group lives in
//! its own module; errors get their context here and are printed as one line.

use clap::{Parser, Subcommand};

mod backup;
mod eval;
mod monitor;
mod oversight;
mod plan;
mod serve;
mod token;
mod unit;
mod user;

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
    /// Run the web platform (pages, JSON API) on SQLite or PostgreSQL.
    Serve(Box<serve::ServeArgs>),
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// The units (单位) and their codes.
    #[command(subcommand)]
    Unit(unit::UnitCommand),
    /// Manage API bearer tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// The audit log: `duban audit verify` recomputes the hash chain.
    #[command(subcommand)]
    Audit(oversight::AuditCommand),
    /// Monitor indicator series and warning rules (监测预警).
    #[command(subcommand)]
    Monitor(monitor::MonitorCommand),
    /// Write the whole database to one file (SQLite `VACUUM INTO`, or a copy of every
    /// PostgreSQL table); safe while servers run.
    Backup(backup::BackupArgs),
    /// Load a backup file into an empty database (or, with --force, replace what it holds),
    /// then verify the audit chain. Stop the servers first.
    Restore(backup::RestoreArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        restore_default_sigpipe();
    }
    let result = match cli.command {
        Command::Plan(cmd) => plan::run(cmd),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Serve(args) => serve::run(*args),
        Command::User(cmd) => user::run(cmd),
        Command::Token(cmd) => token::run(cmd),
        Command::Unit(cmd) => unit::run(cmd),
        Command::Audit(cmd) => oversight::run(cmd),
        Command::Monitor(cmd) => monitor::run(cmd),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
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

/// One-off commands end quietly when their output is closed (`duban unit list | head`), as
/// Unix tools do, instead of panicking on a broken pipe. Not for `serve`, whose sockets rely
/// on Rust's default of ignoring SIGPIPE.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
