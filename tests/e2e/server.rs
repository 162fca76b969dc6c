//! `juece serve`, `juece user passwd` and `juece token`: the real binary, over a real socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Env;

/// A running `juece serve`, stopped when dropped.
pub(crate) struct Served {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(env: &Env) -> Served {
    serve_with(env, &[])
}

/// `juece serve` with `extra` arguments before `serve`.
fn serve_with(env: &Env, extra: &[&str]) -> Served {
    serve_on_with(env.db().as_os_str(), extra)
}

/// `juece serve` on the database `db` (a file or a PostgreSQL URL).
pub(crate) fn serve_on(db: &std::ffi::OsStr) -> Served {
    serve_on_with(db, &[])
}

fn serve_on_with(db: &std::ffi::OsStr, extra: &[&str]) -> Served {
    serve_on_args(db, extra, &[])
}

/// `juece serve` on `db` with global options `extra` and `serve`'s own `serve_args`.
pub(crate) fn serve_on_args(db: &std::ffi::OsStr, extra: &[&str], serve_args: &[&str]) -> Served {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_juece"))
        .args(extra)
        .args(["serve", "--listen", &addr])
        .args(serve_args)
        .env_clear()
        .env("JUECE_DB", db)
        .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let served = Served { child, addr };
    let start = Instant::now();
    while http(&served.addr, "GET", "/healthz", None, None).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "juece serve did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    served
}

/// One HTTP/1.1 request: (status, body), or `None` when nothing listens.
pub(crate) fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    let body = body.unwrap_or("");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

#[test]
fn passwords_are_set_from_stdin_and_stored_as_argon2id() {
    let env = Env::new();
    assert_eq!(
        env.juece(&["user", "add", "王敏", "--role", "legal_office"])
            .code,
        0
    );
    let short = env.juece_stdin(&["user", "passwd", "王敏"], "short\n");
    assert_eq!(short.code, 2, "{}", short.stderr);
    let unknown = env.juece_stdin(&["user", "passwd", "nobody"], "long enough password\n");
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("没有用户 `nobody`"),
        "{}",
        unknown.stderr
    );
    let ok = env.juece_stdin(&["user", "passwd", "王敏"], "long enough password\n");
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let hash: String = conn
        .query_row(
            "SELECT hash FROM passwords WHERE name = '王敏'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("long enough password"));
}

#[test]
fn tokens_are_printed_once_listed_without_secret_and_revoked() {
    let env = Env::new();
    assert_eq!(
        env.juece(&["user", "add", "王敏", "--role", "legal_office"])
            .code,
        0
    );
    assert_eq!(env.juece(&["token", "create", "nobody"]).code, 2);
    let made = env.juece(&["token", "create", "王敏"]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let token = made.stdout.trim().to_owned();
    assert!(token.starts_with("jt_"), "{token}");
    let id = token.split('_').nth(1).unwrap().to_owned();
    let secret = token.split('_').nth(2).unwrap().to_owned();
    let list = env.juece(&["token", "list"]);
    assert_eq!(list.code, 0);
    assert!(list.stdout.contains(&id) && list.stdout.contains("王敏"));
    assert!(!list.stdout.contains(&secret));
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let stored: String = conn
        .query_row("SELECT secret_hash FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, secret);

    let served = serve(&env);
    let (status, body) = http(&served.addr, "GET", "/api/v1/cases", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(env.juece(&["token", "revoke", &id]).code, 0);
    assert_eq!(env.juece(&["token", "revoke", &id]).code, 2);
    let (status, _) = http(&served.addr, "GET", "/api/v1/cases", Some(&token), None).unwrap();
    assert_eq!(status, 401);
}

#[test]
fn serve_writes_through_the_same_engine_as_the_cli() {
    let env = Env::new();
    assert_eq!(
        env.juece(&["user", "add", "王敏", "--role", "legal_office"])
            .code,
        0
    );
    assert_eq!(
        env.juece(&["user", "add", "李强", "--role", "undertaking_unit"])
            .code,
        0
    );
    let clerk = env
        .juece(&["token", "create", "王敏"])
        .stdout
        .trim()
        .to_owned();
    let unit = env
        .juece(&["token", "create", "李强"])
        .stdout
        .trim()
        .to_owned();
    let served = serve(&env);
    let (status, body) = http(&served.addr, "GET", "/healthz", None, None).unwrap();
    assert_eq!(status, 200, "{body}");
    let open = r#"{"ref": "S-1", "title": "测试", "organ": "XX县人民政府", "undertaking_unit": "县住建局",
        "category": "plan", "attributes": {"technical": false, "stability_risk": false,
        "hearing_required": false, "confidential": false, "market_entities": false}}"#;
    let (status, body) = http(
        &served.addr,
        "POST",
        "/api/v1/cases",
        Some(&clerk),
        Some(open),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let draft = format!(
        r#"{{"type": "draft", "version": "v1", "sha256": "{}"}}"#,
        "b".repeat(64)
    );
    let (status, body) = http(
        &served.addr,
        "POST",
        "/api/v1/cases/S-1/events",
        Some(&unit),
        Some(&draft),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["seq"], 1);
    // The clerk may not submit for review: 422, with the role guard.
    let submit = r#"{"type": "legality_review_submitted", "draft": "v1"}"#;
    let (status, body) = http(
        &served.addr,
        "POST",
        "/api/v1/cases/S-1/events",
        Some(&clerk),
        Some(submit),
    )
    .unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("ROLE_NOT_ALLOWED"));
    // The CLI sees what the server wrote, attributed to the tokens' users.
    let shown = env.juece(&["case", "show", "S-1", "--format", "json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let v = shown.json();
    let actors: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["王敏", "李强"]);
    // The API answers the same document as the CLI.
    let (status, body) =
        http(&served.addr, "GET", "/api/v1/cases/S-1", Some(&clerk), None).unwrap();
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap(), v);
    env.assert_one_chain("S-1");
    assert_eq!(env.juece(&["verify"]).code, 0);
}

#[test]
fn serve_refuses_an_address_it_cannot_bind() {
    let env = Env::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = env.juece(&["serve", "--listen", &addr]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("无法在") && run.stderr.contains("地址已被占用"),
        "{}",
        run.stderr
    );
}

/// `juece serve --lang en`: the pages are English for a visitor who has not chosen, the switch
/// still chooses, and the API's messages still follow `Accept-Language` (Chinese without it).
#[test]
fn serve_lang_sets_the_default_language_of_the_pages() {
    let env = Env::new();
    env.juece(&["user", "add", "王敏", "--role", "legal_office"]);
    let served = serve_with(&env, &["--lang", "en"]);
    let (status, body) = http(&served.addr, "GET", "/login", None, None).unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("<html lang=\"en\"") && body.contains("Sign in"),
        "{body}"
    );
    let (_, body) = http(&served.addr, "GET", "/login?lang=zh", None, None).unwrap();
    assert!(
        body.contains("<html lang=\"zh-CN\"") && body.contains("登录"),
        "{body}"
    );
    let (status, body) = http(&served.addr, "GET", "/api/v1/cases", Some("jt_x_y"), None).unwrap();
    assert_eq!(status, 401);
    assert!(body.contains("需要有效的 API 令牌"), "{body}");
    drop(served);
    // Without --lang: Chinese pages.
    let served = serve(&env);
    let (_, body) = http(&served.addr, "GET", "/login", None, None).unwrap();
    assert!(
        body.contains("<html lang=\"zh-CN\"") && body.contains("登录"),
        "{body}"
    );
}
