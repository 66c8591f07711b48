//! `duban user add|passwd|disable|enable|list`: accounts, usable while the server runs.

use std::io::Read;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use duban_store::user::{NewUser, Role};

use crate::serve::{DbArgs, runtime};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input (first line).
    Add {
        name: String,
        /// admin | reporter | viewer
        #[arg(long)]
        role: String,
        /// The unit code (required for reporters); `duban unit list` lists them.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from standard input (required: never on the command line).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (read from standard input); ends the user's sessions and revokes
    /// its API tokens.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account: no log-in; its sessions end and its tokens are revoked.
    Disable {
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable a disabled account again (it needs new tokens).
    Enable {
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List users (with their state).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn read_password(flag: bool) -> Result<String> {
    if !flag {
        bail!("pass --password-stdin and give the password on standard input");
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from standard input")?;
    let line = s
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string();
    if line.is_empty() {
        bail!("empty password on standard input");
    }
    Ok(line)
}

fn set_disabled(name: &str, db: DbArgs, disable: bool) -> Result<()> {
    runtime()?.block_on(async {
        let store = db.open_existing().await?;
        store
            .set_user_disabled(name, disable)
            .await
            .with_context(|| format!("cannot change user {name}"))?;
        if disable {
            println!("user {name} disabled; their sessions were ended and their tokens revoked");
        } else {
            println!("user {name} enabled");
        }
        Ok(())
    })
}

pub fn run(cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            name,
            role,
            unit,
            password_stdin,
            db,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("unknown role {role:?} (admin, reporter or viewer)"))?;
            let password = read_password(password_stdin)?;
            runtime()?.block_on(async {
                let store = db.open_existing().await?;
                if let Some(code) = &unit {
                    crate::unit::check_unit_code(&store, code).await?;
                }
                let user = store
                    .create_user(&NewUser {
                        name: name.clone(),
                        password,
                        role,
                        unit_code: unit,
                    })
                    .await
                    .with_context(|| format!("cannot create user {name}"))?;
                println!(
                    "created user {} (role {}{})",
                    user.name,
                    user.role.as_str(),
                    user.unit_code
                        .map(|u| format!(", unit {u}"))
                        .unwrap_or_default()
                );
                Ok(())
            })
        }
        UserCommand::Passwd {
            name,
            password_stdin,
            db,
        } => {
            let password = read_password(password_stdin)?;
            runtime()?.block_on(async {
                let store = db.open_existing().await?;
                store
                    .set_password(&name, &password)
                    .await
                    .with_context(|| format!("cannot set the password of {name}"))?;
                println!(
                    "password changed for {name}; their sessions were ended and their tokens revoked"
                );
                Ok(())
            })
        }
        UserCommand::Disable { name, db } => set_disabled(&name, db, true),
        UserCommand::Enable { name, db } => set_disabled(&name, db, false),
        UserCommand::List { db } => runtime()?.block_on(async {
            let store = db.open_existing().await?;
            for (u, disabled) in store.list_accounts().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.id,
                    u.name,
                    u.role.as_str(),
                    u.unit_code.unwrap_or_else(|| "-".into()),
                    disabled.map_or_else(|| "active".to_string(), |at| format!("disabled {at}"))
                );
            }
            Ok(())
        }),
    }
}
