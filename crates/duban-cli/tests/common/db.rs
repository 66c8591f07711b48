//! A fresh database for one test: a SQLite data dir, or a new PostgreSQL database on the
//! server named by `DUBAN_TEST_DATABASE_URL` (dropped when the test ends); and the `duban`
//! commands, URL and one-off SQL that reach it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, name: String },
}

/// A name no other test of any process uses at the same time.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// The PostgreSQL server of the PostgreSQL runs, if this is one.
pub fn pg_server() -> Option<String> {
    std::env::var("DUBAN_TEST_DATABASE_URL")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl Db {
    /// A fresh database of the backend under test.
    pub fn fresh() -> Db {
        match pg_server() {
            Some(server) => Db::fresh_postgres(&server),
            None => Db::Sqlite(tempfile::tempdir().unwrap()),
        }
    }

    pub fn fresh_postgres(server: &str) -> Db {
        let name = unique("duban_cli_test");
        sql(server, &format!("CREATE DATABASE {name}"));
        Db::Postgres {
            server: server.to_string(),
            name,
        }
    }

    /// The environment and flags a `duban` command needs to reach this database.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_duban"));
        c.args(args);
        match self {
            Db::Sqlite(dir) => {
                c.args(["--data-dir", dir.path().to_str().unwrap()]);
                c.env_remove("DATABASE_URL");
            }
            Db::Postgres { server, name } => {
                c.env("DATABASE_URL", with_database(server, name));
            }
        }
        c
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = self.command(args);
        command.env("RUST_LOG", "warn");
        super::run_command(command, stdin)
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        super::succeeded(&self.run(args, stdin), &format!("duban {args:?}"))
    }

    /// `duban serve --demo` on port 0, returned once it listens (the demo is loaded first).
    pub fn serve_demo(&self) -> Child {
        let mut child = self
            .command(&["serve", "--demo", "--addr", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if line.contains("http://") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        child
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("duban.db").display()),
            Db::Postgres { server, name } => with_database(server, name),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { server, name } = self {
            sql(
                server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// `server` (a PostgreSQL URL) with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let base = &base[..base.rfind('/').unwrap()];
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs one statement (the test's own, generated names only).
pub fn sql(url: &str, statement: &str) {
    sqlx::any::install_default_drivers();
    rt().block_on(async {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}
