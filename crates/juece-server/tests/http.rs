//! In-process HTTP tests of `juece serve`: every route, the contract's statuses and error shape,
//! every role × event cell of docs/permissions.md, sessions, CSRF, escaping and size limits.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use juece_core::ids::Role;
use juece_server::auth::{hash_password, new_token};
use juece_server::Config;
use juece_store::Store;
use serde_json::{json, Value};
use tower::ServiceExt;

const NOW: &str = "2024-03-01T10:00:00+08:00";
const PASSWORD: &str = "correct horse battery";

struct Srv {
    app: Router,
    tokens: HashMap<String, String>,
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// Users: one per role (named after it), plus `wang` (legal_office + head) and `li` (undertaking
/// unit), each with a password and a token.
fn server_with(config: Config) -> Srv {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("juece.db");
    let mut tokens = HashMap::new();
    {
        let mut store = Store::open(&db).unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        let mut users: Vec<(String, Vec<Role>)> = Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), vec![*r]))
            .collect();
        users.push(("wang".into(), vec![Role::LegalOffice, Role::Head]));
        users.push(("li".into(), vec![Role::UndertakingUnit]));
        for (name, roles) in users {
            store.add_user(&name, &roles, NOW).unwrap();
            assert!(store.set_password(&name, &hash, NOW).unwrap());
            let (id, token, secret_hash) = new_token().unwrap();
            store.create_token(&id, &name, &secret_hash, NOW).unwrap();
            tokens.insert(name, token);
        }
    }
    let app = juece_server::app(juece_server::open_stores(&db, &[], 2).unwrap(), config);
    Srv {
        app,
        tokens,
        _dir: dir,
        db,
    }
}

fn test_config() -> Config {
    Config {
        now: Some(chrono::DateTime::parse_from_rfc3339(NOW).unwrap()),
        ..Config::default()
    }
}

fn server() -> Srv {
    server_with(test_config())
}

impl Srv {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn api(
        &self,
        method: &str,
        uri: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        self.api_with(method, uri, user, body, &[]).await
    }

    async fn api_with(
        &self,
        method: &str,
        uri: &str,
        user: Option<&str>,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(u) = user {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[u]));
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    async fn open(&self, user: &str, case_ref: &str) -> Answer {
        self.api(
            "POST",
            "/api/v1/cases",
            Some(user),
            Some(json!({
                "ref": case_ref, "title": "老旧小区改造", "organ": "XX县人民政府",
                "undertaking_unit": "县住建局", "category": "public_construction",
                "workflow": "decree-713",
                "attributes": {"technical": false, "stability_risk": false, "hearing_required": false,
                               "confidential": false, "market_entities": false},
                "at": "2024-02-01T09:00:00+08:00",
            })),
        )
        .await
    }

    async fn record(&self, user: &str, case_ref: &str, body: Value) -> Answer {
        self.api(
            "POST",
            &format!("/api/v1/cases/{}/events", enc(case_ref)),
            Some(user),
            Some(body),
        )
        .await
    }

    async fn get_page(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut b = Request::builder().uri(uri);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn post_form(&self, uri: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Signs in through the form; the session cookie header value and the page's csrf token.
    async fn sign_in(&self, name: &str) -> (String, String) {
        let form = self.get_page("/login", None).await;
        assert_eq!(form.status, StatusCode::OK);
        let pre = cookie_pair(&form.cookies(), "juece_pre");
        let csrf = hidden(&form.body, "csrf");
        let r = self
            .post_form(
                "/login",
                Some(&pre),
                &[("name", name), ("password", PASSWORD), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let session = cookie_pair(&r.cookies(), "juece_session");
        let home = self.get_page("/", Some(&session)).await;
        assert_eq!(home.status, StatusCode::OK);
        (session, hidden(&home.body, "csrf"))
    }
}

fn enc(s: &str) -> String {
    juece_server::pages::enc(s)
}

fn form_enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn cookie_pair(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The value of the first hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let i = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in page"))
        + marker.len();
    page[i..].split('"').next().unwrap().to_owned()
}

fn draft(version: &str) -> Value {
    json!({"type": "draft", "version": version, "sha256": "a".repeat(64)})
}

#[tokio::test]
async fn healthz_and_unknown_paths() {
    let s = server();
    let r = s.api("GET", "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.api("GET", "/no/such/thing", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_api_needs_a_valid_live_token() {
    let s = server();
    for uri in ["/api/v1/cases", "/api/v1/cases/X", "/api/v1/audit"] {
        let r = s.api("GET", uri, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(r.json()["error"]["code"], "unauthorized");
    }
    let bad = s
        .api_with(
            "GET",
            "/api/v1/cases",
            None,
            None,
            &[("authorization", "Bearer jt_0000_ffff")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    // A token with the right id but a wrong secret.
    let real = &s.tokens["auditor"];
    let forged = format!("{}x", real);
    let r = s
        .api_with(
            "GET",
            "/api/v1/cases",
            None,
            None,
            &[("authorization", &format!("Bearer {forged}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        s.api("GET", "/api/v1/cases", Some("auditor"), None)
            .await
            .status,
        StatusCode::OK
    );
    // Revoked: refused from then on.
    let id = real.split('_').nth(1).unwrap();
    assert!(Store::open(&s.db).unwrap().revoke_token(id, NOW).unwrap());
    assert_eq!(
        s.api("GET", "/api/v1/cases", Some("auditor"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A write without a token writes nothing.
    let r = s.open("legal_office", "A1").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = s
        .api("POST", "/api/v1/cases/A1/events", None, Some(draft("v1")))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let shown = s
        .api("GET", "/api/v1/cases/A1", Some("legal_office"), None)
        .await
        .json();
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn opening_a_case_answers_201_409_and_400() {
    let s = server();
    let r = s.open("legal_office", "XX〔2024〕1号").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["ref"], "XX〔2024〕1号");
    let again = s.open("wang", "XX〔2024〕1号").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already"));
    // Missing a header field.
    let r = s
        .api(
            "POST",
            "/api/v1/cases",
            Some("legal_office"),
            Some(json!({"ref": "B", "title": "t"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_input");
    // Not JSON.
    let r = s
        .api_with("POST", "/api/v1/cases", Some("legal_office"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // In the future.
    let mut body = json!({"ref": "C", "title": "t", "organ": "o", "undertaking_unit": "u",
        "category": "plan", "attributes": {"technical": false, "stability_risk": false,
        "hearing_required": false, "confidential": false, "market_entities": false},
        "at": "2030-01-01T00:00:00+08:00"});
    let r = s
        .api(
            "POST",
            "/api/v1/cases",
            Some("legal_office"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Attributed to the token's user, in their role; a name in the request changes nothing.
    body["at"] = json!(null);
    body["ref"] = json!("D");
    let r = s
        .api("POST", "/api/v1/cases", Some("admin"), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shown = s
        .api("GET", "/api/v1/cases/D", Some("admin"), None)
        .await
        .json();
    assert_eq!(shown["timeline"][0]["actor"], "admin");
    assert_eq!(shown["timeline"][0]["role"], "admin");
    assert_eq!(shown["timeline"][0]["at"], NOW);
}

#[tokio::test]
async fn listing_showing_and_auditing() {
    let s = server();
    s.open("legal_office", "L1").await;
    s.open("legal_office", "L2").await;
    let r = s.api("GET", "/api/v1/cases", Some("auditor"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let cases = r.json()["cases"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 2);
    for k in [
        "ref",
        "title",
        "organ",
        "status",
        "workflow",
        "violations",
        "warnings",
    ] {
        assert!(cases[0].get(k).is_some(), "{k}");
    }
    assert_eq!(cases[0]["organ"], "XX县人民政府");
    let r = s
        .api("GET", "/api/v1/cases?status=decided", Some("auditor"), None)
        .await;
    assert_eq!(r.json()["cases"].as_array().unwrap().len(), 0);
    let r = s
        .api("GET", "/api/v1/cases?status=open", Some("auditor"), None)
        .await;
    assert_eq!(r.json()["cases"].as_array().unwrap().len(), 2);
    let r = s
        .api("GET", "/api/v1/cases?skipped=true", Some("auditor"), None)
        .await;
    assert_eq!(r.json()["cases"].as_array().unwrap().len(), 0);
    let r = s
        .api(
            "GET",
            "/api/v1/cases?status=nonsense",
            Some("auditor"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = s
        .api("GET", "/api/v1/cases/L1", Some("auditor"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["ref"], "L1");
    assert_eq!(v["status"], "open");
    assert!(v["next"].is_array() && v["steps"].is_array() && v["dates"].is_array());
    let r = s
        .api("GET", "/api/v1/cases/NOPE", Some("auditor"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");

    let r = s.api("GET", "/api/v1/audit", Some("auditor"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let a = r.json();
    assert_eq!(a["format"], "juece-audit/1");
    assert_eq!(a["as_of"], "2024-03-01");
    assert_eq!(a["cases"].as_array().unwrap().len(), 2);
    // Before the cases were opened: none of them.
    let r = s
        .api(
            "GET",
            "/api/v1/audit?as_of=2024-01-01",
            Some("auditor"),
            None,
        )
        .await;
    assert_eq!(r.json()["cases"].as_array().unwrap().len(), 0);
    let r = s
        .api(
            "GET",
            "/api/v1/audit?as_of=2024-13-01",
            Some("auditor"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn recording_answers_201_with_seq_and_warnings() {
    let s = server();
    s.open("legal_office", "E1").await;
    let r = s.record("li", "E1", draft("v1")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(v["ref"], "E1");
    assert_eq!(v["seq"], 1);
    assert!(v["warnings"].is_array());
    // The answer's `recorded_at` is the one stored on the event (the clock's, never the client's).
    let shown = s
        .api("GET", "/api/v1/cases/E1", Some("li"), None)
        .await
        .json();
    let stored =
        chrono::DateTime::parse_from_rfc3339(shown["timeline"][1]["recorded_at"].as_str().unwrap())
            .unwrap();
    let answered =
        chrono::DateTime::parse_from_rfc3339(v["recorded_at"].as_str().unwrap()).unwrap();
    assert_eq!(stored, answered);
    // The wrapped form with expected_seq.
    let r = s
        .record("li", "E1", json!({"event": {"type": "risk_assessment", "level": "low", "controllable": true}, "expected_seq": 2}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["seq"], 2);
    // A stale expected_seq: 409, nothing written.
    let r = s
        .record("li", "E1", json!({"event": draft("v2"), "expected_seq": 2}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["code"], "conflict");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("重试"));
    // Unknown case, bad event, actor given in the request.
    assert_eq!(
        s.record("li", "NOPE", draft("v3")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = s
        .record("li", "E1", json!({"type": "draft", "version": "v3"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let mut named = draft("v3");
    named["actor"] = json!("legal_office");
    assert_eq!(
        s.record("li", "E1", named).await.status,
        StatusCode::BAD_REQUEST
    );
    let shown = s
        .api("GET", "/api/v1/cases/E1", Some("li"), None)
        .await
        .json();
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 3);
    assert_eq!(shown["timeline"][1]["actor"], "li");
}

#[tokio::test]
async fn a_refused_gate_answers_422_with_every_guard_and_a_head_may_override() {
    let s = server();
    s.open("legal_office", "G1").await;
    s.record("li", "G1", draft("v1")).await;
    let decision = json!({"type": "collective_decision", "meeting": {"kind": "executive", "date": "2024-03-01",
        "members_total": 9, "members_present": 8}, "majority": "approve", "head_decision": "approve",
        "reason": null, "dissent_recorded": true});
    let r = s.record("legal_office", "G1", decision.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"]["code"], "refused");
    let guards = v["error"]["guards"].as_array().unwrap();
    assert!(guards.len() >= 2, "{guards:?}");
    for g in guards {
        assert!(g["code"].is_string() && g["article"].is_string() && g["message"].is_string());
    }
    assert!(
        guards.iter().any(|g| g["code"] == "SKIPPED_STEP"
            && g["step"] == "legality_review"
            && g["article"] == "第二十五条"),
        "{guards:?}"
    );
    // English messages on request.
    let en = s
        .api_with(
            "POST",
            "/api/v1/cases/G1/events",
            Some("legal_office"),
            Some(decision.clone()),
            &[("accept-language", "en-US,en;q=0.9")],
        )
        .await;
    assert!(en.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot record"));
    // Not a head: may not override.
    let r = s
        .record(
            "legal_office",
            "G1",
            json!({"event": decision.clone(), "override": "urgent"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The head forces it: the event and the override are written, the audit shows it.
    let r = s
        .record(
            "wang",
            "G1",
            json!({"event": decision, "override": "防汛紧急"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shown = s
        .api("GET", "/api/v1/cases/G1", Some("wang"), None)
        .await
        .json();
    let tl = shown["timeline"].as_array().unwrap();
    assert_eq!(tl.len(), 4);
    assert_eq!(tl[3]["type"], "override");
    assert_eq!(tl[3]["at"], tl[2]["at"]);
    let audit = s
        .api("GET", "/api/v1/audit", Some("auditor"), None)
        .await
        .json();
    let codes: Vec<&str> = audit["cases"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"GUARD_OVERRIDDEN"), "{codes:?}");
}

#[tokio::test]
async fn an_idempotency_key_writes_once_and_replays_the_first_answer() {
    let s = server();
    s.open("legal_office", "I1").await;
    let send = |key: &'static str, user: &'static str, v: &'static str| {
        let s = &s;
        async move {
            s.api_with(
                "POST",
                "/api/v1/cases/I1/events",
                Some(user),
                Some(draft(v)),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    let first = send("k-1", "li", "v1").await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = send("k-1", "li", "v1").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json(), first.json());
    // Same key, other body: still the first answer, nothing written.
    let other = send("k-1", "li", "v9").await;
    assert_eq!(other.json(), first.json());
    // The key is per user: the same key from another user is a new write.
    let r = send("k-1", "undertaking_unit", "v2").await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["seq"], 2);
    let shown = s
        .api("GET", "/api/v1/cases/I1", Some("li"), None)
        .await
        .json();
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 3);
    // A refusal is kept too: the retry gets the same 422.
    let r1 = s
        .api_with(
            "POST",
            "/api/v1/cases/I1/events",
            Some("auditor"),
            Some(draft("v5")),
            &[("idempotency-key", "k-2")],
        )
        .await;
    let r2 = s
        .api_with(
            "POST",
            "/api/v1/cases/I1/events",
            Some("auditor"),
            Some(draft("v5")),
            &[("idempotency-key", "k-2")],
        )
        .await;
    assert_eq!(r1.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((r2.status, r2.body), (r1.status, r1.body));
}

#[tokio::test]
async fn a_body_over_one_mebibyte_gets_413() {
    let s = server();
    s.open("legal_office", "S1").await;
    let big = json!({"type": "draft", "version": "v1", "sha256": "a".repeat(64), "pad": "x".repeat(1 << 20)});
    let r = s.record("li", "S1", big.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "too_large");
    let r = s
        .api("POST", "/api/v1/cases", Some("legal_office"), Some(big))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit is read (and refused for its content, not its size).
    let near = json!({"type": "draft", "version": "v1", "sha256": "a".repeat(64), "pad": "x".repeat((1 << 20) - 200)});
    let r = s.record("li", "S1", near).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// The event rows of docs/permissions.md with the roles marked ✓.
fn permission_table() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/permissions.md"
    ))
    .unwrap();
    let mut lines = text.lines().filter(|l| l.starts_with("| "));
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('|')
        .map(|c| c.trim().trim_matches('`').to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let roles = &header[1..];
    let mut rows = Vec::new();
    for l in lines.filter(|l| !l.starts_with("| ---")) {
        let cells: Vec<&str> = l
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let event = cells[0].replace('`', "");
        let allowed = roles
            .iter()
            .zip(&cells[1..])
            .filter(|(_, c)| **c == "✓")
            .map(|(r, _)| r.clone())
            .collect();
        rows.push((event, allowed));
    }
    assert_eq!(rows.len(), 16, "{rows:?}");
    rows
}

fn event_for(row: &str, role: &str) -> Value {
    if let Some(step) = row
        .strip_prefix("waived (")
        .and_then(|s| s.strip_suffix(')'))
    {
        return json!({"type": "waived", "step": step, "reason": "not_applicable", "basis": "测试"});
    }
    match row {
        "draft" => draft(&format!("v-{role}")),
        "public_participation" => {
            json!({"type": "public_participation", "methods": ["public_comment"],
            "comment_period": {"start": "2024-02-02", "end": "2024-03-01"}, "opinions_received": 1, "opinions_adopted": 0})
        }
        "expert_review" => {
            json!({"type": "expert_review", "experts": [{"name": "赵工", "signed": true, "conflict_of_interest": false}]})
        }
        "risk_assessment" => {
            json!({"type": "risk_assessment", "level": "low", "controllable": true})
        }
        "legality_review_submitted" => json!({"type": "legality_review_submitted", "draft": "v1"}),
        "legality_review_signed" => {
            json!({"type": "legality_review_signed", "draft": "v1", "conclusion": "lawful", "opinion": "ok"})
        }
        "collective_decision" => {
            json!({"type": "collective_decision", "meeting": {"kind": "executive", "date": "2024-03-01",
            "members_total": 9, "members_present": 8}, "majority": "approve", "head_decision": "approve", "reason": null, "dissent_recorded": true})
        }
        "published" => json!({"type": "published", "channel": "政府网站"}),
        other => json!({"type": other}),
    }
}

#[tokio::test]
async fn every_role_and_event_cell_of_the_permission_table_holds_over_http() {
    let s = server();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    for (n, (row, allowed)) in permission_table().into_iter().enumerate() {
        for role in &roles {
            let may = allowed.iter().any(|a| a == role);
            if row == "opened" {
                let r = s.open(role, &format!("P{n}-{role}")).await;
                if may {
                    assert_eq!(r.status, StatusCode::CREATED, "{row} by {role}: {}", r.body);
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "{row} by {role}: {}",
                        r.body
                    );
                    assert_eq!(r.json()["error"]["guards"][0]["code"], "ROLE_NOT_ALLOWED");
                }
                continue;
            }
            // A fresh case per cell, with a draft to refer to.
            let case_ref = format!("P{n}-{role}");
            assert_eq!(
                s.open("legal_office", &case_ref).await.status,
                StatusCode::CREATED
            );
            assert_eq!(
                s.record("li", &case_ref, draft("v1")).await.status,
                StatusCode::CREATED
            );
            let r = s.record(role, &case_ref, event_for(&row, role)).await;
            let guards: Vec<String> = r.json()["error"]["guards"]
                .as_array()
                .map(|g| {
                    g.iter()
                        .map(|g| g["code"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            if row == "override" {
                // Never recorded on its own, by anyone.
                assert_eq!(
                    r.status,
                    StatusCode::BAD_REQUEST,
                    "{row} by {role}: {}",
                    r.body
                );
            } else if may {
                assert!(
                    r.status == StatusCode::CREATED
                        || (r.status == StatusCode::UNPROCESSABLE_ENTITY
                            && !guards.contains(&"ROLE_NOT_ALLOWED".to_owned())),
                    "{row} by {role}: {} {}",
                    r.status,
                    r.body
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{row} by {role}: {}",
                    r.body
                );
                assert_eq!(
                    guards,
                    vec!["ROLE_NOT_ALLOWED".to_owned()],
                    "{row} by {role}"
                );
            }
            let shown = s
                .api(
                    "GET",
                    &format!("/api/v1/cases/{}", enc(&case_ref)),
                    Some(role),
                    None,
                )
                .await
                .json();
            let written = shown["timeline"].as_array().unwrap().len();
            assert_eq!(
                written,
                if r.status == StatusCode::CREATED {
                    3
                } else {
                    2
                },
                "{row} by {role}"
            );
        }
    }
}

#[tokio::test]
async fn pages_need_a_session_and_sign_in_sets_a_strict_http_only_cookie() {
    let s = server();
    for uri in [
        "/",
        "/cases",
        "/cases/new",
        "/cases/X",
        "/review",
        "/audit",
        "/integrity",
        "/audit/download?format=csv",
        "/report",
        "/report/download?format=json",
    ] {
        let r = s.get_page(uri, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.headers[header::LOCATION], "/login");
    }
    let form = s.get_page("/login", None).await;
    assert_eq!(form.status, StatusCode::OK);
    let csp = form.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
            && !csp.contains("script-src"),
        "{csp}"
    );
    assert!(!form.body.contains("<script"));
    let pre = cookie_pair(&form.cookies(), "juece_pre");
    let csrf = hidden(&form.body, "csrf");
    // Without or with a wrong csrf: 403.
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", PASSWORD), ("csrf", "0000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .post_form(
            "/login",
            None,
            &[("name", "wang"), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Wrong password.
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", "nope"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.cookies().iter().all(|c| !c.starts_with("juece_session")));
    // Right.
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("juece_session="))
        .unwrap();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"),
        "{c}"
    );
    // --secure-cookies adds Secure.
    let secure = server_with(Config {
        secure_cookies: true,
        ..test_config()
    });
    let form = secure.get_page("/login", None).await;
    let pre = cookie_pair(&form.cookies(), "juece_pre");
    let csrf = hidden(&form.body, "csrf");
    let r = secure
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    let c = r
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("juece_session="))
        .unwrap();
    assert!(c.contains("Secure"), "{c}");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled() {
    let s = server();
    let form = s.get_page("/login", None).await;
    let pre = cookie_pair(&form.cookies(), "juece_pre");
    let csrf = hidden(&form.body, "csrf");
    for _ in 0..juece_server::MAX_FAILURES {
        let r = s
            .post_form(
                "/login",
                Some(&pre),
                &[("name", "li"), ("password", "wrong"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused for a while; another user is not affected.
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "li"), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = s
        .post_form(
            "/login",
            Some(&pre),
            &[("name", "wang"), ("password", PASSWORD), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_end_on_sign_out_on_expiry_and_on_a_password_change() {
    let s = server();
    let (session, csrf) = s.sign_in("wang").await;
    // Sign-out needs the csrf.
    assert_eq!(
        s.post_form("/logout", Some(&session), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(s.get_page("/", Some(&session)).await.status, StatusCode::OK);
    let r = s
        .post_form("/logout", Some(&session), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get_page("/", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );

    let (session, _) = s.sign_in("li").await;
    let hash = hash_password("another password").unwrap();
    Store::open(&s.db)
        .unwrap()
        .set_password("li", &hash, NOW)
        .unwrap();
    assert_eq!(
        s.get_page("/", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );

    // Sessions expire on whole seconds of the clock: a session made at x.95 s with a one-second
    // life is gone at x+1 s, which made a 1-second TTL fail the sign-in's own first page now
    // and then. Three seconds live at least two; four seconds later it is surely gone.
    let short = server_with(Config {
        session_ttl: 3,
        ..test_config()
    });
    let (session, _) = short.sign_in("wang").await;
    std::thread::sleep(std::time::Duration::from_millis(4100));
    let r = short.get_page("/cases", Some(&session)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/login");
}

#[tokio::test]
async fn the_pages_work_through_forms_with_csrf_and_show_refusals_in_place() {
    let s = server();
    let (clerk, clerk_csrf) = s.sign_in("legal_office").await;
    // Opening a case through the form; without csrf: 403 and nothing written.
    let fields = [
        ("ref", "W1"),
        ("title", "<script>alert(1)</script>"),
        ("organ", "XX县人民政府"),
        ("undertaking_unit", "县住建局"),
        ("category", "plan"),
        ("workflow", "decree-713"),
        ("at", "2024-02-01T09:00:00+08:00"),
    ];
    let r = s.post_form("/cases", Some(&clerk), &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut with_csrf = fields.to_vec();
    with_csrf.push(("csrf", "wrong"));
    assert_eq!(
        s.post_form("/cases", Some(&clerk), &with_csrf).await.status,
        StatusCode::FORBIDDEN
    );
    with_csrf.pop();
    with_csrf.push(("csrf", &clerk_csrf));
    let r = s.post_form("/cases", Some(&clerk), &with_csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers[header::LOCATION], "/cases/W1");

    // The title is escaped everywhere.
    for uri in ["/cases", "/cases/W1", "/"] {
        let page = s.get_page(uri, Some(&clerk)).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert!(!page.body.contains("<script"), "{uri}");
    }
    let page = s.get_page("/cases/W1", Some(&clerk)).await;
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.body.contains("name=\"event_type\" value=\"draft\""));
    // The auditor gets no form to record.
    let (auditor, _) = s.sign_in("auditor").await;
    let page = s.get_page("/cases/W1", Some(&auditor)).await;
    assert!(!page.body.contains("name=\"event_type\""));

    // The unit records a draft through its form.
    let (unit, unit_csrf) = s.sign_in("li").await;
    let page = s.get_page("/cases/W1", Some(&unit)).await;
    let idem = hidden(&page.body, "idem");
    let hash = "a".repeat(64);
    let post = [
        ("csrf", unit_csrf.as_str()),
        ("idem", &idem),
        ("event_type", "draft"),
        ("version", "v1"),
        ("sha256", &hash),
    ];
    let r = s.post_form("/cases/W1/events", Some(&unit), &post).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A double submit writes once.
    let r = s.post_form("/cases/W1/events", Some(&unit), &post).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = s
        .api("GET", "/api/v1/cases/W1", Some("li"), None)
        .await
        .json();
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(shown["timeline"][1]["actor"], "li");
    // Without csrf: 403, nothing written.
    let r = s
        .post_form(
            "/cases/W1/events",
            Some(&unit),
            &[
                ("event_type", "draft"),
                ("version", "v2"),
                ("sha256", &hash),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A decision is refused in place, listing the guards with articles.
    let (head, head_csrf) = s.sign_in("wang").await;
    let decision = [
        ("event_type", "collective_decision"),
        ("meeting.kind", "executive"),
        ("meeting.date", "2024-03-01"),
        ("meeting.members_total", "9"),
        ("meeting.members_present", "8"),
        ("majority", "approve"),
        ("head_decision", "approve"),
        ("dissent_recorded", "true"),
    ];
    let mut refused = decision.to_vec();
    refused.extend([("csrf", head_csrf.as_str()), ("idem", "d-1")]);
    let r = s.post_form("/cases/W1/events", Some(&head), &refused).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("class=\"refusal\""));
    assert!(
        r.body.contains("SKIPPED_STEP") && r.body.contains("第二十五条"),
        "{}",
        r.body
    );
    assert!(r.body.contains("第"), "articles shown");
    assert!(
        r.body.contains("name=\"override\""),
        "the head's override form"
    );
    // The refused form keeps what was typed.
    assert!(r.body.contains("value=\"2024-03-01\""), "{}", r.body);
    // The head overrides.
    let mut forced = decision.to_vec();
    forced.extend([
        ("csrf", head_csrf.as_str()),
        ("idem", "d-2"),
        ("override", "防汛紧急"),
    ]);
    let r = s.post_form("/cases/W1/events", Some(&head), &forced).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The other pages.
    for uri in [
        "/review",
        "/audit",
        "/audit?as_of=2024-03-01",
        "/integrity",
        "/cases?status=decided&q=W",
        "/cases/new",
        "/?lang=en",
    ] {
        let r = s.get_page(uri, Some(&auditor)).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    let en = s.get_page("/cases?lang=en", Some(&auditor)).await;
    assert!(en.body.contains("Cases") && en.cookies().iter().any(|c| c.starts_with("lang=en")));
    let audit = s.get_page("/audit", Some(&auditor)).await;
    assert!(audit.body.contains("GUARD_OVERRIDDEN"));
    // Counted as the audit goes: the cases and violations of the audit document, and W1 under
    // the overridden cases.
    let doc: Value = serde_json::from_str(
        &s.get_page("/audit/download?format=json", Some(&auditor))
            .await
            .body,
    )
    .unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let violations = cases
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap())
        .filter(|f| f["severity"] == "violation")
        .count();
    assert!(violations > 0);
    assert!(
        audit.body.contains(&format!(
            "<p>{} 件事项，{violations} 项违规</p>",
            cases.len()
        )),
        "{}",
        audit.body
    );
    let overridden = audit
        .body
        .split("强制推进的事项")
        .nth(1)
        .unwrap_or_default();
    assert!(overridden.contains("href=\"/cases/W1\""), "{}", audit.body);
    let csv = s
        .get_page("/audit/download?format=csv", Some(&auditor))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.body.contains("GUARD_OVERRIDDEN") && csv.body.contains("W1"));
    let json_dl = s
        .get_page("/audit/download?format=json", Some(&auditor))
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&json_dl.body).unwrap()["format"],
        "juece-audit/1"
    );
    // The annual report as a page of the server, and each of its formats (report.md).
    let report = s.get_page("/report?year=2024", Some(&auditor)).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("2024") && report.body.contains("/report/download?format=html"));
    let json_report = s
        .get_page("/report/download?format=json&year=2024", Some(&auditor))
        .await;
    let doc: Value = serde_json::from_str(&json_report.body).unwrap();
    assert_eq!(doc["format"], "juece-report/1");
    assert_eq!(doc["year"], 2024);
    assert!(doc["decisions"]["total"].as_u64().unwrap() >= 1, "{doc}");
    assert_eq!(doc["overrides"], 1, "the head's override of W1");
    let html_report = s
        .get_page("/report/download?format=html&year=2024", Some(&auditor))
        .await;
    assert!(html_report.body.contains("<svg") && !html_report.body.contains("<script"));
    let csp = html_report.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !csp.contains("script-src") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let integrity = s.get_page("/integrity", Some(&auditor)).await;
    assert!(integrity.body.contains("完好"));
    let missing = s.get_page("/cases/NOPE", Some(&auditor)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.get_page("/assets/style.css", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_review_queue_lists_submitted_drafts_and_signs_from_the_queue() {
    let s = server();
    s.open("legal_office", "R1").await;
    s.record("li", "R1", draft("v1")).await;
    for ev in [
        json!({"type": "public_participation", "methods": ["public_comment"], "comment_period": {"start": "2024-01-01", "end": "2024-01-31"}, "opinions_received": 1, "opinions_adopted": 0}),
    ] {
        s.record("li", "R1", ev).await;
    }
    let r = s
        .record(
            "li",
            "R1",
            json!({"type": "legality_review_submitted", "draft": "v1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (lawyer, csrf) = s.sign_in("public_lawyer").await;
    let q = s.get_page("/review", Some(&lawyer)).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.body.contains("R1") && q.body.contains(&"a".repeat(64)),
        "{}",
        q.body
    );
    // The review window: submitted today (the test clock), so all 7 working days are left.
    assert!(q.body.contains("审查尚余 7 个工作日"), "{}", q.body);
    let idem = hidden(&q.body, "idem");
    // The sign-off form: the draft filled in, the conclusion a select.
    assert!(q.body.contains("name=\"draft\" value=\"v1\""), "{}", q.body);
    assert!(q.body.contains("<select") && q.body.contains("value=\"lawful_with_changes\""));
    let r = s
        .post_form(
            "/cases/R1/events",
            Some(&lawyer),
            &[
                ("csrf", &csrf),
                ("idem", &idem),
                ("event_type", "legality_review_signed"),
                ("draft", "v1"),
                ("conclusion", "lawful"),
                ("opinion", "合法"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = s
        .api("GET", "/api/v1/cases/R1", Some("auditor"), None)
        .await
        .json();
    let last = shown["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["type"].as_str(), last["actor"].as_str()),
        (Some("legality_review_signed"), Some("public_lawyer"))
    );
    let q = s.get_page("/review", Some(&lawyer)).await;
    assert!(!q.body.contains("/cases/R1/events"));
}

/// Two writes to one case at once, each checked on a reader while the other appends: the one
/// that loses the race is checked again against the new history and written after it; a client
/// that said which history it saw (`expected_seq`) gets 409 instead, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writes_on_one_case_are_checked_again_or_answer_409() {
    let s = server_with(Config {
        // Between the check and the append: both writes are checked against the same history.
        test_write_delay_ms: Some(300),
        ..test_config()
    });
    s.open("legal_office", "R1").await;
    let (a, b) = tokio::join!(
        s.record("li", "R1", draft("v1")),
        s.record(
            "li",
            "R1",
            json!({"type": "risk_assessment", "level": "low", "controllable": true})
        ),
    );
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
    let mut seqs = [a.json()["seq"].as_u64(), b.json()["seq"].as_u64()];
    seqs.sort();
    assert_eq!(seqs, [Some(1), Some(2)]);
    let (c, d) = tokio::join!(
        s.record("li", "R1", json!({"event": draft("v2"), "expected_seq": 3})),
        s.record("li", "R1", json!({"event": draft("v3"), "expected_seq": 3})),
    );
    let mut statuses = [c.status, d.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let shown = s
        .api("GET", "/api/v1/cases/R1", Some("li"), None)
        .await
        .json();
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 4);
}

/// Posts one event form of the case page as `cookie`'s user; `fields` beside csrf and the key.
async fn post_event_form(
    s: &Srv,
    (cookie, csrf): &(String, String),
    case_ref: &str,
    idem: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut all = vec![("csrf", csrf.as_str()), ("idem", idem)];
    all.extend_from_slice(fields);
    s.post_form(
        &format!("/cases/{}/events", enc(case_ref)),
        Some(cookie),
        &all,
    )
    .await
}

/// The events of a case as stored, in the interchange format (every field).
fn stored_events(s: &Srv, case_ref: &str) -> Vec<Value> {
    let store = Store::open_read_only(&s.db).unwrap();
    let case = store.load_case(case_ref).unwrap().unwrap().case;
    case.events.iter().map(|e| e.to_json()).collect()
}

/// The last event of a case as stored.
async fn last_event(s: &Srv, case_ref: &str) -> Value {
    stored_events(s, case_ref).pop().unwrap()
}

/// Every event form of the case page: what the user may record is offered as a real form; a
/// valid submission writes the event with the fields typed; a malformed field gets 400 in
/// place with a plain message and writes nothing; the key of a form writes once.
#[tokio::test]
async fn each_event_form_writes_its_event_and_refuses_a_malformed_field_in_place() {
    let s = server();
    s.open("legal_office", "F1").await;
    let unit = s.sign_in("li").await;
    let head = s.sign_in("wang").await;
    let lawyer = s.sign_in("public_lawyer").await;

    // The unit's page offers its forms with typed inputs, and not the head's override.
    let page = s.get_page("/cases/F1", Some(&unit.0)).await;
    for needle in [
        "value=\"draft\"",
        "value=\"expert_review\"",
        "type=\"date\"",
        "type=\"datetime-local\"",
        "name=\"level\"",
        "name=\"methods.public_comment\" value=\"true\"",
        "name=\"experts.0.name\"",
        "name=\"version\" value=\"v1\"",
    ] {
        assert!(page.body.contains(needle), "{needle}");
    }
    assert!(!page.body.contains("name=\"override\""));
    assert!(
        !page.body.contains("value=\"collective_decision\""),
        "a unit does not minute meetings"
    );

    // (user, event type, fields, what the stored event then holds)
    let a64 = "A".repeat(64);
    type Step<'a> = (
        &'a (String, String),
        &'a str,
        Vec<(&'a str, &'a str)>,
        Value,
    );
    let steps: Vec<Step<'_>> = vec![
        (
            &unit,
            "draft",
            vec![
                ("version", "v1"),
                ("sha256", &a64),
                ("at", "2024-02-02T10:00"),
            ],
            json!({"version": "v1", "sha256": "a".repeat(64), "at": "2024-02-02T10:00:00+08:00"}),
        ),
        (
            &unit,
            "public_participation",
            vec![
                ("methods.public_comment", "true"),
                ("methods.symposium", "true"),
                ("comment_period.start", "2024-02-03"),
                ("comment_period.end", "2024-02-29"),
                ("shortened_reason", "春节"),
                ("opinions_received", "12"),
                ("opinions_adopted", "3"),
            ],
            json!({"methods": ["public_comment", "symposium"], "comment_period": {"start": "2024-02-03", "end": "2024-02-29"},
                "shortened_reason": "春节", "opinions_received": 12, "opinions_adopted": 3}),
        ),
        (
            &unit,
            "expert_review",
            vec![
                ("experts.0.name", "赵工"),
                ("experts.0.signed", "true"),
                ("experts.2.name", "钱教授"),
                ("experts.2.signed", "true"),
                ("experts.3.name", "孙研究员"),
                ("experts.3.signed", "true"),
            ],
            json!({"experts": [{"name": "赵工", "signed": true, "conflict_of_interest": false},
                            {"name": "钱教授", "signed": true, "conflict_of_interest": false},
                            {"name": "孙研究员", "signed": true, "conflict_of_interest": false}]}),
        ),
        (
            &unit,
            "risk_assessment",
            vec![
                ("level", "medium"),
                ("controllable", "true"),
                ("measures", "分期实施"),
            ],
            json!({"level": "medium", "controllable": true, "measures": "分期实施"}),
        ),
        (
            &unit,
            "fair_competition_review",
            vec![
                ("conclusion", "compliant"),
                ("basis", "不涉及"),
                ("reviewer", ""),
            ],
            json!({"conclusion": "compliant", "basis": "不涉及"}),
        ),
        (
            &unit,
            "legality_review_submitted",
            vec![("draft", "v1")],
            json!({"draft": "v1"}),
        ),
        (
            &lawyer,
            "legality_review_signed",
            vec![
                ("draft", "v1"),
                ("conclusion", "lawful_with_changes"),
                ("opinion", "修改第三条"),
            ],
            json!({"draft": "v1", "conclusion": "lawful_with_changes", "opinion": "修改第三条"}),
        ),
        (
            &head,
            "collective_decision",
            vec![
                ("meeting.kind", "executive"),
                ("meeting.date", "2024-03-01"),
                ("meeting.members_total", "9"),
                ("meeting.members_present", "7"),
                ("majority", "modify"),
                ("head_decision", "approve"),
                ("reason", "时间紧迫"),
                ("override", "防汛紧急"),
            ],
            json!({"meeting": {"kind": "executive", "date": "2024-03-01", "members_total": 9, "members_present": 7},
                "majority": "modify", "head_decision": "approve", "reason": "时间紧迫", "dissent_recorded": false}),
        ),
        (&head, "party_report", vec![("override", "紧急")], json!({})),
        (
            &head,
            "published",
            vec![("channel", "政府网站"), ("override", "紧急")],
            json!({"channel": "政府网站"}),
        ),
        (&head, "archived", vec![("override", "紧急")], json!({})),
    ];
    for (i, (user, ty, fields, expect)) in steps.iter().enumerate() {
        let mut all = vec![("event_type", *ty)];
        all.extend_from_slice(fields);
        let r = post_event_form(&s, user, "F1", &format!("f-{i}"), &all).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{ty}: {}", r.body);
        // The gate events may have been forced: the event itself is the one before the override.
        let timeline = stored_events(&s, "F1");
        let event = timeline.iter().rev().find(|e| e["type"] == *ty).unwrap();
        for (k, v) in expect.as_object().unwrap() {
            assert_eq!(&event[k], v, "{ty}.{k}: {event}");
        }
    }
    let last = last_event(&s, "F1").await;
    assert!(
        last["type"] == "archived" || last["type"] == "override",
        "{last}"
    );

    // A second case: waiving a step, then voiding the latest event.
    s.open("legal_office", "F2").await;
    let r = post_event_form(
        &s,
        &head,
        "F2",
        "w-1",
        &[
            ("event_type", "waived"),
            ("step", "expert_review"),
            ("reason", "not_applicable"),
            ("basis", "非专业事项"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = last_event(&s, "F2").await;
    assert_eq!(
        (e["type"].as_str(), e["step"].as_str(), e["reason"].as_str()),
        (
            Some("waived"),
            Some("expert_review"),
            Some("not_applicable")
        )
    );
    let page = s.get_page("/cases/F2", Some(&head.0)).await;
    assert!(
        page.body.contains("name=\"event\" value=\"1\""),
        "the void form names the latest event"
    );
    let r = post_event_form(
        &s,
        &head,
        "F2",
        "v-1",
        &[("event_type", "voided"), ("event", "1"), ("reason", "误录")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = last_event(&s, "F2").await;
    assert_eq!(
        (e["type"].as_str(), e["event"].as_u64()),
        (Some("voided"), Some(1))
    );

    // Malformed fields: 400 in place, a plain message naming the field, nothing written.
    let before = s
        .api("GET", "/api/v1/cases/F2", Some("auditor"), None)
        .await
        .json()["timeline"]
        .as_array()
        .unwrap()
        .len();
    for (fields, says) in [
        (
            vec![
                ("event_type", "draft"),
                ("version", "v1"),
                ("sha256", "not-a-hash"),
            ],
            "64 位十六进制",
        ),
        (
            vec![("event_type", "risk_assessment"), ("level", "huge")],
            "风险等级",
        ),
        (
            vec![
                ("event_type", "public_participation"),
                ("methods.hearing", "true"),
                ("hearing.date", "2024-02-30"),
            ],
            "听证会日期",
        ),
        (
            vec![
                ("event_type", "public_participation"),
                ("methods.poll", "true"),
                ("opinions_received", "-3"),
            ],
            "收到意见数",
        ),
        (vec![("event_type", "expert_review")], "专家"),
        (
            vec![
                ("event_type", "risk_assessment"),
                ("level", "low"),
                ("at", "明天"),
            ],
            "发生时间",
        ),
    ] {
        let r = post_event_form(&s, &unit, "F2", "bad", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}: {}", r.body);
        assert!(
            r.body.contains("class=\"refusal\"") && r.body.contains(says),
            "{says}: {}",
            r.body
        );
        assert!(
            r.body.contains("<details class=\"event\" open"),
            "the form stays open"
        );
    }
    let after = s
        .api("GET", "/api/v1/cases/F2", Some("auditor"), None)
        .await
        .json()["timeline"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);

    // The same key twice writes once; without the form's csrf nothing is written.
    let draft_fields = [("event_type", "draft"), ("version", "v2"), ("sha256", &a64)];
    for _ in 0..2 {
        let r = post_event_form(&s, &unit, "F2", "k-1", &draft_fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = post_event_form(
        &s,
        &(unit.0.clone(), "wrong".into()),
        "F2",
        "k-2",
        &draft_fields,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let timeline = s
        .api("GET", "/api/v1/cases/F2", Some("auditor"), None)
        .await
        .json()["timeline"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(timeline.len(), after + 1);
    assert_eq!(timeline.iter().filter(|e| e["type"] == "draft").count(), 1);

    // The raw JSON form is still there, under its own summary.
    let page = s.get_page("/cases/F2", Some(&unit.0)).await;
    assert!(page.body.contains("name=\"event_type\" value=\"json\""));
    let raw =
        json!({"type": "risk_assessment", "level": "high", "controllable": false}).to_string();
    let r = post_event_form(
        &s,
        &unit,
        "F2",
        "j-1",
        &[("event_type", "json"), ("event", &raw)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(last_event(&s, "F2").await["level"], "high");
}

/// The server's page language (`juece serve --lang en`) for a visitor who has not chosen; the
/// switch (`?lang=`, then its cookie) overrides it; the API's messages follow `Accept-Language`.
#[tokio::test]
async fn the_server_language_is_the_pages_default_and_the_switch_overrides_it() {
    let s = server_with(Config {
        lang: juece_core::Lang::En,
        ..test_config()
    });
    let (clerk, _) = s.sign_in("legal_office").await;
    let page = s.get_page("/cases", Some(&clerk)).await;
    assert!(page.body.contains("<html lang=\"en\"") && page.body.contains("Open a case"));
    let page = s.get_page("/cases?lang=zh", Some(&clerk)).await;
    assert!(page.body.contains("<html lang=\"zh-CN\"") && page.body.contains("立项"));
    let with_cookie = format!("{clerk}; lang=zh");
    let page = s.get_page("/cases", Some(&with_cookie)).await;
    assert!(page.body.contains("<html lang=\"zh-CN\""));
    // The API: Chinese without Accept-Language, English with it, whatever the pages' default.
    let r = s.api("GET", "/api/v1/cases", None, None).await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("需要有效的 API 令牌"),
        "{}",
        r.body
    );
    let r = s
        .api_with(
            "GET",
            "/api/v1/cases",
            None,
            None,
            &[("accept-language", "en")],
        )
        .await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a valid API token"),
        "{}",
        r.body
    );
    // A server left at its default: Chinese pages, even for an English browser.
    let d = server();
    let (clerk, _) = d.sign_in("legal_office").await;
    let mut b = Request::builder().uri("/cases");
    b = b
        .header(header::COOKIE, &clerk)
        .header("accept-language", "en-US,en");
    let page = d.send(b.body(Body::empty()).unwrap()).await;
    assert!(page.body.contains("<html lang=\"zh-CN\""));
}

/// Many writes at once (group commit: whoever takes the writer appends every write waiting in
/// one transaction): each is answered on its own, none is lost, and the chain stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writes_at_once_are_each_written_once_and_the_chain_stays_whole() {
    let s = server();
    for i in 0..4 {
        s.open("legal_office", &format!("G{i}")).await;
    }
    let mut set = tokio::task::JoinSet::new();
    for k in 0..24 {
        let app = s.app.clone();
        let token = s.tokens["li"].clone();
        set.spawn(async move {
            let body = json!({"type": "risk_assessment", "level": "low", "controllable": true, "measures": format!("m{k}")});
            let req = Request::builder()
                .method("POST")
                .uri(format!("/api/v1/cases/G{}/events", k % 4))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", format!("g-{k}"))
                .body(Body::from(body.to_string()))
                .unwrap();
            app.oneshot(req).await.unwrap().status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(r) = set.join_next().await {
        statuses.push(r.unwrap());
    }
    let written = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let store = Store::open_read_only(&s.db).unwrap();
    let events: usize = (0..4)
        .map(|i| {
            store
                .load_case(&format!("G{i}"))
                .unwrap()
                .unwrap()
                .case
                .events
                .len()
                - 1
        })
        .sum();
    assert_eq!(
        events, written,
        "every 201 is one event, nothing else was written"
    );
    assert!(written >= 20, "a few 409s at most: {statuses:?}");
    assert!(store.verify(None).unwrap().ok());
}
