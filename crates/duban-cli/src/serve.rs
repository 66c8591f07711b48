//! `duban serve`: the web platform. Also the shared database options (`--data-dir`,
//! `DATABASE_URL`) and runtime used by `duban user` and `duban token`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use duban_store::Store;
use duban_web::seed::{SeedOutcome, ensure_seed};
use duban_web::{AppState, Config};

/// Where the data lives: `DATABASE_URL` (postgres://… or sqlite://…) if set, else the
/// SQLite file `duban.db` in `--data-dir`.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Directory of the embedded SQLite database (ignored when DATABASE_URL is set).
    #[arg(long, env = "DUBAN_DATA_DIR", default_value = "./duban-data")]
    pub data_dir: PathBuf,
    /// Database URL; `postgres://…` runs on PostgreSQL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub async fn open(&self) -> Result<Store> {
        match self
            .database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            Some(url) => Store::connect(url.trim())
                .await
                .context("cannot open the database named by DATABASE_URL"),
            None => Store::open_data_dir(&self.data_dir).await.with_context(|| {
                format!("cannot open the database in {}", self.data_dir.display())
            }),
        }
    }

    /// Opens the database a server already made: one-off commands (`user`, `token`, `unit`,
    /// `audit`) must not create a second, empty database when run from another folder.
    pub async fn open_existing(&self) -> Result<Store> {
        if self
            .database_url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
        {
            let file = self.data_dir.join("duban.db");
            if !file.exists() {
                let dir = std::path::absolute(&self.data_dir).unwrap_or(self.data_dir.clone());
                anyhow::bail!(
                    "no duban database in {} — start the server first (`duban serve --data-dir {}`), or pass the --data-dir that `duban serve` printed",
                    dir.display(),
                    shell_quote(&dir.display().to_string())
                );
            }
        }
        self.open().await
    }

    /// The flags that name this database in a command shown to the operator: the absolute
    /// data directory, or `DATABASE_URL` (never its value: it may hold a password).
    pub fn command_hint(&self) -> (String, String) {
        match self
            .database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            Some(_) => ("DATABASE_URL=<与服务器相同> ".to_string(), String::new()),
            None => {
                let dir = std::path::absolute(&self.data_dir).unwrap_or(self.data_dir.clone());
                (
                    String::new(),
                    format!(" --data-dir {}", shell_quote(&dir.display().to_string())),
                )
            }
        }
    }

    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(u) if u.starts_with("postgres") => "PostgreSQL (DATABASE_URL)".to_string(),
            Some(_) => "DATABASE_URL".to_string(),
            None => format!("SQLite in {}", self.data_dir.join("duban.db").display()),
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DUBAN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Mark cookies Secure (use when served over https, e.g. behind a TLS proxy).
    #[arg(long, env = "DUBAN_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Reverse proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto /
    /// X-Forwarded-Prefix headers are believed: addresses or networks, comma-separated
    /// (e.g. `127.0.0.1,10.0.0.0/8`). From anyone else these headers are ignored.
    #[arg(long, env = "DUBAN_TRUSTED_PROXIES", value_parser = parse_trusted, default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// The path prefix the site is served under behind a proxy (e.g. `/duban` for
    /// `https://gov.example/duban/`); links, redirects and cookie paths carry it.
    #[arg(long, env = "DUBAN_BASE_PATH", value_parser = parse_base_path, default_value = "")]
    pub base_path: String,
    /// Bearer token a Prometheus scraper presents at `/metrics` (administrators can always
    /// read it with their session or API token).
    #[arg(long, env = "DUBAN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Escalation rules and notification delivery in the background.
    #[command(flatten)]
    pub oversight: crate::oversight::WorkerArgs,
    /// Add labelled demonstration reports (示例数据) to the seed plan, so every colour of
    /// light, a returned report and escalations can be seen when replaying 2020. Idempotent.
    #[arg(long)]
    pub demo: bool,
    /// Log lines on stderr as `text` or `json` (one object per line). Colours only when
    /// stderr is a terminal. Level filter: RUST_LOG (default `info,sqlx=warn`).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Which Traditional Chinese the 繁體 toggle writes: tw (Taiwan standard characters),
    /// twp (Taiwan characters and phrases), hk (Hong Kong) or t (OpenCC generic).
    #[arg(long, env = "DUBAN_HANT", default_value = "tw", value_parser = parse_hant)]
    pub hant: duban_web::lang::HantVariant,
}

/// The parsed `--trusted-proxies` list.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

fn parse_trusted(list: &str) -> Result<TrustedProxies, String> {
    duban_web::proxy::ProxySettings::parse_trusted(list).map(TrustedProxies)
}

fn parse_base_path(path: &str) -> Result<String, String> {
    duban_web::proxy::ProxySettings::parse_base_path(path)
}

fn parse_hant(setting: &str) -> Result<duban_web::lang::HantVariant, String> {
    duban_web::lang::HantVariant::parse(setting)
        .ok_or_else(|| format!("“{setting}” is not one of tw, twp, hk, t"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber: stderr, RUST_LOG filter, text or JSON, no ANSI colours
/// unless stderr is a terminal.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// A multi-threaded runtime for the async commands.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn run(args: ServeArgs) -> Result<()> {
    duban_web::lang::set_hant_variant(args.hant);
    init_logging(args.log_format);
    runtime()?.block_on(async move {
        let store = args.db.open().await?;
        // Servers starting together on one database load the seed once: one at a time.
        let startup = store
            .startup_lock()
            .await
            .context("cannot take the start-up lock")?;
        match ensure_seed(&store)
            .await
            .context("cannot load the seed plan")?
        {
            SeedOutcome::Loaded { plan_id } => {
                println!("Loaded the seed plan (2020年浙江省服务业发展工作要点) as plan {plan_id}, with a demo unit assignment (示例分工).")
            }
            SeedOutcome::AlreadyLoaded => {}
        }
        // Periods are generated by writes, never by a GET; bring them current once here
        // (a database from before that rule, or a new calendar year's due dates).
        store
            .ensure_all_periods()
            .await
            .context("cannot generate the reporting periods")?;
        if args.demo {
            match duban_web::demo::load_demo(&store)
                .await
                .context("cannot load the demo reports")?
            {
                duban_web::demo::DemoOutcome::Loaded { reports, escalations } => println!(
                    "Loaded {reports} demo reports (示例数据) and {escalations} demo escalations; the demo plan's pages open as of the demo date (2020-07-15), other dates with ?as_of=YYYY-MM-DD."
                ),
                duban_web::demo::DemoOutcome::AlreadyLoaded => {}
            }
        }
        startup
            .release()
            .await
            .context("cannot release the start-up lock")?;
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        println!("duban is serving on http://{addr}/  (database: {})", args.db.describe());
        let admin_hint = first_admin_command(&args.db);
        if store.count_admins().await? == 0 {
            println!(
                "No admin account yet. Create the first admin (in another terminal, while this runs):\n  {admin_hint}"
            );
        }
        let state = AppState::new(
            store,
            Config {
                secure_cookies: args.secure_cookies,
                proxy: duban_web::proxy::ProxySettings {
                    trusted: args.trusted_proxies.0,
                    base_path: args.base_path,
                },
                metrics_token: args.metrics_token.filter(|t| !t.trim().is_empty()),
                first_admin_command: Some(admin_hint),
            },
        );
        let _workers =
            duban_web::oversight::spawn_workers(state.store.clone(), args.oversight.config()?);
        duban_web::serve(listener, state)
            .await
            .context("the server stopped with an error")
    })
}

/// The one command that creates the first administrator of this server's database, from any
/// folder (printed by `serve` and shown on the login page while no admin exists).
pub fn first_admin_command(db: &DbArgs) -> String {
    let (env, flags) = db.command_hint();
    // The running binary's absolute path works whatever the folder and PATH.
    let exe = std::env::current_exe().map_or_else(
        |_| "duban".to_string(),
        |p| shell_quote(&p.display().to_string()),
    );
    format!(
        "echo '一个足够长的密码' | {env}{exe} user add admin --role admin --password-stdin{flags}"
    )
}

/// Quotes a path for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
