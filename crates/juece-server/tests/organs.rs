//! Offices over HTTP (issue 14): a user of organ 甲 sees and writes only 甲's cases through the
//! API and every page; another organ's case is answered exactly as a reference that exists
//! nowhere (404, same body); a `province_inspector` reads every organ and writes nothing (422);
//! a user without organs acts on every organ.

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
const JIA: &str = "甲县人民政府";
const YI: &str = "乙县人民政府";
/// 甲's case, 乙's case, and a reference no organ uses.
const A1: &str = "甲府〔2024〕1号";
const B1: &str = "乙府〔2024〕1号";
const NOWHERE: &str = "乙府〔2024〕9号";

struct Srv {
    app: Router,
    tokens: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

/// `jia` and `yi` (legal office of 甲 / 乙), `inspector`, `everyone` (legal office, no organ).
fn server() -> Srv {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("juece.db");
    let mut tokens = HashMap::new();
    {
        let mut store = Store::open(&db).unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        let users: [(&str, Role, &[&str]); 4] = [
            ("jia", Role::LegalOffice, &[JIA]),
            ("yi", Role::LegalOffice, &[YI]),
            ("inspector", Role::ProvinceInspector, &[]),
            ("everyone", Role::LegalOffice, &[]),
        ];
        for (name, role, organs) in users {
            let organs: Vec<String> = organs.iter().map(|o| (*o).to_owned()).collect();
            store.add_user_in(name, &[role], &organs, NOW).unwrap();
            assert!(store.set_password(name, &hash, NOW).unwrap());
            let (id, token, secret_hash) = new_token().unwrap();
            store.create_token(&id, name, &secret_hash, NOW).unwrap();
            tokens.insert(name.to_owned(), token);
        }
    }
    let config = Config {
        now: Some(chrono::DateTime::parse_from_rfc3339(NOW).unwrap()),
        ..Config::default()
    };
    Srv {
        app: juece_server::app(juece_server::open_stores(&db, &[], 2).unwrap(), config),
        tokens,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    cookies: Vec<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn enc(s: &str) -> String {
    juece_server::pages::enc(s)
}

impl Srv {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let cookies = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn api(&self, method: &str, uri: &str, user: &str, body: Option<Value>) -> Answer {
        let b = Request::builder().method(method).uri(uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.tokens[user]),
        );
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    async fn open(&self, user: &str, case_ref: &str, organ: &str) -> Answer {
        let case = json!({
            "ref": case_ref, "title": "老旧小区改造", "organ": organ,
            "undertaking_unit": "县住建局", "category": "public_construction",
            "attributes": {"technical": false, "stability_risk": false, "hearing_required": false,
                           "confidential": false, "market_entities": false},
            "at": "2024-02-01T09:00:00+08:00",
        });
        self.api("POST", "/api/v1/cases", user, Some(case)).await
    }

    async fn draft(&self, user: &str, case_ref: &str) -> Answer {
        let event = json!({"event": {"type": "draft", "version": "v1", "sha256": "a".repeat(64)}});
        let uri = format!("/api/v1/cases/{}/events", enc(case_ref));
        self.api("POST", &uri, user, Some(event)).await
    }

    async fn page(&self, uri: &str, cookie: &str) -> Answer {
        let req = Request::builder().uri(uri).header(header::COOKIE, cookie);
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Signs in through the form: the session cookie.
    async fn sign_in(&self, name: &str) -> String {
        let form = self
            .send(
                Request::builder()
                    .uri("/login")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let pre = cookie_pair(&form.cookies, "juece_pre");
        let marker = "name=\"csrf\" value=\"";
        let i = form.body.find(marker).unwrap() + marker.len();
        let csrf = form.body[i..].split('"').next().unwrap();
        let body = format!("name={name}&password={}&csrf={csrf}", enc(PASSWORD));
        let req = Request::builder()
            .method("POST")
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, pre)
            .body(Body::from(body))
            .unwrap();
        let r = self.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        cookie_pair(&r.cookies, "juece_session")
    }
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

/// A server with 甲's case A1 and 乙's case B1, each opened by its own office.
async fn two_offices() -> Srv {
    let s = server();
    assert_eq!(s.open("jia", A1, JIA).await.status, StatusCode::CREATED);
    assert_eq!(s.open("yi", B1, YI).await.status, StatusCode::CREATED);
    s
}

fn refs(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn another_organs_case_is_answered_as_a_reference_that_exists_nowhere() {
    let s = two_offices().await;
    // Reading: the 404 body for 乙's case equals the one for a reference nobody uses.
    let theirs = s
        .api("GET", &format!("/api/v1/cases/{}", enc(B1)), "jia", None)
        .await;
    let nowhere = s
        .api(
            "GET",
            &format!("/api/v1/cases/{}", enc(NOWHERE)),
            "jia",
            None,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(
        theirs.body.replace(B1, "REF"),
        nowhere.body.replace(NOWHERE, "REF")
    );
    // No suggestion names another organ's case, even for a one-character slip of it.
    let slip = s
        .api(
            "GET",
            "/api/v1/cases/%E4%B9%99%E5%BA%9C%E3%80%942024%E3%80%951",
            "jia",
            None,
        )
        .await;
    assert_eq!(slip.status, StatusCode::NOT_FOUND);
    assert!(!slip.body.contains(B1), "{}", slip.body);
    // The near miss: 乙's own office reads it.
    let own = s
        .api("GET", &format!("/api/v1/cases/{}", enc(B1)), "yi", None)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);

    // Writing: the same 404, and nothing written.
    let write = s.draft("jia", B1).await;
    let write_nowhere = s.draft("jia", NOWHERE).await;
    assert_eq!(write.status, StatusCode::NOT_FOUND, "{}", write.body);
    assert_eq!(
        write.body.replace(B1, "REF"),
        write_nowhere.body.replace(NOWHERE, "REF")
    );
    let b = s
        .api("GET", &format!("/api/v1/cases/{}", enc(B1)), "yi", None)
        .await;
    assert_eq!(
        b.json()["timeline"].as_array().unwrap().len(),
        1,
        "nothing written"
    );
    assert_eq!(s.draft("yi", B1).await.status, StatusCode::CREATED);

    // Listing and the audit leave 乙 out.
    let list = s.api("GET", "/api/v1/cases", "jia", None).await.json();
    assert_eq!(refs(&list, "cases"), [A1]);
    let audit = s.api("GET", "/api/v1/audit", "jia", None).await.json();
    assert_eq!(refs(&audit, "cases"), [A1]);
    let audit = s
        .api(
            "GET",
            &format!("/api/v1/audit?organ={}", enc(YI)),
            "jia",
            None,
        )
        .await
        .json();
    assert!(refs(&audit, "cases").is_empty());
}

#[tokio::test]
async fn opening_a_case_for_another_organ_is_refused() {
    let s = server();
    let r = s.open("jia", B1, YI).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains(YI));
    let none = s.api("GET", "/api/v1/cases", "everyone", None).await.json();
    assert!(refs(&none, "cases").is_empty(), "nothing written");
    // The organ's name compares as identifiers do: a trailing space is the same organ.
    let r = s.open("jia", A1, &format!("{JIA} ")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A user without organs opens for any organ.
    assert_eq!(s.open("everyone", B1, YI).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_inspector_reads_every_organ_and_writes_nothing() {
    let s = two_offices().await;
    let list = s
        .api("GET", "/api/v1/cases", "inspector", None)
        .await
        .json();
    assert_eq!(refs(&list, "cases"), [B1, A1], "by reference");
    for case_ref in [A1, B1] {
        let r = s
            .api(
                "GET",
                &format!("/api/v1/cases/{}", enc(case_ref)),
                "inspector",
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let audit = s
        .api(
            "GET",
            &format!("/api/v1/audit?organ={}", enc(YI)),
            "inspector",
            None,
        )
        .await
        .json();
    assert_eq!(refs(&audit, "cases"), [B1]);
    let r = s.draft("inspector", A1).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["guards"][0]["code"], "ROLE_NOT_ALLOWED");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("province_inspector"));
    let r = s.open("inspector", "督〔2024〕1号", JIA).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A user without organs sees every organ too.
    let list = s.api("GET", "/api/v1/cases", "everyone", None).await.json();
    assert_eq!(refs(&list, "cases"), [B1, A1], "by reference");
}

#[tokio::test]
async fn every_page_shows_only_the_signed_in_users_organs() {
    let s = two_offices().await;
    let jia = s.sign_in("jia").await;
    for uri in [
        "/",
        "/cases",
        "/review",
        "/audit",
        "/report?year=2024",
        "/integrity",
    ] {
        let r = s.page(uri, &jia).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        assert!(
            !r.body.contains(B1) && !r.body.contains(YI),
            "{uri} shows 乙: {}",
            r.body
        );
    }
    let list = s.page("/cases", &jia).await;
    assert!(list.body.contains(A1));
    let form = s.page("/cases/new", &jia).await;
    assert!(
        form.body.contains(&format!("value=\"{JIA}\"")),
        "{}",
        form.body
    );
    let page = s.page(&format!("/cases/{}", enc(B1)), &jia).await;
    let nowhere = s.page(&format!("/cases/{}", enc(NOWHERE)), &jia).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        page.body.replace(B1, "REF"),
        nowhere.body.replace(NOWHERE, "REF")
    );
    for format in ["csv", "json"] {
        let d = s
            .page(&format!("/audit/download?format={format}"), &jia)
            .await;
        assert!(d.body.contains(A1) && !d.body.contains(B1), "{}", d.body);
    }
    let d = s.page("/report/download?format=json&year=2024", &jia).await;
    assert_eq!(d.status, StatusCode::OK);

    // The inspector's dashboard offers every organ, and one at a time.
    let inspector = s.sign_in("inspector").await;
    let dash = s.page("/audit", &inspector).await;
    assert!(
        dash.body.contains(JIA) && dash.body.contains(YI),
        "{}",
        dash.body
    );
    let csv = s
        .page(
            &format!("/audit/download?format=csv&organ={}", enc(YI)),
            &inspector,
        )
        .await;
    assert!(
        csv.body.contains(B1) && !csv.body.contains(A1),
        "{}",
        csv.body
    );
    let report = s.page("/report?year=2024", &inspector).await;
    assert!(report.body.contains(JIA) && report.body.contains(YI));
}
