use std::sync::Arc;

use duban_store::Store;

/// Settings fixed at start-up.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` (set when served over https or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Trusted reverse proxies and the path prefix.
    pub proxy: crate::proxy::ProxySettings,
    /// The bearer token a Prometheus scraper presents at `/metrics` (admins may always read
    /// it); `None`: admins only.
    pub metrics_token: Option<String>,
    /// The command that creates the first administrator (with this server's data directory
    /// spelled out), shown on the login page while no administrator exists.
    pub first_admin_command: Option<String>,
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// The public portal's files, rebuilt when publications change.
    pub portal: Arc<crate::publish::PortalCache>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            templates: Arc::new(crate::render::environment()),
            portal: Arc::default(),
        }
    }
}
