//! `duban token create|revoke|list`: API bearer tokens (stored hashed; shown once).

use anyhow::{Context, Result};
use clap::Subcommand;

use crate::serve::{DbArgs, runtime};

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token for user NAME; the token is printed as the last line.
    Create {
        /// The user the token acts as.
        name: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token by its id (see `duban token list`).
    Revoke {
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens (never the secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: TokenCommand) -> Result<()> {
    runtime()?.block_on(async {
        match cmd {
            TokenCommand::Create { name, label, db } => {
                let store = db.open().await?;
                let (token, secret) = store
                    .create_token(&name, &label)
                    .await
                    .with_context(|| format!("cannot create a token for {name}"))?;
                println!(
                    "token {} for {} created; use it as `Authorization: Bearer <token>`. It is shown only once:",
                    token.id, token.user_name
                );
                println!("{secret}");
            }
            TokenCommand::Revoke { id, db } => {
                let store = db.open().await?;
                store
                    .revoke_token(id)
                    .await
                    .with_context(|| format!("cannot revoke token {id}"))?;
                println!("token {id} revoked");
            }
            TokenCommand::List { db } => {
                let store = db.open().await?;
                for t in store.list_tokens().await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        t.id,
                        t.user_name,
                        t.name,
                        t.created_at,
                        t.revoked_at.as_deref().unwrap_or("active")
                    );
                }
            }
        }
        Ok(())
    })
}
