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
        /// Days until the token expires (1–3650).
        #[arg(long, default_value_t = duban_store::token::DEFAULT_TOKEN_DAYS)]
        days: i64,
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
            TokenCommand::Create {
                name,
                label,
                days,
                db,
            } => {
                let store = db.open_existing().await?;
                let (token, secret) = store
                    .create_token_for_days(&name, &label, days)
                    .await
                    .with_context(|| format!("cannot create a token for {name}"))?;
                println!(
                    "token {} for {} created (expires {}); use it as `Authorization: Bearer <token>`. It is shown only once:",
                    token.id,
                    token.user_name,
                    token.expires_at.as_deref().unwrap_or("never")
                );
                println!("{secret}");
            }
            TokenCommand::Revoke { id, db } => {
                let store = db.open_existing().await?;
                store
                    .revoke_token(id)
                    .await
                    .with_context(|| format!("cannot revoke token {id}"))?;
                println!("token {id} revoked");
            }
            TokenCommand::List { db } => {
                let store = db.open_existing().await?;
                let now = duban_store::now();
                println!("id\tuser\tlabel\tcreated\texpires\tstate");
                for t in store.list_tokens().await? {
                    let state = match (&t.revoked_at, &t.expires_at) {
                        (Some(at), _) => format!("revoked {at}"),
                        (None, Some(exp)) if *exp <= now => "expired".to_string(),
                        _ => "active".to_string(),
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{state}",
                        t.id,
                        t.user_name,
                        t.name,
                        t.created_at,
                        t.expires_at.as_deref().unwrap_or("never"),
                    );
                }
            }
        }
        Ok(())
    })
}
