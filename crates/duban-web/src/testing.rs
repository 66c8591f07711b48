//! Test support: the real app on `127.0.0.1:0` with its own fresh database (SQLite, or
//! PostgreSQL when `DUBAN_TEST_DATABASE_URL` is set — see `duban_store::testing`).

use std::net::SocketAddr;

use duban_store::testing::TestDb;
use duban_store::user::{NewUser, Role, User};

use crate::state::{AppState, Config};

/// A running app. The server task stops when this is dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the app with the seed plan loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

/// Starts the app; with `seed` the seed plan and units are loaded first.
pub async fn spawn_app_with(seed: bool) -> TestApp {
    let db = TestDb::fresh().await.expect("fresh test database");
    if seed {
        crate::seed::ensure_seed(&db.store)
            .await
            .expect("seed loads");
    }
    let state = AppState::new(db.store.clone(), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let app = crate::app(state.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    TestApp {
        addr,
        base: format!("http://{addr}"),
        state,
        db,
        server,
    }
}

impl TestApp {
    /// Adopts a draft plan as an office would: every unit awaiting review kept with its
    /// kind, then 通过 by `admin`. Reports fall due only on adopted plans.
    pub async fn adopt(&self, plan_id: i64, admin: &User) {
        let store = &self.state.store;
        for u in store.units_to_review().await.expect("units to review") {
            store
                .confirm_unit(u.id, u.kind)
                .await
                .expect("confirm unit");
        }
        store
            .adopt_plan(plan_id, admin.id)
            .await
            .expect("the plan adopts");
    }

    /// Creates a user with password `"{name}-password"`.
    pub async fn add_user(&self, name: &str, role: Role, unit_code: Option<&str>) -> User {
        self.state
            .store
            .create_user(&NewUser {
                name: name.to_string(),
                password: format!("{name}-password"),
                role,
                unit_code: unit_code.map(str::to_string),
            })
            .await
            .expect("create test user")
    }
}
