//! `juece catalogue` and `juece report`: the catalogue is kept and checked, and the annual report
//! is a view of the one evaluator — each of its numbers is recounted here from what `audit`,
//! `case show` and `export` say about the same database as of the same date.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use crate::common::{fixture, Env, Run};

/// Runs juece with the clock set to `now`.
fn juece_at(env: &Env, now: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_juece"))
        .args(args)
        .env_clear()
        .env("JUECE_DB", env.db())
        .env("JUECE_NOW", now)
        .env("TZ", "Asia/Shanghai")
        .current_dir(env.path(""))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn catalogue_doc() -> Value {
    json!({
        "format": "juece-catalogue/1", "organ": "XX县人民政府", "year": 2023,
        "party_consent": "2023-02-20", "published": "2023-02-28",
        "items": [
            { "id": "1", "title": "县城老旧小区改造三年行动方案", "undertaking_unit": "县住房和城乡建设局", "category": "public_construction" },
            { "id": "2", "title": "县域生活垃圾分类处理设施建设规划", "undertaking_unit": "县城市管理局", "category": "plan" },
            { "id": "3", "title": "县城区停车收费标准调整方案", "undertaking_unit": "县发展和改革局", "category": "public_policy" },
            { "id": "4", "title": "县级公立医院改革方案", "undertaking_unit": "县卫生健康局", "category": "public_policy" }
        ],
        "adjustments": [
            { "date": "2023-08-10", "action": "add", "item": { "id": "5", "title": "县养老服务体系建设实施方案", "undertaking_unit": "县民政局", "category": "public_policy" }, "reason": "县委常委会决定增列" },
            { "date": "2023-09-01", "action": "remove", "item_id": "4", "reason": "上级政策调整，暂缓实施" }
        ]
    })
}

/// The shipped examples with catalogue links: case 3 → item 1, case 7 → item 2, case 9 none.
fn linked_examples() -> Value {
    let text = std::fs::read_to_string(fixture("workflows/examples/cases.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array_mut().unwrap();
    cases[0]["catalogue"] = json!({ "organ": "XX县人民政府", "year": 2023, "item": "1" });
    cases[1]["catalogue"] = json!({ "organ": "XX县人民政府", "year": 2023, "item": "2" });
    doc
}

#[test]
fn catalogue_is_kept_in_versions_and_checked() {
    let env = Env::new();
    let cases = env.write("cases.json", &linked_examples().to_string());
    assert_eq!(env.juece(&["import", cases.to_str().unwrap()]).code, 0);

    // Refused: an unknown field, a duplicate item id; exit 2, nothing written.
    let mut bad = catalogue_doc();
    bad["publishd"] = json!("2023-02-28");
    let f = env.write("bad.json", &bad.to_string());
    let r = env.juece(&["catalogue", "import", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("publishd"), "{}", r.stderr);
    let mut dup = catalogue_doc();
    dup["items"][1]["id"] = json!("1");
    let f = env.write("dup.json", &dup.to_string());
    let r = env.juece(&["--lang", "en", "catalogue", "import", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("duplicate item id `1`"), "{}", r.stderr);
    assert!(r.stderr.contains("Art. 3"), "{}", r.stderr);
    let r = env.juece(&["catalogue", "list", "--format", "json"]);
    assert_eq!(r.json()["catalogues"], json!([]));

    // Version 1, the same again (no new version), then version 2.
    let f = env.write("cat.json", &catalogue_doc().to_string());
    let r = env.juece(&["catalogue", "import", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("第 1 版"), "{}", r.stdout);
    let r = env.juece(&["--lang", "en", "catalogue", "import", f.to_str().unwrap()]);
    assert!(r.stdout.contains("same as version 1"), "{}", r.stdout);
    let mut v2 = catalogue_doc();
    v2["party_consent"] = json!("2023-03-01"); // after publication: CATALOGUE_NOT_CONSENTED
    let f2 = env.write("cat2.json", &v2.to_string());
    assert_eq!(
        env.juece(&["catalogue", "import", f2.to_str().unwrap()])
            .code,
        0
    );
    let list = env.juece(&["catalogue", "list", "--format", "json"]).json();
    assert_eq!(list["catalogues"][0]["versions"], 2);
    assert_eq!(list["catalogues"][0]["items"], 5);
    let show = env.juece(&[
        "catalogue",
        "show",
        "XX县人民政府",
        "2023",
        "--version",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(show.json()["party_consent"], "2023-02-20");
    assert_eq!(show.json()["version"], 1);
    let show = env.juece(&["catalogue", "show", "XX县人民政府", "2023"]);
    assert!(
        show.stdout.contains("第 2 版") && show.stdout.contains("2023-09-01 调出"),
        "{}",
        show.stdout
    );
    assert_eq!(
        env.juece(&["catalogue", "show", "XX县人民政府", "2022"])
            .code,
        2
    );

    // The audit: NOT_IN_CATALOGUE on case 9 only; the catalogue's own findings in `catalogues`.
    let audit = env
        .juece(&["audit", "--format", "json", "--as-of", "2023-12-31"])
        .json();
    let codes = |i: usize| -> Vec<String> {
        audit["cases"][i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!codes(0).contains(&"NOT_IN_CATALOGUE".to_owned()));
    assert!(!codes(1).contains(&"NOT_IN_CATALOGUE".to_owned()));
    assert!(
        codes(2).contains(&"NOT_IN_CATALOGUE".to_owned()),
        "{:?}",
        codes(2)
    );
    let nic = audit["cases"][2]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "NOT_IN_CATALOGUE")
        .unwrap();
    assert_eq!(
        (
            nic["severity"].as_str(),
            nic["article"].as_str(),
            nic.get("step")
        ),
        (Some("warning"), Some("第三条"), None)
    );
    let cat = &audit["catalogues"][0];
    assert_eq!(
        (
            cat["organ"].as_str(),
            cat["year"].as_i64(),
            cat["version"].as_i64()
        ),
        (Some("XX县人民政府"), Some(2023), Some(2))
    );
    let cf: Vec<(String, Option<String>)> = cat["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["item"].as_str().map(str::to_owned),
            )
        })
        .collect();
    // Items 3 (no case linked) and 5 (added) open at year end; 4 removed; 1 and 2 decided.
    assert_eq!(
        cf,
        vec![
            ("CATALOGUE_ITEM_OPEN".to_owned(), Some("3".to_owned())),
            ("CATALOGUE_ITEM_OPEN".to_owned(), Some("5".to_owned())),
            ("CATALOGUE_NOT_CONSENTED".to_owned(), None),
        ]
    );
    // Near miss: before 31 December no item is open yet.
    let early = env
        .juece(&["audit", "--format", "json", "--as-of", "2023-12-30"])
        .json();
    let early_codes: Vec<&str> = early["catalogues"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(early_codes, vec!["CATALOGUE_NOT_CONSENTED"]);
    // Table and CSV carry them too.
    let table = env.juece(&["audit", "--as-of", "2023-12-31"]);
    assert!(
        table.stdout.contains("决策事项目录") && table.stdout.contains("CATALOGUE_ITEM_OPEN"),
        "{}",
        table.stdout
    );
    let csv = env.juece(&["audit", "--format", "csv", "--as-of", "2023-12-31"]);
    assert!(
        csv.stdout.contains("XX县人民政府/2023/5") && csv.stdout.contains("NOT_IN_CATALOGUE"),
        "{}",
        csv.stdout
    );
    // And case show.
    let show = juece_at(
        &env,
        "2023-12-31T10:00:00+08:00",
        &[
            "case",
            "show",
            "XX县政府〔2023〕重大决策9号",
            "--format",
            "json",
        ],
    )
    .json();
    assert!(show["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "NOT_IN_CATALOGUE"));

    // `case open --catalogue` stores the link; verify checks the catalogue chain.
    assert_eq!(
        env.juece(&["user", "add", "王敏", "--role", "legal_office"])
            .code,
        0
    );
    let r = env.juece(&[
        "case",
        "open",
        "XX县政府〔2026〕重大决策1号",
        "--title",
        "t",
        "--organ",
        "XX县人民政府",
        "--unit",
        "u",
        "--category",
        "other",
        "--catalogue",
        "XX县人民政府/2026/1",
        "--as",
        "王敏",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = env.juece(&[
        "case",
        "open",
        "XX县政府〔2026〕重大决策2号",
        "--title",
        "t",
        "--organ",
        "XX县人民政府",
        "--unit",
        "u",
        "--category",
        "other",
        "--catalogue",
        "XX县人民政府/二〇二六/1",
        "--as",
        "王敏",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let link: String = conn
        .query_row(
            "SELECT catalogue FROM cases WHERE ref = 'XX县政府〔2026〕重大决策1号'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&link).unwrap(),
        json!({ "organ": "XX县人民政府", "year": 2026, "item": "1" })
    );
    let v = env.juece(&["verify"]);
    assert_eq!(v.code, 0, "{v:?}");
    assert!(
        v.stdout.contains("决策事项目录：完好 — 2 个版本"),
        "{}",
        v.stdout
    );
    // History is append-only: SQLite refuses to change a version; a forged one breaks the chain.
    assert!(conn
        .execute("UPDATE catalogue_versions SET year = 2024", [])
        .is_err());
    assert!(conn.execute("DELETE FROM catalogue_versions", []).is_err());
    conn.execute_batch("DROP TRIGGER catalogue_versions_are_never_updated")
        .unwrap();
    conn.execute("UPDATE catalogue_versions SET canonical = CAST(replace(CAST(canonical AS TEXT), '2023-03-01', '2023-02-01') AS BLOB) WHERE version = 2", []).unwrap();
    let v = env.juece(&["verify"]);
    assert_eq!(v.code, 1, "{v:?}");
    assert!(
        v.stdout.contains("决策事项目录：已断裂，位置第 2 个版本"),
        "{}",
        v.stdout
    );
}

#[test]
fn report_drafts_the_section_and_merges_counties() {
    let env = Env::new();
    let cases = env.write("cases.json", &linked_examples().to_string());
    assert_eq!(env.juece(&["import", cases.to_str().unwrap()]).code, 0);
    let f = env.write("cat.json", &catalogue_doc().to_string());
    assert_eq!(
        env.juece(&["catalogue", "import", f.to_str().unwrap()])
            .code,
        0
    );

    let md = env.juece(&["report", "--year", "2023"]);
    assert_eq!(md.code, 0, "{md:?}");
    let prose: String = md.stdout.split("###").next().unwrap().to_owned();
    assert!(
        prose.contains("2023年，本级政府共作出重大行政决策3件"),
        "{prose}"
    );
    assert!(prose.contains("（第十九条）"), "{prose}");
    assert!(prose.contains("决策事项目录共列入事项5件"), "{prose}");
    // No raw code in the prose, in either language.
    let en = env.juece(&["--lang", "en", "report", "--year", "2023"]);
    let prose_en: String = en.stdout.split("###").next().unwrap().to_owned();
    assert!(
        prose_en.contains("In 2023, this government made 3 major administrative decisions"),
        "{prose_en}"
    );
    assert!(prose_en.contains("(Art. 19)"), "{prose_en}");
    for p in [&prose, &prose_en] {
        for code in ["SKIPPED_STEP", "NOT_IN_CATALOGUE", "_"] {
            assert!(!p.contains(code), "raw code {code} in:\n{p}");
        }
    }
    assert!(
        md.stdout.contains("| XX县政府〔2023〕重大决策9号 |"),
        "{}",
        md.stdout
    );

    // JSON: exactly juece-report/1, keys in the order of report.md.
    let j = env.juece(&["report", "--year", "2023", "--format", "json"]);
    let r = j.json();
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "format",
            "year",
            "organ",
            "as_of",
            "decisions",
            "procedures",
            "legality_review",
            "public_participation",
            "meetings",
            "after_decision",
            "catalogue",
            "findings",
            "overrides",
            "backfilled",
            "voided"
        ]
    );
    assert_eq!(r["as_of"], "2023-12-31");
    assert_eq!(
        r["catalogue"],
        json!({ "items": 5, "decided": 2, "open": 2, "removed": 1, "not_in_catalogue": 1 })
    );
    assert_eq!(r["legality_review"]["coverage"], json!(1.0));
    // Another organ: nothing decided, no catalogue — and, since no case names it, a warning
    // with the name nearest to it (a typo is likelier than an organ that never decided).
    let other_run = env.juece(&[
        "report",
        "--year",
        "2023",
        "--organ",
        "YY县人民政府",
        "--format",
        "json",
    ]);
    assert_eq!(other_run.code, 0, "{other_run:?}");
    assert!(
        other_run.stderr.contains("`YY县人民政府`")
            && other_run.stderr.contains("是否指 `XX县人民政府`"),
        "{other_run:?}"
    );
    // Near miss: the organ as the cases name it, with a stray space, warns of nothing and
    // counts its decisions.
    let own = env.juece(&[
        "report",
        "--year",
        "2023",
        "--organ",
        "XX县人民政府 ",
        "--format",
        "json",
    ]);
    assert_eq!(own.stderr, "", "{own:?}");
    assert_eq!(own.json()["organ"], "XX县人民政府");
    assert_eq!(own.json()["decisions"], r["decisions"]);
    let other = other_run.json();
    assert_eq!(
        (
            other["decisions"]["total"].as_u64(),
            other["catalogue"].is_null(),
            other["legality_review"]["coverage"].is_null()
        ),
        (Some(0), true, true)
    );
    // --year is required.
    assert_eq!(env.juece(&["report"]).code, 2);

    // Merge: two counties add up; the organ list is kept; different years are refused.
    let mut a = r.clone();
    a["organ"] = json!("甲县人民政府");
    let mut b = r.clone();
    b["organ"] = json!("乙县人民政府");
    let fa = env.write("a.json", &a.to_string());
    let fb = env.write("b.json", &b.to_string());
    let m = env.juece(&[
        "report",
        "merge",
        fa.to_str().unwrap(),
        fb.to_str().unwrap(),
    ]);
    assert_eq!(m.code, 0, "{m:?}");
    let m = m.json();
    assert_eq!(m["organ"], Value::Null);
    assert_eq!(m["organs"], json!(["甲县人民政府", "乙县人民政府"]));
    assert_eq!(m["decisions"]["total"], 6);
    assert_eq!(m["catalogue"]["items"], 10);
    assert_eq!(
        m["procedures"]["expert_review"]["skipped"],
        2 * r["procedures"]["expert_review"]["skipped"]
            .as_u64()
            .unwrap()
    );
    let mut c = b.clone();
    c["year"] = json!(2024);
    let fc = env.write("c.json", &c.to_string());
    let bad = env.juece(&[
        "report",
        "merge",
        fa.to_str().unwrap(),
        fc.to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("c.json"), "{}", bad.stderr);
    assert_eq!(bad.stdout, "");
    let same = env.juece(&[
        "report",
        "merge",
        fa.to_str().unwrap(),
        fa.to_str().unwrap(),
    ]);
    assert_eq!(same.code, 2);
    let mut typo = a.clone();
    typo["overides"] = json!(0);
    let ft = env.write("t.json", &typo.to_string());
    assert_eq!(
        env.juece(&["report", "merge", ft.to_str().unwrap()]).code,
        2
    );
}

// ---------------------------------------------------------------------------------------------
// The report is a view of the evaluator.

/// The evidence date of an exported event (meeting date for a decision, else the date of `at`).
fn event_date(e: &Value) -> NaiveDate {
    if let Some(d) = e["meeting"]["date"].as_str() {
        return d.parse().unwrap();
    }
    e["at"].as_str().unwrap()[..10].parse().unwrap()
}

#[test]
fn report_numbers_equal_the_audit_case_show_and_export() {
    // Generated cases: several organs, 2019–2026, one in ten with a defect cycling through every
    // finding code of the evaluator.
    let mut bytes = Vec::new();
    juece_bench::generate::write_cases(&mut bytes, 713, 1200, |_| Ok(())).unwrap();
    let generated: Value = serde_json::from_slice(&bytes).unwrap();
    let profiles = juece_core::builtin::profiles().unwrap();
    let calendar = juece_core::builtin::calendar().unwrap();
    let mut all_codes: BTreeSet<String> = BTreeSet::new();

    for year in [2023, 2024] {
        let as_of = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        let env = Env::new();
        // The database holds what was recorded by the as-of date, so that `case show` (which
        // judges everything recorded) sees what the audit as of that date sees.
        let mut doc = generated.clone();
        let cases = doc["cases"].as_array_mut().unwrap();
        cases.retain(|c| event_date(&c["events"][0]) <= as_of);
        for c in cases.iter_mut() {
            let events = c["events"].as_array_mut().unwrap();
            events.retain(|e| event_date(e) <= as_of);
        }
        // The organ with the most decisions in the year gets a catalogue, with adjustments:
        // most of its decided cases linked, one linked to an item removed before its meeting,
        // one not linked, one item never decided, one added item.
        let decided_in = |c: &Value| -> Option<(NaiveDate, String)> {
            let last = c["events"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .find(|e| e["type"] == "collective_decision")?;
            let d = event_date(last);
            (d.year() == year).then(|| (d, last["head_decision"].as_str().unwrap().to_owned()))
        };
        let mut per_organ: BTreeMap<String, usize> = BTreeMap::new();
        for c in cases.iter() {
            if decided_in(c).is_some_and(|(_, o)| o == "approve" || o == "reject") {
                *per_organ
                    .entry(c["organ"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
        let organ = per_organ.iter().max_by_key(|(_, n)| **n).unwrap().0.clone();
        let mut items = vec![
            json!({ "id": "open", "title": "未办事项", "undertaking_unit": "u", "category": "plan" }),
        ];
        let mut adjustments = vec![json!({ "date": format!("{year}-01-15"), "action": "add",
            "item": { "id": "added", "title": "增列事项", "undertaking_unit": "u", "category": "other" }, "reason": "增列" })];
        let mut k = 0;
        for c in cases.iter_mut() {
            if c["organ"] != organ.as_str() {
                continue;
            }
            let Some((met, outcome)) = decided_in(c) else {
                continue;
            };
            if outcome != "approve" && outcome != "reject" {
                continue;
            }
            k += 1;
            let id = format!("{k}");
            match k {
                1 => continue, // not linked: NOT_IN_CATALOGUE
                2 if met.ordinal() > 2 => {
                    // Removed the day before its meeting: NOT_IN_CATALOGUE.
                    items.push(json!({ "id": id, "title": "调出事项", "undertaking_unit": "u", "category": "other" }));
                    adjustments.push(json!({ "date": (met - chrono::Duration::days(1)).to_string(), "action": "remove", "item_id": id, "reason": "调出" }));
                }
                3 => {
                    // Removed on the day of its meeting: still in the catalogue.
                    items.push(json!({ "id": id, "title": "当日调出", "undertaking_unit": "u", "category": "other" }));
                    adjustments.push(json!({ "date": met.to_string(), "action": "remove", "item_id": id, "reason": "调出" }));
                }
                _ => items.push(json!({ "id": id, "title": "目录事项", "undertaking_unit": "u", "category": "other" })),
            }
            c["catalogue"] = json!({ "organ": organ, "year": year, "item": id });
        }
        adjustments.sort_by_key(|a| a["date"].as_str().unwrap().to_owned());
        let catalogue = json!({ "format": "juece-catalogue/1", "organ": organ, "year": year,
            "party_consent": format!("{year}-03-01"), "published": format!("{year}-02-28"),
            "items": items, "adjustments": adjustments });
        let f = env.write("cases.json", &doc.to_string());
        let r = env.juece(&["import", f.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{r:?}");
        let f = env.write("cat.json", &catalogue.to_string());
        let r = env.juece(&["catalogue", "import", f.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{r:?}");

        let as_of_s = as_of.to_string();
        let audit = env
            .juece(&["audit", "--format", "json", "--as-of", &as_of_s])
            .json();
        let export = env.juece(&["export"]).json();
        let now = format!("{as_of_s}T20:00:00+08:00");
        for organ_filter in [None, Some(organ.as_str())] {
            let mut args = vec![
                "report",
                "--year",
                &year.to_string()[..],
                "--as-of",
                &as_of_s,
                "--format",
                "json",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
            if let Some(o) = organ_filter {
                args.push("--organ".into());
                args.push(o.into());
            }
            let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
            let report = env.juece(&args_ref);
            assert_eq!(report.code, 0, "{report:?}");
            let report = report.json();
            let links: BTreeMap<String, Value> = doc["cases"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c.get("catalogue").is_some())
                .map(|c| {
                    (
                        c["ref"].as_str().unwrap().to_owned(),
                        c["catalogue"].clone(),
                    )
                })
                .collect();
            let expected = recount(
                &env,
                &now,
                year,
                organ_filter,
                &audit,
                &export,
                &links,
                &profiles,
                &calendar,
            );
            for (key, value) in expected.as_object().unwrap() {
                assert_eq!(
                    &report[key], value,
                    "year {year}, organ {organ_filter:?}, `{key}`"
                );
            }
            assert!(
                report["catalogue"]["not_in_catalogue"].as_u64().unwrap() >= 1,
                "an unlinked decision"
            );
            assert!(
                report["decisions"]["total"].as_u64().unwrap() >= 5,
                "a year with decisions"
            );
        }
        for c in audit["cases"].as_array().unwrap() {
            for f in c["findings"].as_array().unwrap() {
                all_codes.insert(f["code"].as_str().unwrap().to_owned());
            }
        }
        for c in audit["catalogues"].as_array().unwrap() {
            for f in c["findings"].as_array().unwrap() {
                all_codes.insert(f["code"].as_str().unwrap().to_owned());
            }
        }
    }
    // A publication deadline still running into a year no notice covers shows only as of the
    // generator's own audit date (CALENDAR_ESTIMATED): its audit adds its codes.
    let env = Env::new();
    let file = env.write("all.json", &generated.to_string());
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    let late = env.juece(&["audit", "--format", "json", "--as-of", "2026-12-31"]);
    for c in late.json()["cases"].as_array().unwrap() {
        for f in c["findings"].as_array().unwrap() {
            all_codes.insert(f["code"].as_str().unwrap().to_owned());
        }
    }
    let missing: Vec<&str> = juece_core::finding::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !all_codes.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes never produced by the generated data: {missing:?}"
    );
}

/// Every number of `juece-report/1`, counted from the audit, `case show` and the export.
#[allow(clippy::too_many_arguments)]
fn recount(
    env: &Env,
    now: &str,
    year: i32,
    organ: Option<&str>,
    audit: &Value,
    export: &Value,
    links: &BTreeMap<String, Value>,
    profiles: &juece_core::registry::Profiles,
    calendar: &juece_core::calendar::Calendar,
) -> Value {
    let audit_of: BTreeMap<&str, &Value> = audit["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["ref"].as_str().unwrap(), c))
        .collect();
    let mut total = 0u64;
    let mut by_outcome: BTreeMap<String, u64> =
        ["approve", "reject", "modify", "defer", "rediscuss"]
            .iter()
            .map(|k| (k.to_string(), 0))
            .collect();
    let mut by_category: BTreeMap<String, u64> = [
        "public_policy",
        "plan",
        "resources",
        "public_construction",
        "other",
    ]
    .iter()
    .map(|k| (k.to_string(), 0))
    .collect();
    let steps = [
        "public_participation",
        "expert_review",
        "risk_assessment",
        "legality_review",
        "collective_decision",
    ];
    let mut proc: BTreeMap<&str, [u64; 5]> = steps.iter().map(|s| (*s, [0; 5])).collect();
    let (mut covered, mut conclusions) = (0u64, BTreeMap::<String, u64>::new());
    let (mut short_window, mut shortened_window) = (0u64, 0u64);
    let (mut rounds, mut received, mut adopted, mut hearings, mut shortened) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut executive, mut plenary, mut other, mut differs, mut unexplained) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut after = [0u64; 7];
    let mut findings: BTreeMap<(String, String), (String, u64)> = BTreeMap::new();
    let (mut overrides, mut not_in_catalogue) = (0u64, 0u64);
    let (mut backfilled, mut voided) = (0u64, 0u64);
    let mut decided_items: BTreeSet<(String, String)> = BTreeSet::new();

    for c in export["cases"].as_array().unwrap() {
        let case_ref = c["ref"].as_str().unwrap();
        let events = c["events"].as_array().unwrap();
        let meetings: Vec<usize> = (0..events.len())
            .filter(|&i| events[i]["type"] == "collective_decision")
            .collect();
        let Some(&m) = meetings.last() else { continue };
        let decision = &events[m];
        let met = event_date(decision);
        let outcome = decision["head_decision"].as_str().unwrap();
        // The links as imported (`juece export` writes `juece-cases/1`, without them).
        if let Some(link) = links.get(case_ref) {
            if (outcome == "approve" || outcome == "reject")
                && met
                    <= NaiveDate::from_ymd_opt(link["year"].as_i64().unwrap() as i32, 12, 31)
                        .unwrap()
            {
                decided_items.insert((
                    link["organ"].as_str().unwrap().to_owned(),
                    link["item"].as_str().unwrap().to_owned(),
                ));
            }
        }
        if met.year() != year || organ.is_some_and(|o| c["organ"] != o) {
            continue;
        }
        total += 1;
        *by_outcome.get_mut(outcome).unwrap() += 1;
        *by_category
            .get_mut(c["category"].as_str().unwrap())
            .unwrap() += 1;
        let audited = audit_of[case_ref];
        let show = juece_at(env, now, &["case", "show", case_ref, "--format", "json"]);
        assert_eq!(show.code, 0, "{show:?}");
        let show = show.json();
        // `case show` and the audit list the same findings.
        let strip = |v: &Value| -> Vec<Value> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|f| json!([f["code"], f["step"], f["article"], f["message"]]))
                .collect()
        };
        assert_eq!(
            strip(&show["findings"]),
            strip(&audited["findings"]),
            "{case_ref}"
        );
        let fs = audited["findings"].as_array().unwrap();
        let has = |code: &str| fs.iter().any(|f| f["code"] == code);
        for s in show["steps"].as_array().unwrap() {
            let step = s["step"].as_str().unwrap();
            let Some(p) = proc.get_mut(step) else {
                continue;
            };
            if s["required"] != true {
                continue;
            }
            p[0] += 1;
            let on = |f: &&Value| f["step"] == step;
            if fs.iter().filter(on).any(|f| f["code"] == "SKIPPED_STEP") {
                p[3] += 1;
            } else if s["state"] == "waived" {
                p[2] += 1;
            } else if fs.iter().filter(on).any(|f| f["severity"] == "violation") {
                p[4] += 1;
            } else {
                p[1] += 1;
            }
        }
        if let Some(g) = (0..m)
            .rev()
            .find(|&i| events[i]["type"] == "legality_review_signed")
        {
            covered += 1;
            *conclusions
                .entry(events[g]["conclusion"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        short_window += u64::from(has("SHORT_REVIEW_WINDOW"));
        shortened_window += u64::from(has("SHORTENED_REVIEW_WINDOW"));
        // Judged participation: the latest before each meeting's submission (or the meeting),
        // and the latest of all.
        let pps: Vec<usize> = (0..events.len())
            .filter(|&i| events[i]["type"] == "public_participation")
            .collect();
        let mut judged: BTreeSet<usize> = BTreeSet::new();
        for &mm in &meetings {
            let cutoff = (0..mm)
                .rev()
                .find(|&i| events[i]["type"] == "legality_review_submitted")
                .unwrap_or(mm);
            if let Some(&p) = pps.iter().rev().find(|&&p| p < cutoff) {
                judged.insert(p);
            }
        }
        if let Some(&p) = pps.last() {
            judged.insert(p);
        }
        for p in judged {
            let e = &events[p];
            rounds += 1;
            received += e["opinions_received"].as_u64().unwrap_or(0);
            adopted += e["opinions_adopted"].as_u64().unwrap_or(0);
            hearings += u64::from(
                !e["hearing"].is_null()
                    || e["methods"].as_array().unwrap().contains(&json!("hearing")),
            );
        }
        shortened += fs
            .iter()
            .filter(|f| f["code"] == "SHORTENED_COMMENT_PERIOD")
            .count() as u64;
        match decision["meeting"]["kind"].as_str().unwrap() {
            "executive" => executive += 1,
            "plenary" => plenary += 1,
            _ => other += 1,
        }
        if decision["head_decision"] != decision["majority"] {
            differs += 1;
            if decision["reason"]
                .as_str()
                .is_none_or(|r| r.trim().is_empty())
            {
                unexplained += 1;
            }
        }
        let step_state = |name: &str| {
            show["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["step"] == name)
                .unwrap()["state"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        if step_state("party_report") == "done" {
            after[0] += 1;
        }
        let profile = profiles.resolve(c["workflow"].as_str().unwrap()).unwrap();
        let params = profile.parameters();
        let last_after = |ty: &str| {
            (m + 1..events.len())
                .rev()
                .find(|&i| events[i]["type"] == ty)
                .map(|i| event_date(&events[i]))
        };
        if outcome == "approve" && c["attributes"]["confidential"] != true {
            match (step_state("publication") == "done", last_after("published")) {
                (true, Some(p)) => {
                    let late = params
                        .publication_deadline_working_days
                        .is_some_and(|n| p > calendar.add_working_days(met, n).unwrap().value);
                    after[if late { 2 } else { 1 }] += 1;
                }
                _ => after[3] += 1,
            }
        }
        if outcome == "approve" || outcome == "reject" {
            match (step_state("archiving") == "done", last_after("archived")) {
                (true, Some(a)) => {
                    let late = params
                        .archiving_deadline_days
                        .is_some_and(|n| a > met + chrono::Duration::days(i64::from(n)));
                    after[if late { 5 } else { 4 }] += 1;
                }
                _ => after[6] += 1,
            }
        }
        for f in fs {
            let e = findings
                .entry((
                    f["code"].as_str().unwrap().to_owned(),
                    f["article"].as_str().unwrap().to_owned(),
                ))
                .or_insert((f["severity"].as_str().unwrap().to_owned(), 0));
            e.1 += 1;
        }
        let of = |code: &str| fs.iter().filter(|f| f["code"] == code).count() as u64;
        overrides += of("GUARD_OVERRIDDEN");
        backfilled += of("BACKFILLED");
        voided += of("VOIDED_EVENT");
        not_in_catalogue += u64::from(has("NOT_IN_CATALOGUE"));
    }

    // The catalogues of the year (of the organ): from `catalogue show` and the audit's array.
    let mut catalogue = Value::Null;
    for cat in audit["catalogues"].as_array().unwrap() {
        if cat["year"] != year || organ.is_some_and(|o| cat["organ"] != o) {
            continue;
        }
        let o = cat["organ"].as_str().unwrap();
        let doc = env
            .juece(&[
                "catalogue",
                "show",
                o,
                &year.to_string(),
                "--format",
                "json",
            ])
            .json();
        let mut ids: Vec<String> = doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        let mut removed: BTreeSet<String> = BTreeSet::new();
        for a in doc["adjustments"].as_array().unwrap() {
            match a["action"].as_str().unwrap() {
                "add" => ids.push(a["item"]["id"].as_str().unwrap().to_owned()),
                _ => {
                    removed.insert(a["item_id"].as_str().unwrap().to_owned());
                }
            }
        }
        let decided = ids
            .iter()
            .filter(|i| {
                !removed.contains(*i) && decided_items.contains(&(o.to_owned(), (*i).clone()))
            })
            .count() as u64;
        let removed_n = removed.len() as u64;
        let items = ids.len() as u64;
        let open_n = items - decided - removed_n;
        let open_findings = cat["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "CATALOGUE_ITEM_OPEN")
            .count() as u64;
        assert_eq!(
            open_n, open_findings,
            "open items as of 31 December = CATALOGUE_ITEM_OPEN findings"
        );
        catalogue = json!({ "items": items, "decided": decided, "open": open_n, "removed": removed_n, "not_in_catalogue": not_in_catalogue });
        for f in cat["findings"].as_array().unwrap() {
            let e = findings
                .entry((f["code"].as_str().unwrap().to_owned(), "第三条".to_owned()))
                .or_insert((f["severity"].as_str().unwrap().to_owned(), 0));
            e.1 += 1;
        }
    }
    let p = |s: &str| {
        let [required, done, waived, skipped, defective] = proc[s];
        json!({ "required": required, "done": done, "waived": waived, "skipped": skipped, "defective": defective })
    };
    let n = |k: &str| conclusions.get(k).copied().unwrap_or(0);
    json!({
        "format": "juece-report/1",
        "year": year,
        "organ": organ,
        "decisions": { "total": total, "by_outcome": by_outcome, "by_category": by_category },
        "procedures": { "public_participation": p("public_participation"), "expert_review": p("expert_review"),
            "risk_assessment": p("risk_assessment"), "legality_review": p("legality_review"), "collective_decision": p("collective_decision") },
        "legality_review": {
            "coverage": if total == 0 { Value::Null } else { json!(covered as f64 / total as f64) },
            "conclusions": { "lawful": n("lawful"), "lawful_with_changes": n("lawful_with_changes"), "unlawful": n("unlawful"), "exploratory": n("exploratory") },
            "short_window": short_window, "shortened_window": shortened_window },
        "public_participation": { "rounds": rounds, "opinions_received": received, "opinions_adopted": adopted, "hearings": hearings, "shortened": shortened },
        "meetings": { "executive": executive, "plenary": plenary, "other": other, "head_differs": differs, "head_differs_unexplained": unexplained },
        "after_decision": { "party_reports": after[0], "published": after[1], "published_late": after[2], "unpublished": after[3],
            "archived": after[4], "archived_late": after[5], "unarchived": after[6] },
        "catalogue": catalogue,
        "findings": findings.into_iter().map(|((code, article), (severity, count))| json!({ "code": code, "severity": severity, "article": article, "count": count })).collect::<Vec<_>>(),
        "overrides": overrides,
        "backfilled": backfilled,
        "voided": voided,
    })
}

// ---------------------------------------------------------------------------------------------
// The HTML report in a real browser.

#[test]
fn html_report_renders_to_png_and_pdf_in_headless_chromium() {
    let env = Env::new();
    let cases = env.write("cases.json", &linked_examples().to_string());
    assert_eq!(env.juece(&["import", cases.to_str().unwrap()]).code, 0);
    let f = env.write("cat.json", &catalogue_doc().to_string());
    assert_eq!(
        env.juece(&["catalogue", "import", f.to_str().unwrap()])
            .code,
        0
    );
    let html = env.juece(&["report", "--year", "2023", "--format", "html"]);
    assert_eq!(html.code, 0, "{html:?}");
    let page = &html.stdout;
    // Self-contained: no script, no network, inline SVG charts with text labels, print CSS.
    assert!(page.starts_with("<!DOCTYPE html>"));
    let lower = page.to_lowercase();
    for banned in ["<script", "<link", " src=", "@import", "<iframe", "<img"] {
        assert!(!lower.contains(banned), "{banned} in the page");
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert_eq!(
        page.matches("http").count(),
        page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(page.contains("@page { size: A4"));
    assert!(
        page.contains("<text") && page.contains("应3 · 已1 · 免0 · 未1 · 瑕1"),
        "the bars carry their numbers as text"
    );
    let path = env.write("report.html", page);

    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        if std::env::var("JUECE_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("JUECE_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing (apt-get install chromium)");
        }
        eprintln!("\n!!!!!!!! SKIPPED html_report_renders_to_png_and_pdf_in_headless_chromium: /usr/bin/chromium is missing (apt-get install chromium; set JUECE_REQUIRE_BROWSER=1 to make this a failure) !!!!!!!!\n");
        return;
    }
    let png = env.path("report.png");
    let pdf = env.path("report.pdf");
    let url = format!("file://{}", path.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ];
    let profile = env.path("chromium-profile");
    let run = |extra: &[String]| {
        let out = Command::new(chromium)
            .args(common)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "--window-size=900,2400".to_owned(),
        format!("--screenshot={}", png.display()),
    ]);
    run(&[
        "--no-pdf-header-footer".to_owned(),
        format!("--print-to-pdf={}", pdf.display()),
    ]);
    let png_bytes = std::fs::read(&png).unwrap();
    assert!(
        png_bytes.starts_with(b"\x89PNG\r\n\x1a\n") && png_bytes.len() > 20_000,
        "{} bytes",
        png_bytes.len()
    );
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF-"), "not a PDF");
    // A4 pages: 595 × 842 points.
    let text = String::from_utf8_lossy(&pdf_bytes);
    assert!(
        text.contains("/MediaBox [0 0 594.9") && text.contains(" 841.9"),
        "not A4"
    );
    if let Ok(dir) = std::env::var("JUECE_REPORT_PNG_DIR") {
        std::fs::copy(&png, Path::new(&dir).join("report-example.png")).unwrap();
        std::fs::copy(&pdf, Path::new(&dir).join("report-example.pdf")).unwrap();
    }
}
