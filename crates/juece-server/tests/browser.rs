//! Real-browser tests: headless Chromium driven through chromedriver (WebDriver, the fantoccini
//! crate) against an in-process `juece serve`. The clerk opens a case and records evidence; the
//! unit submits; the lawyer signs from the queue; a decision is refused and the page lists the
//! guards; the head overrides; the auditor finds the skipped-step case on the dashboard and
//! downloads the CSV. Screenshots go to `target/browser-screenshots/`.
//!
//! Without `chromium` and `chromedriver` the test prints a loud SKIPPED line and passes, unless
//! `JUECE_REQUIRE_BROWSER=1`, when it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "test helpers fail loudly; the test reads its own settings from the environment"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use juece_core::ids::Role;
use juece_server::auth::hash_password;
use juece_server::Config;
use juece_store::Store;
use serde_json::json;

const NOW: &str = "2024-03-01T10:00:00+08:00";
const PASSWORD: &str = "correct horse battery";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// Clicks a submit button and waits until the browser has left the page (the old page's body
/// goes stale) and the next one has loaded.
async fn submit(c: &Client, button: fantoccini::elements::Element) {
    let old = c.find(Locator::Css("body")).await.unwrap();
    button.click().await.unwrap();
    let start = Instant::now();
    while old.tag_name().await.is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the form did not navigate"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("main"))
        .await
        .unwrap();
}

async fn sign_in(c: &Client, base: &str, name: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    submit(
        c,
        c.find(Locator::Css("main form button[type=submit]"))
            .await
            .unwrap(),
    )
    .await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/", "{name} signed in");
}

async fn sign_out(c: &Client) {
    submit(
        c,
        c.find(Locator::Css("form[action='/logout'] button"))
            .await
            .unwrap(),
    )
    .await;
}

/// Opens the event form `event_type` on the current case page, fills its fields (`name`,
/// value: a select gets its option chosen, a checkbox `true` is ticked, a date is set, text is
/// typed), an override justification if given, and submits it.
async fn record(
    c: &Client,
    event_type: &str,
    fields: &[(&str, &str)],
    justification: Option<&str>,
) {
    let details = c
        .find(Locator::Css(&format!(
            "details.event:has(input[name=event_type][value={event_type}])"
        )))
        .await
        .unwrap_or_else(|_| panic!("no form for {event_type}"));
    if details.attr("open").await.unwrap().is_none() {
        details
            .find(Locator::Css("summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    if let Some(j) = justification {
        all.push(("override", j));
    }
    for (name, value) in all {
        let input = details
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|_| panic!("no field {name} in the {event_type} form"));
        let tag = input.tag_name().await.unwrap();
        let kind = input.attr("type").await.unwrap().unwrap_or_default();
        if tag == "select" {
            input.select_by_value(value).await.unwrap();
        } else if kind == "checkbox" {
            if (value == "true") != input.is_selected().await.unwrap() {
                input.click().await.unwrap();
            }
        } else if kind == "date" || kind == "datetime-local" {
            // Typing into a date input follows the browser's locale; set the value itself.
            c.execute(
                "arguments[0].value = arguments[1];",
                vec![serde_json::to_value(&input).unwrap(), json!(value)],
            )
            .await
            .unwrap();
        } else {
            input.clear().await.unwrap();
            input.send_keys(value).await.unwrap();
        }
    }
    submit(
        c,
        details
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap(),
    )
    .await;
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// GET with a session cookie over a plain socket: (status line, body).
fn fetch(addr: &str, path: &str, cookie: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_procedure_in_a_real_browser() {
    let required = std::env::var("JUECE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let browser = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    let (Some(browser), Some(driver)) = (browser, driver) else {
        assert!(
            !required,
            "JUECE_REQUIRE_BROWSER=1 but chromium or chromedriver is missing"
        );
        eprintln!("\n********** SKIPPED: real-browser test (install chromium and chromium-driver) **********\n");
        return;
    };

    // The database: five people with passwords.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("juece.db");
    {
        let mut store = Store::open(&db).unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        for (name, role) in [
            ("wangmin", Role::LegalOffice),
            ("liqiang", Role::UndertakingUnit),
            ("lawyer", Role::PublicLawyer),
            ("head", Role::Head),
            ("auditor", Role::Auditor),
        ] {
            store.add_user(name, &[role], NOW).unwrap();
            store.set_password(name, &hash, NOW).unwrap();
        }
    }
    let app = juece_server::app(
        juece_server::open_stores(&db, &[], 2).unwrap(),
        Config {
            now: Some(chrono::DateTime::parse_from_rfc3339(NOW).unwrap()),
            ..Config::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}");

    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600", "--lang=zh-CN"],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let start = Instant::now();
    let c = loop {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(e) if start.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver did not start: {e}"),
        }
    };

    // Without a session every page sends the browser to the sign-in form.
    c.goto(&format!("{base}/cases")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    // Chinese, whatever the browser asks for; remembered in a cookie.
    c.goto(&format!("{base}/login?lang=zh")).await.unwrap();
    assert!(body_text(&c).await.contains("登录"));
    shot(&c, "01-login").await;

    // The clerk opens two cases and records evidence on the first.
    sign_in(&c, &base, "wangmin").await;
    for (r, title) in [
        ("BR-1", "老旧小区改造方案"),
        ("BR-2", "<script>alert(1)</script> 停车收费调整"),
    ] {
        c.goto(&format!("{base}/cases/new")).await.unwrap();
        for (name, value) in [
            ("ref", r),
            ("title", title),
            ("organ", "XX县人民政府"),
            ("undertaking_unit", "县住建局"),
        ] {
            c.find(Locator::Css(&format!("input[name={name}]")))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        c.find(Locator::Css("select[name=category]"))
            .await
            .unwrap()
            .select_by_value("plan")
            .await
            .unwrap();
        c.find(Locator::Css("input[name=at]"))
            .await
            .unwrap()
            .send_keys("2024-01-02T09:00:00+08:00")
            .await
            .unwrap();
        if r == "BR-1" {
            shot(&c, "02-open-case").await;
        }
        submit(
            &c,
            c.find(Locator::Css("main form button[type=submit]"))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(c.current_url().await.unwrap().path(), format!("/cases/{r}"));
    }
    // The title was shown as text, never run.
    assert!(body_text(&c).await.contains("<script>alert(1)</script>"));
    c.goto(&format!("{base}/cases/BR-1")).await.unwrap();
    let (c64, d64) = ("c".repeat(64), "d".repeat(64));
    record(&c, "draft", &[("version", "v1"), ("sha256", &c64)], None).await;
    record(
        &c,
        "public_participation",
        &[
            ("methods.public_comment", "true"),
            ("comment_period.start", "2024-01-03"),
            ("comment_period.end", "2024-02-05"),
            ("opinions_received", "12"),
            ("opinions_adopted", "3"),
        ],
        None,
    )
    .await;
    let text = body_text(&c).await;
    assert!(
        text.contains("#2") && text.contains("public_participation"),
        "{text}"
    );
    shot(&c, "03-case-with-evidence").await;
    c.goto(&format!("{base}/cases/BR-2")).await.unwrap();
    record(&c, "draft", &[("version", "v1"), ("sha256", &d64)], None).await;

    // A decision without a legality review is refused in place, listing the guards.
    let decision = [
        ("meeting.kind", "executive"),
        ("meeting.date", "2024-03-01"),
        ("meeting.members_total", "9"),
        ("meeting.members_present", "8"),
        ("majority", "approve"),
        ("head_decision", "approve"),
        ("dissent_recorded", "true"),
    ];
    record(&c, "collective_decision", &decision, None).await;
    let refusal = c
        .find(Locator::Css(".refusal"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        refusal.contains("SKIPPED_STEP") && refusal.contains("第二十五条"),
        "{refusal}"
    );
    shot(&c, "04-refused-decision").await;
    sign_out(&c).await;

    // The unit submits BR-1 for review.
    sign_in(&c, &base, "liqiang").await;
    shot(&c, "05-todo").await;
    c.goto(&format!("{base}/cases/BR-1")).await.unwrap();
    record(&c, "legality_review_submitted", &[("draft", "v1")], None).await;
    assert!(
        c.find(Locator::Css(".refusal")).await.is_err(),
        "{}",
        body_text(&c).await
    );
    sign_out(&c).await;

    // The lawyer signs from the queue.
    sign_in(&c, &base, "lawyer").await;
    c.goto(&format!("{base}/review")).await.unwrap();
    let queue = body_text(&c).await;
    assert!(
        queue.contains("BR-1") && queue.contains(&"c".repeat(64)),
        "{queue}"
    );
    shot(&c, "06-review-queue").await;
    submit(
        &c,
        c.find(Locator::Css(
            "form[action='/cases/BR-1/events'] button[type=submit]",
        ))
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(c.current_url().await.unwrap().path(), "/cases/BR-1");
    assert!(body_text(&c).await.contains("legality_review_signed"));
    sign_out(&c).await;

    // The head overrides the refused decision on BR-2.
    sign_in(&c, &base, "head").await;
    c.goto(&format!("{base}/cases/BR-2")).await.unwrap();
    record(
        &c,
        "collective_decision",
        &decision,
        Some("防汛工程，时间紧迫"),
    )
    .await;
    let text = body_text(&c).await;
    assert!(text.contains("override"), "{text}");
    shot(&c, "07-overridden").await;
    sign_out(&c).await;

    // The auditor finds BR-2 among the skipped-step cases and downloads the CSV.
    sign_in(&c, &base, "auditor").await;
    c.goto(&format!("{base}/audit")).await.unwrap();
    let skipped = c
        .find(Locator::Css("h2#skipped + ul"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        skipped.contains("BR-2") && !skipped.contains("BR-1"),
        "{skipped}"
    );
    shot(&c, "08-audit-dashboard").await;
    let link = c
        .find(Locator::Css("a[href^='/audit/download?format=csv']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let session = c.get_named_cookie("juece_session").await.unwrap();
    let (status, csv) = fetch(&addr, &link, &format!("juece_session={}", session.value()));
    assert!(status.contains("200"), "{status}");
    assert!(
        csv.lines()
            .any(|l| l.contains("BR-2") && l.contains("SKIPPED_STEP")),
        "{csv}"
    );
    c.goto(&format!("{base}/integrity")).await.unwrap();
    assert!(body_text(&c).await.contains("完好"));
    shot(&c, "09-integrity").await;
    c.goto(&format!("{base}/cases?lang=en")).await.unwrap();
    shot(&c, "10-cases-en").await;
    c.close().await.unwrap();
}
