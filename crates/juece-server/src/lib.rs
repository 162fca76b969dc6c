//! `juece serve`: the web pages and the JSON API (interchange.md, "HTTP: `juece serve`"), on the
//! same engine as the command line (`juece-engine`). Every write goes through the engine's one
//! write path, attributed to the signed-in user or the token's user.
//!
//! Every request that touches the database runs on the blocking pool, never on the async
//! workers: reads on a read-only connection from a small pool, writes through the one writer,
//! held only for the append ([`stores`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use stores::{default_readers, open_stores, Stores};

use axum::extract::DefaultBodyLimit;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, FixedOffset};
use juece_core::Lang;
use juece_engine::WriteSession;
use serde_json::{json, Value};

pub mod api;
pub mod auth;
pub mod forms;
pub mod pages;
pub mod record;
pub mod record_forms;
pub mod stores;

/// The largest request body accepted (1 MiB); larger ones get 413.
pub const MAX_BODY: usize = 1 << 20;

/// Failed sign-ins allowed per name in [`THROTTLE_WINDOW`] seconds before sign-in is refused.
pub const MAX_FAILURES: u32 = 5;
/// The throttling window, seconds.
pub const THROTTLE_WINDOW: i64 = 15 * 60;
/// Idempotency answers are kept this long (seconds): at least 24 hours.
pub const KEEP_ANSWERS: i64 = 48 * 3600;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Send the session cookie with `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The test clock for events (`JUECE_NOW`); `None`: the system clock.
    pub now: Option<DateTime<FixedOffset>>,
    /// How long a session lasts, seconds.
    pub session_ttl: i64,
    /// Test hook passed to the engine.
    pub test_write_delay_ms: Option<u64>,
    /// The language of the pages for a visitor who has not chosen one with the switch
    /// (`juece serve --lang`); the API's messages follow `Accept-Language`.
    pub lang: Lang,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            now: None,
            session_ttl: 8 * 3600,
            test_write_delay_ms: None,
            lang: Lang::Zh,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    pub config: Config,
    pub stores: Stores,
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// The time events are recorded at.
    #[expect(
        clippy::disallowed_methods,
        reason = "the server reads the clock for live use, as the CLI does"
    )]
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.config
            .now
            .unwrap_or_else(|| chrono::Local::now().fixed_offset())
    }

    /// Wall-clock seconds, for session expiry and throttling (never the test clock).
    pub fn unix_now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    /// The engine's context for a request in `lang`.
    pub fn ctx(&self, lang: Lang) -> juece_engine::Ctx {
        juece_engine::Ctx {
            now: self.now(),
            lang,
            test_write_delay_ms: self.config.test_write_delay_ms,
        }
    }

    /// Whether sign-in is refused for `name` now (too many failures).
    pub fn throttled(&self, name: &str) -> bool {
        let now = self.unix_now();
        let Ok(map) = self.failures.lock() else {
            return true;
        };
        matches!(map.get(name), Some((n, since)) if *n >= MAX_FAILURES && now - since < THROTTLE_WINDOW)
    }

    /// Counts a failed sign-in for `name`.
    pub fn failed(&self, name: &str) {
        let now = self.unix_now();
        if let Ok(mut map) = self.failures.lock() {
            let e = map.entry(name.to_owned()).or_insert((0, now));
            if now - e.1 >= THROTTLE_WINDOW {
                *e = (0, now);
            }
            e.0 += 1;
        }
    }

    /// Forgets the failures of `name` after a good sign-in.
    pub fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(name);
        }
    }
}

/// Runs `f` on the blocking pool (it may take a reader and the writer through `state.stores`).
pub async fn blocking<T, F>(state: &Shared, f: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> T + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(|_| internal("the request's worker stopped"))
}

/// Runs `f` on the blocking pool with a read-only connection.
pub async fn with_reader<T, F>(state: &Shared, f: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&AppState, &mut WriteSession) -> T + Send + 'static,
{
    blocking(state, move |state| {
        state.stores.read(|engine| f(state, engine))
    })
    .await
}

/// Runs `f` on the blocking pool with the one writer (for writes other than events: accounts,
/// sessions, opening a case).
pub async fn with_writer<T, F>(state: &Shared, f: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&AppState, &mut WriteSession) -> T + Send + 'static,
{
    blocking(state, move |state| {
        state.stores.write(|engine| f(state, engine))
    })
    .await
}

/// A response body of the pieces a long document was written in, sent one after another: never
/// copied into one buffer first (the audit of a province is a quarter of a gigabyte).
pub(crate) fn pieces_body(doc: juece_engine::audit::Pieces) -> axum::body::Body {
    axum::body::Body::from_stream(futures_util::stream::iter(
        doc.into_pieces()
            .into_iter()
            .map(Ok::<_, std::convert::Infallible>),
    ))
}

/// A 500 answer (JSON).
pub fn internal(message: &str) -> Response {
    api::error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        message,
        &[],
        Lang::En,
    )
}

/// The language asked for: `?lang=`, then the `lang` cookie, then `Accept-Language` (zh default).
pub fn lang_of(headers: &HeaderMap, query: Option<&str>) -> Lang {
    let pick = |s: &str| {
        if s.trim_start().to_ascii_lowercase().starts_with("en") {
            Some(Lang::En)
        } else if s.trim_start().to_ascii_lowercase().starts_with("zh") {
            Some(Lang::Zh)
        } else {
            None
        }
    };
    if let Some(l) = query.and_then(pick) {
        return l;
    }
    if let Some(l) = cookie(headers, "lang").as_deref().and_then(pick) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(pick)
        .unwrap_or(Lang::Zh)
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The Content-Security-Policy of every answer: no script at all, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A page with a stricter or its own policy (the printable report) keeps it.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// The application: every route, on `stores` ([`open_stores`]).
pub fn app(stores: Stores, config: Config) -> Router {
    let state: Shared = Arc::new(AppState {
        config,
        stores,
        failures: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/cases", get(api::list_cases).post(api::open_case))
        .route("/api/v1/cases/{case_ref}", get(api::show_case))
        .route("/api/v1/cases/{case_ref}/events", post(api::record_event))
        .route("/api/v1/audit", get(api::audit))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::todo))
        .route("/cases", get(pages::case_list).post(pages::open_case))
        .route("/cases/new", get(pages::new_case_form))
        .route("/cases/{case_ref}", get(pages::case_page))
        .route("/cases/{case_ref}/events", post(pages::record_event))
        .route("/review", get(pages::review_queue))
        .route("/audit", get(pages::audit_dashboard))
        .route("/audit/download", get(pages::audit_download))
        .route("/report", get(pages::report_page))
        .route("/report/download", get(pages::report_download))
        .route("/integrity", get(pages::integrity))
        .route("/assets/style.css", get(pages::style))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, axum::Json(json!({"status": "ok"})))
}

async fn not_found(headers: HeaderMap) -> Response {
    api::error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page",
        &[],
        lang_of(&headers, None),
    )
}

/// Serves `app` on `addr` until the process ends.
pub async fn serve(router: Router, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router).await
}

/// A JSON value answer with a status.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Serves `router` on `addr` on a multi-threaded runtime, until the process ends.
pub fn serve_blocking(router: Router, addr: SocketAddr) -> std::io::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(router, addr))
}
